import { AppError } from '../errors.ts';
import type { ConstituentGroup, Gender } from './participants.ts';
import type { StatementMeta } from './statements.ts';

/**
 * The speaker queue of one session: pure rules, no I/O. Every operation
 * takes the current state and returns the next one (with `version` + 1) or
 * throws a coded AppError; the realtime and HTTP edges persist and broadcast.
 *
 * ILO practice encoded here (ILC Standing Orders and plenary custom): in a
 * tripartite debate the floor rotates Government → Employers → Workers; each
 * member State has at most one speaker per group; a visiting Head of State or
 * Government speaks beyond that quota; nobody takes the floor twice except on
 * a right of reply; speeches are limited, five minutes by default (art. 14(6)).
 */

/**
 * A statement, a right of reply, or a point of order: a delegate's claim that
 * the rules are not being followed, heard before any waiting statement.
 */
export type EntryKind = 'statement' | 'reply' | 'point_of_order';
export type EntryStatus = 'waiting' | 'speaking' | 'done' | 'withdrawn';
export type QueueMode = 'order' | 'tripartite';

export interface Speaker {
  participantId: string;
  name: string;
  group: ConstituentGroup;
  country: string;
  gender: Gender | null;
  headOfState: boolean;
  panelist: boolean;
  /** The language the speaker will use (chosen when requesting the floor), for the interpreters. */
  language?: string;
}

export interface QueueEntry extends Speaker {
  id: string;
  kind: EntryKind;
  status: EntryStatus;
  requestedAt: string;
  /** The moderator who added this entry on the speaker's behalf. */
  addedBy: string | null;
  budgetMs: number | null;
  startedAt: string | null;
  endedAt: string | null;
  spokenMs: number | null;
  overrunMs: number | null;
  /** The statement the speaker attached for the interpreters (its bytes are stored apart). */
  statement?: StatementMeta;
}

export interface Floor {
  entryId: string;
  startedAt: string;
  budgetMs: number;
  /** Set while the moderator has paused the clock. */
  pausedAt: string | null;
  /** Time spent paused so far, not counted against the budget. */
  pausedMs: number;
}

export interface QueueRules {
  mode: QueueMode;
  /** Speaking time in ms; `default` applies unless a more specific budget does. */
  budgetsMs: { default: number; reply?: number; headOfState?: number; panelist?: number; pointOfOrder?: number };
  /**
   * Total speaking time per constituent group for the session (e.g. 30 minutes
   * each for government, employers and workers); groups without one are unbounded.
   */
  groupBudgetsMs?: Partial<Record<ConstituentGroup, number>>;
  /** Whether a delegate holding the floor may also send video (audio always). */
  delegateVideo?: boolean;
}

export interface QueueLogEntry {
  at: string;
  by: string | null;
  action: 'request' | 'withdraw' | 'add' | 'reorder' | 'give-floor' | 'override' | 'end-floor' | 'timer' | 'list' | 'statement' | 'language';
  entryId: string | null;
  detail: string | null;
}

export interface QueueState {
  eventId: string;
  sessionId: string;
  version: number;
  rules: QueueRules;
  entries: QueueEntry[];
  floor: Floor | null;
  /** The queue version at which the floor last changed hands (absent in queues stored before it existed). */
  floorVersion?: number;
  /** Whether new statements may be requested (absent: open). Replies and points of order are always accepted. */
  listOpen?: boolean;
  log: QueueLogEntry[];
}

export const defaultRules: QueueRules = { mode: 'order', budgetsMs: { default: 5 * 60_000 } };
export const warningBeforeEndMs = 60_000;
/**
 * A speaker replaced this soon after being given the floor has not really
 * spoken (two moderators acting at once, a mis-click): they go back to their
 * place in the queue instead of using up their one statement.
 */
export const cutShortMs = 3_000;
/** A point of order is brief by nature (two minutes unless the rules say otherwise). */
export const defaultPointOfOrderMs = 2 * 60_000;

export const isListOpen = (state: QueueState): boolean => state.listOpen !== false;
const tripartiteRotation: readonly ConstituentGroup[] = ['government', 'employers', 'workers'];

