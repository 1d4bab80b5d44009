import { isOver, type SessionStatus } from '../domain/session-timing.ts';
import { AppError } from '../errors.ts';
import type { PlenarySocket } from '../protocol/socket-types.ts';
import { actorOf } from '../services/audit-log.ts';
import { messageOf } from '../services/running-order-service.ts';
import { on } from './ack.ts';
import type { LiveHandlerDeps } from './live-handler-deps.ts';
import { scopeOf } from './live-context.ts';

/**
 * The running order live (issue 18): parse → authorise (run.moderate:
 * the session's moderators and organisers) → RunningOrderService (one
 * compare-and-set write with its audit entry) → broadcast `run:state` to
 * the room. Advancing to the item already running is acked without a
 * broadcast.
 */
export function runHandlers(socket: PlenarySocket, deps: LiveHandlerDeps): void {
  on(socket, 'run:advance', deps, async (p) => {
    const { caller, eventId, sessionId, session } = await scopeOf(socket, deps.programme, p, 'run.moderate');
    refuseIfOver(session.status);
    const change = await deps.running.advance(eventId, sessionId, p.itemId, actorOf(caller));
    const message = messageOf(change.after);
    if (change.after !== change.before) deps.broadcast.run(eventId, message, change);
    // The session may have ended between the check above and the write: its end stopped the order before this
    // advance started it again, so stop it now, as the end would have, and refuse as if the end had come first.
    const now = await deps.programme.requireSession(eventId, sessionId);
    if (isOver(now.status) && change.after.currentItemId !== null) {
      // Ended when the session ended (the item it started then ran for no time at all).
      const stop = await deps.running.endRun(eventId, sessionId, new Date(now.updatedAt));
      if (stop.after !== stop.before) deps.broadcast.run(eventId, messageOf(stop.after), stop);
      refuseIfOver(now.status);
    }
    return { version: message.version, currentItemId: message.currentItemId };
  });

  // Pause, resume or stop the statement video in progress: the new playback state is in run:state, and every process's player follows it.
  on(socket, 'run:playback', deps, async (p) => {
    const { caller, eventId, sessionId, session } = await scopeOf(socket, deps.programme, p, 'run.moderate');
    if (p.action === 'resume') refuseIfOver(session.status);
    const change = await deps.running.controlPlayback(eventId, sessionId, p.itemId, p.action, actorOf(caller));
    const message = messageOf(change.after);
    if (change.after !== change.before) deps.broadcast.run(eventId, message, change);
    const item = message.items.find((i) => i.id === p.itemId);
    return { version: message.version, currentItemId: message.currentItemId, playback: item?.playback ?? null };
  });
}

/** A session's end or cancellation stopped its order (RunningOrderService.endRun); it does not run again until the session is reopened. */
function refuseIfOver(status: SessionStatus): void {
  if (isOver(status)) throw new AppError('session_ended', 'This session has ended: its running order no longer runs.');
}
