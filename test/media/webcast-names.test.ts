// Names in Arabic, Chinese and Latin script in the live webcast (issue 12),
// read back from the HLS as a player decodes it: an Arabic-named panelist
// large with the running order's item in Arabic under the name, then a
// delegate with a Chinese name given the floor, large. The lower thirds of
// the decoded frame are compared with renders of the same texts by the
// production filters (ffmpeg.ts drawTexts, every installed face) on the
// camera's colour, and with renders by a face without the script (boxes):
// the webcast must look like the former, not the latter.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { drawTexts, mainTextPlacement } from '../../server/media/webcast/ffmpeg.ts';
import { installedFonts, LowerThirdWriter, type FontFace } from '../../server/media/webcast/fonts.ts';
import { geometry, type Rect } from '../../server/media/webcast/layout.ts';
import { createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, waitFor } from '../support/server.ts';
import { clientWorker, MediaPeople, NodeMediaClient, startMediaServer } from './support.ts';
import { colourCamera, hex, lastFrame, webcastSettings, type Rgb } from './webcast-frames.ts';

const sessionId = 'thematic-2';
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
const faces = installedFonts().faces;
const byId = (id: string): FontFace | undefined => faces.find((f) => f.id === id);
// Large enough for 16-20 px names to survive x264 at a generous bitrate.
const W = 960;
const H = 540;
const cameras = { blue: [0, 0, 0xc0], red: [0xc0, 0, 0], green: [0, 0xa0, 0] } satisfies Record<string, Rgb>;
const artifacts = path.join('test-artifacts', 'webcast-names');

/** The white text of a lower third: pixels near white within `rect` of an RGB frame `width` wide (the camera colours and the dark box are not). */
function ink(rgb: Buffer, width: number, rect: Rect): boolean[] {
  const out: boolean[] = [];
  for (let y = rect.y; y < rect.y + rect.h; y += 1) {
    for (let x = rect.x; x < rect.x + rect.w; x += 1) {
      const i = (y * width + x) * 3;
      out.push(Math.min(rgb[i] ?? 0, rgb[i + 1] ?? 0, rgb[i + 2] ?? 0) > 150);
    }
  }
  return out;
}

/** Intersection over union of two ink masks. */
function overlap(a: boolean[], b: boolean[]): number {
  let both = 0;
  let either = 0;
  a.forEach((v, i) => {
    if (v && b[i]) both += 1;
    if (v || b[i]) either += 1;
  });
  return either === 0 ? 0 : both / either;
}

