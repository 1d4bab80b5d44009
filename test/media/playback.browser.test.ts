// A pre-recorded statement on the stage in headless Chromium (issue 18):
// nobody publishes live; the moderator advances the running order to a
// pre-recorded statement and a delegate's page shows its tile, named after
// the speaker, and decodes its video and receives its audio (getStats via
// window.plenaryMedia), until the moderator moves on.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { stageReady } from '../support/running-order.ts';
import { getJson, organizerToken, postFresh, tempDir } from '../support/server.ts';
import { startMediaServer } from './support.ts';

const sessionId = 'thematic-1';
const base = `/api/events/${eventId}/sessions/${sessionId}/running-order`;
const poll = { timeout: 30_000, interval: 250 };
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0 && spawnSync('ffprobe', ['-version'], { stdio: 'ignore' }).status === 0;

interface Row {
  participantId: string;
  kind: 'audio' | 'video';
  packetsReceived: number;
  framesDecoded: number;
}

describe.skipIf(!hasChromium || !hasFfmpeg)('a pre-recorded statement on the stage in headless Chromium (real mediasoup worker)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const openRoom = (p: TestParticipant): Promise<Page> => visitRoom(browser, { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', contexts });
  const row = async (page: Page, participantId: string, kind: 'audio' | 'video'): Promise<Row | undefined> =>
    ((await page.evaluate(async () => (await window.plenaryMedia?.stats()) ?? [])) as Row[]).find((r) => r.participantId === participantId && r.kind === kind);

  beforeAll(async () => {
    process.env.RECORDING_STAGE_SIZE = '320x180'; // a small stage copy: quick to make on a busy machine
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    delete process.env.RECORDING_STAGE_SIZE;
    browser = await launchChromium();
    const file = path.join(tempDir('plenary-playback-'), 'statement.mp4');
    const made = spawnSync('ffmpeg', [
      '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25:duration=30', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=30',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file,
    ]);
    expect(made.status).toBe(0);
    const items = [{ id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'President of Chile', prerecorded: true, plannedMs: 60_000 }, { id: 'panel', kind: 'panel', title: 'Panel', plannedMs: 60_000 }];
    const put = await getJson(`${server.url}${base}`, { method: 'PUT', headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
    expect(put.status).toBe(200);
    const up = await postFresh(`${server.url}${base}/hos-1/recording`, { authorization: `Bearer ${organizerToken}`, 'content-type': 'video/mp4' }, new Uint8Array(fs.readFileSync(file)));
    expect(up.status).toBe(201);
    // Watched and cleared for the floor (only an approved video is played).
    expect((await getJson(`${server.url}${base}/hos-1/recording/approve`, { method: 'POST', headers: { authorization: `Bearer ${organizerToken}` } })).status).toBe(200);
    await stageReady(server.url, base, 'hos-1'); // transcoded once, in the background, to the stage format
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('a delegate decodes the played statement while nobody is live', async () => {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const viewer = await createParticipant(server, { name: 'Viewer Li', group: 'employers', country: 'CN' });
    const mod = await connect(server.url, { token: moderator.token });
    try {
      await ok(mod, 'session:join', { sessionId });
      await ok(mod, 'session:open', { sessionId });
      const view = await openRoom(viewer);
      await ok(mod, 'run:advance', { sessionId, itemId: 'hos-1' });
      const player = 'playback:hos-1';
      const tile = view.locator(`[data-testid="stage-tile"][data-participant-id="${player}"]`);
      await tile.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await tile.innerText()).toContain('President of Chile');
      await tile.scrollIntoViewIfNeeded();
      await expect.poll(async () => (await row(view, player, 'video'))?.framesDecoded ?? 0, poll).toBeGreaterThan(10);
      await expect.poll(async () => (await row(view, player, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(20);
      // The moderator moves on: the tile leaves the stage.
      await ok(mod, 'run:advance', { sessionId, itemId: 'panel' });
      await tile.waitFor({ state: 'detached', timeout: 15_000 });
    } finally {
      mod.close();
    }
  }, 90_000);

  it('the chair pauses, resumes and stops the statement from the room by keyboard; a delegate sees each state', async () => {
    const chair = await createParticipant(server, { name: 'Chair Two', roles: [{ sessionId, role: 'moderator' }] });
    const viewer = await createParticipant(server, { name: 'Viewer Ana', group: 'workers', country: 'BR' });
    const chairPage = await openRoom(chair);
    const view = await openRoom(viewer);
    const player = 'playback:hos-1';
    const tile = view.locator(`[data-testid="stage-tile"][data-participant-id="${player}"]`);
    const state = view.locator('[data-item-id="hos-1"] [data-testid="run-video-state"]');
    const press = async (testid: string): Promise<void> => {
      const button = chairPage.locator(`[data-item-id="hos-1"] [data-testid="${testid}"]`);
      await button.waitFor({ state: 'visible', timeout: 15_000 });
      await button.focus();
      await chairPage.keyboard.press('Enter');
    };

    await press('run-go');
    await tile.waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => state.innerText(), poll).toContain('Video playing');

    await press('run-pause');
    await expect.poll(() => state.innerText(), poll).toMatch(/Video paused at \d+:\d\d/);
    await tile.waitFor({ state: 'detached', timeout: 15_000 });

    await press('run-resume');
    await tile.waitFor({ state: 'visible', timeout: 30_000 });
    await tile.scrollIntoViewIfNeeded();
    await expect.poll(async () => (await row(view, player, 'video'))?.framesDecoded ?? 0, poll).toBeGreaterThan(10);

    await press('run-stop-video');
    await expect.poll(() => state.innerText(), poll).toMatch(/Video stopped at \d+:\d\d/);
    await tile.waitFor({ state: 'detached', timeout: 15_000 });
    // The item ended; Next offers the one after it.
    await expect.poll(() => chairPage.locator('[data-item-id="hos-1"]').getAttribute('aria-current'), poll).toBeNull();
    await chairPage.locator('[data-testid="run-next"]').waitFor({ state: 'visible', timeout: 5000 });
  }, 120_000);
});
