import fs from 'node:fs';
import path from 'node:path';

/** One caption on screen, in milliseconds since the webcast started. */
export interface Cue {
  startMs: number;
  endMs: number;
  text: string;
}

/** A final caption line stays up this long, or until the next line of its language (but at least `minCueMs`). */
export const maxCueMs = 6000;
export const minCueMs = 1500;

/**
 * ffmpeg's MPEG-TS muxer starts timestamps 1.4 s in, and every encoder run
 * starts at the seconds since the webcast began (-output_ts_offset): so the
 * webcast's start is at 1.4 s of the video's clock, which is what
 * X-TIMESTAMP-MAP tells players (within the few hundred milliseconds
 * between a run's start and its first packet).
 */
export const mpegtsStart = 126_000;

/** The cues of one caption language: final lines only (interim lines change under the captioner's fingers). */
export class CaptionCues {
  private readonly lines: { atMs: number; text: string }[] = [];

  add(atMs: number, text: string): void {
    this.lines.push({ atMs, text });
    this.lines.sort((a, b) => a.atMs - b.atMs);
    // Enough for the live window; the transcript keeps them all (caption-service.ts).
    if (this.lines.length > 500) this.lines.splice(0, this.lines.length - 500);
  }

  /** Cues overlapping [fromMs, toMs). */
  between(fromMs: number, toMs: number): Cue[] {
    return this.lines
      .map((line, i) => {
        const next = this.lines[i + 1];
        const endMs = Math.max(line.atMs + minCueMs, Math.min(line.atMs + maxCueMs, next ? next.atMs : Infinity));
        return { startMs: line.atMs, endMs, text: line.text };
      })
      .filter((c) => c.startMs < toMs && c.endMs > fromMs);
  }
}

function clock(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor((t % 3_600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(t % 1000, 3)}`;
}

/** A WebVTT segment of an HLS subtitle rendition (RFC 8216, 3.5): cue times on the video's clock through X-TIMESTAMP-MAP. */
export function vttSegment(cues: readonly Cue[]): string {
  const lines = ['WEBVTT', `X-TIMESTAMP-MAP=MPEGTS:${mpegtsStart},LOCAL:00:00:00.000`, ''];
  for (const c of cues) {
    // A blank line or "-->" would end or break the cue.
    const text = c.text.replace(/-->/g, '→').replace(/\n\s*\n/g, '\n');
    lines.push(`${clock(c.startMs)} --> ${clock(c.endMs)}`, text, '');
  }
  return `${lines.join('\n')}\n`;
}

/** A segment of the video's media playlist, with the tags before it that subtitle playlists repeat. */
export interface VideoSegment {
  seq: number;
  name: string;
  durationSeconds: number;
  /** Its first frame's wall-clock time (EXT-X-PROGRAM-DATE-TIME). */
  startMs: number;
  discontinuity: number;
}

/** The video's live playlist as ffmpeg writes it: media sequence, discontinuities, durations, program date-times. */
export function parseMediaPlaylist(text: string): { targetDuration: number; segments: VideoSegment[] } {
  let seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
  const targetDuration = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1] ?? 1);
  const segments: VideoSegment[] = [];
  let discontinuity = 0;
  let duration = NaN;
  let start = NaN;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '#EXT-X-DISCONTINUITY') discontinuity += 1;
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) start = Date.parse(line.slice(25));
    else if (line !== '' && !line.startsWith('#')) {
      if (Number.isFinite(duration) && Number.isFinite(start)) segments.push({ seq, name: line, durationSeconds: duration, startMs: start, discontinuity });
      seq += 1;
      discontinuity = 0;
      duration = NaN;
      start = NaN;
    }
  }
  return { targetDuration, segments };
}

/**
 * A subtitle playlist mirroring the video's: the same media sequence,
 * discontinuities, durations and program date-times, one WebVTT segment per
 * video segment, so players (hls.js counts discontinuities to pair a
 * subtitle segment with the video's timestamps) line them up exactly.
 */
export function subtitlePlaylist(language: string, video: { targetDuration: number; segments: readonly VideoSegment[] }): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${video.targetDuration}`, `#EXT-X-MEDIA-SEQUENCE:${video.segments[0]?.seq ?? 0}`];
  for (const s of video.segments) {
    for (let i = 0; i < s.discontinuity; i += 1) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.startMs).toISOString()}`, `#EXTINF:${s.durationSeconds.toFixed(3)},`, subtitleSegmentName(language, s.seq));
  }
  return `${lines.join('\n')}\n`;
}

