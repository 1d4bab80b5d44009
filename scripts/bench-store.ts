// The embedded store under a burst of writes, printed, never asserted (part
// of `npm run bench`, or alone: `node scripts/bench-store.ts`).
//
// Two bursts against a fresh SQLite file (synchronous=FULL, so every
// acknowledged write is on disk):
// 1. N concurrent inserts of distinct documents (N delegates asking at once);
// 2. N concurrent votes on one document, each a read and a compare-and-set
//    under the per-session KeyedLock, as the Q&A service does.
// For each: writes per second, and how late a 1 ms timer fires on the main
// event loop meanwhile (p99 and max of a 1 ms interval probe):
// that delay is what every other request of the process waits.
//
// Options: --writes=500 (burst size), --rounds=3
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KeyedLock } from '../server/services/keyed-lock.ts';
import { SqliteStore } from '../server/store/sqlite-store.ts';
import type { DocumentStore } from '../server/store/port.ts';

export interface BurstFigures {
  writes: number;
  ms: number;
  writesPerSecond: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

/**
 * How late a 1 ms interval timer fires while something runs: every gap
 * beyond the interval is time the event loop could not serve anyone.
 * (A setInterval probe rather than monitorEventLoopDelay, whose sampler
 * misses a loop that is blocked from the start of a burst to its end.)
 */
export function loopDelayProbe(): { stop(): { p99: number; max: number; samples: number } } {
  const delays: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    delays.push(Math.max(0, now - last - 1));
    last = now;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      // The stretch since the last tick counts too (a loop blocked to the end).
      delays.push(Math.max(0, performance.now() - last - 1));
      const sorted = delays.sort((a, b) => a - b);
      return {
        p99: sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? 0,
        max: sorted.at(-1) ?? 0,
        samples: sorted.length,
      };
    },
  };
}

/** Runs `burst` while probing the event loop's delay. */
export async function measureBurst(writes: number, burst: () => Promise<unknown>): Promise<BurstFigures> {
  const probe = loopDelayProbe();
  const started = performance.now();
  await burst();
  const ms = performance.now() - started;
  const delay = probe.stop();
  return { writes, ms, writesPerSecond: (writes / ms) * 1000, loopDelayP99Ms: delay.p99, loopDelayMaxMs: delay.max };
}

/** N concurrent inserts of distinct documents. */
export function insertBurst(store: DocumentStore, n: number, tag: string): Promise<unknown> {
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      store.insert('questions', { id: `${tag}-${i}`, sessionId: 's1', text: `Question ${i} of a burst, long enough to look like one a delegate would ask`, votes: 0 }),
    ),
  );
}

/** N concurrent votes on one document: read and compare-and-set under the session's lock. */
export async function voteBurst(store: DocumentStore, n: number, tag: string): Promise<unknown> {
  const lock = new KeyedLock();
  const id = `${tag}-voted`;
  await store.insert('questions', { id, sessionId: 's1', text: 'Voted on', votes: 0, voters: [] as string[] });
  return Promise.all(
    Array.from({ length: n }, (_, i) =>
      lock.run('s1', async () => {
        const doc = await store.get<{ id: string; votes: number; voters: string[] }>('questions', id);
        if (!doc) throw new Error('vanished');
        await store.update('questions', { ...doc, votes: doc.votes + 1, voters: [...doc.voters, `p${i}`] });
      }),
    ),
  );
}

const format = (f: BurstFigures): string =>
  `${f.writes} writes in ${f.ms.toFixed(0)} ms = ${f.writesPerSecond.toFixed(0)} writes/s; event-loop delay p99 ${f.loopDelayP99Ms.toFixed(1)} ms, max ${f.loopDelayMaxMs.toFixed(1)} ms`;

export async function storeBurst(writes = 500, rounds = 3): Promise<void> {
  console.log(`\n4. Embedded store under a burst of ${writes} writes (node:sqlite, synchronous=FULL, ${rounds} rounds)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-bench-store-'));
  const store = SqliteStore.inDirectory(dir);
  try {
    await insertBurst(store, 20, 'warm-up');
    for (let round = 1; round <= rounds; round++) {
      console.log(`   round ${round} inserts: ${format(await measureBurst(writes, () => insertBurst(store, writes, `r${round}`)))}`);
      console.log(`   round ${round} votes:   ${format(await measureBurst(writes, () => voteBurst(store, writes, `r${round}`)))}`);
    }
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.filename === process.argv[1]) {
  const args = new Map(process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k ?? '', v ?? 'true'] as const;
  }));
  await storeBurst(Number(args.get('writes') ?? 500), Number(args.get('rounds') ?? 3));
}
