import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Participant } from '../../server/domain/participants.ts';
import { AppError } from '../../server/errors.ts';
import { ParticipantRepository } from '../../server/store/participant-repository.ts';
import { StoreConflictError, type Doc, type DocumentStore, type Scalar, type Stored, type WriteOp } from '../../server/store/port.ts';
import { SqliteStore } from '../../server/store/sqlite-store.ts';
import { tempDir } from '../support/server.ts';

/**
 * The embedded store, except that a compare-and-set on a participant loses
 * the race `losses` times, as when other processes keep changing it.
 */
class ContendedStore implements DocumentStore {
  readonly kind = 'embedded' as const;
  updates = 0;
  losses: number;
  private readonly inner: DocumentStore;
  constructor(inner: DocumentStore, losses: number) {
    this.inner = inner;
    this.losses = losses;
  }
  get<T extends Doc>(collection: string, id: string): Promise<Stored<T> | null> {
    return this.inner.get<T>(collection, id);
  }
  find<T extends Doc>(collection: string, where?: Readonly<Record<string, Scalar>>): Promise<Stored<T>[]> {
    return this.inner.find<T>(collection, where);
  }
  insert<T extends Doc>(collection: string, doc: T): Promise<Stored<T>> {
    return this.inner.insert(collection, doc);
  }
  async update<T extends Doc>(collection: string, doc: Stored<T>): Promise<Stored<T>> {
    if (collection === 'participants') {
      this.updates += 1;
      if (this.losses > 0) {
        this.losses -= 1;
        throw new StoreConflictError(collection, doc.id, 'stale');
      }
    }
    return this.inner.update(collection, doc);
  }
  put<T extends Doc>(collection: string, doc: T): Promise<Stored<T>> {
    return this.inner.put(collection, doc);
  }
  remove(collection: string, id: string): Promise<boolean> {
    return this.inner.remove(collection, id);
  }
  write(ops: readonly WriteOp[]): Promise<number[]> {
    return this.inner.write(ops);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

function participant(): Participant {
  const now = '2022-02-20T08:00:00.000Z';
  return {
    id: 'p-1',
    eventId: 'global-forum-2022',
    name: 'Contended',
    email: 'contended@example.org',
    organization: 'Ministry',
    country: 'CH',
    group: 'government',
    gender: null,
    language: 'en',
    timeZone: null,
    status: 'approved',
    statusReason: null,
    organizer: false,
    headOfState: false,
    roles: [],
    bookmarks: [],
    createdAt: now,
    updatedAt: now,
    source: 'invitation',
    signedInAt: null,
    revokedAt: null,
  };
}

describe('participant changes under contention', () => {
  let dir: string;
  let store: ContendedStore;
  let repo: ParticipantRepository;

  beforeEach(async () => {
    dir = tempDir('plenary-contended-');
    store = new ContendedStore(SqliteStore.inDirectory(dir), 0);
    repo = new ParticipantRepository(store);
    await repo.insert(participant());
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('re-reads and re-applies the change when another writer got there first', async () => {
    store.losses = 3;
    const result = await repo.mutate('p-1', (p) => ({ ...p, bookmarks: [...p.bookmarks, 'opening'] }));
    expect(result?.after.bookmarks).toEqual(['opening']);
    expect(store.updates).toBe(4);
  });

  it('gives up with a coded 409 conflict, not a plain error (a 500), when the participant keeps changing', async () => {
    store.losses = Number.POSITIVE_INFINITY;
    const failure = await repo.mutate('p-1', (p) => ({ ...p, name: 'Never saved' })).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'conflict', status: 409 });
    expect((await repo.get('p-1'))?.name).toBe('Contended');
  });

  it('answers null for a participant that does not exist, without retrying', async () => {
    expect(await repo.mutate('nobody', (p) => p)).toBeNull();
    expect(store.updates).toBe(0);
  });
});
