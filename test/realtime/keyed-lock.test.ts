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
    // A timer due now (another request's I/O, a health check) must not wait for the whole chain.
    const doneWhenTimerFired = await new Promise<number>((resolve) => setTimeout(() => resolve(done), 0));
    await chain;
    expect(done).toBe(200);
    expect(doneWhenTimerFired).toBeLessThan(200);
  });
});
