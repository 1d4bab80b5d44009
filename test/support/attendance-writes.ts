import type { SqliteStore } from '../../server/store/sqlite-store.ts';

/** One attendance write posted to the store: when, and in which event-loop turn. */
export interface PostedWrite {
  at: number;
  turn: number;
}

/**
 * Records every attendance write (insert or update) a store is asked for,
 * with the event-loop turn it was asked in. Turns are counted by an
 * immediate that sets the next, between `start()` and `stop()`.
 */
export function watchAttendanceWrites(store: SqliteStore): { posted: PostedWrite[]; start(): void; stop(): void } {
  const posted: PostedWrite[] = [];
  let turn = 0;
  let counting = false;
  const tick = (): void => {
    if (!counting) return;
    turn += 1;
    setImmediate(tick);
  };
  for (const method of ['insert', 'update'] as const) {
    const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
    (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      if (args[0] === 'attendance') posted.push({ at: performance.now(), turn });
      return original(...args);
    };
  }
  return {
    posted,
    start() {
      counting = true;
      tick();
    },
    stop() {
      counting = false;
    },
  };
}
