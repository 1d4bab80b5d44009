import crypto from 'node:crypto';
import { AppError } from '../errors.ts';
import {
  attachStatement, controlTimer, emptyQueue, setEntryLanguage, setListOpen, endFloor, giveFloor, proposeNext, remainingMs, reorder, requestFloor, setRules, withdraw,
  type EntryKind, type QueueRules, type QueueState, type Speaker, type TimerAction,
} from '../domain/queue.ts';
import type { StatementMeta } from '../domain/statements.ts';
import type { LiveRepository } from '../store/live-repository.ts';
import type { WriteOp } from '../store/port.ts';
import type { KeyedLock } from './keyed-lock.ts';
import type { Idempotency, LiveServiceDeps } from './idempotency.ts';
import { retryOnConflict } from './retry.ts';

/**
 * Applies queue rules to the stored queue of a session: load, apply the pure
 * domain function, compare-and-set, retry when another process got there
 * first. Returns the new state for the edge to broadcast.
 */
/** A decision on the floor: the queue before and after it, both read under the lock. */
export interface FloorChange {
  before: QueueState;
  after: QueueState;
}

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
    return doc ? stripDoc(doc) : emptyQueue(eventId, sessionId);
  }

  /**
   * Every decision about a session's queue runs here: under the session's
   * lock in this process, on a fresh read, written with compare-and-set
   * (re-read and re-decided when another process got there first). The
   * returned `before` is the state the decision was made on, so who lost
   * the floor comes from the locked result, never from an earlier read.
   */
  private change(
    eventId: string,
    sessionId: string,
    apply: (state: QueueState, now: Date) => QueueState,
    extraWrites: (after: QueueState) => WriteOp[] = () => [],
  ): Promise<FloorChange> {
    return this.lock.run(`queue:${eventId}/${sessionId}`, () =>
      retryOnConflict(async () => {
        const doc = await this.live.getQueue(eventId, sessionId);
        const before: QueueState = doc ? stripDoc(doc) : emptyQueue(eventId, sessionId);
        const after = apply(before, this.clock());
        if (after === before) return { before, after };
        await this.live.commit([this.live.saveQueueOp(after, doc?.rev), ...extraWrites(after)]);
        return { before, after };
      }),
    );
  }

  /**
   * A delegate asks for the floor. With an idempotency key, a resent request
   * (its ack was lost) answers with the entry the first one created; the key
   * is recorded in the same write as the entry.
   */
  async request(eventId: string, sessionId: string, speaker: Speaker, kind: EntryKind, idempotencyKey?: string): Promise<FloorChange & { entryId: string; replayed: boolean }> {
    const key = idempotencyKey && `queue:${eventId}/${sessionId}:${idempotencyKey}`;
    const replay = async (): Promise<(FloorChange & { entryId: string; replayed: boolean }) | null> => {
      const seen = await this.idempotency.seen<string>(speaker.participantId, key);
      if (!seen) return null;
      const state = await this.state(eventId, sessionId);
      return { before: state, after: state, entryId: seen.result, replayed: true };
    };
    const earlier = await replay();
    if (earlier) return earlier;
    const entryId = newId();
    try {
      const change = await this.change(
        eventId,
        sessionId,
        (s, now) => requestFloor(s, { entryId, speaker, kind, now }),
        () => this.idempotency.seal(speaker.participantId, key, entryId),
      );
      return { ...change, entryId, replayed: false };
    } catch (error) {
      // Its twin, sent on another connection or process, was carried out meanwhile.
      const twin = await replay();
      if (twin) return twin;
      throw error;
    }
  }

  addOnBehalf(eventId: string, sessionId: string, speaker: Speaker, kind: EntryKind, moderatorId: string | null): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => requestFloor(s, { entryId: newId(), speaker, kind, now, addedBy: moderatorId ?? 'organiser' }));
  }

  withdraw(eventId: string, sessionId: string, participantId: string): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => withdraw(s, participantId, now));
  }

  reorder(eventId: string, sessionId: string, entryIds: readonly string[], by: string | null): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => reorder(s, entryIds, by, now));
  }

  /** `seenVersion`: the queue version the moderator decided on (refused with floor_changed if the floor moved since). */
  giveFloor(eventId: string, sessionId: string, entryId: string, by: string | null, seenVersion?: number): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => giveFloor(s, entryId, by, now, { seenVersion }));
  }

  endFloor(eventId: string, sessionId: string, by: string | null): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => endFloor(s, by, now));
  }

  timer(eventId: string, sessionId: string, control: TimerAction, by: string | null): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => controlTimer(s, control, by, now));
  }

  /**
   * Merges a patch into the rules inside the lock, so a mode change and a
   * delegate-video toggle made at the same moment both hold.
   */
  patchRules(eventId: string, sessionId: string, patch: Partial<QueueRules>): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s) => setRules(s, { ...s.rules, ...patch }));
  }

  setListOpen(eventId: string, sessionId: string, open: boolean, by: string | null): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => setListOpen(s, open, by, now));
  }

  /**
   * Attaches a speaker's statement to their entry: the entry's note and the
   * stored bytes (`statementWrite`, given the decided state) in one write.
   */
  attachStatement(eventId: string, sessionId: string, entryId: string, participantId: string, meta: StatementMeta, statementWrite: WriteOp): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => attachStatement(s, entryId, participantId, meta, now), () => [statementWrite]);
  }

  /** A moderator sets (or clears, null) the language a speaker will use. */
  setLanguage(eventId: string, sessionId: string, entryId: string, language: string | null, by: string | null): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => setEntryLanguage(s, entryId, language, by, now));
  }

  /** Ends whoever has the floor (when the session ends); no change if nobody does. */
  closeFloor(eventId: string, sessionId: string, by: string | null): Promise<FloorChange> {
    return this.change(eventId, sessionId, (s, now) => (s.floor ? endFloor(s, by, now) : s));
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
