import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { countryName } from '../../domain/countries.ts';

/** What a session's webcast directory remembers (manifest.json): enough to finalise its recording after a crash. */
export interface WebcastManifest {
  eventId: string;
  sessionId: string;
  recordingId: string;
  startedAt: string;
  /** Every interpretation language encoded at some point (a track each in the recording). */
  languages: string[];
  runs: { run: number; startedAt: string; languages: string[] }[];
  status: 'live' | 'ended';
  endedAt?: string;
}

export interface RecordingTrack {
  kind: 'video' | 'audio';
  language?: string;
  name: string;
}

export interface Chapter {
  startMs: number;
  endMs: number;
  title: string;
}

export interface Recording {
  id: string;
  eventId: string;
  sessionId: string;
  status: 'recording' | 'processing' | 'ready' | 'failed';
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  tracks: RecordingTrack[];
  chapters: Chapter[];
  file: string | null;
  error?: string;
}

export interface FloorSpan {
  name: string;
  country: string;
  group: string;
  startedAt: string;
  endedAt: string | null;
}

const groupNames: Record<string, string> = {
  government: 'Government',
  employers: 'Employers',
  workers: 'Workers',
  international_organization: 'International organisation',
  other: 'Other',
};

/** ISO 639-2 (bibliographic, as Matroska's Language element wants) of the common interpretation languages; others as given. */
const iso6392: Record<string, string> = { ar: 'ara', zh: 'chi', en: 'eng', fr: 'fre', ru: 'rus', es: 'spa', de: 'ger', pt: 'por', ja: 'jpn', ko: 'kor', it: 'ita', sw: 'swa', hi: 'hin' };

export function matroskaLanguage(language: string): string {
  return iso6392[language.split('-')[0]?.toLowerCase() ?? ''] ?? language;
}

export function languageName(language: string): string {
  if (language === 'floor' || language === 'mul') return 'Floor';
  try {
    const own = new Intl.DisplayNames([language], { type: 'language' }).of(language);
    return own ? own.charAt(0).toLocaleUpperCase(language) + own.slice(1) : language;
  } catch {
    return language;
  }
}


/** One chapter per floor ("name, country, group"), in the recording's time. */
export function chaptersFrom(floors: FloorSpan[], startedAt: Date, endedAt: Date): Chapter[] {
  const start = startedAt.getTime();
  const total = endedAt.getTime() - start;
  const spans = floors
    .filter((f) => new Date(f.startedAt).getTime() < endedAt.getTime() && (f.endedAt === null || new Date(f.endedAt).getTime() > start))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return spans.map((f, i) => {
    const startMs = Math.max(0, new Date(f.startedAt).getTime() - start);
    const nextStart = spans[i + 1] ? new Date(spans[i + 1]!.startedAt).getTime() - start : total;
    const ended = f.endedAt ? new Date(f.endedAt).getTime() - start : total;
    const endMs = Math.max(startMs + 1, Math.min(ended, nextStart, total));
    return { startMs, endMs, title: [f.name, countryName(f.country, 'en'), groupNames[f.group] ?? f.group].filter(Boolean).join(', ') };
  });
}

