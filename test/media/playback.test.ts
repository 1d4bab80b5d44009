// Pre-recorded statements played to the floor (issue 18, item 3), against a
// real mediasoup worker: when the moderator advances to a pre-recorded
// statement, the server plays its video into the session as producers
// with the right 'playback' (ffmpeg → plain RTP → PlainTransport); a
// booth's interpreter consumes them over plain RTP and receives audio and
// video packets while nobody publishes live; they close when the moderator
// advances, and on their own when the video ends. The moderator pauses,
// resumes (from the position) and stops a statement; at the video's end the
// item ends by itself with its actual time and the next waits.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { RunStateMessage } from '../../server/protocol/events.ts';
import type { NewProducerMessage, ProducerClosedMessage } from '../../server/protocol/media-events.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { stageReady } from '../support/running-order.ts';
import { getJson, organizerToken, postFresh, tempDir, waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaServer } from './support.ts';

const sessionId = 'thematic-3';
const base = `/api/events/${eventId}/sessions/${sessionId}/running-order`;
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 && spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;

function testVideo(seconds: number): Buffer {
  const file = path.join(tempDir('plenary-playback-'), 'statement.mp4');
  const out = spawnSync('ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file,
  ]);
  if (out.status !== 0) throw new Error(`ffmpeg: ${out.stderr.toString()}`);
  return fs.readFileSync(file);
}

