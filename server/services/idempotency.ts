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
 * Runs an action once per (participant, key): a client that lost an ack and
 * resends the same request gets the first answer back, and nothing happens
 * twice. Callers serialise per session, so two copies never race here.
 */
export class Idempotency {
  private readonly live: LiveRepository;
  private readonly clock: () => Date;

  constructor(live: LiveRepository, clock: () => Date = () => new Date()) {
    this.live = live;
    this.clock = clock;
  }

  async once<T>(participantId: string, key: string | undefined, task: () => Promise<T>): Promise<{ result: T; replayed: boolean }> {
    if (!key) return { result: await task(), replayed: false };
    const id = `${participantId}:${key}`;
    const seen = await this.live.getIdempotent(id);
    if (seen) return { result: seen.result as T, replayed: true };
    const result = await task();
    await this.live.putIdempotent({ id, at: this.clock().toISOString(), result });
    return { result, replayed: false };
  }
}
