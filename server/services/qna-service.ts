import crypto from 'node:crypto';
import { AppError } from '../errors.ts';
import {
  ask, moderate, setVote, toggleVote, tombstoneOf, viewOf, visibleTo,
  type ModerationAction, type ModerationMode, type Question, type Viewer,
} from '../domain/qna.ts';
import type { QnaSnapshot, QuestionMessageBody } from '../protocol/events.ts';
import type { LiveRepository, QnaMeta } from '../store/live-repository.ts';
import type { Stored, WriteOp } from '../store/port.ts';
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
 *
 * Every change is one atomic store write of the question (compare-and-set
 * on its revision), the session's version counter (compare-and-set), and
 * where there is one the idempotency record or moderation log entry. When
 * another process wrote either document first, the write fails as a whole
 * and is re-decided on fresh reads: no vote or moderation is ever lost.
 */
export class QnaService {
  private readonly live: LiveRepository;
  private readonly lock: KeyedLock;
  private readonly clock: () => Date;
  private readonly idempotency: Idempotency;

  constructor(deps: LiveServiceDeps) {
    ({ live: this.live, lock: this.lock, clock: this.clock, idempotency: this.idempotency } = deps);
  }

  /** Per-session ordering in this process, compare-and-set with retries across processes. */
  private serial<T>(eventId: string, sessionId: string, task: () => Promise<T>): Promise<T> {
    return this.lock.run(`qna:${eventId}/${sessionId}`, () => retryOnConflict(task));
  }

  async meta(eventId: string, sessionId: string): Promise<QnaMeta> {
    return (await this.live.getQnaMeta(eventId, sessionId)) ?? { id: '', eventId, sessionId, mode: defaultModerationMode, version: 0 };
  }

  /** The session's next version, and the write that takes it. */
  private async nextVersion(eventId: string, sessionId: string, mode?: ModerationMode): Promise<{ meta: Omit<QnaMeta, 'id'>; op: WriteOp }> {
    const current: Stored<QnaMeta> | null = await this.live.getQnaMeta(eventId, sessionId);
    const meta = { eventId, sessionId, mode: mode ?? current?.mode ?? defaultModerationMode, version: (current?.version ?? 0) + 1 };
    return { meta, op: this.live.saveQnaMetaOp(meta, current?.rev) };
  }

  async ask(
    eventId: string,
    sessionId: string,
    author: { id: string; name: string },
    text: string,
    anonymous: boolean,
    idempotencyKey: string | undefined,
  ): Promise<{ change: QnaChange; replayed: boolean }> {
    const key = idempotencyKey && `ask:${idempotencyKey}`;
    const questionId = await this.serial(eventId, sessionId, async () => {
      const seen = await this.idempotency.seen<string>(author.id, key);
      if (seen) return { id: seen.result, replayed: true };
      const current = await this.meta(eventId, sessionId);
      // Validate before taking a version, so a refused question changes nothing.
      const draft = ask({ id: 'draft', eventId, sessionId, text, author, anonymous, mode: current.mode, version: 0, now: this.clock() });
      const { meta, op } = await this.nextVersion(eventId, sessionId);
      const question: Question = { ...draft, id: crypto.randomBytes(9).toString('base64url'), version: meta.version, status: meta.mode === 'open' ? 'approved' : 'pending' };
      await this.live.commit([op, this.live.saveQuestionOp(question, undefined), ...this.idempotency.seal(author.id, key, question.id)]);
      return { id: question.id, replayed: false };
    });
    const question = await this.require(eventId, sessionId, questionId.id);
    return { change: { question, version: question.version }, replayed: questionId.replayed };
  }

  vote(
    eventId: string,
    sessionId: string,
    questionId: string,
    participantId: string,
    vote: boolean | undefined,
    idempotencyKey: string | undefined,
  ): Promise<{ change: QnaChange; replayed: boolean; voted: boolean }> {
    const key = idempotencyKey && `vote:${idempotencyKey}`;
    return this.serial(eventId, sessionId, async () => {
      const seen = await this.idempotency.seen<boolean>(participantId, key);
      const stored = await this.requireStored(eventId, sessionId, questionId);
      const current = withoutRev(stored);
      if (seen) return { change: { question: current, version: current.version }, replayed: true, voted: seen.result };
      const now = this.clock();
      const probe = vote === undefined ? toggleVote(current, participantId, 0, now) : setVote(current, participantId, vote, 0, now);
      if (probe === current) {
        return { change: { question: current, version: current.version }, replayed: false, voted: current.voters.includes(participantId) };
      }
      const voted = probe.voters.includes(participantId);
      const { meta, op } = await this.nextVersion(eventId, sessionId);
      const question = { ...probe, version: meta.version };
      await this.live.commit([op, this.live.saveQuestionOp(question, stored.rev), ...this.idempotency.seal(participantId, key, voted)]);
      return { change: { question, version: meta.version }, replayed: false, voted };
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
      const stored = await this.requireStored(eventId, sessionId, questionId);
      const current = withoutRev(stored);
      const now = this.clock();
      moderate(current, action, 0, now); // refuses before a version is taken
      const { meta, op } = await this.nextVersion(eventId, sessionId);
      const question = moderate(current, action, meta.version, now);
      await this.live.commit([
        op,
        this.live.saveQuestionOp(question, stored.rev),
        this.live.appendModerationOp({
          id: `${questionId}:${meta.version}`,
          eventId,
          sessionId,
          at: now.toISOString(),
          by: moderator.id ?? 'organiser',
          byName: moderator.name,
          questionId,
          action,
          reason: reason ?? null,
        }),
      ]);
      return { question, version: meta.version };
    });
  }

  setMode(eventId: string, sessionId: string, mode: ModerationMode): Promise<QnaMeta> {
    return this.serial(eventId, sessionId, async () => {
      const { meta, op } = await this.nextVersion(eventId, sessionId, mode);
      await this.live.commit([op]);
      return { ...meta, id: '' };
    });
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

  private async requireStored(eventId: string, sessionId: string, questionId: string): Promise<Stored<Question>> {
    const q = await this.live.getQuestion(questionId);
    if (!q || q.eventId !== eventId || q.sessionId !== sessionId) {
      throw new AppError('question_not_found', 'There is no such question in this session.');
    }
    return q;
  }

  private async require(eventId: string, sessionId: string, questionId: string): Promise<Question> {
    return withoutRev(await this.requireStored(eventId, sessionId, questionId));
  }
}

function withoutRev(q: Stored<Question>): Question {
  const { rev: _rev, ...question } = q;
  return question;
}
