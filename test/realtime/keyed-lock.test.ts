import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../../server/services/keyed-lock.ts';

describe('KeyedLock', () => {
  it('runs one key’s tasks in order, past failures, and other keys alongside', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const task = (name: string, fail = false) => async () => {
      order.push(name);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock.run('a', task('a1')), lock.run('a', task('a2', true)), lock.run('b', task('b1')), lock.run('a', task('a3'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(order.filter((n) => n.startsWith('a'))).toEqual(['a1', 'a2', 'a3']);
  });

  it('lets the event loop turn between the tasks of a long chain', async () => {
    const lock = new KeyedLock();
    let done = 0;
    const chain = Promise.all(Array.from({ length: 200 }, () => lock.run('session', async () => void done++)));
    // The next turn of the loop (where another request's I/O and a health
    // check are served) comes after the first task, not after the whole chain.
    const doneAtNextTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(done)));
    await chain;
    expect(done).toBe(200);
    expect(doneAtNextTurn).toBeLessThan(10);
  });
});
