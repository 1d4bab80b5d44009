import { describe, expect, it } from 'vitest';
import { renumberDiscontinuities } from './playlists.ts';

const t0 = Date.parse('2026-11-30T14:00:00.000Z');
const at = (s: number): string => new Date(t0 + s * 1000).toISOString();
const segment = (name: string, s: number): string[] => ['#EXTINF:1.000000,', `#EXT-X-PROGRAM-DATE-TIME:${at(s)}`, name];
const playlist = (mediaSequence: number, body: string[]): string =>
  ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:1', `#EXT-X-MEDIA-SEQUENCE:${mediaSequence}`, ...body].join('\n') + '\n';
/** Each segment's discontinuity sequence number, as a player counts it. */
function numbers(text: string): { name: string; cc: number }[] {
  let cc = Number(/#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
  const out: { name: string; cc: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') cc += 1;
    else if (line !== '' && !line.startsWith('#')) out.push({ name: line, cc });
  }
  return out;
}

// Runs started at 0 s, 10 s and 20 s of the webcast.
const runs = [t0, t0 + 10_000, t0 + 20_000];

describe('the webcast playlists as served: one discontinuity numbering for every rendition', () => {
  it("drops ffmpeg's two leading tags: the first run's segments have number 0", () => {
    const first = playlist(0, ['#EXT-X-DISCONTINUITY', '#EXT-X-INDEPENDENT-SEGMENTS', '#EXT-X-DISCONTINUITY', ...segment('video-hi-r1-00000.ts', 0.4), ...segment('video-hi-r1-00001.ts', 1.4)]);
    const served = renumberDiscontinuities(first, [t0]);
    expect(served).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect(served).toMatch(/^#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXTINF:1\.000000,\n/);
    expect(numbers(served)).toEqual([{ name: 'video-hi-r1-00000.ts', cc: 0 }, { name: 'video-hi-r1-00001.ts', cc: 0 }]);
  });

  it('says how many discontinuities slid out of the window, and keeps one tag per new run', () => {
    // The first run's segments (and ffmpeg's tag before the second run) have slid out.
    const slid = playlist(9, ['#EXT-X-INDEPENDENT-SEGMENTS', ...segment('video-hi-r2-00009.ts', 18.5), '#EXT-X-DISCONTINUITY', ...segment('video-hi-r3-00010.ts', 20.6), ...segment('video-hi-r3-00011.ts', 21.6)]);
    const served = renumberDiscontinuities(slid, runs);
    expect(served).toContain('#EXT-X-MEDIA-SEQUENCE:9\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n');
    expect(numbers(served)).toEqual([
      { name: 'video-hi-r2-00009.ts', cc: 1 },
      { name: 'video-hi-r3-00010.ts', cc: 2 },
      { name: 'video-hi-r3-00011.ts', cc: 2 },
    ]);
  });

  it('numbers a language absent from a run like the video: two tags where two runs began', () => {
    const video = renumberDiscontinuities(playlist(0, [...segment('video-hi-r1-00000.ts', 8.5), '#EXT-X-DISCONTINUITY', ...segment('video-hi-r2-00001.ts', 10.5), '#EXT-X-DISCONTINUITY', ...segment('video-hi-r3-00002.ts', 20.5)]), runs);
    // French was interpreted in the first and third runs only (its own numbering: one tag).
    const french = renumberDiscontinuities(playlist(0, ['#EXT-X-DISCONTINUITY', ...segment('audio-fr-r1-00000.ts', 8.5), '#EXT-X-DISCONTINUITY', ...segment('audio-fr-r3-00001.ts', 20.5)]), runs);
    expect(french).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-DISCONTINUITY\n#EXTINF');
    expect(numbers(french).map((s) => s.cc)).toEqual([0, 2]);
    expect(numbers(video).map((s) => s.cc)).toEqual([0, 1, 2]);
  });

  it('numbers a subtitle playlist (no run in its names) by its date-times, as the video', () => {
    const subs = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:9', `#EXT-X-PROGRAM-DATE-TIME:${at(18.5)}`, '#EXTINF:1.000,', 'subs-en-00009.vtt', '#EXT-X-DISCONTINUITY', `#EXT-X-PROGRAM-DATE-TIME:${at(20.6)}`, '#EXTINF:1.000,', 'subs-en-00010.vtt'].join('\n');
    expect(numbers(renumberDiscontinuities(subs, runs))).toEqual([{ name: 'subs-en-00009.vtt', cc: 1 }, { name: 'subs-en-00010.vtt', cc: 2 }]);
  });

  it('numbers a segment by the run in its name, not by a date-time ffmpeg rewrote when it appended a later run', () => {
    // The takeover's ffmpeg (run 2, started at 10 s) wrote run 1's segments again with date-times counted from its own start.
    const video = renumberDiscontinuities(playlist(0, [...segment('video-hi-r1-00000.ts', 10.2), ...segment('video-hi-r1-00001.ts', 11.2), '#EXT-X-DISCONTINUITY', ...segment('video-hi-r2-00002.ts', 12.2)]), runs.slice(0, 2), [1, 2]);
    const floor = renumberDiscontinuities(playlist(0, [...segment('audio-floor-r1-00000.ts', 0.4), ...segment('audio-floor-r1-00001.ts', 1.4)]), runs.slice(0, 2), [1, 2]);
    expect(numbers(video)).toEqual([
      { name: 'video-hi-r1-00000.ts', cc: 0 },
      { name: 'video-hi-r1-00001.ts', cc: 0 },
      { name: 'video-hi-r2-00002.ts', cc: 1 },
    ]);
    expect(numbers(floor).map((s) => s.cc)).toEqual([0, 0]);
  });

  it('is the same served twice, and keeps an end tag', () => {
    const ended = playlist(3, [...segment('video-hi-r2-00003.ts', 12), '#EXT-X-DISCONTINUITY', ...segment('video-hi-r3-00004.ts', 21), '#EXT-X-ENDLIST']);
    const once = renumberDiscontinuities(ended, runs);
    expect(renumberDiscontinuities(once, runs)).toBe(once);
    expect(once.trimEnd().endsWith('video-hi-r3-00004.ts\n#EXT-X-ENDLIST')).toBe(true);
  });

  it('without a run known (no manifest) serves the playlist as written', () => {
    const text = playlist(0, [...segment('a.ts', 1), '#EXT-X-DISCONTINUITY', ...segment('b.ts', 2)]);
    expect(renumberDiscontinuities(text, [])).toBe(text);
  });
});
