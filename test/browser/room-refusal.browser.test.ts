import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'thematic-3';

/**
 * What a screen-reader user hears after asking for the floor: the refusal
 * when the server refuses, "You are in the queue" only when it accepts.
 */
describe.skipIf(!hasChromium)('asking for the floor in headless Chromium: what is announced', () => {
  let server: Plenary;
  let browser: Browser;
  let chair: Socket | undefined;
  const contexts: BrowserContext[] = [];

  const openRoom = (p: TestParticipant): Promise<Page> => visitRoom(browser, { url: server.url, participant: p, sessionId, timezoneId: 'Europe/Paris', contexts });

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    chair?.close();
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('announces the refusal, not "queued", when the server refuses; "queued" once it accepts', async () => {
    const delegate = await createParticipant(server, { name: 'Refused Delegate', group: 'workers', country: 'KE' });
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    // The session is moved to next year: upcoming, it offers the request (a past one would read Ended and offer none).
    const year = new Date().getUTCFullYear() + 1;
    const moved = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ start: `${year}-02-23T14:45`, end: `${year}-02-23T16:15` }),
    });
    expect(moved.status).toBe(200);
    const page = await openRoom(delegate);
    const refusal = 'The session is not live yet: the moderator opens it.';

    // The session is not open: the request is refused.
    await page.getByTestId('request-floor').click();
    await expect.poll(() => page.locator('#alerts').innerText()).toBe(refusal);
    expect(await page.locator('#room-error').innerText()).toBe(refusal);
    // The success message would follow 50 ms after the ack; give it ample time to (wrongly) appear.
    await page.waitForTimeout(500);
    expect(await page.locator('#announcer').innerText()).not.toContain('You are in the queue.');

    // The same refusal again is announced again (the alert region is re-set).
    await page.evaluate(() => {
      const alerts = document.getElementById('alerts');
      if (alerts) alerts.textContent = 'stale';
    });
    await page.getByTestId('request-floor').click();
    await expect.poll(() => page.locator('#alerts').innerText()).toBe(refusal);

    // Once the chair opens the session, the same button succeeds and says so.
    chair = await connect(server.url, { token: moderator.token });
    await ok(chair, 'session:join', { sessionId });
    await ok(chair, 'session:open', { sessionId });
    await expect.poll(() => page.locator('#session-status').getAttribute('data-status')).toBe('live');
    await page.getByTestId('request-floor').click();
    await expect.poll(() => page.locator('#announcer').innerText()).toBe('You are in the queue.');
    expect(await page.locator('#room-error').isVisible()).toBe(false);
  });
});
