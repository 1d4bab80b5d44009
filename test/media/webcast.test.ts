// The webcast and archive of a live session (issue 12) with a real
// mediasoup worker and ffmpeg: a panelist (camera and microphone) and a
// French interpreter publish real media (ffmpeg's test picture and tones
// over RTP, through the Node media client's plain transports); the webcast
// is read as a player reads it (ffprobe/ffmpeg over HTTP with a bearer
// token); renditions are decoded to PCM and each speaker found by their
// own tone (Goertzel): French carries the interpreter, the floor the
// panelist and, in turn, each of two delegates given the floor (and no
// longer the first once their floor ended); captions are read from the
// subtitle rendition's WebVTT segments; after the session ends the
// recording lists as ready and holds the video, both audio tracks and two
// chapters. Small encoder settings keep it fast.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, tempDir, waitFor } from '../support/server.ts';
import { clientWorker, MediaPeople, NodeMediaClient, sleep, startMediaServer } from './support.ts';
import { heardIn, tonesIn } from './webcast-audio.ts';
import { hasFfmpeg, sendRtp, subtitleCue, type RtpTarget } from './webcast-support.ts';

const sessionId = 'thematic-3';

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

async function probe(target: string, headers?: string): Promise<{ streams: { codec_type: string; tags?: Record<string, string>; width?: number }[]; chapters: { tags?: { title?: string } }[] }> {
  const out = await tool('ffprobe', ['-v', 'error', ...(headers ? ['-headers', headers] : []), '-show_streams', '-show_chapters', '-of', 'json', target]);
  if (out.status !== 0) throw new Error(`ffprobe failed (${String(out.status)}): ${out.stderr}`);
  return JSON.parse(out.stdout) as never;
}

