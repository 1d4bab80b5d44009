import type { Actor } from '../domain/actor.ts';
import {
  boothViews, claim, emptyBooths, handover, setSource,
  type BoothSource, type BoothView, type Outcome, type SessionBooths,
} from '../domain/booths.ts';
import type { Participant } from '../domain/participants.ts';
import { writes, type DocumentStore, type Stored, type WriteOp } from '../store/port.ts';
import type { AuditLog } from './audit-log.ts';
import type { LiveServiceDeps } from './idempotency.ts';
import { retryOnConflict } from './retry.ts';

export interface BoothServiceDeps extends LiveServiceDeps {
  store: DocumentStore;
  audit: AuditLog;
  /** The event's participants (whose roles say who sits in which booth). */
  listParticipants: (eventId: string) => Promise<Participant[]>;
}

type BoothsDoc = SessionBooths & { id: string };

export interface BoothChange extends Outcome {
  eventId: string;
  sessionId: string;
}

const collection = 'booths';
const key = (eventId: string, sessionId: string): string => `${eventId}/${sessionId}`;

/**
 * A session's interpretation booths in the store (domain/booths.ts): one
 * document per session, every decision under the session's lock in this
 * process, on a fresh read, written with compare-and-set (re-decided when
 * another process wrote first), with its audit entry in the same write.
 */
export class BoothService {
  private readonly deps: BoothServiceDeps;
  /**
   * Per event, the participants the booth views are made from (who
   * interprets which language, their names), read once and kept until a
   * participant change is announced (forgetParticipants): a rush of joins
   * otherwise lists every participant of the event once per event-loop turn
   * (issue #10). Only the booths read it; the booth handlers' checks still
   * read the store.
   */
  private readonly participants = new Map<string, Promise<Participant[]>>();

  constructor(deps: BoothServiceDeps) {
    this.deps = deps;
  }

  async state(eventId: string, sessionId: string): Promise<SessionBooths> {
    const doc = await this.deps.store.get<BoothsDoc>(collection, key(eventId, sessionId));
    return doc ? strip(doc) : emptyBooths(eventId, sessionId);
  }

  /** booth:state's booths: every language with interpreters, who is live, the partners, the source. */
  async views(eventId: string, sessionId: string, state?: SessionBooths): Promise<BoothView[]> {
    const [current, participants] = await Promise.all([state ?? this.state(eventId, sessionId), this.participantsOf(eventId)]);
    return boothViews(current, participants);
  }

  /**
   * A participant's roles, status or name may have changed (on this process
   * or another): the next booth view reads the participants afresh. Without
   * an event, every event's are forgotten.
   */
  forgetParticipants(eventId?: string): void {
    if (eventId === undefined) this.participants.clear();
    else this.participants.delete(eventId);
  }

  private participantsOf(eventId: string): Promise<Participant[]> {
    const cached = this.participants.get(eventId);
    if (cached) return cached;
    const read = this.deps.listParticipants(eventId);
    // Kept from the moment it starts, so the joins waiting meanwhile share it; a
    // forget drops it even while in flight (the next view reads afresh); a failure is not kept.
    this.participants.set(eventId, read);
    read.catch(() => {
      if (this.participants.get(eventId) === read) this.participants.delete(eventId);
    });
    return read;
  }

  claim(eventId: string, sessionId: string, language: string, participantId: string, actor: Actor, present: (participantId: string) => boolean): Promise<BoothChange> {
    return this.change(eventId, sessionId, actor, 'booth.claim', language, (state, now) => claim(state, language, participantId, present, now));
  }

  handover(
    eventId: string,
    sessionId: string,
    language: string,
    by: string | null,
    to: string | null,
    actor: Actor,
    options: { override: boolean; isInterpreter: (participantId: string) => boolean },
  ): Promise<BoothChange> {
    return this.change(eventId, sessionId, actor, 'booth.handover', language, (state, now) => handover(state, language, by, to, options.isInterpreter, options.override, now));
  }

  source(eventId: string, sessionId: string, language: string, source: BoothSource, actor: Actor, booths: readonly string[]): Promise<BoothChange> {
    return this.change(eventId, sessionId, actor, 'booth.source', language, (state) => setSource(state, language, source, booths));
  }

  private change(
    eventId: string,
    sessionId: string,
    actor: Actor,
    action: string,
    language: string,
    decide: (state: SessionBooths, now: Date) => Outcome,
  ): Promise<BoothChange> {
    return this.deps.lock.run(`booths:${key(eventId, sessionId)}`, () =>
      retryOnConflict(async () => {
        const doc: Stored<BoothsDoc> | null = await this.deps.store.get<BoothsDoc>(collection, key(eventId, sessionId));
        const before = doc ? strip(doc) : emptyBooths(eventId, sessionId);
        const outcome = decide(before, this.deps.clock());
        if (!outcome.changed) return { ...outcome, eventId, sessionId };
        const booth = (s: SessionBooths) => s.booths.find((b) => b.language === language) ?? null;
        const ops: WriteOp[] = [
          writes.save(collection, { ...outcome.state, id: key(eventId, sessionId) }, doc?.rev),
          writes.insert('audit', this.deps.audit.entry(eventId, actor, action, { type: 'booth', id: `${sessionId}/${language}` }, booth(before), booth(outcome.state))),
        ];
        await this.deps.live.commit(ops);
        return { ...outcome, eventId, sessionId };
      }),
    );
  }
}

function strip(doc: Stored<BoothsDoc>): SessionBooths {
  return { eventId: doc.eventId, sessionId: doc.sessionId, version: doc.version, booths: doc.booths };
}
