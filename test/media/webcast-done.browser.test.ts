// Issue 12's "Done when", with the people on the stage in headless Chromium:
// a panelist and a French interpreter each in a Chromium of their own, with
// their own fake camera and fake microphone (bursts of a tone of their own:
// 440 Hz for the panelist, 700 Hz for the interpreter). The panelist goes
// live from the room, the interpreter takes the French booth from the
// console. The moderator (a Socket.IO client) gives the floor to two
// delegates in turn and ends each floor. The webcast is read as a player
// reads it, with ffprobe/ffmpeg over HTTP and a bearer token: the master
// playlist lists video and the floor and French audio renditions, frames
// decode, the French rendition carries the interpreter's tone and the floor
// the panelist's. After the session ends the recording lists as ready and
// ffprobe finds the video, both audio tracks and one chapter per floor.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, waitFor } from '../support/server.ts';
import { startMediaServer } from './support.ts';
import { tonesIn } from './webcast-audio.ts';
import { webcastSettings } from './webcast-frames.ts';
import { hasFfmpeg } from './webcast-support.ts';

const sessionId = 'thematic-3';
const poll = { timeout: 45_000, interval: 500 };
const PANELIST_HZ = 440;
const INTERPRETER_HZ = 700;
const NOBODY_HZ = 1000;

