// The room's "watch the webcast" view (issue 12, item 4) in headless
// Chromium against a real mediasoup worker and ffmpeg: a panelist (test
// picture and tone) and a French interpreter publish real RTP through the
// Node media client; a delegate opens the webcast view and the <video>
// plays the HLS webcast through hls.js, with the floor and French in the
// language menu; the delegate asks for the floor, is given it, and the
// page moves them onto WebRTC: their (fake) microphone reaches the
// moderator and the webcast's next run mixes it in; when the floor ends
// the page is back on the webcast. Small encoder settings keep it fast.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck } from '../../server/protocol/events.ts';
import type { NewProducerMessage } from '../../server/protocol/media-events.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { connect, createParticipant, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { tempDir, waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaServer } from './support.ts';
import { heardIn } from './webcast-audio.ts';

const sessionId = 'thematic-2';
const poll = { timeout: 45_000, interval: 250 };
const metricsToken = 'metrics-scraper-token-0123456789';
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasChromium || !hasFfmpeg)('the webcast view in headless Chromium (mediasoup + ffmpeg + hls.js)', () => {
  let server: Plenary;
  let worker: Worker;
  let browser: Browser;
  let context: BrowserContext | undefined;
  const errors: string[] = [];
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const senders: ChildProcess[] = [];

  async function joined(p: TestParticipant, open = false): Promise<{ socket: Socket; media: NodeMediaClient }> {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    if (open) await ok(socket, 'session:open', { sessionId });
    const media = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(media);
    await media.join();
    return { socket, media };
  }

  /** ffmpeg sending a test picture (VP8) and/or a tone (Opus) over RTP, in real time. */
  function send(video: { port: number; pt: number; ssrc: number } | null, audio: { port: number; pt: number; ssrc: number; freq: number }): void {
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin'];
    if (video) args.push('-re', '-f', 'lavfi', '-i', 'testsrc=s=320x180:r=15');
    args.push('-re', '-f', 'lavfi', '-i', `sine=f=${audio.freq}:r=48000`);
    if (video) args.push('-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '200k', '-g', '15', '-ssrc', String(video.ssrc), '-payload_type', String(video.pt), '-f', 'rtp', `rtp://127.0.0.1:${video.port}`);
    args.push('-map', `${video ? 1 : 0}:a`, '-c:a', 'libopus', '-ac', '2', '-b:a', '32k', '-ssrc', String(audio.ssrc), '-payload_type', String(audio.pt), '-f', 'rtp', `rtp://127.0.0.1:${audio.port}`);
    senders.push(spawn('ffmpeg', args, { stdio: 'ignore' }));
  }

  beforeAll(async () => {
    server = await startMediaServer(
      { MEDIA_WORKERS: '1', METRICS_TOKEN: metricsToken },
      {
        webcast: {
          // The suite switches encoders off for every other test (test/vitest.config.ts).
          enabled: true,
          qualities: [
            { name: 'hi', width: 320, height: 180, videoKbps: 300 },
            { name: 'lo', width: 160, height: 90, videoKbps: 120 },
          ],
          fps: 15,
          segmentSeconds: 1,
          listSize: 6,
          audioKbps: 48,
        },
      },
    );
    worker = await clientWorker();
    // The delegate's (fake) microphone sends a tone of its own (Chromium loops the file), to be found in the webcast.
    const voice = `${tempDir()}/delegate-voice.wav`;
    spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=f=1320:r=48000', '-t', '5', '-ac', '1', '-y', voice]);
    browser = await launchChromium([`--use-file-for-fake-audio-capture=${voice}`]);
  }, 60_000);

  afterAll(async () => {
    for (const child of senders) child.kill('SIGKILL');
    await context?.close();
    await browser?.close();
    while (clients.length) clients.pop()?.close();
    while (sockets.length) sockets.pop()?.close();
    await server?.close();
    worker?.close();
  });

  it('a delegate watches the webcast with its languages, takes the floor on WebRTC and comes back', async () => {
    const moderator = await createParticipant(server, { name: 'Chair', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Ana Panelist', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    const interpreter = await createParticipant(server, { name: 'Interprète', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const delegate = await createParticipant(server, { name: 'Ghana Government', group: 'government', country: 'GH' });
    const captioner = await createParticipant(server, { name: 'Captioner', group: 'international_organization', roles: [{ sessionId, role: 'captioner', language: 'en' }] });

    const mod = await joined(moderator, true);
    const pan = await joined(panelist);
    const cam = await pan.media.produceRtp('video', { source: 'camera' });
    const mic = await pan.media.produceRtp('audio', { source: 'mic' });
    send({ port: cam.port, pt: cam.payloadType, ssrc: cam.ssrc }, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq: 440 });
    const booth = await joined(interpreter);
    const fr = await booth.media.produceRtp('audio', { source: 'interpretation', language: 'fr' });
    send(null, { port: fr.port, pt: fr.payloadType, ssrc: fr.ssrc, freq: 880 });

    // The delegate's room: "Watch the webcast" is offered to them (not on the stage).
    context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/Zurich', permissions: ['camera', 'microphone'] });
    const page: Page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/i/${delegate.token}`);
    await page.goto(`${server.url}/events/${eventId}/sessions/${sessionId}`);
    await page.locator('#live-room').waitFor({ state: 'visible' });
    const toggle = page.getByTestId('webcast-toggle');
    await toggle.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect(await toggle.getAttribute('aria-describedby')).toBe('webcast-hint');
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.locator('#announcer').innerText(), poll).toContain('You are watching the webcast.');

    // The <video> plays the webcast: frames of the composed picture, time moving on.
    const video = page.getByTestId('webcast-video');
    expect(await video.getAttribute('aria-label')).toBe('Webcast of the session');
    const playback = () => video.evaluate((v: HTMLVideoElement) => ({ time: v.currentTime, width: v.videoWidth, paused: v.paused }));
    await expect.poll(async () => (await playback()).width, poll).toBeGreaterThan(0);
    const t0 = (await playback()).time;
    await expect.poll(async () => (await playback()).time, poll).toBeGreaterThan(t0 + 1);
    expect((await playback()).paused).toBe(false);
    // The encoder's figures are in /metrics.
    const metrics = await (await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } })).text();
    expect(metrics).toMatch(/^plenary_webcast_encoders 1$/m);
    expect(metrics).toMatch(new RegExp(`^plenary_webcast_encoder_cpu_percent\\{event="${eventId}",session="${sessionId}"\\} [\\d.]+$`, 'm'));
    // Off the stage: this page holds no WebRTC seat while watching.
    expect(await page.evaluate(async () => (await window.plenaryMedia?.stats())?.length ?? 0)).toBe(0);

    // The language menu: the floor and French, from the audio renditions; choosing French switches hls.js's track.
    const menu = page.getByTestId('webcast-language');
    await expect.poll(() => menu.locator('option').allInnerTexts(), poll).toEqual(['Floor (original)', 'French']);
    expect(await page.locator('label', { has: menu }).innerText()).toContain('Webcast language');
    expect(await menu.locator('option').nth(1).getAttribute('lang')).toBe('fr');
    await menu.selectOption({ label: 'French' });
    await expect.poll(() => page.evaluate(() => window.plenaryWebcast?.audioTrack()), poll).toBe(1);
    await expect.poll(() => page.locator('#announcer').innerText(), poll).toContain('Webcast language: French.');

    // Captions (issue 13): the English subtitle rendition is offered, off by default; turned on, the captioner's line shows on the video.
    const captions = page.getByTestId('webcast-captions');
    await expect.poll(() => captions.locator('option').allInnerTexts(), poll).toEqual(['Off', 'English']);
    expect(await captions.inputValue()).toBe('-1');
    expect(await page.locator('label', { has: captions }).innerText()).toContain('Captions');
    await captions.selectOption({ label: 'English' });
    await expect.poll(() => page.locator('#announcer').innerText(), poll).toContain('Captions: English');
    const cap = await connect(server.url, { token: captioner.token });
    sockets.push(cap);
    await ok(cap, 'session:join', { sessionId });
    await ok(cap, 'caption:line', { sessionId, language: 'en', text: 'Welcome to the webcast', final: true });
    await expect.poll(() => page.evaluate(() => window.plenaryWebcast?.activeCues() ?? []), poll).toContain('Welcome to the webcast');

    // The delegate asks for the floor and is given it: the page joins WebRTC and the floor microphone goes live.
    const run0 = server.webcast!.stats()[0]?.run ?? 0;
    await page.getByTestId('request-floor').click();
    const entryId = await waitFor(async () => (await ok<JoinAck>(mod.socket, 'session:join', { sessionId })).queue.entries.find((e) => e.participantId === delegate.id)?.id, poll);
    const produced = nextEvent<NewProducerMessage>(mod.socket, 'media:new-producer', (m) => m.producer.participantId === delegate.id && m.producer.kind === 'audio', 45_000);
    await ok(mod.socket, 'queue:give-floor', { sessionId, entryId });
    await expect.poll(() => page.getByTestId('floor-media-note').innerText(), poll).toBe('You have the floor: your microphone is live.');
    await expect.poll(() => page.getByTestId('webcast-status').innerText(), poll).toBe('You have the floor: the webcast is paused while you speak.');
    expect((await playback()).paused).toBe(true);

    // They are heard: the moderator receives their microphone, and the webcast starts a run with it on stage.
    const { producer } = await produced;
    const heard = await mod.media.consume(producer.producerId);
    await expect.poll(() => heard.packets(), poll).toBeGreaterThan(20);
    await expect.poll(() => server.webcast!.stats()[0]?.run ?? 0, poll).toBeGreaterThan(run0);
    // Heard on the webcast itself: the floor rendition, decoded as a player would, carries the delegate's voice (1320 Hz).
    const floorAudio = `${server.url}/webcast/${eventId}/${sessionId}/audio-floor.m3u8`;
    const headers = `Authorization: Bearer ${delegate.token}\r\n`;
    await expect.poll(() => heardIn(floorAudio, headers, 1320), poll).toBe(true);

    // The floor ends: off WebRTC again, and the webcast plays on.
    await ok(mod.socket, 'queue:end-floor', { sessionId });
    await expect.poll(() => page.getByTestId('webcast-status').innerText(), poll).toBe('');
    await expect.poll(() => page.evaluate(async () => (await window.plenaryMedia?.stats())?.length ?? 0), poll).toBe(0);
    await expect.poll(async () => (await playback()).paused, poll).toBe(false);
    const t1 = (await playback()).time;
    await expect.poll(async () => (await playback()).time, poll).toBeGreaterThan(t1 + 1);
    expect(errors).toEqual([]);
  }, 180_000);
});
