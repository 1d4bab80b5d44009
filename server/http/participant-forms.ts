import { countryOptions } from '../domain/countries.ts';
import { constituentGroups, genders } from '../domain/participants.ts';
import type { Language } from '../domain/programme.ts';
import { listTimeZones } from '../domain/zones.ts';
import { AppError } from '../errors.ts';
import { languageChoices, languages } from '../i18n/languages.ts';
import { translate } from '../i18n/translate.ts';

/**
 * The participant form shared by the registration page and the organiser's
 * invite form: the values as typed, the choices with their selection, and
 * the refusals per field (each with a translated message).
 */
export interface ParticipantFormValues {
  name: string;
  email: string;
  organization: string;
  country: string;
  group: string;
  gender: string;
  language: string;
  timeZone: string;
  organizer: boolean;
}

export const participantFields = ['name', 'email', 'organization', 'country', 'group', 'gender', 'language', 'timeZone'] as const;

export function formValues(body: unknown): ParticipantFormValues {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const str = (key: string): string => (typeof b[key] === 'string' ? (b[key] as string) : '');
  return {
    name: str('name'),
    email: str('email'),
    organization: str('organization'),
    country: str('country'),
    group: str('group'),
    gender: str('gender'),
    language: str('language'),
    timeZone: str('timeZone'),
    organizer: b.organizer === 'on' || b.organizer === 'true',
  };
}

/** Form strings → the JSON shape the schemas parse (empty optional fields are absent). */
export function formInput(values: ParticipantFormValues): Record<string, unknown> {
  return {
    name: values.name,
    email: values.email,
    organization: values.organization,
    country: values.country,
    group: values.group,
    ...(values.gender ? { gender: values.gender } : {}),
    ...(values.language ? { language: values.language } : {}),
    ...(values.timeZone.trim() ? { timeZone: values.timeZone } : {}),
  };
}

export type FieldErrors = Partial<Record<(typeof participantFields)[number], string>>;

/** Turns a refusal into messages per field, or null when it is not about the fields. */
export function fieldErrors(error: unknown, lang: Language): FieldErrors | null {
  if (!(error instanceof AppError)) return null;
  if (error.code === 'duplicate_registration') return { email: translate(lang, 'id_err_duplicate') };
  if (error.code !== 'invalid_body') return null;
  const issues = (error.details as { issues?: { path: string }[] } | undefined)?.issues ?? [];
  const out: FieldErrors = {};
  for (const issue of issues) {
    const field = participantFields.find((f) => issue.path === f || issue.path.startsWith(`${f}.`));
    if (field && !out[field]) out[field] = translate(lang, `id_err_${field}`);
  }
  return Object.keys(out).length > 0 ? out : null;
}

/** Everything a template needs to draw the fields. */
export function formModel(lang: Language, values: ParticipantFormValues, errors: FieldErrors = {}): Record<string, unknown> {
  const errorList = participantFields.filter((f) => errors[f]).map((f) => ({ field: f, message: errors[f] }));
  return {
    values,
    errors: errorList,
    fieldErrors: errors,
    countries: countryOptions(lang).map((c) => ({ ...c, selected: c.code === values.country.toUpperCase() })),
    groups: constituentGroups.map((g) => ({
      value: g,
      label: translate(lang, `id_group_${g}`),
      hint: g === 'other' ? translate(lang, 'id_groupOtherHint') : '',
      checked: values.group === g,
    })),
    genders: [
      { value: '', label: translate(lang, 'id_gender_none'), selected: !values.gender },
      ...genders.map((g) => ({ value: g, label: translate(lang, `id_gender_${g}`), selected: values.gender === g })),
    ],
    languages: languages.map((l) => ({ ...languageChoices[l], value: l, checked: (values.language || lang) === l })),
    zones: listTimeZones(),
  };
}

export function emptyForm(lang: Language, zone: string | undefined): ParticipantFormValues {
  return { name: '', email: '', organization: '', country: '', group: '', gender: '', language: lang, timeZone: zone ?? '', organizer: false };
}
