import type { PlenarySocket } from '../protocol/socket-types.ts';
import { AppError } from '../errors.ts';
import { eligible, viewOfPoll, type Voter } from '../domain/polls.ts';
import type { Caller } from '../identity/caller.ts';
import type { Action } from '../identity/policy.ts';
import { actorOf } from '../services/audit-log.ts';
import { on } from './ack.ts';
import type { LiveHandlerDeps } from './live-handler-deps.ts';
import { scopeOf } from './live-context.ts';

/** The voter behind a socket: only a participant votes (the organiser token is nobody). */
function voterOf(caller: Caller): Voter {
  if (caller.kind !== 'participant') throw new AppError('forbidden', 'Only a registered participant can vote.');
  const p = caller.participant;
  return { participantId: p.id, name: p.name, group: p.group, country: p.country };
}

/**
 * Polls: parse → authorise (poll.manage / poll.vote) → PollService (one
 * atomic write per change, compare-and-set, nothing counted twice) →
 * broadcast `poll:state` (drafts to the moderators, the rest to the room).
 */
export function pollHandlers(socket: PlenarySocket, deps: LiveHandlerDeps): void {
  const scope = (p: { sessionId: string; eventId?: string | undefined }, action: Action) => scopeOf(socket, deps.programme, p, action);

  on(socket, 'poll:create', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'poll.manage');
    const { poll, replayed } = await deps.polls.create(eventId, sessionId, actorOf(caller), p, p.idempotencyKey);
    if (!replayed) deps.broadcast.poll(poll);
    return { poll: viewOfPoll(poll), replayed };
  });

  on(socket, 'poll:open', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'poll.manage');
    const { poll, changed } = await deps.polls.open(eventId, sessionId, p.pollId, actorOf(caller));
    if (changed) deps.broadcast.poll(poll);
    return { poll: viewOfPoll(poll) };
  });

  on(socket, 'poll:close', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'poll.manage');
    // Present (quorum rule): the delegates entitled to vote in this poll who are joined to the session now, on any process.
    const present = async (poll: { eligibleGroups: Voter['group'][] }) =>
      (await deps.membership.present(eventId, sessionId)).filter((q) => q.status === 'approved' && eligible(poll, q.group)).length;
    const { poll, changed } = await deps.polls.close(eventId, sessionId, p.pollId, actorOf(caller), present);
    if (changed) deps.broadcast.poll(poll);
    return { poll: viewOfPoll(poll) };
  });

  on(socket, 'poll:vote', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'poll.vote');
    const outcome = await deps.polls.vote(eventId, sessionId, p.pollId, voterOf(caller), p.choice, p.idempotencyKey);
    if (!outcome.replayed) deps.broadcast.poll(outcome.poll);
    // The ack says whether this ballot replaced the voter's earlier one; the voter's choice goes to them alone.
    return { pollId: p.pollId, choice: outcome.choice, replaced: outcome.replaced, replayed: outcome.replayed, version: outcome.poll.version };
  });
}
