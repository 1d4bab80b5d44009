import { z } from 'zod';
import { admissions, uiLanguageCodes, type EventDraft, type EventPatch } from '../domain/events.ts';
import { constituentGroups } from '../domain/participants.ts';
import { idPattern } from './validate.ts';

/**
 * Schemas for organisers' events, shared by the JSON API and the console's
 * form. The domain (domain/events.ts) checks what needs more than a shape:
 * the zone is an IANA name, a title in at least one language.
 */
const controlCharacters = /[\u0000-\u0008\u000B-\u001F\u007F]/;

function text(max: number) {
  return z
    .string()
    .transform((s) => s.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(max).refine((s) => !controlCharacters.test(s), 'must not contain control characters'));
}

// Chinese and English, and the other UN languages where someone wrote them.
const textInput = (max: number) =>
  z.strictObject({ zh: text(max).optional(), en: text(max).optional(), ar: text(max).optional(), fr: text(max).optional(), ru: text(max).optional(), es: text(max).optional() });
const bcp47 = z.string().trim().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as fr or es');

const settings = {
  organizer: textInput(300).optional(),
  zone: z.string().trim().min(1).max(64),
  languages: z
    .strictObject({
      ui: z.array(z.enum(uiLanguageCodes)).min(1).max(uiLanguageCodes.length).optional(),
      interpretation: z.array(bcp47).max(30).optional(),
    })
    .optional(),
  registration: z
    .strictObject({
      open: z.boolean().optional(),
      admission: z.partialRecord(z.enum(constituentGroups as ['government', ...typeof constituentGroups[number][]]), z.enum(admissions as ['automatic', 'approval', 'closed'])).optional(),
    })
    .optional(),
  webcast: z.strictObject({ public: z.boolean().optional() }).optional(),
};

export const eventDraftSchema = z.strictObject({
  id: z.string().regex(idPattern, 'lowercase letters, digits and dashes (at most 64)'),
  title: textInput(300),
  description: textInput(20_000).optional(),
  ...settings,
}) satisfies z.ZodType<EventDraft>;

export const eventPatchSchema = z
  .strictObject({
    title: textInput(300).optional(),
    description: textInput(20_000).optional(),
    ...settings,
    zone: settings.zone.optional(),
    archived: z.boolean().optional(),
  }) satisfies z.ZodType<EventPatch>;

export const eventListQuery = z.object({ archived: z.enum(['include', 'only']).optional() });
