import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { createParticipant } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

/**
 * Issue 17: every main page fits a 360 px phone (no horizontal scrolling) in
 * Chinese and English; the self-hosted fonts load; feedback after a console
 * action is in the viewport, not thousands of pixels away; a destructive
 * action asks first.
 */
describe.skipIf(!hasChromium)('layout: phones, fonts, feedback in view (headless Chromium)', () => {
  let server: Plenary;
  let browser: Browser;
  const links: Record<'organiser' | 'moderator' | 'delegate', string> = { organiser: '', moderator: '', delegate: '' };

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const organiser = await createParticipant(server, { name: 'Organiser Person', organizer: true });
    const moderator = await createParticipant(server, { name: 'Amina Diallo', roles: [{ sessionId: 'thematic-1', role: 'moderator' }] });
    const delegate = await createParticipant(server, { name: 'Delegate Person' });
    links.organiser = `${server.url}/i/${organiser.token}`;
    links.moderator = `${server.url}/i/${moderator.token}`;
    links.delegate = `${server.url}/i/${delegate.token}`;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedIn(who: keyof typeof links, width: number, height: number): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, timezoneId: 'Europe/Zurich', locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(links[who]);
    return page;
  }

  const pages: [string, string, keyof typeof links][] = [
    ['home', '/', 'delegate'],
    ['programme', '/events/global-forum-2022', 'delegate'],
    ['agenda', '/events/global-forum-2022/agenda', 'delegate'],
    ['room as delegate', '/events/global-forum-2022/sessions/thematic-1', 'delegate'],
    ['room as moderator', '/events/global-forum-2022/sessions/thematic-1', 'moderator'],
    ['session console', '/events/global-forum-2022/console/sessions', 'organiser'],
    ['participants console', '/events/global-forum-2022/console/participants', 'organiser'],
    ['registration', '/events/global-forum-2022/register', 'delegate'],
    ['design system', '/design', 'delegate'],
  ];

  for (const lang of ['zh', 'en'] as const) {
    it(`no page scrolls sideways at 360 px (${lang})`, async () => {
      const page = await signedIn('organiser', 360, 740);
      const overflowing: string[] = [];
      for (const [name, route, who] of pages) {
        if (who !== 'organiser') await page.goto(links[who]);
        await page.goto(`${server.url}${route}${route.includes('?') ? '&' : '?'}lang=${lang}`);
        const { scrollWidth, innerWidth, widest } = await page.evaluate(() => {
          // The element sticking out furthest, named for the failure message.
          let widest = '';
          let right = window.innerWidth;
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > right + 0.5 && r.width > 0) {
              right = r.right;
              widest = `${el.tagName.toLowerCase()}.${String(el.className).replaceAll(' ', '.')} (${Math.round(r.right)} px)`;
            }
          }
          return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, widest };
        });
        if (scrollWidth > innerWidth) overflowing.push(`${name}: ${scrollWidth} px wide, ${widest}`);
        if (who !== 'organiser') await page.goto(links.organiser);
      }
      expect(overflowing).toEqual([]);
      await page.context().close();
    });
  }

  it('serves the self-hosted fonts: Chinese text renders in Noto Sans SC loaded from /assets/fonts', async () => {
    const page = await signedIn('delegate', 1366, 768);
    const fontRequests: string[] = [];
    page.on('response', (res) => {
      if (res.url().includes('/assets/fonts/')) fontRequests.push(`${res.status()} ${res.headers()['cache-control']}`);
    });
    await page.goto(`${server.url}/events/global-forum-2022?lang=zh`);
    await page.evaluate(() => document.fonts.ready);
    const loaded = await page.evaluate(() => [...document.fonts].filter((f) => f.status === 'loaded').map((f) => f.family));
    expect(loaded).toContain('Noto Sans SC');
    expect(fontRequests.length).toBeGreaterThan(0);
    expect(fontRequests.every((r) => r === '200 public, max-age=31536000, immutable')).toBe(true);
    await page.context().close();
  });

  for (const [width, height] of [[1366, 768], [390, 844]] as const) {
    it(`after saving a session the notice is in view (${width}x${height})`, async () => {
      const page = await signedIn('organiser', width, height);
      await page.goto(`${server.url}/events/global-forum-2022/console/sessions?lang=en`);
      // The last session of the programme, opened from the table.
      await page.getByTestId('edit-session').last().click();
      await page.waitForURL(/\/console\/sessions\/[a-z0-9-]+$/);
      const save = page.getByTestId('save-session');
      await save.scrollIntoViewIfNeeded();
      await save.click();
      await page.waitForURL(/notice=/);
      const notice = page.getByTestId('console-notice');
      await expect.poll(() => notice.count()).toBe(1);
      expect(await notice.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);

      // A refused save: the error is at the top of the page it lands on, in view.
      await page.locator('input[name="end"]').fill('2000-01-01T00:00');
      await page.locator('input[name="start"]').fill('2000-01-01T10:00');
      await save.click();
      await page.waitForLoadState('load');
      const error = page.getByTestId('console-error');
      await expect.poll(() => error.count()).toBe(1);
      expect(await error.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; })).toBe(true);
      await page.context().close();
    });
  }

  it('cancelling a session asks first, then reports in view', async () => {
    const page = await signedIn('organiser', 390, 844);
    await page.goto(`${server.url}/events/global-forum-2022/console/sessions?lang=zh`);
    await page.locator('tr:not(.is-cancelled) [data-testid="edit-session"]').last().click();
    await page.waitForURL(/\/console\/sessions\/[a-z0-9-]+$/);
    const confirmButton = page.locator('.cancel-form button.button-danger');
    expect(await confirmButton.isVisible()).toBe(false);
    await page.locator('details.confirm > summary').click();
    expect(await confirmButton.isVisible()).toBe(true);
    await confirmButton.click();
    await page.waitForURL(/notice=cancelled/);
    const notice = page.getByTestId('console-notice');
    await expect.poll(() => notice.count()).toBe(1);
    expect(await notice.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);
    await page.context().close();
  });

  it('after an action on a participant the notice is in view, in the dialog over the table', async () => {
    const page = await signedIn('organiser', 390, 844);
    await page.goto(`${server.url}/events/global-forum-2022/console/participants?lang=en`);
    const row = page.locator('tr.participant').filter({ hasText: 'Delegate Person' });
    await row.getByTestId('manage').click();
    const dialog = page.getByTestId('participant-dialog');
    await dialog.getByRole('heading', { name: 'Delegate Person' }).waitFor();
    const confirm = dialog.getByTestId('revoke');
    expect(await confirm.isVisible()).toBe(false);
    await dialog.getByTestId('revoke-open').click();
    await confirm.click();
    const notice = dialog.getByTestId('console-notice');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('Delegate Person');
    expect(await notice.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);
    // Closing it brings the table back, up to date.
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.waitForLoadState('load');
    await expect.poll(() => page.locator('tr.participant').filter({ hasText: 'Delegate Person' }).locator('.badge-danger').count(), { timeout: 10_000 }).toBe(1);
    await page.context().close();
  });
});
