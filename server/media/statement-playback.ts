import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { RunItem } from '../domain/running-order.ts';
import type { Logger } from '../logger.ts';
import type { FloorEvents } from '../realtime/broadcast.ts';
import { dyingWithServer } from '../services/die-with-server.ts';
import type { HeldLease, LeaseState, Leases } from '../services/leases.ts';
import type { RecordedStatements } from '../services/recorded-statements.ts';
import type { RunChange, RunningOrderService } from '../services/running-order-service.ts';
import type { MediaService } from './media-service.ts';
import type { PlaybackTrack } from './session-media.ts';

export interface StatementPlaybackDeps {
  media: MediaService;
  recordings: RecordedStatements;
  events: EventEmitter<FloorEvents>;
  running: RunningOrderService;
  /** A change the player itself made (the video ended, a play was interrupted): to the room, like any other. */
  announce: (eventId: string, change: RunChange) => void;
  /**
   * Whether other processes share the store: then a process starting up
   * cannot tell a statement another process is playing from one a crashed
   * process left "playing", and leaves it to the moderator (pause, resume).
   */
  shared: boolean;
  /**
   * With several processes (Redis): the player holds a lease on its play,
   * renewed with the position reached; when the player dies, one survivor
   * marks the play interrupted there, for the moderator to resume anywhere.
   */
  leases?: Leases;
  logger: Logger;
  ffmpeg: string;
}

interface Playing {
  eventId: string;
  sessionId: string;
  itemId: string;
  /** The play's `at`: which play this is (a pause and resume make a new one). */
  startedAt: string;
  /** Where in the video this play began, and when (this process's clock), to know where it is when it stops. */
  fromMs: number;
  began: number;
  durationMs: number;
  child: ChildProcess | null;
  stop: () => void;
  lease: HeldLease | null;
}

/** What a play's lease carries, for the process that takes it over. */
interface PlayLease extends LeaseState {
  eventId: string;
  sessionId: string;
  itemId: string;
  at: string;
  /** Where the play got to at the holder's last renewal (null: where it began, for a play found with no holder). */
  positionMs: number | null;
}

const playLease = 'play';

/**
 * ffmpeg's arguments: the file at its own pace (-re), from `fromMs`, each
 * track to its plain-RTP port as the producer expects it. A stage copy
 * (VP8/Opus already, transcoded at upload) is sent as it is (-c copy); a
 * video uploaded before stage copies existed is encoded on the way.
 */
export function playbackArgs(file: string, tracks: readonly PlaybackTrack[], options: { copy: boolean; fromMs: number } = { copy: false, fromMs: 0 }): string[] {
  const seek = options.fromMs > 0 ? ['-ss', (options.fromMs / 1000).toFixed(3)] : [];
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-re', ...seek, '-i', file];
  for (const t of tracks) {
    const url = `rtp://127.0.0.1:${t.port}?rtcpport=${t.rtcpPort}&pkt_size=1200`;
    if (t.kind === 'audio') args.push('-map', '0:a:0', ...(options.copy ? ['-c:a', 'copy'] : ['-c:a', 'libopus', '-b:a', '96k', '-ac', '2', '-ar', '48000']));
    else args.push('-map', '0:v:0', ...(options.copy ? ['-c:v', 'copy'] : ['-vf', 'scale=w=1280:h=720:force_original_aspect_ratio=decrease:force_divisible_by=2', '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-b:v', '1200k', '-deadline', 'realtime', '-cpu-used', '8', '-g', '50', '-keyint_min', '25']));
    args.push('-ssrc', String(t.ssrc), '-payload_type', String(t.payloadType), '-f', 'rtp', url);
  }
  return args;
}

