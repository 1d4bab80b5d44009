import { z } from 'zod';
import { normalizeCountry } from '../domain/countries.ts';
import { constituentGroups, genders, type ConstituentGroup, type Gender } from '../domain/participants.ts';
import { languages, type Language } from '../domain/programme.ts';
import { isTimeZone } from '../domain/zones.ts';

/** Input schemas for participants, shared by the JSON API and the HTML forms. */

// Names and organisations are shown to others: no control characters, no line breaks.
const noControl = (v: string): boolean => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(v);

const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`)
    .refine(noControl, 'must not contain control characters or line breaks');

const country = z
  .string()
  .transform((v, ctx) => {
    const code = normalizeCountry(v);
    if (!code) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 3166-1 alpha-2 country code, e.g. CH or CN' });
      return z.NEVER;
    }
    return code;
  });

const sessionId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a session id');
const bcp47 = z.string().trim().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as fr or es');

export const roleInput = z
  .object({
    sessionId,
    role: z.enum(['moderator', 'panelist', 'interpreter', 'captioner', 'sign_interpreter']),
    language: bcp47.optional(),
  })
  .refine((r) => r.role !== 'interpreter' || r.language, { message: 'an interpreter needs a language', path: ['language'] })
  .refine((r) => r.role !== 'captioner' || r.language, { message: 'a captioner needs a language', path: ['language'] });

export const registrationInput = z.object({
  name: text(120),
  email: z.string().trim().max(254).pipe(z.email('must be an e-mail address')),
  organization: text(200),
  country,
  group: z.enum(constituentGroups as [ConstituentGroup, ...ConstituentGroup[]]),
  gender: z.enum(genders as [Gender, ...Gender[]]).nullish(),
  language: z.enum(languages as [Language, ...Language[]]).optional(),
  timeZone: z.string().trim().refine(isTimeZone, 'must be an IANA time zone').nullish(),
});
export type RegistrationInput = z.infer<typeof registrationInput>;

export const invitationInput = registrationInput.extend({
  roles: z.array(roleInput).max(100).optional(),
  organizer: z.boolean().optional(),
  /** A visiting Head of State or Government: speaks beyond the tripartite quota. Set by organisers only. */
  headOfState: z.boolean().optional(),
});
export type InvitationInput = z.infer<typeof invitationInput>;

export const participantPatch = z
  .object({
    status: z.enum(['pending', 'approved', 'rejected']).optional(),
    reason: z.string().trim().max(500).refine(noControlExceptNewlines, 'must not contain control characters').optional(),
    roles: z.array(roleInput).max(100).optional(),
    organizer: z.boolean().optional(),
    headOfState: z.boolean().optional(),
  })
  .refine((p) => p.status !== undefined || p.roles !== undefined || p.organizer !== undefined || p.headOfState !== undefined, {
    message: 'give at least one of status, roles, organizer, headOfState',
  });
export type ParticipantPatch = z.infer<typeof participantPatch>;

function noControlExceptNewlines(v: string): boolean {
  return !/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(v);
}
