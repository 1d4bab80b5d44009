// A statement video's stage copy whose process dies mid-transcode (issue 18),
// with two real server processes sharing Redis and a data directory, and
// real ffmpeg: A takes the upload and transcodes it, holding the job's
// lease; killed (SIGKILL) once its progress is in run:state, it stops
// renewing, and B takes the job over and makes the copy from the upload:
// its progress reaches the room in run:state, one job's worth (rising, never
// starting over twice), and the recording ends `ready` with its copy on disk
// and without A's half-made temporary file. And a copy that every process
// left mid-job, with Redis restarted without its data, is made by the next
// process to start (adopted at start-up, taken over when nobody renews it).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunStateMessage } from '../../server/protocol/events.ts';
import { childrenOf, killLeftovers, running } from '../support/leftovers.ts';
import { freePort, hasRedis, redisServerPath, startProcess, stopProcess } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok } from '../support/realtime.ts';
import { stageReady } from '../support/running-order.ts';
import { getJson, organizerToken, postFresh, tempDir, waitFor } from '../support/server.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const sessionId = 'thematic-1';
const base = `/api/events/${eventId}/sessions/${sessionId}/running-order`;
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

type Stage = { status: string; progress: number };
const stageOf = (m: RunStateMessage): Stage | undefined => (m.items.find((i) => i.id === 'hos-1') as { recording?: { stage?: Stage } } | undefined)?.recording?.stage;

