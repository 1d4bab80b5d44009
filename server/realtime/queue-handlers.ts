import type { PlenarySocket } from '../protocol/socket-types.ts';
import { AppError } from '../errors.ts';
import { callerId } from '../identity/caller.ts';
import type { Action } from '../identity/policy.ts';
import { on } from './ack.ts';
import type { LiveHandlerDeps } from './live-handler-deps.ts';
import { requireLive, scopeOf, speakerOf, toSpeaker } from './live-context.ts';
import { refuseIfOver } from './session-over.ts';

/** The speaker queue: parse (ack.ts) → authorise → FloorService decides under the lock → broadcast its result. */
export function queueHandlers(socket: PlenarySocket, deps: LiveHandlerDeps): void {
  const scope = (p: { sessionId: string; eventId?: string | undefined }, action: Action) => scopeOf(socket, deps.programme, p, action);

  on(socket, 'queue:request', deps, async (p) => {
    const { caller, eventId, sessionId, session } = await scope(p, 'queue.request');
    refuseIfOver(session.status);
    requireLive(session.status);
    const change = await deps.floor.request(eventId, sessionId, { ...speakerOf(caller, sessionId), ...(p.language ? { language: p.language } : {}) }, p.kind, p.idempotencyKey);
    if (!change.replayed) deps.broadcast.queue(change);
    return { entryId: change.entryId, version: change.after.version, replayed: change.replayed };
  });

  on(socket, 'queue:withdraw', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'queue.request');
    const change = await deps.floor.withdraw(eventId, sessionId, speakerOf(caller, sessionId).participantId);
    deps.broadcast.queue(change);
    return { version: change.after.version };
  });

  on(socket, 'queue:add', deps, async (p) => {
    const { caller, eventId, sessionId, session } = await scope(p, 'queue.moderate');
    refuseIfOver(session.status);
    requireLive(session.status);
    const participant = await deps.findParticipant(p.participantId);
    if (!participant || participant.eventId !== eventId) throw new AppError('participant_not_found', 'There is no such participant in this event.');
    const change = await deps.floor.addOnBehalf(eventId, sessionId, toSpeaker(participant, sessionId), p.kind, callerId(caller));
    deps.broadcast.queue(change);
    return { version: change.after.version };
  });

  on(socket, 'queue:roster', deps, async (p) => {
    const { eventId } = await scope(p, 'queue.moderate');
    const query = p.query.toLocaleLowerCase();
    const matches = (await deps.listParticipants(eventId))
      .filter((x) => x.status === 'approved')
      .filter((x) => !query || [x.name, x.organization, x.country].some((field) => field.toLocaleLowerCase().includes(query)))
      .slice(0, 20)
      .map((x) => ({ participantId: x.id, name: x.name, group: x.group, country: x.country, organization: x.organization }));
    return { participants: matches };
  });

  on(socket, 'queue:reorder', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'queue.moderate');
    const change = await deps.floor.reorder(eventId, sessionId, p.entryIds, callerId(caller));
    deps.broadcast.queue(change);
    return { version: change.after.version };
  });

  on(socket, 'queue:give-floor', deps, async (p) => {
    const { caller, eventId, sessionId, session } = await scope(p, 'queue.moderate');
    refuseIfOver(session.status);
    requireLive(session.status);
    const change = await deps.floor.giveFloor(eventId, sessionId, p.entryId, callerId(caller), p.version);
    deps.broadcast.queue(change);
    return { version: change.after.version };
  });

  on(socket, 'queue:end-floor', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'queue.moderate');
    const change = await deps.floor.endFloor(eventId, sessionId, callerId(caller));
    deps.broadcast.queue(change);
    return { version: change.after.version };
  });

  on(socket, 'queue:language', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'queue.moderate');
    const change = await deps.floor.setLanguage(eventId, sessionId, p.entryId, p.language, callerId(caller));
    deps.broadcast.queue(change);
    return { version: change.after.version };
  });

  on(socket, 'queue:timer', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'queue.moderate');
    if (p.action === 'add' && p.ms === undefined) throw new AppError('bad_request', 'Say how many milliseconds to add (ms).');
    const control = p.action === 'add' ? { action: 'add' as const, ms: p.ms ?? 0 } : { action: p.action };
    const change = await deps.floor.timer(eventId, sessionId, control, callerId(caller));
    deps.broadcast.queue(change);
    return { version: change.after.version };
  });

  on(socket, 'queue:list', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'queue.moderate');
    const change = await deps.floor.setListOpen(eventId, sessionId, p.open, callerId(caller));
    deps.broadcast.queue(change);
    return { version: change.after.version, listOpen: p.open };
  });

  on(socket, 'queue:rules', deps, async (p) => {
    const { eventId, sessionId } = await scope(p, 'queue.moderate');
    const change = await deps.floor.patchRules(eventId, sessionId, {
      mode: p.mode,
      ...(p.budgetsMs ? { budgetsMs: p.budgetsMs } : {}),
      // null clears the group budgets; absent leaves them as they are.
      ...(p.groupBudgetsMs !== undefined ? { groupBudgetsMs: p.groupBudgetsMs ?? undefined } : {}),
    });
    deps.broadcast.queue(change);
    return { version: change.after.version };
  });
}
