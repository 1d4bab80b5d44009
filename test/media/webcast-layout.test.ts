// The webcast's composition (issues 12, 13 and 18) with a real mediasoup
// worker and ffmpeg, read back from the HLS as a player decodes it: two
// panelists (a red and a blue camera), a sign-language interpreter (a green
// camera) in a fixed inset; the active speaker goes large and the other
// into the strip without restarting the encoder; the running order's item
// and the names become lower thirds; a delegate given the floor (a yellow
// camera) goes large. Colours are sampled from decoded frames.
import { spawnSync } from 'node:child_process';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { geometry } from '../../server/media/webcast/layout.ts';
import { createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, waitFor } from '../support/server.ts';
import { clientWorker, MediaPeople, NodeMediaClient, startMediaServer } from './support.ts';
import { colourAt, colourCamera, lastFrame, webcastSettings, type Rgb } from './webcast-frames.ts';

const sessionId = 'thematic-2';
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const W = 640;
const H = 360;
const colours: Record<string, Rgb> = { red: [255, 0, 0], blue: [0, 0, 255], green: [0, 255, 0], yellow: [255, 255, 0] };

const newestFrame = (url: string, token: string): Promise<Buffer> => lastFrame(url, token, W, H);
const colourIn = (f: Buffer, x: number, y: number): string => colourAt(f, W, x, y, colours);

