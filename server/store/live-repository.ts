import type { ModerationLogEntry, ModerationMode, Question } from '../domain/qna.ts';
import type { QueueState } from '../domain/queue.ts';
import type { DocumentStore, Stored } from './port.ts';

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

  /** Insert when new (rev undefined), else compare-and-set on rev. */
  async saveQueue(state: QueueState, rev: number | undefined): Promise<Stored<QueueDoc>> {
    const doc = { ...state, id: key(state.eventId, state.sessionId) };
    return rev === undefined ? this.store.insert('queues', doc) : this.store.update('queues', { ...doc, rev });
  }

  getQnaMeta(eventId: string, sessionId: string): Promise<Stored<QnaMeta> | null> {
    return this.store.get<QnaMeta>('qna_meta', key(eventId, sessionId));
  }

  async saveQnaMeta(meta: Omit<QnaMeta, 'id'>, rev: number | undefined): Promise<Stored<QnaMeta>> {
    const doc = { ...meta, id: key(meta.eventId, meta.sessionId) };
    return rev === undefined ? this.store.insert('qna_meta', doc) : this.store.update('qna_meta', { ...doc, rev });
  }

  getQuestion(questionId: string): Promise<Stored<QuestionDoc> | null> {
    return this.store.get<QuestionDoc>('questions', questionId);
  }

  listQuestions(eventId: string, sessionId: string): Promise<Stored<QuestionDoc>[]> {
    return this.store.find<QuestionDoc>('questions', { eventId, sessionId });
  }

  putQuestion(question: QuestionDoc): Promise<Stored<QuestionDoc>> {
    return this.store.put('questions', question);
  }

  appendModeration(entry: ModerationLogDoc): Promise<Stored<ModerationLogDoc>> {
    return this.store.insert('qna_log', entry);
  }

  listModeration(eventId: string, sessionId: string): Promise<Stored<ModerationLogDoc>[]> {
    return this.store.find<ModerationLogDoc>('qna_log', { eventId, sessionId });
  }

  getIdempotent(id: string): Promise<Stored<IdempotencyDoc> | null> {
    return this.store.get<IdempotencyDoc>('idempotency', id);
  }

  putIdempotent(doc: IdempotencyDoc): Promise<Stored<IdempotencyDoc>> {
    return this.store.put('idempotency', doc);
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
