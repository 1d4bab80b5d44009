import { z } from 'zod';
import { countryName } from '../domain/countries.ts';
import { constituentGroups, type Participant, type SessionRoleName } from '../domain/participants.ts';
import type { Language } from '../domain/programme.ts';

/**
 * The participants console's table: which rows the organiser's search and
 * filters keep, in which order. Pure (no I/O) so the rules are tested
 * directly; the query string carries the choice, so it works without
 * JavaScript and a filtered view can be bookmarked or shared.
 */
export const sortColumns = ['name', 'organization', 'country', 'group', 'status', 'signedIn'] as const;
export type SortColumn = (typeof sortColumns)[number];

export const roleFilters = ['moderator', 'panelist', 'interpreter', 'captioner', 'sign_interpreter', 'organizer', 'none'] as const;
export type RoleFilter = (typeof roleFilters)[number];

const blankToUndefined = (value: unknown) => (value === '' ? undefined : value);

export const tableQuery = z.object({
  q: z.string().max(200).optional(),
  group: z.preprocess(blankToUndefined, z.enum(constituentGroups as [string, ...string[]]).optional()),
  role: z.preprocess(blankToUndefined, z.enum(roleFilters).optional()),
  status: z.preprocess(blankToUndefined, z.enum(['pending', 'approved', 'rejected']).optional()),
  sort: z.preprocess(blankToUndefined, z.enum(sortColumns).optional()),
  dir: z.preprocess(blankToUndefined, z.enum(['asc', 'desc']).optional()),
});
export type TableQuery = z.infer<typeof tableQuery>;

/** Case- and accent-insensitive, so "Muller" finds "Müller" and "geneve" finds "Genève". */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase();
}

/** Whether a participant matches the search words: each word must appear in the name, e-mail, organisation, country code or country name (in the UI language or English). */
export function matchesSearch(p: Participant, q: string | undefined, lang: Language): boolean {
  const words = fold(q ?? '').split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = fold([p.name, p.email, p.organization, p.country, countryName(p.country, lang), countryName(p.country, 'en')].join(' '));
  return words.every((w) => haystack.includes(w));
}

function hasRole(p: Participant, role: RoleFilter): boolean {
  if (role === 'organizer') return p.organizer;
  if (role === 'none') return p.roles.length === 0 && !p.organizer;
  return p.roles.some((r) => r.role === (role as SessionRoleName));
}

const statusOrder = { pending: 0, approved: 1, rejected: 2 } as const;

/** The rows the query keeps, sorted (by name unless told otherwise; ties by name, then id, so the order is stable). */
export function tableRows(participants: readonly Participant[], query: TableQuery, lang: Language): Participant[] {
  const collator = new Intl.Collator(lang === 'zh' ? 'zh-Hans' : lang, { sensitivity: 'base', numeric: true });
  const kept = participants.filter(
    (p) =>
      matchesSearch(p, query.q, lang) &&
      (!query.group || p.group === query.group) &&
      (!query.status || p.status === query.status) &&
      (!query.role || hasRole(p, query.role)),
  );
  const column = query.sort ?? 'name';
  const key = (p: Participant): string | number => {
    switch (column) {
      case 'name': return p.name;
      case 'organization': return p.organization;
      case 'country': return countryName(p.country, lang);
      case 'group': return constituentGroups.indexOf(p.group);
      case 'status': return statusOrder[p.status];
      // Never signed in sorts before any sign-in.
      case 'signedIn': return p.signedInAt ? Date.parse(p.signedInAt) : -Infinity;
    }
  };
  const compare = (a: string | number, b: string | number) => (typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b)));
  const sign = query.dir === 'desc' ? -1 : 1;
  return [...kept].sort((a, b) => sign * compare(key(a), key(b)) || collator.compare(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The query string for the same view with some choices changed (empty values left out). */
export function tableHref(base: string, query: TableQuery, change: Partial<Record<keyof TableQuery, string | undefined>> = {}): string {
  const merged: Record<string, string | undefined> = { ...query, ...change };
  const params = new URLSearchParams();
  for (const name of ['q', 'group', 'role', 'status', 'sort', 'dir'] as const) {
    const value = merged[name];
    if (value) params.set(name, value);
  }
  const search = params.toString();
  return search ? `${base}?${search}` : base;
}
