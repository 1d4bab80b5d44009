// Socket.IO fan-out of one server process, printed, never asserted (part of
// `npm run bench`, or alone: `node scripts/bench-realtime.ts`).
//
// A Plenary server runs in its own process (`node server/main.ts`, embedded
// store, media off). This process opens N delegate sockets to one session
// and a moderator socket; the moderator changes the floor rules, which
// broadcasts the whole `queue:state` to the room. For each change we time
// how long until every delegate socket has it (first, median, 95th
// percentile, last). The clients share this process's event loop, so the
// figures include their own queueing: an upper bound of what delegates see.
//
// The same bytes (a captured `queue:state` packet) are then relayed by a raw
// `ws` server in another process (scripts/bench-ws-relay.ts) to the same
// number of plain WebSocket clients, measured the same way: the ratio says
// what Socket.IO's rooms, framing and adapter cost over the bare minimum.
// The server's resident memory (RSS) is read at each step, so the cost per
// 1,000 connected sockets shows, and again after a bounded churn of joins
// and leaves.
//
// Options: --sockets=250,500,1000,2000 --rounds=10 --churn-seconds=600
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { io as connectClient, type Socket } from 'socket.io-client';
import fs from 'node:fs';
import { WebSocket } from 'ws';
import type { QueueStateMessage } from '../server/protocol/events.ts';
import { createParticipant, eventId, ok } from '../test/support/realtime.ts';
import { organizerToken, tempDir } from '../test/support/server.ts';
import { serverNodeFlags } from './server-flags.mjs';
import { owned } from './bench-children.ts';

const root = path.resolve(import.meta.dirname, '..');
const sessionId = 'thematic-1';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Resident memory of a process in MB (Linux /proc). */
function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  const kb = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

