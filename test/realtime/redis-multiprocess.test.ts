import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinAck, QueueStateMessage, SessionStateMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, nextEvent, ok } from '../support/realtime.ts';
import { organizerToken, tempDir, waitFor } from '../support/server.ts';

const redisServer = '/usr/bin/redis-server';
const hasRedis = fs.existsSync(redisServer);
if (!hasRedis) console.warn(`SKIPPED: the multi-process test needs ${redisServer} (Debian package "redis-server").`);

const root = path.resolve(import.meta.dirname, '..', '..');
const sessionId = 'thematic-4';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

describe.skipIf(!hasRedis)('two server processes sharing rooms through Redis', () => {
  const children: ChildProcess[] = [];
  const urls: string[] = [];

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
        LOG_LEVEL: 'warn',
      });
      children.push(server.child);
      urls.push(await waitFor(() => /running at (http:\/\/\S+)/.exec(server.output())?.[1], { timeout: 20_000 }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const child of children.reverse()) await stop(child);
  });

  it('a delegate on one process receives a moderator’s action taken on the other', async () => {
    const [urlA, urlB] = urls as [string, string];
    expect(urlA).not.toBe(urlB);
    const moderator = await createParticipant({ url: urlA }, { name: 'Moderator A', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant({ url: urlA }, { name: 'Delegate B', group: 'workers', country: 'NG' });

    const mod = await connect(urlA, { token: moderator.token });
    const del = await connect(urlB, { token: delegate.token });
    try {
      await ok(mod, 'session:join', { sessionId });
      await ok<JoinAck>(del, 'session:join', { sessionId });

      const opened = nextEvent<SessionStateMessage>(del, 'session:state', (m) => m.status === 'live');
      await ok(mod, 'session:open', { sessionId });
      await opened;

      const queued = nextEvent<QueueStateMessage>(mod, 'queue:state', (m) => m.entries.some((e) => e.participantId === delegate.id));
      await ok(del, 'queue:request', { sessionId });
      const entryId = (await queued).entries.find((e) => e.participantId === delegate.id)!.id;

      const floor = nextEvent<QueueStateMessage>(del, 'queue:state', (m) => m.floor?.entryId === entryId);
      await ok(mod, 'queue:give-floor', { sessionId, entryId });
      const state = await floor;
      expect(state.entries.find((e) => e.id === entryId)?.status).toBe('speaking');

      // Both processes agree on the stored state.
      const [a, b] = await Promise.all([ok<JoinAck>(mod, 'session:join', { sessionId }), ok<JoinAck>(del, 'session:join', { sessionId })]);
      expect(a.queue.version).toBe(b.queue.version);
      expect(a.queue.entries).toEqual(b.queue.entries);
    } finally {
      mod.close();
      del.close();
    }
  });
});
