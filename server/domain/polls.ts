import { AppError } from '../errors.ts';
import type { ConstituentGroup } from './participants.ts';

/**
 * Polls and votes of one session: pure rules, no I/O.
 *
 * Life: a moderator creates a poll (draft, seen by moderators only), opens
 * it (delegates see it and vote), closes it (results are final and frozen
 * in the poll; nothing changes them afterwards).
 *
 * Who votes (ILO Constitution art. 4: each delegate votes individually):
 * an approved participant of the event whose constituent group is one of
 * the poll's `eligibleGroups`, by default the three tripartite groups
 * (government, employers, workers). Observers of international
 * organisations and `other` participants do not vote unless the moderator
 * opens the poll to every group (`eligibleGroups: all groups`, e.g. for an
 * opinion poll). Roles do not matter: a moderator or organiser votes only
 * when they are themselves a delegate of an eligible group; the organiser
 * token, which is nobody, never votes.
 *
 * One ballot per voter: a second vote replaces the first (the ack says
 * `replaced: true`); the tally subtracts the old choice and adds the new
 * one in the same atomic write, so nobody is ever counted twice.
 *
 * Results: `total` (ballots cast, abstentions included), `byChoice`
 * (selections per option: in a `multiple` poll one ballot may select
 * several), and `byGroup` with the same two numbers for each constituent
 * group. While a poll is open its results are shown only when the
 * moderator chose `liveResults`, and never by choice for a secret poll
 * (each change of a live secret tally would tell an onlooker what the
 * delegate who just pressed the button chose): open secret polls show the
 * turnout only.
 *
 * Quorum (`quorum`):
 * - `none` (default): every poll is valid.
 * - `ilo` (ILO Constitution art. 17(3)): the vote is void unless the
 *   ballots cast (abstentions included) reach half of the delegates
 *   present, i.e. `2 * total >= present`. "Present" is decided at close:
 *   the delegates entitled to vote in this poll who are joined to the
 *   session at that moment (on any server process), and never fewer than
 *   the ballots cast (a delegate who voted and then left was there).
 *
 * Secrecy (see services/poll-service.ts for how ballots are stored): a
 * secret poll's views, snapshots, broadcasts and CSV carry only counts; a
 * named poll lists each voter with their choice.
 */

export type PollKind = 'yes_no_abstain' | 'single' | 'multiple';
export const pollKinds: readonly PollKind[] = ['yes_no_abstain', 'single', 'multiple'];
export type PollStatus = 'draft' | 'open' | 'closed';
export type QuorumRule = 'none' | 'ilo';
export type VoteGroup = ConstituentGroup;
/** Every group appears in `byGroup`, in this order, even with no ballot. */
export const voteGroups: readonly VoteGroup[] = ['government', 'employers', 'workers', 'international_organization', 'other'];
export const tripartiteGroups: readonly VoteGroup[] = ['government', 'employers', 'workers'];
export const maxPollQuestionLength = 500;
export const maxOptionLength = 200;
export const maxOptions = 20;

export interface PollOption {
  id: string;
  label: string;
}

export interface ChoiceTally {
  /** Ballots (abstentions included). */
  total: number;
  /** Selections per option id. */
  byChoice: Record<string, number>;
}

export interface Tally extends ChoiceTally {
  byGroup: Record<VoteGroup, ChoiceTally>;
}

export interface QuorumOutcome {
  rule: QuorumRule;
  /** Delegates present at close (null while open or without a rule). */
  present: number | null;
  /** Ballots needed for a valid vote. */
  required: number | null;
  met: boolean | null;
}

export interface PollResults extends Tally {
  quorum: QuorumOutcome;
  /** False when the quorum rule voids the vote; null until closed. */
  valid: boolean | null;
  final: boolean;
}

/** A named poll's roll: who voted what. Never kept for a secret poll. */
export interface RollEntry {
  participantId: string;
  name: string;
  group: VoteGroup;
  country: string;
  choice: string[];
  at: string;
}

export interface Poll {
  id: string;
  eventId: string;
  sessionId: string;
  question: string;
  kind: PollKind;
  options: PollOption[];
  secret: boolean;
  quorum: QuorumRule;
  /** Show results while the poll is open (counts only, for a secret poll). */
  liveResults: boolean;
  eligibleGroups: VoteGroup[];
  status: PollStatus;
  tally: Tally;
  /** Named polls only: one entry per voter, in order of their latest vote. */
  roll: RollEntry[];
  /** Set at close. */
  present: number | null;
  createdBy: { id: string | null; name: string };
  createdAt: string;
  openedAt: string | null;
  closedAt: string | null;
  /** +1 on every change (votes included); clients keep the highest. */
  version: number;
}

export interface PollDraftInput {
  question: string;
  kind: PollKind;
  options?: readonly string[] | undefined;
  secret?: boolean | undefined;
  quorum?: QuorumRule | undefined;
  liveResults?: boolean | undefined;
  eligibleGroups?: readonly VoteGroup[] | undefined;
}

export interface Voter {
  participantId: string;
  name: string;
  group: VoteGroup;
  country: string;
}

