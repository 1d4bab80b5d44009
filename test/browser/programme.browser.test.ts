import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { startTestServer } from '../support/server.ts';

describe.skipIf(!hasChromium)('programme page in headless Chromium', () => {
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

  it('detects the browser zone (Asia/Tokyo) and shows the opening at 21:00 JST beside 13:00 CET', async () => {
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.url}/events/global-forum-2022`);
    // The first render is in the event zone; the script reports the zone and reloads once.
    await page.waitForFunction(() => document.body.dataset.zoneSource === 'cookie');
    const opening = page.locator('#session-opening');
    await expect.poll(() => opening.locator('[data-testid="viewer-time"] time').first().getAttribute('datetime')).toBe('2022-02-22T21:00:00+09:00');
    expect(await opening.locator('[data-testid="viewer-time"]').innerText()).toMatch(/21:00\s*–\s*22:30\s*JST/);
    expect(await opening.locator('[data-testid="event-time"]').innerText()).toMatch(/13:00\s*–\s*14:30\s*CET/);
    expect(await page.locator('#tz-input').inputValue()).toBe('Asia/Tokyo');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('lets the viewer pick another zone by keyboard, remembers it, and notes the next day', async () => {
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022`);
    await page.waitForFunction(() => document.body.dataset.zoneSource === 'cookie');
    await page.locator('#tz-input').fill('Pacific/Auckland');
    await page.locator('#tz-input').press('Enter');
    await page.waitForURL(/tz=Pacific%2FAuckland/);
    const opening = page.locator('#session-opening');
    expect(await opening.locator('[data-testid="viewer-time"] time').first().getAttribute('datetime')).toBe('2022-02-23T01:00:00+13:00');
    expect(await opening.locator('[data-testid="day-note"]').innerText()).toContain('次日');
    // Chinese UI from the browser's language
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-Hans');
    // Remembered: a plain visit renders Auckland again
    await page.goto(`${server.url}/events/global-forum-2022`);
    expect(await page.locator('#session-opening [data-testid="viewer-time"] time').first().getAttribute('datetime')).toBe('2022-02-23T01:00:00+13:00');
    await context.close();
  });

  it('is readable without JavaScript (event time, guiding questions)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, timezoneId: 'America/New_York', locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022?lang=en`);
    expect(await page.locator('#session-opening [data-testid="event-time"]').innerText()).toMatch(/13:00\s*–\s*14:30\s*CET/);
    expect(await page.locator('.guiding-question').count()).toBeGreaterThan(0);
    await context.close();
  });
});
