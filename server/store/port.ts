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
  close(): Promise<void>;
}

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
