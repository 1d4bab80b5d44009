import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreConflictError, writes, type Doc, type DocumentStore } from '../../server/store/port.ts';

interface Note extends Doc {
  eventId: string;
  text: string;
  pinned: boolean;
  votes: number;
  author: string | null;
}

export interface StoreFactory {
  /** Opens the store; `reopen` opens the same database again after a close. */
  open(): Promise<DocumentStore>;
  reopen(): Promise<DocumentStore>;
  cleanup?(): Promise<void>;
}

/** What a stand-in server lacks (FerretDB for MongoDB): the tests that need it are skipped, saying why. */
export interface ServerLacks {
  /** Multi-document transactions: write(ops) must then fail whole, writing nothing. */
  transactions?: string;
}

/** The contract every persistence adapter passes. */
export function storeContract(name: string, factory: () => StoreFactory, lacks: ServerLacks = {}): void {
  describe(`${name} store contract`, () => {
    let f: StoreFactory;
    let store: DocumentStore;

    beforeEach(async () => {
      f = factory();
      store = await f.open();
    });
    afterEach(async () => {
      await store.close();
      await f.cleanup?.();
    });

    const note = (id: string, extra: Partial<Note> = {}): Note => ({
      id, eventId: 'e1', text: `note ${id}`, pinned: false, votes: 0, author: null, ...extra,
    });

    it('reads back what it wrote, with revision 1', async () => {
      await store.insert('notes', note('a', { text: '中文 text' }));
      expect(await store.get<Note>('notes', 'a')).toEqual({ ...note('a', { text: '中文 text' }), rev: 1 });
      expect(await store.get('notes', 'missing')).toBeNull();
    });

    it('refuses a second insert with the same id', async () => {
      await store.insert('notes', note('a'));
      await expect(store.insert('notes', note('a'))).rejects.toBeInstanceOf(StoreConflictError);
    });

    it('keeps collections apart', async () => {
      await store.insert('notes', note('a'));
      await store.insert('other', note('a', { text: 'elsewhere' }));
      expect((await store.get<Note>('notes', 'a'))?.text).toBe('note a');
      expect((await store.get<Note>('other', 'a'))?.text).toBe('elsewhere');
    });

    it('finds by equality on fields, in insertion order', async () => {
      await store.insert('notes', note('c', { votes: 2 }));
      await store.insert('notes', note('a', { pinned: true }));
      await store.insert('notes', note('b', { eventId: 'e2', author: 'x' }));
      expect((await store.find<Note>('notes')).map((n) => n.id)).toEqual(['c', 'a', 'b']);
      expect((await store.find<Note>('notes', { eventId: 'e1' })).map((n) => n.id)).toEqual(['c', 'a']);
      expect((await store.find<Note>('notes', { pinned: true })).map((n) => n.id)).toEqual(['a']);
      expect((await store.find<Note>('notes', { votes: 2 })).map((n) => n.id)).toEqual(['c']);
      expect((await store.find<Note>('notes', { author: null })).map((n) => n.id)).toEqual(['c', 'a']);
      expect(await store.find<Note>('notes', { eventId: 'none' })).toEqual([]);
    });

    it('updates only from the current revision (compare-and-set)', async () => {
      const first = await store.insert('notes', note('a'));
      const second = await store.update('notes', { ...first, votes: 1 });
      expect(second.rev).toBe(2);
      await expect(store.update('notes', { ...first, votes: 5 })).rejects.toBeInstanceOf(StoreConflictError);
      expect((await store.get<Note>('notes', 'a'))?.votes).toBe(1);
      await expect(store.update('notes', { ...note('ghost'), rev: 1 })).rejects.toBeInstanceOf(StoreConflictError);
    });

    it('puts unconditionally, bumping the revision', async () => {
      expect((await store.put('notes', note('a'))).rev).toBe(1);
      expect((await store.put('notes', note('a', { votes: 3 }))).rev).toBe(2);
      expect(await store.get<Note>('notes', 'a')).toMatchObject({ votes: 3, rev: 2 });
    });

    it('removes', async () => {
      await store.insert('notes', note('a'));
      expect(await store.remove('notes', 'a')).toBe(true);
      expect(await store.remove('notes', 'a')).toBe(false);
      expect(await store.get('notes', 'a')).toBeNull();
    });

    it('refuses collection and field names that could be injected', async () => {
      await expect(store.find('notes', { "x') OR 1=1 --": 1 })).rejects.toThrow(/invalid field/);
      await expect(store.get('Notes; DROP', 'a')).rejects.toThrow(/invalid collection/);
    });

    if (lacks.transactions) {
      it(`refuses write(ops) whole, writing nothing, where the server lacks transactions (${lacks.transactions})`, async () => {
        await store.insert('notes', note('taken'));
        await expect(store.write([writes.insert('notes', note('x')), writes.put('log', note('entry'))])).rejects.toThrow();
        expect(await store.get('notes', 'x')).toBeNull();
        expect(await store.get('log', 'entry')).toBeNull();
      });
    }
    (lacks.transactions ? it.skip : it)('writes several documents together, or none when one would conflict', async () => {
      const a = await store.insert('notes', note('a'));
      await store.insert('notes', note('taken'));
      const revs = await store.write([
        writes.update('notes', { ...a, votes: 1 }),
        writes.insert('notes', note('b')),
        writes.put('log', note('entry')),
      ]);
      expect(revs).toEqual([2, 1, 1]);
      expect(await store.get<Note>('notes', 'a')).toMatchObject({ votes: 1, rev: 2 });
      expect(await store.get<Note>('log', 'entry')).toMatchObject({ rev: 1 });

      // A stale update at the end undoes the insert and the put before it.
      await expect(store.write([
        writes.insert('notes', note('c')),
        writes.put('notes', note('b', { votes: 9 })),
        writes.update('notes', { ...a, votes: 7 }),
      ])).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.get('notes', 'c')).toBeNull();
      expect(await store.get<Note>('notes', 'b')).toMatchObject({ votes: 0, rev: 1 });
      expect(await store.get<Note>('notes', 'a')).toMatchObject({ votes: 1, rev: 2 });

      // So does an insert whose id is taken.
      await expect(store.write([writes.remove('notes', 'a'), writes.insert('notes', note('taken'))])).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.get('notes', 'a')).not.toBeNull();

      expect(await store.write([writes.remove('notes', 'a')])).toEqual([0]);
      expect(await store.get('notes', 'a')).toBeNull();
    });

    it('keeps everything across a close and reopen', async () => {
      await store.insert('notes', note('a', { text: '保存' }));
      await store.put('notes', note('b'));
      await store.close();
      store = await f.reopen();
      expect(await store.get<Note>('notes', 'a')).toMatchObject({ text: '保存', rev: 1 });
      expect((await store.find<Note>('notes')).map((n) => n.id)).toEqual(['a', 'b']);
    });
  });
}
