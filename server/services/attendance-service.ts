import crypto from 'node:crypto';
import {
  attendanceId,
  recordJoin,
  recordLeave,
  sessionAttendance,
  type AttendanceRecord,
  type Attendee,
  type LivenessOf,
  type SessionAttendance,
} from '../domain/attendance.ts';
import type { Participant } from '../domain/participants.ts';
import type { Logger } from '../logger.ts';
import { withoutRev, type DocumentStore, type Stored } from '../store/port.ts';
import { KeyedLock } from './keyed-lock.ts';
import { retryOnConflict } from './retry.ts';
import { TurnGate } from './turn-gate.ts';

const records = 'attendance';
const processes = 'attendance_processes';
/** How many records a process keeps after writing them (about one per participant and session it holds). */
const keptRecords = 20_000;
/**
 * How many changes are made (record merged, write posted to the store) per
 * event-loop turn. When thousands of sockets left at once (a disconnect of
 * every client, a network cut), their leaves all ran in one turn of about
 * 100 ms in a profile of 2,000 (issue #10), with the floor's broadcasts
 * waiting behind it; the rest now continue in the next turns.
 */
export const attendanceChangesPerTurn = 50;

/**
 * How long a change waits before it is written, so that the changes of
 * that moment go to the store together: the embedded store commits the
 * writes that reach it in one turn as one transaction and one fsync. In a
 * rush of 2,000 joins within 30 s, each join was a commit of its own,
 * about 67 a second, and a floor change's write that came in behind one
 * waited for its fsync (up to 12 ms on this machine's disk), late against
 * the quiet room (issue #10). Attendance is not acknowledged to anyone, so
 * a quarter of a second more costs nobody anything.
 */
export const attendanceWriteDelayMs = 250;

interface ProcessBeat {
  id: string;
  seenAt: string;
  stoppedAt: string | null;
}

export interface AttendanceOptions {
  store: DocumentStore;
  logger: Logger;
  clock?: () => Date;
  /** How often this process says it is alive (default 30 s); a process not seen for 3 beats is taken as gone. */
  heartbeatMs?: number;
  /** How long changes gather before they are written together (default `attendanceWriteDelayMs`). */
  writeDelayMs?: number;
}

/**
 * Who was in which session room, when: every join and leave of a socket
 * (session:join, session:leave, a disconnect, being removed) is written to
 * the store, so attendance survives restarts and adds up across processes.
 *
 * Write volume: one document per (participant, session), read-modify-write
 * with compare-and-set (retried), so thousands of delegates joining at once
 * write thousands of different documents, never one hot one; changes to one
 * document from this process are queued in order (a join is written before
 * the leave that follows it). Each process also writes one heartbeat
 * document every 30 s: a connection still open in the store whose process
 * stopped beating (a crash never records its leaves) ends at that process's
 * last beat; a clean stop records its leaves.
 */