function normalizeText(text: string, max: number, what: string): string {
  const trimmed = text.replace(/\s+/g, ' ').trim();
  if (!trimmed) throw new AppError('invalid_poll', `${what} cannot be empty.`);
  if ([...trimmed].length > max) throw new AppError('invalid_poll', `${what} can be at most ${max} characters long.`);
  return trimmed;
}

export function emptyTally(options: readonly PollOption[]): Tally {
  const choices = (): Record<string, number> => Object.fromEntries(options.map((o) => [o.id, 0]));
  return {
    total: 0,
    byChoice: choices(),
    byGroup: Object.fromEntries(voteGroups.map((g) => [g, { total: 0, byChoice: choices() }])) as Record<VoteGroup, ChoiceTally>,
  };
}

const yesNoAbstain: readonly PollOption[] = [
  { id: 'yes', label: 'yes' },
  { id: 'no', label: 'no' },
  { id: 'abstain', label: 'abstain' },
];

/** A new poll in draft, or a coded refusal (`invalid_poll`). */
export function createPoll(
  input: PollDraftInput,
  meta: { id: string; eventId: string; sessionId: string; createdBy: { id: string | null; name: string }; now: Date },
): Poll {
  const question = normalizeText(input.question, maxPollQuestionLength, 'A poll question');
  let options: PollOption[];
  if (input.kind === 'yes_no_abstain') {
    if (input.options && input.options.length > 0) throw new AppError('invalid_poll', 'A yes/no/abstain poll has its own options.');
    options = yesNoAbstain.map((o) => ({ ...o }));
  } else {
    const labels = (input.options ?? []).map((o) => normalizeText(o, maxOptionLength, 'An option'));
    if (labels.length < 2) throw new AppError('invalid_poll', 'A poll needs at least two options.');
    if (labels.length > maxOptions) throw new AppError('invalid_poll', `A poll can have at most ${maxOptions} options.`);
    if (new Set(labels.map((l) => l.toLowerCase())).size !== labels.length) throw new AppError('invalid_poll', 'Two options are the same.');
    options = labels.map((label, i) => ({ id: `o${i + 1}`, label }));
  }
  const eligibleGroups = input.eligibleGroups && input.eligibleGroups.length > 0 ? voteGroups.filter((g) => input.eligibleGroups?.includes(g)) : [...tripartiteGroups];
  return {
    id: meta.id,
    eventId: meta.eventId,
    sessionId: meta.sessionId,
    question,
    kind: input.kind,
    options,
    secret: input.secret ?? false,
    quorum: input.quorum ?? 'none',
    liveResults: input.liveResults ?? false,
    eligibleGroups,
    status: 'draft',
    tally: emptyTally(options),
    roll: [],
    present: null,
    createdBy: meta.createdBy,
    createdAt: meta.now.toISOString(),
    openedAt: null,
    closedAt: null,
    version: 1,
  };
}

export function openPoll(poll: Poll, now: Date): Poll {
  if (poll.status === 'open') return poll;
  if (poll.status !== 'draft') throw new AppError('poll_closed', 'This poll is closed; create a new one to vote again.');
  return { ...poll, status: 'open', openedAt: now.toISOString(), version: poll.version + 1 };
}

/** Closes and freezes the results; `present` is the delegates present now (see the quorum rule). */
export function closePoll(poll: Poll, present: number, now: Date): Poll {
  if (poll.status === 'closed') return poll;
  if (poll.status === 'draft') throw new AppError('poll_not_open', 'Open the poll before closing it.');
  return { ...poll, status: 'closed', closedAt: now.toISOString(), present: Math.max(present, poll.tally.total), version: poll.version + 1 };
}

/** Whether this participant may vote in this poll (not whether it is open). */
export function eligible(poll: Pick<Poll, 'eligibleGroups'>, group: VoteGroup): boolean {
  return poll.eligibleGroups.includes(group);
}

/** The choice as option ids, checked against the poll's kind; a coded refusal (`invalid_choice`) otherwise. */
export function normalizeChoice(poll: Pick<Poll, 'kind' | 'options'>, choice: string | readonly string[]): string[] {
  const ids = typeof choice === 'string' ? [choice] : [...choice];
  const known = new Set(poll.options.map((o) => o.id));
  if (ids.length === 0) throw new AppError('invalid_choice', 'Choose an option.');
  if (new Set(ids).size !== ids.length) throw new AppError('invalid_choice', 'An option is chosen twice.');
  for (const id of ids) if (!known.has(id)) throw new AppError('invalid_choice', `This poll has no option "${id}".`);
  if (poll.kind !== 'multiple' && ids.length > 1) throw new AppError('invalid_choice', 'Choose one option only.');
  // Keep the poll's option order, so equal choices are stored equally.
  return poll.options.map((o) => o.id).filter((id) => ids.includes(id));
}

function add(tally: ChoiceTally, choice: readonly string[], sign: 1 | -1): ChoiceTally {
  const byChoice = { ...tally.byChoice };
  for (const id of choice) byChoice[id] = (byChoice[id] ?? 0) + sign;
  return { total: tally.total + sign, byChoice };
}

