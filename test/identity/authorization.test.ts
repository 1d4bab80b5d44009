import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { Browser, eventId, invite, signInCookie, type Invited } from '../support/identity.ts';
import { getJson, startTestServer } from '../support/server.ts';

interface ErrorBody {
  error?: { code: string; message: string };
}

type Who = 'anonymous' | 'delegate' | 'moderator of another session' | 'pending';

/**
 * Every organiser-only route of the identity module, tried by callers who
 * are not organisers: refused with 401/403 and a stable code, and nothing
 * changes.
 */
describe('authorisation matrix of the identity routes', () => {
  let server: Plenary;
  let target: Invited;
  let delegate: Invited;
  let moderator: Invited;
  let pendingToken: string;
  const browsers = new Map<Who, Browser>();

  beforeAll(async () => {
    server = await startTestServer();
    target = await invite(server, { name: 'Target' });
    delegate = await invite(server, { name: 'Plain Delegate' });
    moderator = await invite(server, { name: 'Moderator Elsewhere', roles: [{ sessionId: 'thematic-1', role: 'moderator' }] });
    // A pending participant who got a token before being sent back to "pending".
    const reg = await invite(server, { name: 'Pending Later', group: 'other' });
    await getJson(`${server.url}/api/events/${eventId}/participants/${reg.participant.id}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer test-organizer-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'pending' }),
    });
    pendingToken = reg.token;
    browsers.set('anonymous', new Browser());
    browsers.set('delegate', new Browser(await signInCookie(delegate.link)));
    browsers.set('moderator of another session', new Browser(await signInCookie(moderator.link)));
    browsers.set('pending', new Browser(await signInCookie(reg.link)));
  });
  afterAll(async () => {
    await server.close();
  });

  const bearer = (who: Who): Record<string, string> => {
    if (who === 'anonymous') return {};
    const token = who === 'delegate' ? delegate.token : who === 'pending' ? pendingToken : moderator.token;
    return { authorization: `Bearer ${token}` };
  };
  const expected: Record<Who, [number, string]> = {
    anonymous: [401, 'unauthenticated'],
    delegate: [403, 'not_organizer'],
    'moderator of another session': [403, 'not_organizer'],
    pending: [403, 'not_approved'],
  };
  const whos = Object.keys(expected) as Who[];

  const api = (): [string, string, unknown?][] => [
    ['GET', `/api/events/${eventId}/participants`],
    ['POST', `/api/events/${eventId}/participants`, { name: 'Sneaky', email: 'sneaky@example.org', organization: 'O', country: 'CH', group: 'government', organizer: true }],
    ['GET', `/api/events/${eventId}/participants.csv`],
    ['POST', `/api/events/${eventId}/invitations.csv`],
    ['GET', `/api/events/${eventId}/participants/${target.participant.id}`],
    ['PATCH', `/api/events/${eventId}/participants/${target.participant.id}`, { organizer: true }],
    ['PATCH', `/api/events/${eventId}/participants/${delegate.participant.id}`, { roles: [{ sessionId: 'opening', role: 'moderator' }] }],
    ['DELETE', `/api/events/${eventId}/participants/${target.participant.id}`],
    ['POST', `/api/events/${eventId}/participants/${target.participant.id}/invitation`],
  ];

  it.each(whos)('refuses every organiser-only API route to %s (bearer token)', async (who) => {
    for (const [method, route, body] of api()) {
      const res = await getJson<ErrorBody>(`${server.url}${route}`, {
        method,
        headers: { ...bearer(who), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect([method, route, res.status, res.body?.error?.code]).toEqual([method, route, ...expected[who]]);
    }
  });

  const pages = (): [string, string, Record<string, string>][] => [
    ['GET', `/events/${eventId}/console/participants`, {}],
    ['POST', `/events/${eventId}/console/participants/invite`, { name: 'Sneaky', email: 'sneaky2@example.org', organization: 'O', country: 'CH', group: 'government', organizer: 'true' }],
    ['POST', `/events/${eventId}/console/participants/invitations.csv`, {}],
    ['POST', `/events/${eventId}/console/participants/${target.participant.id}/status`, { status: 'rejected', reason: 'x' }],
    ['POST', `/events/${eventId}/console/participants/${delegate.participant.id}/roles`, { op: 'add', sessionId: 'opening', role: 'moderator' }],
    ['POST', `/events/${eventId}/console/participants/${delegate.participant.id}/organizer`, { organizer: 'true' }],
    ['POST', `/events/${eventId}/console/participants/${delegate.participant.id}/head-of-state`, { headOfState: 'true' }],
    ['POST', `/events/${eventId}/console/participants/${target.participant.id}/revoke`, {}],
    ['POST', `/events/${eventId}/console/participants/${target.participant.id}/invitation`, {}],
  ];

  it.each(whos)('refuses the participants console and each of its forms to %s (browser session, valid CSRF token)', async (who) => {
    const browser = browsers.get(who) ?? new Browser();
    const { csrf } = await browser.page(`${server.url}/events/${eventId}`);
    for (const [method, route, fields] of pages()) {
      const res =
        method === 'GET'
          ? await browser.fetch(`${server.url}${route}`, { headers: { accept: 'text/html' } })
          : await browser.postForm(`${server.url}${route}`, { _csrf: csrf, ...fields });
      const html = await res.text();
      expect([route, res.status]).toEqual([route, expected[who][0]]);
      expect(html).toContain('<h1>');
      expect(html).not.toContain('Target</h3>');
    }
  });

  it('refuses the agenda to nobody and to the organiser token, which is nobody in particular', async () => {
    for (const [headers, status, code] of [
      [{}, 401, 'unauthenticated'],
      [{ authorization: 'Bearer test-organizer-token-0123456789' }, 403, 'forbidden'],
      [{ authorization: `Bearer ${pendingToken}` }, 403, 'not_approved'],
    ] as const) {
      for (const [method, route] of [
        ['GET', `/api/events/${eventId}/bookmarks`],
        ['PUT', `/api/events/${eventId}/bookmarks/opening`],
        ['DELETE', `/api/events/${eventId}/bookmarks/opening`],
        ['POST', `/api/events/${eventId}/agenda/calendar-token`],
      ]) {
        const res = await getJson<ErrorBody>(`${server.url}${route}`, { method, headers });
        expect([route, res.status, res.body?.error?.code]).toEqual([route, status, code]);
      }
    }
    const page = await fetch(`${server.url}/events/${eventId}/agenda`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(401);
  });

  it('changed nothing: the target still signs in, no one was promoted or invited', async () => {
    const me = await getJson<{ caller: { kind: string } }>(`${server.url}/api/me`, { headers: { authorization: `Bearer ${target.token}` } });
    expect(me.body.caller.kind).toBe('participant');
    const all = await getJson<{ participants: { name: string; organizer: boolean; roles: unknown[]; status: string }[] }>(`${server.url}/api/events/${eventId}/participants`, {
      headers: { authorization: 'Bearer test-organizer-token-0123456789' },
    });
    expect(all.body.participants.filter((p) => p.organizer).map((p) => p.name)).toEqual(['Organiser']);
    expect(all.body.participants.some((p) => p.name === 'Sneaky')).toBe(false);
    expect(all.body.participants.find((p) => p.name === 'Plain Delegate')?.roles).toEqual([]);
    expect(all.body.participants.find((p) => p.name === 'Target')?.status).toBe('approved');
  });
});
