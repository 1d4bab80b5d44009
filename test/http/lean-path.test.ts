import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { Router } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp, repoRoot } from '../../server/http/app.ts';
import { LeanPath } from '../../server/http/lean-path.ts';
import { RenderCache, sendRendered } from '../../server/http/render-cache.ts';
import { Views } from '../../server/http/views.ts';
import { anonymous } from '../../server/identity/caller.ts';
import { createLogger } from '../../server/logger.ts';

// The lean path (server/http/lean-path.ts): an anonymous GET whose twin was
// answered from the render cache is answered before the middleware stack,
// with the same headers, validators and variants, until the cached value
// changes. Counted here by whether the route handler ran.

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Headers that must be the same whichever path answered (everything but the date). */
function comparable(headers: http.IncomingHttpHeaders): Record<string, unknown> {
  const { date: _date, connection: _c, 'keep-alive': _k, ...rest } = headers;
  return rest;
}

const cache = new RenderCache();
const observed: { method: string; route: string; status: number }[] = [];
const lean = new LeanPath({ cache, logger: createLogger('silent'), observe: (method, route, status) => observed.push({ method, route, status }) });
let handled: Record<string, number> = {};
let version = 1;
let base = '';
let server: http.Server;

beforeAll(async () => {
  const router = Router();
  const shared = (name: string, options: { setCookie?: boolean; shared?: boolean } = {}) =>
    router.get(`/${name}`, async (req, res) => {
      handled[name] = (handled[name] ?? 0) + 1;
      const lang = req.headers['accept-language'] ?? '-';
      const rendered = await cache.get('ev', [name, lang], async () => ({
        text: `${name} v${version} ${lang} `.repeat(200),
        type: 'text/plain; charset=utf-8',
        lastModified: Date.parse('2026-01-01T00:00:00Z'),
      }));
      if (options.setCookie) res.cookie('tz', 'Asia/Tokyo');
      sendRendered(req, res, rendered, { cacheControl: 'public, no-cache', vary: ['Accept-Language'], ...(options.shared === false ? {} : { sharedFrom: rendered }) });
    });
  shared('feed');
  shared('sets-cookie', { setCookie: true });
  shared('personal', { shared: false });
  const app = createApp({
    logger: createLogger('silent'),
    views: new Views(path.join(repoRoot, 'templates')),
    routers: [router],
    callers: { fromToken: async () => anonymous, fromHeaders: async () => anonymous },
    https: true,
    lean,
  });
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  handled = {};
  observed.length = 0;
  version += 1;
  cache.invalidate('ev', 'next test');
});

