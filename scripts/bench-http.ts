// Pages, programme API and feeds against a bare Express route serving the
// same bytes (part of `npm run bench --http-only`, or alone:
// `node scripts/bench-http.ts --seconds=5 --connections=50`). Printed, never asserted.
//
// A Plenary server (`node server/main.ts`, embedded store, media off) and a
// bare Express app run in two processes of their own; this process is the
// load generator: a loopback HTTP loop with `connections` keep-alive
// connections (raw TCP, see `load`), each sending its next request when the
// previous answer is read, as anonymous viewers without Accept-Encoding (so
// both send the same bytes). For each route: requests per second and p99 latency, for both,
// and the ratio Plenary / bare.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { organizerToken, tempDir } from '../test/support/server.ts';
import { benchServerFlags, cpuMs } from './bench-realtime.ts';
import { owned } from './bench-children.ts';

const root = path.resolve(import.meta.dirname, '..');
const eventId = 'global-forum-2022';

export const httpRoutes: { name: string; path: string }[] = [
  { name: 'programme API ?tz=Asia/Tokyo', path: `/api/events/${eventId}/programme?tz=Asia/Tokyo` },
  { name: 'programme page', path: `/events/${eventId}` },
  { name: 'session room page', path: `/events/${eventId}/sessions/opening` },
  { name: 'whole-programme .ics', path: `/calendar/${eventId}.ics` },
];

function waitForUrl(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const url = pattern.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function fetchRaw(url: string): Promise<{ body: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ body: Buffer.concat(chunks), type: String(res.headers['content-type'] ?? '') }));
    }).on('error', reject);
  });
}


interface Tally {
  latencies: number[];
  errors: number;
  seconds: number;
  cpuMs: number;
  /** This process's CPU time (the load generator's) over the measured windows. */
  clientCpuMs: number;
}

/**
 * `connections` request loops over keep-alive sockets for `seconds`
 * (measured), after `warmup` seconds; the server process's CPU time
 * over the measured window is added to the tally.
 *
 * The client is lean on purpose (raw TCP, one prepared request, only the
 * status line and Content-Length read from each response), like
 * autocannon, with which the issue measured: Node's own HTTP client spent
 * 80-230 µs per response here, two to four times the server's 26-80 µs, so
 * the load generator, not the server, set the req/s and the ratio said how
 * costly each server's responses were to parse.
 */
