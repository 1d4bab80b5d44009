import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loggablePath } from '../../server/logger.ts';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, Browser, eventId, invite, signInCookie } from '../support/identity.ts';
import { getJson, startTestServer, tempDir } from '../support/server.ts';

interface ErrorBody {
  error: { code: string; message: string };
}
interface Me {
  caller: { kind: string; participant?: { id: string; name: string; organizer: boolean } };
}

/** Everything the server logged, as text (at trace level, so nothing is filtered out). */
function captureLogs(): { logger: ReturnType<typeof createLogger>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger('trace', stream), text: () => chunks.join('') };
}

describe('sign-in by invitation link, bearer token and session cookie', () => {
  let server: Plenary;
  let dataDir: string;
  const logs = captureLogs();
  const secrets: string[] = [];

  beforeAll(async () => {
    dataDir = tempDir();
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir }, { logger: logs.logger });
  });
  afterAll(async () => {
    await server.close();
  });

  const me = (headers: Record<string, string>) => getJson<Me>(`${server.url}/api/me`, { headers });

  it('invites with a token and a link; the link signs a browser in with an httpOnly, SameSite=Lax cookie', async () => {
    const invited = await invite(server, { name: 'Link User', roles: [{ sessionId: 'opening', role: 'moderator' }] });
    secrets.push(invited.token);
    expect(invited.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(invited.link).toBe(`${server.url}/i/${invited.token}`);
    expect(invited.participant.roles).toEqual([{ sessionId: 'opening', role: 'moderator' }]);

    const res = await fetch(invited.link, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/events/${eventId}`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('plenary_session=')) ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    const value = cookie.split(';')[0]?.split('=')[1] ?? '';
    secrets.push(value);
    // The cookie is its own random session id, not the invitation token.
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(value).not.toBe(invited.token);

    expect((await me({ cookie: `plenary_session=${value}` })).body.caller).toMatchObject({ kind: 'participant', participant: { id: invited.participant.id } });
    expect((await me({ authorization: `Bearer ${invited.token}` })).body.caller).toMatchObject({ kind: 'participant', participant: { id: invited.participant.id } });
  });

  it('treats an unknown bearer token as nobody and refuses protected routes with 401 unauthenticated', async () => {
    expect((await me({ authorization: `Bearer ${'A'.repeat(43)}` })).body.caller.kind).toBe('anonymous');
    const res = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/bookmarks`, { headers: { authorization: `Bearer ${'A'.repeat(43)}` } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('shows a clear page for a link that does not work', async () => {
    const res = await fetch(`${server.url}/i/not-a-token`, { redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('This sign-in link is not valid');
  });

  it('revokes at once: bearer, cookie and link all stop working', async () => {
    const invited = await invite(server, { name: 'Soon Revoked' });
    secrets.push(invited.token);
    const cookie = await signInCookie(invited.link);
    expect((await me({ cookie })).body.caller.kind).toBe('participant');

    const revoke = await getJson<{ revoked: boolean }>(`${server.url}/api/events/${eventId}/participants/${invited.participant.id}`, { method: 'DELETE', headers: asOrganizer });
    expect(revoke.status).toBe(200);
    expect(revoke.body.revoked).toBe(true);

    const bearer = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/bookmarks`, { headers: { authorization: `Bearer ${invited.token}` } });
    expect(bearer.status).toBe(401);
    expect(bearer.body.error.code).toBe('token_revoked');
    const viaCookie = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/bookmarks`, { headers: { cookie } });
    expect(viaCookie.status).toBe(401);
    expect((await me({ cookie })).body.caller.kind).toBe('anonymous');
    const link = await fetch(invited.link, { redirect: 'manual' });
    expect(link.status).toBe(401);
    expect(await link.text()).toContain('withdrawn');
  });

  it('reissues an invitation: the new link works, the old one no longer does', async () => {
    const invited = await invite(server, { name: 'Reissued' });
    const again = await getJson<{ token: string; link: string }>(`${server.url}/api/events/${eventId}/participants/${invited.participant.id}/invitation`, { method: 'POST', headers: asOrganizer });
    secrets.push(invited.token, again.body.token);
    expect(again.status).toBe(201);
    expect(again.body.token).not.toBe(invited.token);
    expect((await me({ authorization: `Bearer ${again.body.token}` })).body.caller.kind).toBe('participant');
    expect((await me({ authorization: `Bearer ${invited.token}` })).body.caller.kind).toBe('anonymous');
  });

  it('signs out: the session ends, and the sign-out form needs its CSRF token', async () => {
    const invited = await invite(server, { name: 'Signing Out' });
    const browser = new Browser(await signInCookie(invited.link));
    const page = await browser.page(`${server.url}/events/${eventId}`);
    expect(page.html).toContain('action="/signout"');

    const forged = await browser.postForm(`${server.url}/signout`, {});
    expect(forged.status).toBe(403);
    expect((await (await browser.fetch(`${server.url}/api/me`)).json()).caller.kind).toBe('participant');

    const copy = `plenary_session=${browser.cookies.get('plenary_session')}`;
    const out = await browser.postForm(`${server.url}/signout`, { _csrf: page.csrf });
    expect(out.status).toBe(303);
    expect(browser.cookies.has('plenary_session')).toBe(false);
    // A copy of the old cookie no longer works either; the invitation link still signs in anew.
    expect((await me({ cookie: copy })).body.caller.kind).toBe('anonymous');
    expect((await me({ cookie: await signInCookie(invited.link) })).body.caller.kind).toBe('participant');
  });

  it('refuses roles in sessions the event does not have', async () => {
    const res = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/participants`, {
      method: 'POST',
      headers: { ...asOrganizer, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'X', email: 'x-roles@example.org', organization: 'O', country: 'CH', group: 'workers', roles: [{ sessionId: 'no-such-session', role: 'panelist' }] }),
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('session_not_found');
  });

  it('refuses an interpreter role without a language', async () => {
    const res = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/participants`, {
      method: 'POST',
      headers: { ...asOrganizer, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'X', email: 'x-interp@example.org', organization: 'O', country: 'CH', group: 'workers', roles: [{ sessionId: 'opening', role: 'interpreter' }] }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_body');
  });

  it('stores only hashes of tokens and session ids, and never logs them', async () => {
    const file = fs.readFileSync(path.join(dataDir, 'plenary.sqlite'));
    const wal = fs.existsSync(path.join(dataDir, 'plenary.sqlite-wal')) ? fs.readFileSync(path.join(dataDir, 'plenary.sqlite-wal')) : Buffer.alloc(0);
    const log = logs.text();
    expect(secrets.length).toBeGreaterThan(4);
    expect(log).toContain('signed in by link');
    for (const secret of secrets) {
      expect(file.includes(secret)).toBe(false);
      expect(wal.includes(secret)).toBe(false);
      expect(log).not.toContain(secret);
    }
    const credentials = await server.store.find<{ id: string }>('credentials');
    expect(credentials.length).toBeGreaterThan(0);
    for (const c of credentials) expect(c.id).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cuts the secret out of paths it logs', () => {
    expect(loggablePath('/i/abcDEF_123')).toBe('/i/[redacted]');
    expect(loggablePath('/calendar/agenda/abc.ics')).toBe('/calendar/agenda/[redacted]');
    expect(loggablePath('/events/x')).toBe('/events/x');
  });
});

describe('the first organiser', () => {
  it('is created on a fresh start with a one-time link that works once', async () => {
    const dataDir = tempDir();
    const server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    try {
      expect(server.organizerLinks).toHaveLength(1);
      const link = server.organizerLinks[0]?.link ?? '';
      expect(link).toMatch(new RegExp(`^${server.url}/i/[A-Za-z0-9_-]{43}$`));
      // Not a bearer token: it only signs a browser in.
      const bearer = await getJson<Me>(`${server.url}/api/me`, { headers: { authorization: `Bearer ${link.split('/i/')[1]}` } });
      expect(bearer.body.caller.kind).toBe('anonymous');

      const browser = new Browser(await signInCookie(link));
      const who = (await (await browser.fetch(`${server.url}/api/me`)).json()) as Me;
      expect(who.caller.participant).toMatchObject({ name: 'Organiser', organizer: true });
      expect((await browser.page(`${server.url}/events/${eventId}/console/participants`)).status).toBe(200);

      const second = await fetch(link, { redirect: 'manual' });
      expect(second.status).toBe(401);
      expect(await second.text()).toContain('already been used');
    } finally {
      await server.close();
    }
    // Restarting once an organiser has signed in prints no new link.
    const again = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    try {
      expect(again.organizerLinks).toEqual([]);
    } finally {
      await again.close();
    }
  });

  it('expires after 24 hours; a restart before anyone signed in prints another, and using one retires the others', async () => {
    const dataDir = tempDir();
    let now = Date.parse('2022-02-20T08:00:00Z');
    const clock = () => new Date(now);
    const first = await startTestServer({ PLENARY_DATA_DIR: dataDir }, { clock });
    const firstLink = first.organizerLinks[0]?.link ?? '';
    await first.close();

    const second = await startTestServer({ PLENARY_DATA_DIR: dataDir }, { clock });
    const secondLink = second.organizerLinks[0]?.link ?? '';
    expect(secondLink).not.toBe('');
    const tokenOf = (link: string) => link.split('/i/')[1] ?? '';
    expect(tokenOf(secondLink)).not.toBe(tokenOf(firstLink));
    await second.close();

    const third = await startTestServer({ PLENARY_DATA_DIR: dataDir }, { clock });
    try {
      now += 24 * 3600 * 1000 + 1;
      const late = await fetch(`${third.url}/i/${tokenOf(firstLink)}`, { redirect: 'manual' });
      expect(late.status).toBe(401);
      expect(await late.text()).toContain('expired');
      now -= 2;
      // Issued at the same instant as the first: not expired yet. Using it retires the third start's link.
      expect((await fetch(`${third.url}/i/${tokenOf(secondLink)}`, { redirect: 'manual' })).status).toBe(303);
      const retired = await fetch(third.organizerLinks[0]?.link ?? '', { redirect: 'manual' });
      expect(retired.status).toBe(401);
      expect(await retired.text()).toContain('withdrawn');
    } finally {
      await third.close();
    }
  });
});
