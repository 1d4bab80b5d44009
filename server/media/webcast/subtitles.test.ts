import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptionCues, maxCueMs, minCueMs, SubtitleWriter, vttSegment } from './subtitles.ts';

describe('captions as WebVTT subtitle renditions of the webcast', () => {
  const dirs: string[] = [];
  afterEach(() => {
    while (dirs.length) fs.rmSync(dirs.pop() as string, { recursive: true, force: true });
  });

  it('shows a line until the next one, at most six seconds, and at least one and a half', () => {
    const cues = new CaptionCues();
    cues.add(1000, 'First');
    cues.add(3000, 'Second');
    cues.add(3500, 'Third');
    expect(cues.between(0, 20_000)).toEqual([
      { startMs: 1000, endMs: 3000, text: 'First' },
      { startMs: 3000, endMs: 3000 + minCueMs, text: 'Second' },
      { startMs: 3500, endMs: 3500 + maxCueMs, text: 'Third' },
    ]);
    // A segment carries every cue it overlaps, so a cue spanning segments is in each.
    expect(cues.between(2000, 3000).map((c) => c.text)).toEqual(['First']);
    expect(cues.between(4000, 5000).map((c) => c.text)).toEqual(['Second', 'Third']);
    expect(cues.between(10_000, 11_000)).toEqual([]);
  });

  it('writes a segment on the video’s clock, with cue text that cannot break the file', () => {
    expect(vttSegment([{ startMs: 3_723_004, endMs: 3_725_000, text: 'a --> b\n\nc' }])).toBe(
      'WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n01:02:03.004 --> 01:02:05.000\na → b\nc\n\n',
    );
    expect(vttSegment([])).toBe('WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000\n\n');
  });

  it('mirrors the video playlist: its sequence, discontinuities and times, a WebVTT segment per video segment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-subs-'));
    dirs.push(dir);
    const start = Date.parse('2026-11-30T12:00:00.000Z');
    const video = (segments: { seq: number; at: number; discontinuity?: boolean }[]): void => {
      const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:1', `#EXT-X-MEDIA-SEQUENCE:${segments[0]?.seq ?? 0}`, '#EXT-X-DISCONTINUITY', '#EXT-X-INDEPENDENT-SEGMENTS'];
      for (const s of segments) {
        if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
        lines.push('#EXTINF:1.000000,', `#EXT-X-PROGRAM-DATE-TIME:${new Date(start + s.at).toISOString().replace('Z', '+0000')}`, `video-hi-r1-${String(s.seq).padStart(5, '0')}.ts`);
      }
      fs.writeFileSync(path.join(dir, 'video-hi.m3u8'), `${lines.join('\n')}\n`);
    };
    const writer = new SubtitleWriter(dir, start, 'video-hi.m3u8', 60_000);
    try {
      expect(writer.declare('../x')).toBe(false);
      // No video yet: nothing to mirror.
      expect(writer.declare('en')).toBe(true);
      expect(writer.declare('en')).toBe(false);
      expect(fs.existsSync(path.join(dir, 'subs-en.m3u8'))).toBe(false);
      video([{ seq: 0, at: 0, discontinuity: true }, { seq: 1, at: 1000 }]);
      expect(writer.add('fr', new Date(start + 1200).toISOString(), 'Bonjour')).toBe(true);
      writer.tick();
      expect(fs.readFileSync(path.join(dir, 'subs-en.m3u8'), 'utf8')).toBe(
        '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY\n#EXT-X-DISCONTINUITY\n' +
          '#EXT-X-PROGRAM-DATE-TIME:2026-11-30T12:00:00.000Z\n#EXTINF:1.000,\nsubs-en-00000.vtt\n' +
          '#EXT-X-PROGRAM-DATE-TIME:2026-11-30T12:00:01.000Z\n#EXTINF:1.000,\nsubs-en-00001.vtt\n',
      );
      expect(writer.languages).toEqual(['en', 'fr']);
      expect(fs.readFileSync(path.join(dir, 'subs-fr-00000.vtt'), 'utf8')).not.toContain('Bonjour');
      expect(fs.readFileSync(path.join(dir, 'subs-fr-00001.vtt'), 'utf8')).toContain('00:00:01.200 --> 00:00:07.200\nBonjour');
      // The video moves on (a new run: a discontinuity); the oldest segment leaves its playlist.
      video([{ seq: 1, at: 1000 }, { seq: 2, at: 2400, discontinuity: true }]);
      writer.tick();
      const fr = fs.readFileSync(path.join(dir, 'subs-fr.m3u8'), 'utf8');
      expect(fr.match(/subs-fr-\d+\.vtt/g)).toEqual(['subs-fr-00001.vtt', 'subs-fr-00002.vtt']);
      expect(fr).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-11-30T12:00:02.400Z\n#EXTINF:1.000,\nsubs-fr-00002.vtt');
      expect(fs.readFileSync(path.join(dir, 'subs-fr-00002.vtt'), 'utf8')).toContain('Bonjour');
    } finally {
      writer.close();
    }
  });
});