export const subtitleSegmentName = (language: string, seq: number): string => `subs-${language}-${String(seq).padStart(5, '0')}.vtt`;

/**
 * The caption renditions of one session's webcast (issue 13, item 4): per
 * language a live playlist `subs-<language>.m3u8` that follows the video's
 * (`video`, read every `intervalMs`), a WebVTT segment written for each new
 * video segment with the cues of its time (captions come ahead of the
 * encoded video, so they are there when its segment is listed).
 */
export class SubtitleWriter {
  private readonly tracks = new Map<string, { cues: CaptionCues; written: Set<number> }>();
  private readonly timer: NodeJS.Timeout;
  private readonly dir: string;
  private readonly startedAtMs: number;
  private readonly video: string;

  constructor(dir: string, startedAtMs: number, video: string, intervalMs: number) {
    this.dir = dir;
    this.startedAtMs = startedAtMs;
    this.video = video;
    this.timer = setInterval(() => this.tick(), Math.max(100, intervalMs));
    this.timer.unref();
  }

  get languages(): string[] {
    return [...this.tracks.keys()].sort();
  }

  /** A language is offered (its playlist follows the video's from now on, empty until a captioner writes). Returns whether it is new. */
  declare(language: string): boolean {
    if (!this.open(language)) return false;
    this.tick();
    return true;
  }

  /** A final caption line (its server time). Returns whether its language is new. */
  add(language: string, at: string, text: string): boolean {
    const fresh = this.open(language);
    const atMs = Date.parse(at) - this.startedAtMs;
    if (Number.isFinite(atMs)) this.tracks.get(language)?.cues.add(atMs, text);
    if (fresh) this.tick();
    return fresh;
  }

  private open(language: string): boolean {
    if (this.tracks.has(language) || !/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(language)) return false;
    this.tracks.set(language, { cues: new CaptionCues(), written: new Set() });
    return true;
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Writes the segments the video has listed since, then each language's playlist. */
  tick(): void {
    if (this.tracks.size === 0) return;
    let video: ReturnType<typeof parseMediaPlaylist>;
    try {
      video = parseMediaPlaylist(fs.readFileSync(path.join(this.dir, this.video), 'utf8'));
    } catch {
      return;
    }
    if (video.segments.length === 0) return;
    const listed = new Set(video.segments.map((s) => s.seq));
    try {
      for (const [language, track] of this.tracks) {
        for (const s of video.segments) {
          if (track.written.has(s.seq)) continue;
          const from = s.startMs - this.startedAtMs;
          atomic(path.join(this.dir, subtitleSegmentName(language, s.seq)), vttSegment(track.cues.between(from, from + s.durationSeconds * 1000)));
          track.written.add(s.seq);
        }
        atomic(path.join(this.dir, `subs-${language}.m3u8`), subtitlePlaylist(language, video));
        // Segments the video no longer lists go a while later, for players a little behind.
        for (const seq of track.written) {
          if (listed.has(seq) || seq >= (video.segments[0]?.seq ?? 0) - video.segments.length) continue;
          fs.rmSync(path.join(this.dir, subtitleSegmentName(language, seq)), { force: true });
          track.written.delete(seq);
        }
      }
    } catch {
      // The webcast's directory went (the session ended): nothing to write to.
    }
  }
}

function atomic(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}
