// The live stage across three server processes sharing Redis, in headless
// Chromium (media on 127.0.0.1, 127.0.0.2, 127.0.0.3): a panelist publishes
// through process A, delegates whose pages are served by B and C decode the
// video and audio (piped between the processes' routers); the floor opens a
// delegate's microphone on B, pages on A and C hear it, and ending the floor
// closes it everywhere. Progress is read from getStats() (window.plenaryMedia).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProducerClosedMessage } from '../../server/protocol/media-events.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { hasRedis, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { connect, createParticipant, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import type { Socket } from 'socket.io-client';
import { clientWorker, freePortBase, NodeMediaClient } from './support.ts';

const sessionId = 'thematic-4';
const poll = { timeout: 30_000, interval: 250 };
const ips = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

interface Row {
  producerId: string;
  participantId: string;
  kind: 'audio' | 'video';
  source: string;
  packetsReceived: number;
  framesDecoded: number;
}

describe.skipIf(!hasChromium || !hasRedis)('the live stage across three server processes in headless Chromium', () => {
  let cluster: ServerCluster;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  const openRoom = (url: string, p: TestParticipant): Promise<Page> =>
    visitRoom(browser, { url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, contexts, errors });

  const stats = (page: Page): Promise<Row[]> => page.evaluate(async () => (await window.plenaryMedia?.stats()) ?? []);
  const row = async (page: Page, participantId: string, kind: 'audio' | 'video'): Promise<Row | undefined> =>
    (await stats(page)).find((r) => r.participantId === participantId && r.kind === kind);
  const decoded = async (page: Page, participantId: string): Promise<number> => (await row(page, participantId, 'video'))?.framesDecoded ?? 0;
  const heard = async (page: Page, participantId: string): Promise<number> => (await row(page, participantId, 'audio'))?.packetsReceived ?? 0;

  beforeAll(async () => {
    const bases: number[] = [];
    for (let i = 0; i < 3; i++) bases.push(await freePortBase(10));
    cluster = await startServerCluster(3, 'warn', (i) => ({
      MEDIA_ENABLED: 'true',
      MEDIA_WORKERS: '1',
      MEDIA_LISTEN_IP: ips[i] ?? '127.0.0.1',
      MEDIA_RTC_MIN_PORT: String(bases[i]),
      MEDIA_RTC_MAX_PORT: String((bases[i] ?? 0) + 9),
    }));
    browser = await launchChromium();
  }, 90_000);

  afterEach(async () => {
    while (contexts.length) await contexts.pop()?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
  });

  it('a panelist on A is decoded on B and C; the floor opens a delegate’s microphone on B, A and C hear it, ending the floor closes it everywhere', async () => {
    const [urlA, urlB, urlC] = cluster.urls as [string, string, string];
    const moderator = await createParticipant({ url: urlA }, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant({ url: urlA }, { name: 'Panelist Ana', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    const speaker = await createParticipant({ url: urlA }, { name: 'Kwame (Government, GH)', group: 'government', country: 'GH' });
    const viewerB = await createParticipant({ url: urlA }, { name: 'Viewer Li', group: 'employers', country: 'CN' });
    const viewerC = await createParticipant({ url: urlA }, { name: 'Viewer Sara', group: 'workers', country: 'BR' });

    const mod = await openRoom(urlA, moderator);
    await mod.getByTestId('open-session').click();
    const pan = await openRoom(urlA, panelist);
    await pan.getByTestId('publish').waitFor({ state: 'visible', timeout: 30_000 });
    await pan.getByTestId('publish').click();
    await expect.poll(() => pan.getByTestId('publish').getAttribute('aria-pressed'), poll).toBe('true');

    const viewB = await openRoom(urlB, viewerB);
    const viewC = await openRoom(urlC, viewerC);
    for (const view of [viewB, viewC]) {
      const tile = view.locator(`[data-testid="stage-tile"][data-participant-id="${panelist.id}"]`);
      await tile.waitFor({ state: 'visible', timeout: 30_000 });
      await tile.scrollIntoViewIfNeeded();
    }
    for (const view of [viewB, viewC]) {
      await expect.poll(() => decoded(view, panelist.id), poll).toBeGreaterThan(0);
      const first = await decoded(view, panelist.id);
      await expect.poll(() => decoded(view, panelist.id), poll).toBeGreaterThan(first + 10);
      await expect.poll(() => heard(view, panelist.id), poll).toBeGreaterThan(20);
    }

    // The delegate on B is given the floor by the moderator on A: their microphone reaches A and C.
    const del = await openRoom(urlB, speaker);
    const observer = await connect(urlC, { token: viewerC.token });
    await ok(observer, 'session:join', { sessionId });
    await del.getByTestId('request-floor').click();
    await expect.poll(() => mod.locator('#queue li').count(), poll).toBe(1);
    await mod.locator('#queue li').first().getByTestId('give-floor').click();
    await expect.poll(() => del.getByTestId('floor-media-note').innerText(), poll).toBe('You have the floor: your microphone is live.');
    for (const view of [viewC, mod]) {
      await expect.poll(() => heard(view, speaker.id), poll).toBeGreaterThan(0);
      const now = await heard(view, speaker.id);
      await expect.poll(() => heard(view, speaker.id), poll).toBeGreaterThan(now + 20);
    }
    const speakerProducer = (await row(viewC, speaker.id, 'audio'))?.producerId;

    // Ending the floor on A closes the producer held on B, for the pages on every process.
    const closed = nextEvent<ProducerClosedMessage>(observer, 'media:producer-closed', (m) => m.producerId === speakerProducer, 30_000);
    await mod.getByTestId('end-floor').click();
    expect(await closed).toMatchObject({ participantId: speaker.id, reason: 'floor-ended' });
    for (const view of [viewB, viewC, mod]) {
      await expect.poll(async () => (await row(view, speaker.id, 'audio')) === undefined, poll).toBe(true);
    }
    await expect.poll(() => del.getByTestId('floor-media-note').isVisible(), poll).toBe(false);
    // The panel goes on, on the other processes.
    const before = await decoded(viewC, panelist.id);
    await expect.poll(() => decoded(viewC, panelist.id), poll).toBeGreaterThan(before);
    observer.close();
    expect(errors).toEqual([]);
  }, 180_000);

  it('last N: a delegate watching a 6-camera panel on other processes receives at most 4 videos, a pinned one among them, and none in audio-only mode', async () => {
    const [urlA, urlB, urlC] = cluster.urls as [string, string, string];
    const worker = await clientWorker();
    const clients: NodeMediaClient[] = [];
    const sockets: Socket[] = [];
    try {
      const moderator = await createParticipant({ url: urlA }, { name: 'Chair 6', roles: [{ sessionId, role: 'moderator' }] });
      const modSocket = await connect(urlA, { token: moderator.token });
      sockets.push(modSocket);
      await ok(modSocket, 'session:join', { sessionId });
      await ok(modSocket, 'session:open', { sessionId });
      const panel: TestParticipant[] = [];
      for (let i = 0; i < 6; i++) {
        const p = await createParticipant({ url: urlA }, { name: `Camera ${i}`, roles: [{ sessionId, role: 'panelist' }] });
        panel.push(p);
        const socket = await connect(i % 2 === 0 ? urlA : urlB, { token: p.token });
        sockets.push(socket);
        await ok(socket, 'session:join', { sessionId });
        const media = await NodeMediaClient.create(socket, sessionId, worker);
        clients.push(media);
        await media.join();
        await media.produceAudio({ level: 127 });
        await media.produceVideo();
      }
      const viewer = await createParticipant({ url: urlA }, { name: 'Viewer Zhou', group: 'government', country: 'CN' });
      const view = await openRoom(urlC, viewer);
      const videos = async (): Promise<Row[]> => (await stats(view)).filter((r) => r.kind === 'video');
      await expect.poll(async () => (await stats(view)).filter((r) => r.kind === 'audio').length, poll).toBe(6);
      await expect.poll(async () => (await videos()).length, poll).toBe(4);
      // Pinning the sixth camera brings it in; still four.
      const last = panel[5] as TestParticipant;
      if (!(await videos()).some((r) => r.participantId === last.id)) {
        await view.evaluate((id) => window.plenaryMedia?.pin(id, true), last.id);
      }
      await expect.poll(async () => (await videos()).some((r) => r.participantId === last.id), poll).toBe(true);
      expect((await videos()).length).toBe(4);
      // Audio only: no video at all, the audio stays.
      await view.evaluate(() => window.plenaryMedia?.audioOnly(true));
      await expect.poll(async () => (await videos()).length, poll).toBe(0);
      expect((await stats(view)).filter((r) => r.kind === 'audio').length).toBe(6);
      await view.evaluate(() => window.plenaryMedia?.audioOnly(false));
      await expect.poll(async () => (await videos()).length, poll).toBe(4);
      expect(errors).toEqual([]);
    } finally {
      for (const c of clients) c.close();
      for (const s of sockets) s.close();
      worker.close();
    }
  }, 180_000);
});
