import ical, { escape, foldLines, ICalEventStatus, ICalEventTransparency } from 'ical-generator';
import { DateTime } from 'luxon';
import { sortByStart, type ForumEvent, type Language, type Session } from '../domain/programme.ts';
import { calendarMessages } from '../i18n/catalogs/calendar.ts';
import { interpolate } from '../i18n/format.ts';
import { inLanguage } from '../i18n/languages.ts';
import { vtimezoneFor } from './vtimezone.ts';

export interface CalendarInput {
  /** The event the sessions belong to; its IANA zone becomes the TZID. */
  event: Pick<ForumEvent, 'id' | 'zone' | 'title'>;
  /** Sessions to include, any order; cancelled ones stay in as STATUS:CANCELLED. */
  sessions: readonly Session[];
  lang: Language;
  /** Origin for the links in the feed, e.g. "https://forum.example.org" (no trailing slash). */
  baseUrl: string;
  /** Calendar name (NAME, X-WR-CALNAME); defaults to the event title. */
  name?: string;
}

/** How often subscribed clients are asked to poll (REFRESH-INTERVAL, X-PUBLISHED-TTL). */
export const refreshSeconds = 3600;

/**
 * An iCalendar feed (RFC 5545 + RFC 7986) for some sessions of one event:
 * `buildCalendar({ event, sessions, lang, baseUrl, name })` → the .ics text.
 * Used for the whole programme, one session, and a participant's agenda
 * (pass the bookmarked sessions and a name such as "My agenda — <event>").
 *
 * Deterministic: the same sessions give the same bytes (DTSTAMP is the
 * session's last revision, as RFC 5545 asks when there is no METHOD), so
 * HTTP validators built on the body stay stable between requests.
 *
 * - UID `<sessionId>.<eventId>@plenary` never changes for a session.
 * - DTSTART/DTEND carry TZID=<event zone> with a generated VTIMEZONE that
 *   was checked against the runtime's tz database; when it cannot be trusted
 *   the times are written in UTC instead (see vtimezone.ts).
 * - SEQUENCE and LAST-MODIFIED come from the session; STATUS is CONFIRMED
 *   or CANCELLED.
 * - Lines are folded at 75 octets without splitting a UTF-8 character
 *   (ical-generator's foldLines).
 */
export function buildCalendar(input: CalendarInput): string {
  const { event, lang, baseUrl } = input;
  const sessions = sortByStart(input.sessions);
  const zone = event.zone === 'UTC' || event.zone === 'Etc/UTC' ? null : vtimezoneFor(event.zone, sessions.flatMap((s) => [s.start, s.end]));
  const name = input.name ?? inLanguage(event.title, lang);

  // The calendar-level zone is left unnamed on purpose: ical-generator 11
  // writes DTSTAMP, CREATED and LAST-MODIFIED in the calendar zone without
  // the "Z" when one is named, which RFC 5545 forbids (they must be UTC).
  // The generator still emits the VTIMEZONE for the events' TZID, and
  // X-WR-TIMEZONE is added below.
  const calendar = ical({
    prodId: { company: 'Plenary', product: 'Plenary', language: lang.toUpperCase() },
    name: escapeText(name),
    url: `${baseUrl}/events/${encodeURIComponent(event.id)}`,
    timezone: zone ? { name: null, generator: (tz) => (tz === zone.tzid ? zone.vtimezone : null) } : null,
    ttl: refreshSeconds,
  });

  for (const s of sessions) {
    const cancelled = s.status === 'cancelled';
    const url = sessionUrl(baseUrl, s);
    const title = inLanguage(s.title, lang);
    calendar.createEvent({
      id: sessionUid(s),
      sequence: s.sequence,
      start: DateTime.fromISO(s.start, { zone: 'utc' }),
      end: DateTime.fromISO(s.end, { zone: 'utc' }),
      timezone: zone?.tzid ?? null,
      stamp: DateTime.fromISO(s.updatedAt, { zone: 'utc' }),
      created: DateTime.fromISO(s.createdAt, { zone: 'utc' }),
      lastModified: DateTime.fromISO(s.updatedAt, { zone: 'utc' }),
      status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      transparency: cancelled ? ICalEventTransparency.TRANSPARENT : ICalEventTransparency.OPAQUE,
      // Outlook and Google show a cancelled event like any other, so say it in the title too.
      summary: cancelled ? interpolate(calendarMessages[lang].ics_cancelled, { title }) : title,
      description: sessionDescription(s, lang, url),
      location: url,
      url,
    });
  }

  return withCalendarZone(calendar.toString(), event.zone);
}

/** Stable for the life of the session: ids are unique in an event and never reused (sessions are cancelled, not erased). */
export function sessionUid(session: Pick<Session, 'id' | 'eventId'>): string {
  return `${session.id}.${session.eventId}@plenary`;
}

export function sessionUrl(baseUrl: string, session: Pick<Session, 'id' | 'eventId'>): string {
  return `${baseUrl}/events/${encodeURIComponent(session.eventId)}/sessions/${encodeURIComponent(session.id)}`;
}

/** DESCRIPTION: the description, the format, the guiding question(s), then (given a URL) the link to the session room. */
export function sessionDescription(session: Pick<Session, 'description' | 'format' | 'guidingQuestions'>, lang: Language, url?: string): string {
  const text = calendarMessages[lang];
  const parts: string[] = [];
  const description = inLanguage(session.description, lang);
  if (description) parts.push(description);
  const format = inLanguage(session.format, lang);
  if (format) parts.push(interpolate(text.ics_format, { format }));
  for (const question of session.guidingQuestions) {
    const asked = inLanguage(question, lang);
    if (asked) parts.push(interpolate(text.ics_guidingQuestion, { question: asked }));
  }
  if (url) parts.push(interpolate(text.ics_joinSession, { url }));
  return parts.join('\n\n');
}

function escapeText(text: string): string {
  return escape(text, false);
}

/** Adds X-WR-TIMEZONE among the calendar's properties, before its first component. */
function withCalendarZone(ics: string, zone: string): string {
  const line = foldLines(`X-WR-TIMEZONE:${escapeText(zone)}`);
  const at = ics.indexOf('\r\nBEGIN:V', 1);
  const index = at >= 0 ? at : ics.lastIndexOf('\r\nEND:VCALENDAR');
  // ical-generator leaves the last line unterminated; RFC 5545 ends every content line with CRLF.
  return `${ics.slice(0, index)}\r\n${line}${ics.slice(index)}\r\n`;
}
