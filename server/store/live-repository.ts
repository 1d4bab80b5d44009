import type { ModerationLogEntry, ModerationMode, Question } from '../domain/qna.ts';
import type { QueueState } from '../domain/queue.ts';
import { writes, type DocumentStore, type Stored, type WriteOp } from './port.ts';

export type QueueDoc = QueueState & { id: string };
export interface QnaMeta {
  id: string;
  eventId: string;
  sessionId: string;
  mode: ModerationMode;
  version: number;
}
export type QuestionDoc = Question;
export interface ModerationLogDoc extends ModerationLogEntry {
  id: string;
  eventId: string;
  sessionId: string;
}
export interface IdempotencyDoc {
  id: string;
  at: string;
  result: unknown;
}

const key = (eventId: string, sessionId: string): string => `${eventId}/${sessionId}`;

/** The live state of sessions: speaker queues, questions, and idempotency records. */
export class LiveRepository {
  readonly store: DocumentStore;

  constructor(store: DocumentStore) {
    this.store = store;
  }

  getQueue(eventId: string, sessionId: string): Promise<Stored<QueueDoc> | null> {
    return this.store.get<QueueDoc>('queues', key(eventId, sessionId));
  }

  listQueues(eventId?: string): Promise<Stored<QueueDoc>[]> {
    return this.store.find<QueueDoc>('queues', eventId ? { eventId } : {});
  }

  /** Writes that belong together (a change, its version, its idempotency record) go through here, all or none. */
  commit(ops: readonly WriteOp[]): Promise<number[]> {
    return this.store.write(ops);
  }

  /** Insert when new (rev undefined), else compare-and-set on rev. */
  saveQueueOp(state: QueueState, rev: number | undefined): WriteOp {
    return writes.save('queues', { ...state, id: key(state.eventId, state.sessionId) }, rev);
  }

  saveQnaMetaOp(meta: Omit<QnaMeta, 'id'>, rev: number | undefined): WriteOp {
    return writes.save('qna_meta', { ...meta, id: key(meta.eventId, meta.sessionId) }, rev);
  }

  saveQuestionOp(question: QuestionDoc, rev: number | undefined): WriteOp {
    return writes.save('questions', question, rev);
  }

  appendModerationOp(entry: ModerationLogDoc): WriteOp {
    return writes.insert('qna_log', entry);
  }

  getQnaMeta(eventId: string, sessionId: string): Promise<Stored<QnaMeta> | null> {
    return this.store.get<QnaMeta>('qna_meta', key(eventId, sessionId));
  }

  getQuestion(questionId: string): Promise<Stored<QuestionDoc> | null> {
    return this.store.get<QuestionDoc>('questions', questionId);
  }

  listQuestions(eventId: string, sessionId: string): Promise<Stored<QuestionDoc>[]> {
    return this.store.find<QuestionDoc>('questions', { eventId, sessionId });
  }

  listModeration(eventId: string, sessionId: string): Promise<Stored<ModerationLogDoc>[]> {
    return this.store.find<ModerationLogDoc>('qna_log', { eventId, sessionId });
  }

  getIdempotent(id: string): Promise<Stored<IdempotencyDoc> | null> {
    return this.store.get<IdempotencyDoc>('idempotency', id);
  }

  /** Forgets idempotency records older than `before` (a retry comes within seconds, not days). */
  async pruneIdempotent(before: Date): Promise<number> {
    let removed = 0;
    for (const doc of await this.store.find<IdempotencyDoc>('idempotency')) {
      if (Date.parse(doc.at) < before.getTime() && (await this.store.remove('idempotency', doc.id))) removed += 1;
    }
    return removed;
  }
}
