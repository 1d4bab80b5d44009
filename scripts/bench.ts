// Media figures on this machine, printed, never asserted (`npm run bench`):
//
// 1. Browser join → first decoded frame: a panelist publishes from headless
//    Chromium (fake camera); a viewer page navigates to the session room and
//    the time from navigation start to the first decoded video frame of the
//    panelist is read in the page (performance.now() when getStats() first
//    shows framesDecoded > 0). Median of several runs, loopback.
// 2. SRTP fan-out of one worker: a 1 Mbit/s RTP stream enters a router;
//    consumers on SRTP PlainTransports send it to UDP sinks in another
//    process (scripts/bench-sink.ts). Consumers are added in steps until the
//    sinks miss more than 0.5 % of the packets or the worker uses a full
//    core; each step is measured over a few seconds. Then the same with 2
//    and 3 processes of one worker each, the stream piped from the first to
//    the others through PipeTransports (as between Plenary processes),
//    consumers spread evenly: how far the fan-out grows with processes.
// 1b. Join → first frame for a viewer on another process than the panelist
//    (two real processes sharing a redis-server; the pipe opens on demand).
//
// 3. Socket.IO fan-out: see scripts/bench-realtime.ts.
// 4. Embedded store under a burst of writes (writes/s, event-loop delay):
//    see scripts/bench-store.ts.
// 5. A burst of votes over two server processes, with /healthz and another
//    session probed meanwhile: see scripts/bench-votes.ts.
// 7. The rush before an opening (pages and joins while the floor moves):
//    see scripts/bench-rush.ts.
// 6. Programme API, programme page, session room page and whole-programme
//    .ics against a bare Express route serving the same bytes (req/s, p99,
//    ratio): see scripts/bench-http.ts.
// 8. The webcast: latency (first RTP → first segment, segment lag behind
//    its first frame), encoder CPU per session, segment requests per second
//    against a bare static server: see scripts/bench-webcast.ts.
//
// Options: --runs=N (browser runs, default 7), --browser-only,
// --consumers-only, --realtime-only, --store-only, --votes-only, --rush-only, --http-only, --webcast-only,
// --seconds=S (per route in part 6, default 5), --max-seconds=S (bound for part 2, default 120),
// --churn-seconds=S (join/leave churn in part 3, default 600, as issue 10 asks),
// --rush-rounds=N (rounds of part 7, each on a fresh server, default 5).
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import os from 'node:os';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import type { PlainTransport, Worker } from 'mediasoup/types';
import { loadConfig } from '../server/config.ts';
import { realtimeFanOut } from './bench-realtime.ts';
import { storeBurst } from './bench-store.ts';
import { voteBurst } from './bench-votes.ts';
import { rush } from './bench-rush.ts';
import { median } from './bench-stats.ts';
import { createLogger } from '../server/logger.ts';
import { resolveWorkerBinary } from '../server/media/worker-binary.ts';
import { startPlenary } from '../server/plenary.ts';
import { chromiumPath, hasChromium, launchChromium } from '../test/support/browser.ts';
import { createParticipant, eventId } from '../test/support/realtime.ts';
import { freePortBase, startMediaCluster } from '../test/media/support.ts';
import { hasRedis, redisServerPath } from '../test/support/processes.ts';
import { organizerToken, tempDir } from '../test/support/server.ts';
import { httpVersusBare } from './bench-http.ts';
import { webcastBench } from './bench-webcast.ts';
import { owned } from './bench-children.ts';

const args = new Map(process.argv.slice(2).map((a) => {
  const [k, v] = a.replace(/^--/, '').split('=');
  return [k ?? '', v ?? 'true'] as const;
}));
const runs = Number(args.get('runs') ?? 7);
const maxSeconds = Number(args.get('max-seconds') ?? 120);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

console.log(`Plenary bench — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, Node ${process.version}, mediasoup ${mediasoup.version}, loopback`);

const only = ['browser-only', 'consumers-only', 'realtime-only', 'store-only', 'votes-only', 'rush-only', 'http-only', 'webcast-only'].find((o) => args.has(o));
const part = (name: string): boolean => !only || only === `${name}-only`;
if (part('browser')) await browserJoin();
if (part('consumers')) for (const processes of [1, 2, 3]) await srtpFanOut(processes);
if (part('browser')) await browserJoinAcross();
if (part('realtime')) await realtimeFanOut([250, 500, 1000, 2000], 10, Number(args.get('churn-seconds') ?? 600));
if (part('store')) await storeBurst(500, 3);
if (part('votes')) await voteBurst(200, 3);
if (part('rush')) await rush(2000, 30, Number(args.get('rush-rounds') ?? 5));
if (part('http')) await httpVersusBare(Number(args.get('seconds') ?? 5), 50);
if (part('webcast')) await webcastBench(Number(args.get('seconds') ?? 5), 50);

