// npm run restore -- FILE [--data-dir DIR] [--force]
// Puts a backup in place as the embedded store; refuses while a server has it open.
import { BackupError, describe, parseArgs, restoreStore } from './backup-store.ts';

const usage = 'usage: npm run restore -- BACKUP_FILE [--data-dir DIR (default PLENARY_DATA_DIR or ./data)] [--force (even while a server has the store open; restart it at once)]';

async function main(): Promise<number> {
  const { options, positional } = parseArgs(process.argv.slice(2), ['help', 'force']);
  if (options.help || positional.length !== 1) {
    console.log(usage);
    return options.help ? 0 : 2;
  }
  if (process.env.MONGODB_URI) {
    console.error('MONGODB_URI is set: this store is MongoDB. Restore it with MongoDB\'s own tools (mongorestore --uri "$MONGODB_URI" --archive=plenary.archive --drop), see the README.');
    return 2;
  }
  const dataDir = typeof options['data-dir'] === 'string' ? options['data-dir'] : (process.env.PLENARY_DATA_DIR ?? './data');
  const result = await restoreStore(positional[0]!, dataDir, { force: options.force === true });
  if (result.previous) console.log(`kept the store that was there as ${result.previous}`);
  console.log(`restored ${describe(result.restored)}`);
  if (options.force) console.log('restart the server now: it still holds what it had read before the restore.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof BackupError ? error.message : error);
    process.exit(1);
  },
);
