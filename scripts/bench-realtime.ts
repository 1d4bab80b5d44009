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
// Options: --sockets=250,500,1000,2000 --rounds=10
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { io as connectClient, type Socket } from 'socket.io-client';
import type { QueueStateMessage } from '../server/protocol/events.ts';
import { createParticipant, eventId, ok } from '../test/support/realtime.ts';
import { organizerToken, tempDir } from '../test/support/server.ts';

const root = path.resolve(import.meta.dirname, '..');
const sessionId = 'thematic-1';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function startServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [path.join(root, 'server/main.ts')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PLENARY_DATA_DIR: tempDir('plenary-bench-rt-'), PLENARY_ORGANIZER_TOKEN: organizerToken, MEDIA_ENABLED: 'false', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline) {
    url = /running at (http:\/\/\S+)/.exec(out)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) throw new Error(`server did not start:\n${out}`);
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function open(url: string, token: string): Promise<Socket> {
  const socket = connectClient(url, { auth: { token }, transports: ['websocket'], reconnection: false, timeout: 20_000 });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

export async function realtimeFanOut(socketCounts: number[], rounds: number): Promise<void> {
  console.log(`\n3. Socket.IO fan-out of one server process (queue:state to every delegate socket in a session, ${rounds} changes per step)`);
  console.log('   sockets | first    | median   | p95      | last     | all received');
  const server = await startServer();
  try {
    const moderator = await createParticipant({ url: server.url }, { name: 'Bench chair', roles: [{ sessionId, role: 'moderator' }] });
    // Fan-out costs per socket, not per person: each delegate holds several sockets
    // (10, below the cap of sockets per participant, realtime/auth.ts).
    const delegates: Awaited<ReturnType<typeof createParticipant>>[] = [];
    while (delegates.length * 10 < Math.max(...socketCounts)) {
      delegates.push(...(await Promise.all(Array.from({ length: 20 }, () => createParticipant({ url: server.url }, { name: `Bench delegate ${delegates.length}` })))));
    }
    const mod = await open(server.url, moderator.token);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const sockets: Socket[] = [];
    for (const target of socketCounts) {
      while (sockets.length < target) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(100, target - sockets.length) }, (_, i) => open(server.url, delegates[(sockets.length + i) % delegates.length]!.token)),
        );
        await Promise.all(batch.map((s) => ok(s, 'session:join', { sessionId })));
        sockets.push(...batch);
      }
      const lastOfRound: number[] = [];
      const all: number[] = [];
      let complete = 0;
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
      all.sort((a, b) => a - b);
      const fmt = (ms: number) => `${ms.toFixed(1).padStart(5)} ms`;
      const last = [...lastOfRound].sort((a, b) => a - b);
      console.log(`   ${String(target).padStart(7)} | ${fmt(all[0] ?? NaN)} | ${fmt(percentile(all, 50))} | ${fmt(percentile(all, 95))} | ${fmt(percentile(last, 50))} | ${complete}/${rounds} rounds`);
    }
    console.log('   (last = median over rounds of the time until the last socket had the change)');
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
  await realtimeFanOut(counts, Number(args.get('rounds') ?? 10));
}
