// The webcast when the stage empties during a live session (a break, every
// camera and microphone off): it goes on with the holding picture — the
// background, silence on the floor and on every language the webcast had —
// so players keep playing instead of freezing on the last frame, and the
// archive keeps the gap's true length. When someone is back, a new run shows
// them. Real mediasoup worker and ffmpeg; what is checked is read as a
// player reads it (the playlists and segments over HTTP, decoded by ffmpeg).
import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { tempDir, waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaServer } from './support.ts';
import { hasFfmpeg, sendRtp } from './webcast-support.ts';

const sessionId = 'thematic-4';
/** The composition's background (server/media/webcast/ffmpeg.ts). */
const background = [0x1d, 0x24, 0x33];

/** The mean colour of a segment's first frame, as 8-bit RGB (ffmpeg scales the frame to one pixel). */
function meanColour(url: string, token: string): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-headers', `Authorization: Bearer ${token}\r\n`, '-i', url, '-frames:v', '1', '-vf', 'scale=1:1:flags=area', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
    child.once('close', (status) => (status === 0 ? resolve([...Buffer.concat(out).subarray(0, 3)]) : reject(new Error(`ffmpeg ${String(status)}: ${err}`))));
  });
}

describe.skipIf(!hasFfmpeg)('the webcast when nobody is on the stage (mediasoup + ffmpeg)', () => {
  let server: Plenary;
  let worker: Worker;
  let moderator: TestParticipant;
  let panelist: TestParticipant;
  let interpreter: TestParticipant;
  let viewer: TestParticipant;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const senders: ChildProcess[] = [];

  async function joined(p: TestParticipant): Promise<{ socket: Socket; media: NodeMediaClient }> {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    if (p === moderator) await ok(socket, 'session:open', { sessionId });
    const media = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(media);
    await media.join();
    return { socket, media };
  }

  const dataDir = tempDir('plenary-holding-');
  // The suite switches encoders off for every other test (test/vitest.config.ts).
  const webcastSettings = { enabled: true, qualities: [{ name: 'hi', width: 320, height: 180, videoKbps: 300 }], fps: 15, segmentSeconds: 1, listSize: 6, audioKbps: 48 };

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1', PLENARY_DATA_DIR: dataDir }, { webcast: webcastSettings });
    worker = await clientWorker();
    moderator = await createParticipant(server, { name: 'Moderator', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(server, { name: 'Panelist Sipho', group: 'employers', roles: [{ sessionId, role: 'panelist' }] });
    interpreter = await createParticipant(server, { name: 'Intérprete', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'es' }] });
    viewer = await createParticipant(server, { name: 'Viewer Nadia', group: 'government', country: 'MA' });
  }, 60_000);

  afterAll(async () => {
    for (const child of senders) child.kill('SIGKILL');
    while (clients.length) clients.pop()?.close();
    while (sockets.length) sockets.pop()?.close();
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
    const webcast = webcastUrl();

    await joined(moderator);
    const pan = await joined(panelist);
    const cam = await pan.media.produceRtp('video', { source: 'camera' });
    const mic = await pan.media.produceRtp('audio', { source: 'mic' });
    const panelSender = sendRtp({ port: cam.port, pt: cam.payloadType, ssrc: cam.ssrc }, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq: 440 });
    senders.push(panelSender);
    const booth = await joined(interpreter);
    const es = await booth.media.produceRtp('audio', { source: 'interpretation', language: 'es' });
    senders.push(sendRtp(null, { port: es.port, pt: es.payloadType, ssrc: es.ssrc, freq: 880 }));

    // On air: the panel and Spanish.
    await waitFor(async () => (await playlist('index.m3u8')).includes('LANGUAGE="es"'), { timeout: 30_000, interval: 250 });
    const onAir = run();
    const [panelSegment] = await waitFor(async () => {
      const names = await segmentsOf('video-hi.m3u8', onAir);
      return names.length >= 2 ? names.slice(1) : null;
    }, { timeout: 30_000, interval: 250 });
    const panelColour = await meanColour(`${webcast}/${panelSegment}`, viewer.token);
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
    const slateColour = await meanColour(`${webcast}/${slateSegment}`, viewer.token);
    expect(slateColour.every((c, i) => Math.abs(c - background[i]!) <= 6), `the holding picture (${slateColour.join(',')}) is the background`).toBe(true);

    // The panelist is back: a new run shows them.
    const cam2 = await pan.media.produceRtp('video', { source: 'camera' });
    const mic2 = await pan.media.produceRtp('audio', { source: 'mic' });
    panelSender.kill('SIGKILL');
    senders.push(sendRtp({ port: cam2.port, pt: cam2.payloadType, ssrc: cam2.ssrc }, { port: mic2.port, pt: mic2.payloadType, ssrc: mic2.ssrc, freq: 440 }));
    await expect.poll(run, { timeout: 30_000, interval: 250 }).toBeGreaterThan(holding);
    const back = run();
    const [backSegment] = await waitFor(async () => {
      const names = await segmentsOf('video-hi.m3u8', back);
      return names.length >= 2 ? names.slice(1) : null;
    }, { timeout: 30_000, interval: 250 });
    const backColour = await meanColour(`${webcast}/${backSegment}`, viewer.token);
    expect(backColour.some((c, i) => Math.abs(c - background[i]!) > 24), `the panel's picture again (${backColour.join(',')})`).toBe(true);
  }, 180_000);

  it('goes on with the holding picture after the server restarts in the middle of the session, before anyone is back', async () => {
    const before = run();
    expect(before).toBeGreaterThan(0);
    // A stop (an update during a break): the session stays live; the players keep asking for the playlists.
    await server.close();
    server = await startMediaServer({ MEDIA_WORKERS: '1', PLENARY_DATA_DIR: dataDir }, { webcast: webcastSettings });
    await expect.poll(run, { timeout: 30_000, interval: 250 }).toBeGreaterThan(before);
    const holding = run();
    await waitFor(async () => (await segmentsOf('video-hi.m3u8', holding)).length >= 3, { timeout: 40_000, interval: 500 });
    expect((await segmentsOf('audio-es.m3u8', holding)).length).toBeGreaterThan(0);
    const [, slateSegment] = await segmentsOf('video-hi.m3u8', holding);
    const slateColour = await meanColour(`${webcastUrl()}/${slateSegment}`, viewer.token);
    expect(slateColour.every((c, i) => Math.abs(c - background[i]!) <= 6), `the holding picture (${slateColour.join(',')}) is the background`).toBe(true);
  }, 120_000);
});
