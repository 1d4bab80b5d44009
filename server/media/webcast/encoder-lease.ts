import type { Logger } from '../../logger.ts';

/**
 * Who runs a session's webcast encoder when several processes share a data
 * directory and Redis: a lease per session, held by one process (its media
 * cluster id) and renewed while it encodes. Whoever holds it writes the
 * session's webcast directory; the others serve what it wrote.
 */
export interface LeaseStore {
  /** Takes the lease when it is free, or renews it when `holder` has it: true when `holder` holds it for `ttlMs` from now. */
  claim(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up, if `holder` still has it (a later holder's is left alone). */
  release(key: string, holder: string): Promise<void>;
  /** Who holds it now, if anyone. */
  holder(key: string): Promise<string | null>;
  close(): Promise<void>;
}

// Compare-and-set in one step on the Redis server, so two processes never both see the lease free.
const claimScript = `
local v = redis.call('GET', KEYS[1])
if not v then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Leases in Redis (REDIS_URL): its own connection, since the Socket.IO adapter's blocks on stream reads. */
export async function redisLeases(url: string, logger: Logger): Promise<LeaseStore> {
  const { createClient } = await import('redis');
  const client = createClient({ url });
  client.on('error', (error: unknown) => logger.warn({ err: error }, 'redis client error (webcast encoder leases)'));
  await client.connect();
  return {
    claim: async (key, holder, ttlMs) => Number(await client.eval(claimScript, { keys: [key], arguments: [holder, String(Math.round(ttlMs))] })) === 1,
    release: async (key, holder) => {
      await client.eval(releaseScript, { keys: [key], arguments: [holder] });
    },
    holder: async (key) => (await client.get(key)) ?? null,
    close: async () => {
      await client.quit().catch(() => undefined);
    },
  };
}

/** One process, no Redis: leases in memory (what a single process needs to behave as before). */
export function memoryLeases(now: () => number = Date.now): LeaseStore {
  const held = new Map<string, { holder: string; until: number }>();
  const current = (key: string): { holder: string; until: number } | undefined => {
    const lease = held.get(key);
    if (lease && lease.until <= now()) held.delete(key);
    return held.get(key);
  };
  return {
    claim: async (key, holder, ttlMs) => {
      const lease = current(key);
      if (lease && lease.holder !== holder) return false;
      held.set(key, { holder, until: now() + ttlMs });
      return true;
    },
    release: async (key, holder) => {
      if (current(key)?.holder === holder) held.delete(key);
    },
    holder: async (key) => current(key)?.holder ?? null,
    close: async () => undefined,
  };
}

export const leaseKey = (eventId: string, sessionId: string): string => `plenary:webcast-encoder:${eventId}/${sessionId}`;
