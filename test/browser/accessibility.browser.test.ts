import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { audit } from '../support/axe-audit.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { createParticipant } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

describe.skipIf(!hasChromium)('accessibility of the pages (axe-core in headless Chromium)', () => {
  let server: Plenary;
  let browser: Browser;
  let organiserLink: string;
  let delegateLink: string;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const organiser = await createParticipant(server, { name: 'Organiser', organizer: true });
    const delegate = await createParticipant(server, { name: 'Delegate', roles: [{ sessionId: 'opening', role: 'moderator' }] });
    organiserLink = `${server.url}/i/${organiser.token}`;
    delegateLink = `${server.url}/i/${delegate.token}`;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const pages: [string, string, 'anonymous' | 'organiser' | 'moderator'][] = [
    ['events', '/', 'anonymous'],
    ['programme (en)', '/events/global-forum-2022?lang=en', 'anonymous'],
    ['programme (zh)', '/events/global-forum-2022?lang=zh', 'anonymous'],
    ['registration', '/events/global-forum-2022/register', 'anonymous'],
    ['design system (issue 17)', '/design', 'anonymous'],
    ['session room as moderator', '/events/global-forum-2022/sessions/opening', 'moderator'],
    ['session console', '/events/global-forum-2022/console/sessions', 'organiser'],
    ['participants console', '/events/global-forum-2022/console/participants', 'organiser'],
    ['speaking-time report', '/events/global-forum-2022/console/speaking-time', 'organiser'],
    // Arabic, right to left (issue 15): the same audit on the pages in dir="rtl".
    ['events (ar)', '/?lang=ar', 'anonymous'],
    ['programme (ar)', '/events/global-forum-2022?lang=ar', 'anonymous'],
    ['registration (ar)', '/events/global-forum-2022/register?lang=ar', 'anonymous'],
    ['session room as moderator (ar)', '/events/global-forum-2022/sessions/opening?lang=ar', 'moderator'],
    ['participants console (ar)', '/events/global-forum-2022/console/participants?lang=ar', 'organiser'],
  ];

  it('the audit does catch a violation (an unlabelled field)', async () => {
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022/register`);
    await page.evaluate(() => {
      const input = document.createElement('input');
      document.querySelector('main')?.append(input);
    });
    const found = await audit(page);
    expect(found.some((v) => v.startsWith('label'))).toBe(true);
    await context.close();
  });

  it.each(pages)('%s has no serious or critical WCAG 2.1 AA violations', async (_name, path, who) => {
    // The pages' CSP (script-src 'self') would refuse the injected axe script; other browser tests run with it.
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Berlin', bypassCSP: true });
    const page = await context.newPage();
    if (who === 'organiser') await page.goto(organiserLink);
    if (who === 'moderator') await page.goto(delegateLink);
    await page.goto(`${server.url}${path}`);
    if (who === 'moderator') await page.locator('#live-room').waitFor({ state: 'visible' });
    expect(await audit(page)).toEqual([]);
    await context.close();
  });
});
