import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, repoRoot } from '../../server/http/app.ts';
import { Views } from '../../server/http/views.ts';
import { anonymous } from '../../server/identity/caller.ts';
import { createLogger } from '../../server/logger.ts';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, Browser, eventId, invite, signInCookie, uniqueEmail } from '../support/identity.ts';
import { getJson, startTestServer } from '../support/server.ts';

const hstsPattern = /^max-age=\d{7,}; includeSubDomains$/;

/** The bare application (no store, no routes but one) on a free port. */
async function bareApp(https: boolean, trustProxy = 0): Promise<{ url: string; close: () => Promise<void> }> {
  const router = Router();
  router.get('/page', (_req, res) => {
    res.type('html').send('<p>page</p>');
  });
  const app = createApp({
    logger: createLogger('silent'),
    views: new Views(path.join(repoRoot, 'templates')),
    routers: [router],
    callers: { fromToken: async () => anonymous, fromHeaders: async () => anonymous },
    https,
    trustProxy,
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('Strict-Transport-Security', () => {
  it('is sent on every kind of response when the public URL is https', async () => {
    const app = await bareApp(true);
    try {
      for (const route of ['/page', '/healthz', '/api/nothing-here', '/no-such-page']) {
        const res = await fetch(`${app.url}${route}`, { headers: { accept: 'text/html' } });
        expect(res.headers.get('strict-transport-security'), route).toMatch(hstsPattern);
      }
    } finally {
      await app.close();
    }
  });

  it('is sent when a trusted proxy says the request came over https, and not when it came over http', async () => {
    const app = await bareApp(false, 1);
    try {
      const overTls = await fetch(`${app.url}/page`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(overTls.headers.get('strict-transport-security')).toMatch(hstsPattern);
      const plain = await fetch(`${app.url}/page`, { headers: { 'x-forwarded-proto': 'http' } });
      expect(plain.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('is not sent over plain http, nor on the word of a proxy that is not trusted', async () => {
    const app = await bareApp(false);
    try {
      expect((await fetch(`${app.url}/page`)).headers.get('strict-transport-security')).toBeNull();
      expect((await fetch(`${app.url}/page`, { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBeNull();
    } finally {
      await app.close();
    }
  });

  it('is sent by a server whose PUBLIC_URL is https (behind a TLS-terminating proxy)', async () => {
    const server = await startTestServer({ PUBLIC_URL: 'https://forum.example' });
    try {
      for (const route of ['/healthz', `/events/${eventId}`, '/api/events']) {
        expect((await fetch(`http://127.0.0.1:${server.port}${route}`)).headers.get('strict-transport-security'), route).toMatch(hstsPattern);
      }
    } finally {
      await server.close();
    }
  });

  it('is not sent by a server on plain http (the default local set-up)', async () => {
    const server = await startTestServer();
    try {
      expect((await fetch(`${server.url}/healthz`)).headers.get('strict-transport-security')).toBeNull();
    } finally {
      await server.close();
    }
  });
});

describe('responses that carry a token are never cached', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const json = { ...asOrganizer, 'content-type': 'application/json' };

  it('POST …/participants (the new participant’s token and link)', async () => {
    const res = await getJson<{ token: string }>(`${server.url}/api/events/${eventId}/participants`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'Cached?', email: uniqueEmail('ns'), organization: 'O', country: 'CH', group: 'workers' }),
    });
    expect(res.status).toBe(201);
    expect(res.body.token).toBeDefined();
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('POST …/registrations (approved at once: the token), and a pending one alike', async () => {
    for (const group of ['workers', 'other']) {
      const res = await getJson(`${server.url}/api/events/${eventId}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Self', email: uniqueEmail('ns'), organization: 'O', country: 'CH', group }),
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control'), group).toBe('no-store');
    }
  });

  it('PATCH …/participants/:id approving someone (answers with their new token)', async () => {
    const pending = await getJson<{ participant: { id: string } }>(`${server.url}/api/events/${eventId}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Waiting', email: uniqueEmail('ns'), organization: 'NGO', country: 'FR', group: 'other' }),
    });
    const res = await getJson<{ token?: string }>(`${server.url}/api/events/${eventId}/participants/${pending.body.participant.id}`, {
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ status: 'approved' }),
    });
    expect(res.status).toBe(200);
    expect(res.body.token).toBeDefined();
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('POST …/participants/:id/invitation (a reissued token)', async () => {
    const p = await invite(server, { name: 'Reissued' });
    const res = await fetch(`${server.url}/api/events/${eventId}/participants/${p.participant.id}/invitation`, { method: 'POST', headers: asOrganizer });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('POST …/invitations.csv, from the API and from the console', async () => {
    const api = await fetch(`${server.url}/api/events/${eventId}/invitations.csv`, { method: 'POST', headers: asOrganizer });
    expect(api.status).toBe(200);
    expect(api.headers.get('cache-control')).toBe('no-store');
    const organizer = new Browser(await signInCookie(server.organizerLinks[0]?.link ?? ''));
    const page = await organizer.page(`${server.url}/events/${eventId}/console/participants`);
    const consoleCsv = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/invitations.csv`, { _csrf: page.csrf });
    expect(consoleCsv.status).toBe(200);
    expect(consoleCsv.headers.get('cache-control')).toBe('no-store');
  });

  it('the registration form’s answer (this browser is signed in; the page shows the link)', async () => {
    const browser = new Browser();
    const page = await browser.page(`${server.url}/events/${eventId}/register`);
    const res = await browser.postForm(`${server.url}/events/${eventId}/register`, {
      _csrf: page.csrf,
      name: 'Form Person',
      email: uniqueEmail('ns'),
      organization: 'O',
      country: 'CH',
      group: 'workers',
      language: 'en',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});
