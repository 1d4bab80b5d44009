import type { Logger } from '../logger.ts';
import { AppError } from '../errors.ts';
import type { RecordedStatements } from './recorded-statements.ts';
import type { RunChange, RunningOrderService } from './running-order-service.ts';

export interface StageCopiesDeps {
  running: RunningOrderService;
  recordings: RecordedStatements;
  /** A change to the order (progress, ready, failed): to the room. */
  announce: (eventId: string, change: RunChange) => void;
  logger: Logger;
}

/** Progress is written (and broadcast) at most every fifth of the way, so a long video does not flood the room. */
const progressStep = 0.2;

/**
 * Transcodes each uploaded statement video once, in the background, to the
 * stage format (RecordedStatements.transcode), on the process that took the
 * upload; the running order shows `processing` with its progress, then
 * `ready` (playback sends the copy without re-encoding) or `failed` with the
 * reason's code. An upload replaced meanwhile: its outcome is dropped (the
 * hash no longer matches) and its copy removed.
 */
export class StageCopies {
  private readonly deps: StageCopiesDeps;
  private readonly jobs = new Set<AbortController>();

  constructor(deps: StageCopiesDeps) {
    this.deps = deps;
  }

  /** Starts the copy of the video just attached to `itemId`; returns at once (the promise is for tests and shutdown). */
  start(eventId: string, sessionId: string, itemId: string, video: { file: string; sha256: string; durationMs: number }): Promise<void> {
    const abort = new AbortController();
    this.jobs.add(abort);
    const update = async (stage: Parameters<RunningOrderService['updateStage']>[4]): Promise<boolean> => {
      const change = await this.deps.running.updateStage(eventId, sessionId, itemId, video.sha256, stage);
      if (change.after !== change.before) this.deps.announce(eventId, change);
      return change.after !== change.before;
    };
    let reported = 0;
    let writing = Promise.resolve(true);
    const run = async (): Promise<void> => {
      try {
        const file = await this.deps.recordings.transcode(video, (fraction) => {
          if (fraction - reported < progressStep || fraction >= 1) return;
          reported = fraction;
          writing = writing.then(() => update({ status: 'processing', progress: Math.round(fraction * 100) / 100 }));
        }, abort.signal);
        await writing;
        if (!(await update({ status: 'ready', progress: 1, file }))) await this.deps.recordings.remove(file);
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
      .finally(() => this.jobs.delete(abort));
  }

  /**
   * At start-up, alone on the store: copies a stopped process left
   * `processing` are made again from the upload (with several processes,
   * one cannot tell a copy in progress elsewhere from an abandoned one).
   */
  async recover(shared: boolean): Promise<void> {
    if (shared) return;
    for (const left of await this.deps.running.processing()) void this.start(left.eventId, left.sessionId, left.itemId, left.video);
  }

  /** Shutdown: copies in progress stop (their items stay `processing`; uploading again restarts one). */
  close(): void {
    for (const job of this.jobs) job.abort();
    this.jobs.clear();
  }
}
