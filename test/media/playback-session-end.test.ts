// A pre-recorded statement playing when its session ends (issue 18), against a
// real mediasoup worker and ffmpeg: the running order stops (nothing runs, the
// item's actual time fixed) and the statement is interrupted where it was, in
// one state the room hears; reopened, the chair advances to it and it plays on
// from that position, as new producers a booth is offered.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { RunStateMessage } from '../../server/protocol/events.ts';
import type { NewProducerMessage } from '../../server/protocol/media-events.ts';
import { connect, createParticipant, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { stageReady } from '../support/running-order.ts';
import { getJson, organizerToken, postFresh, tempDir } from '../support/server.ts';
import { startMediaServer } from './support.ts';

const sessionId = 'thematic-1';
const base = `/api/events/${eventId}/sessions/${sessionId}/running-order`;
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 && spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;
const organizer = { authorization: `Bearer ${organizerToken}` };

function testVideo(seconds: number): Buffer {
  const file = path.join(tempDir('plenary-playback-end-'), 'statement.mp4');
  const out = spawnSync('ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file,
  ]);
  if (out.status !== 0) throw new Error(`ffmpeg: ${out.stderr.toString()}`);
  return fs.readFileSync(file);
}

describe.skipIf(!hasFfmpeg)('a statement playing when its session ends (real mediasoup worker)', () => {
  let server: Plenary;
  let moderator: TestParticipant;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    process.env.RECORDING_STAGE_SIZE = '320x180'; // a small stage copy: quick to make on a busy machine
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    delete process.env.RECORDING_STAGE_SIZE;
    moderator = await createParticipant(server, { name: 'Moderator', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    const items = [
      { id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State', prerecorded: true, plannedMs: 60_000 },
      { id: 'panel', kind: 'panel', title: 'Interactive panel', plannedMs: 600_000 },
    ];
    const put = await getJson(`${server.url}${base}`, { method: 'PUT', headers: { ...organizer, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
    expect(put.status).toBe(200);
    const up = await postFresh(`${server.url}${base}/hos-1/recording`, { ...organizer, 'content-type': 'video/mp4' }, new Uint8Array(testVideo(20)));
    expect(up.status).toBe(201);
    await stageReady(server.url, base, 'hos-1');
    expect((await getJson(`${server.url}${base}/hos-1/recording/approve`, { method: 'POST', headers: organizer })).status).toBe(200);
  }, 240_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('is interrupted where it was as the order stops, and plays on from there when the reopened session advances to it', async () => {
    const mod = await connect(server.url, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const playing = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.items.some((i) => i.id === 'hos-1' && i.playback?.state === 'playing'), 15_000);
    await ok(mod, 'run:advance', { sessionId, itemId: 'hos-1' });
    await playing;
    await new Promise((r) => setTimeout(r, 1000));

    const stopped = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.currentItemId === null, 15_000);
    await ok(mod, 'session:end', { sessionId });
    const hos = (await stopped).items.find((i) => i.id === 'hos-1')!;
    expect(hos).toMatchObject({ status: 'done', playback: { state: 'interrupted' } });
    expect(hos.actualMs).toBe(Date.parse(hos.endedAt!) - Date.parse(hos.startedAt!));
    const reached = hos.playback!.positionMs;
    expect(reached).toBeGreaterThan(0);
    // A later read of the order says the same (the player, hearing the end too, wrote nothing over it).
    expect((await getJson<RunStateMessage>(`${server.url}${base}`, { headers: organizer })).body.items.find((i) => i.id === 'hos-1')?.playback).toMatchObject({ state: 'interrupted', positionMs: reached });

    await ok(mod, 'session:open', { sessionId });
    const offered = nextEvent<NewProducerMessage>(mod, 'media:new-producer', (m) => m.producer.right === 'playback', 30_000);
    const resumed = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.currentItemId === 'hos-1', 15_000);
    await ok(mod, 'run:advance', { sessionId, itemId: 'hos-1' });
    expect((await resumed).items.find((i) => i.id === 'hos-1')?.playback).toMatchObject({ state: 'playing', positionMs: reached });
    await offered;
    await ok(mod, 'run:advance', { sessionId, itemId: null });
  }, 90_000);
});
