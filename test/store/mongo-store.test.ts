import { describe, it } from 'vitest';
import { MongoStore } from '../../server/store/mongo-store.ts';
import { storeContract } from './contract.ts';

const uri = process.env.MONGODB_URI;

if (uri) {
  storeContract('MongoDB (mongoose)', () => {
    // One database per run, dropped afterwards, so runs never see each other's data.
    const dbUri = withDatabase(uri, `plenary_contract_${process.pid}_${Date.now()}`);
    return {
      open: () => MongoStore.connect(dbUri),
      reopen: () => MongoStore.connect(dbUri),
      cleanup: async () => {
        const mongoose = (await import('mongoose')).default;
        const connection = await mongoose.createConnection(dbUri).asPromise();
        await connection.dropDatabase();
        await connection.close();
      },
    };
  });
} else {
  console.warn('SKIPPED: MongoDB store contract — MONGODB_URI is not set (no MongoDB server on this machine).');
  describe('MongoDB (mongoose) store contract', () => {
    it.skip('SKIPPED: set MONGODB_URI to run the store contract against MongoDB', () => {});
  });
}

function withDatabase(base: string, db: string): string {
  const url = new URL(base);
  url.pathname = `/${db}`;
  return url.toString();
}
