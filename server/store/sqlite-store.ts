import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { assertCollection, assertField, StoreConflictError, type Doc, type DocumentStore, type Scalar, type Stored, type WriteOp } from './port.ts';

/**
 * The embedded store: one SQLite file through Node's built-in node:sqlite,
 * so `npm start` needs no database server. WAL mode keeps readers and the
 * single writer out of each other's way, and `synchronous=FULL` means a
 * write acknowledged to a client survives a crash of the process.
 */
export class SqliteStore implements DocumentStore {
  readonly kind = 'embedded' as const;
  readonly file: string;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private closed = false;

  constructor(file: string) {
    this.file = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new DatabaseSync(file);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = FULL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS documents (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        rev INTEGER NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (collection, id)
      );
    `);
  }

  static inDirectory(dataDir: string): SqliteStore {
    return new SqliteStore(path.join(dataDir, 'plenary.sqlite'));
  }

  private prepare(sql: string): StatementSync {
    if (this.closed) throw new Error('store is closed');
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
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
    assertCollection(collection);
    const stored = { ...doc, rev: 1 };
    const result = this.prepare('INSERT OR IGNORE INTO documents (collection, id, rev, data) VALUES (?, ?, 1, ?)').run(
      collection,
      doc.id,
      JSON.stringify(stored),
    );
    if (Number(result.changes) === 0) throw new StoreConflictError(collection, doc.id, 'exists');
    return stored;
  }

  async update<T extends Doc>(collection: string, doc: Stored<T>): Promise<Stored<T>> {
    assertCollection(collection);
    const stored = { ...doc, rev: doc.rev + 1 };
    const result = this.prepare('UPDATE documents SET rev = ?, data = ? WHERE collection = ? AND id = ? AND rev = ?').run(
      stored.rev,
      JSON.stringify(stored),
      collection,
      doc.id,
      doc.rev,
    );
    if (Number(result.changes) === 0) throw new StoreConflictError(collection, doc.id, 'stale');
    return stored;
  }

  async put<T extends Doc>(collection: string, doc: T): Promise<Stored<T>> {
    assertCollection(collection);
    const current = this.prepare('SELECT rev FROM documents WHERE collection = ? AND id = ?').get(collection, doc.id) as
      | { rev: number }
      | undefined;
    const stored = { ...doc, rev: (current?.rev ?? 0) + 1 };
    this.prepare(
      `INSERT INTO documents (collection, id, rev, data) VALUES (?, ?, ?, ?)
       ON CONFLICT (collection, id) DO UPDATE SET rev = excluded.rev, data = excluded.data`,
    ).run(collection, doc.id, stored.rev, JSON.stringify(stored));
    return stored;
  }

  async remove(collection: string, id: string): Promise<boolean> {
    assertCollection(collection);
    const result = this.prepare('DELETE FROM documents WHERE collection = ? AND id = ?').run(collection, id);
    return Number(result.changes) > 0;
  }

  async write(ops: readonly WriteOp[]): Promise<number[]> {
    for (const op of ops) assertCollection(op.collection);
    if (this.closed) throw new Error('store is closed');
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const revs = ops.map((op) => this.apply(op));
      this.db.exec('COMMIT');
      return revs;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** One operation of write(), inside its transaction; throws StoreConflictError to roll it back. */
  private apply(op: WriteOp): number {
    switch (op.op) {
      case 'insert': {
        const result = this.prepare('INSERT OR IGNORE INTO documents (collection, id, rev, data) VALUES (?, ?, 1, ?)').run(
          op.collection, op.doc.id, JSON.stringify({ ...op.doc, rev: 1 }),
        );
        if (Number(result.changes) === 0) throw new StoreConflictError(op.collection, op.doc.id, 'exists');
        return 1;
      }
      case 'update': {
        const rev = op.doc.rev + 1;
        const result = this.prepare('UPDATE documents SET rev = ?, data = ? WHERE collection = ? AND id = ? AND rev = ?').run(
          rev, JSON.stringify({ ...op.doc, rev }), op.collection, op.doc.id, op.doc.rev,
        );
        if (Number(result.changes) === 0) throw new StoreConflictError(op.collection, op.doc.id, 'stale');
        return rev;
      }
      case 'put': {
        const current = this.prepare('SELECT rev FROM documents WHERE collection = ? AND id = ?').get(op.collection, op.doc.id) as { rev: number } | undefined;
        const rev = (current?.rev ?? 0) + 1;
        this.prepare(
          `INSERT INTO documents (collection, id, rev, data) VALUES (?, ?, ?, ?)
           ON CONFLICT (collection, id) DO UPDATE SET rev = excluded.rev, data = excluded.data`,
        ).run(op.collection, op.doc.id, rev, JSON.stringify({ ...op.doc, rev }));
        return rev;
      }
      case 'remove':
        this.prepare('DELETE FROM documents WHERE collection = ? AND id = ?').run(op.collection, op.id);
        return 0;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}

function revive<T extends Doc>(row: { rev: number; data: string }): Stored<T> {
  const doc = JSON.parse(row.data) as Stored<T>;
  doc.rev = row.rev;
  return doc;
}
