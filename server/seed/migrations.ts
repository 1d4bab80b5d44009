import type { Localized, ForumEvent, Session } from '../domain/programme.ts';
import { editRunningOrder, emptyRunningOrder, type RunItemInput } from '../domain/running-order.ts';
import { runningOrderCollection, runningOrderKey } from '../services/running-order-service.ts';
import { StoreConflictError, type DocumentStore, type Stored } from '../store/port.ts';
import type { ForumSeed } from './seed.ts';

/**
 * The seeded forum's migrations (issue 18, and issue 15's translations):
 * a store seeded by an earlier version of the seed receives what the seed
 * has gained since, once, without touching what organisers edited.
 *
 * Versioned: the store remembers, per seeded event, the last migration
 * applied (`seed_migrations`), so each runs once; and each is idempotent
 * besides (two processes starting together, or a crash halfway, only
 * redo what is missing). Version 1 is the event and its sessions
 * (seedForum); a store whose event exists without a record was seeded by
 * version 1.
 *
 * 2. The seed's French and Spanish texts (the project's own translations):
 *    added to a text only where that language is missing and the text's
 *    Chinese and English are still the seed's (an organiser who rewrote
 *    the English would otherwise get a French that says something else).
 * 3. The running orders the programme describes: given to each seeded
 *    session that has none; one an organiser saved (even empty) is kept.
 */
export const seedMigrationCollection = 'seed_migrations';

interface MigrationRecord {
  id: string;
  version: number;
  applied: { version: number; name: string; at: string }[];
}

interface Migration {
  version: number;
  name: string;
  run(store: DocumentStore, seed: ForumSeed, now: Date): Promise<number>;
}

export const seedMigrations: readonly Migration[] = [
  { version: 2, name: 'French and Spanish texts', run: addTranslations },
  { version: 3, name: 'running orders', run: addRunningOrders },
];
export const currentSeedVersion = Math.max(1, ...seedMigrations.map((m) => m.version));

export interface MigrationResult {
  eventId: string;
  from: number;
  to: number;
  /** Per migration applied: its name and how many documents it changed. */
  applied: { version: number; name: string; changed: number }[];
}

export async function migrateSeed(store: DocumentStore, seed: ForumSeed, now = new Date()): Promise<MigrationResult> {
  const eventId = seed.event.id;
  const record = await store.get<MigrationRecord>(seedMigrationCollection, eventId);
  const from = record?.version ?? 1;
  const result: MigrationResult = { eventId, from, to: from, applied: [] };
  // The organisers removed the seeded event (or it was never seeded): nothing to add to.
  if (!(await store.get<ForumEvent>('events', eventId))) return result;
  const applied = [...(record?.applied ?? [])];
  for (const migration of seedMigrations) {
    if (migration.version <= from) continue;
    const changed = await migration.run(store, seed, now);
    applied.push({ version: migration.version, name: migration.name, at: now.toISOString() });
    result.applied.push({ version: migration.version, name: migration.name, changed });
    result.to = migration.version;
    await store.put<MigrationRecord>(seedMigrationCollection, { id: eventId, version: migration.version, applied });
  }
  return result;
}

/** `stored` with the seed's languages it lacks, if its Chinese and English are the seed's; else itself. */
export function withSeedLanguages(stored: Localized, seeded: Localized): Localized {
  if (stored.zh !== seeded.zh || stored.en !== seeded.en) return stored;
  let out = stored;
  for (const lang of ['ar', 'fr', 'ru', 'es'] as const) {
    const text = seeded[lang];
    if (text && !stored[lang]) out = { ...out, [lang]: text };
  }
  return out;
}

/** Writes with compare-and-set; a conflict means another process changed it meanwhile (it did this, or an organiser did something else): left alone. */
async function updateIfUnchanged<T extends { id: string }>(store: DocumentStore, collection: string, doc: Stored<T>): Promise<boolean> {
  try {
    await store.update<T>(collection, doc);
    return true;
  } catch (error) {
    if (error instanceof StoreConflictError) return false;
    throw error;
  }
}

async function addTranslations(store: DocumentStore, seed: ForumSeed, now: Date): Promise<number> {
  let changed = 0;
  const event = await store.get<ForumEvent>('events', seed.event.id);
  if (event) {
    const next: Stored<ForumEvent> = {
      ...event,
      title: withSeedLanguages(event.title, seed.event.title),
      organizer: withSeedLanguages(event.organizer, seed.event.organizer),
      description: withSeedLanguages(event.description, seed.event.description),
      ...(!event.textOrigin && seed.event.textOrigin ? { textOrigin: seed.event.textOrigin } : {}),
    };
    if (JSON.stringify(next) !== JSON.stringify(event) && (await updateIfUnchanged(store, 'events', { ...next, updatedAt: now.toISOString() }))) changed += 1;
  }
  for (const s of seed.sessions) {
    const session = await store.get<Session & { id: string }>('sessions', `${seed.event.id}/${s.id}`);
    if (!session) continue;
    const questions = session.guidingQuestions.length === s.guidingQuestions.length
      ? session.guidingQuestions.map((q, i) => withSeedLanguages(q, s.guidingQuestions[i] as Localized))
      : session.guidingQuestions;
    const next = {
      ...session,
      title: withSeedLanguages(session.title, s.title),
      format: session.format && s.format ? withSeedLanguages(session.format, s.format) : session.format,
      description: withSeedLanguages(session.description, s.description),
      guidingQuestions: questions,
    };
    // Translations only: the calendar's SEQUENCE and updatedAt stay (nothing a calendar shows in zh or en changed).
    if (JSON.stringify(next) !== JSON.stringify(session) && (await updateIfUnchanged(store, 'sessions', next))) changed += 1;
  }
  return changed;
}

/** The seeded running order of one kind of session, as an editor would send it. */
export function seededRunItems(seed: ForumSeed, kind: Session['kind']): RunItemInput[] {
  return (seed.runningOrders?.[kind] ?? []).map((item) => ({
    id: item.id,
    kind: item.kind,
    title: item.title.en,
    ...(item.speaker ? { speaker: item.speaker.en } : {}),
    ...(item.prerecorded ? { prerecorded: true } : {}),
    ...(item.protocol ? { protocol: item.protocol } : {}),
    plannedMs: item.minutes * 60_000,
    localized: { title: item.title, ...(item.speaker ? { speaker: item.speaker } : {}) },
  }));
}

async function addRunningOrders(store: DocumentStore, seed: ForumSeed): Promise<number> {
  let added = 0;
  for (const s of seed.sessions) {
    const session = await store.get<Session & { id: string }>('sessions', `${seed.event.id}/${s.id}`);
    if (!session) continue;
    const items = seededRunItems(seed, session.kind);
    if (items.length === 0) continue;
    const key = runningOrderKey(seed.event.id, s.id);
    if (await store.get(runningOrderCollection, key)) continue;
    const order = editRunningOrder(emptyRunningOrder(seed.event.id, s.id), { items }, () => true);
    try {
      await store.insert(runningOrderCollection, { ...order, id: key });
      added += 1;
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error; // saved meanwhile: kept
    }
  }
  return added;
}
