import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { eventId, invite, uniqueEmail } from '../support/identity.ts';
import { getJson, startTestServer } from '../support/server.ts';

const payloads = [
  '<img src=x onerror="window.__xss=1">',
  '<script>window.__xss=2</script>',
  '"><svg onload="window.__xss=3">',
  "'); window.__xss=4; ('",
];

/** Collects script errors, console errors and CSP violations a page reports. */
function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return problems;
}

/**
 * Submits a form (JavaScript off: a real navigation) and returns once the
 * page it leads to is parsed. Playwright's click waits for a navigation only
 * when Chromium reports it before the click settles; when it reports it
 * later, click returns while the old page is still shown, and an
 * expect.poll on the next page (one second by default) then has to cover
 * the whole POST, the server's render and the parse. So wait for the event
 * itself, registered before the click: the main frame committing the new
 * document, then that document's DOMContentLoaded.
 */
async function submit(page: Page, button: Locator): Promise<void> {
  const navigated = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
  await button.click();
  await navigated;
  await page.waitForLoadState('domcontentloaded');
}

describe.skipIf(!hasChromium)('identity pages in headless Chromium', () => {
  let server: Plenary;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedIn(link: string, options: { javaScriptEnabled?: boolean } = {}): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Zurich', ...options });
    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(link);
    return { context, page, problems };
  }

  it('renders hostile names as inert text on the console, the header and the programme', async () => {
    // Hostile names arrive both ways: an invitation and a pending self-registration.
    const hostile = await invite(server, { name: payloads[0], organization: payloads[2] });
    for (const name of payloads.slice(1)) {
      await getJson(`${server.url}/api/events/${eventId}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, email: uniqueEmail('xss'), organization: payloads[2], country: 'CH', group: 'other' }),
      });
    }

    const organizer = await signedIn(server.organizerLinks[0]?.link ?? '');
    const page = organizer.page;
    await page.goto(`${server.url}/events/${eventId}/console/participants`);
    for (const name of payloads) {
      await expect.poll(() => page.getByText(name, { exact: true }).first().count()).toBeGreaterThan(0);
    }
    // The pending list shows them, as text.
    expect(await page.locator('.pending strong').allInnerTexts()).toEqual(expect.arrayContaining(payloads.slice(1)));
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    // The console's own icons are svg.icon (aria-hidden, from the icon set); any other img or svg came from a name.
    expect(await page.locator('.console-participants img, .console-participants svg:not(.icon), main script').count()).toBe(0);
    expect(organizer.problems).toEqual([]);
    await organizer.context.close();

    const victim = await signedIn(hostile.link);
    await victim.page.waitForURL(`${server.url}/events/${eventId}`);
    expect(await victim.page.getByTestId('signed-in-as').innerText()).toBe(`Signed in as ${payloads[0]}`);
    expect(await victim.page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(victim.problems).toEqual([]);
    await victim.context.close();
  });

  it('registers through the form with JavaScript off, labels and errors included', async () => {
    const context = await browser.newContext({ locale: 'en-GB', javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/${eventId}/register`);
    const name = page.getByRole('textbox', { name: 'Full name (required)' });
    const email = page.getByRole('textbox', { name: 'E-mail (required)' });
    await name.fill('Keyboard Person');
    await email.fill('not an address');
    await page.getByRole('textbox', { name: 'Organisation (required)' }).fill('Employers’ Confederation');
    await page.getByRole('combobox', { name: 'Country (required)' }).selectOption('MX');
    await page.getByRole('radio', { name: 'Employers’ organisation' }).check();
    await submit(page, page.getByRole('button', { name: 'Register' }));

    // The answer page is loaded: assert on it directly, nothing left to wait for.
    expect(await page.getByRole('alert').innerText()).toContain('Enter a valid e-mail address');
    expect(await name.inputValue()).toBe('Keyboard Person');
    expect(await email.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('radio', { name: 'Employers’ organisation' }).isChecked()).toBe(true);

    await email.fill(uniqueEmail('nojs'));
    await submit(page, page.getByRole('button', { name: 'Register' }));
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('You are registered');
    expect(await page.getByRole('status').first().innerText()).toContain('this browser is signed in');
    await page.goto(`${server.url}/events/${eventId}`);
    expect(await page.getByTestId('signed-in-as').innerText()).toBe('Signed in as Keyboard Person');
    await context.close();
  });

  it('does not let another site switch a signed-in browser to its own link; one press on the page does', async () => {
    const victim = await invite(server, { name: 'Signed-in Delegate' });
    const attacker = await invite(server, { name: 'Link Sender' });
    const { context, page, problems } = await signedIn(victim.link);
    await page.waitForURL(`${server.url}/events/${eventId}`);

    // A page on another site sends this browser to the attacker's link.
    await context.route('http://elsewhere.example/', (route) => route.fulfill({ contentType: 'text/html', body: `<a id="lure" href="${attacker.link}">prize</a>` }));
    await page.goto('http://elsewhere.example/');
    await submit(page, page.locator('#lure'));
    // Not redirected into the programme as the attacker: the confirmation page stays.
    expect(page.url()).toBe(attacker.link);
    expect(await page.getByTestId('switch-current').innerText()).toBe('This browser is signed in as Signed-in Delegate.');
    const me = async () => ((await (await page.request.get(`${server.url}/api/me`)).json()) as { caller: { participant?: { name: string } } }).caller.participant?.name;
    expect(await me()).toBe('Signed-in Delegate');

    // Staying is a plain link back; switching is the page's own form.
    await submit(page, page.getByTestId('switch-confirm'));
    expect(page.url()).toBe(`${server.url}/events/${eventId}`);
    expect(await page.getByTestId('signed-in-as').innerText()).toBe('Signed in as Link Sender');
    expect(await me()).toBe('Link Sender');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('toggles the star in place with JavaScript (aria-pressed), and the server remembers it', async () => {
    const p = await invite(server, { name: 'Star Gazer' });
    const { context, page, problems } = await signedIn(p.link);
    await page.waitForURL(`${server.url}/events/${eventId}`);
    // Thematic session 2 is on the programme's second day tab.
    await page.getByRole('tab', { name: /23/ }).click();
    const star = page.locator('#session-thematic-2 [data-testid="bookmark"]');
    expect(await star.getAttribute('aria-pressed')).toBe('false');
    const urlBefore = page.url();
    await star.click();
    await expect.poll(() => star.getAttribute('aria-pressed')).toBe('true');
    expect(page.url().replace(/#.*/, '')).toBe(urlBefore.replace(/#.*/, ''));
    expect(await star.innerText()).toContain('In my agenda');
    const bookmarks = await getJson<{ bookmarks: string[] }>(`${server.url}/api/events/${eventId}/bookmarks`, { headers: { authorization: `Bearer ${p.token}` } });
    expect(bookmarks.body.bookmarks).toEqual(['thematic-2']);

    await page.reload();
    expect(await page.locator('#session-thematic-2 [data-testid="bookmark"]').getAttribute('aria-pressed')).toBe('true');
    await page.locator('#session-thematic-2 [data-testid="bookmark"]').click();
    await expect.poll(() => page.locator('#session-thematic-2 [data-testid="bookmark"]').getAttribute('aria-pressed')).toBe('false');
    expect(problems).toEqual([]);
    await context.close();
  });
});
