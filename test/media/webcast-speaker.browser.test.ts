// The webcast follows the active speaker as mediasoup's own observer hears
// it (issue 12): two panelists in headless Chromium, each browser with its
// own fake camera (a red or a blue picture) and fake microphone (tone bursts),
// whose Opus packets carry the ssrc-audio-level header extension the
// router's ActiveSpeakerObserver reads; no test hook names the speaker. The
// one who speaks (the other has muted) is large in the decoded HLS, then
// they swap (one mutes, the other unmutes) and the large picture follows.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { geometry } from '../../server/media/webcast/layout.ts';
import { hasChromium, launchChromium, openRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { waitFor } from '../support/server.ts';
import { startMediaServer } from './support.ts';
import { colourAt, hex, lastFrame, webcastSettings, type Rgb } from './webcast-frames.ts';

const sessionId = 'thematic-2';
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const W = 640;
const H = 360;
const poll = { timeout: 40_000, interval: 500 };
const colours: Record<string, Rgb> = { red: [255, 0, 0], blue: [0, 0, 255] };

describe.skipIf(!hasChromium || !hasFfmpeg)('the webcast’s large picture follows the active speaker heard by mediasoup (Chromium senders with audio levels)', () => {
  let server: Plenary;
  const browsers: Browser[] = [];
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const errors: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-speaker-'));

  /** A Chromium of its own whose fake camera shows `colour` and whose fake microphone plays bursts of a `tone` Hz sine (both looped). */
  async function chromiumWith(colour: string, tone: number): Promise<Browser> {
    const video = path.join(dir, `${colour}.y4m`);
    const audio = path.join(dir, `${colour}.wav`);
    spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x${hex(colours[colour] ?? [0, 0, 0])}:s=320x180:r=15`, '-t', '1', '-pix_fmt', 'yuv420p', video]);
    // Bursts like syllables (300 ms of tone, 300 ms of silence): the observer's speech detection tracks the quietest level as
    // the noise floor, so a steady tone would be heard as noise, never as a speaker.
    spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=0.8*sin(2*PI*${tone}*t)*gt(mod(t\\,0.6)\\,0.3):s=48000`, '-t', '6', '-ac', '1', audio]);
    const browser = await launchChromium([`--use-file-for-fake-video-capture=${video}`, `--use-file-for-fake-audio-capture=${audio}`]);
    browsers.push(browser);
    return browser;
  }

  beforeAll(async () => {
    server = await startMediaServer(
      { MEDIA_WORKERS: '1' },
      { webcast: webcastSettings(W, H, 500) },
    );
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const b of browsers) await b.close().catch(() => undefined);
    while (sockets.length) sockets.pop()?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows the panelist who speaks large, and the other one once they swap', { timeout: 240_000 }, async () => {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const ana = await createParticipant(server, { name: 'Ana Red', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    const ben = await createParticipant(server, { name: 'Ben Blue', group: 'employers', roles: [{ sessionId, role: 'panelist' }] });
    const chair = await connect(server.url, { token: moderator.token });
    sockets.push(chair);
    await ok(chair, 'session:join', { sessionId });
    await ok(chair, 'session:open', { sessionId });

    const room = async (p: TestParticipant, colour: string, tone: number): Promise<Page> => {
      const page = await openRoom(await chromiumWith(colour, tone), { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, contexts, errors });
      await page.getByTestId('publish').waitFor({ state: 'visible', timeout: 30_000 });
      return page;
    };
    // Ben goes live first and mutes: were the composition to fall back on stage order, Ben (blue) would be large.
    const benPage = await room(ben, 'blue', 660);
    await benPage.getByTestId('publish').click();
    await expect.poll(() => benPage.getByTestId('toggle-mic').isVisible(), poll).toBe(true);
    await benPage.getByTestId('toggle-mic').click();
    await expect.poll(() => benPage.getByTestId('toggle-mic').getAttribute('aria-pressed'), poll).toBe('true');
    const anaPage = await room(ana, 'red', 440);
    await anaPage.getByTestId('publish').click();

    const master = `${server.url}/webcast/${eventId}/${sessionId}/index.m3u8`;
    const video = master.replace('index.m3u8', 'video-hi.m3u8');
    const token = moderator.token;
    await waitFor(async () => ((await fetch(master, { headers: { authorization: `Bearer ${token}` } })).ok ? true : null), { timeout: 40_000, interval: 250 });
    const g = geometry(W, H, 2);
    const tile = g.strip[0]!;
    const seen = async (): Promise<{ main: string; strip: string }> => {
      const frame = await lastFrame(video, token, W, H);
      return { main: colourAt(frame, W, g.main.x + g.main.w / 3, g.main.y + g.main.h / 3, colours, 70), strip: colourAt(frame, W, tile.x + tile.w / 2, tile.y + tile.h / 3, colours, 70) };
    };

    // Ana speaks, Ben is muted: mediasoup's observer names Ana, whose red camera is large.
    await expect.poll(() => server.webcast!.stats()[0]?.layout.main, poll).toBe('Ana Red, Test Organisation');
    await expect.poll(seen, poll).toEqual({ main: 'red', strip: 'blue' });

    // They swap: Ana mutes, Ben unmutes. The observer hears Ben: blue large, red in the strip.
    await anaPage.getByTestId('toggle-mic').click();
    await benPage.getByTestId('toggle-mic').click();
    await expect.poll(() => server.webcast!.stats()[0]?.layout.main, poll).toBe('Ben Blue, Test Organisation');
    await expect.poll(seen, poll).toEqual({ main: 'blue', strip: 'red' });
    expect(errors).toEqual([]);
  });
});
