import type { PlenarySocket } from '../protocol/socket-types.ts';
import { AppError } from '../errors.ts';
import { isBoothInterpreter } from '../domain/booths.ts';
import type { Caller } from '../identity/caller.ts';
import { authorize, decide } from '../identity/policy.ts';
import type { BoothNoteMessage, BoothStateMessage } from '../protocol/events.ts';
import { actorOf } from '../services/audit-log.ts';
import type { BoothChange } from '../services/booth-service.ts';
import { on } from './ack.ts';
import type { LiveHandlerDeps } from './live-handler-deps.ts';
import { scopeOf } from './live-context.ts';

function interpreterId(caller: Caller): string {
  if (caller.kind !== 'participant') throw new AppError('not_interpreter', 'Only an interpreter of this booth may do that; sign in with your invitation.');
  return caller.participant.id;
}

/** The session's booths as `booth:state` (also the join snapshot's). */
export async function boothState(deps: Pick<LiveHandlerDeps, 'booths'>, eventId: string, sessionId: string): Promise<BoothStateMessage> {
  const state = await deps.booths.state(eventId, sessionId);
  return { sessionId, version: state.version, booths: await deps.booths.views(eventId, sessionId, state) };
}

/**
 * Whether a participant is in the session room, for a claim (booth:claim, or
 * publishing the channel). It is asked of every process; one that does not
 * answer (it crashed a moment ago and the adapter has not noticed yet)
 * leaves it unknown, which matters only when a partner is recorded as live:
 * then the claim is refused with booth_unconfirmed, to be tried again.
 */
export async function boothPresence(deps: Pick<LiveHandlerDeps, 'membership'>, eventId: string, sessionId: string): Promise<(participantId: string) => boolean> {
  const present = await deps.membership.present(eventId, sessionId).then(
    (people) => new Set(people.map((q) => q.id)),
    () => null,
  );
  return (id) => {
    if (!present) throw new AppError('booth_unconfirmed', 'Not every server answered, so whether your partner is still on air is not known; try again in a moment.');
    return present.has(id);
  };
}

/** After a booth decision: `booth:state` to the room if anything changed, and the media layers told who is live now. */
export async function announceBooths(deps: Pick<LiveHandlerDeps, 'booths' | 'broadcast'>, change: BoothChange): Promise<BoothStateMessage> {
  const message: BoothStateMessage = { sessionId: change.sessionId, version: change.state.version, booths: await deps.booths.views(change.eventId, change.sessionId, change.state) };
  if (change.changed) deps.broadcast.booths(change.eventId, message);
  if (change.change) deps.broadcast.boothLive(change.eventId, change.sessionId, change.change);
  return message;
}

/**
 * Interpretation booths: parse → authorise (an interpreter of that
 * language; moderators may also hand over and set the source) →
 * BoothService (compare-and-set, audited) → broadcast `booth:state` to the
 * room and, when the live interpreter changed, tell the media layers
 * (every process) so the previous interpreter's channel closes.
 */
export function boothHandlers(socket: PlenarySocket, deps: LiveHandlerDeps): void {
  const announce = (change: BoothChange): Promise<BoothStateMessage> => announceBooths(deps, change);
  /** An interpreter of the booth, or (for handover and source) a moderator. */
  const boothScope = async (p: { sessionId: string; eventId?: string | undefined; language: string }, moderatorsToo: boolean) => {
    const scope = await scopeOf(socket, deps.programme, p, 'session.join');
    const moderator = moderatorsToo && decide(scope.caller, 'media.moderate', { eventId: scope.eventId, sessionId: scope.sessionId }).allowed;
    if (!moderator) authorize(scope.caller, 'booth.interpret', { eventId: scope.eventId, sessionId: scope.sessionId, language: p.language });
    return { ...scope, moderator };
  };

  on(socket, 'booth:claim', deps, async (p) => {
    const { caller, eventId, sessionId } = await boothScope(p, false);
    const me = interpreterId(caller);
    const change = await deps.booths.claim(eventId, sessionId, p.language, me, actorOf(caller), await boothPresence(deps, eventId, sessionId));
    return { booths: await announce(change) };
  });

  on(socket, 'booth:handover', deps, async (p) => {
    const { caller, eventId, sessionId, moderator } = await boothScope(p, true);
    const participants = await deps.listParticipants(eventId);
    const isInterpreter = (id: string): boolean => participants.some((q) => q.id === id && q.status === 'approved' && isBoothInterpreter(q, sessionId, p.language));
    const by = caller.kind === 'participant' ? caller.participant.id : null;
    // A moderator who is no interpreter of this booth acts as the chair: hands over (or releases) whoever is live.
    const override = moderator && !(by && isInterpreter(by));
    const change = await deps.booths.handover(eventId, sessionId, p.language, by, p.to, actorOf(caller), { override, isInterpreter });
    return { booths: await announce(change) };
  });

  // A line to the booth partners: an interpreter of that language sends, the booth's interpreters (the sender too) receive.
  on(socket, 'booth:note', deps, async (p) => {
    const { caller, eventId, sessionId } = await boothScope(p, false);
    const me = interpreterId(caller);
    const booth = (await deps.listParticipants(eventId)).filter((q) => q.status === 'approved' && isBoothInterpreter(q, sessionId, p.language));
    const message: BoothNoteMessage = {
      sessionId,
      language: p.language,
      from: { participantId: me, name: caller.kind === 'participant' ? caller.participant.name : '' },
      text: p.text,
      at: new Date().toISOString(),
    };
    deps.broadcast.boothNote(eventId, booth.map((q) => q.id), message);
    return { delivered: booth.length };
  });

  on(socket, 'booth:source', deps, async (p) => {
    const { caller, eventId, sessionId } = await boothScope(p, true);
    const languages = (await deps.booths.views(eventId, sessionId)).map((b) => b.language);
    const change = await deps.booths.source(eventId, sessionId, p.language, p.source, actorOf(caller), languages);
    return { booths: await announce(change) };
  });
}
