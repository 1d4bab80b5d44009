/**
 * What the embedded store's main side (sqlite-store.ts) and its writer
 * thread (sqlite-worker.ts) say to each other, and the schema both open.
 * Documents cross as JSON text without their `rev`: the writer decides the
 * revision inside its transaction and writes it into the stored text.
 */

/** Opened by every connection: WAL lets the main thread read while the writer commits. */
export const connectionPragmas = `
  PRAGMA journal_mode = WAL;
  PRAGMA busy_timeout = 5000;
`;

/** `synchronous = FULL`: a commit is on disk (fsync) before the writer answers. */
export const writerPragmas = `
  PRAGMA synchronous = FULL;
`;

export const schema = `
  CREATE TABLE IF NOT EXISTS documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    id TEXT NOT NULL,
    rev INTEGER NOT NULL,
    data TEXT NOT NULL,
    UNIQUE (collection, id)
  );
`;

/** One document operation; `body` is the document's JSON without `rev`. */
export type WireOp =
  | { op: 'insert'; collection: string; id: string; body: string }
  | { op: 'update'; collection: string; id: string; rev: number; body: string }
  | { op: 'put'; collection: string; id: string; body: string }
  | { op: 'remove'; collection: string; id: string };

/**
 * One call of the store (insert, update, put, remove or write): its
 * operations are applied all or none, whatever else shares the transaction.
 */
export interface WriteCall {
  seq: number;
  ops: WireOp[];
}

export type ToWriter = { type: 'write'; call: WriteCall } | { type: 'close' };

export type WireError =
  | { kind: 'conflict'; collection: string; id: string; reason: 'exists' | 'stale' }
  | { kind: 'error'; message: string; code?: string | undefined };

export type CallResult =
  | { seq: number; ok: true; revs: number[]; changed: boolean[] }
  | { seq: number; ok: false; error: WireError };

export type FromWriter =
  /** The answers to one batch, sent once its transaction is committed (or rolled back). */
  | { type: 'results'; results: CallResult[] }
  | { type: 'closed' };

/** The stored text of a document: its JSON with the store's revision. */
export function withRev(body: string, rev: number): string {
  return body === '{}' ? `{"rev":${rev}}` : `${body.slice(0, -1)},"rev":${rev}}`;
}
