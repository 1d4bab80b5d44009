import { DateTime } from 'luxon';
import { AppError } from '../errors.ts';
import { zoneAbbreviation } from './zones.ts';
import { timingAt } from './session-timing.ts';

/** The six UN languages: the UI's (i18n/languages.ts `Lang`, kept equal by a test) and those a text may be written in. */
export type Language = 'ar' | 'zh' | 'en' | 'fr' | 'ru' | 'es';
export const languages: readonly Language[] = ['ar', 'zh', 'en', 'fr', 'ru', 'es'];
/**
 * A text per language: Chinese and English always (possibly empty), the
 * other UN languages where someone wrote them (the seed has French and
 * Spanish). Shown through inLanguage: requested → English → Chinese → any.
 */
export interface Localized {
  zh: string;
  en: string;
  ar?: string;
  fr?: string;
  ru?: string;
  es?: string;
}

export type SessionStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';
export const sessionStatuses: readonly SessionStatus[] = ['scheduled', 'live', 'ended', 'cancelled'];
export type SessionKind = 'opening' | 'thematic' | 'closing' | 'session';

/** Where an event's texts come from: the language they were written in, and the languages that are the project's own (unofficial) translation. */
export interface TextOrigin {
  original: Language;
  projectTranslations: Language[];
}

export interface ForumEvent {
  id: string;
  zone: string;
  title: Localized;
  organizer: Localized;
  description: Localized;
  textOrigin?: TextOrigin;
  createdAt: string;
  updatedAt: string;
}

/** A session stores instants (UTC ISO) plus the event's zone; wall clocks are derived at the edge. */
export interface Session {
  id: string;
  eventId: string;
  kind: SessionKind;
  title: Localized;
  format: Localized | null;
  description: Localized;
  guidingQuestions: Localized[];
  start: string;
  end: string;
  status: SessionStatus;
  /** iCalendar SEQUENCE: bumped by every change a calendar shows. */
  sequence: number;
  createdAt: string;
  updatedAt: string;
}

const wallClockPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;

/**
 * Reads a wall-clock time ("2022-02-22T13:00") in `zone` as an instant.
 * A time that the zone skips (the spring-forward gap) is refused rather than
 * silently moved, since an organiser who typed it meant something else.
 */
export function parseWallClock(value: string, zone: string, field = 'time'): DateTime {
  if (!wallClockPattern.test(value)) {
    throw new AppError('invalid_time', `${field} must be a wall-clock time like 2022-02-22T13:00 (got "${value.slice(0, 40)}").`);
  }
  const dt = DateTime.fromISO(value, { zone });
  if (!dt.isValid) {
    throw new AppError('invalid_time', `${field} "${value}" is not a real date and time.`);
  }
  const normalized = value.length === 16 ? `${value}:00` : value;
  if (dt.toFormat("yyyy-MM-dd'T'HH:mm:ss") !== normalized) {
    throw new AppError(
      'nonexistent_local_time',
      `${field} ${value} does not exist in ${zone}: the clocks skip that hour for daylight saving time. Choose a time before or after the change.`,
    );
  }
  return dt;
}

export function toWallClock(instant: string, zone: string): string {
  return DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).toFormat("yyyy-MM-dd'T'HH:mm");
}

export function schedule(startWall: string, endWall: string, zone: string): { start: string; end: string } {
  const start = parseWallClock(startWall, zone, 'start');
  const end = parseWallClock(endWall, zone, 'end');
  if (end <= start) {
    throw new AppError('end_before_start', `The session must end after it starts (${startWall} → ${endWall}).`);
  }
  return { start: toInstant(start), end: toInstant(end) };
}

export function toInstant(dt: DateTime): string {
  return dt.toUTC().toISO({ suppressMilliseconds: true }) ?? '';
}

export interface ZonedTime {
  zone: string;
  start: string;
  end: string;
  abbreviation: string;
  endAbbreviation: string;
  offset: string;
  date: string;
  startTime: string;
  endTime: string;
  endDate: string;
}

