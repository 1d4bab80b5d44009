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

  it('keeps a live playlist per language as time passes, and refuses odd language tags', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-subs-'));
    dirs.push(dir);
    let now = 10_000;
    const writer = new SubtitleWriter(dir, 0, 1, 3, () => now);
    try {
      expect(writer.declare('../x')).toBe(false);
      expect(writer.declare('en')).toBe(true);
      expect(writer.declare('en')).toBe(false);
      // Declared at 10 s: a playlist's worth of past segments (up to 9-10 s) exists at once, empty, like the video's window.
      expect(fs.readFileSync(path.join(dir, 'subs-en.m3u8'), 'utf8').replace(/#EXT-X-PROGRAM-DATE-TIME:.*\n/g, '')).toBe(
        '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:1.000,\nsubs-en-00007.vtt\n#EXTINF:1.000,\nsubs-en-00008.vtt\n#EXTINF:1.000,\nsubs-en-00009.vtt\n',
      );
      expect(writer.add('fr', new Date(10_200).toISOString(), 'Bonjour')).toBe(true);
      expect(writer.languages).toEqual(['en', 'fr']);
      now = 15_000;
      (writer as unknown as { tick(): void }).tick();
      const playlist = fs.readFileSync(path.join(dir, 'subs-fr.m3u8'), 'utf8');
      // Three listed (the list size), the newest the one that just ended.
      expect(playlist.match(/subs-fr-\d+\.vtt/g)).toEqual(['subs-fr-00012.vtt', 'subs-fr-00013.vtt', 'subs-fr-00014.vtt']);
      // Each segment says when it starts on the wall clock, which players line renditions up by.
      expect(playlist).toContain(`#EXT-X-PROGRAM-DATE-TIME:${new Date(12_000).toISOString()}\n#EXTINF:1.000,\nsubs-fr-00012.vtt`);
      // Behind by more than a playlist: only the listed ones are written.
      expect(fs.existsSync(path.join(dir, 'subs-fr-00010.vtt'))).toBe(false);
      expect(fs.readFileSync(path.join(dir, 'subs-fr-00012.vtt'), 'utf8')).toContain('00:00:10.200 --> 00:00:16.200\nBonjour');
      expect(fs.readFileSync(path.join(dir, 'subs-fr-00014.vtt'), 'utf8')).toContain('Bonjour');
    } finally {
      writer.close();
    }
  });
});
