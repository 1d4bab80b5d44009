/**
 * The Socket.IO contract (design section 4): event names, the schemas of
 * what clients send, and the shapes of what the server sends back. The one
 * source of truth for the server handlers and the browser client alike.
 */
import { z } from 'zod';
import type { BoothView } from '../domain/booths.ts';
import type { PollView } from '../domain/polls.ts';
import type { QuestionView } from '../domain/qna.ts';
import type { RunItemView } from '../domain/running-order.ts';
import { mediaClientEvents } from './media-events.ts';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lowercase letters, digits and dashes');
const opaqueId = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'must be an id');
const idempotencyKey = z.string().min(8).max(100).regex(/^[A-Za-z0-9_-]+$/).optional();

/**
 * Every session-scoped event names its session: one client may be in several.
 * A participant's event is known from their identity; the organiser token
 * names it here or in the handshake (`auth.eventId`).
 */
const sessionScoped = z.object({ sessionId: id, eventId: id.optional() });
const entryKind = z.enum(['statement', 'reply', 'point_of_order']);
const groupBudget = z.number().int().min(60_000).max(24 * 3600_000).optional();
/** BCP 47 language tag (as roles carry it). */
const languageTag = z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as fr or zh');

export const clientEvents = {
  'session:join': sessionScoped,
  'session:leave': sessionScoped,
  'session:open': sessionScoped,
  'session:end': sessionScoped,
  'queue:request': sessionScoped.extend({ kind: entryKind.default('statement'), language: languageTag.optional(), idempotencyKey }),
  'queue:withdraw': sessionScoped,
  'queue:add': sessionScoped.extend({ participantId: opaqueId, kind: entryKind.default('statement') }),
  /** The moderator opens or closes the list of speakers. */
  'queue:list': sessionScoped.extend({ open: z.boolean() }),
  'queue:roster': sessionScoped.extend({ query: z.string().trim().max(100).default('') }),
  'queue:reorder': sessionScoped.extend({ entryIds: z.array(opaqueId).max(2000) }),
  // `version`: the queue version the moderator decided on; refused with
  // floor_changed if the floor changed hands after it (two moderators at once).
  'queue:give-floor': sessionScoped.extend({ entryId: opaqueId, version: z.number().int().min(0).optional() }),
  'queue:end-floor': sessionScoped,
  /** The moderator sets the language a speaker will use (null clears it), for the interpreters. */
  'queue:language': sessionScoped.extend({ entryId: opaqueId, language: languageTag.nullable() }),
  'queue:timer': sessionScoped.extend({
    action: z.enum(['pause', 'resume', 'add']),
    ms: z.number().int().min(-30 * 60_000).max(30 * 60_000).optional(),
  }),
  'queue:rules': sessionScoped.extend({
    mode: z.enum(['order', 'tripartite']),
    budgetsMs: z
      .object({
        default: z.number().int().min(1_000).max(60 * 60_000),
        reply: z.number().int().min(1_000).max(60 * 60_000).optional(),
        headOfState: z.number().int().min(1_000).max(60 * 60_000).optional(),
        panelist: z.number().int().min(1_000).max(60 * 60_000).optional(),
        pointOfOrder: z.number().int().min(1_000).max(60 * 60_000).optional(),
      })
      .optional(),
    /** Total speaking time per constituent group for the session; null removes the budgets. */
    groupBudgetsMs: z
      .object({
        government: groupBudget,
        employers: groupBudget,
        workers: groupBudget,
        international_organization: groupBudget,
        other: groupBudget,
      })
      .nullable()
      .optional(),
  }),
  'qna:ask': sessionScoped.extend({ text: z.string().max(4000), anonymous: z.boolean().default(false), idempotencyKey }),
  'qna:vote': sessionScoped.extend({ questionId: opaqueId, vote: z.boolean().optional(), idempotencyKey }),
  'qna:moderate': sessionScoped.extend({
    questionId: opaqueId,
    action: z.enum(['approve', 'hide', 'answer', 'pin', 'unpin']),
    reason: z.string().max(500).optional(),
  }),
  'qna:mode': sessionScoped.extend({ mode: z.enum(['pre-moderated', 'open']) }),
  // Polls (domain/polls.ts): moderators create (a draft), open and close; delegates vote.
  'poll:create': sessionScoped.extend({
    question: z.string().max(4000),
    kind: z.enum(['yes_no_abstain', 'single', 'multiple']),
    options: z.array(z.string().max(1000)).max(50).optional(),
    secret: z.boolean().default(false),
    /** `ilo`: void unless the ballots reach half of the delegates present (ILO Constitution art. 17(3)). */
    quorum: z.enum(['none', 'ilo']).default('none'),
    /** Show results while the poll is open (counts only for a secret poll). */
    liveResults: z.boolean().default(false),
    /** Who votes; the tripartite groups by default. */
    eligibleGroups: z.array(z.enum(['government', 'employers', 'workers', 'international_organization', 'other'])).max(5).optional(),
    idempotencyKey,
  }),
  'poll:open': sessionScoped.extend({ pollId: opaqueId }),
  'poll:close': sessionScoped.extend({ pollId: opaqueId }),
  /** An option id, or several for a multiple-choice poll; a second vote replaces the first. */
  'poll:vote': sessionScoped.extend({ pollId: opaqueId, choice: z.union([opaqueId, z.array(opaqueId).max(50)]), idempotencyKey }),
  // Interpretation booths (domain/booths.ts): interpreters of one language take, hand over and source their channel.
  'booth:claim': sessionScoped.extend({ language: languageTag }),
  /** The live interpreter hands over to a partner (null: releases); a partner names themselves to ask for it. */
  'booth:handover': sessionScoped.extend({ language: languageTag, to: opaqueId.nullable() }),
  /** Relay: the booth interprets the floor or another booth's channel. */
  'booth:source': sessionScoped.extend({ language: languageTag, source: z.union([z.literal('floor'), languageTag]) }),
  /** A line to the booth partners only (the interpreters of that language in this session). */
  'booth:note': sessionScoped.extend({ language: languageTag, text: z.string().trim().min(1).max(500) }),
  /** Live captions (captioners of that language); interim lines have final: false. */
  'caption:line': sessionScoped.extend({ language: languageTag, text: z.string().max(4000), final: z.boolean().default(true) }),
  /** The moderator moves the running order to an item (forward or back), or stops it (null). */
  'run:advance': sessionScoped.extend({ itemId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).nullable() }),
  /** The moderator pauses, resumes or stops the pre-recorded statement in progress (that item's video). */
  'run:playback': sessionScoped.extend({ itemId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), action: z.enum(['pause', 'resume', 'stop']) }),
  // WebRTC signalling for the live panel (protocol/media-events.ts).
  ...mediaClientEvents,
} as const;

