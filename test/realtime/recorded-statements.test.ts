// Pre-recorded statements (issue 18, item 2): a video is uploaded for a
// pre-recorded statement of the running order, judged by its bytes (MP4,
// WebM, Matroska), probed with ffprobe (duration, tracks) and stored under
// the data directory; a text file, a damaged video, an oversized upload,
// an item that is not a pre-recorded statement and a delegate are refused
// with codes. Each accepted video is transcoded once, in the background, to
// the stage format (VP8/Opus WebM, a fixed frame, 25 fps): processing with
// progress, then ready; a file damaged past its first seconds fails with a
// code.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffContainer } from '../../server/domain/recorded-statements.ts';
import { RecordedStatements, recordedStatementsOptions } from '../../server/services/recorded-statements.ts';
import { SqliteStore } from '../../server/store/sqlite-store.ts';
import type { RunStateMessage } from '../../server/protocol/events.ts';
import type { Plenary } from '../../server/plenary.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, postFresh, startTestServer, tempDir, waitFor } from '../support/server.ts';

const sessionId = 'thematic-1';
const base = `/api/events/${eventId}/sessions/${sessionId}/running-order`;
const stageSize = '320x180';
const uploads = (dir: string): string[] => fs.readdirSync(dir).filter((f) => !f.includes('.stage.webm'));
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 && spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;