/**
 * Plays pre-recorded statements into their session (issue 18, item 3),
 * following the running order's stored playback state: when the current
 * item's playback is `playing`, the session's media opens playback
 * producers (SessionMedia.openPlayback) and ffmpeg sends the file to them
 * as RTP in real time, from the stored position; they reach viewers,
 * booths, the webcast and the archive as a speaker's would. A pause, a
 * stop, a move to another item or the session's end close them (a resume
 * opens new ones at the position). At the video's end the item ends by
 * itself (RunningOrderService.playbackEnded), with its actual time.
 *
 * Decided once: a play starts only on the process whose compare-and-set
 * write started it ('run-changed' fires there only); every other process's
 * write reaches the player through 'run-remote', and it stops if the order
 * no longer wants its play. On shutdown the player marks its play
 * interrupted at the position reached, so the moderator resumes it after
 * the restart; a single process starting after a crash marks a play left
 * "playing" interrupted where that play began (nothing is skipped).
 *
 * With several processes, the player holds a lease on its play (Leases,
 * in Redis), renewed every second with the position reached. A player that
 * dies stops renewing; after 5 s exactly one surviving process takes the
 * lease and marks the play interrupted at the last renewed position (the
 * compare-and-set write on the play's `at` makes a second attempt change
 * nothing), and the room hears it in run:state; the moderator resumes it
 * from any process, whose write starts it there. A play found "playing" at
 * start-up with no lease (every process was down) is adopted and, unless a
 * player renews it, interrupted where that play began.
 */
