import ICAL from 'ical.js';
import { organizerToken } from '../support/server.ts';

/** A feed as Thunderbird's parser (ical.js) reads it, plus the raw bytes for line-level checks. */
export interface ParsedFeed {
  status: number;
  headers: Headers;
  raw: Buffer;
  text: string;
  calendar: ICAL.Component;
  events: ICAL.Component[];
}

export async function fetchFeed(url: string, init: RequestInit = {}): Promise<ParsedFeed> {
  const res = await fetch(url, init);
  const raw = Buffer.from(await res.arrayBuffer());
  const text = raw.toString('utf8');
  const calendar = new ICAL.Component(ICAL.parse(text));
  return { status: res.status, headers: res.headers, raw, text, calendar, events: calendar.getAllSubcomponents('vevent') };
}

export function eventByUid(feed: ParsedFeed, uid: string): ICAL.Component {
  const found = feed.events.find((e) => e.getFirstPropertyValue('uid') === uid);
  if (!found) throw new Error(`no VEVENT with UID ${uid}`);
  return found;
}

/** The instant a calendar client computes for DTSTART/DTEND, using the feed's own VTIMEZONE. */
export function instantOf(vevent: ICAL.Component, property: 'dtstart' | 'dtend'): string {
  const value = vevent.getFirstPropertyValue(property) as ICAL.Time;
  return value.toJSDate().toISOString().replace('.000Z', 'Z');
}

export function tzidOf(vevent: ICAL.Component, property: 'dtstart' | 'dtend'): string | null {
  return (vevent.getFirstProperty(property)?.getParameter('tzid') as string | undefined) ?? null;
}

/** The UTC offset, as "+01:00", that the VTIMEZONE gives the property's time. */
export function offsetOf(vevent: ICAL.Component, property: 'dtstart' | 'dtend'): string {
  const value = vevent.getFirstPropertyValue(property) as ICAL.Time;
  const seconds = value.utcOffset();
  const sign = seconds < 0 ? '-' : '+';
  const abs = Math.abs(seconds);
  return `${sign}${String(Math.floor(abs / 3600)).padStart(2, '0')}:${String(Math.floor((abs % 3600) / 60)).padStart(2, '0')}`;
}

export const asOrganiser = { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' };

export async function api<T = unknown>(url: string, method: string, body?: unknown, headers: Record<string, string> = asOrganiser): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

/** Attribute values as a browser reads them (Handlebars escapes "=" and "&" in hrefs). */
export function decodeHtml(html: string): string {
  return html
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
