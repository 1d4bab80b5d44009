import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { startPlenary, type Plenary, type StartOptions } from '../../server/plenary.ts';

export function tempDir(prefix = 'plenary-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const organizerToken = 'test-organizer-token-0123456789';

/** Config for a real server on a free port with its own embedded store. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    PLENARY_DATA_DIR: overrides.PLENARY_DATA_DIR ?? tempDir(),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PLENARY_ORGANIZER_TOKEN: organizerToken,
    MEDIA_ENABLED: 'false',
    ...overrides,
  });
}

export async function startTestServer(overrides: Record<string, string> = {}, options: StartOptions = {}): Promise<Plenary> {
  const config = testConfig(overrides);
  return startPlenary(config, { logger: createLogger(config.logLevel), ...options });
}

export async function getJson<T = unknown>(url: string, init: RequestInit = {}): Promise<{ status: number; body: T; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, headers: res.headers };
}

/**
 * A POST of a whole body (a video) on a fresh connection (node:http without
 * an agent). fetch sends even a `connection: close` request on an idle
 * pooled connection, and one left idle while this process was busy (ffmpeg
 * run synchronously, a loaded machine) may be closed by the server's
 * keep-alive timer in the same turn as it is reused: ECONNRESET, seen under
 * load.
 */
export function postFresh<T = unknown>(url: string, headers: Record<string, string>, body: Uint8Array): Promise<{ status: number; body: T }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { ...headers, 'content-length': body.byteLength } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        try {
          resolve({ status: res.statusCode ?? 0, body: (text ? JSON.parse(text) : null) as T });
        } catch (error) {
          reject(new Error(`POST ${url}: ${res.statusCode ?? 0} with a body that is not JSON: ${text.slice(0, 200)}`, { cause: error }));
        }
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function waitFor<T>(probe: () => T | Promise<T>, { timeout = 5000, interval = 25 } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`waitFor timed out${last instanceof Error ? `: ${last.message}` : ''}`);
}