/** A few seconds of ffmpeg's test pattern and a tone. */
function testVideo(dir: string, name: string, seconds: number, format: 'mp4' | 'webm'): string {
  const file = path.join(dir, name);
  const codecs = format === 'mp4' ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac'] : ['-c:v', 'libvpx', '-deadline', 'realtime', '-c:a', 'libopus'];
  const out = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=25:duration=${seconds}`, '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, ...codecs, '-shortest', file]);
  if (out.status !== 0) throw new Error(`ffmpeg: ${out.stderr.toString()}`);
  return file;
}

describe.skipIf(!hasFfmpeg)('pre-recorded statements: upload and probe', () => {
  let server: Plenary;
  let dataDir: string;
  let delegate: TestParticipant;
  let speaker: TestParticipant;
  const work = tempDir('plenary-videos-');
  type Uploaded = { error?: { code: string }; item?: { recording?: { durationMs: number; video: boolean; audio: boolean } }; version?: number };
  /** On a fresh connection each (postFresh): see there why. */
  const upload = (token: string, itemId: string, body: Buffer, type = 'video/mp4'): Promise<{ status: number; body: Uploaded }> =>
    postFresh<Uploaded>(`${server.url}${base}/${itemId}/recording`, { authorization: `Bearer ${token}`, 'content-type': type }, new Uint8Array(body));

  beforeAll(async () => {
    process.env.RECORDING_MAX_BYTES = String(2 * 1024 * 1024);
    process.env.RECORDING_STAGE_SIZE = stageSize; // small, so the copies are quick on a busy machine
    dataDir = tempDir();
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    delete process.env.RECORDING_MAX_BYTES;
    delete process.env.RECORDING_STAGE_SIZE;
    delegate = await createParticipant(server, { name: 'Delegate', group: 'workers', country: 'BR' });
    speaker = await createParticipant(server, { name: 'President', group: 'government', country: 'CL' });
    const put = await getJson(`${server.url}${base}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [
          { id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'President of Chile', speakerId: speaker.id, prerecorded: true, plannedMs: 180_000 },
          { id: 'live', kind: 'statement', title: 'Live statement', plannedMs: 180_000 },
          { id: 'hos-2', kind: 'statement', title: 'Statement', speaker: 'Prime Minister', prerecorded: true, plannedMs: 180_000 },
          { id: 'hos-3', kind: 'statement', title: 'Statement', speaker: 'President', prerecorded: true, plannedMs: 180_000 },
        ],
      }),
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('knows MP4, WebM and Matroska by their bytes', () => {
    expect(sniffContainer(fs.readFileSync(testVideo(work, 'a.mp4', 1, 'mp4')).subarray(0, 64))).toBe('mp4');
    expect(sniffContainer(fs.readFileSync(testVideo(work, 'a.webm', 1, 'webm')).subarray(0, 64))).toBe('webm');
    expect(sniffContainer(Buffer.from('%PDF-1.7 hello'))).toBeNull();
  });

  it('accepts a playable video (probed), stores it under the data directory, and refuses the rest with codes', async () => {
    // Made first: an idle keep-alive connection may be closed by the server while ffmpeg works.
    const video = fs.readFileSync(testVideo(work, 'statement.mp4', 3, 'mp4'));
    const webmVideo = fs.readFileSync(testVideo(work, 'statement.webm', 2, 'webm'));
    const ok = await upload(organizerToken, 'hos-1', video);
    expect(ok.status).toBe(201);
    expect(ok.body.item?.recording).toMatchObject({ video: true, audio: true });
    expect(Math.abs(ok.body.item!.recording!.durationMs - 3000)).toBeLessThan(200);
    const stored = uploads(path.join(dataDir, 'statements', eventId, sessionId));
    expect(stored).toEqual([expect.stringMatching(/^hos-1-[0-9a-f]{16}\.mp4$/)]);

    // The speaker replaces it with a WebM; the old file goes.
    const webm = await upload(speaker.token, 'hos-1', webmVideo, 'video/webm');
    expect(webm.status).toBe(201);
    expect(uploads(path.join(dataDir, 'statements', eventId, sessionId))).toEqual([expect.stringMatching(/^hos-1-[0-9a-f]{16}\.webm$/)]);

    // Refused: not a video (whatever the Content-Type), damaged, too large, not a pre-recorded statement, a delegate.
    const text = await upload(organizerToken, 'hos-1', Buffer.from('This is my statement, not a video.\n'.repeat(20)));
    expect([text.status, text.body.error?.code]).toEqual([415, 'recording_type']);
    const damaged = await upload(organizerToken, 'hos-1', video.subarray(0, 4096));
    expect([damaged.status, damaged.body.error?.code]).toEqual([422, 'recording_undecodable']);
    const big = Buffer.concat([video.subarray(0, 32), Buffer.alloc(3 * 1024 * 1024)]);
    expect((await upload(organizerToken, 'hos-1', big)).body.error?.code).toBe('recording_too_large');
    expect((await upload(organizerToken, 'live', video)).body.error?.code).toBe('not_prerecorded');
    expect((await upload(organizerToken, 'nope', video)).body.error?.code).toBe('run_item_not_found');
    const delegateTry = await upload(delegate.token, 'hos-1', video);
    expect([delegateTry.status, delegateTry.body.error?.code]).toEqual([403, 'not_moderator']);
    // Nothing refused was left behind.
    expect(uploads(path.join(dataDir, 'statements', eventId, sessionId))).toHaveLength(1);
    const read = await getJson<{ items: { id: string; recording?: { durationMs: number } }[] }>(`${server.url}${base}`, { headers: { authorization: `Bearer ${delegate.token}` } });
    expect(read.body.items[0]!.recording!.durationMs).toBeGreaterThan(1500);
    expect(JSON.stringify(read.body)).not.toContain('statements/');
  });

  it('transcodes an upload once to the stage format in the background: processing, then ready (VP8/Opus WebM, fixed frame, 25 fps)', async () => {
    const video = fs.readFileSync(testVideo(work, 'stage.mp4', 3, 'mp4'));
    const watcher = await connect(server.url, { token: speaker.token });
    const seen: NonNullable<NonNullable<RunStateMessage['items'][number]['recording']>['stage']>[] = [];
    watcher.on('run:state', (m: RunStateMessage) => {
      const stage = m.items.find((i) => i.id === 'hos-2')?.recording?.stage;
      if (stage) seen.push(stage);
    });
    try {
      await ok(watcher, 'session:join', { sessionId });
      const up = await upload(organizerToken, 'hos-2', video);
      expect(up.status).toBe(201);
      expect(up.body.item?.recording).toMatchObject({ stage: { status: 'processing', progress: 0 } });
      await waitFor(() => seen.some((s) => s.status === 'ready'), { timeout: 120_000, interval: 100 });
    } finally {
      watcher.close();
    }
    expect(seen.at(-1)).toEqual({ status: 'ready', progress: 1 });
    expect(seen.every((s, i) => i === 0 || s.progress >= seen[i - 1]!.progress)).toBe(true);
    const copies = fs.readdirSync(path.join(dataDir, 'statements', eventId, sessionId)).filter((f) => f.startsWith('hos-2-') && f.endsWith('.stage.webm'));
    expect(copies).toHaveLength(1);
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height,r_frame_rate,sample_rate,channels', '-of', 'json', path.join(dataDir, 'statements', eventId, sessionId, copies[0]!)]);
    const streams = (JSON.parse(probe.stdout.toString()) as { streams: Record<string, unknown>[] }).streams;
    expect(streams).toEqual([
      expect.objectContaining({ codec_name: 'vp8', width: 320, height: 180, r_frame_rate: '25/1' }),
      expect.objectContaining({ codec_name: 'opus', sample_rate: '48000', channels: 2 }),
    ]);
  }, 150_000);

  it('marks a video damaged past its first seconds failed (recording_undecodable), leaving no stage copy', async () => {
    // Accepted at upload (its first seconds decode), broken further on.
    const bytes = Buffer.from(fs.readFileSync(testVideo(work, 'broken.mp4', 6, 'mp4')));
    let seed = 7;
    for (let i = Math.floor(bytes.length / 2); i < Math.floor(bytes.length * 0.9); i++) bytes[i] = (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 0xff;
    const up = await upload(organizerToken, 'hos-3', bytes);
    expect(up.status).toBe(201);
    const failed = await waitFor(async () => {
      const read = await getJson<RunStateMessage>(`${server.url}${base}`, { headers: { authorization: `Bearer ${organizerToken}` } });
      const stage = read.body.items.find((i) => i.id === 'hos-3')?.recording?.stage;
      return stage?.status === 'failed' ? stage : null;
    }, { timeout: 120_000, interval: 250 });
    expect(failed.error).toBe('recording_undecodable');
    expect(fs.readdirSync(path.join(dataDir, 'statements', eventId, sessionId)).filter((f) => f.startsWith('hos-3-') && f.includes('.stage.webm'))).toEqual([]);
  }, 150_000);

  it('reports transcoding progress as it goes, up to the whole video', async () => {
    const dir = tempDir('plenary-stage-');
    fs.mkdirSync(path.join(dir, 'statements'));
    fs.copyFileSync(testVideo(work, 'progress.webm', 3, 'webm'), path.join(dir, 'statements', 'progress.webm'));
    const recordings = new RecordedStatements({ ...recordedStatementsOptions(dir, {}), stageSize: { width: 160, height: 90 } });
    const fractions: number[] = [];
    const file = await recordings.transcode({ file: 'statements/progress.webm', durationMs: 3000 }, (f) => fractions.push(f));
    expect(file).toBe('statements/progress.stage.webm');
    expect(fractions.length).toBeGreaterThan(0);
    expect(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!))).toBe(true);
    expect(fractions.at(-1)).toBeGreaterThan(0.9);
  }, 60_000);

  it('makes again, at start-up, a stage copy a stopped process left processing', async () => {
    // A store and data directory as a process stopped mid-copy leaves them: the upload in place, its copy "processing".
    const dir = tempDir();
    const first = await startTestServer({ PLENARY_DATA_DIR: dir });
    await first.close();
    const file = path.join('statements', eventId, 'thematic-2', 'hos-1-0123456789abcdef.webm');
    fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
    fs.copyFileSync(testVideo(work, 'left.webm', 2, 'webm'), path.join(dir, file));
    const store = SqliteStore.inDirectory(dir);
    const key = `${eventId}/thematic-2`;
    const order = (await store.get<{ id: string; items: { id: string; recording?: unknown }[] }>('running_orders', key))!;
    const recording = { file, container: 'webm', bytes: fs.statSync(path.join(dir, file)).size, sha256: '0123456789abcdef', durationMs: 2000, video: true, audio: true, uploadedAt: new Date().toISOString(), uploadedBy: null, stage: { status: 'processing', progress: 0.4 } };
    await store.update('running_orders', { ...order, items: order.items.map((i) => (i.id === 'hos-1' ? { ...i, recording } : i)) });
    await store.close();

    process.env.RECORDING_STAGE_SIZE = stageSize;
    const again = await startTestServer({ PLENARY_DATA_DIR: dir });
    delete process.env.RECORDING_STAGE_SIZE;
    try {
      await waitFor(async () => {
        const read = await getJson<RunStateMessage>(`${again.url}/api/events/${eventId}/sessions/thematic-2/running-order`, { headers: { authorization: `Bearer ${organizerToken}` } });
        return read.body.items.find((i) => i.id === 'hos-1')?.recording?.stage?.status === 'ready';
      }, { timeout: 120_000, interval: 250 });
      expect(fs.existsSync(path.join(dir, 'statements', eventId, 'thematic-2', 'hos-1-0123456789abcdef.stage.webm'))).toBe(true);
    } finally {
      await again.close();
    }
  }, 150_000);
});
