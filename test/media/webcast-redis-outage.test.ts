// The webcast through a Redis outage (issue 12): two real Plenary processes
// sharing Redis, the webcast on A only; a panelist on A and one on B, each
// their own tone. Redis is frozen (SIGSTOP: connections stay open, commands
// wait) for longer than the encoder lease's renewal allows and than the
// media cluster's heartbeats tolerate. A's encoder cannot renew its lease:
// it stops its ffmpeg rather than risk writing beside another holder (its
// own panelist is still sending, so nothing else would stop it). Redis back,
// A claims the lease again, the processes learn each other's producers
// again (each had taken the other for dead), and the webcast goes on with a
// new run where both panelists are heard.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Worker } from 'mediasoup/types';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, sleep, startMediaCluster, type MediaCluster } from './support.ts';
import { heardIn } from './webcast-audio.ts';
import { hasFfmpeg, sendRtp } from './webcast-support.ts';

const sessionId = 'thematic-1';

/** Processes on this machine whose command line has all these parts, with their parent. */
function processesWith(...parts: string[]): { pid: number; ppid: number }[] {
  const found: { pid: number; ppid: number }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (!parts.every((p) => cmdline.includes(p))) continue;
      found.push({ pid: Number(name), ppid: Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe.skipIf(!hasRedis || !hasFfmpeg)('the webcast through a Redis outage', () => {
  let cluster: MediaCluster;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const senders: ChildProcess[] = [];
  let redisPid = 0;
  let moderator: TestParticipant;
  let onA: TestParticipant;
  let onB: TestParticipant;
  let viewer: TestParticipant;

  beforeAll(async () => {
    cluster = await startMediaCluster(2, 'error', { WEBCAST_FPS: '5', WEBCAST_LIST_SIZE: '8', WEBCAST_SEGMENT_SECONDS: '1' }, (i): Record<string, string> => (i === 0 ? { WEBCAST_ENABLED: 'true' } : {}));
    worker = await clientWorker();
    const url = { url: cluster.urls[0]! };
    moderator = await createParticipant(url, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    onA = await createParticipant(url, { name: 'Panelist on A', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    onB = await createParticipant(url, { name: 'Panelist on B', group: 'employers', roles: [{ sessionId, role: 'panelist' }] });
    viewer = await createParticipant(url, { name: 'Viewer', group: 'government', country: 'GH' });
    const port = new URL(cluster.redisUrl).port;
    redisPid = processesWith('redis-server', `:${port}`)[0]?.pid ?? 0;
  }, 120_000);

  afterAll(async () => {
    if (redisPid) process.kill(redisPid, 'SIGCONT');
    for (const child of senders) child.kill('SIGKILL');
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    await cluster?.stop();
  });

  async function publish(url: string, p: TestParticipant, freq: number): Promise<void> {
    const socket = await connect(url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    const media = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(media);
    await waitFor(async () => media.join().then(() => true, () => false), { timeout: 10_000 });
    const mic = await media.produceRtp('audio', { source: 'mic' });
    senders.push(sendRtp(null, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq }));
  }

  it('stops the encoder that cannot renew its lease, and goes on with everyone once Redis is back', async () => {
    expect(redisPid).toBeGreaterThan(0);
    const [urlA, urlB] = cluster.urls as [string, string];
    const mod = await connect(urlA, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await publish(urlA, onA, 440);
    await publish(urlB, onB, 660);

    const floor = `${urlA}/webcast/${eventId}/${sessionId}/audio-floor.m3u8`;
    const headers = `Authorization: Bearer ${viewer.token}\r\n`;
    const lastRun = async (): Promise<number> => {
      const res = await fetch(floor, { headers: { authorization: `Bearer ${viewer.token}` } });
      const text = res.ok ? await res.text() : '';
      return Math.max(0, ...[...text.matchAll(/audio-floor-r(\d+)-\d+\.ts/g)].map((m) => Number(m[1])));
    };
    await expect.poll(() => heardIn(floor, headers, 660), { timeout: 60_000, interval: 1000 }).toBe(true);
    expect(await heardIn(floor, headers, 440)).toBe(true);
    const encoders = (): number => processesWith('ffmpeg', `/webcast/${eventId}/${sessionId}/`).filter((p) => p.ppid === cluster.pids[0]).length;
    expect(encoders()).toBe(1);
    const runBefore = await lastRun();

    // Redis freezes: the lease cannot be renewed, and the encoder stops (A's own panelist still sends).
    process.kill(redisPid, 'SIGSTOP');
    const frozenAt = Date.now();
    try {
      await expect.poll(encoders, { timeout: 15_000, interval: 250 }).toBe(0);
      // Long enough for the media cluster to take each process for dead (5 s without heartbeats).
      await sleep(Math.max(0, 8000 - (Date.now() - frozenAt)));
    } finally {
      process.kill(redisPid, 'SIGCONT');
    }

    // Redis back: a new run, with A's panelist and, learnt again through the media cluster, B's.
    await waitFor(async () => (await lastRun()) > runBefore, { timeout: 60_000, interval: 500 });
    await expect.poll(() => heardIn(floor, headers, 660), { timeout: 40_000, interval: 1000 }).toBe(true);
    await expect.poll(() => heardIn(floor, headers, 440), { timeout: 20_000, interval: 1000 }).toBe(true);
    expect(encoders()).toBe(1);
  }, 240_000);
});
