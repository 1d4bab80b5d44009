import { AppError } from '../errors.ts';
import type { Participant } from './participants.ts';

/**
 * Interpretation booths (issue 13). Per session and language, the
 * interpreters assigned to that language form a booth; at most one of them
 * is live (publishes the channel) at a time. Partners take over by handover:
 * the live one hands the booth on (a partner may ask first), so the channel
 * never has two voices or none for longer than the switch. A booth works
 * from the floor or, for relay, from another booth's channel. Pure rules:
 * the service (services/booth-service.ts) reads, decides here, and writes
 * with compare-and-set.
 */

/** The floor, or another booth's language (relay through a pivot language). */
export type BoothSource = 'floor' | string;

export interface Booth {
  language: string;
  /** The participant publishing the channel now, if any. */
  live: string | null;
  /** When `live` last changed. */
  since: string | null;
  source: BoothSource;
  /** A partner who asked to take over (the live one accepts by handing over). */
  requestedBy: string | null;
}

/** A session's booths, one stored document, versioned. */
export interface SessionBooths {
  eventId: string;
  sessionId: string;
  version: number;
  booths: Booth[];
}

export interface BoothInterpreter {
  participantId: string;
  name: string;
}

export interface BoothView {
  language: string;
  live: string | null;
  /** The live interpreter's name (null when idle). */
  liveName: string | null;
  interpreters: BoothInterpreter[];
  source: BoothSource;
  requestedBy: string | null;
}

/** Who holds the booth's channel changed: the media layer follows (services close the previous interpreter's producer). */
export interface LiveChange {
  language: string;
  was: string | null;
  now: string | null;
}

export function emptyBooths(eventId: string, sessionId: string): SessionBooths {
  return { eventId, sessionId, version: 0, booths: [] };
}

function idleBooth(language: string): Booth {
  return { language, live: null, since: null, source: 'floor', requestedBy: null };
}

export function boothOf(state: SessionBooths, language: string): Booth {
  return state.booths.find((b) => b.language === language) ?? idleBooth(language);
}

/** The interpreters of a session's booth for `language`, from their roles. */
export function boothInterpreters(participants: readonly Participant[], sessionId: string, language: string): BoothInterpreter[] {
  return participants
    .filter((p) => p.status === 'approved' && p.roles.some((r) => r.sessionId === sessionId && r.role === 'interpreter' && r.language === language))
    .map((p) => ({ participantId: p.id, name: p.name }));
}

export function isBoothInterpreter(p: Participant, sessionId: string, language: string): boolean {
  return p.roles.some((r) => r.sessionId === sessionId && r.role === 'interpreter' && r.language === language);
}

function put(state: SessionBooths, booth: Booth): SessionBooths {
  const others = state.booths.filter((b) => b.language !== booth.language);
  return { ...state, version: state.version + 1, booths: [...others, booth].sort((a, b) => a.language.localeCompare(b.language)) };
}

export interface Outcome {
  state: SessionBooths;
  /** Null when nothing changed (a repeated claim by the live interpreter). */
  change: LiveChange | null;
  changed: boolean;
}

const unchanged = (state: SessionBooths): Outcome => ({ state, change: null, changed: false });

/**
 * An interpreter of the booth takes it. Idle (nobody live, or the live one
 * is no longer in the session: `present` says who is): theirs. Already
 * theirs: nothing changes. Someone else live: refused with booth_taken.
 */
export function claim(state: SessionBooths, language: string, participantId: string, present: (participantId: string) => boolean, now: Date): Outcome {
  const booth = boothOf(state, language);
  if (booth.live === participantId) return unchanged(state);
  if (booth.live && present(booth.live)) {
    throw new AppError('booth_taken', 'Your partner is live in this booth: ask them to hand over.');
  }
  const next: Booth = { ...booth, live: participantId, since: now.toISOString(), requestedBy: null };
  return { state: put(state, next), change: { language, was: booth.live, now: participantId }, changed: true };
}

/**
 * booth:handover { to }. The live interpreter (or a moderator, `override`)
 * hands the booth to a partner, or releases it (`to` null). A partner who is
 * not live may ask for it (`to` = themselves): recorded as `requestedBy`, the
 * live one accepts by handing over.
 */
export function handover(
  state: SessionBooths,
  language: string,
  by: string | null,
  to: string | null,
  isInterpreter: (participantId: string) => boolean,
  override: boolean,
  now: Date,
): Outcome {
  const booth = boothOf(state, language);
  if (to !== null && !isInterpreter(to)) throw new AppError('not_booth_partner', 'Hand over to an interpreter of this booth.');
  if (!override && by !== booth.live) {
    if (by !== null && to === by) {
      if (booth.live === null) throw new AppError('booth_idle', 'Nobody is live in this booth: take it (booth:claim).');
      if (booth.requestedBy === by) return unchanged(state);
      return { state: put(state, { ...booth, requestedBy: by }), change: null, changed: true };
    }
    throw new AppError('not_booth_live', 'Only the interpreter live in this booth may hand it over.');
  }
  if (to === booth.live) return unchanged(state);
  const next: Booth = { ...booth, live: to, since: now.toISOString(), requestedBy: null };
  return { state: put(state, next), change: { language, was: booth.live, now: to }, changed: true };
}

/** booth:source: the floor, or another booth's channel (relay); never the booth's own. */
export function setSource(state: SessionBooths, language: string, source: BoothSource, booths: readonly string[]): Outcome {
  if (source === language) throw new AppError('invalid_relay', 'A booth cannot relay its own channel: choose the floor or another language.');
  if (source !== 'floor' && !booths.includes(source)) throw new AppError('invalid_relay', 'There is no booth for that language in this session to relay from.');
  const booth = boothOf(state, language);
  if (booth.source === source) return unchanged(state);
  return { state: put(state, { ...booth, source }), change: null, changed: true };
}

/** The booths as the room sees them: every language with interpreters or state, its partners by name. */
export function boothViews(state: SessionBooths, participants: readonly Participant[]): BoothView[] {
  const languages = new Set(state.booths.map((b) => b.language));
  for (const p of participants) {
    for (const r of p.roles) if (r.sessionId === state.sessionId && r.role === 'interpreter' && r.language) languages.add(r.language);
  }
  return [...languages].sort().map((language) => {
    const booth = boothOf(state, language);
    const interpreters = boothInterpreters(participants, state.sessionId, language);
    const liveName = booth.live ? (interpreters.find((i) => i.participantId === booth.live)?.name ?? participants.find((p) => p.id === booth.live)?.name ?? null) : null;
    return { language, live: booth.live, liveName, interpreters, source: booth.source, requestedBy: booth.requestedBy };
  });
}