describe.skipIf(!hasFfmpeg || !byId('zh') || !byId('arabic') || !byId('latin'))('names in Arabic and Chinese script in the live webcast’s lower thirds', () => {
  let server: Plenary;
  let worker: Worker;
  const people = new MediaPeople(sessionId, () => ({ url: server.url, worker }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-names-'));
  let renders = 0;

  /**
   * The large slot (w×h) in a camera's colour with a name and the item as
   * lower thirds, drawn by the production filters with `withFaces`, as RGB.
   */
  function slotRender(slot: Rect, colour: Rgb, name: string, item: string, withFaces: readonly FontFace[]): Buffer {
    const place = mainTextPlacement(slot.h);
    const chain: string[] = [];
    for (const [text, size, y] of [[name, place.nameSize, place.nameY], [item, place.itemSize, place.itemY]] as const) {
      const file = path.join(dir, `r${(renders += 1)}.txt`);
      for (const [f, t] of new LowerThirdWriter(withFaces, () => undefined).files(file, text)) fs.writeFileSync(f, t);
      chain.push(drawTexts(file, size, y, withFaces));
    }
    const r = spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', `color=c=0x${hex(colour)}:s=${slot.w}x${slot.h}`, '-frames:v', '1', '-vf', `null${chain.join('')}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 32 << 20 });
    if (r.status !== 0) throw new Error(r.stderr.toString());
    return r.stdout;
  }

  /** Keeps a decoded frame as a PNG for a person to look at (test-artifacts/, git-ignored). */
  function keep(rgb: Buffer, name: string): void {
    fs.mkdirSync(artifacts, { recursive: true });
    spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${W}x${H}`, '-i', '-', '-frames:v', '1', path.join(artifacts, `${name}.png`)], { input: rgb });
  }

  /**
   * Polls the webcast until its large slot's lower thirds look like the
   * render with the chosen faces; returns how alike the last frame was to
   * that render and to the boxes render.
   */
  async function lowerThirdsSeen(video: string, token: string, slot: Rect, colour: Rgb, name: string, item: string, boxesFace: FontFace, label: string): Promise<{ chosen: number; boxes: number }> {
    // The band of the lower thirds: the bottom third of the slot.
    const band = { x: 0, y: Math.round((slot.h * 2) / 3), w: slot.w, h: slot.h - Math.round((slot.h * 2) / 3) };
    const chosen = ink(slotRender(slot, colour, name, item, faces), slot.w, band);
    const boxes = ink(slotRender(slot, colour, name, item, [boxesFace]), slot.w, band);
    let last = { chosen: 0, boxes: 0 };
    await expect
      .poll(
        async () => {
          const frame = await lastFrame(video, token, W, H);
          const seen = ink(frame, W, { x: slot.x + band.x, y: slot.y + band.y, w: band.w, h: band.h });
          last = { chosen: overlap(seen, chosen), boxes: overlap(seen, boxes) };
          keep(frame, label);
          return last.chosen > 0.5 && last.chosen > last.boxes + 0.2;
        },
        { timeout: 40_000, interval: 1000 },
      )
      .toBe(true);
    return last;
  }

  const joined = (p: TestParticipant, open = false) => people.joined(p.token, { open });

  /** A camera of one colour and a tone, sent over RTP (webcast-frames.ts). */
  async function camera(media: NodeMediaClient, colour: Rgb, tone: number): Promise<{ audio: string }> {
    const { sender, audio } = await colourCamera(media, colour, tone);
    people.senders.push(sender);
    return { audio: audio ?? '' };
  }

  beforeAll(async () => {
    server = await startMediaServer(
      { MEDIA_WORKERS: '1' },
      { webcast: webcastSettings(W, H, 2500) },
    );
    worker = await clientWorker();
  }, 60_000);

  afterAll(async () => {
    people.close();
    await server?.close();
    worker?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws an Arabic name and an Arabic item title, then a Chinese delegate’s name, in their scripts', async () => {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const ahmed = await createParticipant(server, { name: 'أحمد حسن', group: 'government', country: 'EG', roles: [{ sessionId, role: 'panelist' }] });
    const rosa = await createParticipant(server, { name: 'Rosa Red', group: 'workers', country: 'BR', roles: [{ sessionId, role: 'panelist' }] });
    const wang = await createParticipant(server, { name: '王芳', group: 'government', country: 'CN' });
    const item = 'الجلسة الافتتاحية';

    const mod = await joined(moderator, true);
    const put = await fetch(`${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ id: 'opening', kind: 'panel', title: item, plannedMs: 600_000 }] }),
    });
    expect(put.status, await put.text()).toBe(200);
    await ok(mod.socket, 'run:advance', { sessionId, itemId: 'opening' });

    const a = await joined(ahmed);
    const r = await joined(rosa);
    const ahmedMedia = await camera(a.media, cameras.blue, 440);
    await camera(r.media, cameras.red, 660);
    const master = `${server.url}/webcast/${eventId}/${sessionId}/index.m3u8`;
    const video = master.replace('index.m3u8', 'video-hi.m3u8');
    const token = moderator.token;
    await waitFor(async () => ((await fetch(master, { headers: { authorization: `Bearer ${token}` } })).ok ? true : null), { timeout: 40_000, interval: 250 });

    // The Arabic-named panelist speaks: large, "name, country" (Arabic and Latin: DejaVu, shaped) over the item (Arabic only: Noto Sans Arabic).
    server.media!.remoteSpeaker(eventId, sessionId, { sessionId, producerId: ahmedMedia.audio, participantId: ahmed.id });
    await expect.poll(() => server.webcast!.stats()[0]?.layout, { timeout: 40_000 }).toMatchObject({ main: 'أحمد حسن, Egypt', strip: ['Rosa Red, Test Organisation'], item });
    const two = geometry(W, H, 2).main;
    const arabicSeen = await lowerThirdsSeen(video, token, two, cameras.blue, 'أحمد حسن, Egypt', item, byId('zh') as FontFace, 'arabic-name-and-item');
    expect(arabicSeen.chosen).toBeGreaterThan(arabicSeen.boxes);

    // A delegate with a Chinese name is given the floor with video: large, "王芳, China" in the simplified Chinese face.
    await ok(mod.socket, 'media:settings', { sessionId, delegateVideo: true });
    const d = await joined(wang);
    const entry = await ok<{ entryId: string }>(d.socket, 'queue:request', { sessionId });
    await ok(mod.socket, 'queue:give-floor', { sessionId, entryId: entry.entryId });
    await camera(d.media, cameras.green, 990);
    await expect.poll(() => server.webcast!.stats()[0]?.layout.main, { timeout: 40_000 }).toBe('王芳, China');
    const three = geometry(W, H, 3).main;
    const chineseSeen = await lowerThirdsSeen(video, token, three, cameras.green, '王芳, China', item, byId('latin') as FontFace, 'chinese-name');
    expect(chineseSeen.chosen).toBeGreaterThan(chineseSeen.boxes);
  }, 180_000);
});
