// The running order's times and where the room gets the order from (headless Chromium):
// - an item that never ran shows its planned time only (no "Actual 0:00"); once it has run, its actual time, and
//   its overrun when it ran beyond the plan, for the chair and for delegates alike;
// - the room and the projector take the order from the join snapshot and run:state: neither fetches it
//   (the room fetched it twice, once for the floor bar and once for the panel), yet both follow it live;
// - each page sends one session:join (the booth console and the captions panel each sent their own).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'thematic-2';
const eventually = <T>(probe: () => T | Promise<T>) => expect.poll(probe, { timeout: 15_000, interval: 100 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasChromium)('running-order times, and one copy of the order per page (headless Chromium)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const errors: string[] = [];
  /** GETs of the running order, per page. */
  const fetches = new Map<Page, number>();
  /** session:join events each page sent over its socket. */
  const joins = new Map<Page, number>();

  const counted = (page: Page): Page => {
    fetches.set(page, 0);
    joins.set(page, 0);
    page.on('websocket', (ws) => {
      ws.on('framesent', (frame) => {
        if (typeof frame.payload === 'string' && frame.payload.includes('["session:join"')) joins.set(page, (joins.get(page) ?? 0) + 1);
      });
    });
    page.on('request', (r) => {
      if (r.method() === 'GET' && new URL(r.url()).pathname.endsWith('/running-order')) fetches.set(page, (fetches.get(page) ?? 0) + 1);
    });
    return page;
  };
  const openRoom = async (p: TestParticipant): Promise<Page> => {
    const context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Zurich' });
    contexts.push(context);
    const page = counted(await context.newPage());
    page.on('pageerror', (e) => errors.push(`${p.name}: ${e.message}`));
    await page.goto(`${server.url}/i/${p.token}`);
    await page.goto(`${server.url}/events/${eventId}/sessions/${sessionId}`);
    await page.locator('#live-room').waitFor({ state: 'visible' });
    return page;
  };
  const times = (page: Page) => page.getByTestId('run-times').allInnerTexts().then((all) => all.map((t) => t.trim()));

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const put = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        items: [
          // Planned at nothing, so any time it runs is an overrun.
          { id: 'welcome', kind: 'statement', title: 'Welcome', speaker: 'Chair of the Governing Body', plannedMs: 0 },
          { id: 'keynote', kind: 'statement', title: 'Keynote', speaker: 'ILO Director-General', plannedMs: 600_000 },
          { id: 'floor', kind: 'floor', title: 'Open floor', plannedMs: 1_200_000 },
        ],
      }),
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('shows planned times only until an item runs, then its actual time and overrun; the room and projector never fetch the order', async () => {
    const chairP = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const delegateP = await createParticipant(server, { name: 'Aiko Tanaka', group: 'employers', country: 'JP' });
    const chairPage = await openRoom(chairP);
    const delegate = await openRoom(delegateP);

    // A session that never ran: planned times, nothing else.
    await eventually(() => times(delegate)).toEqual(['Planned 0:00', 'Planned 10:00', 'Planned 20:00']);
    await eventually(() => times(chairPage)).toEqual(['Planned 0:00', 'Planned 10:00', 'Planned 20:00']);
    expect(await delegate.getByTestId('run-overrun').count()).toBe(0);

    // The projector, opened by the chair's account too.
    const projectorContext = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    contexts.push(projectorContext);
    const projector = counted(await projectorContext.newPage());
    projector.on('pageerror', (e) => errors.push(`projector: ${e.message}`));
    await projector.goto(`${server.url}/i/${chairP.token}`);
    await projector.goto(`${server.url}/events/${eventId}/sessions/${sessionId}/projector`);
    await projector.locator('#projector-live').waitFor({ state: 'visible' });
    await eventually(() => projector.getByTestId('projector-run-next').innerText()).toBe('Welcome — Chair of the Governing Body');

    // The chair starts the order: the current statement names its speaker on the floor bar, live.
    const chair = await connect(server.url, { token: chairP.token });
    sockets.push(chair);
    await ok(chair, 'session:join', { sessionId });
    await ok(chair, 'session:open', { sessionId });
    await ok(chair, 'run:advance', { sessionId, itemId: 'welcome' });
    await eventually(() => delegate.getByTestId('floor-speaker').innerText()).toBe('Chair of the Governing Body');
    await eventually(() => projector.getByTestId('projector-run-now').innerText()).toBe('Welcome — Chair of the Governing Body');
    await sleep(1_500);
    await ok(chair, 'run:advance', { sessionId, itemId: 'keynote' });
    await eventually(() => delegate.getByTestId('floor-speaker').innerText()).toBe('ILO Director-General');

    // The welcome ran (over its plan of nothing), the keynote is running, the open floor has not run.
    for (const page of [delegate, chairPage]) {
      await eventually(async () => (await times(page)).map((t) => t.replace(/\d+:\d\d/g, 'm:ss'))).toEqual([
        'Planned m:ss · Actual m:ss · over by m:ss',
        'Planned m:ss · Actual m:ss',
        'Planned m:ss',
      ]);
      const welcome = page.locator('[data-item-id="welcome"]');
      expect(await welcome.getByTestId('run-overrun').innerText()).toMatch(/^over by 0:0[1-9]$/);
      expect(await page.locator('[data-item-id="floor"]').getByTestId('run-times').innerText()).not.toContain('Actual');
    }
    await eventually(() => projector.getByTestId('projector-run-next').innerText()).toBe('Open floor');
    // The running item's actual time counts on between broadcasts, like the floor clock.
    const keynoteSeconds = async (): Promise<number> => {
      const [, m, s] = /Actual (\d+):(\d\d)/.exec(await delegate.locator('[data-item-id="keynote"]').getByTestId('run-times').innerText()) ?? [];
      return Number(m) * 60 + Number(s);
    };
    const before = await keynoteSeconds();
    await eventually(keynoteSeconds).toBeGreaterThan(before);

    // None of the three pages fetched the running order: each took it from the join and followed run:state.
    expect([...fetches.values()]).toEqual([0, 0, 0]);
    // And each joined the session once: the interpreters' and captioners' panels read the room's join snapshot (they joined again, twice per page).
    expect([...joins.values()]).toEqual([1, 1, 1]);
    expect(errors).toEqual([]);
  }, 120_000);
});