export async function load(url: string, seconds: number, connections: number, tally: Tally, pid?: number, warmup = 1): Promise<void> {
  const target = new URL(url);
  const request = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: keep-alive\r\n\r\n`);
  let measuring = false;
  let running = true;
  const headerEnd = Buffer.from('\r\n\r\n');
  const loop = (): Promise<void> =>
    new Promise((resolve) => {
      const socket = net.connect(Number(target.port), target.hostname);
      socket.setNoDelay(true);
      let pending: Buffer = Buffer.alloc(0);
      let bodyLeft = -1;
      let status = 0;
      let start = 0;
      const send = (): void => {
        if (!running) {
          socket.end();
          return;
        }
        start = performance.now();
        socket.write(request);
      };
      const done = (): void => {
        if (measuring) {
          if (status === 200) tally.latencies.push(performance.now() - start);
          else tally.errors += 1;
        }
        send();
      };
      socket.on('data', (chunk: Buffer) => {
        let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        pending = Buffer.alloc(0);
        while (data.length > 0) {
          if (bodyLeft < 0) {
            const end = data.indexOf(headerEnd);
            if (end < 0) {
              pending = data;
              return;
            }
            const head = data.toString('latin1', 0, end);
            status = Number(head.slice(9, 12));
            const length = /\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1];
            if (length === undefined) {
              // Only Content-Length framing is read; anything else counts as an error and ends this connection.
              if (measuring) tally.errors += 1;
              socket.destroy();
              return;
            }
            bodyLeft = Number(length);
            data = data.subarray(end + 4);
          }
          const take = Math.min(bodyLeft, data.length);
          bodyLeft -= take;
          data = data.subarray(take);
          if (bodyLeft === 0) {
            bodyLeft = -1;
            done();
          }
        }
      });
      socket.on('connect', send);
      socket.on('error', () => {
        if (measuring) tally.errors += 1;
      });
      socket.on('close', () => resolve());
    });
  // A connection the server closed is opened again while the run lasts.
  const loops = Array.from({ length: connections }, async () => {
    while (running) await loop();
  });
  await new Promise((r) => setTimeout(r, warmup * 1000));
  const cpu0 = cpuMs(pid);
  const client0 = process.cpuUsage();
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring = false;
  tally.seconds += (performance.now() - t0) / 1000;
  tally.cpuMs += cpuMs(pid) - cpu0;
  const client = process.cpuUsage(client0);
  tally.clientCpuMs += (client.user + client.system) / 1000;
  running = false;
  await Promise.all(loops);
}

function summary(t: Tally): { rps: number; p99: number; cpuUs: number; clientUs: number; clientCore: number } {
  const sorted = [...t.latencies].sort((a, b) => a - b);
  return {
    rps: sorted.length / t.seconds,
    p99: sorted[Math.floor(sorted.length * 0.99)] ?? NaN,
    cpuUs: (t.cpuMs * 1000) / sorted.length,
    clientUs: (t.clientCpuMs * 1000) / sorted.length,
    clientCore: t.clientCpuMs / 1000 / t.seconds,
  };
}

/**
 * Plenary and the bare app measured in alternating slices (P B B P P B ...),
 * so the machine's other load falls on both alike: req/s and p99 over all
 * slices, and each server's CPU time per request (less sensitive to load).
 */
export async function httpVersusBare(seconds: number, connections: number): Promise<{ name: string; ratio: number }[]> {
  const slices = Math.max(2, Math.round(seconds));
  const slice = seconds / slices;
  console.log(`\n6. Pages, programme API and feeds vs a bare Express route serving the same bytes (${connections} keep-alive connections, ${seconds} s per route and server in ${slices} alternating slices, anonymous, no Accept-Encoding; server and bare app in processes of their own)`);
  console.log(`   server Node options: ${benchServerFlags().join(' ') || '(none)'}`);
  const plenary = spawn(process.execPath, [...benchServerFlags(), path.join(root, 'server/main.ts')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PLENARY_DATA_DIR: tempDir('plenary-bench-http-'), PLENARY_ORGANIZER_TOKEN: organizerToken, MEDIA_ENABLED: 'false', LOG_LEVEL: 'warn', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  owned(plenary);
  let bare: ChildProcess | undefined;
  const ratios: { name: string; ratio: number }[] = [];
  const clientLoad: { name: string; plenary: ReturnType<typeof summary>; bare: ReturnType<typeof summary> }[] = [];
  try {
    const url = await waitForUrl(plenary, /running at (http:\/\/\S+)/);
    const bodies = await Promise.all(httpRoutes.map((r) => fetchRaw(`${url}${r.path}`)));
    const file = path.join(tempDir('plenary-bench-bare-'), 'bodies.json');
    fs.writeFileSync(file, JSON.stringify(bodies.map((b, i) => ({ path: `/r${i}`, type: b.type, body: b.body.toString('base64') }))));
    bare = owned(spawn(process.execPath, [import.meta.filename, '--bare-server', file], { stdio: ['ignore', 'pipe', 'pipe'] }));
    const bareUrl = await waitForUrl(bare, /bare at (http:\/\/\S+)/);
    console.log('   route                          | bytes  | Plenary req/s | p99      | CPU/req  | bare req/s | p99      | CPU/req  | ratio');
    for (const [i, route] of httpRoutes.entries()) {
      const a: Tally = { latencies: [], errors: 0, seconds: 0, cpuMs: 0, clientCpuMs: 0 };
      const b: Tally = { latencies: [], errors: 0, seconds: 0, cpuMs: 0, clientCpuMs: 0 };
      const targets = [
        { url: `${url}${route.path}`, tally: a, pid: plenary.pid },
        { url: `${bareUrl}/r${i}`, tally: b, pid: bare.pid },
      ];
      for (let s = 0; s < slices; s += 1) {
        const order = s % 2 === 0 ? targets : [...targets].reverse();
        for (const t of order) await load(t.url, slice, connections, t.tally, t.pid, s < 2 ? 1 : 0.3);
      }
      const pa = summary(a);
      const pb = summary(b);
      const fmt = (n: number) => `${n.toFixed(1).padStart(5)} ms`;
      const us = (n: number) => `${n.toFixed(0).padStart(5)} µs`;
      const ratio = pa.rps / pb.rps;
      ratios.push({ name: route.name, ratio });
      clientLoad.push({ name: route.name, plenary: pa, bare: pb });
      console.log(
        `   ${route.name.padEnd(30)} | ${String(bodies[i]?.body.length).padStart(6)} | ${pa.rps.toFixed(0).padStart(13)} | ${fmt(pa.p99)} | ${us(pa.cpuUs)} | ${pb.rps.toFixed(0).padStart(10)} | ${fmt(pb.p99)} | ${us(pb.cpuUs)} | ${ratio.toFixed(2)}x${a.errors + b.errors ? ` (${a.errors + b.errors} errors)` : ''}`,
      );
    }
    console.log('   (ratio: Plenary req/s / bare req/s; target >= 0.9x. CPU/req: the server process\'s CPU time per answered request)');
    // The load generator is one process: near a full core, it (not the server) sets the req/s, and a response with more headers costs it more to read.
    console.log('   load generator (this process), CPU per response and share of a core, Plenary | bare:');
    for (const c of clientLoad) console.log(`   ${c.name.padEnd(30)} | ${c.plenary.clientUs.toFixed(0).padStart(4)} µs, ${(c.plenary.clientCore * 100).toFixed(0).padStart(3)} % | ${c.bare.clientUs.toFixed(0).padStart(4)} µs, ${(c.bare.clientCore * 100).toFixed(0).padStart(3)} %`);
  } finally {
    if (bare) await stop(bare);
    await stop(plenary);
  }
  return ratios;
}

if (process.argv[2] === '--bare-server') {
  // The bare Express app: one route per body, `res.type().send(bytes)` and nothing else.
  const routes = JSON.parse(fs.readFileSync(process.argv[3] ?? '', 'utf8')) as { path: string; type: string; body: string }[];
  const app = express();
  for (const r of routes) {
    const body = Buffer.from(r.body, 'base64');
    app.get(r.path, (_req, res) => {
      res.type(r.type).send(body);
    });
  }
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    console.log(`bare at http://127.0.0.1:${address.port}`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
  console.log(`Plenary HTTP bench — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, Node ${process.version}, loopback`);
  await httpVersusBare(Number(args.get('seconds') ?? 5), Number(args.get('connections') ?? 50));
}
