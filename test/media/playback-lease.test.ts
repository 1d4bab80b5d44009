// A pre-recorded statement whose player dies (issue 18, item 4), with three
// real server processes sharing Redis and a data directory, real mediasoup
// workers and ffmpeg: A plays the statement and holds its lease. Stopped for
// a few seconds (SIGSTOP: slow, not dead) A is not taken over, and its play
// goes on. Killed (SIGKILL: nothing written on the way out), A stops renewing;
// exactly one of B and C marks the play interrupted at A's last renewed
// position (not where it began), its ffmpeg dies with it, every process's clients hear it in
// run:state, and the moderator resumes it from B, which plays it: a
// listener on C receives the statement's RTP. B then stops for longer than
// its lease: C marks the play interrupted, and B, back, stops its ffmpeg.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStateMessage } from '../../server/protocol/events.ts';
import type { NewProducerMessage } from '../../server/protocol/media-events.ts';
import { childrenOf, killLeftovers, running } from '../support/leftovers.ts';
import { freePort, hasRedis, redisServerPath, startProcess, stopProcess } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok } from '../support/realtime.ts';
import { stageReady } from '../support/running-order.ts';
import { getJson, organizerToken, postFresh, tempDir, waitFor } from '../support/server.ts';
import { clientWorker, freePortBase, NodeMediaClient, sleep } from './support.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const sessionId = 'thematic-3';
const base = `/api/events/${eventId}/sessions/${sessionId}/running-order`;
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

type Item = RunStateMessage['items'][number];
const statementOf = (m: RunStateMessage): Item | undefined => m.items.find((i) => i.id === 'hos-1');

