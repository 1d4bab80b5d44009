import fs from 'node:fs';
import { SqliteStore } from '../../server/store/sqlite-store.ts';
import { tempDir } from '../support/server.ts';
import { storeContract } from './contract.ts';

storeContract('embedded (node:sqlite)', () => {
  const dir = tempDir('plenary-sqlite-');
  return {
    open: async () => SqliteStore.inDirectory(dir),
    reopen: async () => SqliteStore.inDirectory(dir),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
