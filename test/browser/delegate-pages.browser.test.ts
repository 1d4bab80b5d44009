import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { delegateMessages } from '../../server/i18n/catalogs/delegate.ts';
import { identityMessages } from '../../server/i18n/catalogs/identity.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { eventId, uniqueEmail } from '../support/identity.ts';
import { startTestServer } from '../support/server.ts';

/**
 * Issue 17, delegates: a registration waiting for approval says so (not "You
 * are registered"); one-time links are shown whole, wrapping on a phone,
 * with a copy button that announces "Copied".
 */
describe.skipIf(!hasChromium)('registration pages and copy buttons in headless Chromium', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.close();
  });

  async function register(group: 'government' | 'other', options: { lang: 'en' | 'zh'; width?: number; javaScriptEnabled?: boolean }): Promise<Page> {
    const context = await browser.newContext({ locale: 'en-GB', viewport: { width: options.width ?? 1366, height: 844 }, javaScriptEnabled: options.javaScriptEnabled ?? true });
    contexts.push(context);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/${eventId}/register?lang=${options.lang}`);
    const form = page.locator('form.participant-form');
    await form.locator('input[name="name"]').fill(group === 'other' ? 'Academic Person' : 'Government Person');
    await form.locator('input[name="email"]').fill(uniqueEmail(group));
    await form.locator('input[name="organization"]').fill('Somewhere');
    await form.locator('select[name="country"]').selectOption('MX');
    await form.locator(`input[name="group"][value="${group}"]`).check();
    await Promise.all([page.waitForURL(/./, { waitUntil: 'domcontentloaded' }), form.locator('button[type="submit"]').last().click()]);
    await page.locator('h1').waitFor();
    return page;
  }

  it('a registrant awaiting approval sees a pending state with the steps, in Chinese', async () => {
    const page = await register('other', { lang: 'zh' });
    const zh = delegateMessages.zh;
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(zh.dl_pendingTitle);
    expect(await page.getByTestId('registration-state').innerText()).toBe(zh.dl_pendingBadge);
    expect(await page.locator('body').innerText()).not.toContain(identityMessages.zh.id_registeredTitle);
    const steps = page.getByRole('list', { name: zh.dl_stepsLabel }).getByRole('listitem');
    expect(await steps.count()).toBe(3);
    expect(await page.locator('[aria-current="step"]').innerText()).toContain(zh.dl_stepApproval);
    // Nothing to copy yet: no link is issued before approval.
    expect(await page.locator('.copy-field').count()).toBe(0);
  });

  it('an approved registrant copies the whole personal link with one button, and "Copied" is announced', async () => {
    const page = await register('government', { lang: 'en' });
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('You are registered');
    const field = page.getByTestId('personal-link');
    const link = await field.inputValue();
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/i\/[A-Za-z0-9_-]{43}$/);
    expect(await field.getAttribute('readonly')).not.toBeNull();
    const copy = page.getByRole('button', { name: 'Copy' });
    await copy.click();
    const status = page.locator('.copy-field [role="status"]');
    await expect.poll(() => status.innerText()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  });

  it('on a 360 px phone the link wraps inside its field: nothing cut off, the page does not scroll sideways', async () => {
    const page = await register('government', { lang: 'zh', width: 360 });
    const field = page.getByTestId('personal-link');
    const box = await field.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, scrollHeight: el.scrollHeight, clientHeight: el.clientHeight }));
    expect(box.scrollWidth).toBeLessThanOrEqual(box.clientWidth);
    expect(box.scrollHeight).toBeLessThanOrEqual(box.clientHeight + 1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await page.getByRole('button', { name: delegateMessages.zh.dl_copy }).isVisible()).toBe(true);
  });

  it('without JavaScript the link is shown selectable and no dead copy button appears', async () => {
    const page = await register('government', { lang: 'en', javaScriptEnabled: false });
    expect(await page.getByTestId('personal-link').inputValue()).toMatch(/\/i\/[A-Za-z0-9_-]{43}$/);
    expect(await page.getByRole('button', { name: 'Copy' }).count()).toBe(0);
  });
});
