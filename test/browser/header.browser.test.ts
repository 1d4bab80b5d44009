// The header on a phone (390 px, headless Chromium): "Signed in as …" with a long name ends in an ellipsis inside
// the screen, in English and in Arabic (right to left), instead of running off its edge; the links stay whole.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { createParticipant, eventId } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

describe.skipIf(!hasChromium)('the header on a phone (headless Chromium)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('keeps a long "Signed in as" name inside the screen, with an ellipsis, and every link whole', async () => {
    const delegate = await createParticipant(server, { name: 'María de los Ángeles Fernández de la Vega Sanz', country: 'ES' });
    for (const lang of ['en', 'ar']) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${server.url}/i/${delegate.token}`);
      await page.goto(`${server.url}/events/${eventId}?lang=${lang}`);
      const facts = await page.evaluate(() => {
        const item = document.querySelector<HTMLElement>('.nav-links li.signed-in');
        const links = [...document.querySelectorAll<HTMLElement>('.nav-links li:not(.signed-in)')];
        const row = document.querySelector<HTMLElement>('.nav-links');
        const box = item?.getBoundingClientRect();
        return {
          inside: Boolean(box && box.left >= 0 && box.right <= window.innerWidth),
          ellipsis: Boolean(item && getComputedStyle(item).textOverflow === 'ellipsis' && item.scrollWidth > item.clientWidth),
          rowScrolls: Boolean(row && row.scrollWidth > row.clientWidth + 1),
          linksWhole: links.every((l) => l.scrollWidth <= l.clientWidth + 1 && l.getBoundingClientRect().left >= 0 && l.getBoundingClientRect().right <= window.innerWidth),
        };
      });
      expect(facts, lang).toEqual({ inside: true, ellipsis: true, rowScrolls: false, linksWhole: true });
      // The full text is still there for a screen reader.
      expect(await page.getByTestId('signed-in-as').textContent()).toContain('María de los Ángeles Fernández de la Vega Sanz');
    }
  });
});
