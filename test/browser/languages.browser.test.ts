import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { htmlLang, languages, textDirection, type Lang } from '../../server/i18n/languages.ts';
import { pageMessages } from '../../server/i18n/catalogs/pages.ts';
import { roomMessages } from '../../server/i18n/catalogs/room.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { createParticipant } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

/** The six UI languages in headless Chromium: each page in its language, Arabic right to left, negotiation, the switcher by keyboard. */
describe.skipIf(!hasChromium)('the six UN languages in Chromium', () => {
  let server: Plenary;
  let browser: Browser;
  let moderatorLink: string;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const moderator = await createParticipant(server, { name: 'Amina Diallo', roles: [{ sessionId: 'thematic-1', role: 'moderator' }] });
    moderatorLink = `${server.url}/i/${moderator.token}`;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const expectLanguage = async (page: Page, lang: Lang) => {
    expect(await page.locator('html').getAttribute('lang')).toBe(htmlLang(lang));
    expect(await page.locator('html').getAttribute('dir')).toBe(textDirection(lang));
    expect(await page.evaluate(() => getComputedStyle(document.body).direction)).toBe(textDirection(lang));
    expect(await page.locator('.skip-link').textContent()).toBe(pageMessages[lang].skipToContent);
  };

  it.each([...languages])('renders home, programme and room in %s', async (lang) => {
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Zurich' });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(moderatorLink);
    await page.goto(`${server.url}/?lang=${lang}`);
    await expectLanguage(page, lang);
    expect(await page.locator('.nav-links a').first().innerText()).toBe(pageMessages[lang].events);
    // The choice is remembered (cookie): the programme needs no ?lang.
    await page.goto(`${server.url}/events/global-forum-2022`);
    await expectLanguage(page, lang);
    // The seeded sessions (2022) are over: their rooms are to view, not to enter.
    expect(await page.locator('#session-opening .session-links, #session-opening').first().innerText()).toContain(pageMessages[lang].viewSession);
    const title = await page.locator('h1').innerText();
    const expected = { zh: '以人为本复苏全球论坛', en: 'Global Forum for a Human-centred Recovery', fr: 'Forum mondial pour une reprise centrée sur l’humain', es: 'Foro Mundial para una Recuperación Centrada en las Personas', ru: 'Global Forum for a Human-centred Recovery', ar: 'Global Forum for a Human-centred Recovery' }[lang];
    expect(title).toBe(expected);
    // The project's own translation, or the English fallback, is said under the title.
    if (lang !== 'zh') expect(await page.getByTestId('content-note').innerText()).toMatch(lang === 'ru' || lang === 'ar' ? /English|английск|الإنجليزية|الإنكليزية/ : /Plenary/);
    await page.goto(`${server.url}/events/global-forum-2022/sessions/thematic-1`);
    await page.locator('#live-room').waitFor({ state: 'visible' });
    await expectLanguage(page, lang);
    expect(await page.locator('#live-room').innerText()).toContain(roomMessages[lang].moderatorConsole);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('lays Arabic out right to left: the navigation starts on the right, times stay readable', async () => {
    const context = await browser.newContext({ locale: 'ar', timezoneId: 'Asia/Riyadh', viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022`);
    await expectLanguage(page, 'ar');
    const brand = (await page.locator('.brand').boundingBox())!;
    const links = (await page.locator('.nav-links').boundingBox())!;
    const switcher = (await page.locator('.lang-switch').boundingBox())!;
    // The brand, first in the nav, is at the right edge; the language menu at the left.
    expect(brand.x + brand.width).toBeGreaterThan(1366 - 60);
    expect(brand.x).toBeGreaterThan(links.x);
    expect(switcher.x).toBeLessThan(links.x);
    // A guiding question's rule is on its right (border-inline-start).
    const rule = await page.locator('.guiding-question').first().evaluate((e) => [getComputedStyle(e).borderRightWidth, getComputedStyle(e).borderLeftWidth]);
    expect(rule).toEqual(['4px', '0px']);
    // Times keep Western digits and their order: 15:00–16:30 in Riyadh for the 13:00 CET opening.
    expect(await page.locator('#session-opening [data-testid="viewer-time"]').innerText()).toMatch(/15:00\s*–\s*16:30/);
    await context.close();
  });

  it('negotiates by Accept-Language and switches by keyboard, remembering the choice', async () => {
    const context = await browser.newContext({ locale: 'ru-RU', timezoneId: 'Europe/Moscow' });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022`);
    await expectLanguage(page, 'ru');
    // The switcher: a disclosure, then links named in their own language.
    const summary = page.locator('.lang-switch summary');
    await summary.focus();
    await page.keyboard.press('Enter');
    const arabic = page.locator('.lang-switch a[hreflang="ar"]');
    await expect.poll(() => arabic.isVisible()).toBe(true);
    expect(await page.locator('.lang-switch a[aria-current="true"]').getAttribute('hreflang')).toBe('ru');
    expect(await arabic.innerText()).toBe('العربية');
    expect(await arabic.getAttribute('dir')).toBe('rtl');
    // Tab walks the six links in order; Enter follows one.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('hreflang'))).toBe('ar');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('hreflang'))).toBe('zh-Hans');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/lang=ar/);
    await expectLanguage(page, 'ar');
    // Remembered over the browser's own Accept-Language.
    await page.goto(`${server.url}/`);
    await expectLanguage(page, 'ar');
    await context.close();
  });
});
