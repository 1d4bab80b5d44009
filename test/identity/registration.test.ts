import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, Browser, eventId, uniqueEmail } from '../support/identity.ts';
import { getJson, startTestServer } from '../support/server.ts';

interface Registered {
  participant: { id: string; status: string; group: string; country: string; language: string; statusReason: string | null };
  token?: string;
  link?: string;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { issues: { path: string }[] } };
}

describe('registration', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer({}, { rateLimits: { registration: { limit: 1000, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await server.close();
  });

  const register = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    getJson<Registered & ErrorBody>(`${server.url}/api/events/${eventId}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ name: 'Registrant', email: uniqueEmail('reg'), organization: 'Org', country: 'ch', ...body }),
    });

  it.each(['government', 'employers', 'workers', 'international_organization'])('admits %s at once, with a sign-in token', async (group) => {
    const res = await register({ group });
    expect(res.status).toBe(201);
    expect(res.body.participant).toMatchObject({ status: 'approved', group, country: 'CH' });
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.body.link).toBe(`${server.url}/i/${res.body.token}`);
    const me = await getJson<{ caller: { kind: string; participant?: { id: string } } }>(`${server.url}/api/me`, { headers: { authorization: `Bearer ${res.body.token}` } });
    expect(me.body.caller).toMatchObject({ kind: 'participant', participant: { id: res.body.participant.id } });
  });

  it('keeps "other" waiting for approval, without a token', async () => {
    const res = await register({ group: 'other' });
    expect(res.status).toBe(201);
    expect(res.body.participant.status).toBe('pending');
    expect(res.body.token).toBeUndefined();
    expect(res.body.link).toBeUndefined();
  });

  it('refuses a second registration with the same e-mail in any letter case (409 duplicate_registration)', async () => {
    const email = uniqueEmail('Twice');
    expect((await register({ group: 'workers', email })).status).toBe(201);
    const again = await register({ group: 'employers', email: `  ${email.toUpperCase()} ` });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('duplicate_registration');
  });

  it('lets the same address register once per event even when two requests race', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all([register({ group: 'workers', email }), register({ group: 'workers', email }), register({ group: 'workers', email })]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
  });

  it.each([
    ['a country that is not ISO 3166-1 alpha-2', { country: 'ZZ' }, 'country'],
    ['a region that is not a country', { country: 'EU' }, 'country'],
    ['an unknown group', { group: 'journalists' }, 'group'],
    ['a bad e-mail', { email: 'not-an-address' }, 'email'],
    ['a name with a line break', { name: 'A\nB' }, 'name'],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
    ['an unknown gender value', { gender: 'robot' }, 'gender'],
  ])('refuses %s with invalid_body naming the field', async (_what, fields, field) => {
    const res = await register({ group: 'workers', ...fields });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_body');
    expect(res.body.error.details?.issues.map((i) => i.path)).toContain(field);
  });

  it('answers 404 event_not_found for an unknown event', async () => {
    const res = await getJson<ErrorBody>(`${server.url}/api/events/no-such-event/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'A', email: uniqueEmail(), organization: 'O', country: 'CH', group: 'workers' }),
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('event_not_found');
  });

  it('lets an organiser approve a pending registration, which issues a token', async () => {
    const { body } = await register({ group: 'other' });
    const pending = await getJson<{ participants: { id: string }[] }>(`${server.url}/api/events/${eventId}/participants?status=pending`, { headers: asOrganizer });
    expect(pending.body.participants.map((p) => p.id)).toContain(body.participant.id);

    const res = await getJson<Registered>(`${server.url}/api/events/${eventId}/participants/${body.participant.id}`, {
      method: 'PATCH',
      headers: { ...asOrganizer, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'approved' }),
    });
    expect(res.status).toBe(200);
    expect(res.body.participant.status).toBe('approved');
    expect(res.body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const me = await getJson<{ caller: { kind: string } }>(`${server.url}/api/me`, { headers: { authorization: `Bearer ${res.body.token}` } });
    expect(me.body.caller.kind).toBe('participant');
  });

  it('lets an organiser reject with a reason, which shuts the participant out with not_approved', async () => {
    const { body } = await register({ group: 'workers' });
    const res = await getJson<Registered>(`${server.url}/api/events/${eventId}/participants/${body.participant.id}`, {
      method: 'PATCH',
      headers: { ...asOrganizer, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'rejected', reason: 'Not a constituent of this forum.' }),
    });
    expect(res.status).toBe(200);
    expect(res.body.participant).toMatchObject({ status: 'rejected', statusReason: 'Not a constituent of this forum.' });
    const bookmark = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/bookmarks/opening`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${body.token}` },
    });
    expect(bookmark.status).toBe(403);
    expect(bookmark.body.error.code).toBe('not_approved');
  });

  describe('the registration page (no JavaScript)', () => {
    it('is an accessible form in English and Chinese', async () => {
      for (const [lang, heading, label] of [
        ['en', 'Register', 'Full name'],
        ['zh', '注册', '姓名'],
      ] as const) {
        const page = await new Browser().page(`${server.url}/events/${eventId}/register?lang=${lang}`);
        expect(page.status).toBe(200);
        expect(page.html).toContain(`<h1>${heading}</h1>`);
        expect(page.html).toContain(`<label for="field-name">${label}`);
        expect(page.html).toContain('<form class="participant-form" method="post" action="/events/global-forum-2022/register"');
        expect(page.html).toMatch(/<input type="hidden" name="_csrf" value="[^"]+">/);
        for (const field of ['email', 'organization', 'country', 'gender', 'timeZone']) expect(page.html).toContain(`for="field-${field}"`);
        expect(page.html).toContain('<legend>');
        expect(page.html).not.toMatch(/<script>(?!<\/script>)|style="/);
      }
    });

    it('shows what to fix in an alert, keeping what was typed', async () => {
      const browser = new Browser();
      const { csrf } = await browser.page(`${server.url}/events/${eventId}/register`);
      const res = await browser.postForm(`${server.url}/events/${eventId}/register`, {
        _csrf: csrf,
        name: 'Keep Me',
        email: 'nope',
        organization: 'Org',
        country: 'XX',
        group: 'workers',
      });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toMatch(/class="error-summary" role="alert"/);
      expect(html).toContain('href="#field-email"');
      expect(html).toContain('href="#field-country"');
      expect(html).toMatch(/id="field-email"[^>]*aria-invalid="true"/);
      expect(html).toContain('value="Keep Me"');
    });

    it('signs a constituent in at once and keeps "other" waiting', async () => {
      const browser = new Browser();
      const { csrf } = await browser.page(`${server.url}/events/${eventId}/register`);
      const email = uniqueEmail('form');
      const res = await browser.postForm(`${server.url}/events/${eventId}/register`, {
        _csrf: csrf,
        name: 'Form Person',
        email,
        organization: 'Trade Union',
        country: 'BR',
        group: 'workers',
        gender: 'female',
        language: 'zh',
        timeZone: 'America/Sao_Paulo',
      });
      expect(res.status).toBe(201);
      const html = await res.text();
      expect(html).toContain('this browser is signed in');
      expect(browser.cookies.has('plenary_session')).toBe(true);
      const me = await (await browser.fetch(`${server.url}/api/me`)).json();
      expect(me.caller.participant).toMatchObject({ email, group: 'workers', gender: 'female', language: 'zh', timeZone: 'America/Sao_Paulo', status: 'approved' });
      // The page's own sign-out form works for the new session (its CSRF token was re-bound).
      const csrfAfter = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
      const out = await browser.postForm(`${server.url}/signout`, { _csrf: csrfAfter });
      expect(out.status).toBe(303);

      const other = new Browser();
      const form = await other.page(`${server.url}/events/${eventId}/register`);
      const pending = await other.postForm(`${server.url}/events/${eventId}/register`, {
        _csrf: form.csrf,
        name: 'NGO Person',
        email: uniqueEmail('ngo'),
        organization: 'NGO',
        country: 'KE',
        group: 'other',
      });
      expect(pending.status).toBe(201);
      expect(await pending.text()).toContain('waiting for an organiser’s approval');
      expect(other.cookies.has('plenary_session')).toBe(false);
    });

    it('says so when the e-mail is taken', async () => {
      const email = uniqueEmail('taken');
      await register({ group: 'workers', email });
      const browser = new Browser();
      const { csrf } = await browser.page(`${server.url}/events/${eventId}/register?lang=zh`);
      const res = await browser.postForm(`${server.url}/events/${eventId}/register`, { _csrf: csrf, name: 'Again', email, organization: 'O', country: 'CN', group: 'workers' });
      expect(res.status).toBe(409);
      expect(await res.text()).toContain('此邮箱已注册本次活动');
    });
  });
});

describe('rate limits', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer({}, { rateLimits: { registration: { limit: 2, windowMs: 60_000 }, signIn: { limit: 2, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses a third registration from one address with 429 rate_limited', async () => {
    const statuses: number[] = [];
    let last: ErrorBody | undefined;
    for (let i = 0; i < 3; i++) {
      const res = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'R', email: uniqueEmail('rl'), organization: 'O', country: 'CH', group: 'workers' }),
      });
      statuses.push(res.status);
      last = res.body;
    }
    expect(statuses).toEqual([201, 201, 429]);
    expect(last?.error.code).toBe('rate_limited');
  });

  it('limits sign-in attempts by link too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${server.url}/i/${'x'.repeat(43)}`, { redirect: 'manual', headers: { accept: 'application/json' } })).status);
    expect(statuses).toEqual([401, 401, 429]);
  });
});
