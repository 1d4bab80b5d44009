// The live stage in headless Chromium with fake camera and microphone,
// against a real mediasoup worker: a panelist goes live, a delegate's page
// decodes the video, the moderator gives a delegate the floor and that
// delegate's microphone reaches another page, and ending the floor stops it.
// Progress is read from the consumers' getStats() (window.plenaryMedia) and
// from the signalling, never from timings.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck } from '../../server/protocol/events.ts';
import type { ProducerClosedMessage } from '../../server/protocol/media-events.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { clientWorker, NodeMediaClient, startMediaServer } from './support.ts';

const sessionId = 'thematic-4';
const poll = { timeout: 30_000, interval: 250 };

interface Row {
  producerId: string;
  participantId: string;
  kind: 'audio' | 'video';
  source: string;
  packetsReceived: number;
  framesDecoded: number;
}

describe.skipIf(!hasChromium)('the live stage in headless Chromium (real mediasoup worker)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  const openRoom = (p: TestParticipant): Promise<Page> =>
    visitRoom(browser, { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, contexts, errors });

  const stats = (page: Page): Promise<Row[]> => page.evaluate(async () => (await window.plenaryMedia?.stats()) ?? []);
  const row = async (page: Page, participantId: string, kind: 'audio' | 'video'): Promise<Row | undefined> =>
    (await stats(page)).find((r) => r.participantId === participantId && r.kind === kind);

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    browser = await launchChromium();
  }, 60_000);

  afterEach(async () => {
    while (contexts.length) await contexts.pop()?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('a panelist goes live, delegates watch, the floor opens and closes a delegate’s microphone', async () => {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Panelist Ana', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    const speaker = await createParticipant(server, { name: 'Kwame (Government, GH)', group: 'government', country: 'GH' });
    const viewer = await createParticipant(server, { name: 'Viewer Li', group: 'employers', country: 'CN' });

    const mod = await openRoom(moderator);
    const pan = await openRoom(panelist);
    const view = await openRoom(viewer);
    const del = await openRoom(speaker);
    // The seeded session's time (2022) is past and nobody opened it: the stage reads Ended, as the badge does.
    await expect.poll(() => view.getByTestId('stage-note').innerText()).toBe('This session has ended.');

    // The moderator opens the session; the panelist's controls appear and they go live.
    await mod.getByTestId('open-session').click();
    await pan.getByTestId('publish').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await view.getByTestId('publish').isVisible()).toBe(false);
    await pan.getByTestId('publish').click();
    await expect.poll(() => pan.getByTestId('publish').getAttribute('aria-pressed'), poll).toBe('true');
    await expect.poll(() => pan.locator('#announcer').innerText(), poll).toContain('You are live');
    // The toolbar is state-aware (issue 17): each label names what the button does now.
    await expect.poll(() => pan.getByTestId('publish').innerText(), poll).toBe('Leave stage');
    expect(await pan.getByTestId('on-air').isVisible()).toBe(true);
    await expect.poll(() => pan.getByTestId('toggle-mic').innerText(), poll).toBe('Mute microphone');
    await expect.poll(() => pan.getByTestId('toggle-camera').innerText(), poll).toBe('Stop video');
    expect(await pan.getByTestId('share-screen').innerText()).toBe('Share screen');

    // The viewer's page shows the panelist's tile and decodes frames, more and more.
    const tile = view.locator(`[data-testid="stage-tile"][data-participant-id="${panelist.id}"]`);
    await tile.waitFor({ state: 'visible', timeout: 30_000 });
    await tile.scrollIntoViewIfNeeded();
    await expect.poll(async () => (await row(view, panelist.id, 'video'))?.framesDecoded ?? 0, poll).toBeGreaterThan(0);
    const firstCount = (await row(view, panelist.id, 'video'))?.framesDecoded ?? 0;
    await expect.poll(async () => (await row(view, panelist.id, 'video'))?.framesDecoded ?? 0, poll).toBeGreaterThan(firstCount + 10);
    expect(await view.locator('#stage-tiles video').count()).toBeGreaterThan(0);
    await expect.poll(async () => (await row(view, panelist.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(0);
    // Chromium's fake microphone beeps: the server's active-speaker observer hears it and the tile is highlighted.
    await expect.poll(() => tile.getAttribute('class'), poll).toContain('speaking');

    // The moderator's console lists the senders and can mute one (a hard mute the panelist sees).
    const micRow = mod.locator('#senders li', { hasText: 'Panelist Ana · microphone' });
    await micRow.getByTestId('mod-mute').click();
    await expect.poll(() => pan.getByTestId('toggle-mic').getAttribute('aria-pressed'), poll).toBe('true');
    await expect.poll(() => micRow.innerText(), poll).toContain('muted by the moderator');
    expect(await pan.getByTestId('toggle-mic').innerText()).toBe('Unmute microphone');
    await mod.locator('#senders li', { hasText: 'Panelist Ana · microphone' }).getByTestId('mod-mute').click();
    await expect.poll(() => pan.getByTestId('toggle-mic').getAttribute('aria-pressed'), poll).toBe('false');

    // An observer socket hears what the room hears.
    const observer = await connect(server.url, { token: viewer.token });
    await ok(observer, 'session:join', { sessionId });

    // The delegate asks for the floor and is given it: their microphone goes live on its own.
    await del.getByTestId('request-floor').click();
    await expect.poll(() => mod.locator('#queue li').count(), poll).toBe(1);
    await mod.locator('#queue li').first().getByTestId('give-floor').click();
    await expect.poll(() => del.getByTestId('floor-media-note').innerText(), poll).toBe('You have the floor: your microphone is live.');
    expect(await del.getByTestId('floor-mic-mute').getAttribute('aria-pressed')).toBe('false');

    // Their audio reaches the viewer's page.
    await expect.poll(async () => (await row(view, speaker.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(0);
    const heard = (await row(view, speaker.id, 'audio'))?.packetsReceived ?? 0;
    await expect.poll(async () => (await row(view, speaker.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(heard + 20);
    const speakerProducer = (await row(view, speaker.id, 'audio'))?.producerId;

    // Ending the floor closes the delegate's producer at once, for everyone.
    const closed = nextEvent<ProducerClosedMessage>(observer, 'media:producer-closed', (m) => m.producerId === speakerProducer, 30_000);
    await mod.getByTestId('end-floor').click();
    expect(await closed).toMatchObject({ participantId: speaker.id, reason: 'floor-ended' });
    await expect.poll(async () => (await row(view, speaker.id, 'audio')) === undefined, poll).toBe(true);
    await expect.poll(() => view.evaluate((id) => window.plenaryMedia?.producers().some((p) => p.producerId === id) ?? true, speakerProducer), poll).toBe(false);
    await expect.poll(() => del.getByTestId('floor-media-note').isVisible(), poll).toBe(false);
    await expect.poll(() => del.locator('#announcer').innerText(), poll).toContain('your microphone is off');
    // The panel goes on.
    const before = (await row(view, panelist.id, 'video'))?.framesDecoded ?? 0;
    await expect.poll(async () => (await row(view, panelist.id, 'video'))?.framesDecoded ?? 0, poll).toBeGreaterThan(before);

    // The viewer pins the panelist (by keyboard), then switches to audio only: the video goes, the sound stays.
    const pin = tile.getByTestId('tile-pin');
    await pin.focus();
    await view.keyboard.press('Enter');
    await expect.poll(() => tile.getByTestId('tile-pin').getAttribute('aria-pressed'), poll).toBe('true');
    await view.getByTestId('audio-only').click();
    await expect.poll(() => view.getByTestId('audio-only').getAttribute('aria-pressed'), poll).toBe('true');
    await expect.poll(() => view.locator('#stage-tiles video').count(), poll).toBe(0);
    const sound = (await row(view, panelist.id, 'audio'))?.packetsReceived ?? 0;
    await expect.poll(async () => (await row(view, panelist.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(sound);
    await view.getByTestId('audio-only').click();
    await expect.poll(() => view.locator('#stage-tiles video').count(), poll).toBeGreaterThan(0);

    // Camera off: the label flips and the viewer sees a name card with the panelist's initials.
    await pan.getByTestId('toggle-camera').click();
    await expect.poll(() => pan.getByTestId('toggle-camera').innerText(), poll).toBe('Start video');
    await expect.poll(() => tile.getAttribute('class'), poll).toContain('camera-off');
    expect(await tile.locator('.tile-initials').innerText()).toBe('PA');
    expect(await tile.locator('.tile-initials').isVisible()).toBe(true);
    await pan.getByTestId('toggle-camera').click();
    await expect.poll(() => pan.getByTestId('toggle-camera').innerText(), poll).toBe('Stop video');
    await expect.poll(() => tile.getAttribute('class'), poll).not.toContain('camera-off');

    // Leaving the stage asks first: "Stay on stage" keeps the panelist live, "Leave stage" leaves.
    await pan.getByTestId('publish').click();
    await expect.poll(() => pan.getByTestId('leave-stage-dialog').isVisible(), poll).toBe(true);
    await pan.getByTestId('leave-stage-dialog').getByRole('button', { name: 'Stay on stage' }).click();
    expect(await pan.getByTestId('leave-stage-dialog').isVisible()).toBe(false);
    expect(await pan.getByTestId('publish').getAttribute('aria-pressed')).toBe('true');
    await pan.getByTestId('publish').click();
    await pan.getByTestId('confirm-leave-stage').click();
    await expect.poll(() => pan.getByTestId('publish').getAttribute('aria-pressed'), poll).toBe('false');
    await expect.poll(() => pan.getByTestId('publish').innerText(), poll).toBe('Go live');
    expect(await pan.getByTestId('on-air').isVisible()).toBe(false);
    await expect.poll(() => tile.count(), poll).toBe(0);

    observer.close();
    expect(errors).toEqual([]);
  }, 180_000);

  it('lets a delegate pick an interpretation channel instead of the floor audio', async () => {
    const moderator = await createParticipant(server, { name: 'Chair 2', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Panelist Bo', roles: [{ sessionId, role: 'panelist' }] });
    const interpreter = await createParticipant(server, { name: 'Booth FR', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const viewer = await createParticipant(server, { name: 'Viewer Amara', group: 'workers', country: 'SN' });

    const mod = await openRoom(moderator);
    // Open, unless an earlier test left the session live (the console then offers End instead).
    if (await mod.getByTestId('open-session').isVisible()) await mod.getByTestId('open-session').click();
    const pan = await openRoom(panelist);
    await pan.getByTestId('publish').click();
    const booth = await openRoom(interpreter);
    await booth.getByTestId('publish-interpretation').click();
    await expect.poll(() => booth.getByTestId('publish-interpretation').getAttribute('aria-pressed'), poll).toBe('true');
    // An interpreter has no panel controls.
    expect(await booth.getByTestId('publish').isVisible()).toBe(false);

    const view = await openRoom(viewer);
    const select = view.getByTestId('language-select');
    await expect.poll(() => select.locator('option[value="fr"]').count(), poll).toBe(1);
    expect(await select.locator('option[value="fr"]').innerText()).toBe('French');
    // Floor audio plays; the channel is not received until chosen.
    await expect.poll(async () => (await row(view, panelist.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(0);
    expect(await row(view, interpreter.id, 'audio')).toBeUndefined();

    await select.selectOption('fr');
    await expect.poll(() => view.locator('#announcer').innerText(), poll).toContain('Listening to French');
    await expect.poll(async () => (await row(view, interpreter.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(20);
    // The floor audio is paused on the server meanwhile: its packet count stands still.
    await new Promise((r) => setTimeout(r, 500));
    const floorPackets = (await row(view, panelist.id, 'audio'))?.packetsReceived ?? 0;
    await new Promise((r) => setTimeout(r, 1000));
    expect((await row(view, panelist.id, 'audio'))?.packetsReceived).toBe(floorPackets);

    // Back to the floor.
    await select.selectOption('');
    await expect.poll(async () => (await row(view, panelist.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(floorPackets + 20);
    expect(await row(view, interpreter.id, 'audio')).toBeUndefined();
    expect(errors).toEqual([]);
  }, 180_000);

  it('a speaker who goes live while a delegate’s page is still loading its media device reaches that delegate', async () => {
    const moderator = await createParticipant(server, { name: 'Chair 5', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Panelist Eun', roles: [{ sessionId, role: 'panelist' }] });
    const viewer = await createParticipant(server, { name: 'Viewer Ines', group: 'government', country: 'PT' });
    const chair = await connect(server.url, { token: moderator.token });
    const speaker = await connect(server.url, { token: panelist.token });
    const worker = await clientWorker();
    try {
      const joined = await ok<JoinAck>(chair, 'session:join', { sessionId });
      if (joined.session.status !== 'live') await ok(chair, 'session:open', { sessionId });
      await ok(speaker, 'session:join', { sessionId });

      // The page's device load (mediasoup-client's first createOffer) waits
      // for the test: it comes after the page has its media snapshot.
      const gate = `(() => {
        const createOffer = RTCPeerConnection.prototype.createOffer;
        const gate = { reached: false, open: () => {} };
        window.mediaGate = gate;
        RTCPeerConnection.prototype.createOffer = function (...args) {
          if (gate.reached) return createOffer.apply(this, args);
          gate.reached = true;
          return new Promise((resolve) => { gate.open = resolve; }).then(() => createOffer.apply(this, args));
        };
      })();`;
      const frames: string[] = [];
      const view = await visitRoom(browser, {
        url: server.url, participant: viewer, eventId, sessionId, timezoneId: 'Europe/Zurich', contexts, errors, initScript: gate,
        onPage: (page) => page.on('websocket', (ws) => ws.on('framereceived', (f) => { if (typeof f.payload === 'string') frames.push(f.payload); })),
      });
      const held = (): Promise<boolean> => view.evaluate(() => (window as unknown as { mediaGate?: { reached: boolean } }).mediaGate?.reached === true);
      await expect.poll(held, poll).toBe(true);

      // The panelist goes live now: after the page's snapshot, before its device is ready.
      const media = await NodeMediaClient.create(speaker, sessionId, worker);
      await media.join();
      const mic = await media.produceAudio();
      await expect.poll(() => frames.some((f) => f.includes('media:new-producer') && f.includes(mic.producerId)), poll).toBe(true);

      await view.evaluate(() => (window as unknown as { mediaGate: { open: () => void } }).mediaGate.open());
      await expect.poll(async () => (await row(view, panelist.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(20);
      mic.stop();
      expect(errors).toEqual([]);
    } finally {
      chair.close();
      speaker.close();
      worker.close();
    }
  }, 120_000);

  /** A moderator opens the session, a panelist goes live, and a viewer decodes their video. */
  async function panelistWatched(names: { moderator: string; panelist: string; viewer: string }) {
    const moderator = await createParticipant(server, { name: names.moderator, roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: names.panelist, roles: [{ sessionId, role: 'panelist' }] });
    const viewer = await createParticipant(server, { name: names.viewer, group: 'workers', country: 'EG' });
    const mod = await openRoom(moderator);
    // Open, unless an earlier test left the session live (the console then offers End instead).
    if (await mod.getByTestId('open-session').isVisible()) await mod.getByTestId('open-session').click();
    const pan = await openRoom(panelist);
    await pan.getByTestId('publish').click();
    const view = await openRoom(viewer);
    await view.locator(`[data-testid="stage-tile"][data-participant-id="${panelist.id}"]`).scrollIntoViewIfNeeded({ timeout: 30_000 });
    await expect.poll(async () => (await row(view, panelist.id, 'video'))?.framesDecoded ?? 0, poll).toBeGreaterThan(0);
    const producerId = (await row(view, panelist.id, 'video'))?.producerId;
    return { panelist, pan, view, producerId };
  }

  /** The viewer decodes the panelist again, from a new producer, and the panelist is still live. */
  async function decodesAgain({ panelist, pan, view, producerId }: Awaited<ReturnType<typeof panelistWatched>>): Promise<void> {
    await expect.poll(async () => {
      const r = await row(view, panelist.id, 'video');
      return r && r.producerId !== producerId ? r.framesDecoded : 0;
    }, poll).toBeGreaterThan(0);
    expect(await pan.getByTestId('publish').getAttribute('aria-pressed')).toBe('true');
    expect(errors).toEqual([]);
  }

  it('recovers when the media worker dies: the panelist republishes and viewers decode again', async () => {
    const stage = await panelistWatched({ moderator: 'Chair 3', panelist: 'Panelist Chen', viewer: 'Viewer Omar' });
    const media = server.media!;
    const pid = media.stats().sessions.find((x) => x.sessionId === sessionId)?.routers[0]?.workerPid;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    // The pool replaces the worker; the pages rejoin by themselves (the panelist's tracks are still live).
    await expect.poll(() => media.stats().workers.some((w) => w.pid !== pid), poll).toBe(true);
    await decodesAgain(stage);
  }, 180_000);

  it('recovers when the panelist’s connection drops: the page rejoins the session, then its media, and viewers decode again', async () => {
    const stage = await panelistWatched({ moderator: 'Chair 4', panelist: 'Panelist Dara', viewer: 'Viewer Lea' });
    // Cut the panelist's connection from the server side; Socket.IO reconnects it.
    const panelistSockets = [...server.io.sockets.sockets.values()].filter((s) => {
      const caller = (s.data as { caller?: { kind: string; participant?: { id: string } } }).caller;
      return caller?.kind === 'participant' && caller.participant?.id === stage.panelist.id;
    });
    expect(panelistSockets.length).toBeGreaterThan(0);
    for (const s of panelistSockets) s.conn.close();
    await decodesAgain(stage);
  }, 180_000);
});
