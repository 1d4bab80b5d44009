// The webcast encoder's lease (server/media/webcast/encoder-lease.ts): one
// holder at a time, renewed only by its holder, released only by its holder,
// free again once it runs out. The same contract for the Redis store (a real
// redis-server) and the in-memory one.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLeases, redisLeases, type LeaseStore } from '../../server/media/webcast/encoder-lease.ts';
import { createLogger } from '../../server/logger.ts';
import { freePort, hasRedis, redisServerPath, startProcess, stopProcess } from '../support/processes.ts';
import { waitFor } from '../support/server.ts';

function contract(name: string, make: () => Promise<{ store: LeaseStore; expire: (ms: number) => Promise<void> }>): void {
  describe(name, () => {
    let store: LeaseStore;
    let expire: (ms: number) => Promise<void>;
    let n = 0;
    const key = (): string => `plenary:webcast-encoder:test/${name.replace(/\W/g, '')}-${(n += 1)}`;

    beforeAll(async () => {
      ({ store, expire } = await make());
    });
    afterAll(async () => {
      await store?.close();
    });

    it('has one holder: another process is refused until the holder releases it', async () => {
      const k = key();
      expect(await store.holder(k)).toBeNull();
      expect(await store.claim(k, 'process-a', 10_000)).toBe(true);
      expect(await store.claim(k, 'process-b', 10_000)).toBe(false);
      expect(await store.holder(k)).toBe('process-a');
      // The holder renews; a release by someone else does nothing.
      expect(await store.claim(k, 'process-a', 10_000)).toBe(true);
      await store.release(k, 'process-b');
      expect(await store.holder(k)).toBe('process-a');
      expect(await store.claim(k, 'process-b', 10_000)).toBe(false);
      await store.release(k, 'process-a');
      expect(await store.holder(k)).toBeNull();
      expect(await store.claim(k, 'process-b', 10_000)).toBe(true);
      expect(await store.holder(k)).toBe('process-b');
    });

    it('is free once its holder stops renewing it, and the late holder then finds it taken', async () => {
      const k = key();
      expect(await store.claim(k, 'process-a', 300)).toBe(true);
      expect(await store.claim(k, 'process-b', 300)).toBe(false);
      await expire(300);
      expect(await store.claim(k, 'process-b', 10_000)).toBe(true);
      expect(await store.claim(k, 'process-a', 10_000)).toBe(false);
      expect(await store.holder(k)).toBe('process-b');
    });

    it('keeps leases of different sessions apart', async () => {
      const one = key();
      const two = key();
      expect(await store.claim(one, 'process-a', 10_000)).toBe(true);
      expect(await store.claim(two, 'process-b', 10_000)).toBe(true);
      expect([await store.holder(one), await store.holder(two)]).toEqual(['process-a', 'process-b']);
    });
  });
}

contract('in memory (one process)', async () => {
  let now = 1_000_000;
  return {
    store: memoryLeases(() => now),
    expire: async (ms) => {
      now += ms + 1;
    },
  };
});

describe.skipIf(!hasRedis)('in Redis', () => {
  let redis: ChildProcess | undefined;
  let url = '';
  beforeAll(async () => {
    const port = await freePort();
    const started = startProcess(redisServerPath, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
    redis = started.child;
    await waitFor(() => /Ready to accept connections/i.test(started.output()), { timeout: 10_000 });
    url = `redis://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    if (redis) await stopProcess(redis);
  });

  contract('a real redis-server', async () => {
    const store = await redisLeases(url, createLogger('silent'));
    return {
      store,
      // Redis expires keys on its own clock (to the millisecond when read).
      expire: (ms) => new Promise((resolve) => setTimeout(resolve, ms + 50)),
    };
  });
});
