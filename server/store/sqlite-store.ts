import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { assertCollection, assertField, StoreConflictError, type Doc, type DocumentStore, type Scalar, type Stored, type WriteOp } from './port.ts';
import { connectionPragmas, schema, type CallResult, type FromWriter, type ToWriter, type WireError, type WireOp } from './sqlite-protocol.ts';

/**
 * The embedded store: one SQLite file through Node's built-in node:sqlite,
 * so `npm start` needs no database server.
 *
 * node:sqlite is synchronous, and a durable commit waits for an fsync, so
 * writes run on a worker thread (sqlite-worker.ts) that commits them in
 * groups: the writes that arrive while one transaction commits share the
 * next one and its single fsync. `synchronous=FULL` there means a write
 * acknowledged to a client survives a crash of the process. Reads stay on
 * this thread, on a query-only connection: in WAL mode they never wait for
 * the writer, and see every write whose promise has resolved.
 */
export class SqliteStore implements DocumentStore {
  readonly kind = 'embedded' as const;
  readonly file: string;
  private readonly reader: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private readonly writer: Worker;
  private readonly pending = new Map<number, { resolve: (result: CallResult & { ok: true }) => void; reject: (error: Error) => void }>();
  private nextSeq = 1;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** Set when the writer thread is gone: later writes fail with it. */
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  constructor(file: string) {
    this.file = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // The schema exists before the first read; the writer opens the same file.
    this.reader = new DatabaseSync(file);
    this.reader.exec(connectionPragmas + schema + 'PRAGMA query_only = 1;');
    this.writer = new Worker(new URL('./sqlite-worker.ts', import.meta.url), { workerData: { file } });
    this.writer.unref();
    this.writer.on('message', (message: FromWriter) => {
      if (message.type === 'results') for (const result of message.results) this.settle(result);
    });
    this.writer.on('error', (error) => this.fail(new Error(`the store's writer thread failed: ${error.message}`, { cause: error })));
    this.exited = new Promise((resolve) => {
      this.writer.once('exit', (code) => {
        this.fail(new Error(`the store's writer thread exited (code ${code})`));
        resolve();
      });
    });
  }

  static inDirectory(dataDir: string): SqliteStore {
    return new SqliteStore(path.join(dataDir, 'plenary.sqlite'));
  }

  private prepare(sql: string): StatementSync {
    if (this.closed) throw new Error('store is closed');
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.reader.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  async get<T extends Doc>(collection: string, id: string): Promise<Stored<T> | null> {
    assertCollection(collection);
    const row = this.prepare('SELECT rev, data FROM documents WHERE collection = ? AND id = ?').get(collection, id) as
      | { rev: number; data: string }
      | undefined;
    return row ? revive<T>(row) : null;
  }

  async find<T extends Doc>(collection: string, where: Readonly<Record<string, Scalar>> = {}): Promise<Stored<T>[]> {
    assertCollection(collection);
    const clauses = ['collection = ?'];
    const params: (string | number | null)[] = [collection];
    for (const [field, value] of Object.entries(where)) {
      assertField(field);
      if (value === null) {
        clauses.push(`json_extract(data, '$.${field}') IS NULL`);
      } else {
        clauses.push(`json_extract(data, '$.${field}') = ?`);
        params.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
      }
    }
    const rows = this.prepare(`SELECT rev, data FROM documents WHERE ${clauses.join(' AND ')} ORDER BY seq`).all(...params) as {
      rev: number;
      data: string;
    }[];
    return rows.map((row) => revive<T>(row));
  }

  async insert<T extends Doc>(collection: string, doc: T): Promise<Stored<T>> {
    await this.call([wire({ op: 'insert', collection, doc })]);
    return { ...doc, rev: 1 };
  }

  async update<T extends Doc>(collection: string, doc: Stored<T>): Promise<Stored<T>> {
    await this.call([wire({ op: 'update', collection, doc })]);
    return { ...doc, rev: doc.rev + 1 };
  }

  async put<T extends Doc>(collection: string, doc: T): Promise<Stored<T>> {
    const { revs } = await this.call([wire({ op: 'put', collection, doc })]);
    return { ...doc, rev: revs[0] as number };
  }

  async remove(collection: string, id: string): Promise<boolean> {
    const { changed } = await this.call([wire({ op: 'remove', collection, id })]);
    return changed[0] === true;
  }

  async write(ops: readonly WriteOp[]): Promise<number[]> {
    const wireOps = ops.map(wire);
    if (wireOps.length === 0) return [];
    return (await this.call(wireOps)).revs;
  }

  /** Sends one all-or-nothing call to the writer; resolves once it is committed. */
  private call(ops: WireOp[]): Promise<CallResult & { ok: true }> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const seq = this.nextSeq++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.writer.ref();
      this.pending.set(seq, { resolve, reject });
      this.post({ type: 'write', call: { seq, ops } });
    });
  }

  private post(message: ToWriter): void {
    this.writer.postMessage(message);
  }

  private settle(result: CallResult): void {
    const waiter = this.pending.get(result.seq);
    if (!waiter) return;
    this.pending.delete(result.seq);
    // An idle writer does not keep the process alive (a forgotten close).
    if (this.pending.size === 0) this.writer.unref();
    if (result.ok) waiter.resolve(result);
    else waiter.reject(reviveError(result.error));
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  /** Waits for every write already made, then stops the writer thread. */
  async close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      if (!this.failure) {
        this.writer.ref();
        this.post({ type: 'close' });
      }
      await this.exited;
      this.statements.clear();
      this.reader.close();
    })();
    return this.closing;
  }
}

/** A port operation as the writer takes it: validated, its document as JSON without `rev`. */
function wire(op: WriteOp): WireOp {
  assertCollection(op.collection);
  if (op.op === 'remove') return { op: 'remove', collection: op.collection, id: op.id };
  const { rev, ...rest } = op.doc;
  const body = JSON.stringify(rest);
  if (op.op === 'update') {
    if (typeof rev !== 'number') throw new Error(`update of ${op.collection}/${op.doc.id} without a revision`);
    return { op: 'update', collection: op.collection, id: op.doc.id, rev, body };
  }
  return { op: op.op, collection: op.collection, id: op.doc.id, body };
}

/** The writer's answer as the error class callers catch. */
function reviveError(error: WireError): Error {
  if (error.kind === 'conflict') return new StoreConflictError(error.collection, error.id, error.reason);
  return Object.assign(new Error(error.message), error.code ? { code: error.code } : {});
}

function revive<T extends Doc>(row: { rev: number; data: string }): Stored<T> {
  const doc = JSON.parse(row.data) as Stored<T>;
  doc.rev = row.rev;
  return doc;
}
