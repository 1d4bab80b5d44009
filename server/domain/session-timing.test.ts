import { describe, expect, it } from 'vitest';
import { timingAt } from './session-timing.ts';

const start = Date.parse('2022-02-22T12:00:00Z');
const end = Date.parse('2022-02-22T13:30:00Z');

describe('timingAt: one session’s status for the programme and the room', () => {
  it('follows the clock while the session is only scheduled', () => {
    expect(timingAt('scheduled', start, end, start - 1)).toBe('upcoming');
    expect(timingAt('scheduled', start, end, start)).toBe('now');
    expect(timingAt('scheduled', start, end, end)).toBe('ended');
  });

  it('lets an explicit status win over the clock (a rehearsal opened early, a session ended early, a cancellation)', () => {
    expect(timingAt('live', start, end, start - 86_400_000)).toBe('now');
    expect(timingAt('live', start, end, end + 86_400_000)).toBe('now');
    expect(timingAt('ended', start, end, start + 60_000)).toBe('ended');
    expect(timingAt('cancelled', start, end, start + 60_000)).toBe('cancelled');
  });
});
