import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { schedule, type Session } from '../domain/programme.ts';
import { buildCalendar, sessionUid } from './build-calendar.ts';
import { compactUtc, googleCalendarUrl, outlookCalendarUrl, webcalUrl } from './links.ts';

function session(id: string, startWall: string, endWall: string, zone: string, extra: Partial<Session> = {}): Session {
  return {
    id,
    eventId: 'forum',
    kind: 'session',
    title: { zh: `会议 ${id}`, en: `Session ${id}` },
    format: null,
    description: { zh: '', en: '' },
    guidingQuestions: [],
    ...schedule(startWall, endWall, zone),
    status: 'scheduled',
    sequence: 0,
    createdAt: '2022-01-10T09:00:00Z',
    updatedAt: '2022-01-11T09:00:00Z',
    ...extra,
  };
}

function parse(ics: string): ICAL.Component {
  return new ICAL.Component(ICAL.parse(ics));
}

const event = (zone: string) => ({ id: 'forum', zone, title: { zh: '论坛', en: 'Forum; with, punctuation' } });

describe('buildCalendar', () => {
  it('writes TZID times with the VTIMEZONE, and UTC stamps', () => {
    const ics = buildCalendar({ event: event('Europe/Zurich'), sessions: [session('a', '2022-02-22T13:00', '2022-02-22T14:30', 'Europe/Zurich')], lang: 'en', baseUrl: 'https://forum.example' });
    expect(ics).toContain('DTSTART;TZID=Europe/Zurich:20220222T130000\r\n');
    expect(ics).toContain('DTSTAMP:20220111T090000Z\r\n');
    expect(ics).toContain('LAST-MODIFIED:20220111T090000Z\r\n');
    expect(ics).toContain('CREATED:20220110T090000Z\r\n');
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    // Calendar properties come before the first component.
    expect(ics.indexOf('X-WR-TIMEZONE:Europe/Zurich')).toBeLessThan(ics.indexOf('BEGIN:VTIMEZONE'));
    const cal = parse(ics);
    // NAME and X-WR-CALNAME are TEXT: escaped (ical-generator leaves them raw, so the builder escapes).
    expect(ics).toContain('NAME:Forum\\; with\\, punctuation\r\n');
    expect(ics).toContain('X-WR-CALNAME:Forum\\; with\\, punctuation\r\n');
    const vevent = cal.getFirstSubcomponent('vevent')!;
    expect(new ICAL.Event(vevent).startDate.toJSDate().toISOString()).toBe('2022-02-22T12:00:00.000Z');
    expect(vevent.getFirstPropertyValue('uid')).toBe(sessionUid({ id: 'a', eventId: 'forum' }));
  });

  it('does not depend on the server’s own time zone', () => {
    // formatDate in ical-generator uses local getters for plain Dates; ours are luxon values.
    const ics = buildCalendar({ event: event('Europe/Zurich'), sessions: [session('a', '2022-02-22T13:00', '2022-02-22T14:30', 'Europe/Zurich')], lang: 'en', baseUrl: 'https://f' });
    expect(ics).not.toMatch(/^(DTSTAMP|LAST-MODIFIED|CREATED):\d{8}T\d{6}\r$/m);
  });

  it('falls back to UTC times where the zone definition cannot be trusted', () => {
    const ics = buildCalendar({ event: event('America/Mexico_City'), sessions: [session('a', '2023-06-01T11:00', '2023-06-01T12:00', 'America/Mexico_City')], lang: 'en', baseUrl: 'https://f' });
    expect(ics).not.toContain('TZID=');
    expect(ics).not.toContain('BEGIN:VTIMEZONE');
    expect(ics).toContain('DTSTART:20230601T170000Z\r\n');
    expect(ics).toContain('X-WR-TIMEZONE:America/Mexico_City\r\n');
  });

  it('keeps a cancelled session, marked, with its SEQUENCE', () => {
    const ics = buildCalendar({
      event: event('Europe/Zurich'),
      sessions: [session('a', '2022-02-22T13:00', '2022-02-22T14:30', 'Europe/Zurich', { status: 'cancelled', sequence: 3 })],
      lang: 'zh',
      baseUrl: 'https://f',
    });
    const vevent = parse(ics).getFirstSubcomponent('vevent')!;
    expect(vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(vevent.getFirstPropertyValue('sequence')).toBe(3);
    expect(vevent.getFirstPropertyValue('summary')).toBe('已取消：会议 a');
    expect(vevent.getFirstPropertyValue('transp')).toBe('TRANSPARENT');
  });

  it('falls back to the other language for a text given in one only', () => {
    const s = session('a', '2022-02-22T13:00', '2022-02-22T14:30', 'Europe/Zurich', { title: { zh: '只有中文', en: '' } });
    const vevent = parse(buildCalendar({ event: event('Europe/Zurich'), sessions: [s], lang: 'en', baseUrl: 'https://f' })).getFirstSubcomponent('vevent')!;
    expect(vevent.getFirstPropertyValue('summary')).toBe('只有中文');
  });
});

describe('add-to-calendar links', () => {
  const template = { title: 'Opening & welcome', startUtc: '2022-02-22T12:00:00Z', endUtc: '2022-02-22T13:30:00Z', details: 'About it', url: 'https://f/events/e/sessions/s' };

  it('gives Google UTC dates as YYYYMMDDTHHMMSSZ', () => {
    const url = new URL(googleCalendarUrl(template));
    expect(url.origin + url.pathname).toBe('https://calendar.google.com/calendar/render');
    expect(url.searchParams.get('action')).toBe('TEMPLATE');
    expect(url.searchParams.get('dates')).toBe('20220222T120000Z/20220222T133000Z');
    expect(url.searchParams.get('text')).toBe('Opening & welcome');
    expect(url.searchParams.get('details')).toBe('About it\n\nhttps://f/events/e/sessions/s');
    expect(url.searchParams.get('location')).toBe(template.url);
    expect(compactUtc('2022-06-15T11:00:00Z')).toBe('20220615T110000Z');
  });

  it('gives Outlook UTC ISO instants, spaces as %20', () => {
    const href = outlookCalendarUrl(template);
    expect(href).toContain('subject=Opening%20%26%20welcome');
    const url = new URL(href);
    expect(url.origin + url.pathname).toBe('https://outlook.live.com/calendar/0/deeplink/compose');
    expect(url.searchParams.get('startdt')).toBe('2022-02-22T12:00:00Z');
    expect(url.searchParams.get('enddt')).toBe('2022-02-22T13:30:00Z');
    expect(url.searchParams.get('path')).toBe('/calendar/action/compose');
    expect(url.searchParams.get('rru')).toBe('addevent');
  });

  it('shortens long details but keeps the link', () => {
    const url = new URL(googleCalendarUrl({ ...template, details: '长'.repeat(2000) }));
    const details = url.searchParams.get('details') ?? '';
    expect([...details].length).toBeLessThan(700);
    expect(details.endsWith(template.url)).toBe(true);
  });

  it('turns a feed URL into webcal://', () => {
    expect(webcalUrl('https://f/calendar/e.ics?lang=zh')).toBe('webcal://f/calendar/e.ics?lang=zh');
    expect(webcalUrl('http://127.0.0.1:3000/calendar/e.ics')).toBe('webcal://127.0.0.1:3000/calendar/e.ics');
  });
});