/** Runs a tool without blocking this process (the server under test answers its requests). */
function tool(bin: string, args: string[], timeoutMs = 30_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

interface Probed {
  streams: { codec_type: string; tags?: Record<string, string> }[];
  chapters: { tags?: { title?: string } }[];
}

async function probe(target: string, headers?: string): Promise<Probed> {
  const out = await tool('ffprobe', ['-v', 'error', ...(headers ? ['-headers', headers] : []), '-show_streams', '-show_chapters', '-of', 'json', target]);
  if (out.status !== 0) throw new Error(`ffprobe failed (${String(out.status)}): ${out.stderr}`);
  return JSON.parse(out.stdout) as Probed;
}

describe.skipIf(!hasChromium || !hasFfmpeg)('issue 12 done: Chromium panelist and French interpreter, two floors, the webcast read by a player and the archive', () => {
  let server: Plenary;
  const browsers: Browser[] = [];
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const errors: string[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-webcast-done-'));

  /** A Chromium of its own whose fake camera shows a test picture and whose fake microphone plays bursts of a `tone` Hz sine (both looped). */
  async function chromiumWith(name: string, tone: number): Promise<Browser> {
    const video = path.join(dir, `${name}.y4m`);
    const audio = path.join(dir, `${name}.wav`);
    spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=320x180:r=15', '-t', '1', '-pix_fmt', 'yuv420p', video]);
    // Bursts like syllables (300 ms on, 300 ms off): Chromium's noise suppression would treat a steady tone as noise and wear it down.
    spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', `aevalsrc=0.8*sin(2*PI*${tone}*t)*gt(mod(t\\,0.6)\\,0.3):s=48000`, '-t', '6', '-ac', '1', audio]);
    const browser = await launchChromium([`--use-file-for-fake-video-capture=${video}`, `--use-file-for-fake-audio-capture=${audio}`]);
    browsers.push(browser);
    return browser;
  }

  beforeAll(async () => {
    server = await startMediaServer(
      { MEDIA_WORKERS: '1' },
      { webcast: webcastSettings(320, 180, 300) },
    );
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const b of browsers) await b.close().catch(() => undefined);
    while (sockets.length) sockets.pop()?.close();
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function joined(p: TestParticipant): Promise<Socket> {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return socket;
  }

  it('webcasts the Chromium stage with floor and French renditions and archives it with a chapter per floor', { timeout: 240_000 }, async () => {
    const moderator = await createParticipant(server, { name: 'Moderator', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Ana Panelist', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    const interpreter = await createParticipant(server, { name: 'Interprète', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const gov = await createParticipant(server, { name: 'Ghana Government', group: 'government', country: 'GH' });
    const wrk = await createParticipant(server, { name: 'Kenya Workers', group: 'workers', country: 'KE' });
    const mod = await joined(moderator);
    await ok(mod, 'session:open', { sessionId });

    const room = async (p: TestParticipant, name: string, tone: number): Promise<Page> =>
      openRoom(await chromiumWith(name, tone), { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, contexts, errors });

    // The panelist goes live from the room (camera and microphone).
    const pan = await room(panelist, 'panelist', PANELIST_HZ);
    await pan.getByTestId('publish').waitFor({ state: 'visible', timeout: 30_000 });
    await pan.getByTestId('publish').click();
    await expect.poll(() => pan.getByTestId('publish').getAttribute('aria-pressed'), poll).toBe('true');
    // The interpreter takes the idle French booth from the console: the French channel starts.
    const booth = await room(interpreter, 'interpreter', INTERPRETER_HZ);
    await booth.getByTestId('booth-claim').click();
    await expect.poll(() => booth.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');

    // The master playlist, as a delegate not on the stage fetches it: video, the floor and French as audio renditions.
    const master = `${server.url}/webcast/${eventId}/${sessionId}/index.m3u8`;
    const bearer = { authorization: `Bearer ${gov.token}` };
    const playlist = await waitFor(
      async () => {
        const res = await fetch(master, { headers: bearer });
        const body = res.ok ? await res.text() : '';
        return body.includes('LANGUAGE="fr"') ? body : null;
      },
      { timeout: 45_000, interval: 250 },
    );
    expect(playlist).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="mul",NAME="Floor",DEFAULT=YES/);
    expect(playlist).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="fr",NAME="Français"/);
    expect(playlist.match(/#EXT-X-STREAM-INF:.*RESOLUTION=\d+x\d+.*AUDIO="audio"/g)?.length).toBe(2);

    // As a player: ffprobe sees video and both audio renditions by language; frames decode from the video.
    const headers = `Authorization: Bearer ${gov.token}\r\n`;
    const streams = await waitFor(
      async () => {
        const found = (await probe(master, headers).catch(() => null))?.streams ?? [];
        const languages = found.filter((s) => s.codec_type === 'audio').map((s) => s.tags?.language);
        return languages.includes('fr') && languages.includes('mul') ? found : null;
      },
      { timeout: 30_000, interval: 1000 },
    );
    expect(streams.filter((s) => s.codec_type === 'video').length).toBeGreaterThanOrEqual(2);
    const decode = await tool('ffmpeg', ['-v', 'error', '-headers', headers, '-i', master.replace('index.m3u8', 'video-hi.m3u8'), '-frames:v', '10', '-f', 'null', '-']);
    expect(decode.status, decode.stderr).toBe(0);

    // The French rendition carries the interpreter's tone, not the panelist's; the floor carries the panelist's, not the interpreter's.
    const stands = (url: string, loud: number, quiet: number) => async (): Promise<boolean> => {
      const t = await tonesIn(url, headers, [loud, quiet, NOBODY_HZ]).catch(() => null);
      return t !== null && (t[loud] ?? 0) > 100 * (t[quiet] ?? 0) && (t[loud] ?? 0) > 100 * (t[NOBODY_HZ] ?? 0);
    };
    await expect.poll(stands(master.replace('index.m3u8', 'audio-fr.m3u8'), INTERPRETER_HZ, PANELIST_HZ), poll).toBe(true);
    await expect.poll(stands(master.replace('index.m3u8', 'audio-floor.m3u8'), PANELIST_HZ, INTERPRETER_HZ), poll).toBe(true);

    // Two delegates request the floor; the moderator gives it to each in turn and ends it.
    const a = await joined(gov);
    const b = await joined(wrk);
    const ea = await ok<{ entryId: string }>(a, 'queue:request', { sessionId });
    const eb = await ok<{ entryId: string }>(b, 'queue:request', { sessionId });
    const media = master.replace('index.m3u8', 'video-hi.m3u8');
    /** The sequence number of the newest segment of the video: each floor is held while the encoder writes at least one more. */
    const newest = async (): Promise<number> => {
      const text = await (await fetch(media, { headers: bearer })).text();
      return Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0) + text.split('\n').filter((l) => l.startsWith('#EXTINF')).length;
    };
    for (const entry of [ea, eb]) {
      await ok(mod, 'queue:give-floor', { sessionId, entryId: entry.entryId });
      const at = await newest();
      await expect.poll(newest, poll).toBeGreaterThan(at + 1);
      await ok(mod, 'queue:end-floor', { sessionId });
    }

    // The session ends: the recording lists as ready (organiser's view), holding the video, both audio tracks and two chapters.
    await ok(mod, 'session:end', { sessionId });
    const list = `${server.url}/api/events/${eventId}/sessions/${sessionId}/recordings`;
    const recording = await waitFor(
      async () => {
        const body = (await (await fetch(list, { headers: { authorization: `Bearer ${organizerToken}` } })).json()) as { recordings: { url: string | null; status: string; tracks: { kind: string; language?: string }[] }[] };
        return body.recordings.find((r) => r.status === 'ready' || r.status === 'failed');
      },
      { timeout: 45_000, interval: 250 },
    );
    expect(recording.status).toBe('ready');
    expect(recording.tracks).toEqual([{ kind: 'video', name: 'Video' }, { kind: 'audio', language: 'mul', name: 'Floor' }, { kind: 'audio', language: 'fr', name: 'Français' }]);
    const file = path.join(dir, 'recording.mkv');
    const res = await fetch(`${server.url}${recording.url ?? ''}`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(res.status).toBe(200);
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const archived = await probe(file);
    expect(archived.streams.filter((s) => s.codec_type === 'video')).toHaveLength(1);
    expect(archived.streams.filter((s) => s.codec_type === 'audio').map((s) => s.tags?.language)).toEqual(['mul', 'fre']);
    expect(archived.chapters.map((c) => c.tags?.title)).toEqual(['Ghana Government, Ghana, Government', 'Kenya Workers, Kenya, Workers']);
    expect(errors).toEqual([]);
  });
});
