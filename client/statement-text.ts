import type { RunItemView } from '../server/domain/running-order.ts';

// A running-order statement's text for the interpreters (issue 18): where
// to read it, and a link to it, for any view that shows the running order
// (the room's panel; the interpreters' console can use the same: items in
// run:state carry `text` when one is attached, and GET on this URL answers
// the session's interpreters and moderators).

export function statementTextUrl(eventId: string, sessionId: string, itemId: string): string {
  return `/api/events/${encodeURIComponent(eventId)}/sessions/${encodeURIComponent(sessionId)}/running-order/${encodeURIComponent(itemId)}/text`;
}

/** A link opening the item's text in a new tab, named after the item; null when none is attached. */
export function statementTextLink(eventId: string, sessionId: string, item: Pick<RunItemView, 'id' | 'title' | 'text'>, label: string): HTMLAnchorElement | null {
  if (!item.text) return null;
  const a = document.createElement('a');
  a.href = statementTextUrl(eventId, sessionId, item.id);
  a.target = '_blank';
  a.rel = 'noopener';
  a.textContent = label;
  a.setAttribute('aria-label', `${label}: ${item.title}`);
  a.dataset.testid = 'run-text';
  return a;
}
