// One webcast encoder per session across server processes (issue 12): three
// real Plenary processes with media and the webcast on, sharing Redis and one
// data directory. A panelist publishes on A, a French interpreter and a sign
// interpreter (a green camera) on B, a delegate given the floor on C. Exactly one process encodes the session
// (one ffmpeg for it on the machine, one process reporting it in /metrics),
// and it hears every one of them, wherever their producers are held: the
// floor rendition carries the panelist's tone and then the delegate's,
// French the interpreter's, read as a player reads them from any process,
// and the picture has the sign interpreter in its inset.
// Then the encoding process is SIGKILLed: another takes the encoder over,
// the playlists go on after a discontinuity with the survivors' voices, the
// killed process's ffmpeg is gone with it, and the recordings API tells the
// same recording throughout. Then the new holder stops cleanly (SIGTERM): it
// gives the lease up and the last process takes over. At the session's end
// the recording is ready and holds the media from before and after.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { geometry } from '../../server/media/webcast/layout.ts';
import { hasRedis } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaCluster, type MediaCluster } from './support.ts';
import { heardIn } from './webcast-audio.ts';
import { hasFfmpeg, sendRtp } from './webcast-support.ts';

const sessionId = 'thematic-4';
/** The low quality's size (WEBCAST_* defaults): where the sign-language inset is, whatever the stage. */
const lo = { width: 640, height: 360 };
const tone = { panelist: 440, french: 880, delegate: 1320 };

interface ListedRecording {
  id: string;
  status: string;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  url: string | null;
  tracks: { kind: string; language?: string }[];
}

/** ffmpeg processes on this machine whose command line names `part` (a session's webcast directory), with their parent's pid. */
function ffmpegsNaming(part: string): { pid: number; ppid: number; cmdline: string }[] {
  const found: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      if (!cmdline.includes('ffmpeg') || !cmdline.includes(part)) continue;
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${name}/status`, 'utf8'))?.[1]);
      found.push({ pid: Number(name), ppid, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Whether the newest frame of a video playlist shows green (the sign interpreter's camera) in the sign-language inset. */
async function greenInset(url: string, token: string): Promise<boolean> {
  const frame = await new Promise<Buffer | null>((resolve) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-headers', `Authorization: Bearer ${token}\r\n`, '-live_start_index', '-1', '-i', url, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      resolve(code === 0 && all.length === lo.width * lo.height * 3 ? all : null);
    });
  });
  if (!frame) return false;
  const { sign } = geometry(lo.width, lo.height, 1);
  const at = (Math.round(sign.y + sign.h / 3) * lo.width + Math.round(sign.x + sign.w / 2)) * 3;
  return (frame[at] ?? 255) < 60 && (frame[at + 1] ?? 0) > 195 && (frame[at + 2] ?? 255) < 60;
}

/** ffmpeg sending a plain green picture (VP8) over RTP in real time. */
function sendGreen(port: number, pt: number, ssrc: number): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'color=c=0x00ff00:s=320x180:r=10', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '100k', '-g', '10', '-ssrc', String(ssrc), '-payload_type', String(pt), '-f', 'rtp', `rtp://127.0.0.1:${port}`], { stdio: 'ignore' });
}

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

