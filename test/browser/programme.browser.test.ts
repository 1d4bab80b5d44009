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

  it('marks a session that ends after midnight in the viewer\'s zone: 22:45–00:15 (+1 day), with the date for screen readers', async () => {
    const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022?tz=Asia%2FTokyo&lang=en`);
    const card = page.locator('#session-thematic-1');
    expect(await card.locator('[data-testid="viewer-time"]').innerText()).toMatch(/22:45\s*–\s*00:15\s*JST\s*\(\+1 day\)/);
    expect(await card.locator('.plus-day .visually-hidden').textContent()).toBe('ends on Wednesday, 23 February 2022');
    // The opening, 21:00–22:30 JST, ends the day it starts: no mark.
    expect(await page.locator('#session-opening [data-testid="plus-day"]').count()).toBe(0);
    await context.close();
  });

  it('shows one day at a time as ARIA tabs: arrow keys, Home/End, and a link to a session opens its day', async () => {
    const context = await browser.newContext({ timezoneId: 'Europe/Zurich', locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022?lang=en`);
    const tabs = page.getByRole('tab');
    expect(await tabs.allInnerTexts()).toEqual(['Tue 22 Feb\n2 sessions', 'Wed 23 Feb\n2 sessions', 'Thu 24 Feb\n2 sessions']);
    // A past event opens at its first day.
    expect(await page.getByRole('tab', { selected: true }).innerText()).toContain('22 Feb');
    expect(await page.locator('#session-opening').isVisible()).toBe(true);
    expect(await page.locator('#session-thematic-2').isVisible()).toBe(false);

    await page.getByRole('tab', { selected: true }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-2022-02-23');
    expect(await page.getByRole('tab', { selected: true }).getAttribute('aria-controls')).toBe('day-2022-02-23');
    expect(await page.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe('tab-2022-02-23');
    expect(await page.locator('#session-thematic-2').isVisible()).toBe(true);
    expect(await page.locator('#session-opening').isVisible()).toBe(false);
    await page.keyboard.press('End');
    expect(await page.getByRole('tab', { selected: true }).getAttribute('id')).toBe('tab-2022-02-24');
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { selected: true }).getAttribute('id')).toBe('tab-2022-02-22');
    await page.keyboard.press('Home');
    expect(await page.getByRole('tab', { selected: true }).getAttribute('id')).toBe('tab-2022-02-22');

    await page.goto(`${server.url}/events/global-forum-2022?lang=en#session-closing`);
    expect(await page.getByRole('tab', { selected: true }).getAttribute('id')).toBe('tab-2022-02-24');
    expect(await page.locator('#session-closing').isVisible()).toBe(true);
    await context.close();
  });

  it('mirrors the arrow keys right to left in Arabic', async () => {
    const context = await browser.newContext({ timezoneId: 'Europe/Zurich', locale: 'ar' });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022?lang=ar`);
    await page.getByRole('tab', { selected: true }).focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { selected: true }).getAttribute('id')).toBe('tab-2022-02-23');
    await context.close();
  });

  it('without JavaScript the tabs are links to every day, all days on the page', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, timezoneId: 'Europe/Zurich', locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022?lang=en`);
    expect(await page.getByRole('tab').count()).toBe(0);
    const links = page.locator('nav.day-tabs a');
    expect(await links.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['#day-2022-02-22', '#day-2022-02-23', '#day-2022-02-24']);
    for (const id of ['opening', 'thematic-2', 'closing']) expect(await page.locator(`#session-${id}`).isVisible()).toBe(true);
    await links.nth(2).click();
    expect(page.url()).toMatch(/#day-2022-02-24$/);
    await context.close();
  });

  it('gives every session card one action, a plain link to the room, with the calendars behind a secondary menu', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/events/global-forum-2022?lang=en`);
    for (const card of await page.locator('.session-card').all()) {
      expect(await card.locator('[data-testid="session-action"]').count()).toBe(1);
      // Past sessions: the action is secondary (no primary button on an ended card), to view the room, not to enter a meeting.
      expect(await card.locator('.button-primary').count()).toBe(0);
      expect(await card.locator('[data-testid="session-action"]').innerText()).toBe('View the session');
      expect(await card.locator('.calendar-menu a').count()).toBeGreaterThan(0);
    }
    await page.close();
  });
});

describe.skipIf(!hasChromium)('programme page while the forum runs', () => {
  let server: Plenary;
  let browser: Browser;

  beforeAll(async () => {
    // Wednesday 23 February, 13:30 in Geneva: the second day's first session runs, its second is next.
    server = await startTestServer({}, { clock: () => new Date('2022-02-23T12:30:00Z') });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens the day of the running session, highlights it and the next one, and makes joining the primary action', async () => {
    const context = await browser.newContext({ timezoneId: 'Europe/Zurich', locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022?lang=en`);
    expect(await page.getByRole('tab', { selected: true }).getAttribute('id')).toBe('tab-2022-02-23');
    const now = page.locator('#session-thematic-2');
    expect(await now.getAttribute('class')).toContain('timing-now');
    expect(await now.getByTestId('session-status').innerText()).toBe('Now');
    const join = now.getByTestId('session-action');
    expect(await join.innerText()).toBe('Join now');
    expect(await join.getAttribute('class')).toContain('button-primary');
    expect(await page.locator('#session-thematic-3').getAttribute('class')).toContain('timing-next');
    expect(await page.locator('#session-thematic-3').getByTestId('session-status').innerText()).toBe('Next');
    await context.close();
  });
});
