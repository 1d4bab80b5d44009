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

/**
 * A live media playlist of VTT segments. Each carries its wall-clock start
 * (EXT-X-PROGRAM-DATE-TIME, as the video's playlists do): players line
 * renditions up by it, since the numbering differs from the video's.
 */
export function subtitlePlaylist(segments: readonly { seq: number; name: string; startMs: number }[], seconds: number): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${Math.ceil(seconds)}`, `#EXT-X-MEDIA-SEQUENCE:${segments[0]?.seq ?? 0}`];
  for (const s of segments) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.startMs).toISOString()}`, `#EXTINF:${seconds.toFixed(3)},`, s.name);
  return `${lines.join('\n')}\n`;
}

/**
 * The caption renditions of one session's webcast (issue 13, item 4):
 * per language a live playlist `subs-<language>.m3u8` of WebVTT segments as
 * long as the video's, written as each one's time has passed (captions come
 * ahead of the encoded video, so players find them in time).
 */
export class SubtitleWriter {
  private readonly tracks = new Map<string, { cues: CaptionCues; segments: { seq: number; name: string; startMs: number }[] }>();
  private readonly timer: NodeJS.Timeout;
  private readonly segmentMs: number;
  private readonly dir: string;
  private readonly startedAtMs: number;
  private readonly listSize: number;
  private readonly now: () => number;

  constructor(dir: string, startedAtMs: number, seconds: number, listSize: number, now: () => number = Date.now) {
    this.dir = dir;
    this.startedAtMs = startedAtMs;
    this.listSize = listSize;
    this.now = now;
    this.segmentMs = Math.max(500, Math.round(seconds * 1000));
    this.timer = setInterval(() => this.tick(), this.segmentMs);
    this.timer.unref();
  }

  get languages(): string[] {
    return [...this.tracks.keys()].sort();
  }

  /** A language is offered (its playlist exists from now on, empty until a captioner writes). Returns whether it is new. */
  declare(language: string): boolean {
    if (this.tracks.has(language) || !/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(language)) return false;
    this.tracks.set(language, { cues: new CaptionCues(), segments: [] });
    this.write(language, Math.floor((this.now() - this.startedAtMs) / this.segmentMs) - 1);
    return true;
  }

  /** A final caption line (its server time). Returns whether its language is new. */
  add(language: string, at: string, text: string): boolean {
    const fresh = this.declare(language);
    const atMs = Date.parse(at) - this.startedAtMs;
    if (Number.isFinite(atMs)) this.tracks.get(language)?.cues.add(atMs, text);
    return fresh;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const last = Math.floor((this.now() - this.startedAtMs) / this.segmentMs) - 1;
    for (const language of this.tracks.keys()) this.write(language, last);
  }

  /** Writes every segment up to `last` not written yet (at most a playlist's worth), then the playlist. */
  private write(language: string, last: number): void {
    const track = this.tracks.get(language);
    if (!track || last < 0) return;
    const from = Math.max((track.segments.at(-1)?.seq ?? -1) + 1, last - this.listSize + 1);
    try {
      for (let seq = from; seq <= last; seq += 1) {
        const name = `subs-${language}-${String(seq).padStart(5, '0')}.vtt`;
        atomic(path.join(this.dir, name), vttSegment(track.cues.between(seq * this.segmentMs, (seq + 1) * this.segmentMs)));
        track.segments.push({ seq, name, startMs: this.startedAtMs + seq * this.segmentMs });
      }
      // Keep a few more than listed, for players a little behind.
      while (track.segments.length > this.listSize * 3) {
        const old = track.segments.shift();
        if (old) fs.rmSync(path.join(this.dir, old.name), { force: true });
      }
      atomic(path.join(this.dir, `subs-${language}.m3u8`), subtitlePlaylist(track.segments.slice(-this.listSize), this.segmentMs / 1000));
    } catch {
      // The webcast's directory went (the session ended): nothing to write to.
    }
  }
}

function atomic(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}
