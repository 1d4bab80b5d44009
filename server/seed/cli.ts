import { ConfigError, loadConfig } from '../config.ts';
import { openStore } from '../store/open-store.ts';
import { ProgrammeRepository } from '../store/repositories.ts';
import { migrateSeed } from './migrations.ts';
import { readSeed, seedForum } from './seed.ts';

/** `npm run seed`: writes the seeded forum and applies the seed's migrations; running it again adds nothing. */
try {
  const config = loadConfig();
  const store = await openStore(config);
  try {
    const seed = readSeed();
    const result = await seedForum(new ProgrammeRepository(store), seed);
    process.stdout.write(
      `Seeded ${result.eventId} into the ${store.kind} store: event ${result.eventCreated ? 'created' : 'already present'}, ` +
        `${result.sessionsCreated} session(s) created, ${result.sessionsKept} already present.\n`,
    );
    const migrated = await migrateSeed(store, seed);
    for (const m of migrated.applied) process.stdout.write(`Seed migration ${m.version} (${m.name}): ${m.changed} document(s) changed.\n`);
    if (migrated.applied.length === 0) process.stdout.write(`Seed migrations: the store is at version ${migrated.to} already.\n`);
  } finally {
    await store.close();
  }
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}