describe.skipIf(!hasRedis || !hasFfmpeg)('one webcast encoder per session across processes, taken over when its process dies', () => {
  let cluster: MediaCluster;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const senders: ChildProcess[] = [];
  let moderator: TestParticipant;
  let panelist: TestParticipant;
  let interpreter: TestParticipant;
  let delegate: TestParticipant;
  let viewer: TestParticipant;
  let signer: TestParticipant;

  const join = async (url: string, p: TestParticipant): Promise<Socket> => {
    const socket = await connect(url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return socket;
  };
  const publisher = async (url: string, p: TestParticipant): Promise<NodeMediaClient> => {
    const media = await NodeMediaClient.create(await join(url, p), sessionId, worker);
    clients.push(media);
    await waitFor(async () => media.join().then(() => true, () => false), { timeout: 10_000 });
    return media;
  };
  /** Which processes report an encoder for the session in their metrics. */
  const encodingProcesses = async (indexes: number[]): Promise<number[]> => {
    const reports = await Promise.all(
      indexes.map(async (i) => {
        const text = await (await fetch(`${cluster.urls[i]}/metrics`, { headers: { authorization: `Bearer ${organizerToken}` } })).text();
        return new RegExp(`plenary_webcast_encoder_restarts\\{[^}]*session="${sessionId}"[^}]*\\}`).test(text) ? [i] : [];
      }),
    );
    return reports.flat();
  };
  const recordings = async (url: string): Promise<ListedRecording[]> =>
    ((await (await fetch(`${url}/api/events/${eventId}/sessions/${sessionId}/recordings`, { headers: { authorization: `Bearer ${organizerToken}` } })).json()) as { recordings: ListedRecording[] }).recordings;

  beforeAll(async () => {
    // Slow frames and a short window: three servers and the encoder share two cores.
    cluster = await startMediaCluster(3, 'warn', { WEBCAST_ENABLED: 'true', WEBCAST_FPS: '10', WEBCAST_LIST_SIZE: '8', WEBCAST_SEGMENT_SECONDS: '1' });
    worker = await clientWorker();
    const url = { url: cluster.urls[0]! };
    moderator = await createParticipant(url, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(url, { name: 'Panelist on A', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    interpreter = await createParticipant(url, { name: 'Interprète sur B', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    delegate = await createParticipant(url, { name: 'Delegate on C', group: 'government', country: 'GH' });
    viewer = await createParticipant(url, { name: 'Viewer', group: 'employers', country: 'KE' });
    signer = await createParticipant(url, { name: 'Sign on B', group: 'international_organization', roles: [{ sessionId, role: 'sign_interpreter', language: 'ase' }] });
  }, 180_000);

  afterAll(async () => {
    for (const child of senders) child.kill('SIGKILL');
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    await cluster?.stop();
  });

  it('encodes every process’s producers once, and another process takes the encoder over after a SIGKILL', async () => {
    const urls = cluster.urls;
    const headers = `Authorization: Bearer ${viewer.token}\r\n`;
    const webcast = (i: number, file: string): string => `${urls[i]}/webcast/${eventId}/${sessionId}/${file}`;
    let mod = await join(urls[2]!, moderator);
    await ok(mod, 'session:open', { sessionId });

    const pan = await publisher(urls[0]!, panelist);
    const cam = await pan.produceRtp('video', { source: 'camera' });
    const mic = await pan.produceRtp('audio', { source: 'mic' });
    senders.push(sendRtp({ port: cam.port, pt: cam.payloadType, ssrc: cam.ssrc }, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq: tone.panelist }));
    const booth = await publisher(urls[1]!, interpreter);
    const fr = await booth.produceRtp('audio', { source: 'interpretation', language: 'fr' });
    senders.push(sendRtp(null, { port: fr.port, pt: fr.payloadType, ssrc: fr.ssrc, freq: tone.french }));
    const signing = await publisher(urls[1]!, signer);
    const hands = await signing.produceRtp('video', { source: 'camera' });
    senders.push(sendGreen(hands.port, hands.payloadType, hands.ssrc));

    // The master playlist offers French, served alike by every process (one directory, one writer).
    const master = await waitFor(
      async () => {
        const res = await fetch(webcast(0, 'index.m3u8'), { headers: { authorization: `Bearer ${viewer.token}` } });
        const text = res.ok ? await res.text() : '';
        return text.includes('LANGUAGE="fr"') ? text : null;
      },
      { timeout: 60_000, interval: 500 },
    );
    const webcastStarted = Date.now();
    expect(master).toMatch(/#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="mul",NAME="Floor"/);
    for (const i of [1, 2]) expect(await (await fetch(webcast(i, 'index.m3u8'), { headers: { authorization: `Bearer ${viewer.token}` } })).text()).toBe(master);

    // Exactly one encoder for the session: one process reports it, one ffmpeg runs for it, a child of that process.
    const [holder, ...others] = await waitFor(async () => {
      const found = await encodingProcesses([0, 1, 2]);
      return found.length > 0 ? found : null;
    }, { timeout: 20_000 });
    expect(others).toEqual([]);
    const encoders = ffmpegsNaming(`/webcast/${eventId}/${sessionId}/`).filter((p) => cluster.pids.includes(p.ppid));
    expect(encoders.map((p) => p.ppid)).toEqual([cluster.pids[holder!]]);
    const dir = /(\S+\/webcast\/[^/\s]+\/[^/\s]+\/)/.exec(encoders[0]!.cmdline)?.[1] as string;
    expect(dir).toBeTruthy();

    // It hears the panelist (A) on the floor and the interpreter (B) in French, whichever process it is.
    const floor = (i: number): string => webcast(i, 'audio-floor.m3u8');
    const french = (i: number): string => webcast(i, 'audio-fr.m3u8');
    await expect.poll(() => heardIn(floor(0), headers, tone.panelist), { timeout: 30_000, interval: 1000 }).toBe(true);
    await expect.poll(() => heardIn(french(1), headers, tone.french), { timeout: 30_000, interval: 1000 }).toBe(true);
    expect(await heardIn(french(2), headers, tone.panelist)).toBe(false);
    // The picture composes B's sign interpreter in its inset, as a local one.
    await expect.poll(() => greenInset(webcast(2, 'video-lo.m3u8'), viewer.token), { timeout: 30_000, interval: 1000 }).toBe(true);

    // A delegate on C is given the floor and speaks: heard on the floor rendition.
    const del = await join(urls[2]!, delegate);
    const entry = await ok<{ entryId: string }>(del, 'queue:request', { sessionId });
    await ok(mod, 'queue:give-floor', { sessionId, entryId: entry.entryId });
    const delMedia = await NodeMediaClient.create(del, sessionId, worker);
    clients.push(delMedia);
    await delMedia.join();
    const voice = await delMedia.produceRtp('audio', { source: 'mic' });
    senders.push(sendRtp(null, { port: voice.port, pt: voice.payloadType, ssrc: voice.ssrc, freq: tone.delegate }));
    await expect.poll(() => heardIn(floor(1), headers, tone.delegate), { timeout: 40_000, interval: 1000 }).toBe(true);
    expect(await encodingProcesses([0, 1, 2])).toEqual([holder]);

    // One recording, being recorded, told alike by every process.
    const before = await recordings(urls[0]!);
    expect(before).toEqual([expect.objectContaining({ status: 'recording', endedAt: null, url: null })]);
    for (const i of [1, 2]) expect(await recordings(urls[i]!)).toEqual(before);
    const videoPlaylist = async (i: number): Promise<string> => {
      const res = await fetch(webcast(i, 'video-hi.m3u8'), { headers: { authorization: `Bearer ${viewer.token}` } });
      return res.ok ? res.text() : '';
    };
    const lastRun = (playlist: string): number => Math.max(0, ...[...playlist.matchAll(/video-hi-r(\d+)-\d+\.ts/g)].map((m) => Number(m[1])));
    const runBefore = lastRun(await videoPlaylist(0));

    // The encoding process dies without a word.
    const killedAt = Date.now();
    cluster.kill(holder!);
    const survivors = [0, 1, 2].filter((i) => i !== holder);
    const [firstSurvivor] = survivors as [number, number];

    // Another process takes over: new segments of a later run, after a discontinuity.
    const after = await waitFor(
      async () => {
        const text = await videoPlaylist(firstSurvivor);
        const runs = [...text.matchAll(/video-hi-r(\d+)-\d+\.ts/g)].map((m) => Number(m[1]));
        return runs.some((r) => r > runBefore) ? text : null;
      },
      { timeout: 60_000, interval: 500 },
    );
    const lines = after.split('\n');
    const firstNew = lines.findIndex((l) => { const m = /video-hi-r(\d+)-\d+\.ts/.exec(l); return m !== null && Number(m[1]) > runBefore; });
    const lastOld = lines.slice(0, firstNew).findLastIndex((l) => /video-hi-r\d+-\d+\.ts/.test(l));
    if (lastOld >= 0) expect(lines.slice(lastOld + 1, firstNew)).toContain('#EXT-X-DISCONTINUITY');
    // Every rendition numbers a run's segments alike, as served (EXT-X-DISCONTINUITY-SEQUENCE, then one tag per new run).
    const ccByRun = (text: string): Map<number, number> => {
      let cc = Number(/#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/.exec(text)?.[1] ?? Number.NaN);
      const out = new Map<number, number>();
      for (const line of text.split('\n')) {
        if (line === '#EXT-X-DISCONTINUITY') cc += 1;
        const m = /-r(\d+)-\d+\.ts$/.exec(line);
        if (m) out.set(Number(m[1]), cc);
      }
      return out;
    };
    const floorList = await (await fetch(floor(firstSurvivor), { headers: { authorization: `Bearer ${viewer.token}` } })).text();
    const videoRuns = ccByRun(await videoPlaylist(firstSurvivor));
    const floorRuns = ccByRun(floorList);
    const shared = [...videoRuns.keys()].filter((r) => floorRuns.has(r));
    expect(shared.length).toBeGreaterThan(0);
    for (const r of shared) expect([r, floorRuns.get(r)]).toEqual([r, videoRuns.get(r)]);
    expect([...videoRuns.values()].every(Number.isFinite)).toBe(true);
    const newHolder = await waitFor(async () => {
      const found = await encodingProcesses(survivors);
      return found.length > 0 ? found : null;
    }, { timeout: 20_000 });
    expect(newHolder).toHaveLength(1);
    // One ffmpeg for the session on the whole machine: the killed process's went with it.
    await expect.poll(() => ffmpegsNaming(dir).map((p) => p.ppid), { timeout: 10_000, interval: 250 }).toEqual([cluster.pids[newHolder[0]!]]);

    // The survivors are heard in the new run; the dead process's producers are not.
    const heardNow = (url: string, freq: number) => (): Promise<boolean> => heardIn(url, headers, freq);
    if (holder !== 1) await expect.poll(heardNow(french(firstSurvivor), tone.french), { timeout: 30_000, interval: 1000 }).toBe(true);
    if (holder !== 0) await expect.poll(heardNow(floor(firstSurvivor), tone.panelist), { timeout: 30_000, interval: 1000 }).toBe(true);
    if (holder !== 2) await expect.poll(heardNow(floor(firstSurvivor), tone.delegate), { timeout: 30_000, interval: 1000 }).toBe(true);
    const gone = holder === 0 ? { url: floor(firstSurvivor), freq: tone.panelist } : holder === 1 ? { url: french(firstSurvivor), freq: tone.french } : { url: floor(firstSurvivor), freq: tone.delegate };
    await expect.poll(heardNow(gone.url, gone.freq), { timeout: 20_000, interval: 1000 }).toBe(false);
    if (holder !== 1) await expect.poll(() => greenInset(webcast(firstSurvivor, 'video-lo.m3u8'), viewer.token), { timeout: 30_000, interval: 1000 }).toBe(true);

    // The same recording goes on: same id and start, still being recorded, on every survivor.
    for (const i of survivors) expect(await recordings(urls[i]!)).toEqual(before);

    // The new holder stops cleanly (SIGTERM): it gives the lease up, and the last process takes the encoder over.
    const second = newHolder[0]!;
    const last = survivors.find((i) => i !== second)!;
    const runAfterKill = lastRun(await videoPlaylist(last));
    process.kill(cluster.pids[second]!, 'SIGTERM');
    await waitFor(async () => lastRun(await videoPlaylist(last)) > runAfterKill, { timeout: 60_000, interval: 500 });
    await expect.poll(() => encodingProcesses([last]), { timeout: 20_000, interval: 500 }).toEqual([last]);
    await expect.poll(() => ffmpegsNaming(dir).map((p) => p.ppid), { timeout: 10_000, interval: 250 }).toEqual([cluster.pids[last]]);
    const own = last === 0 ? { url: floor(last), freq: tone.panelist } : last === 1 ? { url: french(last), freq: tone.french } : { url: floor(last), freq: tone.delegate };
    await expect.poll(heardNow(own.url, own.freq), { timeout: 30_000, interval: 1000 }).toBe(true);
    expect(await recordings(urls[last]!)).toEqual(before);
    const reader = last;
    mod = await join(urls[last]!, moderator);

    // The session ends: that recording is ready, made of both runs.
    await ok(mod, 'session:end', { sessionId });
    const endedAt = Date.now();
    const ready = await waitFor(
      async () => {
        const list = await recordings(urls[reader]!);
        return list.length === 1 && (list[0]!.status === 'ready' || list[0]!.status === 'failed') ? list[0]! : null;
      },
      { timeout: 60_000, interval: 500 },
    );
    expect(ready).toMatchObject({ id: before[0]!.id, startedAt: before[0]!.startedAt, status: 'ready' });
    expect(ready.tracks).toEqual([{ kind: 'video', name: 'Video' }, { kind: 'audio', language: 'mul', name: 'Floor' }, { kind: 'audio', language: 'fr', name: 'Français' }]);
    const file = `${urls[reader]}${ready.url}`;
    const probe = await tool('ffprobe', ['-v', 'error', '-headers', `Authorization: Bearer ${organizerToken}\r\n`, '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
    expect(probe.status, probe.stderr).toBe(0);
    // Longer than the webcast had run before the kill: the run after the takeover is in it too.
    expect(Number(probe.stdout.trim())).toBeGreaterThan((killedAt - webcastStarted) / 1000 + 2);
    expect(Number(probe.stdout.trim())).toBeLessThan((endedAt - webcastStarted) / 1000 + 15);
  }, 300_000);
});
