// The webcast survives the death of its encoder's mediasoup worker (issue
// 12): two real Plenary processes sharing Redis, the webcast on A only, the
// only producer on B (a panelist's tone), so A's encoder consumes it through
// a pipe into a router of its own, with nobody of A's connected to refresh
// it. A's worker is SIGKILLed (the pool starts another): the encoder notices
// its media went, opens the session's media again on the new worker, pipes
// the producer in again, and the webcast goes on with a new run where the
// panelist is heard.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Worker } from 'mediasoup/types';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaCluster, type MediaCluster } from './support.ts';
import { heardIn } from './webcast-audio.ts';
import { hasFfmpeg, sendRtp } from './webcast-support.ts';

const sessionId = 'opening';

/** The mediasoup workers a process started (its children running the worker binary). */
function workersOf(pid: number): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      if (ppid === pid && fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('mediasoup-worker')) found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe.skipIf(!hasRedis || !hasFfmpeg)('the webcast after its encoder’s mediasoup worker died', () => {
  let cluster: MediaCluster;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const senders: ChildProcess[] = [];
  let moderator: TestParticipant;
  let panelist: TestParticipant;
  let viewer: TestParticipant;

  beforeAll(async () => {
    cluster = await startMediaCluster(2, 'warn', { WEBCAST_FPS: '5', WEBCAST_LIST_SIZE: '8', WEBCAST_SEGMENT_SECONDS: '1' }, (i): Record<string, string> => (i === 0 ? { WEBCAST_ENABLED: 'true' } : {}));
    worker = await clientWorker();
    const url = { url: cluster.urls[0]! };
    moderator = await createParticipant(url, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(url, { name: 'Panelist on B', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    viewer = await createParticipant(url, { name: 'Viewer', group: 'government', country: 'GH' });
  }, 120_000);

  afterAll(async () => {
    for (const child of senders) child.kill('SIGKILL');
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    await cluster?.stop();
  });

  it('opens the session’s media again on the new worker and goes on with a new run', async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    const mod = await connect(urlB, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const socket = await connect(urlB, { token: panelist.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    const pan = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(pan);
    await waitFor(async () => pan.join().then(() => true, () => false), { timeout: 10_000 });
    const mic = await pan.produceRtp('audio', { source: 'mic' });
    senders.push(sendRtp(null, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq: 440 }));

    const floor = `${urlA}/webcast/${eventId}/${sessionId}/audio-floor.m3u8`;
    const headers = `Authorization: Bearer ${viewer.token}\r\n`;
    const lastRun = async (): Promise<number> => {
      const res = await fetch(floor, { headers: { authorization: `Bearer ${viewer.token}` } });
      const text = res.ok ? await res.text() : '';
      return Math.max(0, ...[...text.matchAll(/audio-floor-r(\d+)-\d+\.ts/g)].map((m) => Number(m[1])));
    };
    await expect.poll(() => heardIn(floor, headers, 440), { timeout: 60_000, interval: 1000 }).toBe(true);
    const runBefore = await lastRun();

    const [dying] = workersOf(cluster.pids[0]!);
    expect(dying).toBeGreaterThan(0);
    process.kill(dying!, 'SIGKILL');
    await waitFor(() => workersOf(cluster.pids[0]!).some((pid) => pid !== dying), { timeout: 30_000, interval: 250 });

    await waitFor(async () => (await lastRun()) > runBefore, { timeout: 60_000, interval: 500 });
    await expect.poll(() => heardIn(floor, headers, 440), { timeout: 30_000, interval: 1000 }).toBe(true);
  }, 180_000);
});
