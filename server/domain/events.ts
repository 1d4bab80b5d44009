import { AppError } from '../errors.ts';
import type { ConstituentGroup, ParticipantStatus } from './participants.ts';
import { constituentGroups, initialStatus } from './participants.ts';
import type { ForumEvent, Localized, Session } from './programme.ts';
import { localizedText, type TextInput } from './session-editing.ts';
import { parseTimeZone } from './zones.ts';

/**
 * Organisers' events, without I/O: what an event offers (UI and
 * interpretation languages), who may register and how (per constituent
 * group), whether its webcast is public, and whether it is archived.
 *
 * Events from before these settings existed (the seed) carry none of them;
 * `eventSettings` gives their defaults, which are today's behaviour:
 * registration open, the four constituent groups admitted at once and
 * `other` waiting for approval, Chinese and English, webcast for signed-in
 * participants only.
 */

/** The six official UN languages a UI may be offered in (the catalogs decide which are translated). */
export const uiLanguageCodes = ['ar', 'zh', 'en', 'fr', 'ru', 'es'] as const;
export type UiLanguageCode = (typeof uiLanguageCodes)[number];

/** How a constituent group's registrations are taken: approved at once, waiting for an organiser, or refused. */
export type Admission = 'automatic' | 'approval' | 'closed';
export const admissions: readonly Admission[] = ['automatic', 'approval', 'closed'];

export interface EventSettings {
  languages: { ui: UiLanguageCode[]; interpretation: string[] };
  registration: { open: boolean; admission: Record<ConstituentGroup, Admission> };
  webcast: { public: boolean };
  archived: boolean;
}

/** A stored event with its settings (optional on events made before they existed). */
export type ManagedEvent = ForumEvent & Partial<EventSettings> & { createdBy?: { kind: string; id: string | null; name: string | null } };

export function defaultAdmission(): Record<ConstituentGroup, Admission> {
  return Object.fromEntries(constituentGroups.map((g) => [g, initialStatus(g) === 'approved' ? 'automatic' : 'approval'])) as Record<ConstituentGroup, Admission>;
}

export function eventSettings(event: ManagedEvent): EventSettings {
  return {
    languages: { ui: event.languages?.ui ?? ['zh', 'en'], interpretation: event.languages?.interpretation ?? [] },
    registration: { open: event.registration?.open ?? true, admission: { ...defaultAdmission(), ...event.registration?.admission } },
    webcast: { public: event.webcast?.public ?? false },
    archived: event.archived ?? false,
  };
}

export interface EventDraft {
  id: string;
  title: TextInput;
  description?: TextInput | undefined;
  organizer?: TextInput | undefined;
  zone: string;
  languages?: { ui?: UiLanguageCode[] | undefined; interpretation?: string[] | undefined } | undefined;
  registration?: { open?: boolean | undefined; admission?: Partial<Record<ConstituentGroup, Admission>> | undefined } | undefined;
  webcast?: { public?: boolean | undefined } | undefined;
}

export type EventPatch = Partial<Omit<EventDraft, 'id'>> & { archived?: boolean | undefined };

export function newEvent(draft: EventDraft, now: Date): ManagedEvent {
  const at = now.toISOString();
  const base: ManagedEvent = {
    id: draft.id,
    zone: parseTimeZone(draft.zone),
    title: requireTitle(localized(draft.title)),
    organizer: localized(draft.organizer ?? {}),
    description: localized(draft.description ?? {}),
    createdAt: at,
    updatedAt: at,
  };
  const settings = applySettings(eventSettings(base), draft);
  return { ...base, ...settings };
}

export interface EventEditResult {
  event: ManagedEvent;
  changed: boolean;
  changes: Record<string, { before: unknown; after: unknown }>;
}

/**
 * Applies a PATCH. Changing the zone keeps every session's instants (the
 * meeting happens at the same moment; its wall clocks are now read in the
 * new zone): a session is stored as instants, never as wall clocks.
 */