describe.skipIf(!hasFfmpeg)('the webcast’s composition: active speaker, strip, floor holder, sign inset and lower thirds', () => {
  let server: Plenary;
  let worker: Worker;
  const people = new MediaPeople(sessionId, () => ({ url: server.url, worker }));

  const joined = (p: TestParticipant, open = false) => people.joined(p.token, { open });

  /** A camera of one colour and a tone, sent over RTP (webcast-frames.ts). */
  async function camera(media: NodeMediaClient, colour: string, tone: number | null): Promise<{ video: string; audio: string | null }> {
    const { sender, ...ids } = await colourCamera(media, colours[colour] ?? [0, 0, 0], tone);
    people.senders.push(sender);
    return ids;
  }

  beforeAll(async () => {
    server = await startMediaServer(
      { MEDIA_WORKERS: '1' },
      { webcast: webcastSettings(W, H, 500) },
    );
    worker = await clientWorker();
  }, 60_000);

  afterAll(async () => {
    people.close();
    await server?.close();
    worker?.close();
  });

  it('follows the active speaker and the floor with the sign interpreter always inset, and names everyone', async () => {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const red = await createParticipant(server, { name: 'Rosa Red', group: 'workers', country: 'BR', roles: [{ sessionId, role: 'panelist' }] });
    const blue = await createParticipant(server, { name: 'Bao Blue', group: 'government', country: 'KE', roles: [{ sessionId, role: 'panelist' }] });
    const signer = await createParticipant(server, { name: 'Gina Sign', group: 'international_organization', roles: [{ sessionId, role: 'sign_interpreter', language: 'ase' }] });
    const delegate = await createParticipant(server, { name: 'Yaw Yellow', group: 'government', country: 'GH' });

    const mod = await joined(moderator, true);
    // The running order's current item becomes a lower third.
    const orderUrl = `${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`;
    const put = await fetch(orderUrl, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ id: 'panel', kind: 'panel', title: 'Panel on decent work', plannedMs: 600_000 }, { id: 'floor', kind: 'floor', title: 'Open floor', plannedMs: 600_000 }] }),
    });
    expect(put.status, await put.text()).toBe(200);
    await ok(mod.socket, 'run:advance', { sessionId, itemId: 'panel' });

    const r = await joined(red);
    const b = await joined(blue);
    const s = await joined(signer);
    const redMedia = await camera(r.media, 'red', 440);
    const blueMedia = await camera(b.media, 'blue', 660);
    await camera(s.media, 'green', null);

    const master = `${server.url}/webcast/${eventId}/${sessionId}/index.m3u8`;
    const video = master.replace('index.m3u8', 'video-hi.m3u8');
    const token = moderator.token;
    await waitFor(async () => ((await fetch(master, { headers: { authorization: `Bearer ${token}` } })).ok ? true : null), { timeout: 40_000, interval: 250 });
    const g = geometry(W, H, 2);
    const mainAt = { x: g.main.x + g.main.w / 3, y: g.main.y + g.main.h / 2 };
    const tile = g.strip[0]!;
    const stripAt = { x: tile.x + tile.w / 2, y: tile.y + tile.h / 3 };
    const signAt = { x: g.sign.x + g.sign.w / 2, y: g.sign.y + g.sign.h / 3 };
    const seen = async (): Promise<{ main: string; strip: string; sign: string }> => {
      const f = await newestFrame(video, token);
      return { main: colourIn(f, mainAt.x, mainAt.y), strip: colourIn(f, stripAt.x, stripAt.y), sign: colourIn(f, signAt.x, signAt.y) };
    };

    // Red is the active speaker (named as in the next step): red large, blue in the strip, the sign interpreter inset.
    // (Who is large before anyone speaks, the first on the stage, is layout.test.ts's: under load a sender that
    // reconnects changes that order, which made this step flaky.)
    server.media!.remoteSpeaker(eventId, sessionId, { sessionId, producerId: redMedia.audio!, participantId: red.id });
    await expect.poll(seen, { timeout: 40_000, interval: 500 }).toEqual({ main: 'red', strip: 'blue', sign: 'green' });
    const [running] = server.webcast!.stats();
    expect(running?.layout).toEqual({ main: 'Rosa Red, Test Organisation', strip: ['Bao Blue, Kenya'], sign: 'Gina Sign, Test Organisation', item: 'Panel on decent work' });

    // The active speaker observer names the blue panelist (delivered as another process's observer would:
    // ffmpeg's RTP carries no audio level for this worker's own observer to hear; the observer itself, fed by
    // Chromium's audio levels, is webcast-speaker.browser.test.ts's): blue goes large without a restart.
    server.media!.remoteSpeaker(eventId, sessionId, { sessionId, producerId: blueMedia.audio!, participantId: blue.id });
    await expect.poll(seen, { timeout: 20_000, interval: 500 }).toEqual({ main: 'blue', strip: 'red', sign: 'green' });
    const [switched] = server.webcast!.stats();
    expect(switched?.run).toBe(running?.run);
    expect(switched?.restarts).toBe(0);
    expect(switched?.layout).toMatchObject({ main: 'Bao Blue, Kenya', strip: ['Rosa Red, Test Organisation'] });

    // The running order moves on: the lower third follows.
    await ok(mod.socket, 'run:advance', { sessionId, itemId: 'floor' });
    await expect.poll(() => server.webcast!.stats()[0]?.layout.item).toBe('Open floor');

    // A delegate is given the floor with video allowed: their camera is large (a new input: the encoder restarts once).
    await ok(mod.socket, 'media:settings', { sessionId, delegateVideo: true });
    const d = await joined(delegate);
    const entry = await ok<{ entryId: string }>(d.socket, 'queue:request', { sessionId });
    await ok(mod.socket, 'queue:give-floor', { sessionId, entryId: entry.entryId });
    await camera(d.media, 'yellow', 990);
    const three = geometry(W, H, 3);
    const firstTile = three.strip[0]!;
    await expect
      .poll(async () => {
        const f = await newestFrame(video, token);
        return { main: colourIn(f, three.main.x + three.main.w / 3, three.main.y + three.main.h / 2), first: colourIn(f, firstTile.x + firstTile.w / 2, firstTile.y + firstTile.h / 3), sign: colourIn(f, signAt.x, signAt.y) };
      }, { timeout: 40_000, interval: 500 })
      .toEqual({ main: 'yellow', first: 'red', sign: 'green' });
    expect(server.webcast!.stats()[0]?.layout).toMatchObject({ main: 'Yaw Yellow, Ghana', strip: ['Rosa Red, Test Organisation', 'Bao Blue, Kenya'], sign: 'Gina Sign, Test Organisation' });
  }, 180_000);
});