export function emptyQueue(eventId: string, sessionId: string, rules: QueueRules = defaultRules): QueueState {
  return { eventId, sessionId, version: 0, rules, entries: [], floor: null, log: [] };
}

const active = (e: QueueEntry): boolean => e.status === 'waiting' || e.status === 'speaking';

function next(state: QueueState, change: Partial<QueueState>, log?: QueueLogEntry | QueueLogEntry[]): QueueState {
  const logs = log === undefined ? [] : Array.isArray(log) ? log : [log];
  return { ...state, ...change, version: state.version + 1, log: [...state.log, ...logs] };
}

function findEntry(state: QueueState, entryId: string): QueueEntry {
  const entry = state.entries.find((e) => e.id === entryId);
  if (!entry) throw new AppError('not_found', `There is no queue entry "${entryId}".`);
  return entry;
}

/** Why this speaker may not be queued for this kind of intervention, or null. */
export function refusal(state: QueueState, speaker: Speaker, kind: EntryKind): AppError | null {
  const mine = state.entries.filter((e) => e.participantId === speaker.participantId);
  if (kind === 'point_of_order') {
    // Raised whatever else the delegate is waiting for, but one at a time.
    return mine.some((e) => active(e) && e.kind === 'point_of_order')
      ? new AppError('already_in_queue', `${speaker.name} has already raised a point of order.`)
      : null;
  }
  if (mine.some((e) => active(e) && e.kind !== 'point_of_order')) return new AppError('already_in_queue', `${speaker.name} is already in the speaker queue.`);
  if (kind === 'statement' && !isListOpen(state)) {
    return new AppError('list_closed', 'The list of speakers is closed; a right of reply or a point of order may still be requested.');
  }
  if (kind === 'statement' && mine.some((e) => e.kind === 'statement' && e.status === 'done')) {
    return new AppError('second_statement', `${speaker.name} has already made a statement; only a right of reply may be requested.`);
  }
  if (state.rules.mode === 'tripartite' && kind === 'statement' && !speaker.headOfState && tripartiteRotation.includes(speaker.group)) {
    const taken = state.entries.some(
      (e) =>
        e.participantId !== speaker.participantId &&
        e.kind === 'statement' &&
        !e.headOfState &&
        e.status !== 'withdrawn' &&
        e.group === speaker.group &&
        e.country === speaker.country,
    );
    if (taken) {
      return new AppError('group_quota', `${speaker.country} already has a ${speaker.group} speaker in this debate (one per group per State).`);
    }
  }
  return null;
}

export interface RequestInput {
  entryId: string;
  speaker: Speaker;
  kind: EntryKind;
  now: Date;
  /** The moderator adding the entry on the speaker's behalf, if any. */
  addedBy?: string;
}

export function requestFloor(state: QueueState, input: RequestInput): QueueState {
  const refused = refusal(state, input.speaker, input.kind);
  if (refused) throw refused;
  const at = input.now.toISOString();
  const entry: QueueEntry = {
    ...input.speaker,
    id: input.entryId,
    kind: input.kind,
    status: 'waiting',
    requestedAt: at,
    addedBy: input.addedBy ?? null,
    budgetMs: null,
    startedAt: null,
    endedAt: null,
    spokenMs: null,
    overrunMs: null,
  };
  // A point of order goes ahead of every waiting statement, behind earlier points of order.
  const ahead = input.kind === 'point_of_order' ? state.entries.findIndex((e) => e.status === 'waiting' && e.kind !== 'point_of_order') : -1;
  const entries = ahead < 0 ? [...state.entries, entry] : [...state.entries.slice(0, ahead), entry, ...state.entries.slice(ahead)];
  return next(
    state,
    { entries },
    { at, by: input.addedBy ?? input.speaker.participantId, action: input.addedBy ? 'add' : 'request', entryId: entry.id, detail: input.kind },
  );
}

