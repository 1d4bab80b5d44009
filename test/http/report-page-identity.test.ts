import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, Browser, eventId, signInCookie } from '../support/identity.ts';
import { getJson, startTestServer } from '../support/server.ts';

const titleOf = (html: string): string => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '(no title element)';

describe('the speaking-time report page, like every page, knows who is looking', () => {
  let server: Plenary;
  let organizer: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    organizer = new Browser(await signInCookie(server.organizerLinks[0]?.link ?? ''));
  });
  afterAll(async () => {
    await server.close();
  });

  it('shows the signed-in organiser in the header, with the sign-out form and its CSRF token', async () => {
    const page = await organizer.page(`${server.url}/events/${eventId}/console/speaking-time`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('data-testid="signed-in-as">Signed in as Organiser<');
    expect(page.html).toContain('action="/signout"');
    expect(page.html).toContain(`href="/events/${eventId}/console/participants"`);
    expect(page.csrf).not.toBe('');
    expect(titleOf(page.html)).toBe('Speaking time · Plenary');
  });

  it('signs out from the report page with the token it rendered', async () => {
    const browser = new Browser(await signInCookie((await organizerInvite(server)).link));
    const page = await browser.page(`${server.url}/events/${eventId}/console/speaking-time`);
    const out = await browser.postForm(`${server.url}/signout`, { _csrf: page.csrf });
    expect(out.status).toBe(303);
    expect(browser.cookies.has('plenary_session')).toBe(false);
  });

  it('still refuses the page to someone who is not an organiser', async () => {
    const res = await fetch(`${server.url}/events/${eventId}/console/speaking-time`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(401);
  });
});

async function organizerInvite(server: Plenary): Promise<{ link: string }> {
  const res = await getJson<{ link: string }>(`${server.url}/api/events/${eventId}/participants`, {
    method: 'POST',
    headers: { ...asOrganizer, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Second Organiser', email: `second-organiser-${process.pid}@example.org`, organization: 'ILO', country: 'CH', group: 'international_organization', organizer: true }),
  });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status}`);
  return res.body;
}
