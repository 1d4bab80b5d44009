import type { Logger } from '../logger.ts';
import { AppError } from '../errors.ts';
import type { HeldLease, LeaseState, Leases } from './leases.ts';
import type { RecordedStatements } from './recorded-statements.ts';
import type { RunChange, RunningOrderService } from './running-order-service.ts';

export interface StageCopiesDeps {
  running: RunningOrderService;
  recordings: RecordedStatements;
  /** A change to the order (progress, ready, failed): to the room. */
  announce: (eventId: string, change: RunChange) => void;
  /** With several processes (Redis): the transcoding process holds a lease on its job; a survivor takes a dead one's over. */
  leases?: Leases;
  logger: Logger;
}

type Video = { file: string; sha256: string; durationMs: number };
/** What a copy's lease carries, for the process that takes it over. */
interface CopyLease extends LeaseState {
  eventId: string;
  sessionId: string;
  itemId: string;
  sha256: string;
}
const copyLease = 'stage-copy';

/** Progress is written (and broadcast) at most every fifth of the way, so a long video does not flood the room. */
const progressStep = 0.2;

/**
 * Transcodes each uploaded statement video once, in the background, to the
 * stage format (RecordedStatements.transcode), on the process that took the
 * upload; the running order shows `processing` with its progress, then
 * `ready` (playback sends the copy without re-encoding) or `failed` with the
 * reason's code. An upload replaced meanwhile: its outcome is dropped (the
 * hash no longer matches) and its copy removed.
 *
 * With several processes, the transcoding process holds a lease on the job
 * (Leases, in Redis), renewed every second; if it dies mid-job, exactly one
 * survivor takes the lease after 5 s and makes the copy again from the
 * upload (on the shared data directory), with its progress in run:state. A
 * holder that comes back after losing its lease abandons its job.
 */
export class StageCopies {
  private readonly deps: StageCopiesDeps;
  private readonly jobs = new Set<AbortController>();
  private closing = false;

  constructor(deps: StageCopiesDeps) {
    this.deps = deps;
    deps.leases?.onExpired(copyLease, (_id, state) => this.takeOver(state as CopyLease));
  }

  /** Starts the copy of the video just attached to `itemId`; returns at once (the promise is for tests and shutdown). */
  start(eventId: string, sessionId: string, itemId: string, video: Video): Promise<void> {
    const abort = new AbortController();
    this.jobs.add(abort);
    const update = async (stage: Parameters<RunningOrderService['updateStage']>[4]): Promise<RunChange> => {
      const change = await this.deps.running.updateStage(eventId, sessionId, itemId, video.sha256, stage);
      if (change.after !== change.before) this.deps.announce(eventId, change);
      return change;
    };
    let reported = 0;
    let writing: Promise<unknown> = Promise.resolve();
    let lease: HeldLease | null = null;
    const run = async (): Promise<void> => {
      try {
        const state: CopyLease = { eventId, sessionId, itemId, sha256: video.sha256 };
        // Lost: another process took this one for dead and makes the copy itself.
        lease = (await this.deps.leases?.hold(copyLease, `${eventId}/${sessionId}/${itemId}`, () => state, () => abort.abort())) ?? null;
        const file = await this.deps.recordings.transcode(video, (fraction) => {
          if (fraction - reported < progressStep || fraction >= 1) return;
          reported = fraction;
          writing = writing.then(() => update({ status: 'processing', progress: Math.round(fraction * 100) / 100 }));
        }, abort.signal);
        await writing;
        const done = await update({ status: 'ready', progress: 1, file });
        // Not taken (a replaced upload): the copy goes, unless it is the one the order keeps (another process made the same file).
        const kept = done.after.items.find((i) => i.id === itemId)?.recording?.stage?.file;
        if (done.after === done.before && kept !== file) await this.deps.recordings.remove(file);
        // Another process's attempt at this copy (one that died mid-job) leaves its temporary file; it is of no use now.
        else if (kept === file) await this.deps.recordings.removeLeftovers(file);
      } catch (error) {
        if (abort.signal.aborted) return;
        const code = error instanceof AppError ? error.code : 'internal';
        this.deps.logger.warn({ err: error, eventId, sessionId, itemId }, 'a recorded statement could not be transcoded for the stage');
        await writing.catch(() => false);
        await update({ status: 'failed', progress: reported, error: code });
      }
    };
    return run()
      .catch((error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId, itemId }, 'could not record a stage copy'))
      .finally(() => {
        this.jobs.delete(abort);
        // Written (or abandoned): nobody needs to take it over. A shutdown keeps it, for a survivor to take.
        if (!this.closing) lease?.release().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not release the lease on a stage copy'));
      });
  }

  /** The process making this copy stopped renewing its lease (dead): made again here, if the order still waits for it. */
  private async takeOver(lease: CopyLease): Promise<void> {
    const left = (await this.deps.running.processing()).find(
      (p) => p.eventId === lease.eventId && p.sessionId === lease.sessionId && p.itemId === lease.itemId && p.video.sha256 === lease.sha256,
    );
    if (!left) return;
    this.deps.logger.warn({ eventId: left.eventId, sessionId: left.sessionId, itemId: left.itemId }, 'a stage copy’s process stopped renewing its lease; making the copy here');
    void this.start(left.eventId, left.sessionId, left.itemId, left.video);
  }

  /**
   * At start-up. Alone on the store: copies a stopped process left
   * `processing` are made again from the upload. With several processes:
   * each is adopted unless its process holds its lease, and taken over by
   * one process if nobody does (without leases, one cannot tell a copy in
   * progress elsewhere from an abandoned one, and leaves it).
   */
  async recover(shared: boolean): Promise<void> {
    const left = await this.deps.running.processing();
    if (!shared) {
      for (const l of left) void this.start(l.eventId, l.sessionId, l.itemId, l.video);
      return;
    }
    const leases = this.deps.leases;
    if (!leases) return;
    for (const l of left) {
      const state: CopyLease = { eventId: l.eventId, sessionId: l.sessionId, itemId: l.itemId, sha256: l.video.sha256 };
      await leases.adopt(copyLease, `${l.eventId}/${l.sessionId}/${l.itemId}`, state);
    }
  }

  /** Shutdown: copies in progress stop (alone: their items stay `processing` and the restart makes them again; with leases, a survivor takes them over). */
  close(): void {
    this.closing = true;
    for (const job of this.jobs) job.abort();
    this.jobs.clear();
  }
}
