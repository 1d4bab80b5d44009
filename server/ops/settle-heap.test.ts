import { describe, expect, it } from 'vitest';
import { settleHeap } from './settle-heap.ts';

describe('settleHeap', () => {
  it('collects what start-up left unreachable', () => {
    let garbage: number[][] | null = Array.from({ length: 400 }, () => Array.from({ length: 10_000 }, (_, i) => i + 0.5));
    const withGarbage = process.memoryUsage().heapUsed;
    expect(garbage.length).toBe(400);
    garbage = null;
    settleHeap();
    // 400 arrays of 10,000 doubles: about 32 MB that only a collection gives back.
    expect(withGarbage - process.memoryUsage().heapUsed).toBeGreaterThan(20 * 1024 * 1024);
  });

  it('does not put gc in the application global scope', () => {
    settleHeap();
    expect('gc' in globalThis).toBe(false);
  });
});
