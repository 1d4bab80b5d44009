/**
 * Pre-recorded statements (issue 18): what an uploaded video is, judged
 * by its first bytes, never by its name or Content-Type. Pure; probing
 * (ffprobe) and storage are in services/recorded-statements.ts.
 */
export type VideoContainer = 'mp4' | 'webm' | 'mkv';

/** At most this many bytes per video unless the server is configured otherwise (RECORDING_MAX_BYTES). */
export const defaultMaxRecordingBytes = 500 * 1024 * 1024;

/**
 * The container from the magic bytes: ISO BMFF (MP4, MOV) has a box whose
 * type is `ftyp` at offset 4; Matroska and WebM start with the EBML magic
 * 1A 45 DF A3 and name their DocType ("webm" or "matroska") in the header.
 */
export function sniffContainer(head: Uint8Array): VideoContainer | null {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length >= 12 && bytes.toString('latin1', 4, 8) === 'ftyp') return 'mp4';
  if (bytes.length >= 4 && bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) {
    const header = bytes.toString('latin1', 0, Math.min(bytes.length, 64));
    if (header.includes('webm')) return 'webm';
    if (header.includes('matroska')) return 'mkv';
  }
  return null;
}

export const containerTypes: Readonly<Record<VideoContainer, string>> = { mp4: 'video/mp4', webm: 'video/webm', mkv: 'video/x-matroska' };

/** What ffprobe said of a file, as Plenary keeps it; null when it cannot be played. */
export interface ProbeResult {
  durationMs: number;
  video: boolean;
  audio: boolean;
}

/** ffprobe's JSON (`-show_entries format=duration:stream=codec_type`) to a ProbeResult; null when it has no playable stream or no duration. */
export function readProbe(json: unknown): ProbeResult | null {
  const data = json as { format?: { duration?: string }; streams?: { codec_type?: string; codec_name?: string }[] } | null;
  const streams = data?.streams ?? [];
  const video = streams.some((s) => s.codec_type === 'video' && s.codec_name);
  const audio = streams.some((s) => s.codec_type === 'audio' && s.codec_name);
  const seconds = Number(data?.format?.duration);
  if ((!video && !audio) || !Number.isFinite(seconds) || seconds <= 0) return null;
  return { durationMs: Math.round(seconds * 1000), video, audio };
}
