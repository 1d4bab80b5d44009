import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { eventId, uniqueEmail } from '../support/identity.ts';
import { startTestServer } from '../support/server.ts';

/**
 * Registration signs the browser in, so a hostile page posting the form
 * cross-site could sign a visitor in as someone the attacker chose.
 */
describe('cross-site forms without a session (login CSRF)', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer({}, { rateLimits: { registration: { limit: 1000, windowMs: 60_000 } } });
  });
  afterAll(async () => {
    await server.close();
  });

  const post = (headers: Record<string, string>) =>
    fetch(`${server.url}/events/${eventId}/register`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
      body: new URLSearchParams({ name: 'Someone', email: uniqueEmail('csrf'), organization: 'Org', country: 'FR', group: 'workers', language: 'en' }).toString(),
    });

  it('refuses a registration form posted from another site, and signs nobody in', async () => {
    const attempts: Record<string, string>[] = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }];
    for (const headers of attempts) {
      const res = await post(headers);
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.get('set-cookie') ?? '').not.toMatch(/session/i);
    }
  });

  it('accepts the same form from this site', async () => {
    const res = await post({ origin: server.url, 'sec-fetch-site': 'same-origin' });
    expect(res.status).toBeLessThan(400);
  });
});
