// A pre-recorded statement across two server processes (issue 18, item 4;
// Redis, real workers): the process whose write started the statement plays
// it; a moderator connected to the other process pauses it, and the player
// stops (its producers close for a booth on the player's process); resumed
// from the other process, it is played again, once, from where it paused.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewProducerMessage, ProducerClosedMessage } from '../../server/protocol/media-events.ts';
import { hasRedis, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok } from '../support/realtime.ts';
import { stageReady } from '../support/running-order.ts';
import { getJson, organizerToken, postFresh, tempDir, waitFor } from '../support/server.ts';
import { clientWorker, freePortBase, NodeMediaClient } from './support.ts';

const sessionId = 'thematic-4';
const base = `/api/events/${eventId}/sessions/${sessionId}/running-order`;
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasRedis || !hasFfmpeg)('a pre-recorded statement paused and resumed from another process', () => {
  let cluster: ServerCluster;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];

  beforeAll(async () => {
    const bases = [await freePortBase(10)];
    bases.push(await freePortBase(10));
    cluster = await startServerCluster(2, 'warn', (i) => ({
      MEDIA_ENABLED: 'true',
      MEDIA_WORKERS: '1',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_RTC_MIN_PORT: String(bases[i]),
      MEDIA_RTC_MAX_PORT: String((bases[i] ?? 0) + 9),
      RECORDING_STAGE_SIZE: '160x90',
    }));
    worker = await clientWorker();
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    await cluster?.stop();
  });

  it('stops on the player’s process when paused from the other, and resumes once', async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    const video = path.join(tempDir('plenary-xp-'), 'statement.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=25:duration=60', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=60', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', video]);
    expect(made.status).toBe(0);
    const headers = { authorization: `Bearer ${organizerToken}` };
    expect((await postFresh(`${urlA}${base}/hos-1/recording`, { ...headers, 'content-type': 'video/mp4' }, new Uint8Array(fs.readFileSync(video)))).status).toBe(201);
    await stageReady(urlA, base, 'hos-1');
    expect((await getJson(`${urlA}${base}/hos-1/recording/approve`, { method: 'POST', headers })).status).toBe(200);

    const moderator = await createParticipant({ url: urlA }, { name: 'Chair', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    const interpreter = await createParticipant({ url: urlA }, { name: 'Booth', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const onA = await connect(urlA, { token: moderator.token });
    const onB = await connect(urlB, { token: moderator.token });
    const booth = await connect(urlA, { token: interpreter.token });
    sockets.push(onA, onB, booth);
    for (const s of [onA, onB, booth]) await ok(s, 'session:join', { sessionId });
    await ok(onA, 'session:open', { sessionId });
    const media = await NodeMediaClient.create(booth, sessionId, worker);
    clients.push(media);
    await waitFor(async () => media.join().then(() => true, () => false), { timeout: 10_000 });
    const played: NewProducerMessage[] = [];
    const closed: ProducerClosedMessage[] = [];
    booth.on('media:new-producer', (m: NewProducerMessage) => m.producer.right === 'playback' && played.push(m));
    booth.on('media:producer-closed', (m: ProducerClosedMessage) => closed.push(m));

    // Started on A: A plays it.
    await ok(onA, 'run:advance', { sessionId, itemId: 'hos-1' });
    await waitFor(() => played.length === 2, { timeout: 20_000 });
    const first = played.map((m) => m.producer.producerId).sort();
    await new Promise((r) => setTimeout(r, 1000));

    // Paused from B: A's player hears of it through Redis and stops.
    const paused = await ok<{ playback: { state: string; positionMs: number } }>(onB, 'run:playback', { sessionId, itemId: 'hos-1', action: 'pause' });
    expect(paused.playback.state).toBe('paused');
    await waitFor(() => first.every((id) => closed.some((c) => c.producerId === id)), { timeout: 15_000 });

    // Resumed from B: played again (by B, whose write started it), once.
    played.length = 0;
    const resumed = await ok<{ playback: { state: string; positionMs: number } }>(onB, 'run:playback', { sessionId, itemId: 'hos-1', action: 'resume' });
    expect(resumed.playback).toMatchObject({ state: 'playing', positionMs: paused.playback.positionMs });
    await waitFor(() => played.length >= 2, { timeout: 20_000 });
    await new Promise((r) => setTimeout(r, 1500));
    expect(played.map((m) => m.producer.kind).sort()).toEqual(['audio', 'video']);
    const audio = await media.consume(played.find((m) => m.producer.kind === 'audio')!.producer.producerId);
    await waitFor(() => audio.packets() > 10, { timeout: 15_000 });
  }, 240_000);
});
