// A webcast encoder that loses its lease stops writing at once (issue 12):
// two real Plenary processes with media and the webcast on, sharing Redis
// and one data directory; a panelist publishes on A. Whichever process
// encodes the session, its lease is then taken from under it (as when it
// stalled past the lease's expiry and another process took over): at its
// next renewal it kills its ffmpeg and no process encodes the session while
// the other holder has the lease. When that lease runs out unrenewed, a
// process claims it and the webcast goes on with a new run.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Worker } from 'mediasoup/types';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseKey } from '../../server/media/webcast/encoder-lease.ts';
import { hasRedis } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaCluster, type MediaCluster } from './support.ts';
import { hasFfmpeg, sendRtp } from './webcast-support.ts';

const sessionId = 'closing';

/** ffmpeg processes that are children of these processes and write this session's webcast. */
function encodersOf(parents: number[]): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      if (cmdline.includes('ffmpeg') && cmdline.includes(`/webcast/${eventId}/${sessionId}/`) && parents.includes(ppid)) found.push(ppid);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe.skipIf(!hasRedis || !hasFfmpeg)('a webcast encoder whose lease was taken stops writing', () => {
  let cluster: MediaCluster;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const senders: ChildProcess[] = [];
  let moderator: TestParticipant;
  let panelist: TestParticipant;
  let viewer: TestParticipant;

  beforeAll(async () => {
    cluster = await startMediaCluster(2, 'warn', { WEBCAST_ENABLED: 'true', WEBCAST_FPS: '5', WEBCAST_LIST_SIZE: '8', WEBCAST_SEGMENT_SECONDS: '1' });
    worker = await clientWorker();
    const url = { url: cluster.urls[0]! };
    moderator = await createParticipant(url, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(url, { name: 'Panelist', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    viewer = await createParticipant(url, { name: 'Viewer', group: 'government', country: 'GH' });
  }, 120_000);

  afterAll(async () => {
    for (const child of senders) child.kill('SIGKILL');
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    await cluster?.stop();
  });

  it('kills its ffmpeg at its next renewal; the webcast goes on once the lease is free again', async () => {
    const [urlA] = cluster.urls as [string, string];
    const mod = await connect(urlA, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const socket = await connect(urlA, { token: panelist.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    const pan = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(pan);
    await waitFor(async () => pan.join().then(() => true, () => false), { timeout: 10_000 });
    const mic = await pan.produceRtp('audio', { source: 'mic' });
    senders.push(sendRtp(null, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq: 440 }));

    const playlist = `${urlA}/webcast/${eventId}/${sessionId}/audio-floor.m3u8`;
    const lastRun = async (): Promise<number> => {
      const res = await fetch(playlist, { headers: { authorization: `Bearer ${viewer.token}` } });
      const text = res.ok ? await res.text() : '';
      return Math.max(0, ...[...text.matchAll(/audio-floor-r(\d+)-\d+\.ts/g)].map((m) => Number(m[1])));
    };
    await waitFor(async () => (await lastRun()) > 0, { timeout: 60_000, interval: 500 });
    const reporting = async (): Promise<number[]> => {
      const found: number[] = [];
      for (const [i, url] of cluster.urls.entries()) {
        const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${organizerToken}` } })).text();
        if (new RegExp(`plenary_webcast_encoder_restarts\\{[^}]*session="${sessionId}"`).test(text)) found.push(i);
      }
      return found;
    };
    const [holder] = await waitFor(async () => ((await reporting()).length === 1 ? reporting() : null), { timeout: 20_000 });
    expect(encodersOf(cluster.pids)).toEqual([cluster.pids[holder!]]);
    const runBefore = await lastRun();

    // Another holder takes the lease (for 8 s, and never renews it).
    const { createClient } = await import('redis');
    const redis = createClient({ url: cluster.redisUrl });
    await redis.connect();
    try {
      await redis.set(leaseKey(eventId, sessionId), 'a-process-that-stalls', { PX: 8000 });
      // The encoder's process finds it at its next renewal and kills its ffmpeg; the other process does not start one.
      await expect.poll(() => encodersOf(cluster.pids), { timeout: 10_000, interval: 200 }).toEqual([]);
      expect(await reporting()).toEqual([]);
      expect(await redis.get(leaseKey(eventId, sessionId))).toBe('a-process-that-stalls');
      expect(encodersOf(cluster.pids)).toEqual([]);
    } finally {
      await redis.quit();
    }

    // Unrenewed, the lease runs out: one process claims it and the webcast goes on with a new run.
    await waitFor(async () => (await lastRun()) > runBefore, { timeout: 40_000, interval: 500 });
    await expect.poll(() => encodersOf(cluster.pids).length, { timeout: 10_000, interval: 250 }).toBe(1);
    expect(await reporting()).toHaveLength(1);
  }, 180_000);
});