const vttTime = (ms: number): string => {
  const h = Math.floor(ms / 3600_000);
  const m = Math.floor((ms % 3600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
};

export function chaptersVtt(chapters: Chapter[]): string {
  return `WEBVTT\n\n${chapters.map((c, i) => `${i + 1}\n${vttTime(c.startMs)} --> ${vttTime(c.endMs)}\n${c.title}\n`).join('\n')}`;
}

function ffmetadata(chapters: Chapter[]): string {
  const esc = (v: string): string => v.replace(/([=;#\\\n])/g, '\\$1');
  return `;FFMETADATA1\n${chapters.map((c) => `[CHAPTER]\nTIMEBASE=1/1000\nSTART=${c.startMs}\nEND=${c.endMs}\ntitle=${esc(c.title)}\n`).join('')}`;
}

/** The segments of one rendition, in the order they were written (run, then sequence). */
export function segmentsOf(dir: string, rendition: string): string[] {
  const pattern = new RegExp(`^${rendition}-r(\\d+)-(\\d+)\\.ts$`);
  return fs
    .readdirSync(dir)
    .map((f) => ({ f, m: pattern.exec(f) }))
    .filter((x): x is { f: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]) || Number(a.m[2]) - Number(b.m[2]))
    .map((x) => path.join(dir, x.f));
}

function concatenate(files: string[], to: string): void {
  const fd = fs.openSync(to, 'w');
  try {
    for (const f of files) fs.writeSync(fd, fs.readFileSync(f));
  } finally {
    fs.closeSync(fd);
  }
}

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-3000)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr}`))));
  });
}

export function readRecording(file: string): Recording | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Recording;
  } catch {
    return null;
  }
}

export function writeRecording(dir: string, recording: Recording): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${recording.id}.json`);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(recording, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * Turns a session's webcast segments into its recording: the high-quality
 * video and every language's audio in one Matroska file (timestamps as
 * encoded, so a channel that started later stays in step), one chapter
 * per floor, and the chapters as WebVTT beside it. Works on what is on
 * disk, so it also finalises a webcast interrupted by a crash.
 */
export async function finalise(options: {
  ffmpeg: string;
  webcastDir: string;
  recordingsDir: string;
  manifest: WebcastManifest;
  videoRendition: string;
  floors: FloorSpan[];
  endedAt: Date;
}): Promise<Recording> {
  const { manifest, webcastDir, recordingsDir } = options;
  const id = manifest.recordingId;
  const startedAt = new Date(manifest.startedAt);
  const languages = manifest.languages.filter((l) => segmentsOf(webcastDir, `audio-${l}`).length > 0);
  const tracks: RecordingTrack[] = [
    { kind: 'video', name: 'Video' },
    { kind: 'audio', language: 'mul', name: languageName('floor') },
    ...languages.map((l) => ({ kind: 'audio' as const, language: l, name: languageName(l) })),
  ];
  const chapters = chaptersFrom(options.floors, startedAt, options.endedAt);
  const base: Recording = {
    id,
    eventId: manifest.eventId,
    sessionId: manifest.sessionId,
    status: 'processing',
    startedAt: manifest.startedAt,
    endedAt: options.endedAt.toISOString(),
    durationMs: options.endedAt.getTime() - startedAt.getTime(),
    tracks,
    chapters,
    file: null,
  };
  writeRecording(recordingsDir, base);
  const work = path.join(webcastDir, 'archive');
  fs.mkdirSync(work, { recursive: true });
  try {
    const renditions = [options.videoRendition, 'audio-floor', ...languages.map((l) => `audio-${l}`)];
    const inputs: string[] = [];
    for (const r of renditions) {
      const files = segmentsOf(webcastDir, r);
      if (files.length === 0) throw new Error(`no segments of ${r}`);
      const joined = path.join(work, `${r}.ts`);
      concatenate(files, joined);
      inputs.push(joined);
    }
    const meta = path.join(work, 'chapters.txt');
    fs.writeFileSync(meta, ffmetadata(chapters));
    const out = path.join(recordingsDir, `${id}.mkv`);
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-copyts'];
    for (const input of inputs) args.push('-i', input);
    args.push('-i', meta, '-map', '0:v:0');
    inputs.slice(1).forEach((_, i) => args.push('-map', `${i + 1}:a:0`));
    args.push('-map_chapters', String(inputs.length), '-map_metadata', String(inputs.length), '-c', 'copy');
    args.push('-metadata', `title=${manifest.eventId} / ${manifest.sessionId}`);
    tracks.slice(1).forEach((t, i) => args.push(`-metadata:s:a:${i}`, `language=${matroskaLanguage(t.language ?? 'und')}`, `-metadata:s:a:${i}`, `title=${t.name}`));
    args.push(`${out}.part.mkv`);
    await run(options.ffmpeg, args);
    fs.renameSync(`${out}.part.mkv`, out);
    fs.writeFileSync(path.join(recordingsDir, `${id}.chapters.vtt`), chaptersVtt(chapters));
    const ready: Recording = { ...base, status: 'ready', file: `${id}.mkv` };
    writeRecording(recordingsDir, ready);
    return ready;
  } catch (error) {
    const failed: Recording = { ...base, status: 'failed', error: error instanceof Error ? error.message.slice(0, 500) : String(error) };
    writeRecording(recordingsDir, failed);
    return failed;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