describe.skipIf(!hasFfmpeg)('the webcast in every language and the archive (mediasoup + ffmpeg)', () => {
  let server: Plenary;
  let worker: Worker;
  let moderator: TestParticipant;
  let panelist: TestParticipant;
  let interpreter: TestParticipant;
  let captioner: TestParticipant;
  let gov: TestParticipant;
  let wrk: TestParticipant;
  const people = new MediaPeople(sessionId, () => ({ url: server.url, worker }));

  const joined = (p: TestParticipant) => people.joined(p.token, { joinMedia: false });

  function send(video: RtpTarget | null, audio: RtpTarget & { freq: number }): void {
    people.senders.push(sendRtp(video, audio));
  }

  beforeAll(async () => {
    server = await startMediaServer(
      { MEDIA_WORKERS: '1' },
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
    moderator = await createParticipant(server, { name: 'Moderator', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(server, { name: 'Ana Panelist', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    interpreter = await createParticipant(server, { name: 'Interprète', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    captioner = await createParticipant(server, { name: 'Captioner', group: 'international_organization', roles: [{ sessionId, role: 'captioner', language: 'en' }] });
    gov = await createParticipant(server, { name: 'Ghana Government', group: 'government', country: 'GH' });
    wrk = await createParticipant(server, { name: 'Kenya Workers', group: 'workers', country: 'KE' });
  }, 60_000);

  afterAll(async () => {
    people.close();
    await server?.close();
    worker?.close();
  });

  it('webcasts the stage with a floor and a French rendition, then archives it with a chapter per floor', async () => {
    expect(server.webcast?.available).toBe(true);
    const { socket: mod } = await joined(moderator);
    const master = `${server.url}/webcast/${eventId}/${sessionId}/index.m3u8`;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    // Nothing published yet: a coded refusal; and the webcast is not public.
    expect((await fetch(master, { headers: bearer(gov.token) })).status).toBe(404);
    await ok(mod, 'session:open', { sessionId });
    const early = await fetch(master, { headers: bearer(gov.token) });
    expect(early.status).toBe(404);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('webcast_not_started');
    expect((await fetch(master)).status).toBe(401);

    const pan = await joined(panelist);
    await pan.media.join();
    const cam = await pan.media.produceRtp('video', { source: 'camera' });
    const mic = await pan.media.produceRtp('audio', { source: 'mic' });
    send({ port: cam.port, pt: cam.payloadType, ssrc: cam.ssrc }, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq: 440 });
    const booth = await joined(interpreter);
    await booth.media.join();
    const fr = await booth.media.produceRtp('audio', { source: 'interpretation', language: 'fr' });
    send(null, { port: fr.port, pt: fr.payloadType, ssrc: fr.ssrc, freq: 880 });

    // The master playlist: two video qualities, the floor and French as audio renditions.
    const text = await waitFor(
      async () => {
        const res = await fetch(master, { headers: bearer(gov.token) });
        const body = res.ok ? await res.text() : '';
        return body.includes('LANGUAGE="fr"') ? { body, res } : null;
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(text.res.headers.get('content-type')).toMatch(/mpegurl/);
    expect(text.res.headers.get('cache-control')).toBe('private, max-age=1');
    expect(text.body).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="mul",NAME="Floor",DEFAULT=YES/);
    expect(text.body).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="fr",NAME="Français"/);
    expect(text.body.match(/#EXT-X-STREAM-INF:.*RESOLUTION=(\d+x\d+)/g)?.length).toBe(2);
    // Let the French run write a few segments.
    await sleep(3000);

    // As a player: ffprobe sees the video variants and both audio renditions; the video decodes.
    const headers = `Authorization: Bearer ${gov.token}\r\n`;
    const streams = (await probe(master, headers)).streams;
    expect(streams.filter((s) => s.codec_type === 'video').length).toBeGreaterThanOrEqual(2);
    const audio = streams.filter((s) => s.codec_type === 'audio');
    expect(audio.map((s) => s.tags?.language)).toEqual(expect.arrayContaining(['mul', 'fr']));
    const decode = await tool('ffmpeg', ['-v', 'error', '-headers', headers, '-i', master.replace('index.m3u8', 'video-hi.m3u8'), '-frames:v', '10', '-f', 'null', '-']);
    expect(decode.status, decode.stderr).toBe(0);
    // The French rendition carries the interpreter's tone (880 Hz), not the floor's (440 Hz); the floor carries the panelist's.
    const frTones = await tonesIn(master.replace('index.m3u8', 'audio-fr.m3u8'), headers, [440, 880, 1000]);
    expect(frTones[880]).toBeGreaterThan(100 * (frTones[440] ?? 0));
    expect(frTones[880]).toBeGreaterThan(100 * (frTones[1000] ?? 0));
    const floorTones = await tonesIn(master.replace('index.m3u8', 'audio-floor.m3u8'), headers, [440, 880, 1000]);
    expect(floorTones[440]).toBeGreaterThan(100 * (floorTones[880] ?? 0));
    // Captions (issue 13): an English subtitle rendition, offered from the start since a captioner of English is assigned.
    expect(text.body).toMatch(/#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="English",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs-en.m3u8"/);
    expect(text.body).toMatch(/#EXT-X-STREAM-INF:.*SUBTITLES="subs"/);
    const cap = await connect(server.url, { token: captioner.token });
    people.sockets.push(cap);
    await ok(cap, 'session:join', { sessionId });
    await ok(cap, 'caption:line', { sessionId, language: 'en', text: 'Decent work --> for all', final: false });
    await ok(cap, 'caption:line', { sessionId, language: 'en', text: 'Decent work for all', final: true });
    // Read as a player reads it: the media playlist, then its WebVTT segments, until one carries the final line (not the interim one).
    const subs = master.replace('index.m3u8', 'subs-en.m3u8');
    const cue = await subtitleCue(subs, gov.token, 'Decent work for all');
    expect(cue.playlist).toMatch(/^#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:\d+\n#EXT-X-DISCONTINUITY-SEQUENCE:\d+\n#EXT-X-PROGRAM-DATE-TIME:\d{4}-\d\d-\d\dT[\d:.]+Z\n#EXTINF:\d+\.\d{3},\nsubs-en-\d{5}\.vtt/);
    expect(cue.type).toMatch(/^text\/vtt/);
    expect(cue.vtt).toMatch(/^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00\.000\n\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\nDecent work for all\n/);
    expect(cue.vtt).not.toContain('Decent work → for all');
    const stats = server.webcast!.stats();
    expect(stats).toEqual([expect.objectContaining({ eventId, sessionId, languages: ['fr'] })]);

    // Two delegates take the floor in turn: two chapters.
    const a = await joined(gov);
    const b = await joined(wrk);
    const ea = await ok<{ entryId: string }>(a.socket, 'queue:request', { sessionId });
    const eb = await ok<{ entryId: string }>(b.socket, 'queue:request', { sessionId });
    // Each speaks with their own voice (a tone): the webcast's floor rendition carries it while they hold the floor.
    const speak = async (who: { media: NodeMediaClient }, freq: number): Promise<void> => {
      await who.media.join();
      const voice = await who.media.produceRtp('audio', { source: 'mic' });
      send(null, { port: voice.port, pt: voice.payloadType, ssrc: voice.ssrc, freq });
    };
    const heard = (freq: number) => (): Promise<boolean> => heardIn(master.replace('index.m3u8', 'audio-floor.m3u8'), headers, freq);
    await ok(mod, 'queue:give-floor', { sessionId, entryId: ea.entryId });
    await speak(a, 1320);
    await expect.poll(heard(1320), { timeout: 40_000, interval: 1000 }).toBe(true);
    await ok(mod, 'queue:end-floor', { sessionId });
    await ok(mod, 'queue:give-floor', { sessionId, entryId: eb.entryId });
    await speak(b, 1760);
    await expect.poll(heard(1760), { timeout: 40_000, interval: 1000 }).toBe(true);
    // The first delegate's floor ended: their voice is gone from the webcast.
    expect(await heard(1320)()).toBe(false);
    await ok(mod, 'queue:end-floor', { sessionId });

    // The session ends: the recording is made from the segments.
    await ok(mod, 'session:end', { sessionId });
    const list = `${server.url}/api/events/${eventId}/sessions/${sessionId}/recordings`;
    expect((await fetch(list, { headers: bearer(gov.token) })).status).toBe(403);
    const recording = await waitFor(
      async () => {
        const body = (await (await fetch(list, { headers: bearer(organizerToken) })).json()) as { recordings: { id: string; url: string | null; status: string; durationMs: number; tracks: { kind: string; language?: string }[] }[] };
        return body.recordings.find((r) => r.status === 'ready' || r.status === 'failed');
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(recording.status).toBe('ready');
    expect(recording.durationMs).toBeGreaterThan(3000);
    expect(recording.tracks).toEqual([{ kind: 'video', name: 'Video' }, { kind: 'audio', language: 'mul', name: 'Floor' }, { kind: 'audio', language: 'fr', name: 'Français' }]);
    const fileUrl = `${server.url}${recording.url}`;
    const partial = await fetch(fileUrl, { headers: { ...bearer(organizerToken), range: 'bytes=0-99' } });
    expect(partial.status).toBe(206);
    expect((await partial.arrayBuffer()).byteLength).toBe(100);
    const whole = await fetch(fileUrl, { headers: bearer(organizerToken) });
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const file = path.join(tempDir(), 'recording.mkv');
    fs.writeFileSync(file, Buffer.from(await whole.arrayBuffer()));
    const archived = await probe(file);
    expect(archived.streams.filter((s) => s.codec_type === 'video')).toHaveLength(1);
    expect(archived.streams.filter((s) => s.codec_type === 'audio').map((s) => s.tags?.language)).toEqual(['mul', 'fre']);
    expect(archived.chapters.map((c) => c.tags?.title)).toEqual(['Ghana Government, Ghana, Government', 'Kenya Workers, Kenya, Workers']);
    const vtt = await (await fetch(fileUrl.replace(/\/file$/, '/chapters.vtt'), { headers: bearer(organizerToken) })).text();
    expect(vtt).toMatch(/^WEBVTT\n\n1\n00:00:\d\d\.\d{3} --> 00:00:\d\d\.\d{3}\nGhana Government, Ghana, Government\n/);
    // The live webcast is over.
    expect((await fetch(master, { headers: bearer(gov.token) })).status).toBe(404);
  }, 120_000);
});
