// The header, the room's tab bar and the console navigation on a phone (390 px, headless Chromium): the signed-in name
// alone, when long, ends in an ellipsis inside the screen, its beginning shown, in English and in Arabic (right to
// left), instead of running off its edge; the links stay whole. The room's tabs and the console navigation, wider than the screen, shade the side where more of
// them lie out of view.
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { createParticipant, eventId } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

describe.skipIf(!hasChromium)('the header, the room’s tab bar and the console navigation on a phone (headless Chromium)', () => {
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

  it('keeps a long signed-in name inside the screen, its beginning shown and its end cut by an ellipsis, and every link whole', async () => {
    const delegate = await createParticipant(server, { name: 'María de los Ángeles Fernández de la Vega Sanz', country: 'ES' });
    for (const lang of ['en', 'ar']) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${server.url}/i/${delegate.token}`);
      await page.goto(`${server.url}/events/${eventId}?lang=${lang}`);
      const facts = await page.evaluate(() => {
        const item = document.querySelector<HTMLElement>('.nav-links li.signed-in');
        const name = document.querySelector<HTMLElement>('.nav-links .signed-in-name');
        const links = [...document.querySelectorAll<HTMLElement>('.nav-links li:not(.signed-in)')];
        const row = document.querySelector<HTMLElement>('.nav-links');
        const box = item?.getBoundingClientRect();
        // Where the name's first letter is laid out: inside the name's box (cut at its end), not off its left edge.
        const first = document.createRange();
        if (name?.firstChild) {
          first.setStart(name.firstChild, 0);
          first.setEnd(name.firstChild, 1);
        }
        const letter = first.getBoundingClientRect();
        const nameBox = name?.getBoundingClientRect();
        return {
          inside: Boolean(box && box.left >= 0 && box.right <= window.innerWidth),
          ellipsis: Boolean(name && getComputedStyle(name).textOverflow === 'ellipsis' && name.scrollWidth > name.clientWidth),
          firstLetterShown: Boolean(nameBox && letter.left >= nameBox.left - 1 && letter.right <= nameBox.right + 1),
          // The sentence ("Signed in as …") is for screen readers only on a phone.
          sentenceHidden: (document.querySelector<HTMLElement>('.signed-in-as')?.getBoundingClientRect().width ?? 99) <= 1,
          rowScrolls: Boolean(row && row.scrollWidth > row.clientWidth + 1),
          linksWhole: links.every((l) => l.scrollWidth <= l.clientWidth + 1 && l.getBoundingClientRect().left >= 0 && l.getBoundingClientRect().right <= window.innerWidth),
        };
      });
      expect(facts, lang).toEqual({ inside: true, ellipsis: true, firstLetterShown: true, sentenceHidden: true, rowScrolls: false, linksWhole: true });
      // The full text is still there for a screen reader.
      expect(await page.getByTestId('signed-in-as').textContent()).toContain('María de los Ángeles Fernández de la Vega Sanz');
    }
  });

  it('shades the room tab bar on the side where tabs are out of view, in reading order (Arabic: the left)', async () => {
    const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId: 'thematic-1', role: 'moderator' }] });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/i/${chair.token}`);
    await page.goto(`${server.url}/events/${eventId}/sessions/thematic-1?lang=ar`);
    await page.locator('#live-room').waitFor({ state: 'visible' });
    const tabs = page.locator('#room-tabs');
    const state = () => tabs.evaluate((el) => ({
      overflows: el.scrollWidth > el.clientWidth + 1,
      before: el.classList.contains('more-before'),
      after: el.classList.contains('more-after'),
      shaded: getComputedStyle(el).boxShadow !== 'none',
    }));
    // The chair's tabs (stage, speakers, questions, votes, chair) do not fit: more after, none before.
    await expect.poll(state).toEqual({ overflows: true, before: false, after: true, shaded: true });
    // Scrolled to the end (right to left: leftwards), the shade moves to the side the first tabs went.
    await tabs.evaluate((el) => el.scrollTo({ left: -(el.scrollWidth - el.clientWidth) }));
    await expect.poll(state).toEqual({ overflows: true, before: true, after: false, shaded: true });
    // Where the room is columns, there is no tab bar to shade.
    await page.setViewportSize({ width: 1366, height: 768 });
    await expect.poll(() => tabs.isVisible()).toBe(false);
  });

  it('shades the console navigation where it scrolls on a phone, and not where it wraps on a wide screen', async () => {
    const organiser = await createParticipant(server, { name: 'Organiser', organizer: true });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/i/${organiser.token}`);
    await page.goto(`${server.url}/events/${eventId}/console/participants?lang=en`);
    const nav = page.locator('.console-nav ul');
    const state = () => nav.evaluate((el) => {
      const hidden = el.scrollWidth - el.clientWidth;
      const at = Math.abs(el.scrollLeft);
      return {
        overflows: hidden > 1,
        // The marks say what the geometry says.
        marksRight: el.classList.contains('more-before') === (hidden > 1 && at > 1) && el.classList.contains('more-after') === (hidden > 1 && at < hidden - 1),
        shaded: getComputedStyle(el).boxShadow !== 'none',
      };
    });
    await expect.poll(state).toEqual({ overflows: true, marksRight: true, shaded: true });
    await nav.evaluate((el) => el.scrollTo({ left: 0 }));
    await expect.poll(() => nav.evaluate((el) => [el.classList.contains('more-before'), el.classList.contains('more-after')])).toEqual([false, true]);
    await page.setViewportSize({ width: 1366, height: 768 });
    await expect.poll(state).toEqual({ overflows: false, marksRight: true, shaded: false });
  });
});