export function applyEventPatch(current: ManagedEvent, patch: EventPatch, now: Date): EventEditResult {
  const next: ManagedEvent = { ...current };
  if (patch.zone !== undefined) next.zone = parseTimeZone(patch.zone);
  if (patch.title !== undefined) next.title = requireTitle(localized(patch.title, current.title));
  if (patch.description !== undefined) next.description = localized(patch.description, current.description);
  if (patch.organizer !== undefined) next.organizer = localized(patch.organizer, current.organizer);
  Object.assign(next, applySettings(eventSettings(current), patch));
  if (patch.archived !== undefined) next.archived = patch.archived;

  const changes: EventEditResult['changes'] = {};
  for (const field of ['zone', 'title', 'description', 'organizer', 'languages', 'registration', 'webcast', 'archived'] as const) {
    const before = field in current ? current[field] : eventSettings(current)[field as keyof EventSettings];
    if (canonical(before) !== canonical(next[field])) changes[field] = { before, after: next[field] };
  }
  const changed = Object.keys(changes).length > 0;
  if (!changed) return { event: current, changed, changes };
  next.updatedAt = now.toISOString();
  return { event: next, changed, changes };
}

function applySettings(current: EventSettings, input: Pick<EventDraft, 'languages' | 'registration' | 'webcast'>): EventSettings {
  const ui = input.languages?.ui ?? current.languages.ui;
  if (ui.length === 0) throw invalid('languages.ui', 'An event needs at least one UI language.');
  return {
    languages: {
      ui: [...new Set(ui)],
      interpretation: [...new Set(input.languages?.interpretation ?? current.languages.interpretation)],
    },
    registration: {
      open: input.registration?.open ?? current.registration.open,
      admission: { ...current.registration.admission, ...stripUndefined(input.registration?.admission ?? {}) },
    },
    webcast: { public: input.webcast?.public ?? current.webcast.public },
    archived: current.archived,
  };
}

/**
 * How a registration in `group` is taken: refused (`registration_closed`)
 * when the event's registration is closed or closed to that group, else
 * the status it starts with.
 */
export function admit(event: ManagedEvent, group: ConstituentGroup): ParticipantStatus {
  const settings = eventSettings(event);
  if (!settings.registration.open) throw new AppError('registration_closed', 'Registration for this event is closed.');
  const rule = settings.registration.admission[group];
  if (rule === 'closed') throw new AppError('registration_closed', 'Registration for this event is closed to your constituent group.');
  return rule === 'automatic' ? 'approved' : 'pending';
}

export type EventPhase = 'upcoming' | 'live' | 'past';

/** Where an event stands at `now`: live while a session is open or under way, past once every session has ended. */
export function eventPhase(sessions: readonly Session[], now: Date): EventPhase {
  const held = sessions.filter((s) => s.status !== 'cancelled');
  if (held.length === 0) return 'upcoming';
  const t = now.getTime();
  if (held.some((s) => s.status === 'live' || (s.status === 'scheduled' && Date.parse(s.start) <= t && t < Date.parse(s.end)))) return 'live';
  if (held.every((s) => s.status === 'ended' || Date.parse(s.end) <= t)) return 'past';
  if (held.some((s) => s.status === 'ended' || Date.parse(s.start) <= t)) return 'live'; // between two days of one event
  return 'upcoming';
}

/** First start and last end of the sessions held (cancelled ones left out), or null without any. */
export function eventSpan(sessions: readonly Session[]): { start: string; end: string } | null {
  const held = sessions.filter((s) => s.status !== 'cancelled');
  if (held.length === 0) return null;
  const start = held.reduce((a, s) => (Date.parse(s.start) < Date.parse(a) ? s.start : a), held[0]!.start);
  const end = held.reduce((a, s) => (Date.parse(s.end) > Date.parse(a) ? s.end : a), held[0]!.end);
  return { start, end };
}

/** Deleting erases the event, so only an event without sessions may go (one with sessions is archived instead). */
export function assertDeletable(sessions: readonly Session[]): void {
  if (sessions.length > 0) {
    throw new AppError('event_has_sessions', `This event has ${sessions.length} session(s) (cancelled ones included): archive it instead of deleting it.`);
  }
}

function localized(input: TextInput, fallback?: Localized): Localized {
  return localizedText(input, fallback);
}

function requireTitle(title: Localized): Localized {
  if (!title.zh && !title.en) throw invalid('title', 'An event needs a title in Chinese or English (or both).');
  return title;
}

function invalid(path: string, message: string): AppError {
  return new AppError('invalid_body', message, { issues: [{ path, message }] });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function canonical(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}