async function startRelay(): Promise<{ url: string; stop: () => void }> {
  const child = owned(spawn(process.execPath, [path.join(root, 'scripts/bench-ws-relay.ts')], { stdio: ['ignore', 'pipe', 'inherit'] }));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 10_000;
  let port: string | undefined;
  while (!port && Date.now() < deadline) {
    port = /relay listening on (\d+)/.exec(out)?.[1];
    if (!port) await new Promise((r) => setTimeout(r, 20));
  }
  if (!port) throw new Error('the ws relay did not start');
  return { url: `ws://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function openRaw(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * A Socket.IO delegate spoken to with a bare WebSocket (Engine.IO v4 framing
 * by hand): no client library parses anything, so the same client cost as
 * the raw ws relay's clients, and the comparison measures the servers.
 */
async function openBareSocketIo(url: string, token: string): Promise<WebSocket> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, { perMessageDeflate: false });
  // Listen from the start: the server's open packet may arrive with the upgrade itself.
  const inbox: string[] = [];
  let waiting: { test: (text: string) => boolean; resolve: (text: string) => void } | null = null;
  const onMessage = (data: Buffer): void => {
    const text = data.toString();
    if (text === '2') {
      socket.send('3'); // Engine.IO ping → pong
      return;
    }
    if (waiting?.test(text)) {
      const w = waiting;
      waiting = null;
      w.resolve(text);
    } else inbox.push(text);
  };
  socket.on('message', onMessage);
  const next = (test: (text: string) => boolean): Promise<string> => {
    const index = inbox.findIndex(test);
    if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0] ?? '');
    return new Promise((resolve) => (waiting = { test, resolve }));
  };
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  await next((t) => t.startsWith('0'));
  socket.send(`40${JSON.stringify({ token })}`);
  const connected = await next((t) => t.startsWith('40') || t.startsWith('44'));
  if (connected.startsWith('44')) throw new Error(`bare Socket.IO client refused: ${connected}`);
  socket.send(`421${JSON.stringify(['session:join', { sessionId }])}`);
  await next((t) => t.startsWith('431'));
  // From here on only broadcasts matter; stop buffering them.
  socket.off('message', onMessage);
  socket.on('message', (data) => {
    if (data.toString() === '2') socket.send('3');
  });
  return socket;
}

/** Arrival times (ms) at every receiver of one message sent by `send`. */
async function timeArrivals(receivers: { once(listener: () => void): void }[], send: () => void, timeoutMs = 15_000): Promise<number[]> {
  const arrivals: number[] = [];
  const started = performance.now();
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    for (const r of receivers) {
      r.once(() => {
        arrivals.push(performance.now() - started);
        if (arrivals.length === receivers.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
  send();
  await done;
  return arrivals.sort((a, b) => a - b);
}

/**
 * The server's own view of its memory after a full garbage collection,
 * asked through its inspector (the server runs with --inspect on a free
 * loopback port): what stays reachable, without the garbage a busy moment
 * leaves until V8 gets to it.
 */
export interface Inspector {
  memoryAfterGc(): Promise<{ rssMb: number; heapUsedMb: number; heapTotalMb: number }>;
  close(): void;
}

async function connectInspector(url: string): Promise<Inspector> {
  const socket = new WebSocket(url, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let id = 0;
  const call = (method: string, params: object = {}): Promise<{ result?: { result?: { value?: unknown } } }> =>
    new Promise((resolve) => {
      const mine = ++id;
      const listener = (data: Buffer): void => {
        const message = JSON.parse(data.toString()) as { id?: number };
        if (message.id !== mine) return;
        socket.off('message', listener);
        resolve(message as { result?: { result?: { value?: unknown } } });
      };
      socket.on('message', listener);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  return {
    async memoryAfterGc() {
      // Twice: the first full GC can leave what weak references and finalizers free for the second.
      await call('HeapProfiler.collectGarbage');
      await call('HeapProfiler.collectGarbage');
      const reply = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
      const m = JSON.parse(String(reply.result?.result?.value ?? '{}')) as { rss: number; heapUsed: number; heapTotal: number };
      const mb = (n: number) => n / 1048576;
      return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal) };
    },
    close: () => socket.close(),
  };
}

/**
 * The Node options the bench's servers run with: production's
 * (scripts/server-flags.mjs, as `npm start` and the image use), then
 * BENCH_SERVER_NODE_ARGS (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof to
 * profile a part, or another --max-semi-space-size to compare: V8 takes
 * the last).
 */
export function benchServerFlags(): string[] {
  return [...serverNodeFlags, ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuMs(pid: number | undefined): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/**
 * A full `npm run bench` once had the moderator's change refused
 * (rate_limited) right after a step's joins. Every bench client connects
 * from 127.0.0.1, so their joins all count against that one address's
 * bucket (realtime/rate-limit.ts); which bucket refused was not pinned
 * down (a rerun with every refusal traced refused none). A pause as long as
 * the slowest bucket the change counts against takes to refill comes before
 * a step's changes are timed.
 */
function rateLimitsRefilled(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 3500));
}

export async function startServer(options: { inspect?: boolean; logFile?: string } = {}): Promise<{ url: string; pid: number | undefined; spawnedAt: number; inspector: Inspector | undefined; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [...benchServerFlags(), ...(options.inspect ? ['--inspect=127.0.0.1:0'] : []), path.join(root, 'server/main.ts')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PLENARY_DATA_DIR: tempDir('plenary-bench-rt-'), PLENARY_ORGANIZER_TOKEN: organizerToken, MEDIA_ENABLED: 'false', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  owned(child);
  const spawnedAt = performance.now();
  let out = '';
  // BENCH_SERVER_LOG=<file> (or the caller's file): the server's output (with --trace-gc, say) kept for reading after the run.
  const logFile = options.logFile ?? process.env.BENCH_SERVER_LOG;
  const logTo = logFile ? fs.createWriteStream(logFile) : undefined;
  child.stdout.on('data', (d: Buffer) => ((out += d.toString()), logTo?.write(d)));
  child.stderr.on('data', (d: Buffer) => ((out += d.toString()), logTo?.write(d)));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline) {
    url = /running at (http:\/\/\S+)/.exec(out)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) throw new Error(`server did not start:\n${out}`);
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(out)?.[1];
  const inspector = inspectorUrl ? await connectInspector(inspectorUrl) : undefined;
  return {
    url,
    pid: child.pid,
    spawnedAt,
    inspector,
    stop: () =>
      new Promise((resolve) => {
        inspector?.close();
        child.once('exit', () => {
          logTo?.end();
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

export function open(url: string, token: string): Promise<Socket> {
  const socket = connectClient(url, { auth: { token }, transports: ['websocket'], reconnection: false, timeout: 20_000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export async function realtimeFanOut(socketCounts: number[], rounds: number, churnSeconds = 600): Promise<void> {
  console.log(`\n3. Socket.IO fan-out of one server process (queue:state to every delegate socket in a session, ${rounds} changes per step)`);
  console.log(`   server Node options: ${benchServerFlags().join(' ') || '(none)'}`);
  console.log('   sockets | first    | median   | p95      | last     | all received | server CPU per delivery');
  const server = await startServer({ inspect: true });
  const gcMemory = async () => (await server.inspector?.memoryAfterGc()) ?? { rssMb: NaN, heapUsedMb: NaN, heapTotalMb: NaN };
  try {
    const moderator = await createParticipant({ url: server.url }, { name: 'Bench chair', roles: [{ sessionId, role: 'moderator' }] });
    // Fan-out costs per socket, not per person: each delegate holds several sockets
    // (10, below the cap of sockets per participant, realtime/auth.ts).
    const delegates: Awaited<ReturnType<typeof createParticipant>>[] = [];
    // Twice as many people as the Socket.IO clients need: the bare clients of the comparison below hold 10 sockets each too.
    while (delegates.length * 10 < 2 * Math.max(...socketCounts)) {
      delegates.push(...(await Promise.all(Array.from({ length: 20 }, () => createParticipant({ url: server.url }, { name: `Bench delegate ${delegates.length}` })))));
    }
    const mod = await open(server.url, moderator.token);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const sockets: Socket[] = [];
    const results: { sockets: number; p50: number; p99: number; rssMb: number; gc: Awaited<ReturnType<typeof gcMemory>> }[] = [];
    let capturedState: QueueStateMessage | null = null;
    mod.on('queue:state', (m: QueueStateMessage) => (capturedState = m));
    await ok(mod, 'queue:rules', { sessionId, mode: 'order' });
    await new Promise((r) => setTimeout(r, 200));
    const baselineRss = rssMb(server.pid);
    const baselineGc = await gcMemory();
    for (const target of socketCounts) {
      while (sockets.length < target) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(100, target - sockets.length) }, (_, i) => open(server.url, delegates[(sockets.length + i) % (delegates.length / 2)]!.token)),
        );
        await Promise.all(batch.map((s) => ok(s, 'session:join', { sessionId })));
        sockets.push(...batch);
      }
      await rateLimitsRefilled();
      const lastOfRound: number[] = [];
      const all: number[] = [];
      let complete = 0;
      const cpuBefore = cpuMs(server.pid);
      for (let round = 0; round < rounds; round++) {
        const arrivals: number[] = [];
        const sentAt = performance.now();
        const done = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 15_000);
          for (const s of sockets) {
            s.once('queue:state', (_m: QueueStateMessage) => {
              arrivals.push(performance.now() - sentAt);
              if (arrivals.length === sockets.length) {
                clearTimeout(timer);
                resolve();
              }
            });
          }
        });
        await ok(mod, 'queue:rules', { sessionId, mode: round % 2 ? 'order' : 'tripartite' });
        await done;
        for (const s of sockets) s.removeAllListeners('queue:state');
        if (arrivals.length === sockets.length) complete += 1;
        arrivals.sort((a, b) => a - b);
        all.push(...arrivals);
        lastOfRound.push(arrivals.at(-1) ?? NaN);
      }
      // The server's CPU over the rounds (the changes, their broadcasts, the acks) per socket reached.
      const cpuPerDelivery = ((cpuMs(server.pid) - cpuBefore) * 1000) / Math.max(1, all.length);
      all.sort((a, b) => a - b);
      const fmt = (ms: number) => `${ms.toFixed(1).padStart(5)} ms`;
      const last = [...lastOfRound].sort((a, b) => a - b);
      console.log(`   ${String(target).padStart(7)} | ${fmt(all[0] ?? NaN)} | ${fmt(percentile(all, 50))} | ${fmt(percentile(all, 95))} | ${fmt(percentile(last, 50))} | ${`${complete}/${rounds} rounds`.padEnd(12)} | ${cpuPerDelivery.toFixed(1)} µs`);
      results.push({ sockets: target, p50: percentile(all, 50), p99: percentile(all, 99), rssMb: rssMb(server.pid), gc: await gcMemory() });
    }
    console.log('   (last = median over rounds of the time until the last socket had the change)');

    // The same comparison with bare WebSocket clients on both sides: Plenary's
    // Socket.IO server (Engine.IO framing by hand) against a raw ws relay in
    // another process sending the same packet.
    const packet = `42${JSON.stringify(['queue:state', capturedState])}`;
    console.log(`\n   bare WebSocket clients on both sides; the relay sends the same ${Buffer.byteLength(packet)}-byte packet; times from each round's first arrival:`);
    console.log('   sockets | Socket.IO p50 / p99    | raw ws p50 / p99       | ratio p50 / p99');
    const relay = await startRelay();
    const raw: WebSocket[] = [];
    const bare: WebSocket[] = [];
    const mode = { n: 0 };
    try {
      const publisher = await openRaw(relay.url);
      for (const r of results) {
        while (raw.length < r.sockets) raw.push(...(await Promise.all(Array.from({ length: Math.min(100, r.sockets - raw.length) }, () => openRaw(relay.url)))));
        while (bare.length < r.sockets) {
          const half = delegates.length / 2;
          bare.push(...(await Promise.all(Array.from({ length: Math.min(100, r.sockets - bare.length) }, (_, i) => openBareSocketIo(server.url, delegates[half + ((bare.length + i) % half)]!.token)))));
        }
        await rateLimitsRefilled();
        // Each round's times are counted from its first arrival: what the fan-out
        // itself costs, without the decision before it (the store write behind
        // queue:rules) that a relay does not make.
        const fromFirst = (times: number[]): number[] => times.map((t) => t - (times[0] ?? 0));
        const relayed: number[] = [];
        const direct: number[] = [];
        for (let round = 0; round < rounds; round++) {
          relayed.push(...fromFirst(await timeArrivals(raw.map((w) => ({ once: (l: () => void) => w.once('message', l) })), () => publisher.send(packet))));
          const onState = (w: WebSocket) => ({
            once: (l: () => void) => {
              const listener = (data: Buffer): void => {
                if (!data.toString().startsWith('42["queue:state"')) return;
                w.off('message', listener);
                l();
              };
              w.on('message', listener);
            },
          });
          const change = (): void => {
            ok(mod, 'queue:rules', { sessionId, mode: mode.n++ % 2 ? 'order' : 'tripartite' }).catch((error: unknown) => console.error(`   a change was refused: ${String(error)}`));
          };
          direct.push(...fromFirst(await timeArrivals(bare.map(onState), change)));
        }
        relayed.sort((a, b) => a - b);
        direct.sort((a, b) => a - b);
        const f = (ms: number) => ms.toFixed(1).padStart(6);
        const [dp50, dp99, rp50, rp99] = [percentile(direct, 50), percentile(direct, 99), percentile(relayed, 50), percentile(relayed, 99)];
        console.log(`   ${String(r.sockets).padStart(7)} | ${f(dp50)} / ${f(dp99)} ms | ${f(rp50)} / ${f(rp99)} ms | ${(dp50 / rp50).toFixed(2)}x / ${(dp99 / rp99).toFixed(2)}x`);
      }
      publisher.close();
    } finally {
      for (const w of [...raw, ...bare]) w.close();
      relay.stop();
    }

    // Memory: per 1,000 sockets from the step figures (as found, and after a
    // full GC in the server), then during and after a bounded churn.
    const first = results[0];
    const lastStep = results.at(-1);
    if (first && lastStep && lastStep.sockets > first.sockets) {
      const per = (a: number, b: number) => ((b - a) / (lastStep.sockets - first.sockets)) * 1000;
      console.log(`\n   memory (server process; "after GC": two full collections asked through its inspector, then read):`);
      console.log('   sockets | RSS      | RSS after GC | V8 heap used after GC');
      console.log(`   ${'0'.padStart(7)} | ${baselineRss.toFixed(0).padStart(5)} MB | ${baselineGc.rssMb.toFixed(0).padStart(9)} MB | ${baselineGc.heapUsedMb.toFixed(1).padStart(6)} MB`);
      for (const r of results) console.log(`   ${String(r.sockets).padStart(7)} | ${r.rssMb.toFixed(0).padStart(5)} MB | ${r.gc.rssMb.toFixed(0).padStart(9)} MB | ${r.gc.heapUsedMb.toFixed(1).padStart(6)} MB`);
      console.log(`   per 1,000 sockets (${first.sockets} → ${lastStep.sockets}): RSS ${per(first.rssMb, lastStep.rssMb).toFixed(0)} MB as found, ${per(first.gc.rssMb, lastStep.gc.rssMb).toFixed(0)} MB after GC; V8 heap used ${per(first.gc.heapUsedMb, lastStep.gc.heapUsedMb).toFixed(1)} MB (target: RSS <= 40 MB)`);

      // Churn: for churnSeconds, a tenth of the sockets leave and as many
      // new ones join, at most once a second; the server's memory after GC is read
      // at the start, every fifth of the way, and once the connection-state
      // recovery sessions of the last leavers have expired.
      const samples: { at: number; found: number; rss: number; heap: number; sockets: number }[] = [];
      const churnStart = performance.now();
      const sample = async () => {
        const found = rssMb(server.pid);
        const m = await gcMemory();
        samples.push({ at: (performance.now() - churnStart) / 1000, found, rss: m.rssMb, heap: m.heapUsedMb, sockets: sockets.length });
      };
      await sample();
      const step = Math.max(1, Math.floor(sockets.length / 10));
      let cycles = 0;
      let nextSample = churnSeconds / 5;
      while ((performance.now() - churnStart) / 1000 < churnSeconds) {
        // One round a second at most: people come and go, they do not flood (the per-participant rate limit would refuse that).
        const roundStart = performance.now();
        const leaving = sockets.splice(0, step);
        for (const s of leaving) s.close();
        while (sockets.length < lastStep.sockets) {
          const batch = await Promise.all(Array.from({ length: Math.min(100, lastStep.sockets - sockets.length) }, (_, i) => open(server.url, delegates[(cycles * step + sockets.length + i) % delegates.length]!.token)));
          await Promise.all(batch.map((s) => ok(s, 'session:join', { sessionId })));
          sockets.push(...batch);
        }
        cycles += 1;
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - roundStart))));
        if ((performance.now() - churnStart) / 1000 >= nextSample) {
          await sample();
          nextSample += churnSeconds / 5;
        }
      }
      // Connection state recovery keeps a left socket's session for two minutes (realtime/io.ts).
      const waitS = Number(process.env.BENCH_CHURN_WAIT_S ?? 130);
      await new Promise((r) => setTimeout(r, waitS * 1000));
      await sample();
      console.log(`\n   churn: ${cycles} rounds of ${step} sockets leaving and ${step} joining over ${churnSeconds} s, ${lastStep.sockets} connected throughout (memory after GC; the last row ${waitS} s after the churn, when recovery sessions have expired):`);
      console.log('   at      | RSS as found | RSS after GC | V8 heap used after GC');
      for (const x of samples) console.log(`   ${x.at.toFixed(0).padStart(5)} s | ${x.found.toFixed(0).padStart(9)} MB | ${x.rss.toFixed(0).padStart(9)} MB | ${x.heap.toFixed(1).padStart(6)} MB`);
      // Compared with the last step, before the bare clients of the comparison above came and went (their recovery sessions inflate the churn's first sample).
      const z = samples.at(-1);
      const sign = (n: number, digits: number) => `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;
      if (z) console.log(`   after churn vs ${lastStep.sockets} sockets before it: RSS ${sign(z.rss - lastStep.gc.rssMb, 0)} MB, V8 heap ${sign(z.heap - lastStep.gc.heapUsedMb, 1)} MB (after GC both; target: flat); RSS as found ${sign(z.found - lastStep.rssMb, 0)} MB`);
    }
    for (const s of sockets) s.close();
    mod.close();
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
  const counts = (args.get('sockets') ?? '250,500,1000,2000').split(',').map(Number);
  console.log(`Plenary realtime bench — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, Node ${process.version}, loopback`);
  await realtimeFanOut(counts, Number(args.get('rounds') ?? 10), Number(args.get('churn-seconds') ?? 600));
}
