// Recordings' retention and the organisers' list of them (issue 12): with
// WEBCAST_RETENTION_DAYS, finished recordings whose session ended longer
// ago are deleted from the data directory (file, chapters and record), and
// recordings still being made or within the period stay; the console page
// lists every session's recordings with download links, in the
// organiser's language, and is refused to delegates. Recordings are
// written on disk as the encoder leaves them (recordings.ts' format).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { webcastOptions } from '../../server/media/webcast/ffmpeg.ts';
import { writeRecording, type Recording } from '../../server/media/webcast/recordings.ts';
import { createParticipant, eventId } from '../support/realtime.ts';
import { organizerToken, tempDir } from '../support/server.ts';
import { startMediaServer } from './support.ts';

const day = 86_400_000;

describe('recordings are kept for the configured days and listed for organisers', () => {
  let server: Plenary;
  const dataDir = tempDir();
  const now = new Date('2026-11-30T12:00:00Z');

  const recording = (sessionId: string, id: string, status: Recording['status'], endedDaysAgo: number | null): Recording => {
    const endedAt = endedDaysAgo === null ? null : new Date(now.getTime() - endedDaysAgo * day).toISOString();
    const startedAt = new Date(now.getTime() - (endedDaysAgo ?? 0) * day - 3_600_000).toISOString();
    const dir = path.join(dataDir, 'recordings', eventId, sessionId);
    const r: Recording = {
      id, eventId, sessionId, status, startedAt, endedAt, durationMs: endedAt ? 3_600_000 : null,
      tracks: [{ kind: 'video', name: 'Video' }, { kind: 'audio', language: 'mul', name: 'Floor' }, { kind: 'audio', language: 'fr', name: 'Français' }],
      chapters: [], file: status === 'ready' ? `${id}.mkv` : null,
    };
    writeRecording(dir, r);
    if (status === 'ready') {
      fs.writeFileSync(path.join(dir, `${id}.mkv`), 'matroska');
      fs.writeFileSync(path.join(dir, `${id}.chapters.vtt`), 'WEBVTT\n');
    }
    return r;
  };
  const files = (sessionId: string): string[] => fs.readdirSync(path.join(dataDir, 'recordings', eventId, sessionId)).sort();

  beforeAll(async () => {
    server = await startMediaServer(
      { MEDIA_WORKERS: '1', PLENARY_DATA_DIR: dataDir },
      { webcast: { enabled: true, retentionDays: 30 } },
    );
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('reads WEBCAST_RETENTION_DAYS: a positive number of days, else recordings are kept', () => {
    expect(webcastOptions({ WEBCAST_RETENTION_DAYS: '30' }).retentionDays).toBe(30);
    expect(webcastOptions({ WEBCAST_RETENTION_DAYS: '0' }).retentionDays).toBeNull();
    expect(webcastOptions({ WEBCAST_RETENTION_DAYS: 'soon' }).retentionDays).toBeNull();
    expect(webcastOptions({}).retentionDays).toBeNull();
  });

  it('lists recordings in the console, then deletes those past the retention and keeps the rest', async () => {
    const webcast = server.webcast;
    if (!webcast?.available) throw new Error('the webcast supervisor needs ffmpeg');
    recording('thematic-1', '20261001t090000z', 'ready', 40);
    recording('thematic-1', '20261110t090000z', 'ready', 20);
    recording('thematic-2', '20261015t090000z', 'failed', 45);
    recording('thematic-2', '20261020t090000z', 'ready', 30.5);

    // The console: every session's recordings, with their files and chapters, and how long they are kept.
    const page = async (lang: string, token = organizerToken): Promise<Response> =>
      fetch(`${server.url}/events/${eventId}/console/recordings?lang=${lang}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/html' } });
    const res = await page('en');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Recordings</h1>');
    expect(html).toContain('Recordings are deleted 30 days after their session ends.');
    expect(html.match(/data-recording-id="/g)).toHaveLength(4);
    expect(html).toContain(`href="/api/events/${eventId}/sessions/thematic-1/recordings/20261110t090000z/file" download data-testid="recording-download"`);
    expect(html).toContain(`href="/api/events/${eventId}/sessions/thematic-1/recordings/20261110t090000z/chapters.vtt" download`);
    expect(html).toMatch(/<td>Video, Floor, Français<\/td>/);
    expect(html).toMatch(/<span class="badge badge-failed">Failed<\/span>/);
    expect(html).toMatch(/<a href="\/events\/[^"]+\/console\/recordings" data-area="recordings" aria-current="page">Recordings<\/a>/);
    const fr = await (await page('fr')).text();
    expect(fr).toContain('<h1>Enregistrements</h1>');
    expect(fr).toContain('supprimés 30 jours après');
    const delegate = await createParticipant(server, { name: 'Curious Delegate' });
    expect((await page('en', delegate.token)).status).toBe(403);

    // The sweep: older than 30 days goes (ready or failed), with its file and chapters; newer stays.
    const gone = webcast.sweepRecordings(now);
    expect(gone.map((g) => g.id).sort()).toEqual(['20261001t090000z', '20261015t090000z', '20261020t090000z']);
    expect(files('thematic-1')).toEqual(['20261110t090000z.chapters.vtt', '20261110t090000z.json', '20261110t090000z.mkv']);
    expect(files('thematic-2')).toEqual([]);
    const list = (await (await fetch(`${server.url}/api/events/${eventId}/sessions/thematic-1/recordings`, { headers: { authorization: `Bearer ${organizerToken}` } })).json()) as { recordings: { id: string }[] };
    expect(list.recordings.map((r) => r.id)).toEqual(['20261110t090000z']);
    // A second sweep finds nothing more; a later one takes the rest in its turn.
    expect(webcast.sweepRecordings(now)).toEqual([]);
    expect(webcast.sweepRecordings(new Date(now.getTime() + 11 * day)).map((g) => g.id)).toEqual(['20261110t090000z']);
  });
});
