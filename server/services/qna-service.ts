import crypto from 'node:crypto';
import { AppError } from '../errors.ts';
import {
  ask, moderate, setVote, toggleVote, tombstoneOf, viewOf, visibleTo,
  type ModerationAction, type ModerationMode, type Question, type Viewer,
} from '../domain/qna.ts';
import type { QnaSnapshot, QuestionMessageBody } from '../protocol/events.ts';
import type { LiveRepository, QnaMeta } from '../store/live-repository.ts';
import type { Stored } from '../store/port.ts';
import type { KeyedLock } from './keyed-lock.ts';
import type { Idempotency, LiveServiceDeps } from './idempotency.ts';
import { retryOnConflict } from './retry.ts';

export const defaultModerationMode: ModerationMode = 'pre-moderated';

export interface QnaChange {
  question: Question;
  version: number;
}

/**
 * Q&A of a session in the store. Each change takes the next number of the
 * session's Q&A version, stamped on the question, so clients can tell a
 * newer message from an older one and resync from a snapshot.
 */
export class QnaService {
  private readonly live: LiveRepository;
  private readonly lock: KeyedLock;
  private readonly clock: () => Date;
  private readonly idempotency: Idempotency;

  constructor(deps: LiveServiceDeps) {
    ({ live: this.live, lock: this.lock, clock: this.clock, idempotency: this.idempotency } = deps);
  }

  private serial<T>(eventId: string, sessionId: string, task: () => Promise<T>): Promise<T> {
    return this.lock.run(`qna:${eventId}/${sessionId}`, task);
  }

  async meta(eventId: string, sessionId: string): Promise<QnaMeta> {
    return (await this.live.getQnaMeta(eventId, sessionId)) ?? { id: '', eventId, sessionId, mode: defaultModerationMode, version: 0 };
  }

  /** Takes the next version number (compare-and-set across processes). */
  private async bump(eventId: string, sessionId: string, change: Partial<Pick<QnaMeta, 'mode'>> = {}): Promise<QnaMeta> {
    return retryOnConflict(async () => {
      const current: Stored<QnaMeta> | null = await this.live.getQnaMeta(eventId, sessionId);
      const next = { eventId, sessionId, mode: change.mode ?? current?.mode ?? defaultModerationMode, version: (current?.version ?? 0) + 1 };
      return this.live.saveQnaMeta(next, current?.rev);
    });
  }

  ask(
    eventId: string,
    sessionId: string,
    author: { id: string; name: string },
    text: string,
    anonymous: boolean,
    idempotencyKey: string | undefined,
  ): Promise<{ change: QnaChange; replayed: boolean }> {
    return this.serial(eventId, sessionId, async () => {
      const { result, replayed } = await this.idempotency.once(author.id, idempotencyKey && `ask:${idempotencyKey}`, async () => {
        const meta = await this.meta(eventId, sessionId);
        // Validate before taking a version, so a refused question changes nothing.
        const draft = ask({ id: 'draft', eventId, sessionId, text, author, anonymous, mode: meta.mode, version: 0, now: this.clock() });
        const bumped = await this.bump(eventId, sessionId);
        const question: Question = { ...draft, id: crypto.randomBytes(9).toString('base64url'), version: bumped.version, status: bumped.mode === 'open' ? 'approved' : 'pending' };
        await this.live.putQuestion(question);
        return question.id;
      });
      const question = await this.require(eventId, sessionId, result);
      return { change: { question, version: question.version }, replayed };
    });
  }

  vote(
    eventId: string,
    sessionId: string,
    questionId: string,
    participantId: string,
    vote: boolean | undefined,
    idempotencyKey: string | undefined,
  ): Promise<{ change: QnaChange; replayed: boolean; voted: boolean }> {
    return this.serial(eventId, sessionId, async () => {
      const { result, replayed } = await this.idempotency.once(participantId, idempotencyKey && `vote:${idempotencyKey}`, async () => {
        const current = await this.require(eventId, sessionId, questionId);
        const now = this.clock();
        const probe = vote === undefined ? toggleVote(current, participantId, 0, now) : setVote(current, participantId, vote, 0, now);
        if (probe === current) return current.voters.includes(participantId);
        const { version } = await this.bump(eventId, sessionId);
        await this.live.putQuestion({ ...probe, version });
        return probe.voters.includes(participantId);
      });
      const question = await this.require(eventId, sessionId, questionId);
      return { change: { question, version: question.version }, replayed, voted: result };
    });
  }

  moderate(
    eventId: string,
    sessionId: string,
    questionId: string,
    action: ModerationAction,
    moderator: { id: string | null; name: string },
    reason: string | undefined,
  ): Promise<QnaChange> {
    return this.serial(eventId, sessionId, async () => {
      const current = await this.require(eventId, sessionId, questionId);
      const now = this.clock();
      moderate(current, action, 0, now); // refuses before a version is taken
      const { version } = await this.bump(eventId, sessionId);
      const question = moderate(current, action, version, now);
      await this.live.putQuestion(question);
      await this.live.appendModeration({
        id: `${questionId}:${version}`,
        eventId,
        sessionId,
        at: now.toISOString(),
        by: moderator.id ?? 'organiser',
        byName: moderator.name,
        questionId,
        action,
        reason: reason ?? null,
      });
      return { question, version };
    });
  }

  setMode(eventId: string, sessionId: string, mode: ModerationMode): Promise<QnaMeta> {
    return this.serial(eventId, sessionId, () => this.bump(eventId, sessionId, { mode }));
  }

  async snapshot(eventId: string, sessionId: string, viewer: Viewer): Promise<QnaSnapshot> {
    const [meta, questions] = await Promise.all([this.meta(eventId, sessionId), this.live.listQuestions(eventId, sessionId)]);
    return {
      sessionId,
      version: meta.version,
      mode: meta.mode,
      questions: questions.filter((q) => visibleTo(q, viewer)).map((q) => viewOf(q, viewer)),
    };
  }

  moderationLog(eventId: string, sessionId: string) {
    return this.live.listModeration(eventId, sessionId);
  }

  private async require(eventId: string, sessionId: string, questionId: string): Promise<Question> {
    const q = await this.live.getQuestion(questionId);
    if (!q || q.eventId !== eventId || q.sessionId !== sessionId) {
      throw new AppError('question_not_found', 'There is no such question in this session.');
    }
    const { rev: _rev, ...question } = q;
    return question;
  }
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
