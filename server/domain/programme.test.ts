import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { inZone, parseWallClock, programmeView, schedule, timingOf, type ForumEvent, type Session } from './programme.ts';
import { parseTimeZone, zoneAbbreviation } from './zones.ts';

const zurich = 'Europe/Zurich';

function session(id: string, startWall: string, endWall: string, zone = zurich, status: Session['status'] = 'scheduled'): Session {
  const { start, end } = schedule(startWall, endWall, zone);
  const text = { zh: id, en: id };
  return {
    id, eventId: 'e', kind: 'session', title: text, format: null, description: text, guidingQuestions: [],
    start, end, status, sequence: 0, createdAt: start, updatedAt: start,
  };
}

const event: ForumEvent = {
  id: 'e', zone: zurich, title: { zh: 'e', en: 'e' }, organizer: { zh: '', en: '' }, description: { zh: '', en: '' },
  createdAt: '2022-01-01T00:00:00Z', updatedAt: '2022-01-01T00:00:00Z',
};

describe('wall-clock times in the event zone', () => {
  it('reads 13:00 CET on 22 February 2022 as 12:00 UTC', () => {
    expect(schedule('2022-02-22T13:00', '2022-02-22T14:30', zurich)).toEqual({
      start: '2022-02-22T12:00:00Z',
      end: '2022-02-22T13:30:00Z',
    });
  });

  it('reads a June time in the same zone as CEST, two hours ahead of UTC', () => {
    expect(schedule('2022-06-15T13:00', '2022-06-15T14:00', zurich).start).toBe('2022-06-15T11:00:00Z');
  });

  it('refuses a time that the spring-forward gap skips, and says why', () => {
    try {
      parseWallClock('2022-03-27T02:30', zurich, 'start');
      expect.fail('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).code).toBe('nonexistent_local_time');
      expect((error as AppError).message).toMatch(/daylight saving/);
    }
  });

  it('refuses impossible dates, malformed strings and an end before the start', () => {
    expect(() => parseWallClock('2022-02-30T10:00', zurich)).toThrow(expect.objectContaining({ code: 'invalid_time' }));
    expect(() => parseWallClock('22/02/2022 13:00', zurich)).toThrow(expect.objectContaining({ code: 'invalid_time' }));
    expect(() => schedule('2022-02-22T14:30', '2022-02-22T13:00', zurich)).toThrow(expect.objectContaining({ code: 'end_before_start' }));
    expect(() => schedule('2022-02-22T13:00', '2022-02-22T13:00', zurich)).toThrow(expect.objectContaining({ code: 'end_before_start' }));
  });
});

describe('the opening (22 Feb 2022, 13:00-14:30 CET) seen from other zones', () => {
  const opening = session('opening', '2022-02-22T13:00', '2022-02-22T14:30');
  const cases: [zone: string, start: string, end: string, date: string, abbreviation: string][] = [
    ['Europe/Zurich', '2022-02-22T13:00:00+01:00', '2022-02-22T14:30:00+01:00', '2022-02-22', 'CET'],
    ['Pacific/Auckland', '2022-02-23T01:00:00+13:00', '2022-02-23T02:30:00+13:00', '2022-02-23', 'NZDT'],
    ['America/New_York', '2022-02-22T07:00:00-05:00', '2022-02-22T08:30:00-05:00', '2022-02-22', 'EST'],
    ['Asia/Shanghai', '2022-02-22T20:00:00+08:00', '2022-02-22T21:30:00+08:00', '2022-02-22', 'GMT+8'],
    ['Asia/Kolkata', '2022-02-22T17:30:00+05:30', '2022-02-22T19:00:00+05:30', '2022-02-22', 'IST'],
    ['Asia/Kathmandu', '2022-02-22T17:45:00+05:45', '2022-02-22T19:15:00+05:45', '2022-02-22', 'GMT+5:45'],
    ['Asia/Tokyo', '2022-02-22T21:00:00+09:00', '2022-02-22T22:30:00+09:00', '2022-02-22', 'JST'],
  ];
  it.each(cases)('in %s it runs %s to %s', (zone, start, end, date, abbreviation) => {
    const local = inZone(opening.start, opening.end, zone);
    expect(local.start).toBe(start);
    expect(local.end).toBe(end);
    expect(local.date).toBe(date);
    expect(local.abbreviation).toBe(abbreviation);
  });

  it('marks the Auckland view as falling on the next day', () => {
    const view = programmeView(event, [opening], 'Pacific/Auckland', new Date('2022-01-01T00:00:00Z'));
    expect(view.sessions[0]?.dayShift).toBe(1);
    expect(view.days.map((d) => d.date)).toEqual(['2022-02-23']);
    const home = programmeView(event, [opening], 'America/Los_Angeles', new Date('2022-01-01T00:00:00Z'));
    expect(home.sessions[0]?.viewerZone.start).toBe('2022-02-22T04:00:00-08:00');
    expect(home.sessions[0]?.dayShift).toBe(0);
  });
});

describe('events across daylight-saving changes', () => {
  it('shows a summer event in Zurich as CEST, +02:00', () => {
    const s = session('june', '2022-06-14T09:00', '2022-06-14T10:00');
    const local = inZone(s.start, s.end, zurich);
    expect(local.start).toBe('2022-06-14T09:00:00+02:00');
    expect(local.abbreviation).toBe('CEST');
  });

  it('keeps wall-clock times on both sides of the March change, with different offsets', () => {
    const before = session('sat', '2022-03-26T13:00', '2022-03-26T14:00');
    const after = session('sun', '2022-03-27T13:00', '2022-03-27T14:00');
    expect(inZone(before.start, before.end, zurich).start).toBe('2022-03-26T13:00:00+01:00');
    expect(inZone(after.start, after.end, zurich).start).toBe('2022-03-27T13:00:00+02:00');
    // New York changed two weeks earlier, so the gap to Zurich is 5 hours, then 6.
    expect(inZone(before.start, before.end, 'America/New_York').start).toBe('2022-03-26T08:00:00-04:00');
    expect(inZone(after.start, after.end, 'America/New_York').start).toBe('2022-03-27T07:00:00-04:00');
  });

  it('gives a session that spans the change its real length', () => {
    const overnight = session('night', '2022-03-27T01:00', '2022-03-27T04:00');
    const view = programmeView(event, [overnight], zurich, new Date('2022-01-01T00:00:00Z'));
    expect(view.sessions[0]?.durationMinutes).toBe(120);
    expect(view.sessions[0]?.eventZone.abbreviation).toBe('CET');
    expect(view.sessions[0]?.eventZone.endAbbreviation).toBe('CEST');
  });
});

describe('now / next / ended', () => {
  const a = session('a', '2022-02-22T13:00', '2022-02-22T14:30');
  const b = session('b', '2022-02-22T14:45', '2022-02-22T16:15');
  const c = session('c', '2022-02-23T13:00', '2022-02-23T14:30');

  it('follows the clock', () => {
    const timing = timingOf([a, b, c], new Date('2022-02-22T12:30:00Z'));
    expect(Object.fromEntries(timing)).toEqual({ a: 'now', b: 'next', c: 'upcoming' });
    const later = timingOf([a, b, c], new Date('2022-02-24T00:00:00Z'));
    expect(Object.fromEntries(later)).toEqual({ a: 'ended', b: 'ended', c: 'ended' });
  });

  it('lets an explicit status win over the clock', () => {
    const rehearsal = { ...c, status: 'live' as const };
    const cancelled = { ...b, status: 'cancelled' as const };
    const timing = timingOf([a, cancelled, rehearsal], new Date('2022-02-20T00:00:00Z'));
    expect(Object.fromEntries(timing)).toEqual({ a: 'next', b: 'cancelled', c: 'now' });
  });
});

describe('zones', () => {
  it('accepts IANA names and refuses anything else with invalid_time_zone', () => {
    expect(parseTimeZone('Asia/Kathmandu')).toBe('Asia/Kathmandu');
    for (const bad of ['Mars/Olympus', 'CET+1', '', 'UTC+01:00']) {
      expect(() => parseTimeZone(bad)).toThrow(expect.objectContaining({ code: 'invalid_time_zone' }));
    }
  });

  it('names London winter time GMT', async () => {
    const { DateTime } = await import('luxon');
    expect(zoneAbbreviation(DateTime.fromISO('2022-02-22T12:00:00Z').setZone('Europe/London'))).toBe('GMT');
  });
});