describe('the lean path for cached public GETs', () => {
  it('answers a repeated anonymous GET without the middleware stack, with the headers and bytes the full stack sent', async () => {
    const first = await get(`${base}/feed`);
    const again = await get(`${base}/feed`);
    const third = await get(`${base}/feed`);
    expect(handled.feed).toBe(1);
    expect(first.status).toBe(200);
    for (const reply of [again, third]) {
      expect(reply.status).toBe(200);
      expect(reply.body.equals(first.body)).toBe(true);
      expect(comparable(reply.headers)).toEqual(comparable(first.headers));
    }
    // The security headers the whole app sends (helmet's and HSTS) are among them.
    expect(again.headers['content-security-policy']).toContain("default-src 'self'");
    expect(again.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
    expect(again.headers['x-content-type-options']).toBe('nosniff');
    expect(again.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(again.headers.etag).toBe(first.headers.etag);
    expect(again.headers['cache-control']).toBe('public, no-cache');
    expect(again.headers['content-length']).toBe(String(first.body.length));
    // Metrics still hear of every lean answer, under the route's own label.
    expect(observed).toEqual([
      { method: 'GET', route: '/feed', status: 200 },
      { method: 'GET', route: '/feed', status: 200 },
    ]);
  });

  it('answers a conditional GET with 304 (ETag or Last-Modified), carrying the validators and security headers', async () => {
    const first = await get(`${base}/feed`);
    const byTag = await get(`${base}/feed`, { 'if-none-match': String(first.headers.etag) });
    const byWeakTag = await get(`${base}/feed`, { 'if-none-match': `"other", W/${String(first.headers.etag)}` });
    const byDate = await get(`${base}/feed`, { 'if-modified-since': String(first.headers['last-modified']) });
    const stale = await get(`${base}/feed`, { 'if-none-match': '"something-else"' });
    expect(handled.feed).toBe(1);
    for (const reply of [byTag, byWeakTag, byDate]) {
      expect(reply.status).toBe(304);
      expect(reply.body.length).toBe(0);
      expect(reply.headers.etag).toBe(first.headers.etag);
      expect(reply.headers['strict-transport-security']).toBe(first.headers['strict-transport-security']);
      expect(reply.headers['content-security-policy']).toBe(first.headers['content-security-policy']);
    }
    expect(stale.status).toBe(200);
    expect(stale.body.equals(first.body)).toBe(true);
    expect(observed.map((o) => o.status)).toEqual([304, 304, 304, 200]);
  });

  it('sends the brotli or gzip variant the client accepts, decoding to the same bytes', async () => {
    const plain = await get(`${base}/feed`);
    const br = await get(`${base}/feed`, { 'accept-encoding': 'gzip, deflate, br' });
    const gz = await get(`${base}/feed`, { 'accept-encoding': 'gzip' });
    const refused = await get(`${base}/feed`, { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(handled.feed).toBe(1);
    expect(br.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(br.body).equals(plain.body)).toBe(true);
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.equals(plain.body)).toBe(true);
    for (const reply of [br, gz]) expect(reply.headers['content-length']).toBe(String(reply.body.length));
  });

  it('goes back through the full stack once the cached value is invalidated, and serves the new body', async () => {
    const before = await get(`${base}/feed`);
    await get(`${base}/feed`);
    version += 1;
    cache.invalidate('ev', 'programme edit');
    const after = await get(`${base}/feed`);
    const afterAgain = await get(`${base}/feed`);
    expect(handled.feed).toBe(2);
    expect(after.body.toString()).toContain(`v${version}`);
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(afterAgain.body.equals(after.body)).toBe(true);
    // The old ETag no longer matches: the client gets the new body.
    const conditional = await get(`${base}/feed`, { 'if-none-match': String(before.headers.etag) });
    expect(conditional.status).toBe(200);
    expect(conditional.body.equals(after.body)).toBe(true);
  });

  it('lets go of what it kept of a value once the cache invalidates it', async () => {
    await get(`${base}/feed`);
    await get(`${base}/feed`, { 'accept-language': 'fr' });
    expect(lean.size).toBeGreaterThanOrEqual(2);
    cache.invalidate('ev', 'programme edit');
    expect(lean.size).toBe(0);
  });

  it('never answers a request that carries a cookie or credentials', async () => {
    await get(`${base}/feed`);
    await get(`${base}/feed`, { cookie: 'plenary.sid=abc' });
    await get(`${base}/feed`, { cookie: 'lang=fr' });
    await get(`${base}/feed`, { authorization: 'Bearer some-token' });
    expect(handled.feed).toBe(4);
  });

  it('keeps requests that differ in language or host apart', async () => {
    const en = await get(`${base}/feed`, { 'accept-language': 'en' });
    const fr = await get(`${base}/feed`, { 'accept-language': 'fr' });
    const otherHost = await get(`${base}/feed`, { 'accept-language': 'en', host: 'elsewhere.example' });
    expect(handled.feed).toBe(3);
    expect((await get(`${base}/feed`, { 'accept-language': 'fr' })).body.equals(fr.body)).toBe(true);
    expect((await get(`${base}/feed`, { 'accept-language': 'en' })).body.equals(en.body)).toBe(true);
    expect(handled.feed).toBe(3);
    expect(en.body.equals(fr.body)).toBe(false);
    expect(otherHost.status).toBe(200);
  });

  it('never replays a response that set a cookie, one not marked shared, or a HEAD', async () => {
    for (let i = 0; i < 2; i += 1) {
      await get(`${base}/sets-cookie`);
      await get(`${base}/personal`);
      await get(`${base}/feed`, {}, 'HEAD');
    }
    expect(handled['sets-cookie']).toBe(2);
    expect(handled.personal).toBe(2);
    expect(handled.feed).toBe(2);
  });
});
