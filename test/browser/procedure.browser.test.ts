import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { createParticipant, type TestParticipant } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const sessionId = 'thematic-3';

/** The chair closes the list, a delegate raises a point of order, group time shows: by keyboard, in zh and en. */
describe.skipIf(!hasChromium)('rules of procedure in the session room (headless Chromium)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  const openRoom = (p: TestParticipant, locale: string): Promise<Page> => visitRoom(browser, { url: server.url, participant: p, sessionId, locale, contexts, errors });

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('closes the list, takes a point of order ahead of statements, and shows time per group', async () => {
    const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const first = await createParticipant(server, { name: 'Ms Dlamini', group: 'government', country: 'ZA' });
    const second = await createParticipant(server, { name: '王伟', group: 'workers', country: 'CN' });
    const mod = await openRoom(chair, 'en-GB');
    const a = await openRoom(first, 'en-GB');
    const b = await openRoom(second, 'zh-CN');

    // The chair sees who is present, by constituent group (the chair and both delegates).
    await expect.poll(() => mod.getByTestId('presence').innerText(), { timeout: 10_000 }).toMatch(/^3 people present — .*Workers 1/);
    await mod.getByTestId('open-session').click();
    await expect.poll(() => a.locator('#session-status').getAttribute('data-status')).toBe('live');
    await a.getByTestId('request-floor').click();
    await expect.poll(() => mod.locator('#queue li').count()).toBe(1);

    // The chair closes the list: everyone is told, and a new statement is refused in the delegate's language.
    await mod.getByTestId('toggle-list').focus();
    await mod.keyboard.press('Enter');
    await expect.poll(() => b.getByTestId('list-closed').isVisible()).toBe(true);
    await expect.poll(() => mod.getByTestId('toggle-list').innerText()).toBe('Reopen the list of speakers');
    await b.getByTestId('request-floor').click();
    await expect.poll(() => b.locator('#room-error').innerText()).toContain('发言名单已截止');

    // A point of order is still accepted, and goes first.
    await b.getByTestId('point-of-order').click();
    await expect.poll(() => mod.locator('#queue li').count()).toBe(2);
    expect(await mod.locator('#queue li').first().innerText()).toContain('Point of order');
    await expect.poll(() => b.getByTestId('point-of-order').isVisible()).toBe(false);

    // Group time: the chair sets ten minutes for each tripartite group; delegates see what is left.
    for (const group of ['government', 'employers', 'workers']) await mod.locator(`#group-budgets-form input[data-group="${group}"]`).fill('10');
    await mod.locator('#group-budgets-form button[type="submit"]').click();
    await expect.poll(() => a.getByTestId('group-times').innerText()).toContain('Government: 10:00 left of 10:00');
    await expect.poll(() => b.getByTestId('group-times').innerText()).toContain('工人');
    expect(errors).toEqual([]);
  });
});
