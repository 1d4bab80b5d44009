import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, Browser, eventId, invite, signInCookie } from '../support/identity.ts';
import { hasRedis, redisServerPath, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { startTestServer, waitFor } from '../support/server.ts';

// Render once, serve many (server/http/render-cache.ts): cached responses
// follow programme edits, status and role changes, on this process and on
// another; personal parts of a page stay with their viewer; conditional
// GETs answer 304; compressed variants are the same bytes.

const apiPath = `/api/events/${eventId}/programme?tz=Asia/Tokyo`;
const pagePath = `/events/${eventId}`;
const roomPath = `/events/${eventId}/sessions/opening`;
const icsPath = `/calendar/${eventId}.ics?lang=en`;

/** A GET through node:http, which (unlike fetch) leaves compressed bodies as they came. ICS lines are unfolded. */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const out = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) out.append(name, v);
          }
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: out, body, text: body.toString().replace(/\r\n[ \t]/g, '') });
        });
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function patchSession(url: string, sessionId: string, body: object): Promise<void> {
  const res = await fetch(`${url}/api/events/${eventId}/sessions/${sessionId}`, {
    method: 'PATCH',
    headers: { ...asOrganizer, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function patchParticipant(url: string, participantId: string, body: object): Promise<void> {
  const res = await fetch(`${url}/api/events/${eventId}/participants/${participantId}`, {
    method: 'PATCH',
    headers: { ...asOrganizer, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

describe('render cache on one process', () => {
  let server: Plenary;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    await server?.close();
  });

  it('answers a conditional GET with 304 on the API, the pages and the feeds, with fitting Cache-Control', async () => {
    for (const [path, cacheControl] of [
      [apiPath, 'public, no-cache'],
      [pagePath, 'public, no-cache'],
      [roomPath, 'public, no-cache'],
      [icsPath, 'public, no-cache'],
    ] as const) {
      const first = await get(`${server.url}${path}`);
      expect(first.status, path).toBe(200);
      const etag = first.headers.get('etag') ?? '';
      expect(etag, path).toMatch(/^"[A-Za-z0-9_-]+"$/); // strong
      expect(first.headers.get('cache-control'), path).toBe(cacheControl);
      expect(first.headers.get('vary'), path).toContain('Accept-Encoding');
      const again = await get(`${server.url}${path}`, { 'if-none-match': etag });
      expect(again.status, path).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers.get('etag')).toBe(etag);
      // With no-cache too (fetch and calendar clients add it).
      expect((await get(`${server.url}${path}`, { 'if-none-match': `"other", ${etag}`, 'cache-control': 'no-cache' })).status).toBe(304);
      expect((await get(`${server.url}${path}`, { 'if-none-match': '"other"' })).status).toBe(200);
    }
    const feed = await get(`${server.url}${icsPath}`);
    const lastModified = feed.headers.get('last-modified') ?? '';
    expect(Date.parse(lastModified)).toBeGreaterThan(0);
    expect((await get(`${server.url}${icsPath}`, { 'if-modified-since': lastModified })).status).toBe(304);
    // An anonymous page sets no CSRF cookie and carries no token: one response for every anonymous viewer.
    const anonymous = await get(`${server.url}${pagePath}`);
    expect(anonymous.headers.getSetCookie()).toEqual([]);
    expect(anonymous.text).not.toContain('csrf-token');
  });

  it('answers repeated anonymous requests (the lean path) with the bytes and every header the full stack sent', async () => {
    for (const path of [apiPath, pagePath, roomPath, icsPath]) {
      const first = await get(`${server.url}${path}`, { 'accept-language': 'fr' });
      for (let i = 0; i < 2; i += 1) {
        const again = await get(`${server.url}${path}`, { 'accept-language': 'fr' });
        expect(again.body.equals(first.body), path).toBe(true);
        const headers = (h: Headers) => Object.fromEntries([...h].filter(([name]) => name !== 'date'));
        expect(headers(again.headers), path).toEqual(headers(first.headers));
        expect(again.headers.get('content-security-policy'), path).toContain("default-src 'self'");
        expect(again.headers.get('x-content-type-options'), path).toBe('nosniff');
      }
    }
  });

  it('serves brotli and gzip variants that decode to the same bytes', async () => {
    const browser = new Browser(await signInCookie((await invite(server, { name: 'Compressed Reader' })).link));
    await browser.page(`${server.url}${pagePath}`); // takes the CSRF cookie, so the token (and the page) stays the same
    for (const path of [apiPath, pagePath, roomPath, icsPath]) {
      for (const headers of [{}, { cookie: browser.header() }] as Record<string, string>[]) {
        const plain = await get(`${server.url}${path}`, headers);
        const br = await get(`${server.url}${path}`, { ...headers, 'accept-encoding': 'gzip, deflate, br' });
        expect(br.headers.get('content-encoding'), path).toBe('br');
        expect(br.body.length).toBeLessThan(plain.body.length);
        expect(zlib.brotliDecompressSync(br.body).equals(plain.body), path).toBe(true);
        const gz = await get(`${server.url}${path}`, { ...headers, 'accept-encoding': 'gzip' });
        expect(gz.headers.get('content-encoding'), path).toBe('gzip');
        expect(zlib.gunzipSync(gz.body).equals(plain.body), path).toBe(true);
        // The same representation whatever the encoding: one ETag.
        expect(br.headers.get('etag')).toBe(plain.headers.get('etag'));
        expect((await get(`${server.url}${path}`, { ...headers, 'accept-encoding': 'br;q=0, gzip;q=0' })).headers.get('content-encoding')).toBeNull();
      }
    }
  });

  it('changes after a programme edit and after a status change', async () => {
    const before = await get(`${server.url}${apiPath}`);
    const page = await get(`${server.url}${pagePath}`);
    const room = await get(`${server.url}${roomPath}`);
    const feed = await get(`${server.url}${icsPath}`);
    await patchSession(server.url, 'opening', { title: { en: 'Opening as edited', zh: '开幕（已改）' } });
    const after = await get(`${server.url}${apiPath}`, { 'if-none-match': before.headers.get('etag') ?? '' });
    expect(after.status).toBe(200);
    expect(after.text).toContain('Opening as edited');
    for (const [path, old] of [[pagePath, page], [roomPath, room], [icsPath, feed]] as const) {
      const res = await get(`${server.url}${path}`, { 'if-none-match': old.headers.get('etag') ?? '', 'accept-language': 'en' });
      expect(res.status, path).toBe(200);
      expect(res.text, path).toContain('Opening as edited');
    }

    const quiet = await get(`${server.url}${roomPath}`);
    expect(quiet.text).not.toContain('data-status="live"');
    await patchSession(server.url, 'opening', { status: 'live' });
    const live = await get(`${server.url}${roomPath}`, { 'if-none-match': quiet.headers.get('etag') ?? '' });
    expect(live.status).toBe(200);
    expect(live.text).toContain('data-status="live"');
    const api = JSON.parse((await get(`${server.url}${apiPath}`)).text) as { sessions: { id: string; status: string; timing: string }[] };
    expect(api.sessions.find((s) => s.id === 'opening')).toMatchObject({ status: 'live', timing: 'now' });
  });

  it("keeps one viewer's name, CSRF token and stars out of another's page", async () => {
    const alice = await invite(server, { name: 'Alice Uniquename' });
    const bob = await invite(server, { name: 'Bob Othername' });
    const a = new Browser(await signInCookie(alice.link));
    const b = new Browser(await signInCookie(bob.link));
    const star = await fetch(`${server.url}/api/events/${eventId}/bookmarks/thematic-1`, { method: 'PUT', headers: { authorization: `Bearer ${alice.token}` } });
    expect(star.status).toBe(200);

    const pageA = await a.page(`${server.url}${pagePath}`);
    const pageB = await b.page(`${server.url}${pagePath}`);
    const roomA = await a.page(`${server.url}${roomPath}`);
    const roomB = await b.page(`${server.url}${roomPath}`);
    expect(pageA.csrf).not.toBe('');
    expect(pageB.csrf).not.toBe('');
    expect(pageA.csrf).not.toBe(pageB.csrf);
    for (const [mine, theirs, name, otherName] of [
      [pageA, pageB, 'Alice Uniquename', 'Bob Othername'],
      [pageB, pageA, 'Bob Othername', 'Alice Uniquename'],
      [roomA, roomB, 'Alice Uniquename', 'Bob Othername'],
      [roomB, roomA, 'Bob Othername', 'Alice Uniquename'],
    ] as const) {
      expect(mine.html).toContain(name);
      expect(mine.html).not.toContain(otherName);
      expect(mine.html).not.toContain(theirs.csrf);
      // Every form on the page carries the viewer's own token.
      const tokens = [...mine.html.matchAll(/name="_csrf" value="([^"]*)"/g)].map((m) => m[1]);
      expect(tokens.length).toBeGreaterThan(0);
      expect(new Set(tokens)).toEqual(new Set([mine.csrf]));
    }
    const pressed = (html: string) => [...html.matchAll(/data-session-id="([^"]+)">\s*<input[^]*?aria-pressed="(true|false)"/g)].filter((m) => m[2] === 'true').map((m) => m[1]);
    expect(pressed(pageA.html)).toEqual(['thematic-1']);
    expect(pressed(pageB.html)).toEqual([]);
    // Their starring does not reach Bob; un-starring reaches Alice at once.
    await fetch(`${server.url}/api/events/${eventId}/bookmarks/thematic-1`, { method: 'DELETE', headers: { authorization: `Bearer ${alice.token}` } });
    expect(pressed((await a.page(`${server.url}${pagePath}`)).html)).toEqual([]);

    const anonymous = (await get(`${server.url}${pagePath}`)).text;
    for (const secret of ['Alice Uniquename', 'Bob Othername', pageA.csrf, pageB.csrf]) expect(anonymous).not.toContain(secret);

    // A personal page is private, and answers 304 to its own viewer only.
    const resA = await a.fetch(`${server.url}${pagePath}`, { headers: { accept: 'text/html' } });
    expect(resA.headers.get('cache-control')).toBe('private, no-cache');
    const etagA = resA.headers.get('etag') ?? '';
    expect((await a.fetch(`${server.url}${pagePath}`, { headers: { accept: 'text/html', 'if-none-match': etagA } })).status).toBe(304);
    expect((await b.fetch(`${server.url}${pagePath}`, { headers: { accept: 'text/html', 'if-none-match': etagA } })).status).toBe(200);
  });

  it("changes after a viewer's role change", async () => {
    const carol = await invite(server, { name: 'Carol Rolechange' });
    const dave = await invite(server, { name: 'Dave Unchanged' });
    const c = new Browser(await signInCookie(carol.link));
    const d = new Browser(await signInCookie(dave.link));
    const consoleLink = `/events/${eventId}/console/sessions`;
    expect((await c.page(`${server.url}${pagePath}`)).html).not.toContain(consoleLink);
    expect((await d.page(`${server.url}${pagePath}`)).html).not.toContain(consoleLink);
    await patchParticipant(server.url, carol.participant.id, { organizer: true });
    expect((await c.page(`${server.url}${pagePath}`)).html).toContain(consoleLink);
    expect((await d.page(`${server.url}${pagePath}`)).html).not.toContain(consoleLink);
    await patchParticipant(server.url, carol.participant.id, { organizer: false });
    expect((await c.page(`${server.url}${pagePath}`)).html).not.toContain(consoleLink);
  });
});

if (!hasRedis) console.warn(`SKIPPED: the cross-process render cache test needs ${redisServerPath} (Debian package "redis-server").`);

describe.skipIf(!hasRedis)('render cache across processes (Redis)', () => {
  let cluster: ServerCluster;

  beforeAll(async () => {
    cluster = await startServerCluster(2);
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('a programme edit, a status change and a role change on A reach what B serves', async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    const erin = await invite({ url: urlA }, { name: 'Erin Crossprocess' });
    const e = new Browser(await signInCookie(`${urlB}${new URL(erin.link).pathname}`));
    // Warm B's cache.
    const api = await get(`${urlB}${apiPath}`);
    const feed = await get(`${urlB}${icsPath}`);
    const room = await get(`${urlB}${roomPath}`);
    expect((await e.page(`${urlB}${pagePath}`)).html).not.toContain(`/events/${eventId}/console/sessions`);
    expect((await get(`${urlB}${apiPath}`)).headers.get('etag')).toBe(api.headers.get('etag'));

    await patchSession(urlA, 'thematic-1', { title: { en: 'Edited on A', zh: '在甲上修改' } });
    await waitFor(async () => (await get(`${urlB}${apiPath}`)).text.includes('Edited on A'));
    await waitFor(async () => (await get(`${urlB}${icsPath}`, { 'if-none-match': feed.headers.get('etag') ?? '' })).text.includes('Edited on A'));

    await patchSession(urlA, 'opening', { status: 'live' });
    await waitFor(async () => {
      const res = await get(`${urlB}${roomPath}`, { 'if-none-match': room.headers.get('etag') ?? '' });
      return res.status === 200 && res.text.includes('data-status="live"');
    });

    await patchParticipant(urlA, erin.participant.id, { organizer: true });
    await waitFor(async () => (await e.page(`${urlB}${pagePath}`)).html.includes(`/events/${eventId}/console/sessions`));
  }, 30_000);
});