export class StatementPlayback {
  private readonly deps: StatementPlaybackDeps;
  private readonly playing = new Map<string, Playing>();
  /** Plays being started (their producers being opened): a change meanwhile abandons them, and they stop as soon as they are open. */
  private readonly starting = new Map<string, { itemId: string; at: string }>();
  private readonly onRun = ({ eventId, sessionId, change }: { eventId: string; sessionId: string; change: RunChange }): void => {
    this.follow(eventId, sessionId, change, true).catch((error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not play a recorded statement'));
  };
  private readonly onRemote = ({ eventId, sessionId }: { eventId: string; sessionId: string }): void => {
    if (!this.playing.has(`${eventId}/${sessionId}`) && !this.starting.has(`${eventId}/${sessionId}`)) return;
    this.deps.running.get(eventId, sessionId).then(
      (order) => this.follow(eventId, sessionId, { before: order, after: order }, false),
      (error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not read the running order'),
    );
  };
  private readonly onStatus = ({ eventId, sessionId, status }: { eventId: string; sessionId: string; status: string }): void => {
    if (status !== 'ended' && status !== 'cancelled') return;
    const pending = this.starting.get(`${eventId}/${sessionId}`);
    this.starting.delete(`${eventId}/${sessionId}`);
    const entry = this.playing.get(`${eventId}/${sessionId}`);
    if (!entry) {
      // Still being started: abandoned, and interrupted where it was to begin.
      if (pending) {
        this.deps.running.playbackInterrupted(eventId, sessionId, pending.itemId, pending.at, null).then(
          (change) => change.after !== change.before && this.deps.announce(eventId, change),
          (error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not mark a recorded statement interrupted'),
        );
      }
      return;
    }
    const lease = this.stop(`${eventId}/${sessionId}`);
    // The running order says where it stopped, rather than "playing" for ever.
    this.deps.running.playbackInterrupted(eventId, sessionId, entry.itemId, entry.startedAt, this.position(entry)).then(
      (change) => {
        if (change.after !== change.before) this.deps.announce(eventId, change);
        this.release(lease);
      },
      (error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not mark a recorded statement interrupted'),
    );
  };

  constructor(deps: StatementPlaybackDeps) {
    this.deps = deps;
    deps.events.on('run-changed', this.onRun);
    deps.events.on('run-remote', this.onRemote);
    deps.events.on('session-status', this.onStatus);
    deps.leases?.onExpired(playLease, (_id, state) => this.takeOver(state as PlayLease));
  }

  /**
   * At start-up. Alone on the store: plays left "playing" by a process that
   * died are interrupted, for the moderator to resume. With leases: each is
   * adopted unless its player holds it, and interrupted once if nobody does.
   */
  async recover(): Promise<void> {
    if (this.deps.shared) {
      const leases = this.deps.leases;
      if (!leases) return;
      for (const left of await this.deps.running.playing()) {
        const state: PlayLease = { eventId: left.eventId, sessionId: left.sessionId, itemId: left.itemId, at: left.startedAt, positionMs: null };
        await leases.adopt(playLease, `${left.eventId}/${left.sessionId}`, state);
      }
      return;
    }
    for (const left of await this.deps.running.playing()) {
      const change = await this.deps.running.playbackInterrupted(left.eventId, left.sessionId, left.itemId, left.startedAt, null);
      if (change.after !== change.before) this.deps.announce(left.eventId, change);
    }
  }

  /** The player of this play stopped renewing its lease (dead): interrupted where it last said it was. */
  private async takeOver(lease: PlayLease): Promise<void> {
    const { eventId, sessionId, itemId, at } = lease;
    if (typeof eventId !== 'string' || typeof sessionId !== 'string' || typeof itemId !== 'string' || typeof at !== 'string') return;
    const mine = this.playing.get(`${eventId}/${sessionId}`);
    if (mine?.startedAt === at) return; // still playing here (our renewals failed, not our process)
    const change = await this.deps.running.playbackInterrupted(eventId, sessionId, itemId, at, typeof lease.positionMs === 'number' ? lease.positionMs : null);
    if (change.after === change.before) return;
    this.deps.logger.warn({ eventId, sessionId, itemId, positionMs: lease.positionMs }, 'a recorded statement’s player stopped renewing its lease; the play is marked interrupted for the moderator');
    this.deps.announce(eventId, change);
  }

  private async follow(eventId: string, sessionId: string, change: RunChange, local: boolean): Promise<void> {
    const key = `${eventId}/${sessionId}`;
    const item = change.after.items.find((i) => i.id === change.after.currentItemId);
    const want = item?.playback?.state === 'playing' ? item : null;
    const mine = this.playing.get(key);
    const current = mine ? { itemId: mine.itemId, at: mine.startedAt } : this.starting.get(key);
    if (current && want && current.itemId === want.id && current.at === want.playback?.at) return;
    if (mine) this.release(this.stop(key));
    this.starting.delete(key);
    if (!want?.playback || !local) return;
    // Started by this write, not carried over from an earlier one (an edit while another process plays it).
    const before = change.before.items.find((i) => i.id === want.id);
    if (change.before.currentItemId === want.id && before?.playback?.state === 'playing' && before.playback.at === want.playback.at) return;
    await this.start(eventId, sessionId, want);
  }

  private async start(eventId: string, sessionId: string, item: RunItem): Promise<void> {
    const recording = item.recording;
    const playback = item.playback;
    if (!recording || !playback) return;
    const key = `${eventId}/${sessionId}`;
    const stage = recording.stage?.status === 'ready' && recording.stage.file ? recording.stage.file : null;
    const file = this.deps.recordings.absolute(stage ?? recording.file);
    const token = { itemId: item.id, at: playback.at };
    this.starting.set(key, token);
    const wanted = (): boolean => this.starting.get(key) === token;
    // Cannot be played here: the order says so at once (interrupted where it was), rather than "playing" with nothing playing.
    const cannot = async (error: unknown, why: string): Promise<void> => {
      this.deps.logger.error({ err: error, eventId, sessionId, itemId: item.id, file: stage ?? recording.file }, why);
      if (!wanted()) return;
      this.starting.delete(key);
      const change = await this.deps.running.playbackInterrupted(eventId, sessionId, item.id, playback.at, playback.positionMs);
      if (change.after !== change.before) this.deps.announce(eventId, change);
    };
    if (!fs.existsSync(file)) return cannot(undefined, 'recorded statement missing from the data directory; not played');
    let opened: { tracks: PlaybackTrack[]; stop: () => void };
    try {
      const media = await this.deps.media.session(eventId, sessionId);
      opened = await media.openPlayback({ key: item.id, name: item.speaker ?? item.title, video: recording.video, audio: recording.audio });
    } catch (error) {
      return cannot(error, 'could not open the stage for a recorded statement; not played');
    }
    const { tracks, stop } = opened;
    if (!wanted()) {
      // The order moved on while the producers were being opened.
      try {
        stop();
      } catch {
        // the session's media is gone already
      }
      return;
    }
    this.starting.delete(key);
    const entry: Playing = { eventId, sessionId, itemId: item.id, startedAt: playback.at, fromMs: playback.positionMs, began: Date.now(), durationMs: recording.durationMs, child: null, stop, lease: null };
    this.playing.set(key, entry);
    // Killed with this process, even by SIGKILL: the survivor that takes the play over must be the only one sending it.
    const run = dyingWithServer(this.deps.ffmpeg, playbackArgs(file, tracks, { copy: stage !== null, fromMs: playback.positionMs }));
    const child = spawn(run.command, run.args, { stdio: ['ignore', 'ignore', 'pipe'] });
    entry.child = child;
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    child.on('error', (error) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not start ffmpeg for a recorded statement'));
    child.on('exit', (code, signal) => {
      this.deps.logger.info({ eventId, sessionId, itemId: item.id, code, signal, stderr: code ? stderr : undefined }, 'recorded statement finished');
      if (this.playing.get(key) !== entry) return; // stopped on purpose
      const reached = this.position(entry);
      const lease = this.stop(key);
      // The video's end ends the item; a failure leaves it interrupted where it got to, for the moderator.
      const decided = code === 0
        ? this.deps.running.playbackEnded(eventId, sessionId, item.id, entry.startedAt)
        : this.deps.running.playbackInterrupted(eventId, sessionId, item.id, entry.startedAt, reached);
      decided.then(
        (change) => {
          if (change.after !== change.before) this.deps.announce(eventId, change);
          this.release(lease);
        },
        (error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not record the end of a recorded statement'),
      );
    });
    await this.hold(key, entry);
    this.deps.logger.info({ eventId, sessionId, itemId: item.id, fromMs: playback.positionMs, copy: stage !== null, producers: tracks.map((t) => t.producerId) }, 'playing a recorded statement');
  }

  private position(entry: Playing): number {
    return Math.min(entry.durationMs, entry.fromMs + (Date.now() - entry.began));
  }

  /** Takes the lease on a play just started (released when it stops; a play stopped meanwhile gives it up at once). */
  private async hold(key: string, entry: Playing): Promise<void> {
    const leases = this.deps.leases;
    if (!leases) return;
    const state = (): PlayLease => ({ eventId: entry.eventId, sessionId: entry.sessionId, itemId: entry.itemId, at: entry.startedAt, positionMs: this.position(entry) });
    entry.lease = await leases.hold(playLease, key, state, () => {
      // Taken for dead by another process, which marked the play interrupted: this player stops too.
      if (this.playing.get(key) === entry) this.stop(key);
    });
    if (this.playing.get(key) !== entry) this.release(entry.lease);
  }

  private release(lease: HeldLease | null): void {
    lease?.release().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'could not release the lease on a recorded statement’s play'));
  }

  /** Stops the play here; returns its lease, for the caller to release once the order says where it stopped. */
  private stop(key: string): HeldLease | null {
    const entry = this.playing.get(key);
    if (!entry) return null;
    this.playing.delete(key);
    if (entry.child && entry.child.exitCode === null) entry.child.kill('SIGKILL');
    try {
      entry.stop();
    } catch {
      // the session's media is gone already
    }
    return entry.lease;
  }

  /** Shutting down: every play here stops and is marked interrupted where it got to, so the moderator can resume it after the restart. */
  async close(): Promise<void> {
    this.deps.events.off('run-changed', this.onRun);
    this.deps.events.off('run-remote', this.onRemote);
    this.deps.events.off('session-status', this.onStatus);
    this.starting.clear();
    const left = [...this.playing.values()];
    for (const entry of left) this.stop(`${entry.eventId}/${entry.sessionId}`);
    for (const entry of left) {
      try {
        await this.deps.running.playbackInterrupted(entry.eventId, entry.sessionId, entry.itemId, entry.startedAt, this.position(entry));
        // Written: nobody needs to take it over. (Not written: the lease expires and a survivor marks it.)
        await entry.lease?.release();
      } catch (error) {
        this.deps.logger.error({ err: error, eventId: entry.eventId, sessionId: entry.sessionId }, 'could not mark a recorded statement interrupted');
      }
    }
  }
}
