// Pre-recorded statements (issue 18, item 2): a video is uploaded for a
// pre-recorded statement of the running order, judged by its bytes (MP4,
// WebM, Matroska), probed with ffprobe (duration, tracks) and stored under
// the data directory; a text file, a damaged video, an oversized upload,
// an item that is not a pre-recorded statement and a delegate are refused
// with codes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffContainer } from '../../server/domain/recorded-statements.ts';
import type { Plenary } from '../../server/plenary.ts';
import { createParticipant, eventId, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer, tempDir } from '../support/server.ts';

const sessionId = 'thematic-1';
const base = `/api/events/${eventId}/sessions/${sessionId}/running-order`;
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
  const upload = (token: string, itemId: string, body: Buffer, type = 'video/mp4') =>
    getJson<{ error?: { code: string }; item?: { recording?: { durationMs: number; video: boolean; audio: boolean } }; version?: number }>(`${server.url}${base}/${itemId}/recording`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: new Uint8Array(body),
    });

  beforeAll(async () => {
    process.env.RECORDING_MAX_BYTES = String(2 * 1024 * 1024);
    dataDir = tempDir();
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    delete process.env.RECORDING_MAX_BYTES;
    delegate = await createParticipant(server, { name: 'Delegate', group: 'workers', country: 'BR' });
    speaker = await createParticipant(server, { name: 'President', group: 'government', country: 'CL' });
    const put = await getJson(`${server.url}${base}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [
          { id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'President of Chile', speakerId: speaker.id, prerecorded: true, plannedMs: 180_000 },
          { id: 'live', kind: 'statement', title: 'Live statement', plannedMs: 180_000 },
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
    const stored = fs.readdirSync(path.join(dataDir, 'statements', eventId, sessionId));
    expect(stored).toEqual([expect.stringMatching(/^hos-1-[0-9a-f]{16}\.mp4$/)]);

    // The speaker replaces it with a WebM; the old file goes.
    const webm = await upload(speaker.token, 'hos-1', webmVideo, 'video/webm');
    expect(webm.status).toBe(201);
    expect(fs.readdirSync(path.join(dataDir, 'statements', eventId, sessionId))).toEqual([expect.stringMatching(/^hos-1-[0-9a-f]{16}\.webm$/)]);

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
    expect(fs.readdirSync(path.join(dataDir, 'statements', eventId, sessionId))).toHaveLength(1);
    const read = await getJson<{ items: { id: string; recording?: { durationMs: number } }[] }>(`${server.url}${base}`, { headers: { authorization: `Bearer ${delegate.token}` } });
    expect(read.body.items[0]!.recording!.durationMs).toBeGreaterThan(1500);
    expect(JSON.stringify(read.body)).not.toContain('statements/');
  });
});