describe.skipIf(!hasRedis || !hasFfmpeg)('a stage copy whose process dies mid-transcode is made by a survivor', () => {
  const dataDir = tempDir('plenary-copy-');
  const children: ChildProcess[] = [];
  const servers: { child: ChildProcess; url: string }[] = [];
  const sockets: Socket[] = [];
  let redisPort = 0;
  const startServer = async (): Promise<{ child: ChildProcess; url: string }> => {
    const server = startProcess(process.execPath, [path.join(root, 'server/main.ts')], {
      PORT: '0',
      HOST: '127.0.0.1',
      PLENARY_DATA_DIR: dataDir,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      PLENARY_ORGANIZER_TOKEN: organizerToken,
      LOG_LEVEL: 'warn',
      MEDIA_ENABLED: 'false',
      // Large enough that a 20 s video takes a few seconds to transcode, so the kill lands mid-job.
      RECORDING_STAGE_SIZE: '640x360',
    });
    children.push(server.child);
    return { child: server.child, url: await waitFor(() => /running at (http:\/\/\S+)/.exec(server.output())?.[1], { timeout: 60_000 }) };
  };

  beforeAll(async () => {
    redisPort = await freePort();
    const redis = startProcess(redisServerPath, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
    children.push(redis.child);
    await waitFor(() => /Ready to accept connections/i.test(redis.output()), { timeout: 10_000 });
    for (let i = 0; i < 2; i++) servers.push(await startServer());
  }, 180_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of children.reverse()) await stopProcess(c);
    killLeftovers(dataDir); // should A's ffmpeg have outlived it (the test fails then)
  });

  it('makes the copy again on the survivor, with its progress in run:state, and ends ready', async () => {
    const [a, b] = servers as [(typeof servers)[0], (typeof servers)[0]];
    const video = path.join(tempDir('plenary-copy-video-'), 'statement.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=25:duration=20', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=20', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', video]);
    expect(made.status).toBe(0);
    const headers = { authorization: `Bearer ${organizerToken}` };
    const items = [{ id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State', prerecorded: true, plannedMs: 20_000 }];
    expect((await getJson(`${a.url}${base}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ items }) })).status).toBe(200);

    const moderator = await createParticipant(b, { name: 'Chair', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    const onB = await connect(b.url, { token: moderator.token });
    sockets.push(onB);
    await ok(onB, 'session:join', { sessionId });
    const states: RunStateMessage[] = [];
    onB.on('run:state', (m: RunStateMessage) => states.push(m));

    // Uploaded to A, which transcodes it; its first progress reaches B's room. Then A is killed.
    expect((await postFresh(`${a.url}${base}/hos-1/recording`, { ...headers, 'content-type': 'video/mp4' }, new Uint8Array(fs.readFileSync(video)))).status).toBe(201);
    await waitFor(() => states.some((m) => stageOf(m)?.status === 'processing' && stageOf(m)!.progress > 0), { timeout: 60_000, interval: 20 });
    const transcoders = childrenOf(a.child.pid!, 'ffmpeg');
    expect(transcoders).toHaveLength(1);
    a.child.kill('SIGKILL');
    await new Promise((r) => a.child.once('exit', r));
    const atKill = states.length;
    // A's ffmpeg dies with it, rather than transcoding on beside the survivor's.
    await waitFor(() => transcoders.every((pid) => !running(pid)), { timeout: 10_000 });
    const read = async (): Promise<Stage | undefined> => stageOf((await getJson<RunStateMessage>(`${b.url}${base}`, { headers })).body);
    expect((await read())?.status).toBe('processing'); // mid-job: A never finished it

    // B takes the job over (after A's lease expires) and makes the copy.
    await stageReady(b.url, base, 'hos-1', 120_000);
    const after = states.slice(atKill).map(stageOf).filter((s): s is Stage => s !== undefined);
    const progress = after.filter((s) => s.status === 'processing').map((s) => s.progress);
    expect(progress.length).toBeGreaterThan(0); // the survivor's progress, in run:state
    expect(progress).toEqual([...progress].sort((x, y) => x - y)); // one job: rising, not two interleaved
    expect(new Set(progress).size).toBe(progress.length);
    expect(after.at(-1)).toMatchObject({ status: 'ready', progress: 1 });
    const files = fs.readdirSync(path.join(dataDir, 'statements', eventId, sessionId));
    const copies = files.filter((f) => f.endsWith('.stage.webm'));
    expect(copies).toHaveLength(1);
    // A's half-made temporary file is gone with the copy made.
    expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(fs.statSync(path.join(dataDir, 'statements', eventId, sessionId, copies[0]!)).size).toBeGreaterThan(10_000);
  }, 300_000);

  it('makes a copy that every process left mid-job, after Redis lost its leases, once a process starts again', async () => {
    const b = servers[1]!;
    const video = path.join(tempDir('plenary-copy-video-'), 'second.mp4');
    expect(spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x180:rate=25:duration=20', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=20', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', video]).status).toBe(0);
    const headers = { authorization: `Bearer ${organizerToken}` };
    const items = [
      { id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State', prerecorded: true, plannedMs: 20_000 },
      { id: 'hos-2', kind: 'statement', title: 'Statement', speaker: 'Head of Government', prerecorded: true, plannedMs: 20_000 },
    ];
    expect((await getJson(`${b.url}${base}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ items }) })).status).toBe(200);
    const stage = async (url: string): Promise<Stage | undefined> =>
      ((await getJson<RunStateMessage>(`${url}${base}`, { headers })).body.items.find((i) => i.id === 'hos-2') as { recording?: { stage?: Stage } } | undefined)?.recording?.stage;

    // B, the last process, takes the upload and is killed mid-job; Redis then loses everything (restarted without its data).
    expect((await postFresh(`${b.url}${base}/hos-2/recording`, { ...headers, 'content-type': 'video/mp4' }, new Uint8Array(fs.readFileSync(video)))).status).toBe(201);
    await waitFor(async () => ((await stage(b.url))?.progress ?? 0) > 0, { timeout: 60_000, interval: 50 });
    const transcoders = childrenOf(b.child.pid!, 'ffmpeg');
    b.child.kill('SIGKILL');
    await new Promise((r) => b.child.once('exit', r));
    await waitFor(() => transcoders.every((pid) => !running(pid)), { timeout: 10_000 });
    const redis = createClient({ url: `redis://127.0.0.1:${redisPort}` });
    await redis.connect();
    await redis.flushAll();
    await redis.quit();

    // A process starts: it finds the copy left processing with no lease, adopts it, and, nobody renewing it, makes it.
    const c = await startServer();
    expect((await stage(c.url))?.status).toBe('processing');
    await stageReady(c.url, base, 'hos-2', 120_000);
    const copies = fs.readdirSync(path.join(dataDir, 'statements', eventId, sessionId)).filter((f) => f.startsWith('hos-2-') && f.endsWith('.stage.webm'));
    expect(copies).toHaveLength(1);
  }, 300_000);
});
