// Backup and restore of the embedded store (one SQLite file), shared by
// scripts/backup.ts and scripts/restore.ts (`npm run backup`, `npm run restore`).
//
// A backup uses SQLite's online backup API (node:sqlite's backup()), with
// every page copied in one step: it reads one consistent snapshot of the
// file while a server keeps writing to it (WAL: the writer is not blocked),
// so there is no need to stop the forum. MongoDB deployments use MongoDB's
// own tools (mongodump / mongorestore), see the README.
import fs from 'node:fs';
import path from 'node:path';
import { backup, DatabaseSync } from 'node:sqlite';

export const storeFileName = 'plenary.sqlite';
/** All pages in one step: one read transaction, so one consistent snapshot. */
const allPages = 2 ** 31 - 1;

export interface StoreSummary {
  file: string;
  bytes: number;
  documents: number;
  collections: Record<string, number>;
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

export function storeFile(dataDir: string): string {
  return path.join(path.resolve(dataDir), storeFileName);
}

/** Opens a file read-only and checks that it is a sound Plenary store; returns what it holds. */
export function inspect(file: string): StoreSummary {
  if (!fs.existsSync(file)) throw new BackupError(`${file} does not exist.`);
  const db = new DatabaseSync(file);
  try {
    const integrity = db.prepare('PRAGMA integrity_check').all() as { integrity_check: string }[];
    if (integrity.length !== 1 || integrity[0]?.integrity_check !== 'ok') {
      throw new BackupError(`${file} failed SQLite's integrity check: ${integrity.map((r) => r.integrity_check).join('; ')}`);
    }
    const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'documents'").get();
    if (!table) throw new BackupError(`${file} is an SQLite file but not a Plenary store (no documents table).`);
    const rows = db.prepare('SELECT collection, COUNT(*) AS n FROM documents GROUP BY collection ORDER BY collection').all() as { collection: string; n: number }[];
    const collections = Object.fromEntries(rows.map((r) => [r.collection, Number(r.n)]));
    return { file, bytes: fs.statSync(file).size, documents: rows.reduce((n, r) => n + Number(r.n), 0), collections };
  } finally {
    db.close();
  }
}

/** Copies the store of `dataDir` to `out` while a server may be writing to it. */
export async function backupStore(dataDir: string, out: string): Promise<StoreSummary> {
  const source = storeFile(dataDir);
  if (!fs.existsSync(source)) throw new BackupError(`There is no store at ${source} (PLENARY_DATA_DIR). Nothing to back up.`);
  const target = path.resolve(out);
  if (fs.existsSync(target)) throw new BackupError(`${target} exists; choose another --out.`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  fs.rmSync(partial, { force: true });
  // Not read-only: a read-only connection cannot open a WAL file whose -shm is missing (no server running).
  const db = new DatabaseSync(source);
  try {
    // Wait for the server's writer rather than fail when it holds a lock for a moment.
    db.exec('PRAGMA busy_timeout = 10000');
    await backup(db, partial, { rate: allPages });
  } finally {
    db.close();
  }
  // The copy is a complete database in rollback-journal form; make it one self-contained file.
  const copy = new DatabaseSync(partial);
  copy.exec('PRAGMA journal_mode = DELETE');
  copy.close();
  inspect(partial);
  fs.renameSync(partial, target);
  return inspect(target);
}

/**
 * Processes (other than this one) that have the store open, from /proc.
 * Returns null where /proc cannot tell (not Linux).
 */
export function processesUsing(file: string): number[] | null {
  if (!fs.existsSync('/proc/self/fd')) return null;
  const wanted = new Set([file, `${file}-wal`, `${file}-shm`].map((f) => path.resolve(f)));
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const fd of fds) {
      try {
        if (wanted.has(fs.readlinkSync(`/proc/${entry}/fd/${fd}`))) {
          found.push(Number(entry));
          break;
        }
      } catch {
        // closed meanwhile
      }
    }
  }
  return found;
}

export interface RestoreResult {
  restored: StoreSummary;
  /** Where the store that was there before now is (kept, never deleted). */
  previous: string | null;
}

/**
 * Puts a backup in place as the store of `dataDir`. Refuses while a process
 * has that store open (a running server) unless `force`; the store that was
 * there is kept beside it as plenary.sqlite.before-restore-<time>.
 */
export async function restoreStore(backupFile: string, dataDir: string, options: { force?: boolean; now?: Date } = {}): Promise<RestoreResult> {
  const source = path.resolve(backupFile);
  inspect(source);
  const target = storeFile(dataDir);
  const users = processesUsing(target);
  if (!options.force) {
    if (users === null) throw new BackupError(`Cannot tell on this system whether a server uses ${target}. Stop it, then run again with --force.`);
    if (users.length > 0) {
      throw new BackupError(`A running process (pid ${users.join(', ')}) has ${target} open: stop the server first, or pass --force to restore under it (then restart it at once).`);
    }
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  let previous: string | null = null;
  if (fs.existsSync(target)) {
    const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
    previous = `${target}.before-restore-${stamp}`;
    // A consistent copy of what was there (its WAL included), through the same backup API.
    const current = new DatabaseSync(target);
    try {
      await backup(current, previous, { rate: allPages });
    } finally {
      current.close();
    }
  }
  // Written through SQLite into the target, so the target's WAL and any open reader see a whole database.
  const from = new DatabaseSync(source, { readOnly: true });
  try {
    await backup(from, target, { rate: allPages });
  } finally {
    from.close();
  }
  const restored = new DatabaseSync(target);
  restored.exec('PRAGMA journal_mode = WAL');
  restored.close();
  return { restored: inspect(target), previous };
}

/** Reads `--name value` and flags from argv. */
export function parseArgs(argv: readonly string[], flags: readonly string[]): { options: Record<string, string | true>; positional: string[] } {
  const options: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (flags.includes(name)) options[name] = true;
      else if (inline !== undefined) options[name] = inline;
      else if (i + 1 < argv.length) options[name] = argv[++i]!;
      else throw new BackupError(`--${name} needs a value`);
    } else positional.push(arg);
  }
  return { options, positional };
}

export function describe(summary: StoreSummary): string {
  const parts = Object.entries(summary.collections).map(([c, n]) => `${c} ${n}`);
  return `${summary.file}: ${summary.documents} documents (${parts.join(', ') || 'empty'}), ${(summary.bytes / 1024).toFixed(0)} KiB`;
}
