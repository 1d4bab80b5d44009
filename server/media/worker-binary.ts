import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** How scripts/mediasoup-worker.mjs names the cached binary of a mediasoup version (plain JS, so typed here). */
type WorkerScript = { workerCachePath(version: string): string };

export interface WorkerBinary {
  /** Absolute path, or undefined for mediasoup's own default (its postinstall build or download). */
  path: string | undefined;
  source: 'MEDIASOUP_WORKER_BIN' | 'cache' | 'mediasoup default';
}

/**
 * Which mediasoup-worker binary to run: MEDIASOUP_WORKER_BIN when set, else
 * the binary scripts/mediasoup-worker.mjs cached for the installed mediasoup
 * version (the offline build), else mediasoup's default. Never builds: the
 * launcher (`npm start`, `npm test`) does that before the server starts.
 */
export async function resolveWorkerBinary(mediasoupVersion: string, env: NodeJS.ProcessEnv = process.env): Promise<WorkerBinary> {
  const fromEnv = env.MEDIASOUP_WORKER_BIN;
  if (fromEnv && isFile(fromEnv)) return { path: path.resolve(fromEnv), source: 'MEDIASOUP_WORKER_BIN' };
  const script = path.join(repoRoot, 'scripts', 'mediasoup-worker.mjs');
  if (isFile(script)) {
    // Not a literal specifier: the script is plain JavaScript without typings.
    const { workerCachePath } = (await import(pathToFileURL(script).href)) as WorkerScript;
    const cached = workerCachePath(mediasoupVersion);
    if (isFile(cached)) return { path: cached, source: 'cache' };
  }
  return { path: undefined, source: 'mediasoup default' };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