export function withdraw(state: QueueState, participantId: string, now: Date): QueueState {
  const entry = state.entries.find((e) => e.participantId === participantId && e.status === 'waiting');
  if (!entry) {
    const speaking = state.entries.some((e) => e.participantId === participantId && e.status === 'speaking');
    throw new AppError(speaking ? 'conflict' : 'not_found', speaking ? 'You have the floor; the moderator ends it.' : 'You are not waiting in the queue.');
  }
  return next(
    state,
    { entries: state.entries.map((e) => (e.id === entry.id ? { ...e, status: 'withdrawn' } : e)) },
    { at: now.toISOString(), by: participantId, action: 'withdraw', entryId: entry.id, detail: null },
  );
}

/**
 * A speaker attaches (or replaces) the statement of their own entry while
 * it is waiting or speaking.
 */
export function attachStatement(state: QueueState, entryId: string, participantId: string, statement: StatementMeta, now: Date): QueueState {
  const entry = findEntry(state, entryId);
  if (entry.participantId !== participantId) throw new AppError('forbidden', 'Only the speaker may attach a statement to their queue entry.');
  if (!active(entry)) throw new AppError('conflict', 'This queue entry is over; request the floor again.');
  return next(
    state,
    { entries: state.entries.map((e) => (e.id === entryId ? { ...e, statement } : e)) },
    { at: now.toISOString(), by: participantId, action: 'statement', entryId, detail: `${statement.type} ${statement.bytes}B` },
  );
}

/**
 * The language a speaker will use (for the interpreters), set by a
 * moderator on a waiting or speaking entry; null clears it.
 */
export function setEntryLanguage(state: QueueState, entryId: string, language: string | null, by: string | null, now: Date): QueueState {
  const entry = findEntry(state, entryId);
  if (!active(entry)) throw new AppError('conflict', `${entry.name} is no longer waiting or speaking.`);
  if ((entry.language ?? null) === language) return state;
  const entries = state.entries.map((e) => {
    if (e.id !== entryId) return e;
    const { language: _old, ...rest } = e;
    return language ? { ...rest, language } : rest;
  });
  return next(state, { entries }, { at: now.toISOString(), by, action: 'language', entryId, detail: language });
}

/** The moderator's new order of the waiting entries: exactly those ids, each once. */
export function reorder(state: QueueState, entryIds: readonly string[], by: string | null, now: Date): QueueState {
  const waiting = state.entries.filter((e) => e.status === 'waiting');
  const waitingIds = new Set(waiting.map((e) => e.id));
  if (entryIds.length !== waiting.length || new Set(entryIds).size !== entryIds.length || !entryIds.every((id) => waitingIds.has(id))) {
    throw new AppError('invalid_order', 'A new order must list every waiting entry exactly once (the queue may have changed: reload it).');
  }
  const byId = new Map(waiting.map((e) => [e.id, e]));
  const reordered = entryIds.map((id) => byId.get(id) as QueueEntry);
  // Entries that are not waiting keep their places; waiting slots are refilled in the new order.
  let i = 0;
  const entries = state.entries.map((e) => (e.status === 'waiting' ? (reordered[i++] as QueueEntry) : e));
  return next(state, { entries }, { at: now.toISOString(), by, action: 'reorder', entryId: null, detail: entryIds.join(',') });
}

/**
 * The entry the rules propose to speak next. In tripartite mode the group
 * after the last tripartite statement's group leads, then the others in
 * rotation; other actors and rights of reply come after the rotation.
 */
export function proposeNext(state: QueueState): QueueEntry | null {
  const waiting = state.entries.filter((e) => e.status === 'waiting');
  if (waiting.length === 0) return null;
  const pointOfOrder = waiting.find((e) => e.kind === 'point_of_order');
  if (pointOfOrder) return pointOfOrder;
  if (state.rules.mode === 'order') return waiting[0] ?? null;

  // A group that has used up its time is passed over while others have time left.
  const left = new Map(groupTime(state, null).map((g) => [g.group, g.leftMs]));
  const hasTime = (e: QueueEntry): boolean => (left.get(e.group) ?? 1) > 0;
  const statements = waiting.filter((e) => e.kind === 'statement');
  const spoken = state.entries
    .filter((e) => e.kind === 'statement' && e.startedAt && tripartiteRotation.includes(e.group))
    .sort((a, b) => Date.parse(a.startedAt ?? '') - Date.parse(b.startedAt ?? ''));
  const lastGroup = spoken.at(-1)?.group;
  const start = lastGroup ? (tripartiteRotation.indexOf(lastGroup) + 1) % tripartiteRotation.length : 0;
  for (const withTime of [true, false]) {
    for (let k = 0; k < tripartiteRotation.length; k++) {
      const group = tripartiteRotation[(start + k) % tripartiteRotation.length];
      const candidate = statements.find((e) => e.group === group && hasTime(e) === withTime);
      if (candidate) return candidate;
    }
  }
  return statements[0] ?? waiting[0] ?? null;
}