export class AttendanceService {
  readonly process = crypto.randomUUID();
  private readonly store: DocumentStore;
  private readonly logger: Logger;
  private readonly clock: () => Date;
  private readonly heartbeatMs: number;
  private readonly writeDelayMs: number;
  /** The moment the changes waiting now are written (one timer for all of them). */
  private nextWrite: Promise<void> | undefined;
  private readonly lock = new KeyedLock();
  private readonly gate = new TurnGate(attendanceChangesPerTurn);
  private readonly pending = new Set<Promise<unknown>>();
  /**
   * The records this process last wrote, with their revision: the next
   * change of one is written on it without reading it back first (a rush of
   * joins otherwise reads and writes every record; issue #10). Another
   * process's write makes ours fail compare-and-set, which drops the kept
   * copy and re-reads. The most recently written `keptRecords` are kept.
   */
  private readonly known = new Map<string, Stored<AttendanceRecord>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(options: AttendanceOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
    this.heartbeatMs = options.heartbeatMs ?? 30_000;
    this.writeDelayMs = options.writeDelayMs ?? attendanceWriteDelayMs;
  }

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => {
      this.beat().catch((error: unknown) => this.logger.error({ err: error }, 'could not write the attendance heartbeat'));
    }, this.heartbeatMs).unref();
  }

  private async beat(stoppedAt: string | null = null): Promise<void> {
    await this.store.put<ProcessBeat>(processes, { id: this.process, seenAt: this.clock().toISOString(), stoppedAt });
  }

  joined(participant: Participant, eventId: string, sessionId: string, connection: string): Promise<void> {
    const who: Attendee = { participantId: participant.id, name: participant.name, group: participant.group, country: participant.country, gender: participant.gender };
    // The time of the join itself, not of the write (queued behind others, retried on conflict).
    const at = this.clock();
    return this.change(attendanceId(eventId, sessionId, participant.id), (current) => recordJoin(current, who, eventId, sessionId, connection, this.process, at));
  }

  left(participantId: string, eventId: string, sessionId: string, connection: string): Promise<void> {
    const at = this.clock();
    return this.change(attendanceId(eventId, sessionId, participantId), (current) => recordLeave(current, connection, at));
  }

  /** Never throws: attendance must not break a join; a failure is logged. */
  private change(id: string, apply: (current: AttendanceRecord | null) => AttendanceRecord | null): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const task = this.lock
      .run(id, async () => {
        // Inside the record's lock, so its changes stay in the order they were asked for.
        await this.writeMoment();
        await this.gate.pass();
        await retryOnConflict(async () => {
          // Taken out while in use: a failed write (a conflict) leaves nothing kept, so the retry reads afresh.
          const stored = this.known.get(id) ?? (await this.store.get<AttendanceRecord>(records, id));
          this.known.delete(id);
          const next = apply(stored ? withoutRev(stored) : null);
          if (!next) {
            if (stored) this.keep(id, stored);
            return;
          }
          const saved = stored ? await this.store.update<AttendanceRecord>(records, { ...next, rev: stored.rev }) : await this.store.insert<AttendanceRecord>(records, next);
          this.keep(id, saved);
        });
      })
      .catch((error: unknown) => this.logger.error({ err: error, id }, 'could not record attendance'));
    this.pending.add(task);
    void task.finally(() => this.pending.delete(task));
    return task;
  }

  /** Resolves when the changes gathered now are due to be written, together. */
  private writeMoment(): Promise<void> {
    if (this.writeDelayMs <= 0) return Promise.resolve();
    this.nextWrite ??= new Promise<void>((resolve) =>
      setTimeout(() => {
        this.nextWrite = undefined;
        resolve();
      }, this.writeDelayMs),
    );
    return this.nextWrite;
  }

  private keep(id: string, record: Stored<AttendanceRecord>): void {
    this.known.set(id, record);
    if (this.known.size > keptRecords) this.known.delete(this.known.keys().next().value as string);
  }

  /** Every write asked for so far is in the store. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async report(eventId: string, sessionIds: readonly string[]): Promise<SessionAttendance[]> {
    const now = this.clock();
    const [all, beats] = await Promise.all([this.store.find<AttendanceRecord>(records, { eventId }), this.store.find<ProcessBeat>(processes)]);
    const byProcess = new Map(beats.map((b) => [b.id, b]));
    const staleAfter = 3 * this.heartbeatMs;
    const liveness: LivenessOf = (process) => {
      const beat = byProcess.get(process);
      if (!beat) return { alive: false, lastSeen: null };
      const alive = !beat.stoppedAt && now.getTime() - Date.parse(beat.seenAt) <= staleAfter;
      return { alive, lastSeen: beat.stoppedAt ?? beat.seenAt };
    };
    return sessionIds.map((sessionId) =>
      sessionAttendance(
        sessionId,
        all.filter((r: Stored<AttendanceRecord>) => r.sessionId === sessionId).map((r) => withoutRev(r)),
        liveness,
        now,
      ),
    );
  }

  /**
   * A clean stop: records the leave of every connection this process still
   * holds (`open`: its sockets' joined sessions), then its last beat.
   */
  async stop(open: readonly { participantId: string; eventId: string; sessionId: string; connection: string }[]): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(open.map((o) => this.left(o.participantId, o.eventId, o.sessionId, o.connection)));
    await this.flush();
    this.stopped = true;
    await this.beat(this.clock().toISOString()).catch((error: unknown) => this.logger.error({ err: error }, 'could not write the last attendance heartbeat'));
  }
}
