// A webcast whose encoding process died with nobody left to take it over
// (issue 12): two real Plenary processes sharing Redis and one data
// directory, the webcast on both, the only producer on A (so A encodes).
// A is SIGKILLed: B has nothing to encode, and the recordings API, from B,
// still tells the recording as being recorded. When the session ends (on
// B), B finalises it once A's lease has run out: the recording is ready,
// with what A encoded.
import type { ChildProcess } from 'node:child_process';
import type { Worker } from 'mediasoup/types';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaCluster, type MediaCluster } from './support.ts';
import { hasFfmpeg, sendRtp } from './webcast-support.ts';

const sessionId = 'opening';

interface ListedRecording {
  id: string;
  status: string;
  startedAt: string;
  durationMs: number | null;
  url: string | null;
}

describe.skipIf(!hasRedis || !hasFfmpeg)('a webcast left by a dead encoder with nobody to take it over', () => {
  let cluster: MediaCluster;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const senders: ChildProcess[] = [];
  let moderator: TestParticipant;
  let panelist: TestParticipant;

  beforeAll(async () => {
    cluster = await startMediaCluster(2, 'warn', { WEBCAST_ENABLED: 'true', WEBCAST_FPS: '5', WEBCAST_LIST_SIZE: '8', WEBCAST_SEGMENT_SECONDS: '1' });
    worker = await clientWorker();
    const url = { url: cluster.urls[0]! };
    moderator = await createParticipant(url, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(url, { name: 'Panelist on A', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
  }, 120_000);

  afterAll(async () => {
    for (const child of senders) child.kill('SIGKILL');
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    await cluster?.stop();
  });

  it('is told as being recorded, then finalised by the process that hears the session end', async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    const socket = await connect(urlA, { token: panelist.token });
    sockets.push(socket);
    const mod = await connect(urlB, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await ok(socket, 'session:join', { sessionId });
    const pan = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(pan);
    await waitFor(async () => pan.join().then(() => true, () => false), { timeout: 10_000 });
    const mic = await pan.produceRtp('audio', { source: 'mic' });
    senders.push(sendRtp(null, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq: 440 }));

    const recordings = async (url: string): Promise<ListedRecording[]> =>
      ((await (await fetch(`${url}/api/events/${eventId}/sessions/${sessionId}/recordings`, { headers: { authorization: `Bearer ${organizerToken}` } })).json()) as { recordings: ListedRecording[] }).recordings;
    const floor = `${urlB}/webcast/${eventId}/${sessionId}/audio-floor.m3u8`;
    // A few seconds of webcast, read from B.
    await waitFor(async () => {
      const res = await fetch(floor, { headers: { authorization: `Bearer ${organizerToken}` } });
      return res.ok && ((await res.text()).match(/\.ts$/gm)?.length ?? 0) >= 4;
    }, { timeout: 60_000, interval: 500 });
    // A encodes: the producer is A's, and B, with none of the session's producers, leaves the lease to A for a beat.
    const metrics = await (await fetch(`${urlA}/metrics`, { headers: { authorization: `Bearer ${organizerToken}` } })).text();
    expect(metrics).toMatch(new RegExp(`plenary_webcast_encoder_restarts\\{[^}]*session="${sessionId}"`));
    const [before] = await recordings(urlB);
    expect(before).toMatchObject({ status: 'recording', url: null });

    // A dies: nothing is left to encode, and B still tells the same recording, being recorded.
    cluster.kill(0);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(await recordings(urlB)).toEqual([before]);

    // The session ends on B: B finalises it (once A's lease has run out), and it is ready.
    await ok(mod, 'session:end', { sessionId });
    const ready = await waitFor(async () => {
      const [r] = await recordings(urlB);
      return r && (r.status === 'ready' || r.status === 'failed') ? r : null;
    }, { timeout: 60_000, interval: 500 });
    expect(ready).toMatchObject({ id: before!.id, startedAt: before!.startedAt, status: 'ready' });
    expect(ready.durationMs).toBeGreaterThan(3000);
    const file = await fetch(`${urlB}${ready.url}`, { headers: { authorization: `Bearer ${organizerToken}`, range: 'bytes=0-99' } });
    expect(file.status).toBe(206);
  }, 180_000);
});