export interface GroupTime {
  group: ConstituentGroup;
  budgetMs: number;
  usedMs: number;
  /** Negative once the group has overrun its budget. */
  leftMs: number;
  overrunMs: number;
}

/**
 * Speaking time used and left by each group that has a budget: finished
 * statements and replies, plus the floor holder's time so far. Points of
 * order are procedure, not a group's time. Without `now`, only finished
 * speeches count (what the proposal is decided on).
 */
export function groupTime(state: QueueState, now: Date | null): GroupTime[] {
  const budgets = state.rules.groupBudgetsMs ?? {};
  const floor = state.floor;
  const result: GroupTime[] = [];
  for (const [group, budgetMs] of Object.entries(budgets) as [ConstituentGroup, number][]) {
    let usedMs = 0;
    for (const e of state.entries) {
      if (e.group !== group || e.kind === 'point_of_order') continue;
      if (e.status === 'done') usedMs += e.spokenMs ?? 0;
      else if (now && e.status === 'speaking' && floor?.entryId === e.id) usedMs += elapsedMs(floor, now);
    }
    result.push({ group, budgetMs, usedMs, leftMs: budgetMs - usedMs, overrunMs: Math.max(0, usedMs - budgetMs) });
  }
  return result;
}

/** The moderator opens or closes the list of speakers (closed: no new statements). */
export function setListOpen(state: QueueState, open: boolean, by: string | null, now: Date): QueueState {
  if (isListOpen(state) === open) return state;
  return next(state, { listOpen: open }, { at: now.toISOString(), by, action: 'list', entryId: null, detail: open ? 'open' : 'closed' });
}

export function budgetFor(rules: QueueRules, entry: QueueEntry): number {
  const b = rules.budgetsMs;
  if (entry.kind === 'point_of_order') return b.pointOfOrder ?? defaultPointOfOrderMs;
  if (entry.kind === 'reply' && b.reply !== undefined) return b.reply;
  if (entry.headOfState && b.headOfState !== undefined) return b.headOfState;
  if (entry.panelist && b.panelist !== undefined) return b.panelist;
  return b.default;
}

export function elapsedMs(floor: Floor, now: Date): number {
  const until = floor.pausedAt ? Date.parse(floor.pausedAt) : now.getTime();
  return Math.max(0, until - Date.parse(floor.startedAt) - floor.pausedMs);
}

/** Remaining speaking time; negative once the speaker runs over. */
export function remainingMs(floor: Floor, now: Date): number {
  return floor.budgetMs - elapsedMs(floor, now);
}

export function endFloor(state: QueueState, by: string | null, now: Date): QueueState {
  const floor = state.floor;
  if (!floor) throw new AppError('conflict', 'Nobody has the floor.');
  const spoken = elapsedMs(floor, now);
  const at = now.toISOString();
  const entries = state.entries.map((e) =>
    e.id === floor.entryId
      ? { ...e, status: 'done' as const, endedAt: at, spokenMs: spoken, overrunMs: Math.max(0, spoken - floor.budgetMs) }
      : e,
  );
  return next(state, { entries, floor: null, floorVersion: state.version + 1 }, { at, by, action: 'end-floor', entryId: floor.entryId, detail: `${spoken}ms` });
}

