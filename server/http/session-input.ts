import { z } from 'zod';
import { sessionStatuses } from '../domain/programme.ts';
import type { SessionDraft, SessionPatch } from '../domain/session-editing.ts';
import { idPattern } from './validate.ts';

/**
 * Schemas for programme edits, shared by the JSON API and the console's
 * forms. Texts arrive per language ({ zh?, en? }); line breaks are stored
 * as "\n" (a browser's textarea sends "\r\n"), so what a calendar shows
 * after unfolding is exactly what was stored.
 */
// Control characters other than tab and newline have no place in a title or a calendar line.
const controlCharacters = /[\u0000-\u0008\u000B-\u001F\u007F]/;

function text(max: number) {
  return z
    .string()
    .transform((s) => s.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().max(max).refine((s) => !controlCharacters.test(s), 'must not contain control characters'));
}

function textInput(max: number) {
  // Chinese and English, and the other UN languages where someone wrote them.
  return z.strictObject({ zh: text(max).optional(), en: text(max).optional(), ar: text(max).optional(), fr: text(max).optional(), ru: text(max).optional(), es: text(max).optional() });
}

/** "2022-02-22T13:00" in the event zone; the domain checks the form and the zone's gaps. */
const wallClock = z.string().trim().min(1).max(32);

export const sessionDraftSchema = z.strictObject({
  id: z.string().regex(idPattern, 'lowercase letters, digits and dashes (at most 64)').optional(),
  start: wallClock,
  end: wallClock,
  title: textInput(300),
  description: textInput(20_000).optional(),
  guidingQuestions: z.array(textInput(4_000)).max(20).optional(),
  format: textInput(2_000).nullable().optional(),
  status: z.enum(sessionStatuses).optional(),
}) satisfies z.ZodType<SessionDraft>;

export const sessionPatchSchema = sessionDraftSchema.omit({ id: true }).partial() satisfies z.ZodType<SessionPatch>;
