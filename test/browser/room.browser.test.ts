import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { createParticipant, type TestParticipant } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const sessionId = 'thematic-1';
/** Live updates arrive when they arrive: on a loaded machine that may take seconds (vitest's default wait is 1 s). */
const eventually = <T>(probe: () => T | Promise<T>) => expect.poll(probe, { timeout: 15_000, interval: 100 });

describe.skipIf(!hasChromium)('the session room in headless Chromium: a moderator and two delegates', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  async function openRoom(p: TestParticipant, locale = 'en-GB'): Promise<Page> {
    const context = await browser.newContext({ locale, timezoneId: 'Europe/Paris' });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${p.name}: ${e.message}`));
    // CSP violations and failed loads show up as console errors.
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${p.name}: ${m.text()}`);
    });
    await page.goto(`${server.url}/i/${p.token}`);
    await page.goto(`${server.url}/events/global-forum-2022/sessions/${sessionId}`);
    await page.locator('#live-room').waitFor({ state: 'visible' });
    return page;
  }

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('runs the floor and the questions live across three browsers', { timeout: 120_000 }, async () => {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const amara = await createParticipant(server, { name: 'Amara (Workers, SN)', group: 'workers', country: 'SN' });
    const li = await createParticipant(server, { name: '李华', group: 'employers', country: 'CN' });

    const mod = await openRoom(moderator);
    const a = await openRoom(amara);
    const b = await openRoom(li, 'zh-CN');

    // Only the moderator sees the console; delegates see the request button.
    expect(await mod.locator('#moderator-controls').isVisible()).toBe(true);
    expect(await a.locator('#moderator-controls').isVisible()).toBe(false);
    // Before the chair opens it, the seeded session's time (2022) is past: it reads Ended and offers no request,
    // saying why in the delegate's language (the refusal of a session not yet open: room-refusal.browser.test.ts).
    await eventually(() => b.getByTestId('floor-over').innerText()).toBe('本场会议已结束。发言申请已关闭。');
    expect(await b.getByTestId('request-floor').isVisible()).toBe(false);

    // The moderator opens the session; delegates hear about it, and may ask for the floor.
    await mod.getByTestId('open-session').click();
    await eventually(() => a.locator('#session-status').getAttribute('data-status')).toBe('live');
    await eventually(() => a.locator('#announcer').innerText()).toContain('The session is live');
    await eventually(() => b.locator('[data-testid="request-floor"]').innerText()).toBe('申请发言');

    // Both delegates ask for the floor, by keyboard.
    await a.getByTestId('request-floor').focus();
    await a.keyboard.press('Enter');
    await eventually(() => a.getByTestId('my-position').innerText()).toBe('You are number 1 in the queue.');
    await b.getByTestId('request-floor').click();
    await eventually(() => b.getByTestId('my-position').innerText()).toContain('2');
    await eventually(() => mod.locator('#queue li').count()).toBe(2);

    // The moderator moves the second entry up by keyboard, then gives it the floor.
    const second = mod.locator('#queue li').nth(1);
    await second.locator('button[data-action="move-up"]').focus();
    await mod.keyboard.press('Enter');
    await eventually(() => mod.locator('#queue li').first().locator('.entry-name').innerText()).toBe('李华');
    await eventually(() => b.getByTestId('my-position').innerText()).toContain('1');
    await mod.locator('#queue li').first().getByTestId('give-floor').click();
    await eventually(() => a.getByTestId('floor-speaker').innerText()).toBe('李华 has the floor');
    await eventually(() => b.getByTestId('my-position').innerText()).toBe('现在由您发言。');
    await eventually(async () => /^\d+:\d\d$/.test(await a.getByTestId('floor-timer').innerText())).toBe(true);
    await eventually(() => a.locator('#announcer').innerText()).toContain('李华 has the floor');

    await mod.getByTestId('end-floor').click();
    await eventually(() => a.getByTestId('floor-speaker').innerText()).toBe('Nobody has the floor.');

    // The moderator adds a delegate on their behalf, found by country code.
    await mod.locator('#add-speaker-query').pressSequentially('SN', { delay: 50 });
    await eventually(() => mod.locator('#roster-list option').count()).toBeGreaterThan(0);
    await mod.locator('#add-speaker-query').fill(await mod.locator('#roster-list option').first().getAttribute('value') ?? '');
    await mod.getByTestId('add-speaker').click();
    await eventually(() => a.getByTestId('my-position').innerText()).toBe('You are number 1 in the queue.');

    // Questions: pre-moderated, anonymous to delegates, visible to the moderator.
    await a.locator('#question-text').fill('How will the Global Accelerator reach informal workers?');
    await a.locator('#question-anonymous').check();
    await a.getByTestId('ask-question').click();
    // The moderator finds it under Review, counted on the tab; approved, it moves to Popular for everyone.
    await eventually(() => mod.getByTestId('qna-review-count').innerText()).toBe('1');
    await mod.getByTestId('qna-tab-review').click();
    await eventually(() => mod.locator('#questions li').count()).toBe(1);
    expect(await mod.locator('#questions li .question-meta').innerText()).toContain('Amara');
    expect(await b.locator('#questions li').count()).toBe(0);
    await mod.getByTestId('qna-approve').click();
    await eventually(() => b.locator('#questions li').count()).toBe(1);
    await eventually(() => mod.getByTestId('qna-review-count').isVisible()).toBe(false);
    await mod.getByTestId('qna-tab-popular').click();
    const seenByB = await b.locator('#questions li .question-meta').innerText();
    expect(seenByB).toContain('匿名');
    expect(seenByB).not.toContain('Amara');

    // A vote from B reaches everyone.
    await b.getByTestId('vote').click();
    await eventually(() => b.getByTestId('vote').getAttribute('aria-pressed')).toBe('true');
    await eventually(() => mod.locator('#questions li .question-meta').innerText()).toContain('1 vote');
    expect(errors).toEqual([]);
  });

  it('shows an anonymous visitor how to sign in instead of the live room', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${server.url}/events/global-forum-2022/sessions/${sessionId}`);
    await page.locator('#room-signin').waitFor({ state: 'visible' });
    expect(await page.locator('#live-room').isVisible()).toBe(false);
  });
});
