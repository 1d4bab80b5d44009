// The rush before an opening (`npm run bench`, part 7; issue 10): 2,000
// delegates load the session room page and join the session within 30
// seconds while the moderator changes the floor every 2 seconds. Fifty
// delegates already in the room time each change's `queue:state` from the
// moment the moderator sent it; the p99 during the rush is printed against
// the same measured in a quiet room. Figures, never assertions.
import type { Socket } from 'socket.io-client';
import { createParticipant, eventId, ok, type TestParticipant } from '../test/support/realtime.ts';
import { open, startServer } from './bench-realtime.ts';

const sessionId = 'thematic-1';
const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? NaN;

export async function rush(delegates = 2000, seconds = 30): Promise<void> {
  console.log(`\n7. Rush: ${delegates} delegates load the room and join within ${seconds} s while the floor changes every 2 s`);
  const server = await startServer();
  const sockets: Socket[] = [];
  try {
    const chair = await createParticipant({ url: server.url }, { name: 'Rush chair', roles: [{ sessionId, role: 'moderator' }] });
    // People hold up to 10 sockets each (below the cap of 16 per participant).
    const people: TestParticipant[] = [];
    while (people.length * 10 < delegates + 50) {
      people.push(...(await Promise.all(Array.from({ length: 20 }, () => createParticipant({ url: server.url }, { name: `Rush delegate ${people.length}` })))));
    }
    const mod = await open(server.url, chair.token);
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const observers = await Promise.all(Array.from({ length: 50 }, (_, i) => open(server.url, people[i % people.length]!.token)));
    sockets.push(...observers);
    await Promise.all(observers.map((s) => ok(s, 'session:join', { sessionId })));

    let flips = 0;
    const measureChanges = async (count: number): Promise<number[]> => {
      const latencies: number[] = [];
      for (let i = 0; i < count; i++) {
        const sentAt = performance.now();
        const arrivals = observers.map(
          (s) => new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, 10_000);
            s.once('queue:state', () => {
              clearTimeout(timer);
              latencies.push(performance.now() - sentAt);
              resolve();
            });
          }),
        );
        await ok(mod, 'queue:rules', { sessionId, mode: flips++ % 2 ? 'order' : 'tripartite' });
        await Promise.all(arrivals);
        await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (performance.now() - sentAt))));
      }
      return latencies.sort((a, b) => a - b);
    };

    const quiet = await measureChanges(Math.floor(seconds / 2));

    // The rush: page load, then socket and join, spread evenly over the window.
    const pageUrl = `${server.url}/events/${eventId}/sessions/${sessionId}`;
    let loaded = 0;
    let joined = 0;
    const arrivals = Array.from({ length: delegates }, async (_, i) => {
      await new Promise((r) => setTimeout(r, (i / delegates) * seconds * 1000));
      const res = await fetch(pageUrl);
      await res.arrayBuffer();
      if (res.ok) loaded += 1;
      const socket = await open(server.url, people[50 + (i % (people.length - 50))]!.token).catch(() => null);
      if (!socket) return;
      sockets.push(socket);
      const ack = await ok(socket, 'session:join', { sessionId }).catch(() => null);
      if (ack) joined += 1;
    });
    const busy = await measureChanges(Math.floor(seconds / 2));
    await Promise.all(arrivals);

    const f = (ms: number): string => `${ms.toFixed(1)} ms`;
    console.log(`   quiet room: queue:state p50 ${f(quantile(quiet, 0.5))}, p99 ${f(quantile(quiet, 0.99))} (${quiet.length} deliveries)`);
    console.log(`   during the rush: p50 ${f(quantile(busy, 0.5))}, p99 ${f(quantile(busy, 0.99))} (${busy.length} deliveries); ${loaded} pages loaded, ${joined} joined`);
    console.log(`   rush p99 / quiet p99: ${(quantile(busy, 0.99) / quantile(quiet, 0.99)).toFixed(2)}x (target ≤ 2x)`);
  } finally {
    for (const s of sockets) s.close();
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
  await rush(Number(args.get('delegates') ?? 2000), Number(args.get('seconds') ?? 30));
}
