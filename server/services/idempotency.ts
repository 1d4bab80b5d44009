import { writes, type WriteOp } from '../store/port.ts';
import type { LiveRepository } from '../store/live-repository.ts';
import type { KeyedLock } from './keyed-lock.ts';

/** What the live-state services (floor, Q&A) share: the store, per-session ordering, retry safety, the clock. */
export interface LiveServiceDeps {
  live: LiveRepository;
  lock: KeyedLock;
  idempotency: Idempotency;
  clock: () => Date;
}

/**
 * Keyed requests: a client that lost an ack resends the same request with
 * the same key and gets the first answer back, and nothing happens twice.
 *
 * The record is written in the same atomic store write as the change it
 * answers (`seal`), so a crash can never keep the change without the record
 * (a resend would then act twice) or the record without the change. It is an
 * insert: if two copies of one request race on two processes, the second
 * one's write conflicts, is retried, and finds the first one's record.
 */
export class Idempotency {
  private readonly live: LiveRepository;
  private readonly clock: () => Date;

  constructor(live: LiveRepository, clock: () => Date = () => new Date()) {
    this.live = live;
    this.clock = clock;
  }

  private static id(participantId: string, key: string): string {
    return `${participantId}:${key}`;
  }

  /** The first answer to this key, if the request was already carried out. */
  async seen<T>(participantId: string, key: string | undefined): Promise<{ result: T } | null> {
    if (!key) return null;
    const doc = await this.live.getIdempotent(Idempotency.id(participantId, key));
    return doc ? { result: doc.result as T } : null;
  }

  /** The write that records `result` as the answer to this key; none without a key. */
  seal(participantId: string, key: string | undefined, result: unknown): WriteOp[] {
    if (!key) return [];
    return [writes.insert('idempotency', { id: Idempotency.id(participantId, key), at: this.clock().toISOString(), result })];
  }
}
