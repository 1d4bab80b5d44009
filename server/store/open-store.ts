import type { Config } from '../config.ts';
import type { DocumentStore } from './port.ts';
import { SqliteStore } from './sqlite-store.ts';

/** MongoDB when MONGODB_URI is set, the embedded SQLite file otherwise. */
export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'>): Promise<DocumentStore> {
  if (config.mongodbUri) {
    const { MongoStore } = await import('./mongo-store.ts');
    return MongoStore.connect(config.mongodbUri);
  }
  return SqliteStore.inDirectory(config.dataDir);
}
