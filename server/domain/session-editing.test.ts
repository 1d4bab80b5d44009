import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.ts';
import { schedule, type Session } from './programme.ts';
import { applySessionPatch, cancelSession, newSession, sessionSlug } from './session-editing.ts';

const zurich = 'Europe/Zurich';
const created = new Date('2022-01-10T09:00:00Z');
const later = new Date('2022-01-11T09:00:00Z');

function opening(): Session {
  return {
    id: 'opening',
    eventId: 'e',
    kind: 'opening',
    title: { zh: '开幕', en: 'Opening' },
    format: null,
    description: { zh: '说明', en: 'About' },
    guidingQuestions: [],
    ...schedule('2022-02-22T13:00', '2022-02-22T14:30', zurich),
    status: 'scheduled',
    sequence: 0,
    createdAt: created.toISOString(),
    updatedAt: created.toISOString(),
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return undefined;
}

describe('programme edits', () => {
  it('creates a session from wall clocks in the event zone, at sequence 0', () => {
    const s = newSession('e', 'youth', { start: '2022-06-15T13:00', end: '2022-06-15T14:00', title: { en: 'Youth' } }, zurich, created);
    expect(s).toMatchObject({
      id: 'youth',
      start: '2022-06-15T11:00:00Z',
      end: '2022-06-15T12:00:00Z',
      title: { zh: '', en: 'Youth' },
      description: { zh: '', en: '' },
      status: 'scheduled',
      sequence: 0,
      kind: 'session',
    });
  });

  it('wants a title in at least one language', () => {
    expect(codeOf(() => newSession('e', 'x', { start: '2022-06-15T13:00', end: '2022-06-15T14:00', title: { zh: '', en: '' } }, zurich, created))).toBe('invalid_body');
    expect(codeOf(() => applySessionPatch(opening(), { title: { zh: '', en: '' } }, zurich, later))).toBe('invalid_body');
  });

  it('refuses the spring-forward gap and an end before the start', () => {
    expect(codeOf(() => applySessionPatch(opening(), { start: '2022-03-27T02:30', end: '2022-03-27T04:00' }, zurich, later))).toBe('nonexistent_local_time');
    expect(codeOf(() => applySessionPatch(opening(), { start: '2022-02-22T15:00' }, zurich, later))).toBe('end_before_start');
    expect(codeOf(() => applySessionPatch(opening(), { end: '2022-02-22T13:00' }, zurich, later))).toBe('end_before_start');
    expect(codeOf(() => applySessionPatch(opening(), { start: 'tomorrow' }, zurich, later))).toBe('invalid_time');
  });

  it('bumps SEQUENCE and LAST-MODIFIED for a reschedule', () => {
    const result = applySessionPatch(opening(), { start: '2022-02-22T13:30', end: '2022-02-22T15:00' }, zurich, later);
    expect(result).toMatchObject({ changed: true, calendarChanged: true });
    expect(result.session).toMatchObject({ start: '2022-02-22T12:30:00Z', end: '2022-02-22T14:00:00Z', sequence: 1, updatedAt: later.toISOString() });
    expect(result.changes.start).toEqual({ before: '2022-02-22T12:00:00Z', after: '2022-02-22T12:30:00Z' });
  });

  it('changes nothing when the same values are sent again', () => {
    const s = opening();
    const result = applySessionPatch(s, { start: '2022-02-22T13:00', end: '2022-02-22T14:30', title: { en: 'Opening' }, status: 'scheduled' }, zurich, later);
    expect(result).toMatchObject({ changed: false, calendarChanged: false });
    expect(result.session).toBe(s);
  });

  it('merges one language of a text into the other', () => {
    const result = applySessionPatch(opening(), { title: { en: 'Opening of the Forum' } }, zurich, later);
    expect(result.session.title).toEqual({ zh: '开幕', en: 'Opening of the Forum' });
    expect(result.session.sequence).toBe(1);
  });

  it('does not bump SEQUENCE for going live, which calendars do not show', () => {
    const result = applySessionPatch(opening(), { status: 'live' }, zurich, later);
    expect(result).toMatchObject({ changed: true, calendarChanged: false });
    expect(result.session).toMatchObject({ status: 'live', sequence: 0, updatedAt: later.toISOString() });
  });

  it('cancels once: the second cancel changes nothing; reinstating bumps again', () => {
    const cancelled = cancelSession(opening(), later);
    expect(cancelled.session).toMatchObject({ status: 'cancelled', sequence: 1 });
    expect(cancelSession(cancelled.session, later).changed).toBe(false);
    expect(applySessionPatch(cancelled.session, { status: 'scheduled' }, zurich, later).session.sequence).toBe(2);
  });

  it('makes readable, unique ids from the English title', () => {
    expect(sessionSlug({ en: 'Youth & Employment: what next?' }, new Set())).toBe('youth-employment-what-next');
    expect(sessionSlug({ en: 'Opening' }, new Set(['opening', 'opening-2']))).toBe('opening-3');
    expect(sessionSlug({ zh: '青年就业' }, new Set())).toBe('session');
  });
});