export type ClientEventName = keyof typeof clientEvents;
export type ClientPayload<E extends ClientEventName> = z.infer<(typeof clientEvents)[E]>;
export const clientEventNames = Object.keys(clientEvents) as ClientEventName[];

export interface AckError {
  code: string;
  message: string;
}
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };

export interface FloorView {
  entryId: string;
  startedAt: string;
  budgetMs: number;
  /** At the moment the state was sent; clients count down from `sentAt`. */
  remainingMs: number;
  paused: boolean;
}

export interface QueueEntryView {
  id: string;
  participantId: string;
  name: string;
  group: string;
  country: string;
  kind: 'statement' | 'reply' | 'point_of_order';
  status: 'waiting' | 'speaking' | 'done' | 'withdrawn';
  requestedAt: string;
  headOfState: boolean;
  startedAt: string | null;
  endedAt: string | null;
  spokenMs: number | null;
  overrunMs: number | null;
  /** The language the speaker will use, when they said. */
  language?: string;
  /** A statement the speaker attached (PDF or text), downloadable by interpreters and moderators. */
  statement?: { type: 'application/pdf' | 'text/plain'; bytes: number; uploadedAt: string };
}

export interface GroupTimeView {
  group: string;
  budgetMs: number;
  usedMs: number;
  /** Negative once the group has overrun its budget. */
  leftMs: number;
  overrunMs: number;
}

/** `queue:state`: the whole queue, versioned; clients drop anything older than what they hold. */
export interface QueueStateMessage {
  sessionId: string;
  version: number;
  sentAt: string;
  mode: 'order' | 'tripartite';
  budgetsMs: { default: number; reply?: number; headOfState?: number; panelist?: number; pointOfOrder?: number };
  /** Whether new statements may be requested (replies and points of order always may). */
  listOpen: boolean;
  /** Speaking time per constituent group that has a budget, as of `sentAt`. */
  groups: GroupTimeView[];
  entries: QueueEntryView[];
  floor: FloorView | null;
  /** The entry the rules propose next (moderators may choose another). */
  proposedEntryId: string | null;
}

