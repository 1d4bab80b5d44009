import type { EventEmitter } from 'node:events';
import type { Logger } from '../logger.ts';
import type { FloorEvents } from '../realtime/broadcast.ts';
import type { DocumentStore } from '../store/port.ts';
import type { ProgrammeService } from './programme-service.ts';
import type { RunChange, RunningOrderService } from './running-order-service.ts';

/** Where http/statements.ts keeps the uploaded bytes. */
export const statementCollection = 'statements';

export interface StatementRetentionDeps {
  store: DocumentStore;
  programme: ProgrammeService;
  /** `session-status` fires on every process (through Redis) when a session ends or is cancelled. */
  events: EventEmitter<FloorEvents>;
  logger: Logger;
  clock: () => Date;
  /** A session never opened loses its statements this long after its scheduled end (default a day). */
  graceAfterEndMs?: number;
  /** How often the sweep runs (default hourly). */
  sweepEveryMs?: number;
  /**
   * The running order's statement texts (issue 18) go with the rest, and the order stops noting them; the order
   * itself stops too (its item in progress ends with the session, so its actual time stops growing).
   */
  running?: Pick<RunningOrderService, 'deleteTexts' | 'endRun'>;
  /** Those changes to the order, to the room. */
  announce?: (eventId: string, change: RunChange) => void;
}

/**
 * Statements (speakers' texts uploaded for the interpreters, issue 13, and
 * the texts of the running order's statements, issue 18) are working
 * papers for one sitting: they are deleted when the session ends or is
 * cancelled. They are drafts the speaker may never publish, so
 * keeping them after the interpreters needed them would hold personal
 * documents without a purpose; what was said is kept by the caption
 * transcript and the recording. Every process deletes on the status event
 * (deleting twice is harmless), and a sweep at start-up and every hour
 * catches what an event missed: a crash at the moment of the end, or a
 * session never opened, a day past its scheduled end.
 *
 * The same status event stops the session's running order (its item in
 * progress ends then, so the record's actual time stops growing), since
 * this is where every process hears of a session's end; the order's
 * compare-and-set write lets one process decide it.
 */
export class StatementRetention {
  private readonly deps: StatementRetentionDeps;
  private readonly timer: NodeJS.Timeout;
  private readonly onStatus = ({ eventId, sessionId, status }: { eventId: string; sessionId: string; status: string }): void => {
    if (status !== 'ended' && status !== 'cancelled') return;
    this.endRun(eventId, sessionId, this.deps.clock()).catch((error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not stop the running order of an ended session'));
    this.purge(eventId, sessionId).catch((error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not delete the statements of an ended session'));
  };

  constructor(deps: StatementRetentionDeps) {
    this.deps = deps;
    deps.events.on('session-status', this.onStatus);
    this.timer = setInterval(() => void this.sweepLogged(), deps.sweepEveryMs ?? 3_600_000).unref();
  }

  /** Deletes one session's statements and running-order texts; returns how many there were. */
  async purge(eventId: string, sessionId: string): Promise<number> {
    const docs = await this.deps.store.find(statementCollection, { eventId, sessionId });
    for (const doc of docs) await this.deps.store.remove(statementCollection, doc.id);
    const texts = this.deps.running ? await this.deps.running.deleteTexts(eventId, sessionId) : null;
    if (texts && texts.change.after !== texts.change.before) this.deps.announce?.(eventId, texts.change);
    const runTexts = texts?.deleted ?? 0;
    if (docs.length + runTexts > 0) this.deps.logger.info({ eventId, sessionId, statements: docs.length, runTexts }, 'statements of an ended session deleted');
    return docs.length + runTexts;
  }

  /** The session's running order stops at `at` (nothing running: no write). */
  async endRun(eventId: string, sessionId: string, at: Date): Promise<void> {
    const change = await this.deps.running?.endRun(eventId, sessionId, at);
    if (change && change.after !== change.before) this.deps.announce?.(eventId, change);
  }

  /**
   * Deletes the statements of every session that is over: ended, cancelled,
   * or never opened and past its end by the grace period. Session by session,
   * so the bytes of live sessions' statements are never read.
   */
  async sweep(): Promise<number> {
    const cutoff = this.deps.clock().getTime() - (this.deps.graceAfterEndMs ?? 86_400_000);
    let deleted = 0;
    for (const event of await this.deps.programme.listEvents()) {
      for (const session of await this.deps.programme.sessions(event.id)) {
        // A live session keeps them however late it runs; one never opened is over a day after its scheduled end.
        const over = session.status === 'ended' || session.status === 'cancelled' || (session.status === 'scheduled' && Date.parse(session.end) < cutoff);
        if (over) deleted += await this.purge(event.id, session.id);
        // An order left running by a session whose end no process saw (a crash then) stops at that end: its last update.
        if (session.status === 'ended' || session.status === 'cancelled') await this.endRun(event.id, session.id, new Date(Math.min(Date.parse(session.updatedAt), this.deps.clock().getTime())));
      }
    }
    return deleted;
  }

  async sweepLogged(): Promise<void> {
    await this.sweep().catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not sweep the statements of ended sessions'));
  }

  close(): void {
    clearInterval(this.timer);
    this.deps.events.off('session-status', this.onStatus);
  }
}