/** Ends the current floor because someone else is given it: a speaker cut short goes back to waiting. */
function replaceFloor(state: QueueState, by: string | null, now: Date): QueueState {
  const floor = state.floor;
  if (!floor) return state;
  const spoken = elapsedMs(floor, now);
  if (spoken >= cutShortMs) return endFloor(state, by, now);
  const entries = state.entries.map((e) =>
    e.id === floor.entryId ? { ...e, status: 'waiting' as const, startedAt: null, budgetMs: null } : e,
  );
  return next(state, { entries, floor: null }, { at: now.toISOString(), by, action: 'end-floor', entryId: floor.entryId, detail: `cut short after ${spoken}ms; back to waiting` });
}

export interface GiveFloorOptions {
  /**
   * The queue version the moderator decided on. If the floor changed hands
   * after it (another moderator acted meanwhile), the give-floor is refused
   * with `floor_changed` rather than silently replacing that decision.
   */
  seenVersion?: number | undefined;
}

/**
 * Gives the floor to a waiting entry. Whoever is speaking is ended first.
 * Choosing someone other than the rules' proposal is allowed and logged.
 */
export function giveFloor(state: QueueState, entryId: string, by: string | null, now: Date, options: GiveFloorOptions = {}): QueueState {
  if (options.seenVersion !== undefined && (state.floorVersion ?? 0) > options.seenVersion) {
    throw new AppError('floor_changed', 'Someone else changed the floor meanwhile; look at the queue again.');
  }
  const entry = findEntry(state, entryId);
  if (entry.status !== 'waiting') throw new AppError('conflict', `${entry.name} is not waiting for the floor.`);
  const proposal = proposeNext(state);
  let current = replaceFloor(state, by, now);
  const at = now.toISOString();
  const budgetMs = budgetFor(state.rules, entry);
  const logs: QueueLogEntry[] = [];
  if (proposal && proposal.id !== entry.id) {
    logs.push({ at, by, action: 'override', entryId: entry.id, detail: `proposed ${proposal.id} (${proposal.group}), chose ${entry.id} (${entry.group})` });
  }
  logs.push({ at, by, action: 'give-floor', entryId: entry.id, detail: null });
  current = {
    ...current,
    entries: current.entries.map((e) => (e.id === entry.id ? { ...e, status: 'speaking' as const, startedAt: at, budgetMs } : e)),
    floor: { entryId: entry.id, startedAt: at, budgetMs, pausedAt: null, pausedMs: 0 },
    floorVersion: state.version + 1,
  };
  return next({ ...current, version: state.version }, {}, logs);
}

export type TimerAction = { action: 'pause' } | { action: 'resume' } | { action: 'add'; ms: number };

export function controlTimer(state: QueueState, control: TimerAction, by: string | null, now: Date): QueueState {
  const floor = state.floor;
  if (!floor) throw new AppError('conflict', 'Nobody has the floor.');
  const at = now.toISOString();
  let updated: Floor;
  switch (control.action) {
    case 'pause':
      if (floor.pausedAt) return state;
      updated = { ...floor, pausedAt: at };
      break;
    case 'resume':
      if (!floor.pausedAt) return state;
      updated = { ...floor, pausedAt: null, pausedMs: floor.pausedMs + (now.getTime() - Date.parse(floor.pausedAt)) };
      break;
    case 'add':
      updated = { ...floor, budgetMs: Math.max(0, floor.budgetMs + control.ms) };
      break;
  }
  const entries = state.entries.map((e) => (e.id === floor.entryId ? { ...e, budgetMs: updated.budgetMs } : e));
  return next(state, { floor: updated, entries }, { at, by, action: 'timer', entryId: floor.entryId, detail: control.action === 'add' ? `add ${control.ms}ms` : control.action });
}

export function setRules(state: QueueState, rules: QueueRules): QueueState {
  return next(state, { rules });
}

/** The participant's place among the waiting entries (1-based), or null. */
export function positionOf(state: QueueState, participantId: string): number | null {
  const waiting = state.entries.filter((e) => e.status === 'waiting');
  const index = waiting.findIndex((e) => e.participantId === participantId);
  return index < 0 ? null : index + 1;
}
