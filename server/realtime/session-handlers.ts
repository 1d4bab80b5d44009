import type { PlenarySocket } from '../protocol/socket-types.ts';
import { AppError } from '../errors.ts';
import { callerId } from '../identity/caller.ts';
import { actorOf } from '../services/audit-log.ts';
import type { SessionStateMessage } from '../protocol/events.ts';
import { on } from './ack.ts';
import type { LiveHandlerDeps } from './live-handler-deps.ts';
import { callerOf, eventIdFor, scopeOf } from './live-context.ts';

/** session:join / leave / open / end. */
export function sessionHandlers(socket: PlenarySocket, deps: LiveHandlerDeps): void {
  const scope = (p: { sessionId: string; eventId?: string | undefined }, action: Parameters<typeof scopeOf>[3]) => scopeOf(socket, deps.programme, p, action);

  on(socket, 'session:join', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'session.join');
    return deps.membership.enter(socket, caller, eventId, sessionId);
  });

  on(socket, 'session:leave', deps, async (p) => {
    const caller = callerOf(socket);
    await deps.membership.leave(socket, caller, eventIdFor(socket, caller, p.eventId), p.sessionId);
    return { sessionId: p.sessionId };
  });

  // Opening and ending go through the programme editor, like an organiser's
  // PATCH: compare-and-set with retries, audited, and announced to the room
  // (and the media layer) by the editor's status hook.
  const setStatus = async (caller: Parameters<typeof actorOf>[0], eventId: string, sessionId: string, status: 'live' | 'ended'): Promise<SessionStateMessage> => {
    const current = await deps.programme.requireSession(eventId, sessionId);
    if (current.status === 'cancelled') throw new AppError('conflict', 'This session is cancelled.');
    const edit = await deps.editor.update(actorOf(caller), eventId, sessionId, { status });
    const stored = edit.stored ?? (await deps.programme.requireSession(eventId, sessionId));
    return { sessionId, status: stored.status, version: stored.rev };
  };

  on(socket, 'session:open', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'session.open');
    return { session: await setStatus(caller, eventId, sessionId, 'live') };
  });

  on(socket, 'session:end', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'session.open');
    // The floor closes before the room hears that the session ended.
    deps.broadcast.queue(await deps.floor.closeFloor(eventId, sessionId, callerId(caller)));
    return { session: await setStatus(caller, eventId, sessionId, 'ended') };
  });
}