/** `queue:timer`: the speaking clock's signals. */
export interface QueueTimerMessage {
  sessionId: string;
  entryId: string;
  phase: 'warning' | 'expired';
  remainingMs: number;
}

/** One question as a viewer sees it (the author only where that viewer may know it). */
export type QuestionMessageBody = QuestionView;

/** `qna:question`: one question, versioned by the session's Q&A version. */
export interface QnaQuestionMessage {
  sessionId: string;
  version: number;
  question: QuestionMessageBody;
}

export interface QnaSnapshot {
  sessionId: string;
  version: number;
  mode: 'pre-moderated' | 'open';
  questions: QuestionMessageBody[];
}

export interface SessionStateMessage {
  sessionId: string;
  status: 'scheduled' | 'live' | 'ended' | 'cancelled';
  /** The session record's revision: a newer status always has a higher one. */
  version: number;
}

/** A participant a moderator may add to the queue on their behalf. */
export interface RosterEntry {
  participantId: string;
  name: string;
  group: string;
  country: string;
  organization: string;
}

/** `poll:state`: one poll as everyone in the room may see it, versioned per poll. */
export interface PollStateMessage {
  sessionId: string;
  poll: PollView;
}

/** A session's polls on joining: drafts for moderators only; the viewer's own choices (nobody else's). */
export interface PollsSnapshot {
  polls: PollView[];
  myChoices: Record<string, string[]>;
}

/** `booth:state`: the session's interpretation booths (who is live, partners, source), versioned. */
export interface BoothStateMessage {
  sessionId: string;
  version: number;
  booths: BoothView[];
}

/** `booth:note`: a line from an interpreter to the partners of their booth (no one else receives it). */
export interface BoothNoteMessage {
  sessionId: string;
  language: string;
  from: { participantId: string; name: string };
  text: string;
  at: string;
}

/** `caption:line`: one caption line, numbered per session (interim lines are replaced by later ones of the language). */
export interface CaptionLineMessage {
  sessionId: string;
  language: string;
  text: string;
  final: boolean;
  seq: number;
  at: string;
}

/** `run:state`: the session's running order (issue 18), versioned; the current item and each item's planned and actual time. */
export interface RunStateMessage {
  sessionId: string;
  version: number;
  currentItemId: string | null;
  items: RunItemView[];
}

export interface JoinAck {
  sessionId: string;
  session: SessionStateMessage;
  you: { participantId: string | null; name: string | null; moderator: boolean; panelist: boolean; canRequestFloor: boolean };
  queue: QueueStateMessage;
  qna: QnaSnapshot;
  polls: PollsSnapshot;
  /** The interpretation booths; `you.interpreterLanguages` / `captionLanguages` / `signInterpreter` say the caller's own access roles. */
  booths: BoothStateMessage;
  access: { interpreterLanguages: string[]; captionLanguages: string[]; signInterpreter: boolean };
  /** The running order and its current item. */
  run: RunStateMessage;
  /** The last final caption lines of each language (a few), oldest first: what a late or returning delegate missed. */
  captions?: CaptionLineMessage[];
}

/** `qna:mode`: how new questions are handled, versioned by the session's Q&A version. */
export interface QnaModeMessage {
  sessionId: string;
  mode: 'pre-moderated' | 'open';
  version: number;
}

/** `session:removed`: the caller may no longer be in this session (their roles or status changed). */
export interface SessionRemovedMessage {
  sessionId: string;
  code: string;
  message: string;
}

export const serverEvents = {
  /** A fresh JoinAck for a session this socket is in, after the caller's roles changed. */
  sessionSnapshot: 'session:snapshot',
  sessionRemoved: 'session:removed',
  queueState: 'queue:state',
  queueTimer: 'queue:timer',
  qnaQuestion: 'qna:question',
  qnaMode: 'qna:mode',
  pollState: 'poll:state',
  boothState: 'booth:state',
  boothNote: 'booth:note',
  captionLine: 'caption:line',
  runState: 'run:state',
  sessionState: 'session:state',
  forcedLogout: 'auth:revoked',
} as const;