describe.skipIf(!hasFfmpeg)('pre-recorded statements played into the session (real mediasoup worker)', () => {
  let server: Plenary;
  let worker: Worker;
  let moderator: TestParticipant;
  let interpreter: TestParticipant;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];

  beforeAll(async () => {
    process.env.RECORDING_STAGE_SIZE = '320x180'; // a small stage copy: quick to make on a busy machine
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    delete process.env.RECORDING_STAGE_SIZE;
    worker = await clientWorker();
    moderator = await createParticipant(server, { name: 'Moderator', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    interpreter = await createParticipant(server, { name: 'Interpreter', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const items = [
      { id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State', prerecorded: true, plannedMs: 60_000 },
      { id: 'panel', kind: 'panel', title: 'Interactive panel', plannedMs: 600_000 },
      { id: 'hos-2', kind: 'statement', title: 'Second statement', speaker: 'Head of Government', prerecorded: true, plannedMs: 60_000 },
    ];
    const put = await getJson(`${server.url}${base}`, { method: 'PUT', headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
    expect(put.status).toBe(200);
    const video = testVideo(4);
    for (const item of ['hos-1', 'hos-2']) {
      const up = await postFresh(`${server.url}${base}/${item}/recording`, { authorization: `Bearer ${organizerToken}`, 'content-type': 'video/mp4' }, new Uint8Array(video));
      expect(up.status).toBe(201);
    }
    // Transcoded once to the stage format in the background; played from that copy.
    for (const item of ['hos-1', 'hos-2']) await stageReady(server.url, base, item);
  }, 240_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    await server?.close();
    worker?.close();
  });

  it('plays the statement as producers a booth receives, stops them when the moderator advances and when the video ends', async () => {
    const mod = await connect(server.url, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const booth = await connect(server.url, { token: interpreter.token });
    sockets.push(booth);
    await ok(booth, 'session:join', { sessionId });
    const media = await NodeMediaClient.create(booth, sessionId, worker);
    clients.push(media);
    await media.join();

    const announced: NewProducerMessage[] = [];
    booth.on('media:new-producer', (m: NewProducerMessage) => announced.push(m));

    // Uploaded but not yet approved: the item starts, nothing is played.
    await ok(mod, 'run:advance', { sessionId, itemId: 'hos-1' });
    await new Promise((r) => setTimeout(r, 1500));
    expect(announced.filter((m) => m.producer.right === 'playback')).toEqual([]);
    await ok(mod, 'run:advance', { sessionId, itemId: 'panel' });
    const refused = await getJson(`${server.url}${base}/hos-1/recording/approve`, { method: 'POST', headers: { authorization: `Bearer ${interpreter.token}` } });
    expect(refused.status).toBe(403);
    const approved = await getJson<{ item: { recording: { approved: boolean } } }>(`${server.url}${base}/hos-1/recording/approve`, { method: 'POST', headers: { authorization: `Bearer ${moderator.token}` } });
    expect(approved.status).toBe(200);
    expect(approved.body.item.recording.approved).toBe(true);

    await ok(mod, 'run:advance', { sessionId, itemId: 'hos-1' });
    await waitFor(() => announced.filter((m) => m.producer.right === 'playback').length === 2, { timeout: 10_000 });
    const played = announced.map((m) => m.producer);
    expect(played.map((p) => p.kind).sort()).toEqual(['audio', 'video']);
    expect(played.every((p) => p.name === 'Head of State' && ['mic', 'camera'].includes(p.source))).toBe(true);

    const audio = await media.consume(played.find((p) => p.kind === 'audio')!.producerId);
    const video = await media.consume(played.find((p) => p.kind === 'video')!.producerId);
    await waitFor(() => audio.packets() > 20 && video.packets() > 20, { timeout: 10_000 });

    // The moderator moves on: the playback leaves the stage.
    const closed: ProducerClosedMessage[] = [];
    booth.on('media:producer-closed', (m: ProducerClosedMessage) => closed.push(m));
    await ok(mod, 'run:advance', { sessionId, itemId: 'panel' });
    await waitFor(() => closed.length === 2, { timeout: 5000 });
    expect(closed.map((c) => c.producerId).sort()).toEqual(played.map((p) => p.producerId).sort());

    // Back to the statement: it plays from the start and ends with the video (4 s).
    announced.length = 0;
    closed.length = 0;
    const started = Date.now();
    const ended = nextEvent<RunStateMessage>(booth, 'run:state', (m) => m.currentItemId === null, 20_000);
    await ok(mod, 'run:advance', { sessionId, itemId: 'hos-1' });
    await waitFor(() => announced.filter((m) => m.producer.right === 'playback').length === 2, { timeout: 10_000 });
    await waitFor(() => closed.length === 2, { timeout: 15_000 });
    expect(Date.now() - started).toBeGreaterThan(3000);
    // The item ends with its video; the next one is the moderator's to start.
    const state = await ended;
    expect(state.items.map((i) => [i.id, i.status])).toEqual([['hos-1', 'done'], ['panel', 'done'], ['hos-2', 'pending']]);
  }, 60_000);

  it('pauses, resumes from the position and stops for the moderator only; the item ends by itself when the video does', async () => {
    const mod = await connect(server.url, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    const booth = await connect(server.url, { token: interpreter.token });
    sockets.push(booth);
    await ok(booth, 'session:join', { sessionId });
    const media = await NodeMediaClient.create(booth, sessionId, worker);
    clients.push(media);
    await media.join();
    const announced: NewProducerMessage[] = [];
    const closed: ProducerClosedMessage[] = [];
    booth.on('media:new-producer', (m: NewProducerMessage) => announced.push(m));
    booth.on('media:producer-closed', (m: ProducerClosedMessage) => closed.push(m));
    const playbacks = () => announced.filter((m) => m.producer.right === 'playback' && m.producer.name === 'Head of Government');
    await waitForApproval('hos-2');

    // Nothing playing on that item yet; refusals with codes.
    expect(await emit(mod, 'run:playback', { sessionId, itemId: 'hos-2', action: 'pause' })).toMatchObject({ ok: false, error: { code: 'not_playing' } });
    expect(await emit(mod, 'run:playback', { sessionId, itemId: 'hos-2', action: 'rewind' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(mod, 'run:playback', { sessionId, itemId: 'ghost', action: 'pause' })).toMatchObject({ ok: false, error: { code: 'run_item_not_found' } });

    await ok(mod, 'run:advance', { sessionId, itemId: 'hos-2' });
    await waitFor(() => playbacks().length === 2, { timeout: 10_000 });
    expect(await emit(booth, 'run:playback', { sessionId, itemId: 'hos-2', action: 'pause' })).toMatchObject({ ok: false, error: { code: 'not_moderator' } });
    await new Promise((r) => setTimeout(r, 1000));

    // Pause: the position is kept, the playback leaves the stage, everyone is told.
    const pausedState = nextEvent<RunStateMessage>(booth, 'run:state', (m) => m.items.some((i) => i.id === 'hos-2' && i.playback?.state === 'paused'));
    const paused = await ok<{ playback: { state: string; positionMs: number } }>(mod, 'run:playback', { sessionId, itemId: 'hos-2', action: 'pause' });
    expect(paused.playback.state).toBe('paused');
    expect(paused.playback.positionMs).toBeGreaterThanOrEqual(900);
    expect(paused.playback.positionMs).toBeLessThan(4000);
    await pausedState;
    await waitFor(() => closed.length === 2, { timeout: 5000 });
    // A resent pause changes nothing.
    expect(await ok<{ playback: { positionMs: number } }>(mod, 'run:playback', { sessionId, itemId: 'hos-2', action: 'pause' })).toMatchObject({ playback: { positionMs: paused.playback.positionMs } });

    // Resume: new producers, from the position; the rest of the video plays and the item ends by itself.
    announced.length = 0;
    const resumed = await ok<{ playback: { state: string; positionMs: number } }>(mod, 'run:playback', { sessionId, itemId: 'hos-2', action: 'resume' });
    expect(resumed.playback).toMatchObject({ state: 'playing', positionMs: paused.playback.positionMs });
    await waitFor(() => playbacks().length === 2, { timeout: 10_000 });
    const audio = await media.consume(playbacks().find((p) => p.producer.kind === 'audio')!.producer.producerId);
    await waitFor(() => audio.packets() > 10, { timeout: 10_000 });
    const ended = await nextEvent<RunStateMessage>(booth, 'run:state', (m) => m.currentItemId === null, 15_000);
    const item = ended.items.find((i) => i.id === 'hos-2')!;
    expect(item).toMatchObject({ status: 'done', endedAt: expect.any(String), playback: { state: 'ended', positionMs: 4000 } });
    expect(item.actualMs).toBeGreaterThanOrEqual(4000 - paused.playback.positionMs);
    expect(ended.items.find((i) => i.id === 'panel')?.status).not.toBe('current'); // the next waits for the moderator

    // Stop: the item ends at once, its producers close.
    announced.length = 0;
    closed.length = 0;
    await ok(mod, 'run:advance', { sessionId, itemId: 'hos-2' });
    await waitFor(() => playbacks().length === 2, { timeout: 10_000 });
    const stopped = await ok<{ currentItemId: string | null; playback: { state: string } }>(mod, 'run:playback', { sessionId, itemId: 'hos-2', action: 'stop' });
    expect(stopped).toMatchObject({ currentItemId: null, playback: { state: 'stopped' } });
    await waitFor(() => closed.length === 2, { timeout: 5000 });
    expect(await emit(mod, 'run:playback', { sessionId, itemId: 'hos-2', action: 'resume' })).toMatchObject({ ok: false, error: { code: 'not_playing' } });
  }, 60_000);

  it('marks a statement whose video is missing from the data directory interrupted at once, rather than playing with nothing playing', async () => {
    const mod = await connect(server.url, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    const dir = path.join(server.config.dataDir, 'statements', eventId, sessionId);
    const copy = fs.readdirSync(dir).find((f) => f.startsWith('hos-1-') && f.endsWith('.stage.webm'))!;
    fs.renameSync(path.join(dir, copy), path.join(dir, `${copy}.away`));
    try {
      const interrupted = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.items.some((i) => i.id === 'hos-1' && i.playback?.state === 'interrupted'), 15_000);
      await ok(mod, 'run:advance', { sessionId, itemId: 'hos-1' });
      expect((await interrupted).items.find((i) => i.id === 'hos-1')).toMatchObject({ status: 'current', playback: { state: 'interrupted', positionMs: 0 } });
      // Put back, the moderator resumes it: it plays (its producers reach the room).
      fs.renameSync(path.join(dir, `${copy}.away`), path.join(dir, copy));
      const media = await NodeMediaClient.create(mod, sessionId, worker);
      clients.push(media);
      await media.join();
      const produced = nextEvent<NewProducerMessage>(mod, 'media:new-producer', (m) => m.producer.right === 'playback', 15_000);
      await ok(mod, 'run:playback', { sessionId, itemId: 'hos-1', action: 'resume' });
      await produced;
      await ok(mod, 'run:advance', { sessionId, itemId: 'panel' });
    } finally {
      if (fs.existsSync(path.join(dir, `${copy}.away`))) fs.renameSync(path.join(dir, `${copy}.away`), path.join(dir, copy));
    }
  }, 60_000);

  it('ending the session stops a statement and records where it stopped (interrupted), rather than playing for ever', async () => {
    const mod = await connect(server.url, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    const playing = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.currentItemId === 'hos-1' && m.items.some((i) => i.id === 'hos-1' && i.playback?.state === 'playing'), 15_000);
    await ok(mod, 'run:advance', { sessionId, itemId: 'hos-1' });
    await playing;
    await new Promise((r) => setTimeout(r, 500));
    const interrupted = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.items.some((i) => i.id === 'hos-1' && i.playback?.state === 'interrupted'), 15_000);
    await ok(mod, 'session:end', { sessionId });
    const state = await interrupted;
    expect(state.items.find((i) => i.id === 'hos-1')!.playback!.positionMs).toBeGreaterThan(0);
  }, 60_000);

  async function waitForApproval(itemId: string): Promise<void> {
    const approved = await getJson(`${server.url}${base}/${itemId}/recording/approve`, { method: 'POST', headers: { authorization: `Bearer ${moderator.token}` } });
    expect(approved.status).toBe(200);
  }
});
