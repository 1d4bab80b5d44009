import type { JoinAck, PollStateMessage, QnaQuestionMessage, QnaSnapshot, QueueStateMessage, QuestionMessageBody, RunStateMessage, SessionStateMessage } from '../server/protocol/events.ts';
import type { PollView } from '../server/domain/polls.ts';

/**
 * What a client holds of one session, and the rules for merging what the
 * server sends: versions only move forward, so a late or replayed message
 * never undoes a newer one, and a snapshot after a reconnect replaces
 * whatever was missed.
 */
export interface SessionView {
  sessionId: string;
  status: SessionStateMessage['status'];
  statusVersion: number;
  you: JoinAck['you'];
  queue: QueueStateMessage;
  qnaVersion: number;
  qnaMode: QnaSnapshot['mode'];
  questions: Map<string, QuestionMessageBody>;
  /** Questions this client voted for (broadcasts are not personalised). */
  myVotes: Set<string>;
  /** Local clock when `queue` arrived, to count the floor timer down. */
  queueReceivedAt: number;
  /** The session's polls (drafts for moderators), by id, each at its newest version. */
  polls: Map<string, PollView>;
  /** This client's own choice per poll (broadcasts are the same for everyone). */
  myChoices: Map<string, string[]>;
  /**
   * The running order, from the join snapshot and then run:state: the one
   * copy the floor bar, the running-order panel and the projector read (none
   * of them fetches it). Replaced, never changed in place, on each newer state.
   */
  run: RunStateMessage;
  /**
   * The join snapshot this view was last made from, whole: the booths, the
   * caller's access roles and the last caption lines, which the interpreters'
   * and captioners' panels read once from here instead of joining again.
   */
  snapshot: JoinAck;
}

export function fromJoin(ack: JoinAck, now = Date.now()): SessionView {
  return {
    sessionId: ack.sessionId,
    status: ack.session.status,
    statusVersion: ack.session.version,
    you: ack.you,
    queue: ack.queue,
    qnaVersion: ack.qna.version,
    qnaMode: ack.qna.mode,
    questions: new Map(ack.qna.questions.map((q) => [q.id, q])),
    myVotes: new Set(ack.qna.questions.filter((q) => q.votedByMe).map((q) => q.id)),
    queueReceivedAt: now,
    polls: new Map((ack.polls?.polls ?? []).map((p) => [p.id, p])),
    myChoices: new Map(Object.entries(ack.polls?.myChoices ?? {})),
    run: ack.run,
    snapshot: ack,
  };
}

/** A fresh snapshot (after a reconnect) wins unless what we hold is newer. */
export function resync(view: SessionView | undefined, ack: JoinAck, now = Date.now()): SessionView {
  const fresh = fromJoin(ack, now);
  if (!view) return fresh;
  if (view.statusVersion > fresh.statusVersion) {
    fresh.status = view.status;
    fresh.statusVersion = view.statusVersion;
  }
  for (const [id, poll] of view.polls) {
    const held = fresh.polls.get(id);
    if (held && held.version < poll.version) fresh.polls.set(id, poll);
  }
  if (view.run.version > fresh.run.version) fresh.run = view.run;
  if (view.queue.version > fresh.queue.version) {
    fresh.queue = view.queue;
    fresh.queueReceivedAt = view.queueReceivedAt;
  }
  return fresh;
}

export function applyStatus(view: SessionView, message: SessionStateMessage): boolean {
  if (message.sessionId !== view.sessionId || message.version <= view.statusVersion) return false;
  view.status = message.status;
  view.statusVersion = message.version;
  return true;
}

/** A running order at least as new as the one held (a playback or stage-copy change may repeat its version); an older one never undoes it. */
export function applyRun(view: SessionView, message: RunStateMessage): boolean {
  if (message.sessionId !== view.sessionId || message.version < view.run.version) return false;
  view.run = message;
  return true;
}

export function applyQueue(view: SessionView, message: QueueStateMessage, now = Date.now()): boolean {
  if (message.sessionId !== view.sessionId || message.version <= view.queue.version) return false;
  view.queue = message;
  view.queueReceivedAt = now;
  return true;
}

export function applyQuestion(view: SessionView, message: QnaQuestionMessage): boolean {
  if (message.sessionId !== view.sessionId) return false;
  const held = view.questions.get(message.question.id);
  if (held && held.version >= message.question.version) return false;
  const visible = message.question.status !== 'hidden' || view.you.moderator;
  if (visible) {
    view.questions.set(message.question.id, { ...message.question, votedByMe: view.myVotes.has(message.question.id) });
  } else {
    view.questions.delete(message.question.id);
  }
  view.qnaVersion = Math.max(view.qnaVersion, message.version);
  return true;
}

/** A poll's newest state; an older or replayed one never undoes it, and a delegate never holds a draft. */
export function applyPoll(view: SessionView, message: PollStateMessage): boolean {
  if (message.sessionId !== view.sessionId) return false;
  const held = view.polls.get(message.poll.id);
  if (held && held.version >= message.poll.version) return false;
  if (message.poll.status === 'draft' && !view.you.moderator) return false;
  view.polls.set(message.poll.id, message.poll);
  return true;
}

export function recordVote(view: SessionView, questionId: string, voted: boolean): void {
  if (voted) view.myVotes.add(questionId);
  else view.myVotes.delete(questionId);
  const q = view.questions.get(questionId);
  if (q) view.questions.set(questionId, { ...q, votedByMe: voted });
}

/** Remaining speaking time as this client sees it now. */
export function floorRemainingMs(view: SessionView, now = Date.now()): number | null {
  const floor = view.queue.floor;
  if (!floor) return null;
  return floor.paused ? floor.remainingMs : floor.remainingMs - (now - view.queueReceivedAt);
}

export function myPosition(view: SessionView): number | null {
  const me = view.you.participantId;
  if (!me) return null;
  const waiting = view.queue.entries.filter((e) => e.status === 'waiting');
  const index = waiting.findIndex((e) => e.participantId === me);
  return index < 0 ? null : index + 1;
}
