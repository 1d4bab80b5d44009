import fs from 'node:fs';
import { z } from 'zod';
import { schedule, type ForumEvent, type Session } from '../domain/programme.ts';
import { parseTimeZone } from '../domain/zones.ts';
import type { ProgrammeRepository } from '../store/repositories.ts';
import { protocolRank } from '../domain/running-order-protocol.ts';

/** A text per language: Chinese and English, and any other UN language someone wrote (the seed has French and Spanish). */
const localized = z.object({ zh: z.string(), en: z.string(), ar: z.string().optional(), fr: z.string().optional(), ru: z.string().optional(), es: z.string().optional() });
const language = z.enum(['ar', 'zh', 'en', 'fr', 'ru', 'es']);
const seedRunItem = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  kind: z.enum(['statement', 'panel', 'floor', 'break']),
  title: localized,
  /** The speaker, or the role the programme names (a placeholder: "Head of State or Government (1)"). */
  speaker: localized.optional(),
  prerecorded: z.boolean().optional(),
  protocol: protocolRank.optional(),
  minutes: z.number().int().min(0).max(720),
});
const seedSchema = z.object({
  event: z.object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
    zone: z.string(),
    title: localized,
    organizer: localized,
    description: localized,
    /** Which language the texts were written in and which are the project's own translations (shown as such on the pages). */
    textOrigin: z.object({ original: language, projectTranslations: z.array(language) }).optional(),
  }),
  sessions: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
        kind: z.enum(['opening', 'thematic', 'closing', 'session']),
        start: z.string(),
        end: z.string(),
        title: localized,
        format: localized.nullable().optional(),
        description: localized,
        guidingQuestions: z.array(localized),
      }),
    )
    .min(1),
  /** The running order each kind of session follows, as the programme describes it (issue 18). */
  runningOrders: z.partialRecord(z.enum(['opening', 'thematic', 'closing', 'session']), z.array(seedRunItem)).optional(),
});

export type ForumSeed = z.infer<typeof seedSchema>;

export const defaultSeedFile = new URL('./global-forum-2022.json', import.meta.url);

export function readSeed(file: URL | string = defaultSeedFile): ForumSeed {
  return seedSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
}

export interface SeedResult {
  eventId: string;
  eventCreated: boolean;
  sessionsCreated: number;
  sessionsKept: number;
}

/**
 * Writes the seeded forum into the store. Idempotent: what exists is kept
 * as it is (organisers may have edited it), what is missing is added, so a
 * second run creates nothing.
 */
export async function seedForum(repo: ProgrammeRepository, seed: ForumSeed, now = new Date()): Promise<SeedResult> {
  const at = now.toISOString();
  const zone = parseTimeZone(seed.event.zone);
  let eventCreated = false;
  if (!(await repo.getEvent(seed.event.id))) {
    const event: ForumEvent = { ...seed.event, zone, createdAt: at, updatedAt: at };
    await repo.putEvent(event);
    eventCreated = true;
  }
  let sessionsCreated = 0;
  let sessionsKept = 0;
  for (const s of seed.sessions) {
    if (await repo.getSession(seed.event.id, s.id)) {
      sessionsKept += 1;
      continue;
    }
    const times = schedule(s.start, s.end, zone);
    const session: Session = {
      id: s.id,
      eventId: seed.event.id,
      kind: s.kind,
      title: s.title,
      format: s.format ?? null,
      description: s.description,
      guidingQuestions: s.guidingQuestions,
      start: times.start,
      end: times.end,
      status: 'scheduled',
      sequence: 0,
      createdAt: at,
      updatedAt: at,
    };
    await repo.insertSession(session);
    sessionsCreated += 1;
  }
  return { eventId: seed.event.id, eventCreated, sessionsCreated, sessionsKept };
}
