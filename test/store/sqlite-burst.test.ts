import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { insertBurst, loopDelayProbe } from '../../scripts/bench-store.ts';
import { StoreConflictError, writes, type Doc } from '../../server/store/port.ts';
import { SqliteStore } from '../../server/store/sqlite-store.ts';
import { tempDir } from '../support/server.ts';

interface Counter extends Doc {
  n: number;
}

describe('embedded store under bursts of writes', () => {
  const dirs: string[] = [];
  const stores: SqliteStore[] = [];
  const open = (dir = tempDir('plenary-burst-')): SqliteStore => {
    dirs.push(dir);
    const store = SqliteStore.inDirectory(dir);
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the event loop responsive while 500 concurrent writes commit', async () => {
    const store = open();
    await store.insert('warm', { id: 'up' });
    const probe = loopDelayProbe();
    await Promise.all([insertBurst(store, 500, 'burst'), ...Array.from({ length: 100 }, (_, i) => store.put('tallies', { id: `t${i}`, n: i }))]);
    const delay = probe.stop();
    // A synchronous store with an fsync per write held the loop for the whole burst (~1.8 s here).
    expect(delay.max).toBeLessThan(100);
    expect(await store.find('questions')).toHaveLength(500);
    expect(await store.find('tallies')).toHaveLength(100);
  });

  it('commits concurrent calls together, yet each keeps its own compare-and-set outcome', async () => {
    const store = open();
    const base = await store.insert<Counter>('counters', { id: 'c', n: 0 });
    await store.insert('notes', { id: 'taken' });
    // Fired in one turn: they share a transaction on the writer thread.
    const results = await Promise.allSettled([
      store.update<Counter>('counters', { ...base, n: 1 }),
      store.update<Counter>('counters', { ...base, n: 2 }), // stale by then
      store.write([writes.insert('notes', { id: 'fresh' }), writes.insert('notes', { id: 'taken' })]), // all or none
      store.write([writes.insert('notes', { id: 'kept' }), writes.put('log', { id: 'l1' })]),
      store.insert('notes', { id: 'taken' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'rejected']);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreConflictError);
    expect(await store.get<Counter>('counters', 'c')).toMatchObject({ n: 1, rev: 2 });
    expect(await store.get('notes', 'fresh')).toBeNull();
    expect(await store.get('notes', 'kept')).not.toBeNull();
    expect(await store.get('log', 'l1')).toMatchObject({ rev: 1 });
  });

  it('writes everything already asked for before close finishes, and refuses writes after', async () => {
    const dir = tempDir('plenary-burst-');
    const store = open(dir);
    const pending = Array.from({ length: 200 }, (_, i) => store.insert('notes', { id: `n${i}` }));
    await store.close();
    await Promise.all(pending);
    await expect(store.insert('notes', { id: 'late' })).rejects.toThrow(/closed/);
    const again = open(dir);
    expect(await again.find('notes')).toHaveLength(200);
  });

  it('loses no acknowledged write when the process is killed with SIGKILL', async () => {
    const dir = tempDir('plenary-kill-');
    dirs.push(dir);
    const writer = path.join(import.meta.dirname, 'kill-writer.ts');
    const acked = new Set<string>();
    let lastRev = 0;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [writer, dir, `r${round}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`writer made too little progress:\n${out.slice(-500)}\n${err}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          // Kill it mid-burst, at an arbitrary point after a few hundred acknowledgements.
          if ((out.match(/\n/g)?.length ?? 0) > 300 + round * 97) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.kill('SIGKILL');
      await exited;
      for (const line of out.split('\n')) {
        const [kind, value] = line.split(' ');
        if (kind === 'ok' && value) acked.add(value);
        if (kind === 'rev' && value) lastRev = Math.max(lastRev, Number(value));
      }
    }
    const store = open(dir);
    const ids = new Set((await store.find('notes')).map((d) => d.id));
    const missing = [...acked].filter((id) => !ids.has(id));
    expect(acked.size).toBeGreaterThan(900);
    expect(missing).toEqual([]);
    expect((await store.get('counters', 'c'))?.rev ?? 0).toBeGreaterThanOrEqual(lastRev);
  }, 90_000);
});