export function inZone(startInstant: string, endInstant: string, zone: string): ZonedTime {
  const start = DateTime.fromISO(startInstant, { zone: 'utc' }).setZone(zone);
  const end = DateTime.fromISO(endInstant, { zone: 'utc' }).setZone(zone);
  return {
    zone,
    start: start.toISO({ suppressMilliseconds: true }) ?? '',
    end: end.toISO({ suppressMilliseconds: true }) ?? '',
    abbreviation: zoneAbbreviation(start),
    endAbbreviation: zoneAbbreviation(end),
    offset: start.toFormat('ZZ'),
    date: start.toISODate() ?? '',
    startTime: start.toFormat('HH:mm'),
    endTime: end.toFormat('HH:mm'),
    endDate: end.toISODate() ?? '',
  };
}

export type Timing = 'upcoming' | 'next' | 'now' | 'ended' | 'cancelled';

/**
 * Where a session stands for someone looking at the programme at `now`.
 * An explicit status wins over the clock: a moderator may open a session
 * early for a rehearsal, and an ended session stays ended.
 */
export function timingOf(sessions: readonly Session[], now: Date): Map<string, Timing> {
  const result = new Map<string, Timing>();
  const nowMs = now.getTime();
  let next: Session | undefined;
  for (const s of sessions) {
    const timing = timingAt(s.status, Date.parse(s.start), Date.parse(s.end), nowMs);
    if (timing === 'upcoming' && (!next || Date.parse(s.start) < Date.parse(next.start))) next = s;
    result.set(s.id, timing);
  }
  if (next) result.set(next.id, 'next');
  return result;
}

export function sortByStart<T extends { start: string }>(sessions: readonly T[]): T[] {
  return [...sessions].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

/** A session as the programme shows it: its texts, plus its times in both zones. */
export interface ProgrammeSessionView
  extends Pick<Session, 'id' | 'eventId' | 'kind' | 'title' | 'format' | 'description' | 'guidingQuestions' | 'status' | 'sequence'> {
  timing: Timing;
  startUtc: string;
  endUtc: string;
  durationMinutes: number;
  eventZone: ZonedTime;
  viewerZone: ZonedTime;
  /** Days between the event-zone date and the viewer's date (e.g. +1 in Auckland). */
  dayShift: number;
}

export interface ProgrammeView {
  event: ForumEvent;
  zone: string;
  viewerZone: string;
  sessions: ProgrammeSessionView[];
  days: { date: string; sessions: ProgrammeSessionView[] }[];
}

export function programmeView(event: ForumEvent, sessions: readonly Session[], viewerZone: string, now: Date): ProgrammeView {
  const timing = timingOf(sessions, now);
  const views = sortByStart(sessions).map((s): ProgrammeSessionView => {
    const eventZone = inZone(s.start, s.end, event.zone);
    const viewer = inZone(s.start, s.end, viewerZone);
    const dayShift = DateTime.fromISO(viewer.date).diff(DateTime.fromISO(eventZone.date), 'days').days;
    return {
      id: s.id,
      eventId: s.eventId,
      kind: s.kind,
      title: s.title,
      format: s.format,
      description: s.description,
      guidingQuestions: s.guidingQuestions,
      status: s.status,
      timing: timing.get(s.id) ?? 'upcoming',
      sequence: s.sequence,
      startUtc: s.start,
      endUtc: s.end,
      durationMinutes: Math.round((Date.parse(s.end) - Date.parse(s.start)) / 60000),
      eventZone,
      viewerZone: viewer,
      dayShift,
    };
  });
  const days: ProgrammeView['days'] = [];
  for (const v of views) {
    const last = days.at(-1);
    if (last && last.date === v.viewerZone.date) last.sessions.push(v);
    else days.push({ date: v.viewerZone.date, sessions: [v] });
  }
  return { event, zone: event.zone, viewerZone, sessions: views, days };
}
