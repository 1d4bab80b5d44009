import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { organizerToken, tempDir, waitFor } from './server.ts';

/** A free TCP port on loopback (for servers that cannot listen on port 0 themselves). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts a child process and keeps its combined output for assertions. */
export function startProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

export const redisServerPath = '/usr/bin/redis-server';
export const hasRedis = fs.existsSync(redisServerPath);
const root = path.resolve(import.meta.dirname, '..', '..');

export interface ServerCluster {
  urls: string[];
  outputs: (() => string)[];
  stop(): Promise<void>;
}

/**
 * A real redis-server on a free loopback port and `count` Plenary processes
 * (`node server/main.ts`) sharing it and one data directory.
 */
export async function startServerCluster(count: number, logLevel = 'warn', envFor: (index: number) => Record<string, string> = () => ({})): Promise<ServerCluster> {
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await stopProcess(child);
  };
  try {
    const redisPort = await freePort();
    const redis = startProcess(redisServerPath, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
    children.push(redis.child);
    await waitFor(() => /Ready to accept connections/i.test(redis.output()), { timeout: 10_000 });
    const dataDir = tempDir();
    const urls: string[] = [];
    const outputs: (() => string)[] = [];
    for (let i = 0; i < count; i++) {
      const server = startProcess(process.execPath, [path.join(root, 'server/main.ts')], {
        PORT: '0',
        HOST: '127.0.0.1',
        PLENARY_DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PLENARY_ORGANIZER_TOKEN: organizerToken,
        MEDIA_ENABLED: 'false',
        LOG_LEVEL: logLevel,
        ...envFor(i),
      });
      children.push(server.child);
      outputs.push(server.output);
      // Start-up bundles the client and opens the store; on a loaded 2-core machine that has taken over 20 s.
      urls.push(await waitFor(() => /running at (http:\/\/\S+)/.exec(server.output())?.[1], { timeout: 60_000 }));
    }
    return { urls, outputs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
