import type { Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import type { Logger } from '../logger.ts';

export interface SharedLimitStore {
  store: (name: string) => Store;
  close(): Promise<void>;
}

/** Rate-limit counters in Redis, shared by every server process (its own connection, apart from Socket.IO's). */
export async function sharedLimitStore(redisUrl: string, logger: Logger): Promise<SharedLimitStore> {
  const client = createClient({ url: redisUrl });
  client.on('error', (error: unknown) => logger.error({ err: error }, 'redis (rate limits) error'));
  await client.connect();
  return {
    store: (name) => new RedisStore({ sendCommand: (...args: string[]) => client.sendCommand(args), prefix: `plenary:rl:${name}:` }),
    close: async () => {
      await client.quit().catch((error: unknown) => logger.warn({ err: error }, 'redis (rate limits) quit failed'));
    },
  };
}
