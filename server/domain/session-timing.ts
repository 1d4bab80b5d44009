/**
 * Where one session stands at `nowMs`, for the programme and the room alike
 * (the room's badge follows the live status it receives, so both must apply
 * the same rule: a session whose time is past reads "Ended" in both, even if
 * nobody opened or ended it). An explicit status wins over the clock: a
 * moderator may open a session early for a rehearsal, and an ended session
 * stays ended. Which upcoming session is "next" needs the whole programme
 * (programme.ts timingOf).
 */
export type SessionStatus = 'scheduled' | 'live' | 'ended' | 'cancelled';
export type ClockTiming = 'upcoming' | 'now' | 'ended' | 'cancelled';

export function timingAt(status: SessionStatus, startMs: number, endMs: number, nowMs: number): ClockTiming {
  if (status === 'cancelled') return 'cancelled';
  if (status === 'live') return 'now';
  if (status === 'ended') return 'ended';
  if (endMs <= nowMs) return 'ended';
  if (startMs <= nowMs) return 'now';
  return 'upcoming';
}

/**
 * A session that has ended or was cancelled is over for good: nobody asks
 * for the floor or asks and votes on questions in it any more. Only the
 * stored status decides this on the server (a session whose time is past
 * but that nobody ended may still be opened late, or for a rehearsal); the
 * room also hides these controls when the clock reads Ended (timingAt).
 */
export function isOver(status: SessionStatus): boolean {
  return status === 'ended' || status === 'cancelled';
}