describe.skipIf(!hasRedis || !hasFfmpeg)('a statement whose player dies is interrupted once, at its last position, and resumed elsewhere', () => {
  const dataDir = tempDir('plenary-lease-');
  const children: ChildProcess[] = [];
  const servers: { child: ChildProcess; url: string }[] = [];
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  let worker: Worker;

  beforeAll(async () => {
    const redisPort = await freePort();
    const redis = startProcess(redisServerPath, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
    children.push(redis.child);
    await waitFor(() => /Ready to accept connections/i.test(redis.output()), { timeout: 10_000 });
    for (let i = 0; i < 3; i++) {
      const ports = await freePortBase(10);
      const server = startProcess(process.execPath, [path.join(root, 'server/main.ts')], {
        PORT: '0',
        HOST: '127.0.0.1',
        PLENARY_DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PLENARY_ORGANIZER_TOKEN: organizerToken,
        LOG_LEVEL: 'warn',
        MEDIA_ENABLED: 'true',
        MEDIA_WORKERS: '1',
        MEDIA_LISTEN_IP: '127.0.0.1',
        MEDIA_RTC_MIN_PORT: String(ports),
        MEDIA_RTC_MAX_PORT: String(ports + 9),
        RECORDING_STAGE_SIZE: '160x90',
      });
      children.push(server.child);
      servers.push({ child: server.child, url: await waitFor(() => /running at (http:\/\/\S+)/.exec(server.output())?.[1], { timeout: 60_000 }) });
    }
    worker = await clientWorker();
  }, 240_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    for (const c of children.reverse()) await stopProcess(c);
    killLeftovers(dataDir);
  });

  it('leaves a slow player alone, and hands a dead one’s statement to the moderator on a survivor', async () => {
    const [a, b, c] = servers as [(typeof servers)[0], (typeof servers)[0], (typeof servers)[0]];
    const video = path.join(tempDir('plenary-lease-video-'), 'statement.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=25:duration=90', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=90', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', video]);
    expect(made.status).toBe(0);
    const headers = { authorization: `Bearer ${organizerToken}` };
    const items = [
      { id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State', prerecorded: true, plannedMs: 90_000 },
      { id: 'panel', kind: 'panel', title: 'Interactive panel', plannedMs: 600_000 },
    ];
    expect((await getJson(`${a.url}${base}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ items }) })).status).toBe(200);
    expect((await postFresh(`${a.url}${base}/hos-1/recording`, { ...headers, 'content-type': 'video/mp4' }, new Uint8Array(fs.readFileSync(video)))).status).toBe(201);
    await stageReady(a.url, base, 'hos-1');
    expect((await getJson(`${a.url}${base}/hos-1/recording/approve`, { method: 'POST', headers })).status).toBe(200);

    const moderator = await createParticipant(a, { name: 'Chair', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    const interpreter = await createParticipant(a, { name: 'Booth', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const onA = await connect(a.url, { token: moderator.token }, { reconnection: false });
    const onB = await connect(b.url, { token: moderator.token });
    const booth = await connect(c.url, { token: interpreter.token });
    sockets.push(onA, onB, booth);
    for (const s of [onA, onB, booth]) await ok(s, 'session:join', { sessionId });
    await ok(onA, 'session:open', { sessionId });
    const states = { b: [] as RunStateMessage[], c: [] as RunStateMessage[] };
    onB.on('run:state', (m: RunStateMessage) => states.b.push(m));
    booth.on('run:state', (m: RunStateMessage) => states.c.push(m));
    const media = await NodeMediaClient.create(booth, sessionId, worker);
    clients.push(media);
    await waitFor(async () => media.join().then(() => true, () => false), { timeout: 10_000 });
    const played: NewProducerMessage[] = [];
    booth.on('media:new-producer', (m: NewProducerMessage) => m.producer.right === 'playback' && played.push(m));

    // Started on A: A plays it, and the listener on C hears it.
    const started = Date.now();
    await ok(onA, 'run:advance', { sessionId, itemId: 'hos-1' });
    await waitFor(() => played.length === 2, { timeout: 20_000 });
    const fromA = await media.consume(played.find((m) => m.producer.kind === 'audio')!.producer.producerId);
    await waitFor(() => fromA.packets() > 10, { timeout: 15_000 });
    const at = statementOf((await getJson<RunStateMessage>(`${b.url}${base}`, { headers })).body)!.playback!.at;

    // Slow, not dead: A's event loop stops for two and a half seconds (its lease is 5 s), so it renews late. Nobody takes over.
    a.child.kill('SIGSTOP');
    await sleep(2500);
    a.child.kill('SIGCONT');
    const heard = fromA.packets();
    await sleep(6000); // past the lease's expiry, counted from A's last renewal before the stop
    expect([...states.b, ...states.c].filter((m) => statementOf(m)?.playback?.state === 'interrupted')).toEqual([]);
    expect(statementOf((await getJson<RunStateMessage>(`${b.url}${base}`, { headers })).body)!.playback).toMatchObject({ state: 'playing', at });
    expect(fromA.packets()).toBeGreaterThan(heard); // A still plays

    // Dead: A is killed. One survivor marks the play interrupted where A last said it was.
    const playedFor = Date.now() - started;
    const players = childrenOf(a.child.pid!, 'ffmpeg');
    expect(players).toHaveLength(1);
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    // A's ffmpeg dies with it (it would otherwise send the statement for the rest of the video).
    await waitFor(() => players.every((pid) => !running(pid)), { timeout: 10_000 });
    const interruptedOn = async (list: () => RunStateMessage[]): Promise<Item> =>
      waitFor(() => list().map(statementOf).find((i) => i?.playback?.state === 'interrupted'), { timeout: 30_000, interval: 100 });
    const onBState = await interruptedOn(() => states.b);
    const onCState = await interruptedOn(() => states.c);
    expect(onCState.playback).toEqual(onBState.playback);
    expect(onBState.status).toBe('current');
    // Its last renewal: well past the start (it played over 8 s), never past the moment it was killed.
    expect(onBState.playback!.positionMs).toBeGreaterThan(5000);
    expect(onBState.playback!.positionMs).toBeLessThanOrEqual(playedFor);
    // Decided once: B and C both look for expired leases every second; one run:state says it, to each client.
    await sleep(3000);
    expect(states.b.filter((m) => statementOf(m)?.playback?.state === 'interrupted')).toHaveLength(1);
    expect(states.c.filter((m) => statementOf(m)?.playback?.state === 'interrupted')).toHaveLength(1);

    // The moderator resumes it from B: B plays it from there, and the listener on C receives it.
    played.length = 0;
    const resumed = await ok<{ playback: { state: string; positionMs: number } }>(onB, 'run:playback', { sessionId, itemId: 'hos-1', action: 'resume' });
    expect(resumed.playback).toMatchObject({ state: 'playing', positionMs: onBState.playback!.positionMs });
    await waitFor(() => played.length >= 2, { timeout: 20_000 });
    const fromB = await media.consume(played.find((m) => m.producer.kind === 'audio')!.producer.producerId);
    await waitFor(() => fromB.packets() > 10, { timeout: 15_000 });
    expect(played.map((m) => m.producer.kind).sort()).toEqual(['audio', 'video']);

    // B, now the player, stops for longer than its lease (9 s): C takes the play over and marks it interrupted, once.
    // B, back, finds its lease lost and stops its ffmpeg: nobody plays it twice.
    const bPlayers = childrenOf(b.child.pid!, 'ffmpeg');
    expect(bPlayers).toHaveLength(1);
    const seen = states.c.length;
    b.child.kill('SIGSTOP');
    try {
      await sleep(9000);
    } finally {
      b.child.kill('SIGCONT');
    }
    const again = await interruptedOn(() => states.c.slice(seen));
    expect(again.playback!.positionMs).toBeGreaterThan(onBState.playback!.positionMs);
    await waitFor(() => bPlayers.every((pid) => !running(pid)), { timeout: 15_000 });
    await sleep(2000);
    expect(states.c.slice(seen).filter((m) => statementOf(m)?.playback?.state === 'interrupted')).toHaveLength(1);
    expect(statementOf((await getJson<RunStateMessage>(`${c.url}${base}`, { headers })).body)!.playback).toMatchObject({ state: 'interrupted' });
  }, 300_000);
});
