import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPlenary } from '../../server/plenary.ts';
import { freePort, hasRedis, redisServerPath, startProcess, stopProcess } from '../support/processes.ts';
import { testConfig, waitFor } from '../support/server.ts';
import { freePortBase } from '../media/support.ts';

/** What this process holds open, by kind (sockets, timers, child processes...). */
function openResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * A start that fails halfway releases what it had opened: the store, Redis
 * clients, Socket.IO, the media workers and timers. Otherwise a supervisor
 * restarting a server whose port is taken would leak a little more each time.
 */
describe('a failed start', () => {
  let redis: Awaited<ReturnType<typeof startProcess>> | undefined;
  let redisUrl: string | undefined;
  let busy: net.Server;
  let busyPort: number;

  beforeAll(async () => {
    if (hasRedis) {
      const port = await freePort();
      redis = startProcess(redisServerPath, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
      await waitFor(() => /Ready to accept connections/i.test(redis?.output() ?? ''), { timeout: 10_000 });
      redisUrl = `redis://127.0.0.1:${port}`;
    }
    busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as net.AddressInfo).port;
  }, 30_000);
  afterAll(async () => {
    busy?.close();
    if (redis) await stopProcess(redis.child);
  });

  it('on a port already in use, rejects and leaves nothing open behind it', async () => {
    const base = await freePortBase(1);
    const config = testConfig({
      PORT: String(busyPort),
      MEDIA_ENABLED: 'true',
      MEDIA_WORKERS: '1',
      MEDIA_RTC_MIN_PORT: String(base),
      MEDIA_RTC_MAX_PORT: String(base + 9),
      ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
    });
    const before = openResources();
    await expect(startPlenary(config)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    // Closing sockets and the worker's pipes completes on later turns of the loop;
    // the Redis adapter's stream reader closes when its blocking read (2 s) returns.
    const leftover = await waitFor(
      () => {
        const after = openResources();
        const grown = Object.entries(after).filter(([kind, n]) => n > (before[kind] ?? 0));
        return grown.length === 0 ? 'none' : null;
      },
      { timeout: 8000, interval: 100 },
    ).catch(() => JSON.stringify({ before, after: openResources() }));
    expect(leftover).toBe('none');

    // The store was closed too: the same data directory opens again at once.
    const again = await startPlenary({ ...config, port: 0 });
    await again.close();
  }, 30_000);
});
