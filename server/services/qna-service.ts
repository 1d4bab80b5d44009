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

/** A session's Q&A as stored: its meta and every question (QnaService.readAll). */
export interface QnaRead {
  sessionId: string;
  meta: QnaMeta;
  questions: Awaited<ReturnType<LiveRepository['listQuestions']>>;
}

export const defaultModerationMode: ModerationMode = 'pre-moderated';

export interface VoteResult {
  change: QnaChange;
  replayed: boolean;
  voted: boolean;
  /** This vote's answer is the one that announces its batch's change to the room. */
  publish: boolean;
}

interface PendingVote {
  participantId: string;
  vote: boolean | undefined;
  key: string | undefined;
  resolve: (result: VoteResult) => void;
  reject: (error: unknown) => void;
}

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

  /**
   * A delegate's vote. Votes on one question that arrive while an earlier
   * write is in flight are decided together in the next one (group commit at
   * the service level): one read, one compare-and-set of the question, the
   * version counter and every vote's idempotency record, all or none. Each
   * vote still gets its own answer; exactly one vote of each batch carries
   * `publish`, so the room hears one broadcast per batch, not one per vote.
   */
  vote(
    eventId: string,
    sessionId: string,
    questionId: string,
    participantId: string,
    vote: boolean | undefined,
    idempotencyKey: string | undefined,
  ): Promise<VoteResult> {
    const batchKey = `${eventId}/${sessionId}/${questionId}`;
    return new Promise<VoteResult>((resolve, reject) => {
      let batch = this.pendingVotes.get(batchKey);
      if (!batch) {
        const fresh: PendingVote[] = [];
        batch = fresh;
        this.pendingVotes.set(batchKey, fresh);
        void this.serial(eventId, sessionId, () => this.decideVotes(eventId, sessionId, questionId, batchKey, fresh)).catch((error: unknown) => {
          // A failure of the whole batch (no such question, retries exhausted) answers each of its votes.
          for (const v of fresh) v.reject(error);
        });
      }
      batch.push({ participantId, vote, key: idempotencyKey && `vote:${idempotencyKey}`, resolve, reject });
    });
  }

  /** Votes waiting for the next decision, per question; a batch closes when its decision starts. */
  private readonly pendingVotes = new Map<string, PendingVote[]>();

  /** Runs under the session's lock (and again on a conflict, with the same votes on fresh data). */
  private async decideVotes(eventId: string, sessionId: string, questionId: string, batchKey: string, batch: PendingVote[]): Promise<void> {
    // Votes arriving from now on form the next batch.
    if (this.pendingVotes.get(batchKey) === batch) this.pendingVotes.delete(batchKey);
    const stored = await this.requireStored(eventId, sessionId, questionId);
    const now = this.clock();
    let question = withoutRev(stored);
    const outcomes: { vote: PendingVote; voted: boolean; replayed: boolean; error?: unknown }[] = [];
    const seals: WriteOp[] = [];
    const sealed = new Map<string, boolean>();
    for (const v of batch) {
      const seen = await this.idempotency.seen<boolean>(v.participantId, v.key);
      if (seen) {
        outcomes.push({ vote: v, voted: seen.result, replayed: true });
        continue;
      }
      // Two copies of one keyed request in one batch: the second replays the first's answer.
      const id = v.key ? `${v.participantId}:${v.key}` : null;
      const twinOf = id ? sealed.get(id) : undefined;
      if (twinOf !== undefined) {
        outcomes.push({ vote: v, voted: twinOf, replayed: true });
        continue;
      }
      try {
        const next = v.vote === undefined ? toggleVote(question, v.participantId, 0, now) : setVote(question, v.participantId, v.vote, 0, now);
        question = next;
        const voted = next.voters.includes(v.participantId);
        if (id) sealed.set(id, voted);
        seals.push(...this.idempotency.seal(v.participantId, v.key, voted));
        outcomes.push({ vote: v, voted, replayed: false });
      } catch (error) {
        outcomes.push({ vote: v, voted: false, replayed: false, error });
      }
    }
    const changed = question.voters.length !== stored.voters.length || question.voters.some((p, i) => p !== stored.voters[i]);
    let version = stored.version;
    if (changed || seals.length > 0) {
      const { meta, op } = changed ? await this.nextVersion(eventId, sessionId) : { meta: null, op: null };
      if (meta) {
        version = meta.version;
        question = { ...question, version };
      }
      await this.live.commit([...(op ? [op, this.live.saveQuestionOp(question, stored.rev)] : []), ...seals]);
    }
    let publish = changed;
    for (const o of outcomes) {
      if (o.error !== undefined) {
        o.vote.reject(o.error);
        continue;
      }
      o.vote.resolve({ change: { question, version }, replayed: o.replayed, voted: o.voted, publish: publish && !o.replayed });
      if (!o.replayed) publish = false;
    }
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
    return this.snapshotFor(await this.readAll(eventId, sessionId), viewer);
  }

  /** The session's Q&A as stored, for every viewer's snapshot (a rush of joins reads it once: realtime/membership.ts). */
  async readAll(eventId: string, sessionId: string): Promise<QnaRead> {
    const [meta, questions] = await Promise.all([this.meta(eventId, sessionId), this.live.listQuestions(eventId, sessionId)]);
    return { sessionId, meta, questions };
  }

  /** One viewer's snapshot of what `readAll` read. */
  snapshotFor(read: QnaRead, viewer: Viewer): QnaSnapshot {
    return {
      sessionId: read.sessionId,
      version: read.meta.version,
      mode: read.meta.mode,
      questions: read.questions.filter((q) => visibleTo(q, viewer)).map((q) => viewOf(q, viewer)),
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
