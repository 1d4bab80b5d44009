import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LiveRepository } from '../store/live-repository.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { Idempotency } from './idempotency.ts';

describe('idempotency records', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-idem-'));
  const store = new SqliteStore(path.join(dir, 'x.sqlite'));
  const live = new LiveRepository(store);

  it('answers a repeated key with the first result, and runs a new key', async () => {
    let now = new Date('2022-02-22T12:00:00Z');
    const once = new Idempotency(live, () => now);
    let runs = 0;
    const task = async () => ++runs;
    expect(await once.once('p1', 'k1', task)).toEqual({ result: 1, replayed: false });
    expect(await once.once('p1', 'k1', task)).toEqual({ result: 1, replayed: true });
    expect(await once.once('p2', 'k1', task)).toEqual({ result: 2, replayed: false });
    expect(await once.once('p1', undefined, task)).toEqual({ result: 3, replayed: false });
    now = new Date('2022-02-24T12:00:00Z');
    await once.once('p1', 'k2', task);
    expect(await live.pruneIdempotent(new Date('2022-02-23T12:00:00Z'))).toBe(2);
    expect(await once.once('p1', 'k2', task)).toEqual({ result: 4, replayed: true });
    await store.close();
  });
});
