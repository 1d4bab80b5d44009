import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { io as connectClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOrganizer, eventId, invite } from '../support/identity.ts';
import { freePort, startProcess, stopProcess } from '../support/processes.ts';
import { getJson, organizerToken, tempDir, waitFor } from '../support/server.ts';

const redisServer = '/usr/bin/redis-server';
const hasRedis = fs.existsSync(redisServer);
if (!hasRedis) console.warn(`SKIPPED: the cross-process revocation test needs ${redisServer} (Debian package "redis-server").`);

const root = path.resolve(import.meta.dirname, '..', '..');

describe.skipIf(!hasRedis)('revocation across server processes (Redis Streams adapter)', () => {
  const children: ChildProcess[] = [];
  const urls: string[] = [];
  const outputs: (() => string)[] = [];

  beforeAll(async () => {
    const redisPort = await freePort();
    const redis = startProcess(redisServer, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
    children.push(redis.child);
    await waitFor(() => /Ready to accept connections/i.test(redis.output()), { timeout: 10_000 });
    const dataDir = tempDir();
    for (let i = 0; i < 2; i++) {
      const server = startProcess(process.execPath, [path.join(root, 'server/main.ts')], {
        PORT: '0',
        HOST: '127.0.0.1',
        PLENARY_DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PLENARY_ORGANIZER_TOKEN: organizerToken,
        MEDIA_ENABLED: 'false',
        LOG_LEVEL: 'info',
      });
      children.push(server.child);
      outputs.push(server.output);
      urls.push(await waitFor(() => /running at (http:\/\/\S+)/.exec(server.output())?.[1], { timeout: 20_000 }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const child of children.reverse()) await stopProcess(child);
  });

  it('prints the one-time organiser link on the first start only, to stdout and not to the log', () => {
    const first = outputs[0]?.() ?? '';
    const link = /Organiser sign-in for "global-forum-2022" \(one-time link, valid 24 h\):\n\s+(http:\/\/\S+\/i\/([A-Za-z0-9_-]{43}))/.exec(first);
    expect(link).not.toBeNull();
    // The token appears once: on the line printed for the operator, in no log record.
    expect(first.split(link?.[2] ?? '').length - 1).toBe(1);
    expect(outputs[1]?.() ?? '').toContain('Plenary is running at');
  });

  it('cuts a socket on process B when process A revokes the participant', async () => {
    const [urlA, urlB] = urls as [string, string];
    const p = await invite({ url: urlA }, { name: 'Two Processes' });
    const socket: Socket = connectClient(urlB, { auth: { token: p.token }, transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const gone = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
      const res = await getJson(`${urlA}/api/events/${eventId}/participants/${p.participant.id}`, { method: 'DELETE', headers: asOrganizer });
      expect(res.status).toBe(200);
      expect(await gone).toBe('io server disconnect');
    } finally {
      socket.close();
    }
  });
});
