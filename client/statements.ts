import type { RoomStrings } from '../server/i18n/catalogs/room.ts';
import { interpolate } from '../server/i18n/format.ts';
import type { QueueEntryView } from '../server/protocol/events.ts';

// Statements attached to queue entries (issue 13): the delegate uploads
// the file's bytes as they are (the server checks type and size); the
// session's interpreters and moderators download them with a link.

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function byteSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Where a queue entry's statement is downloaded (interpreters and moderators). */
export function statementUrl(eventId: string, sessionId: string, entryId: string): string {
  return `/api/events/${encodeURIComponent(eventId)}/sessions/${encodeURIComponent(sessionId)}/queue/${encodeURIComponent(entryId)}/statement`;
}

export function statementLink(eventId: string, sessionId: string, e: QueueEntryView, s: RoomStrings): HTMLAnchorElement {
  const type = e.statement?.type === 'application/pdf' ? 'PDF' : 'text';
  return el('a', { href: statementUrl(eventId, sessionId, e.id), download: '', 'data-testid': 'statement-link', 'aria-label': interpolate(s.statementLinkLabel, { name: e.name, type }) }, s.statementLink);
}

/** Sends the file's bytes as they are; the server checks the type by the bytes and the size. */
export async function uploadStatement(eventId: string, sessionId: string, entryId: string, file: File): Promise<void> {
  const type = file.type === 'application/pdf' || /\.pdf$/i.test(file.name) ? 'application/pdf' : 'text/plain; charset=utf-8';
  const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content;
  const res = await fetch(statementUrl(eventId, sessionId, entryId), {
    method: 'PUT',
    credentials: 'same-origin',
    headers: { 'content-type': type, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
    body: file,
  });
  if (res.ok) return;
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  throw Object.assign(new Error(body?.error?.message ?? res.statusText), { code: body?.error?.code });
}
