// A sender that stops sending without pausing or closing its producers (a
// frozen browser tab, a camera unplugged, a network cut) must not stall the
// webcast (issue 12): ffmpeg's filter graphs wait for every input, so one
// silent input would freeze the composed picture and every rendition with
// it. Real server, mediasoup worker and ffmpeg: two panelists publish camera
// and microphone (each their own tone); the second's sender is stopped
// (SIGSTOP, its producers stay open and unpaused). The webcast goes on: new
// segments keep coming, the first panelist is heard and is the only video of
// the composition. When the second sender goes on (SIGCONT), it is back in
// the composition and heard.
import type { ChildProcess } from 'node:child_process';
import type { Worker } from 'mediasoup/types';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaServer } from './support.ts';
import { heardIn } from './webcast-audio.ts';
import { hasFfmpeg, sendRtp } from './webcast-support.ts';

const sessionId = 'thematic-2';

describe.skipIf(!hasFfmpeg)('a sender that stops sending does not stall the webcast', () => {
  let server: Plenary;
  let worker: Worker;
  let moderator: TestParticipant;
  let first: TestParticipant;
  let second: TestParticipant;
  let viewer: TestParticipant;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const senders: ChildProcess[] = [];

  async function publish(p: TestParticipant, freq: number): Promise<ChildProcess> {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    const media = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(media);
    await media.join();
    const cam = await media.produceRtp('video', { source: 'camera' });
    const mic = await media.produceRtp('audio', { source: 'mic' });
    const sender = sendRtp({ port: cam.port, pt: cam.payloadType, ssrc: cam.ssrc }, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq });
    senders.push(sender);
    return sender;
  }

  beforeAll(async () => {
    server = await startMediaServer(
      { MEDIA_WORKERS: '1' },
      {
        webcast: {
          enabled: true,
          qualities: [
            { name: 'hi', width: 320, height: 180, videoKbps: 300 },
            { name: 'lo', width: 160, height: 90, videoKbps: 120 },
          ],
          fps: 10,
          segmentSeconds: 1,
          listSize: 8,
          audioKbps: 48,
        },
      },
    );
    worker = await clientWorker();
    moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    first = await createParticipant(server, { name: 'Ana First', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    second = await createParticipant(server, { name: 'Ben Second', group: 'employers', roles: [{ sessionId, role: 'panelist' }] });
    viewer = await createParticipant(server, { name: 'Viewer', group: 'government', country: 'GH' });
  }, 60_000);

  afterAll(async () => {
    for (const child of senders) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    await server?.close();
    worker?.close();
  });

  it('leaves a silent sender out after a few seconds, and takes it back when it sends again', async () => {
    const mod = await connect(server.url, { token: moderator.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await publish(first, 440);
    const stalled = await publish(second, 660);
    const base = `${server.url}/webcast/${eventId}/${sessionId}/`;
    const headers = `Authorization: Bearer ${viewer.token}\r\n`;
    const layout = () => server.webcast!.stats().find((s) => s.sessionId === sessionId)?.layout;
    const both = (): boolean => {
      const l = layout();
      return l !== undefined && [l.main, ...l.strip].some((t) => t?.startsWith('Ana First')) && [l.main, ...l.strip].some((t) => t?.startsWith('Ben Second'));
    };
    await waitFor(both, { timeout: 30_000, interval: 250 });
    await expect.poll(() => heardIn(`${base}audio-floor.m3u8`, headers, 660), { timeout: 30_000, interval: 1000 }).toBe(true);

    /** The newest video segment listed: its run and number (names never repeat). */
    const newest = async (): Promise<number> => {
      const text = await (await fetch(`${base}video-hi.m3u8`, { headers: { authorization: `Bearer ${viewer.token}` } })).text();
      const all = [...text.matchAll(/video-hi-r(\d+)-(\d+)\.ts/g)].map((m) => Number(m[1]) * 1e6 + Number(m[2]));
      return Math.max(0, ...all);
    };

    // The second panelist's sender freezes: its producers stay open and unpaused, nothing arrives.
    stalled.kill('SIGSTOP');
    const atStop = await newest();
    // The webcast goes on without it: only the first panelist is composed, heard, and segments keep coming.
    await waitFor(() => {
      const l = layout();
      return l && l.main?.startsWith('Ana First') && l.strip.length === 0 ? l : null;
    }, { timeout: 30_000, interval: 250 });
    const afterLeft = await newest();
    await expect.poll(newest, { timeout: 30_000, interval: 500 }).toBeGreaterThan(afterLeft + 4);
    expect(await newest()).toBeGreaterThan(atStop);
    await expect.poll(() => heardIn(`${base}audio-floor.m3u8`, headers, 440), { timeout: 20_000, interval: 1000 }).toBe(true);
    expect(await heardIn(`${base}audio-floor.m3u8`, headers, 660)).toBe(false);

    // It sends again: back in the composition and heard.
    stalled.kill('SIGCONT');
    await waitFor(both, { timeout: 30_000, interval: 250 });
    await expect.poll(() => heardIn(`${base}audio-floor.m3u8`, headers, 660), { timeout: 30_000, interval: 1000 }).toBe(true);
    const back = await newest();
    await expect.poll(newest, { timeout: 30_000, interval: 500 }).toBeGreaterThan(back + 2);
  }, 240_000);
});
