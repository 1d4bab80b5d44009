// Faults across server processes, in headless Chromium behind a TCP load
// balancer (test/media/support.ts): four processes sharing Redis, media on
// 127.0.0.1-4. A viewer's process crashes: the page reconnects through the
// balancer to another process and plays again by itself within 10 s. The
// publisher's process crashes: the others drop its producers and pipes
// (heartbeat), the page reconnects elsewhere and republishes, and viewers
// decode the new producer: nothing stays stuck.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { hasRedis } from '../support/processes.ts';
import { createParticipant, eventId, type TestParticipant } from '../support/realtime.ts';
import { startBalancer, startMediaCluster, type MediaCluster } from './support.ts';

const sessionId = 'thematic-4';
const poll = { timeout: 30_000, interval: 250 };

interface Row {
  consumerId: string;
  producerId: string;
  participantId: string;
  kind: 'audio' | 'video';
  framesDecoded: number;
  packetsReceived: number;
}

describe.skipIf(!hasChromium || !hasRedis)('media survives a crashed server process (4 processes, headless Chromium)', () => {
  let cluster: MediaCluster;
  let browser: Browser;
  const balancers: { url: string; close(): Promise<void> }[] = [];
  const contexts: BrowserContext[] = [];

  const openRoom = (url: string, p: TestParticipant): Promise<Page> =>
    visitRoom(browser, { url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, contexts });

  const video = async (page: Page, participantId: string): Promise<Row | undefined> =>
    ((await page.evaluate(async () => (await window.plenaryMedia?.stats()) ?? [])) as Row[]).find((r) => r.participantId === participantId && r.kind === 'video');

  /** Frames decoded by a consumer other than `not`, and still increasing. */
  async function decodesNew(page: Page, participantId: string, not: (r: Row) => boolean): Promise<Row> {
    let first: Row | undefined;
    await expect.poll(async () => {
      const r = await video(page, participantId);
      if (!r || not(r) || r.framesDecoded === 0) return false;
      if (!first || first.consumerId !== r.consumerId) first = r;
      return r.framesDecoded > first.framesDecoded;
    }, poll).toBe(true);
    return (await video(page, participantId)) as Row;
  }

  beforeAll(async () => {
    cluster = await startMediaCluster(4);
    browser = await launchChromium();
  }, 120_000);

  afterEach(async () => {
    while (contexts.length) await contexts.pop()?.close();
  });

  afterAll(async () => {
    await browser?.close();
    for (const b of balancers) await b.close();
    await cluster?.stop();
  });

  it('a viewer whose process crashes plays again from another within 10 s; a publisher whose process crashes republishes elsewhere and is decoded again', async () => {
    const [urlA, urlB, urlC, urlD] = cluster.urls as [string, string, string, string];
    // The publisher lands on A (else D); the viewer on B (else C).
    const toPublisher = await startBalancer(() => [urlA, urlD]);
    const toViewer = await startBalancer(() => [urlB, urlC]);
    balancers.push(toPublisher, toViewer);
    const moderator = await createParticipant({ url: urlA }, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant({ url: urlA }, { name: 'Panelist Ines', roles: [{ sessionId, role: 'panelist' }] });
    const viewer = await createParticipant({ url: urlA }, { name: 'Viewer Tomas', group: 'workers', country: 'AR' });

    const mod = await openRoom(urlD, moderator);
    await mod.getByTestId('open-session').click();
    const pan = await openRoom(toPublisher.url, panelist);
    await pan.getByTestId('publish').waitFor({ state: 'visible', timeout: 30_000 });
    await pan.getByTestId('publish').click();
    await expect.poll(() => pan.getByTestId('publish').getAttribute('aria-pressed'), poll).toBe('true');
    const view = await openRoom(toViewer.url, viewer);
    await view.locator(`[data-testid="stage-tile"][data-participant-id="${panelist.id}"]`).scrollIntoViewIfNeeded({ timeout: 30_000 });
    const before = await decodesNew(view, panelist.id, () => false);

    // The viewer's process (B) crashes: the page plays again, from C, within 10 s.
    const killedAt = Date.now();
    cluster.kill(1);
    const again = await decodesNew(view, panelist.id, (r) => r.consumerId === before.consumerId);
    expect(again.producerId).toBe(before.producerId);
    expect(Date.now() - killedAt).toBeLessThan(10_000);

    // The publisher's process (A) crashes: the panelist's page republishes through D, the viewer on C decodes the new producer.
    cluster.kill(0);
    const republished = await decodesNew(view, panelist.id, (r) => r.producerId === before.producerId);
    expect(republished.producerId).not.toBe(before.producerId);
    expect(await pan.getByTestId('publish').getAttribute('aria-pressed')).toBe('true');
    // The dead producer is gone from the stage everywhere (the heartbeat dropped it).
    await expect.poll(() => view.evaluate((id) => window.plenaryMedia?.producers().some((p) => p.producerId === id) ?? true, before.producerId), poll).toBe(false);
    await expect.poll(() => mod.evaluate((id) => window.plenaryMedia?.producers().some((p) => p.producerId === id) ?? true, before.producerId), poll).toBe(false);
  }, 180_000);
});
