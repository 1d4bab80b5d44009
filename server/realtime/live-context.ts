import type { PlenarySocket } from '../protocol/socket-types.ts';
import { AppError } from '../errors.ts';
import { hasSessionRole, type Participant } from '../domain/participants.ts';
import type { Speaker } from '../domain/queue.ts';
import type { Session } from '../domain/programme.ts';
import { anonymous, type Caller } from '../identity/caller.ts';
import { authorize, type Action } from '../identity/policy.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import type { Stored } from '../store/port.ts';

/** Who sent this socket's events (set by realtime/auth.ts, refreshed when their roles change). */
export function callerOf(socket: PlenarySocket): Caller {
  return socket.data.caller ?? anonymous;
}

/** A participant's event is theirs; the organiser token names it in the payload or the handshake. */
export function eventIdFor(socket: PlenarySocket, caller: Caller, requested: string | undefined): string {
  if (caller.kind === 'participant') return caller.participant.eventId;
  const fromHandshake = (socket.handshake.auth as { eventId?: unknown }).eventId ?? socket.handshake.query.eventId;
  const eventId = requested ?? (typeof fromHandshake === 'string' ? fromHandshake : undefined);
  if (!eventId) throw new AppError('bad_request', 'Name the event (eventId) when connecting with the organiser token.');
  return eventId;
}

export interface Scope {
  caller: Caller;
  eventId: string;
  sessionId: string;
  session: Stored<Session>;
}

/** The caller, authorised for `action` in the named session, and that session. */
export async function scopeOf(
  socket: PlenarySocket,
  programme: ProgrammeService,
  payload: { sessionId: string; eventId?: string | undefined },
  action: Action,
): Promise<Scope> {
  const caller = callerOf(socket);
  if (caller.kind === 'anonymous') authorize(caller, action, { eventId: '', sessionId: payload.sessionId });
  const eventId = eventIdFor(socket, caller, payload.eventId);
  authorize(caller, action, { eventId, sessionId: payload.sessionId });
  const session = await programme.requireSession(eventId, payload.sessionId);
  return { caller, eventId, sessionId: session.id, session };
}

export function requireLive(status: string): void {
  if (status !== 'live') throw new AppError('session_not_live', 'The session is not live yet: the moderator opens it.');
}

export function toSpeaker(p: Participant, sessionId: string): Speaker {
  return {
    participantId: p.id,
    name: p.name,
    group: p.group,
    country: p.country,
    gender: p.gender,
    headOfState: p.headOfState,
    panelist: hasSessionRole(p, sessionId, 'panelist'),
  };
}

export function speakerOf(caller: Caller, sessionId: string): Speaker {
  if (caller.kind !== 'participant') throw new AppError('forbidden', 'Only a registered participant can take the floor.');
  return toSpeaker(caller.participant, sessionId);
}

export function authorOf(caller: Caller): { id: string; name: string } {
  if (caller.kind !== 'participant') throw new AppError('forbidden', 'Only a registered participant can ask or vote.');
  return { id: caller.participant.id, name: caller.participant.name };
}
