// Two interpreters of one booth in the room (headless Chromium, real mediasoup worker): while one is on air,
// the partner's stage does not offer "Interpret into …" (the server would refuse it with booth_taken) and says
// who is on air instead; after a handover the two swap, live.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, emit, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { startMediaServer } from './support.ts';

const sessionId = 'thematic-3';
const poll = { timeout: 30_000, interval: 200 };

describe.skipIf(!hasChromium)('an interpreter whose booth partner is on air (headless Chromium, real mediasoup worker)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const errors: string[] = [];

  const openRoom = (p: TestParticipant): Promise<Page> =>
    visitRoom(browser, { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, contexts, errors });
  /** What the stage's interpreter controls offer: the buttons' labels, and who is said to be on air. */
  const offered = async (page: Page) => ({
    buttons: await page.getByTestId('publish-interpretation').allInnerTexts(),
    onAir: await page.getByTestId('interpretation-on-air').allInnerTexts(),
  });

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    while (contexts.length) await contexts.pop()?.close();
    await browser?.close();
    await server?.close();
  });

  it('offers the booth while it is free, names the partner on air instead of offering it, and follows a handover', async () => {
    const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const amelie = await createParticipant(server, { name: 'Amélie Roux', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const bruno = await createParticipant(server, { name: 'Bruno Petit', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const mod = await connect(server.url, { token: chair.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });

    const a = await openRoom(amelie);
    const b = await openRoom(bruno);
    // The booth is free: both are offered it.
    for (const page of [a, b]) await expect.poll(() => offered(page), poll).toEqual({ buttons: ['Interpret into French'], onAir: [] });

    // Amélie takes the booth: Bruno's stage names her instead of offering a channel the server would refuse.
    await a.getByTestId('booth-claim').click();
    await expect.poll(() => a.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');
    await expect.poll(() => offered(b), poll).toEqual({ buttons: [], onAir: ['French: Amélie Roux is on air'] });
    // Her own stage still has her channel, pressed.
    await expect.poll(() => a.getByTestId('publish-interpretation').getAttribute('aria-pressed'), poll).toBe('true');
    // What the button would have sent is refused, as before: the stage no longer offers it.
    const bSocket = await connect(server.url, { token: bruno.token });
    sockets.push(bSocket);
    await ok(bSocket, 'session:join', { sessionId });
    expect(await emit(bSocket, 'booth:claim', { sessionId, language: 'fr' })).toMatchObject({ ok: false, error: { code: 'booth_taken' } });

    // She hands over to Bruno: now his stage has the channel and hers names him, live.
    await a.getByTestId('booth-handover-to').selectOption(bruno.id);
    await a.getByTestId('booth-handover').click();
    await expect.poll(() => b.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');
    await expect.poll(() => offered(a), poll).toEqual({ buttons: [], onAir: ['French: Bruno Petit is on air'] });
    await expect.poll(() => b.getByTestId('publish-interpretation').getAttribute('aria-pressed'), poll).toBe('true');
    expect(errors).toEqual([]);
  }, 180_000);
});