async function browserJoin(): Promise<void> {
  console.log('\n1. Browser join → first decoded frame (headless Chromium, fake camera, loopback)');
  if (!hasChromium) {
    console.log(`   skipped: no Chromium at ${chromiumPath}`);
    return;
  }
  const sessionId = 'opening';
  const base = await freePortBase(1);
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', PLENARY_DATA_DIR: tempDir('plenary-bench-'), LOG_LEVEL: 'silent', PLENARY_ORGANIZER_TOKEN: organizerToken,
    MEDIA_ENABLED: 'true', MEDIA_WORKERS: '1', MEDIA_LISTEN_IP: '127.0.0.1', MEDIA_RTC_MIN_PORT: String(base), MEDIA_RTC_MAX_PORT: String(base + 9),
  });
  const server = await startPlenary(config, { logger: createLogger('silent') });
  const browser = await launchChromium();
  try {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Panelist', roles: [{ sessionId, role: 'panelist' }] });
    const viewer = await createParticipant(server, { name: 'Viewer' });
    const roomUrl = `${server.url}/events/${eventId}/sessions/${sessionId}`;
    const open = async (token: string) => {
      const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1280, height: 1000 } });
      const page = await context.newPage();
      await page.goto(`${server.url}/i/${token}`);
      return { context, page };
    };
    const mod = await open(moderator.token);
    await mod.page.goto(roomUrl);
    await mod.page.getByTestId('open-session').click();
    const pan = await open(panelist.token);
    await pan.page.goto(roomUrl);
    await pan.page.getByTestId('publish').click();
    await pan.page.waitForFunction(() => document.getElementById('publish')?.getAttribute('aria-pressed') === 'true');

    const watcher = await open(viewer.token);
    const times: number[] = [];
    for (let i = 0; i < runs + 1; i += 1) {
      const page = await watcher.context.newPage();
      await page.goto(roomUrl, { waitUntil: 'commit' });
      const ms = await page.evaluate(async (panelistId) => {
        for (;;) {
          const rows = (await window.plenaryMedia?.stats()) ?? [];
          if (rows.some((r) => r.participantId === panelistId && r.kind === 'video' && r.framesDecoded > 0)) return performance.now();
          await new Promise((r) => setTimeout(r, 10));
        }
      }, panelist.id);
      await page.close();
      // The first run warms the browser's caches and the server's bundles; it is not counted.
      if (i > 0) times.push(ms);
    }
    console.log(`   runs: ${times.map((t) => `${Math.round(t)}`).join(', ')} ms`);
    console.log(`   median: ${Math.round(median(times))} ms (navigation start → first decoded frame; ${runs} runs after one warm-up)`);
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * Consumers carried with `processes` media processes of one worker each: the
 * stream enters the first one's router and reaches the others' routers
 * through PipeTransports over UDP (127.0.0.1..3), as between Plenary
 * processes (server/media/media-cluster.ts); consumers are spread evenly.
 * The workers run under this one bench process, which only signals: the
 * media path (worker → pipe → worker → SRTP → sink) is the cluster's.
 */