function apply(tally: Tally, group: VoteGroup, choice: readonly string[], sign: 1 | -1): Tally {
  const whole = add(tally, choice, sign);
  return { ...whole, byGroup: { ...tally.byGroup, [group]: add(tally.byGroup[group], choice, sign) } };
}

/**
 * One voter's ballot: `previous` is what their stored ballot holds (null
 * for a first vote), with the group it was counted in. Returns the new
 * poll and whether this replaced an earlier ballot.
 */
export function castVote(
  poll: Poll,
  voter: Voter,
  choice: string | readonly string[],
  previous: { choice: string[]; group: VoteGroup } | null,
  now: Date,
): { poll: Poll; choice: string[]; replaced: boolean } {
  if (poll.status === 'draft') throw new AppError('poll_not_open', 'This poll is not open yet.');
  if (poll.status === 'closed') throw new AppError('poll_closed', 'This poll is closed.');
  if (!eligible(poll, voter.group)) throw new AppError('not_eligible', 'Your constituent group does not vote in this poll.');
  const chosen = normalizeChoice(poll, choice);
  let tally = poll.tally;
  if (previous) tally = apply(tally, previous.group, previous.choice, -1);
  tally = apply(tally, voter.group, chosen, 1);
  const at = now.toISOString();
  const roll = poll.secret
    ? []
    : [...poll.roll.filter((r) => r.participantId !== voter.participantId), { participantId: voter.participantId, name: voter.name, group: voter.group, country: voter.country, choice: chosen, at }];
  return { poll: { ...poll, tally, roll, version: poll.version + 1 }, choice: chosen, replaced: previous !== null };
}

export function quorumOf(poll: Pick<Poll, 'quorum' | 'status' | 'present' | 'tally'>): QuorumOutcome {
  if (poll.quorum === 'none') return { rule: 'none', present: poll.present, required: null, met: null };
  if (poll.status !== 'closed' || poll.present === null) return { rule: poll.quorum, present: null, required: null, met: null };
  const required = Math.ceil(poll.present / 2);
  return { rule: poll.quorum, present: poll.present, required, met: poll.tally.total >= required };
}

export function resultsOf(poll: Poll): PollResults {
  const quorum = quorumOf(poll);
  const final = poll.status === 'closed';
  return {
    total: poll.tally.total,
    byChoice: { ...poll.tally.byChoice },
    byGroup: poll.tally.byGroup,
    quorum,
    valid: final ? quorum.met !== false : null,
    final,
  };
}

/** What everyone in the room is told about a poll (`poll:state.poll`); the same for every viewer. */
export interface PollView {
  id: string;
  question: string;
  kind: PollKind;
  options: PollOption[];
  secret: boolean;
  quorum: QuorumRule;
  liveResults: boolean;
  eligibleGroups: VoteGroup[];
  status: PollStatus;
  /** Ballots cast so far (turnout), always shown. */
  ballots: number;
  /** Absent while open unless live results were chosen; only `total` for an open secret poll. */
  results?: PollResults | { total: number; final: false };
  /** Named polls, whenever results are shown: who voted what. */
  voters?: RollEntry[];
  createdAt: string;
  openedAt: string | null;
  closedAt: string | null;
  version: number;
}

export function viewOfPoll(poll: Poll): PollView {
  const view: PollView = {
    id: poll.id,
    question: poll.question,
    kind: poll.kind,
    options: poll.options,
    secret: poll.secret,
    quorum: poll.quorum,
    liveResults: poll.liveResults,
    eligibleGroups: poll.eligibleGroups,
    status: poll.status,
    ballots: poll.tally.total,
    createdAt: poll.createdAt,
    openedAt: poll.openedAt,
    closedAt: poll.closedAt,
    version: poll.version,
  };
  const showResults = poll.status === 'closed' || (poll.status === 'open' && poll.liveResults);
  if (!showResults) return view;
  if (poll.secret && poll.status !== 'closed') {
    view.results = { total: poll.tally.total, final: false };
    return view;
  }
  view.results = resultsOf(poll);
  if (!poll.secret) view.voters = poll.roll;
  return view;
}

/** Drafts are the moderators' business; open and closed polls everyone's. */
export function pollVisibleTo(poll: Pick<Poll, 'status'>, moderator: boolean): boolean {
  return moderator || poll.status !== 'draft';
}

/** Rows of a results table (CSV, record): the whole and each group, each option. Counts only. */
export function resultRows(poll: Poll): { group: VoteGroup | 'total'; option: string; label: string; votes: number }[] {
  const rows: { group: VoteGroup | 'total'; option: string; label: string; votes: number }[] = [];
  const push = (group: VoteGroup | 'total', tally: ChoiceTally): void => {
    for (const o of poll.options) rows.push({ group, option: o.id, label: o.label, votes: tally.byChoice[o.id] ?? 0 });
    rows.push({ group, option: '', label: 'ballots', votes: tally.total });
  };
  push('total', poll.tally);
  for (const g of voteGroups) push(g, poll.tally.byGroup[g]);
  return rows;
}
