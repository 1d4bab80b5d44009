// npm run backup -- [--data-dir DIR] [--out FILE]
// A consistent copy of the embedded store, taken while the server runs.
import path from 'node:path';
import { BackupError, backupStore, describe, parseArgs } from './backup-store.ts';

const usage = 'usage: npm run backup -- [--data-dir DIR (default PLENARY_DATA_DIR or ./data)] [--out FILE (default backups/plenary-<time>.sqlite)]';

async function main(): Promise<number> {
  const { options, positional } = parseArgs(process.argv.slice(2), ['help']);
  if (options.help || positional.length > 0) {
    console.log(usage);
    return options.help ? 0 : 2;
  }
  if (process.env.MONGODB_URI) {
    console.error('MONGODB_URI is set: this store is MongoDB. Back it up with MongoDB\'s own tools (mongodump --uri "$MONGODB_URI" --archive=plenary.archive), see the README.');
    return 2;
  }
  const dataDir = typeof options['data-dir'] === 'string' ? options['data-dir'] : (process.env.PLENARY_DATA_DIR ?? './data');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = typeof options.out === 'string' ? options.out : path.join('backups', `plenary-${stamp}.sqlite`);
  const summary = await backupStore(dataDir, out);
  console.log(`backed up ${describe(summary)}`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof BackupError ? error.message : error);
    process.exit(1);
  },
);
