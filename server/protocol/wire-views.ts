import { viewOf, tombstoneOf, visibleTo, type Question, type Viewer } from '../domain/qna.ts';
import { groupTime, isListOpen, proposeNext, remainingMs, type QueueState } from '../domain/queue.ts';
import type { QuestionMessageBody, QueueStateMessage } from '../protocol/events.ts';

/**
 * The wire views of live state, built in one place: what a queue looks like
 * in `queue:state` and join snapshots, and what each audience is told about
 * a question. Handlers, broadcasts and snapshots all use these.
 */

/** `queue:state` for a queue at `now` (the floor's remaining time is as of sending). */
export function queueMessage(state: QueueState, now: Date): QueueStateMessage {
  const floor = state.floor;
  return {
    sessionId: state.sessionId,
    version: state.version,
    sentAt: now.toISOString(),
    mode: state.rules.mode,
    budgetsMs: state.rules.budgetsMs,
    listOpen: isListOpen(state),
    groups: groupTime(state, now),
    entries: state.entries.map((e) => ({
      id: e.id,
      participantId: e.participantId,
      name: e.name,
      group: e.group,
      country: e.country,
      kind: e.kind,
      status: e.status,
      requestedAt: e.requestedAt,
      headOfState: e.headOfState,
      startedAt: e.startedAt,
      endedAt: e.endedAt,
      spokenMs: e.spokenMs,
      overrunMs: e.overrunMs,
      ...(e.language ? { language: e.language } : {}),
      ...(e.statement ? { statement: e.statement } : {}),
    })),
    floor: floor
      ? { entryId: floor.entryId, startedAt: floor.startedAt, budgetMs: floor.budgetMs, remainingMs: remainingMs(floor, now), paused: floor.pausedAt !== null }
      : null,
    proposedEntryId: proposeNext(state)?.id ?? null,
  };
}

/** The participant holding the floor, if any. */
export function floorHolder(state: QueueState): string | null {
  const floor = state.floor;
  if (!floor) return null;
  return state.entries.find((e) => e.id === floor.entryId)?.participantId ?? null;
}

/** What each audience is told about one changed question. */
export function audienceViews(q: Question): { moderators: QuestionMessageBody; author: QuestionMessageBody; delegates: QuestionMessageBody | null } {
  const delegateViewer: Viewer = { participantId: null, moderator: false };
  return {
    moderators: viewOf(q, { participantId: null, moderator: true }),
    author: viewOf(q, { participantId: q.authorId, moderator: false }),
    delegates: visibleTo(q, delegateViewer) ? viewOf(q, delegateViewer) : q.status === 'hidden' ? tombstoneOf(q) : null,
  };
}
