// The speaker view (issue 17) in headless Chromium with fake camera and microphone against a real mediasoup
// worker: of two panelists the active speaker's tile is the large one; with a delegate given the floor, the floor
// holder's tile is, and the panelist's a small one in the strip; when the floor ends the lone remaining tile is large.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { createParticipant, eventId, type TestParticipant } from '../support/realtime.ts';
import { startMediaServer } from './support.ts';

const sessionId = 'thematic-2';
const poll = { timeout: 30_000, interval: 250 };

describe.skipIf(!hasChromium)('the speaker view in headless Chromium (real mediasoup worker)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  const openRoom = (p: TestParticipant): Promise<Page> =>
    visitRoom(browser, { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, contexts, errors });

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('shows the active speaker large, then the floor holder large with the panel as a strip, then the lone panelist large', { timeout: 120_000 }, async () => {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Panelist Ana', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    const speaker = await createParticipant(server, { name: 'Kwame Mensah', group: 'government', country: 'GH' });
    const viewer = await createParticipant(server, { name: 'Viewer Li', group: 'employers', country: 'CN' });
    const mod = await openRoom(moderator);
    const pan = await openRoom(panelist);
    const del = await openRoom(speaker);
    const view = await openRoom(viewer);

    await mod.getByTestId('open-session').click();
    await pan.getByTestId('publish').waitFor({ state: 'visible', timeout: 30_000 });
    await pan.getByTestId('publish').click();
    const panelTile = view.locator(`[data-testid="stage-tile"][data-participant-id="${panelist.id}"]`);
    await panelTile.waitFor({ state: 'visible', timeout: 30_000 });
    // Alone on stage, the panelist is shown large.
    await expect.poll(() => panelTile.getAttribute('data-featured'), poll).toBe('true');

    // A second panelist joins: the active speaker (the server's observer hears the fake microphones) is the large one.
    const second = await createParticipant(server, { name: 'Panelist Ben', group: 'employers', roles: [{ sessionId, role: 'panelist' }] });
    const pan2 = await openRoom(second);
    await pan2.getByTestId('publish').waitFor({ state: 'visible', timeout: 30_000 });
    await pan2.getByTestId('publish').click();
    await expect.poll(() => view.locator('#stage-tiles [data-testid="stage-tile"]').count(), poll).toBe(2);
    await expect.poll(() => view.locator('#stage-tiles .tile.speaking').count(), poll).toBe(1);
    await expect.poll(async () => (await view.locator('#stage-tiles .tile.speaking').getAttribute('data-participant-id')) === (await view.locator('#stage-tiles [data-featured="true"]').getAttribute('data-participant-id')), poll).toBe(true);
    await pan2.getByTestId('publish').click();
    await pan2.getByTestId('confirm-leave-stage').click();
    await expect.poll(() => view.locator('#stage-tiles [data-testid="stage-tile"]').count(), poll).toBe(1);

    await del.getByTestId('request-floor').click();
    await expect.poll(() => mod.locator('#queue li').count(), poll).toBe(1);
    await mod.locator('#queue li').first().getByTestId('give-floor').click();
    const speakerTile = view.locator(`[data-testid="stage-tile"][data-participant-id="${speaker.id}"]`);
    await speakerTile.waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => speakerTile.getAttribute('data-featured'), poll).toBe('true');
    expect(await panelTile.getAttribute('data-featured')).toBeNull();
    expect(await view.locator('#stage-tiles [data-featured="true"]').count()).toBe(1);
    const big = await speakerTile.boundingBox();
    const small = await panelTile.boundingBox();
    expect(big && small && big.width > 2 * small.width).toBe(true);
    expect(big && small && big.height > small.height).toBe(true);
    // Both in the first screen: the strip runs beside the large tile.
    expect(big && small && Math.abs(big.y - small.y) < 1).toBe(true);

    await mod.getByTestId('end-floor').click();
    await expect.poll(() => speakerTile.count(), poll).toBe(0);
    await expect.poll(() => panelTile.getAttribute('data-featured'), poll).toBe('true');
    expect(errors).toEqual([]);
  });
});
