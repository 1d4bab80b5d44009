import { AppError } from '../errors.ts';

/**
 * Audience questions of one session: pure rules, no I/O.
 *
 * A question may be anonymous to other delegates but never to moderators.
 * In a pre-moderated session a question reaches delegates only once a
 * moderator approves it; in an open session it is approved on arrival.
 * Votes toggle: one per participant.
 */

export type QuestionStatus = 'pending' | 'approved' | 'hidden' | 'answered';
export type ModerationMode = 'pre-moderated' | 'open';
export type ModerationAction = 'approve' | 'hide' | 'answer' | 'pin' | 'unpin';
export const moderationActions: readonly ModerationAction[] = ['approve', 'hide', 'answer', 'pin', 'unpin'];
export const maxQuestionLength = 500;

export interface Question {
  id: string;
  eventId: string;
  sessionId: string;
  text: string;
  authorId: string;
  authorName: string;
  anonymous: boolean;
  status: QuestionStatus;
  pinned: boolean;
  voters: string[];
  /** The session's Q&A version at this question's last change. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ModerationLogEntry {
  at: string;
  by: string;
  byName: string;
  questionId: string;
  action: ModerationAction;
  reason: string | null;
}

/** What one viewer sees of a question (the contract's `qna:question.question`). */
export interface QuestionView {
  id: string;
  text: string;
  status: QuestionStatus;
  votes: number;
  pinned: boolean;
  anonymous: boolean;
  author?: { id: string; name: string };
  votedByMe: boolean;
  mine: boolean;
  createdAt: string;
  version: number;
}

export interface Viewer {
  participantId: string | null;
  moderator: boolean;
}

export function normalizeQuestionText(text: string): string {
  const trimmed = text.replace(/\s+/g, ' ').trim();
  if (!trimmed) throw new AppError('invalid_question', 'A question cannot be empty.');
  if ([...trimmed].length > maxQuestionLength) {
    throw new AppError('invalid_question', `A question can be at most ${maxQuestionLength} characters long.`);
  }
  return trimmed;
}

export interface AskInput {
  id: string;
  eventId: string;
  sessionId: string;
  text: string;
  author: { id: string; name: string };
  anonymous: boolean;
  mode: ModerationMode;
  version: number;
  now: Date;
}

export function ask(input: AskInput): Question {
  const at = input.now.toISOString();
  return {
    id: input.id,
    eventId: input.eventId,
    sessionId: input.sessionId,
    text: normalizeQuestionText(input.text),
    authorId: input.author.id,
    authorName: input.author.name,
    anonymous: input.anonymous,
    status: input.mode === 'open' ? 'approved' : 'pending',
    pinned: false,
    voters: [],
    version: input.version,
    createdAt: at,
    updatedAt: at,
  };
}

/** Votes toggle; only questions that delegates can see take votes. */
export function toggleVote(q: Question, participantId: string, version: number, now: Date): Question {
  if (q.status !== 'approved' && q.status !== 'answered') {
    throw new AppError('question_not_open', 'This question is not open for votes.');
  }
  const voters = q.voters.includes(participantId) ? q.voters.filter((v) => v !== participantId) : [...q.voters, participantId];
  return { ...q, voters, version, updatedAt: now.toISOString() };
}

/** Sets a vote to an explicit value, so a retried request lands on the same state. */
export function setVote(q: Question, participantId: string, on: boolean, version: number, now: Date): Question {
  if (q.voters.includes(participantId) === on) return q;
  return toggleVote(q, participantId, version, now);
}

export function moderate(q: Question, action: ModerationAction, version: number, now: Date): Question {
  const at = now.toISOString();
  switch (action) {
    case 'approve':
      return { ...q, status: 'approved', version, updatedAt: at };
    case 'hide':
      return { ...q, status: 'hidden', pinned: false, version, updatedAt: at };
    case 'answer':
      return { ...q, status: 'answered', pinned: false, version, updatedAt: at };
    case 'pin':
      if (q.status === 'hidden' || q.status === 'pending') {
        throw new AppError('question_not_open', 'Approve a question before pinning it.');
      }
      return { ...q, pinned: true, version, updatedAt: at };
    case 'unpin':
      return { ...q, pinned: false, version, updatedAt: at };
  }
}

export function visibleTo(q: Question, viewer: Viewer): boolean {
  if (viewer.moderator) return true;
  if (q.status === 'approved' || q.status === 'answered') return true;
  return q.status === 'pending' && viewer.participantId === q.authorId;
}

export function viewOf(q: Question, viewer: Viewer): QuestionView {
  const showAuthor = viewer.moderator || !q.anonymous || viewer.participantId === q.authorId;
  const view: QuestionView = {
    id: q.id,
    text: q.text,
    status: q.status,
    votes: q.voters.length,
    pinned: q.pinned,
    anonymous: q.anonymous,
    votedByMe: viewer.participantId !== null && q.voters.includes(viewer.participantId),
    mine: viewer.participantId === q.authorId,
    createdAt: q.createdAt,
    version: q.version,
  };
  if (showAuthor) view.author = { id: q.authorId, name: q.authorName };
  return view;
}

/**
 * What a delegate is told about a question that has left their view
 * (hidden): its id, status and version only, so clients drop it.
 */
export function tombstoneOf(q: Question): QuestionView {
  return { id: q.id, text: '', status: 'hidden', votes: 0, pinned: false, anonymous: true, votedByMe: false, mine: false, createdAt: q.createdAt, version: q.version };
}

export type QuestionOrder = 'votes' | 'time';

/** Pinned first, then by votes (ties: older first) or by time (newest first). */
export function sortQuestions<T extends { pinned: boolean; votes: number; createdAt: string }>(questions: readonly T[], order: QuestionOrder): T[] {
  return [...questions].sort((a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    if (order === 'votes' && a.votes !== b.votes) return b.votes - a.votes;
    return order === 'votes' ? Date.parse(a.createdAt) - Date.parse(b.createdAt) : Date.parse(b.createdAt) - Date.parse(a.createdAt);
  });
}
