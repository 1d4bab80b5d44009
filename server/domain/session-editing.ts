import { AppError } from '../errors.ts';
import { parseWallClock, schedule, toInstant, type Localized, type Session, type SessionStatus } from './programme.ts';

/**
 * The rules for organisers' programme edits, without I/O. Texts are given
 * per language and may be partial: an organiser may publish a session in
 * one language first. A title needs at least one language (pages and feeds
 * fall back to the other); a description may be empty.
 */
export interface TextInput {
  zh?: string;
  en?: string;
  /** The other UN languages, where someone wrote them; an empty string removes one. */
  ar?: string;
  fr?: string;
  ru?: string;
  es?: string;
}

const otherLanguages = ['ar', 'fr', 'ru', 'es'] as const;

/** A text from what was given; a language not given keeps `fallback`'s text (a PATCH may send one language). */
export function localizedText(input: TextInput, fallback?: Localized): Localized {
  const result: Localized = { zh: input.zh ?? fallback?.zh ?? '', en: input.en ?? fallback?.en ?? '' };
  for (const lang of otherLanguages) {
    const text = input[lang] !== undefined ? input[lang] : fallback?.[lang];
    if (text) result[lang] = text;
  }
  return result;
}

export interface SessionDraft {
  /** Optional slug; generated from the title when absent. */
  id?: string;
  /** Wall clocks in the event zone, "2022-02-22T13:00". */
  start: string;
  end: string;
  title: TextInput;
  description?: TextInput;
  guidingQuestions?: TextInput[];
  format?: TextInput | null;
  status?: SessionStatus;
}

export type SessionPatch = Partial<Omit<SessionDraft, 'id'>>;

/** Fields whose change a calendar shows: they bump SEQUENCE. */
const calendarFields = ['start', 'end', 'title', 'description', 'guidingQuestions', 'format'] as const;
const editableFields = [...calendarFields, 'status'] as const;
type EditableField = (typeof editableFields)[number];

export type SessionChanges = Partial<Record<EditableField, { before: unknown; after: unknown }>>;

export interface EditResult {
  session: Session;
  changes: SessionChanges;
  changed: boolean;
  /** True when the feed shows the change, so SEQUENCE went up. */
  calendarChanged: boolean;
}

export function newSession(eventId: string, id: string, draft: SessionDraft, zone: string, now: Date): Session {
  const times = schedule(draft.start, draft.end, zone);
  const at = now.toISOString();
  return {
    id,
    eventId,
    kind: 'session',
    title: requireTitle(localized(draft.title)),
    format: draft.format ? optionalText(localized(draft.format)) : null,
    description: localized(draft.description ?? {}),
    guidingQuestions: (draft.guidingQuestions ?? []).map(questionText),
    start: times.start,
    end: times.end,
    status: draft.status ?? 'scheduled',
    sequence: 0,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Applies a PATCH. Only real changes count: re-sending the current values
 * changes nothing. Any change moves `updatedAt` (LAST-MODIFIED); a change
 * the calendar shows (times, texts, or cancelling/reinstating) also bumps
 * `sequence`. Going live or ended is not shown in calendars, so it does not.
 */
export function applySessionPatch(current: Session, patch: SessionPatch, zone: string, now: Date): EditResult {
  const next: Session = { ...current };

  if (patch.start !== undefined || patch.end !== undefined) {
    const start = patch.start !== undefined ? toInstant(parseWallClock(patch.start, zone, 'start')) : current.start;
    const end = patch.end !== undefined ? toInstant(parseWallClock(patch.end, zone, 'end')) : current.end;
    if (Date.parse(end) <= Date.parse(start)) {
      throw new AppError('end_before_start', `The session must end after it starts (${patch.start ?? 'unchanged start'} → ${patch.end ?? 'unchanged end'}).`);
    }
    next.start = start;
    next.end = end;
  }
  if (patch.title !== undefined) next.title = requireTitle(localized(patch.title, current.title));
  if (patch.description !== undefined) next.description = localized(patch.description, current.description);
  if (patch.format !== undefined) next.format = patch.format === null ? null : optionalText(localized(patch.format, current.format ?? undefined));
  if (patch.guidingQuestions !== undefined) next.guidingQuestions = patch.guidingQuestions.map(questionText);
  if (patch.status !== undefined) next.status = patch.status;

  const changes: SessionChanges = {};
  for (const field of editableFields) {
    if (!same(current[field], next[field])) changes[field] = { before: current[field], after: next[field] };
  }
  const changed = Object.keys(changes).length > 0;
  const calendarChanged =
    calendarFields.some((f) => changes[f] !== undefined) || (current.status === 'cancelled') !== (next.status === 'cancelled');
  if (!changed) return { session: current, changes, changed, calendarChanged: false };
  next.updatedAt = now.toISOString();
  if (calendarChanged) next.sequence = current.sequence + 1;
  return { session: next, changes, changed, calendarChanged };
}

/** Cancelling keeps the session (feeds show STATUS:CANCELLED); cancelling twice changes nothing. */
export function cancelSession(current: Session, now: Date): EditResult {
  return applySessionPatch(current, { status: 'cancelled' }, '', now);
}

/** A readable id from the English title ("Youth employment" → "youth-employment"), unique among `taken`. */
export function sessionSlug(title: TextInput, taken: ReadonlySet<string>): string {
  const base =
    (title.en ?? '')
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 48)
      .replace(/-+$/, '') || 'session';
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** A {zh, en} text from what was given; a language not given keeps `fallback`'s text (a PATCH may send one language). */
function localized(input: TextInput, fallback?: Localized): Localized {
  return localizedText(input, fallback);
}

function requireTitle(title: Localized): Localized {
  if (!title.zh && !title.en) throw new AppError('invalid_body', 'A session needs a title in Chinese or English (or both).', { issues: [{ path: 'title', message: 'empty' }] });
  return title;
}

function optionalText(text: Localized): Localized | null {
  return text.zh || text.en ? text : null;
}

function questionText(input: TextInput): Localized {
  const text = localized(input);
  if (!text.zh && !text.en) throw new AppError('invalid_body', 'A guiding question needs a text in Chinese or English.', { issues: [{ path: 'guidingQuestions', message: 'empty' }] });
  return text;
}

function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

// Key order differs between documents read from the store and ones built here.
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
