import { ConfigError, loadConfig } from '../config.ts';
import { openStore } from '../store/open-store.ts';
import { ProgrammeRepository } from '../store/repositories.ts';
import { readSeed, seedForum } from './seed.ts';

/** `npm run seed`: writes the seeded forum; running it again adds nothing. */
try {
  const config = loadConfig();
  const store = await openStore(config);
  try {
    const result = await seedForum(new ProgrammeRepository(store), readSeed());
    process.stdout.write(
      `Seeded ${result.eventId} into the ${store.kind} store: event ${result.eventCreated ? 'created' : 'already present'}, ` +
        `${result.sessionsCreated} session(s) created, ${result.sessionsKept} already present.\n`,
    );
  } finally {
    await store.close();
  }
} catch (error) {
  process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(1);
}
