import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreConflictError, writes } from '../store/port.ts';
import { LiveRepository } from '../store/live-repository.ts';
import { SqliteStore } from '../store/sqlite-store.ts';
import { Idempotency } from './idempotency.ts';

describe('idempotency records', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-idem-'));
  const store = new SqliteStore(path.join(dir, 'x.sqlite'));
  const live = new LiveRepository(store);
  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('remembers the first answer to a key, per participant, written with the change it answers', async () => {
    let now = new Date('2022-02-22T12:00:00Z');
    const once = new Idempotency(live, () => now);
    expect(await once.seen('p1', 'k1')).toBeNull();
    await live.commit([writes.put('notes', { id: 'change-1' }), ...once.seal('p1', 'k1', 'entry-1')]);
    expect(await once.seen('p1', 'k1')).toEqual({ result: 'entry-1' });
    expect(await once.seen('p2', 'k1')).toBeNull();
    expect(await once.seen('p1', undefined)).toBeNull();
    expect(once.seal('p1', undefined, 'x')).toEqual([]);

    // A twin of the same request cannot record a second answer: its whole write fails, change included.
    await expect(live.commit([writes.put('notes', { id: 'change-2' }), ...once.seal('p1', 'k1', 'entry-2')])).rejects.toBeInstanceOf(StoreConflictError);
    expect(await store.get('notes', 'change-2')).toBeNull();
    expect(await once.seen('p1', 'k1')).toEqual({ result: 'entry-1' });

    now = new Date('2022-02-24T12:00:00Z');
    await live.commit(once.seal('p1', 'k2', 'entry-3'));
    expect(await live.pruneIdempotent(new Date('2022-02-23T12:00:00Z'))).toBe(1);
    expect(await once.seen('p1', 'k1')).toBeNull();
    expect(await once.seen('p1', 'k2')).toEqual({ result: 'entry-3' });
  });
});
