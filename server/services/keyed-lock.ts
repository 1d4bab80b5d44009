import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Runs tasks for the same key one after another (per-session ordering in
 * this process); different keys run concurrently. Across processes the
 * store's compare-and-set decides, see retryOnConflict.
 *
 * A task that waits for a previous one starts on a later turn of the event
 * loop, not in the same run of microtasks: a long queue of fast tasks
 * (a burst of votes) lets other requests in between its tasks.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const start = () => nextTurn().then(task);
    const result = previous ? previous.then(start, start) : Promise.resolve().then(task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
