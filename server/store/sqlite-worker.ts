/**
 * The embedded store's writer thread (started by sqlite-store.ts). SQLite
 * through node:sqlite is synchronous, and a durable commit waits for an
 * fsync; here that wait blocks this thread only, never the server's event loop.
 *
 * Group commit: the calls that arrive while a transaction commits are run
 * together in the next one, so one fsync covers a whole burst. Each call
 * gets its own SAVEPOINT: a compare-and-set that fails rolls back that call's
 * operations only, and the others of the batch still commit. Answers are
 * sent after COMMIT returns, so an acknowledged write is on disk.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { connectionPragmas, schema, withRev, writerPragmas, type CallResult, type FromWriter, type ToWriter, type WireError, type WireOp, type WriteCall } from './sqlite-protocol.ts';

/** Calls per transaction at most, so answers keep flowing under a long flood. */
const maxBatch = 1000;

class Conflict extends Error {
  readonly wire: WireError;
  constructor(collection: string, id: string, reason: 'exists' | 'stale') {
    super(`${collection}/${id} ${reason}`);
    this.wire = { kind: 'conflict', collection, id, reason };
  }
}

const port = parentPort;
if (!port) throw new Error('sqlite-worker.ts runs as a worker thread of sqlite-store.ts');
const { file } = workerData as { file: string };

const db = new DatabaseSync(file);
db.exec(connectionPragmas + writerPragmas + schema);

const statements = new Map<string, StatementSync>();
const prepare = (sql: string): StatementSync => {
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
};

function apply(op: WireOp): { rev: number; changed: boolean } {
  switch (op.op) {
    case 'insert': {
      const result = prepare('INSERT OR IGNORE INTO documents (collection, id, rev, data) VALUES (?, ?, 1, ?)').run(op.collection, op.id, withRev(op.body, 1));
      if (Number(result.changes) === 0) throw new Conflict(op.collection, op.id, 'exists');
      return { rev: 1, changed: true };
    }
    case 'update': {
      const rev = op.rev + 1;
      const result = prepare('UPDATE documents SET rev = ?, data = ? WHERE collection = ? AND id = ? AND rev = ?').run(rev, withRev(op.body, rev), op.collection, op.id, op.rev);
      if (Number(result.changes) === 0) throw new Conflict(op.collection, op.id, 'stale');
      return { rev, changed: true };
    }
    case 'put': {
      const current = prepare('SELECT rev FROM documents WHERE collection = ? AND id = ?').get(op.collection, op.id) as { rev: number } | undefined;
      const rev = (current?.rev ?? 0) + 1;
      prepare(
        `INSERT INTO documents (collection, id, rev, data) VALUES (?, ?, ?, ?)
         ON CONFLICT (collection, id) DO UPDATE SET rev = excluded.rev, data = excluded.data`,
      ).run(op.collection, op.id, rev, withRev(op.body, rev));
      return { rev, changed: true };
    }
    case 'remove': {
      const result = prepare('DELETE FROM documents WHERE collection = ? AND id = ?').run(op.collection, op.id);
      return { rev: 0, changed: Number(result.changes) > 0 };
    }
  }
}

function wireError(error: unknown): WireError {
  if (error instanceof Conflict) return error.wire;
  const e = error as { message?: unknown; code?: unknown };
  return { kind: 'error', message: typeof e?.message === 'string' ? e.message : String(error), code: typeof e?.code === 'string' ? e.code : undefined };
}

/** Runs one call inside the batch's transaction, all or none of its operations. */
function runCall(call: WriteCall): CallResult {
  db.exec('SAVEPOINT call');
  try {
    const applied = call.ops.map(apply);
    db.exec('RELEASE call');
    return { seq: call.seq, ok: true, revs: applied.map((a) => a.rev), changed: applied.map((a) => a.changed) };
  } catch (error) {
    // Undo this call's operations; the transaction and the other calls go on.
    db.exec('ROLLBACK TO call');
    db.exec('RELEASE call');
    return { seq: call.seq, ok: false, error: wireError(error) };
  }
}

function commitBatch(batch: WriteCall[]): CallResult[] {
  try {
    db.exec('BEGIN IMMEDIATE');
  } catch (error) {
    const wire = wireError(error);
    return batch.map((call) => ({ seq: call.seq, ok: false, error: wire }));
  }
  try {
    const results = batch.map(runCall);
    db.exec('COMMIT');
    return results;
  } catch (error) {
    // A failed COMMIT (or savepoint) leaves nothing of the batch written: every call fails.
    if (db.isTransaction) db.exec('ROLLBACK');
    const wire = wireError(error);
    return batch.map((call) => ({ seq: call.seq, ok: false, error: wire }));
  }
}

const queue: WriteCall[] = [];
let scheduled = false;

function send(message: FromWriter): void {
  port!.postMessage(message);
}

function flush(): void {
  scheduled = false;
  if (queue.length === 0) return;
  send({ type: 'results', results: commitBatch(queue.splice(0, maxBatch)) });
  // Calls that arrived meanwhile are delivered before the next immediate: they join the next batch.
  if (queue.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // setImmediate runs after this turn's messages are all delivered: they form one batch.
  setImmediate(flush);
}

port.on('message', (message: ToWriter) => {
  if (message.type === 'write') {
    queue.push(message.call);
    schedule();
    return;
  }
  // Close: everything sent before it is written first.
  while (queue.length > 0) send({ type: 'results', results: commitBatch(queue.splice(0, maxBatch)) });
  statements.clear();
  db.close();
  send({ type: 'closed' });
  port.close();
});
