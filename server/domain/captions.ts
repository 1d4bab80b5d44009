import { AppError } from '../errors.ts';
import type { Participant } from './participants.ts';

/**
 * Live captions (issue 13): a captioner of a session and language sends
 * lines; each line takes the session's next sequence number, so clients
 * order them and tell a newer interim line from an older one; final lines
 * make the session's transcript, which organisers download. Pure rules.
 */
export interface CaptionLine {
  sessionId: string;
  language: string;
  text: string;
  /** False for an interim line (the captioner is still typing or correcting); true when the line is done. */
  final: boolean;
  seq: number;
  at: string;
  by: string;
}

export const maxCaptionLength = 1000;

/** Text as it is kept and sent: control characters out, whitespace collapsed at the ends. */
export function captionText(text: string, final: boolean): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim();
  if (clean.length > maxCaptionLength || (final && clean.length === 0)) {
    throw new AppError('invalid_caption', `A caption line has text of at most ${maxCaptionLength} characters.`);
  }
  return clean;
}

export function isCaptioner(p: Participant, sessionId: string, language: string): boolean {
  return p.roles.some((r) => r.sessionId === sessionId && r.role === 'captioner' && r.language === language);
}

/** Milliseconds as a WebVTT / transcript time stamp relative to the first line: hh:mm:ss.mmm */
export function stamp(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3600_000);
  const m = Math.floor((t % 3600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(t % 1000, 3)}`;
}

/** The transcript as plain text: one final line per row, with its time and language. */
export function transcriptText(lines: readonly CaptionLine[]): string {
  return lines.map((l) => `[${l.at}] (${l.language}) ${l.text}`).join('\n') + (lines.length ? '\n' : '');
}

/** The transcript as WebVTT: each final line shown until the next one in its language (at most 6 s). */
export function transcriptVtt(lines: readonly CaptionLine[]): string {
  const first = lines.length ? Date.parse(lines[0]!.at) : 0;
  const cues = lines.map((l, i) => {
    const start = Date.parse(l.at) - first;
    const next = lines.slice(i + 1).find((n) => n.language === l.language);
    const end = Math.min(start + 6000, next ? Date.parse(next.at) - first : start + 6000);
    return `${l.seq}\n${stamp(start)} --> ${stamp(Math.max(end, start + 500))}\n<lang ${l.language}>${l.text.replace(/-->/g, '→')}</lang>\n`;
  });
  return `WEBVTT\n\n${cues.join('\n')}`;
}
