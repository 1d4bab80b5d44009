import type { Participant } from '../domain/participants.ts';

/**
 * Who is calling, as the HTTP and Socket.IO edges resolve it from a token,
 * a bearer header or a session cookie.
 */
export type Caller =
  /**
   * Nobody signed in. `refused` says why a presented credential did not
   * count: a revoked token (`token_revoked`) or one that is unknown, used up
   * or expired (`unauthenticated`); absent when nothing was presented.
   */
  | { kind: 'anonymous'; refused?: 'token_revoked' | 'unauthenticated' }
  /** PLENARY_ORGANIZER_TOKEN: a standing organiser credential for automation. */
  | { kind: 'organizer-token' }
  | { kind: 'participant'; participant: Participant };

export const anonymous: Caller = { kind: 'anonymous' };

export function callerName(caller: Caller): string | null {
  if (caller.kind === 'participant') return caller.participant.name;
  if (caller.kind === 'organizer-token') return 'Organiser (token)';
  return null;
}

export function callerId(caller: Caller): string | null {
  return caller.kind === 'participant' ? caller.participant.id : null;
}
