/**
 * The persistence port. Plenary keeps documents (JSON objects with an `id`)
 * in named collections; repositories (repositories.ts) give them types.
 * Two adapters implement it and pass one contract suite:
 * the embedded SQLite file (default) and MongoDB through mongoose.
 *
 * Writes that must not race (queue moves, votes) use `update`, a
 * compare-and-set on the document's `rev`, so two server processes sharing
 * one database cannot overwrite each other's change.
 */
export type Scalar = string | number | boolean | null;

export interface Doc {
  id: string;
  /** Revision, maintained by the store: 1 on insert, +1 on every write. */
  rev?: number;
}

export type Stored<T extends Doc> = T & { rev: number };

/** A stored document as services and callers see it: without its revision. */
export function withoutRev<T extends object>(doc: T & { rev?: number }): T {
  const { rev: _rev, ...rest } = doc;
  return rest as T;
}

export interface DocumentStore {
  readonly kind: 'embedded' | 'mongodb';
  get<T extends Doc>(collection: string, id: string): Promise<Stored<T> | null>;
  /** Documents whose top-level fields equal every value in `where`, in insertion order. */
  find<T extends Doc>(collection: string, where?: Readonly<Record<string, Scalar>>): Promise<Stored<T>[]>;
  /** Fails with StoreConflictError when a document with that id exists. */
  insert<T extends Doc>(collection: string, doc: T): Promise<Stored<T>>;
  /** Compare-and-set: fails with StoreConflictError unless `doc.rev` is the stored revision. */
  update<T extends Doc>(collection: string, doc: Stored<T>): Promise<Stored<T>>;
  /** Unconditional write (insert or replace). */
  put<T extends Doc>(collection: string, doc: T): Promise<Stored<T>>;
  remove(collection: string, id: string): Promise<boolean>;
  /**
   * Applies every operation or none, in order. Fails with StoreConflictError,
   * having written nothing, when an insert finds its id taken or an update a
   * newer revision. Returns the revision each operation left (0 for a remove).
   * This is how a change and its idempotency record or audit entry are kept
   * together: a crash between two separate writes cannot keep only one.
   */
  write(ops: readonly WriteOp[]): Promise<number[]>;
  close(): Promise<void>;
}

export type WriteOp =
  | { op: 'insert'; collection: string; doc: Doc }
  | { op: 'update'; collection: string; doc: Stored<Doc> }
  | { op: 'put'; collection: string; doc: Doc }
  | { op: 'remove'; collection: string; id: string };

/** Typed constructors for write(): `writes.update('queues', doc)`. */
export const writes = {
  insert: <T extends Doc>(collection: string, doc: T): WriteOp => ({ op: 'insert', collection, doc }),
  update: <T extends Doc>(collection: string, doc: Stored<T>): WriteOp => ({ op: 'update', collection, doc }),
  put: <T extends Doc>(collection: string, doc: T): WriteOp => ({ op: 'put', collection, doc }),
  remove: (collection: string, id: string): WriteOp => ({ op: 'remove', collection, id }),
  /** Insert when new (rev undefined), else compare-and-set on rev. */
  save: <T extends Doc>(collection: string, doc: T, rev: number | undefined): WriteOp =>
    rev === undefined ? { op: 'insert', collection, doc } : { op: 'update', collection, doc: { ...doc, rev } },
};

export class StoreConflictError extends Error {
  constructor(collection: string, id: string, reason: 'exists' | 'stale') {
    super(reason === 'exists' ? `${collection}/${id} already exists` : `${collection}/${id} was changed by someone else`);
    this.name = 'StoreConflictError';
  }
}

const fieldPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
const collectionPattern = /^[a-z][a-z0-9_]*$/;

export function assertField(field: string): void {
  if (!fieldPattern.test(field)) throw new Error(`invalid field name ${JSON.stringify(field)}`);
}

export function assertCollection(collection: string): void {
  if (!collectionPattern.test(collection)) throw new Error(`invalid collection name ${JSON.stringify(collection)}`);
}
