// The webcast (issue 12), part 8 of `npm run bench` (`--webcast-only`).
// Printed, never asserted.
//
// A Plenary server in this process (real mediasoup worker, the webcast at its
// default settings: 1 s segments, 720p + 360p, AAC per language) with a
// panelist (a 640×360 VP8 test picture and a tone) and a French interpreter
// sending real RTP from ffmpeg through the Node media client.
//   - Latency: from the panelist's first RTP packet to the first segment
//     listed in the 720p playlist (start-up); then, for each new segment,
//     the wall clock when it is listed minus its EXT-X-PROGRAM-DATE-TIME
//     (the encoder's clock at its first frame).
//   - Glass-to-glass: the panelist's microphone beeps (150 ms every 5 s,
//     1 kHz and 1.5 kHz in turn, so a latency up to 10 s is not mistaken) and its sender reports, with -progress, which second of its
//     output it is sending when (so each beep's wall-clock time is known);
//     a poller reads the floor rendition's playlist every 50 ms, decodes
//     each new segment and finds the beeps' onsets (Goertzel, 10 ms
//     windows): the beep is playable at the segment's listing time plus
//     its offset in the segment (a player at the very edge); hls.js in the
//     room holds 2 segments back from the edge, one segment more.
//   - Encoder CPU per session: the supervisor's stats() (from /proc), sampled.
//   - HLS viewers one process serves: one 720p segment requested over
//     keep-alive connections (bearer token) from a load generator in a
//     process of its own, against Plenary and against a bare node:http
//     static server (another process) serving the same file.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { startPlenary } from '../server/plenary.ts';
import { connect, createParticipant, eventId, ok } from '../test/support/realtime.ts';
import { clientWorker, freePortBase, NodeMediaClient } from '../test/media/support.ts';
import { organizerToken, tempDir } from '../test/support/server.ts';
import { median } from './bench-stats.ts';
import { owned } from './bench-children.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The load generator (run in a child process): `connections` keep-alive loops for `seconds`, after a 1 s warm-up. */
async function loadLoop(url: string, seconds: number, connections: number, auth: string): Promise<{ rps: number; p99: number; errors: number; mbps: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  let bytes = 0;
  let measuring = false;
  let running = true;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const start = performance.now();
      const req = http.get(url, { agent, headers: auth ? { authorization: auth } : {} }, (res) => {
        res.on('data', (c: Buffer) => {
          if (measuring) bytes += c.length;
        });
        res.on('end', () => {
          if (measuring) {
            if (res.statusCode === 200) latencies.push(performance.now() - start);
            else errors += 1;
          }
          resolve();
        });
      });
      req.on('error', () => {
        if (measuring) errors += 1;
        resolve();
      });
    });
  const loops = Array.from({ length: connections }, async () => {
    while (running) await one();
  });
  await sleep(1000);
  measuring = true;
  const t0 = performance.now();
  await sleep(seconds * 1000);
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  running = false;
  await Promise.all(loops);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p99: latencies[Math.floor(latencies.length * 0.99)] ?? NaN, errors, mbps: (bytes * 8) / elapsed / 1e6 };
}

if (process.argv[2] === '--load-child') {
  const [url, seconds, connections, auth] = process.argv.slice(3);
  process.send?.(await loadLoop(url ?? '', Number(seconds), Number(connections), auth ?? ''));
  process.exit(0);
} else if (process.argv[2] === '--static-child') {
  // A bare static server: the file, read from disk per request as a static server would.
  const file = process.argv[3] ?? '';
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=86400, immutable' });
    fs.createReadStream(file).pipe(res);
  });
  server.listen(0, '127.0.0.1', () => process.send?.((server.address() as { port: number }).port));
}

/** Beep onsets in a segment, in seconds from its start, and which beep (0: 1 kHz, even beeps; 1: 1.5 kHz, odd ones): 10 ms windows whose power jumps from silence. */
function onsets(file: string): { at: number; odd: number }[] {
  const out = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', '8000', '-f', 's16le', '-'], { maxBuffer: 1 << 24 });
  const pcm = out.stdout;
  const win = 80;
  const power = (at: number, freq: number): number => {
    const k = 2 * Math.cos((2 * Math.PI * freq) / 8000);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < win; i += 1) {
      const s0 = pcm.readInt16LE(at + i * 2) / 32768 + k * s1 - s2;
      s2 = s1;
      s1 = s0;
    }
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / win;
  };
  const windows: { low: number; high: number }[] = [];
  for (let at = 0; at + win * 2 <= pcm.length; at += win * 2) windows.push({ low: power(at, 1000), high: power(at, 1500) });
  const loud = 0.05;
  const level = (w: { low: number; high: number } | undefined): number => Math.max(w?.low ?? 0, w?.high ?? 0);
  return windows.flatMap((w, i) => (i > 0 && level(w) > loud && level(windows[i - 1]) <= loud ? [{ at: (i * win) / 8000, odd: w.high > w.low ? 1 : 0 }] : []));
}