async function srtpFanOut(processes = 1): Promise<void> {
  const bitrate = 1_000_000;
  const payloadBytes = 1200;
  const pps = bitrate / 8 / (payloadBytes + 12);
  console.log(processes === 1
    ? `\n2. SRTP consumers of one ${bitrate / 1e6} Mbit/s stream on one worker (${payloadBytes}-byte payloads, ${pps.toFixed(0)} packets/s, AES_CM_128_HMAC_SHA1_80, sinks in another process)`
    : `\n2.${processes - 1} The same with ${processes} processes of one worker each: the stream piped from the first to the others (PipeTransports on 127.0.0.1-${processes}), consumers spread over the ${processes}`);
  const bin = await resolveWorkerBinary(mediasoup.version);
  const workers: Worker[] = [];
  for (let i = 0; i < processes; i += 1) workers.push(await mediasoup.createWorker({ logLevel: 'error', ...(bin.path ? { workerBin: bin.path } : {}) }));
  const worker = workers[0] as Worker;
  const codecs = { mediaCodecs: [{ kind: 'audio' as const, mimeType: 'audio/opus', clockRate: 48000, channels: 2 }] };
  const router = await worker.createRouter(codecs);
  const listenInfo = { protocol: 'udp' as const, ip: '127.0.0.1', portRange: { min: 20000, max: 39999 } };
  const input = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: true });
  const ssrc = 0x2222;
  const producer = await input.produce({
    kind: 'audio',
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] },
  });
  // Each further "process": its router, fed by a pipe from the first (as media-cluster.ts does between processes).
  const routers = [{ router, producerId: producer.id }];
  for (let i = 1; i < processes; i += 1) {
    const remote = await (workers[i] as Worker).createRouter(codecs);
    const ip = `127.0.0.${i + 1}`;
    const there = await remote.createPipeTransport({ listenInfo: { protocol: 'udp', ip, portRange: listenInfo.portRange } });
    const here = await router.createPipeTransport({ listenInfo });
    await here.connect({ ip: there.tuple.localAddress, port: there.tuple.localPort });
    await there.connect({ ip: here.tuple.localAddress, port: here.tuple.localPort });
    const pipeConsumer = await here.consume({ producerId: producer.id });
    const piped = await there.produce({ id: producer.id, kind: pipeConsumer.kind, rtpParameters: pipeConsumer.rtpParameters });
    routers.push({ router: remote, producerId: piped.id });
  }
  const sink = owned(fork(path.join(import.meta.dirname, 'bench-sink.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const ask = <T>(message: object, type: string): Promise<T> =>
    new Promise((resolve) => {
      const listener = (m: { type: string }) => {
        if (m.type !== type) return;
        sink.off('message', listener);
        resolve(m as T);
      };
      sink.on('message', listener);
      sink.send(message);
    });

  // The source: paced by elapsed time, so timer jitter does not change the rate.
  const sender = dgram.createSocket({ type: 'udp4', sendBufferSize: 1 << 20 });
  await new Promise<void>((resolve) => sender.bind(0, '127.0.0.1', () => resolve()));
  let sent = 0;
  let marking = false;
  let markedSent = 0;
  const started = performance.now();
  const payload = Buffer.alloc(payloadBytes, 0x5a);
  const pacer = setInterval(() => {
    const due = Math.floor(((performance.now() - started) / 1000) * pps);
    while (sent < due) {
      const header = Buffer.alloc(12);
      header[0] = 0x80;
      header[1] = marking ? 0x80 | 100 : 100;
      if (marking) markedSent += 1;
      header.writeUInt16BE(sent & 0xffff, 2);
      header.writeUInt32BE((sent * 960) >>> 0, 4);
      header.writeUInt32BE(ssrc, 8);
      sender.send(Buffer.concat([header, payload]), input.tuple.localPort, '127.0.0.1');
      sent += 1;
    }
  }, 5);

  const consumers: PlainTransport[] = [];
  const steps = [25, 50, 100, 200, 300, 350, 400, 450, 500, 600, 700, 800, 1000, 1200, 1500, 2000, 3000, 4000];
  // A saturated worker answers control requests late; stop before that makes the bench crawl.
  const saturated = 0.9;
  const deadline = Date.now() + maxSeconds * 1000;
  const snapshot = () => ask<{ rtp: number; marked: number; cpuMs: number }>({ type: 'snapshot' }, 'snapshot');
  // The busiest worker's CPU time: the one that saturates first.
  const cpuTimes = async () => Promise.all(workers.map(async (w) => {
    const u = await w.getResourceUsage();
    return u.ru_utime + u.ru_stime;
  }));
  let best: { n: number; loss: number; core: number } | null = null;
  console.log(`   (stops when loss passes 0.5 % or the worker passes ${saturated * 100} % of a core; the machine's other load counts too)`);
  let stopReason = 'all steps done';
  console.log(`   consumers | ${processes === 1 ? 'worker core' : 'busiest wk.'} | sink core | delivered      | loss`);
  try {
    for (const n of steps) {
      if (Date.now() > deadline) {
        stopReason = `time bound (${maxSeconds} s) reached`;
        break;
      }
      const { ports } = await ask<{ ports: number[] }>({ type: 'open', count: n - consumers.length }, 'opened');
      for (const port of ports) {
        if (Date.now() > deadline) break;
        const target = routers[consumers.length % routers.length] as (typeof routers)[number];
        const t = await target.router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false, enableSrtp: true, srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80' });
        await t.connect({ ip: '127.0.0.1', port, srtpParameters: { cryptoSuite: 'AES_CM_128_HMAC_SHA1_80', keyBase64: t.srtpParameters!.keyBase64 } });
        await t.consume({ producerId: target.producerId, rtpCapabilities: target.router.rtpCapabilities });
        consumers.push(t);
      }
      if (consumers.length < n) {
        stopReason = `time bound (${maxSeconds} s) reached while adding consumers`;
        break;
      }
      await sleep(1500);
      // Measure on the packets sent in a window, marked with the RTP marker
      // bit; after the window, wait for stragglers, then count them at the sinks.
      const windowMs = 4000;
      const a = { marked: markedSent, sink: await snapshot(), cpu: await cpuTimes(), at: performance.now() };
      marking = true;
      await sleep(windowMs);
      marking = false;
      const b = { marked: markedSent, cpu: await cpuTimes(), at: performance.now() };
      await sleep(500);
      const sinkEnd = await snapshot();
      const elapsed = b.at - a.at;
      const expected = (b.marked - a.marked) * n;
      const delivered = sinkEnd.marked - a.sink.marked;
      const loss = Math.max(0, 1 - delivered / expected);
      const core = Math.max(...b.cpu.map((t, i) => (t - (a.cpu[i] ?? 0)) / elapsed));
      const sinkCore = (sinkEnd.cpuMs - a.sink.cpuMs) / (performance.now() - a.at);
      console.log(
        `   ${String(n).padStart(9)} | ${(core * 100).toFixed(0).padStart(9)} % | ${(sinkCore * 100).toFixed(0).padStart(7)} % | ${String(delivered).padStart(7)}/${String(expected).padEnd(7)}| ${(loss * 100).toFixed(2)} %`,
      );
      if (loss > 0.005 || core > saturated) {
        stopReason = loss > 0.005 ? `loss passed 0.5 % at ${n}` : `the worker passed ${saturated * 100} % of its core at ${n}`;
        if (sinkCore > 0.9) stopReason += ' (the sink process was also near a full core: the limit may be the receiver, not the worker)';
        break;
      }
      best = { n, loss, core };
    }
  } finally {
    clearInterval(pacer);
    sender.close();
    sink.send({ type: 'close' });
    for (const w of workers) w.close();
  }
  console.log(`   stopped: ${stopReason}`);
  if (best) console.log(`   carried${processes > 1 ? ` with ${processes} processes` : ''}: ${best.n} consumers (${((best.n * bitrate) / 1e9).toFixed(2)} Gbit/s out) at ${(best.loss * 100).toFixed(2)} % loss, worker at ${(best.core * 100).toFixed(0)} % of a core`);
}

/** Join → first frame for a viewer on another process than the publisher: two real processes sharing a redis-server. */
async function browserJoinAcross(): Promise<void> {
  console.log('\n1b. Browser join → first decoded frame, viewer on another process than the panelist (2 processes, Redis, media on 127.0.0.1 and 127.0.0.2)');
  if (!hasChromium || !hasRedis) {
    console.log(`   skipped: needs Chromium at ${chromiumPath} and ${redisServerPath}`);
    return;
  }
  const sessionId = 'opening';
  const cluster = await startMediaCluster(2, 'silent');
  const browser = await launchChromium();
  try {
    const [urlA, urlB] = cluster.urls as [string, string];
    const moderator = await createParticipant({ url: urlA }, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant({ url: urlA }, { name: 'Panelist', roles: [{ sessionId, role: 'panelist' }] });
    const viewer = await createParticipant({ url: urlA }, { name: 'Viewer' });
    const open = async (url: string, token: string) => {
      const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1280, height: 1000 } });
      const page = await context.newPage();
      await page.goto(`${url}/i/${token}`);
      return { context, page };
    };
    const room = (url: string) => `${url}/events/${eventId}/sessions/${sessionId}`;
    const mod = await open(urlA, moderator.token);
    await mod.page.goto(room(urlA));
    await mod.page.getByTestId('open-session').click();
    const pan = await open(urlA, panelist.token);
    await pan.page.goto(room(urlA));
    await pan.page.getByTestId('publish').click();
    await pan.page.waitForFunction(() => document.getElementById('publish')?.getAttribute('aria-pressed') === 'true');
    const watcher = await open(urlB, viewer.token);
    const times: number[] = [];
    for (let i = 0; i < runs + 1; i += 1) {
      const page = await watcher.context.newPage();
      await page.goto(room(urlB), { waitUntil: 'commit' });
      const ms = await page.evaluate(async (panelistId) => {
        for (;;) {
          const rows = (await window.plenaryMedia?.stats()) ?? [];
          if (rows.some((r) => r.participantId === panelistId && r.kind === 'video' && r.framesDecoded > 0)) return performance.now();
          await new Promise((r) => setTimeout(r, 10));
        }
      }, panelist.id);
      await page.close();
      // Closing the page closes its consumers, and with the last one the pipe: every run opens the pipe again.
      await sleep(300);
      if (i > 0) times.push(ms);
    }
    console.log(`   runs: ${times.map((t) => `${Math.round(t)}`).join(', ')} ms`);
    console.log(`   median: ${Math.round(median(times))} ms (navigation start → first decoded frame, through a pipe opened on demand; ${runs} runs after one warm-up)`);
  } finally {
    await browser.close();
    await cluster.stop();
  }
}
