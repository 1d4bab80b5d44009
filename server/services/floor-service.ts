import crypto from 'node:crypto';
import { AppError } from '../errors.ts';
import {
  controlTimer, emptyQueue, endFloor, giveFloor, proposeNext, remainingMs, reorder, requestFloor, setRules, withdraw,
  type EntryKind, type QueueRules, type QueueState, type Speaker, type TimerAction,
} from '../domain/queue.ts';
import type { QueueStateMessage } from '../protocol/events.ts';
import type { LiveRepository } from '../store/live-repository.ts';
import type { KeyedLock } from './keyed-lock.ts';
import type { Idempotency, LiveServiceDeps } from './idempotency.ts';
import { retryOnConflict } from './retry.ts';

/**
 * Applies queue rules to the stored queue of a session: load, apply the pure
 * domain function, compare-and-set, retry when another process got there
 * first. Returns the new state for the edge to broadcast.
 */
export class FloorService {
  private readonly live: LiveRepository;
  private readonly lock: KeyedLock;
  private readonly clock: () => Date;
  private readonly idempotency: Idempotency;

  constructor(deps: LiveServiceDeps) {
    ({ live: this.live, lock: this.lock, clock: this.clock, idempotency: this.idempotency } = deps);
  }

  async state(eventId: string, sessionId: string): Promise<QueueState> {
    const doc = await this.live.getQueue(eventId, sessionId);
    if (!doc) return emptyQueue(eventId, sessionId);
    const { id: _id, rev: _rev, ...state } = doc;
    return state;
  }

  private change(eventId: string, sessionId: string, apply: (state: QueueState, now: Date) => QueueState): Promise<QueueState> {
    return this.lock.run(`queue:${eventId}/${sessionId}`, () =>
      retryOnConflict(async () => {
        const doc = await this.live.getQueue(eventId, sessionId);
        const current: QueueState = doc ? stripDoc(doc) : emptyQueue(eventId, sessionId);
        const next = apply(current, this.clock());
        if (next === current) return current;
        await this.live.saveQueue(next, doc?.rev);
        return next;
      }),
    );
  }

  /**
   * A delegate asks for the floor. With an idempotency key, a resent request
   * (its ack was lost) answers with the entry the first one created.
   */
  async request(eventId: string, sessionId: string, speaker: Speaker, kind: EntryKind, idempotencyKey?: string): Promise<{ state: QueueState; entryId: string; replayed: boolean }> {
    const entryId = newId();
    const { result, replayed } = await this.lock.run(`request:${eventId}/${sessionId}/${speaker.participantId}`, () =>
      this.idempotency.once(speaker.participantId, idempotencyKey && `queue:${eventId}/${sessionId}:${idempotencyKey}`, async () => {
        await this.change(eventId, sessionId, (s, now) => requestFloor(s, { entryId, speaker, kind, now }));
        return entryId;
      }),
    );
    return { state: await this.state(eventId, sessionId), entryId: result, replayed };
  }

  addOnBehalf(eventId: string, sessionId: string, speaker: Speaker, kind: EntryKind, moderatorId: string | null): Promise<QueueState> {
    return this.change(eventId, sessionId, (s, now) => requestFloor(s, { entryId: newId(), speaker, kind, now, addedBy: moderatorId ?? 'organiser' }));
  }

  withdraw(eventId: string, sessionId: string, participantId: string): Promise<QueueState> {
    return this.change(eventId, sessionId, (s, now) => withdraw(s, participantId, now));
  }

  reorder(eventId: string, sessionId: string, entryIds: readonly string[], by: string | null): Promise<QueueState> {
    return this.change(eventId, sessionId, (s, now) => reorder(s, entryIds, by, now));
  }

  giveFloor(eventId: string, sessionId: string, entryId: string, by: string | null): Promise<QueueState> {
    return this.change(eventId, sessionId, (s, now) => giveFloor(s, entryId, by, now));
  }

  endFloor(eventId: string, sessionId: string, by: string | null): Promise<QueueState> {
    return this.change(eventId, sessionId, (s, now) => endFloor(s, by, now));
  }

  timer(eventId: string, sessionId: string, control: TimerAction, by: string | null): Promise<QueueState> {
    return this.change(eventId, sessionId, (s, now) => controlTimer(s, control, by, now));
  }

  /**
   * Merges a patch into the rules inside the lock, so a mode change and a
   * delegate-video toggle made at the same moment both hold.
   */
  patchRules(eventId: string, sessionId: string, patch: Partial<QueueRules>): Promise<QueueState> {
    return this.change(eventId, sessionId, (s) => setRules(s, { ...s.rules, ...patch }));
  }

  /** Ends whoever has the floor (when the session ends); no-op if nobody does. */
  async closeFloor(eventId: string, sessionId: string, by: string | null): Promise<QueueState> {
    return this.change(eventId, sessionId, (s, now) => (s.floor ? endFloor(s, by, now) : s));
  }

  message(state: QueueState): QueueStateMessage {
    const now = this.clock();
    const floor = state.floor;
    return {
      sessionId: state.sessionId,
      version: state.version,
      sentAt: now.toISOString(),
      mode: state.rules.mode,
      budgetsMs: state.rules.budgetsMs,
      entries: state.entries.map((e) => ({
        id: e.id,
        participantId: e.participantId,
        name: e.name,
        group: e.group,
        country: e.country,
        kind: e.kind,
        status: e.status,
        requestedAt: e.requestedAt,
        headOfState: e.headOfState,
        startedAt: e.startedAt,
        endedAt: e.endedAt,
        spokenMs: e.spokenMs,
        overrunMs: e.overrunMs,
      })),
      floor: floor
        ? { entryId: floor.entryId, startedAt: floor.startedAt, budgetMs: floor.budgetMs, remainingMs: remainingMs(floor, now), paused: floor.pausedAt !== null }
        : null,
      proposedEntryId: proposeNext(state)?.id ?? null,
    };
  }

  /** The participant holding the floor in this session, if any. */
  speakerOf(state: QueueState): string | null {
    const floor = state.floor;
    if (!floor) return null;
    return state.entries.find((e) => e.id === floor.entryId)?.participantId ?? null;
  }
}

function stripDoc(doc: QueueState & { id: string; rev: number }): QueueState {
  const { id: _id, rev: _rev, ...state } = doc;
  return state;
}

function newId(): string {
  return crypto.randomBytes(9).toString('base64url');
}

export function assertSpeaker(speaker: Speaker | null): Speaker {
  if (!speaker) throw new AppError('forbidden', 'Only a registered participant can take the floor.');
  return speaker;
}
