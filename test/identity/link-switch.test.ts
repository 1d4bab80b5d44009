import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { Browser, eventId, invite, signInCookie } from '../support/identity.ts';
import { startTestServer } from '../support/server.ts';

interface Me {
  caller: { kind: string; participant?: { id: string; name: string } };
}

/**
 * Login CSRF through an invitation link: any site can send a signed-in
 * victim's browser to /i/<the attacker's own token>. The victim must not be
 * switched silently to the attacker's account (then to ask, vote and speak
 * as the attacker); switching takes a same-origin, CSRF-checked form post.
 */
describe('opening an invitation link in a browser signed in as someone else', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const whoIs = async (browser: Browser): Promise<string | undefined> =>
    ((await (await browser.fetch(`${server.url}/api/me`)).json()) as Me).caller.participant?.name;

  /** A browser signed in as a fresh invitee. */
  const signedIn = async (name: string): Promise<Browser> => new Browser(await signInCookie((await invite(server, { name })).link));

  /** Navigating like a browser: a page request with the given fetch metadata. */
  const open = (browser: Browser, link: string, site?: string): Promise<Response> =>
    browser.fetch(link, { headers: { accept: 'text/html', ...(site ? { 'sec-fetch-site': site, 'sec-fetch-mode': 'navigate' } : {}) } });

  it.each([
    ['a cross-site navigation', 'cross-site'],
    ['a same-site navigation', 'same-site'],
    ['an address typed or opened from a mail program', 'none'],
    ['an older browser without fetch metadata', undefined],
  ])('asks first after %s, and keeps the session meanwhile', async (_how, site) => {
    const victim = await signedIn('Victim Delegate');
    const attacker = await invite(server, { name: 'Attacker' });
    const cookieBefore = victim.cookies.get('plenary_session');

    const res = await open(victim, attacker.link, site);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('plenary_session='))).toBe(false);
    const html = await res.text();
    expect(html).toContain('This browser is signed in as Victim Delegate.');
    expect(html).toContain('The link you opened signs in Attacker.');
    expect(html).toContain(`action="/i/${attacker.token}"`);
    expect(victim.cookies.get('plenary_session')).toBe(cookieBefore);
    expect(await whoIs(victim)).toBe('Victim Delegate');
  });

  it('refuses the switch without the confirmation page’s CSRF token, from this site or another', async () => {
    const victim = await signedIn('Victim Two');
    const attacker = await invite(server, { name: 'Attacker Two' });
    const forged: Record<string, string>[] = [{}, { 'sec-fetch-site': 'cross-site' }, { origin: 'https://evil.example' }];
    for (const headers of forged) {
      const res = await victim.fetch(attacker.link, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
        body: new URLSearchParams({ _csrf: 'forged' }).toString(),
      });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(res.headers.getSetCookie().some((c) => c.startsWith('plenary_session='))).toBe(false);
    }
    expect(await whoIs(victim)).toBe('Victim Two');
  });

  it('switches when the person confirms on the page, and ends the previous session', async () => {
    const browser = await signedIn('Shared Computer A');
    const other = await invite(server, { name: 'Shared Computer B' });
    const oldCookie = `plenary_session=${browser.cookies.get('plenary_session')}`;
    const page = await open(browser, other.link, 'cross-site');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    expect(csrf).not.toBe('');

    const res = await browser.postForm(other.link, { _csrf: csrf });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/events/${eventId}`);
    expect(await whoIs(browser)).toBe('Shared Computer B');
    const old = (await (await fetch(`${server.url}/api/me`, { headers: { cookie: oldCookie } })).json()) as Me;
    expect(old.caller.kind).toBe('anonymous');
  });

  it('does not use up a one-time link by asking, so it still works once confirmed', async () => {
    const fresh = await startTestServer();
    try {
      const organizerLink = fresh.organizerLinks[0]?.link ?? '';
      const browser = new Browser(await signInCookie((await invite(fresh, { name: 'Someone Else' })).link));
      const page = await browser.fetch(organizerLink, { headers: { accept: 'text/html', 'sec-fetch-site': 'cross-site' } });
      expect(page.status).toBe(200);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
      const res = await browser.postForm(organizerLink, { _csrf: csrf });
      expect(res.status).toBe(303);
      expect(((await (await browser.fetch(`${fresh.url}/api/me`)).json()) as Me).caller.participant?.name).toBe('Organiser');
    } finally {
      await fresh.close();
    }
  });

  it('signs a browser without a session in at once, even from another site (the first click on an e-mailed link)', async () => {
    const invited = await invite(server, { name: 'First Timer' });
    const browser = new Browser();
    const res = await open(browser, invited.link, 'cross-site');
    expect(res.status).toBe(303);
    expect(await whoIs(browser)).toBe('First Timer');
  });

  it('signs in at once over a session that has ended (signed out, revoked or expired cookie)', async () => {
    const invited = await invite(server, { name: 'Returning' });
    const browser = new Browser('plenary_session=' + 'A'.repeat(43));
    const res = await open(browser, invited.link, 'cross-site');
    expect(res.status).toBe(303);
    expect(await whoIs(browser)).toBe('Returning');
  });

  it('signs in at once when the link is the signed-in person’s own', async () => {
    const invited = await invite(server, { name: 'Same Person' });
    const browser = new Browser(await signInCookie(invited.link));
    const res = await open(browser, invited.link, 'cross-site');
    expect(res.status).toBe(303);
    expect(await whoIs(browser)).toBe('Same Person');
  });

  it('shows a link that does not work as such, and keeps the session', async () => {
    const browser = await signedIn('Keeps Session');
    const res = await open(browser, `${server.url}/i/${'B'.repeat(43)}`, 'cross-site');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('This sign-in link is not valid');
    expect(await whoIs(browser)).toBe('Keeps Session');
  });
});