/**
 * Watches a rendition's playlist (every 50 ms) for `beeps` beeps: each new
 * segment's listing time plus the beep's offset in it, minus when the beep
 * left its sender (the latest beep before, every `every` seconds from the
 * sender's second 0).
 */
async function glassToGlass(playlist: string, every: number, senderZero: () => number, beeps: number): Promise<number[]> {
  const seen = new Set<string>();
  const found: number[] = [];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && found.length < beeps) {
    const text = fs.existsSync(playlist) ? fs.readFileSync(playlist, 'utf8') : '';
    for (const name of text.split('\n').filter((l) => l.endsWith('.ts'))) {
      if (seen.has(name)) continue;
      seen.add(name);
      const listed = Date.now();
      for (const beep of onsets(path.join(path.dirname(playlist), name))) {
        const playable = listed + beep.at * 1000;
        const zero = senderZero();
        // The latest beep of this pitch sent before: beeps alternate pitch, so a latency up to twice the period is told apart.
        let k = Math.floor((playable - zero) / (every * 1000));
        if (k % 2 !== beep.odd) k -= 1;
        found.push(playable - (zero + k * every * 1000));
      }
    }
    await sleep(50);
  }
  return found;
}

function inChild<T>(args: string[]): { child: ChildProcess; message: Promise<T> } {
  const child = owned(fork(import.meta.filename, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  return { child, message: new Promise<T>((resolve, reject) => child.once('message', (m) => resolve(m as T)).once('error', reject)) };
}

export async function webcastBench(seconds: number, connections: number): Promise<void> {
  console.log(`\n8. The webcast (HLS): latency, encoder CPU per session, segment requests per second (${connections} keep-alive connections, ${seconds} s, load generator and bare server in processes of their own)`);
  if (spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status !== 0) {
    console.log('   skipped: no ffmpeg');
    return;
  }
  const sessionId = 'opening';
  const base = await freePortBase(1);
  const dataDir = tempDir('plenary-bench-webcast-');
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', PLENARY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', PLENARY_ORGANIZER_TOKEN: organizerToken,
    MEDIA_ENABLED: 'true', MEDIA_WORKERS: '1', MEDIA_LISTEN_IP: '127.0.0.1', MEDIA_RTC_MIN_PORT: String(base), MEDIA_RTC_MAX_PORT: String(base + 9),
  });
  const server = await startPlenary(config, { logger: createLogger('silent'), webcast: { enabled: true } });
  const worker = await clientWorker();
  const senders: ChildProcess[] = [];
  const clients: NodeMediaClient[] = [];
  const sockets: { close(): void }[] = [];
  try {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Panelist', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    const interpreter = await createParticipant(server, { name: 'Interprète', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const viewer = await createParticipant(server, { name: 'Viewer' });
    const joined = async (token: string, open = false): Promise<NodeMediaClient> => {
      const socket = await connect(server.url, { token });
      sockets.push(socket);
      await ok(socket, 'session:join', { sessionId });
      if (open) await ok(socket, 'session:open', { sessionId });
      const media = await NodeMediaClient.create(socket, sessionId, worker);
      clients.push(media);
      await media.join();
      return media;
    };
    await joined(moderator.token, true);
    const pan = await joined(panelist.token);
    const booth = await joined(interpreter.token);
    const cam = await pan.produceRtp('video', { source: 'camera' });
    const mic = await pan.produceRtp('audio', { source: 'mic' });
    const fr = await booth.produceRtp('audio', { source: 'interpretation', language: 'fr' });
    const rtp = (p: { port: number; payloadType: number; ssrc: number }) => ['-ssrc', String(p.ssrc), '-payload_type', String(p.payloadType), '-f', 'rtp', `rtp://127.0.0.1:${p.port}`];
    const firstRtp = Date.now();
    senders.push(
      spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc=s=640x360:r=25',
        '-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '600k', '-g', '25', ...rtp(cam)], { stdio: 'ignore' }),
      spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', 'sine=f=880:r=48000', '-c:a', 'libopus', '-ac', '2', '-b:a', '32k', ...rtp(fr)], { stdio: 'ignore' }),
    );

    // The beeping microphone, its output time reported ten times a second: wall clock minus output time is when its second 0 left.
    const beepEvery = 5;
    const clockOffsets: number[] = [];
    const beeper = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-stats_period', '0.1', '-progress', 'pipe:1', '-re', '-f', 'lavfi', '-i', `aevalsrc=exprs=0.8*sin(2*PI*(1000+500*mod(floor(t/${beepEvery})\\,2))*t)*lt(mod(t\\,${beepEvery})\\,0.15):s=48000`,
      '-c:a', 'libopus', '-ac', '2', '-b:a', '32k', ...rtp(mic)], { stdio: ['ignore', 'pipe', 'ignore'] });
    senders.push(beeper);
    for (const sender of senders) owned(sender);
    beeper.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const now = Date.now();
      for (const m of chunk.matchAll(/out_time_us=(\d+)/g)) clockOffsets.push(now - Number(m[1]) / 1000);
    });

    const webcast = server.webcast;
    if (!webcast?.available) {
      console.log('   skipped: the webcast is not available');
      return;
    }
    const playlist = path.join(webcast.webcastDir(eventId, sessionId), 'video-hi.m3u8');
    const segments = (): { name: string; pdt: number }[] => {
      const text = fs.existsSync(playlist) ? fs.readFileSync(playlist, 'utf8') : '';
      const out: { name: string; pdt: number }[] = [];
      let pdt = NaN;
      for (const line of text.split('\n')) {
        if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25));
        else if (line.endsWith('.ts')) out.push({ name: line.trim(), pdt });
      }
      return out;
    };
    let startup = NaN;
    const seen = new Set<string>();
    const lags: number[] = [];
    const cpu: number[] = [];
    const deadline = Date.now() + 60_000;
    // Watch the playlist as a poller at 50 ms would, for ~20 s of segments after the first.
    while (Date.now() < deadline && lags.length < 20) {
      for (const s of segments()) {
        if (seen.has(s.name)) continue;
        seen.add(s.name);
        if (Number.isNaN(startup)) startup = Date.now() - firstRtp;
        else if (Number.isFinite(s.pdt)) lags.push(Date.now() - s.pdt);
      }
      const stats = webcast.stats()[0];
      if (stats && Number.isFinite(startup)) cpu.push(stats.cpuPercent);
      await sleep(50);
    }
    const glass = await glassToGlass(path.join(webcast.webcastDir(eventId, sessionId), 'audio-floor.m3u8'), beepEvery, () => median(clockOffsets), 6);
    const segment = Number(process.env.WEBCAST_SEGMENT_SECONDS ?? 1);
    const stats = webcast.stats()[0];
    console.log(`   glass-to-glass (a beep on the panelist's microphone found in the decoded floor rendition, median of ${glass.length}): ${(median(glass) / 1000).toFixed(2)} s to a player at the edge; ${((median(glass) + segment * 1000) / 1000).toFixed(2)} s for hls.js as the room sets it (2 segments from the edge); range ${(Math.min(...glass) / 1000).toFixed(2)}–${(Math.max(...glass) / 1000).toFixed(2)} s at the edge`);
    console.log(`   first RTP → first segment listed (start-up): ${Number.isNaN(startup) ? 'none' : `${(startup / 1000).toFixed(1)} s`}`);
    console.log(`   newest segment listed, behind its first frame (median of ${lags.length}): ${(median(lags) / 1000).toFixed(2)} s; at the live edge a player adds its hold-back (hls.js here: 2 segments = 2 s) → ~${((median(lags) + 2000) / 1000).toFixed(1)} s glass-to-glass over loopback, without capture and display`);
    console.log(`   encoder: pid ${String(stats?.pid)}, run ${String(stats?.run)}, languages ${stats?.languages.join(',') || '-'}, CPU per session median ${median(cpu.filter((c) => c > 0)).toFixed(0)} % of one core (720p + 360p x264 ultrafast, 25 fps, floor + fr AAC)`);

    // Segment requests: the newest 720p segment, signed in with a bearer token.
    const last = [...seen].pop() ?? '';
    const file = path.join(webcast.webcastDir(eventId, sessionId), last);
    const size = fs.statSync(file).size;
    const bare = inChild<number>(['--static-child', file]);
    const barePort = await bare.message;
    const measure = async (url: string, auth: string) => {
      const run = inChild<{ rps: number; p99: number; errors: number; mbps: number }>(['--load-child', url, String(seconds), String(connections), auth]);
      return run.message;
    };
    const plenary = await measure(`${server.url}/webcast/${eventId}/${sessionId}/${last}`, `Bearer ${viewer.token}`);
    const plain = await measure(`http://127.0.0.1:${barePort}/${last}`, '');
    bare.child.kill();
    const row = (name: string, r: { rps: number; p99: number; errors: number; mbps: number }) =>
      console.log(`   ${name.padEnd(28)} ${r.rps.toFixed(0).padStart(6)} segments/s  p99 ${r.p99.toFixed(1)} ms  ${r.mbps.toFixed(0)} Mbit/s  errors ${r.errors}`);
    console.log(`   one 720p segment (${(size / 1024).toFixed(0)} kB, 1 s of video):`);
    row('Plenary (signed in)', plenary);
    row('bare node:http static', plain);
    // A viewer at the live edge fetches a video and an audio segment per second, and playlists (max-age=1, cheaper).
    console.log(`   ratio ${(plenary.rps / plain.rps).toFixed(2)}; at two segments per viewer per second one process serves ~${Math.floor(plenary.rps / 2)} viewers on loopback (sharing the CPU with the encoder and the worker); a cache in front (README) serves the rest`);
  } finally {
    for (const child of senders) child.kill('SIGKILL');
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    await server.close();
    worker.close();
  }
}

if (import.meta.filename === path.resolve(process.argv[1] ?? '') && !process.argv[2]?.endsWith('-child')) {
  await webcastBench(Number(process.argv.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 5), 50);
  process.exit(0);
}
