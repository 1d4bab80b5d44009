// The webcast when the stage empties during a live session (a break, every
// camera and microphone off): it goes on with the holding picture — the
// background, silence on the floor and on every language the webcast had —
// so players keep playing instead of freezing on the last frame, and the
// archive keeps the gap's true length. When someone is back, a new run shows
// them. Real mediasoup worker and ffmpeg; what is checked is read as a
// player reads it (the playlists and segments over HTTP, decoded by ffmpeg).
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { tempDir, waitFor } from '../support/server.ts';
import { clientWorker, MediaPeople, startMediaServer } from './support.ts';
import { meanColour, segmentFrame, webcastSettings } from './webcast-frames.ts';
import { hasFfmpeg, sendRtp } from './webcast-support.ts';

const sessionId = 'thematic-4';
/** The composition's background (server/media/webcast/ffmpeg.ts). */
const background = [0x1d, 0x24, 0x33];

describe.skipIf(!hasFfmpeg)('the webcast when nobody is on the stage (mediasoup + ffmpeg)', () => {
  let server: Plenary;
  let worker: Worker;
  let moderator: TestParticipant;
  let panelist: TestParticipant;
  let interpreter: TestParticipant;
  let viewer: TestParticipant;
  const people = new MediaPeople(sessionId, () => ({ url: server.url, worker }));
  const joined = (p: TestParticipant) => people.joined(p.token, { open: p === moderator });
  /** The first frame of one segment, by its mean colour. */
  const colourOf = async (segment: string): Promise<number[]> => meanColour(await segmentFrame(`${webcastUrl()}/${segment}`, viewer.token, 320, 180));

  const dataDir = tempDir('plenary-holding-');
  const settings = webcastSettings(320, 180, 300);

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1', PLENARY_DATA_DIR: dataDir }, { webcast: settings });
    worker = await clientWorker();
    moderator = await createParticipant(server, { name: 'Moderator', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(server, { name: 'Panelist Sipho', group: 'employers', roles: [{ sessionId, role: 'panelist' }] });
    interpreter = await createParticipant(server, { name: 'Intérprete', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'es' }] });
    viewer = await createParticipant(server, { name: 'Viewer Nadia', group: 'government', country: 'MA' });
  }, 60_000);

  afterAll(async () => {
    people.close();
    await server?.close();
    worker?.close();
  });

  const webcastUrl = (): string => `${server.url}/webcast/${eventId}/${sessionId}`;
  const playlist = async (name: string): Promise<string> => {
    const res = await fetch(`${webcastUrl()}/${name}`, { headers: { authorization: `Bearer ${viewer.token}` } });
    return res.ok ? res.text() : '';
  };
  /** The segments of one run in a media playlist, as served. */
  const segmentsOf = async (name: string, run: number): Promise<string[]> =>
    (await playlist(name)).split('\n').filter((l) => new RegExp(`-r${run}-\\d+\\.ts$`).test(l));
  /** The encoder's current run for the session (0: none). */
  const run = (): number => server.webcast!.stats().find((s) => s.sessionId === sessionId)?.run ?? 0;

  it('goes on with the holding picture and every language while the stage is empty, then shows the panel again', async () => {
    await joined(moderator);
    const pan = await joined(panelist);
    const cam = await pan.media.produceRtp('video', { source: 'camera' });
    const mic = await pan.media.produceRtp('audio', { source: 'mic' });
    const panelSender = sendRtp({ port: cam.port, pt: cam.payloadType, ssrc: cam.ssrc }, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq: 440 });
    people.senders.push(panelSender);
    const booth = await joined(interpreter);
    const es = await booth.media.produceRtp('audio', { source: 'interpretation', language: 'es' });
    people.senders.push(sendRtp(null, { port: es.port, pt: es.payloadType, ssrc: es.ssrc, freq: 880 }));

    // On air: the panel and Spanish.
    await waitFor(async () => (await playlist('index.m3u8')).includes('LANGUAGE="es"'), { timeout: 30_000, interval: 250 });
    const onAir = run();
    const [panelSegment] = await waitFor(async () => {
      const names = await segmentsOf('video-hi.m3u8', onAir);
      return names.length >= 2 ? names.slice(1) : null;
    }, { timeout: 30_000, interval: 250 });
    const panelColour = await colourOf(panelSegment!);
    expect(panelColour.some((c, i) => Math.abs(c - background[i]!) > 24), `the panel's picture (${panelColour.join(',')}) is not the background`).toBe(true);

    // Everyone leaves the stage: the panelist closes camera and microphone, the interpreter the channel.
    for (const producerId of [cam.producerId, mic.producerId]) await ok(pan.socket, 'media:close-producer', { sessionId, producerId });
    await ok(booth.socket, 'media:close-producer', { sessionId, producerId: es.producerId });

    // A new run: the holding picture, still growing after several seconds, with the floor and Spanish (silent).
    await expect.poll(run, { timeout: 30_000, interval: 250 }).toBeGreaterThan(onAir);
    const holding = run();
    await waitFor(async () => (await segmentsOf('video-hi.m3u8', holding)).length >= 4, { timeout: 40_000, interval: 500 });
    expect((await segmentsOf('audio-floor.m3u8', holding)).length).toBeGreaterThan(0);
    expect((await segmentsOf('audio-es.m3u8', holding)).length).toBeGreaterThan(0);
    expect(await playlist('index.m3u8')).toContain('LANGUAGE="es"');
    expect(run()).toBe(holding);
    const [, slateSegment] = await segmentsOf('video-hi.m3u8', holding);
    const slateColour = await colourOf(slateSegment!);
    expect(slateColour.every((c, i) => Math.abs(c - background[i]!) <= 6), `the holding picture (${slateColour.join(',')}) is the background`).toBe(true);

    // The panelist is back: a new run shows them.
    const cam2 = await pan.media.produceRtp('video', { source: 'camera' });
    const mic2 = await pan.media.produceRtp('audio', { source: 'mic' });
    panelSender.kill('SIGKILL');
    people.senders.push(sendRtp({ port: cam2.port, pt: cam2.payloadType, ssrc: cam2.ssrc }, { port: mic2.port, pt: mic2.payloadType, ssrc: mic2.ssrc, freq: 440 }));
    await expect.poll(run, { timeout: 30_000, interval: 250 }).toBeGreaterThan(holding);
    const back = run();
    const [backSegment] = await waitFor(async () => {
      const names = await segmentsOf('video-hi.m3u8', back);
      return names.length >= 2 ? names.slice(1) : null;
    }, { timeout: 30_000, interval: 250 });
    const backColour = await colourOf(backSegment!);
    expect(backColour.some((c, i) => Math.abs(c - background[i]!) > 24), `the panel's picture again (${backColour.join(',')})`).toBe(true);
  }, 180_000);

  it('goes on with the holding picture after the server restarts in the middle of the session, before anyone is back', async () => {
    const before = run();
    expect(before).toBeGreaterThan(0);
    // A stop (an update during a break): the session stays live; the players keep asking for the playlists.
    await server.close();
    server = await startMediaServer({ MEDIA_WORKERS: '1', PLENARY_DATA_DIR: dataDir }, { webcast: settings });
    await expect.poll(run, { timeout: 30_000, interval: 250 }).toBeGreaterThan(before);
    const holding = run();
    await waitFor(async () => (await segmentsOf('video-hi.m3u8', holding)).length >= 3, { timeout: 40_000, interval: 500 });
    expect((await segmentsOf('audio-es.m3u8', holding)).length).toBeGreaterThan(0);
    const [, slateSegment] = await segmentsOf('video-hi.m3u8', holding);
    const slateColour = await colourOf(slateSegment!);
    expect(slateColour.every((c, i) => Math.abs(c - background[i]!) <= 6), `the holding picture (${slateColour.join(',')}) is the background`).toBe(true);
  }, 120_000);
});
