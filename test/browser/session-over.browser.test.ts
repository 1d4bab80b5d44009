// A session that is over, in headless Chromium: the room offers no "Ask for the floor", "Point of order",
// Intervention selector or question form, and says why ("This session has ended"), by the one status rule
// (server/domain/session-timing.ts): a past session nobody opened reads Ended; opening it brings the controls
// back; ending or cancelling it while the page is open takes them away live, and votes are no longer offered.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck } from '../../server/protocol/events.ts';
import { roomStateMessages } from '../../server/i18n/catalogs/room-state.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

/** Live updates arrive when they arrive: on a loaded machine that may take seconds. */
const eventually = <T>(probe: () => T | Promise<T>) => expect.poll(probe, { timeout: 15_000, interval: 100 });
const en = roomStateMessages.en;
const zh = roomStateMessages.zh;

describe.skipIf(!hasChromium)('the room of a session that is over (headless Chromium)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const errors: string[] = [];

  const openRoom = (p: TestParticipant, sessionId: string, locale = 'en-GB'): Promise<Page> =>
    visitRoom(browser, { url: server.url, participant: p, sessionId, locale, timezoneId: 'Europe/Zurich', contexts, errors });
  const socketOf = async (p: TestParticipant, sessionId: string): Promise<Socket> => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return socket;
  };
  /** What a delegate can do about the floor and the questions, as shown. */
  const offered = async (page: Page) => ({
    requestFloor: await page.getByTestId('request-floor').isVisible(),
    pointOfOrder: await page.getByTestId('point-of-order').isVisible(),
    intervention: await page.getByTestId('request-kind').isVisible(),
    askForm: await page.locator('#ask-form').isVisible(),
    floorNotice: await page.getByTestId('floor-over').isVisible(),
    questionsNotice: await page.getByTestId('questions-over').isVisible(),
  });
  const nothing = { requestFloor: false, pointOfOrder: false, intervention: false, askForm: false, floorNotice: true, questionsNotice: true };
  const everything = { requestFloor: true, pointOfOrder: true, intervention: true, askForm: true, floorNotice: false, questionsNotice: false };

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('closes the floor and the questions of a past session, opens them when the chair opens it, and closes them live when it ends', async () => {
    const sessionId = 'thematic-2';
    const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant(server, { name: 'Kofi Mensah', group: 'workers', country: 'GH' });
    const asker = await createParticipant(server, { name: 'Asker', group: 'employers', country: 'DE' });

    // The seeded session's time (February 2022) is past and nobody opened it: it reads Ended, and says why nothing is offered.
    const page = await openRoom(delegate, sessionId);
    expect(await page.getByTestId('session-status').innerText()).toBe('Ended');
    await eventually(() => offered(page)).toEqual(nothing);
    expect(await page.getByTestId('floor-over').innerText()).toBe(`${en.rs_ended} ${en.rs_floorClosed}`);
    expect(await page.getByTestId('questions-over').innerText()).toBe(`${en.rs_ended} ${en.rs_questionsClosed}`);
    // The stage says it too, rather than that it opens when the session is live, with no empty floor bar and clock above it.
    expect(await page.locator('#stage-note').innerText()).toBe(en.rs_ended);
    expect(await page.getByTestId('floor').isHidden()).toBe(true);
    // The empty lists speak of the past: no list of speakers at all, questions and votes none held.
    expect(await page.locator('#queue-heading').isHidden()).toBe(true);
    expect(await page.locator('#queue-empty').isHidden()).toBe(true);
    expect(await page.getByTestId('questions-empty').innerText()).toBe(en.rs_qnaNoneOver);
    expect(await page.getByTestId('polls-empty').innerText()).toBe(en.rs_pollsNoneOver);

    // The chair's console offers Open, not End, before the session is live.
    const chairPage = await openRoom(chair, sessionId);
    const chairButtons = async () => ({ open: await chairPage.getByTestId('open-session').isVisible(), end: await chairPage.getByTestId('end-session').isVisible() });
    await eventually(chairButtons).toEqual({ open: true, end: false });

    // The chair opens it (late, or for a rehearsal): live, everything is offered, without a reload; End replaces Open.
    const mod = await socketOf(chair, sessionId);
    await ok(mod, 'qna:mode', { sessionId, mode: 'open' });
    await ok(mod, 'session:open', { sessionId });
    await eventually(() => offered(page)).toEqual(everything);
    await eventually(chairButtons).toEqual({ open: false, end: true });
    const other = await socketOf(asker, sessionId);
    await ok(other, 'qna:ask', { sessionId, text: 'Will the recovery plans be costed?' });
    await eventually(() => page.getByTestId('vote').isEnabled()).toBe(true);
    await page.getByTestId('request-floor').click();
    await eventually(() => page.getByTestId('my-position').innerText()).toContain('1');
    // The chair starts the seeded running order: its first statement is on, the delegate is next.
    const first = (await ok<JoinAck>(mod, 'session:join', { sessionId })).run.items[0];
    await ok(mod, 'run:advance', { sessionId, itemId: first?.id });
    await eventually(() => page.getByTestId('run-now').innerText()).not.toBe('');
    await eventually(() => page.getByTestId('floor-next').innerText()).toContain('Kofi Mensah');
    await eventually(() => chairPage.getByTestId('give-floor').isVisible()).toBe(true);
    // The chair is told how to reorder the list while someone waits in it, and can move them and set their language.
    expect(await chairPage.locator('#queue-hint').isVisible()).toBe(true);
    expect(await chairPage.locator('#queue-heading').innerText()).toBe('Speaker queue');
    expect(await chairPage.locator('#queue [data-action="move-up"]').count()).toBe(1);
    expect(await chairPage.getByTestId('entry-language').count()).toBe(1);
    expect(await chairPage.locator('#queue li').getAttribute('draggable')).toBe('true');
    expect(await page.locator('#tab-floor-count').textContent()).toBe('1');

    // The chair ends it: the controls go while the page is open, the reason shows, the question stays with its count but takes no votes.
    await ok(mod, 'session:end', { sessionId });
    await eventually(() => page.getByTestId('session-status').getAttribute('data-status')).toBe('ended');
    await eventually(() => offered(page)).toEqual(nothing);
    expect(await page.getByTestId('floor-over').innerText()).toBe(`${en.rs_ended} ${en.rs_floorClosed}`);
    expect(await page.getByTestId('vote').isDisabled()).toBe(true);
    // Nothing is on and nobody is next once it is over (no floor bar), though the order still marks the item it was at.
    expect(await page.getByTestId('floor').isHidden()).toBe(true);
    expect(await page.getByTestId('floor-next').innerText()).toBe('');
    expect(await page.getByTestId('run-now').innerText()).toBe('');
    // Nor does the delegate's place in the list: no position, nothing to withdraw.
    expect(await page.getByTestId('my-position').innerText()).toBe('');
    expect(await page.getByTestId('withdraw-floor').isVisible()).toBe(false);
    expect(await page.getByTestId('vote-count').innerText()).toBe('0');
    // Ended, it may be reopened (the server allows it), not ended again; nobody waiting can be given the floor.
    await eventually(chairButtons).toEqual({ open: true, end: false });
    await eventually(() => chairPage.locator('#queue li').count()).toBe(1);
    expect(await chairPage.getByTestId('give-floor').isVisible()).toBe(false);
    // Nor told how to reorder a list that is closed: who was still inscribed stays listed, for the record, as not called,
    // with nothing to move or set, and the delegate's tab counts nobody waiting.
    expect(await chairPage.locator('#queue-hint').isVisible()).toBe(false);
    expect(await chairPage.locator('#queue-heading').innerText()).toBe(en.rs_notCalled);
    expect(await chairPage.locator('#queue li .entry-name').innerText()).toBe('Kofi Mensah');
    expect(await chairPage.locator('#queue [data-action]').count()).toBe(0);
    expect(await chairPage.getByTestId('entry-language').count()).toBe(0);
    expect(await chairPage.locator('#queue li').getAttribute('draggable')).not.toBe('true');
    expect(await page.locator('#queue-heading').innerText()).toBe(en.rs_notCalled);
    expect(await page.locator('#tab-floor-count').isHidden()).toBe(true);
    expect(errors).toEqual([]);
  }, 120_000);

  it('says a cancelled session was cancelled, live and in the page’s language', async () => {
    const sessionId = 'thematic-4';
    const chair = await createParticipant(server, { name: 'Chair Four', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant(server, { name: '李明', group: 'government', country: 'CN' });
    await ok(await socketOf(chair, sessionId), 'session:open', { sessionId });
    const page = await openRoom(delegate, sessionId, 'zh-CN');
    await eventually(() => offered(page)).toEqual(everything);

    const cancelled = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}`, { method: 'DELETE', headers: { authorization: `Bearer ${organizerToken}` } });
    expect(cancelled.status).toBeLessThan(300);
    await eventually(() => offered(page)).toEqual(nothing);
    expect(await page.getByTestId('floor-over').innerText()).toBe(`${zh.rs_cancelled}${zh.rs_floorClosed}`);
    expect(await page.getByTestId('questions-over').innerText()).toBe(`${zh.rs_cancelled}${zh.rs_questionsClosed}`);
    expect(errors).toEqual([]);
  }, 120_000);
});
