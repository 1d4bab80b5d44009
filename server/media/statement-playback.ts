import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { RunItem } from '../domain/running-order.ts';
import type { Logger } from '../logger.ts';
import type { FloorEvents } from '../realtime/broadcast.ts';
import type { RecordedStatements } from '../services/recorded-statements.ts';
import type { RunChange } from '../services/running-order-service.ts';
import type { MediaService } from './media-service.ts';
import type { PlaybackTrack } from './session-media.ts';

export interface StatementPlaybackDeps {
  media: MediaService;
  recordings: RecordedStatements;
  events: EventEmitter<FloorEvents>;
  logger: Logger;
  ffmpeg: string;
}

interface Playing {
  itemId: string;
  child: ChildProcess | null;
  stop: () => void;
}

/** ffmpeg's arguments: the file at its own pace (-re), each track to its plain-RTP port as the producer expects it. */
export function playbackArgs(file: string, tracks: readonly PlaybackTrack[]): string[] {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-i', file];
  for (const t of tracks) {
    const url = `rtp://127.0.0.1:${t.port}?rtcpport=${t.rtcpPort}&pkt_size=1200`;
    if (t.kind === 'audio') args.push('-map', '0:a:0', '-c:a', 'libopus', '-b:a', '96k', '-ac', '2', '-ar', '48000');
    else args.push('-map', '0:v:0', '-vf', 'scale=w=1280:h=720:force_original_aspect_ratio=decrease:force_divisible_by=2', '-pix_fmt', 'yuv420p', '-c:v', 'libvpx', '-b:v', '1200k', '-deadline', 'realtime', '-cpu-used', '8', '-g', '50', '-keyint_min', '25');
    args.push('-ssrc', String(t.ssrc), '-payload_type', String(t.payloadType), '-f', 'rtp', url);
  }
  return args;
}

/**
 * Plays pre-recorded statements into their session (issue 18, item 3).
 * When the running order moves to a pre-recorded statement with a video,
 * the session's media opens playback producers (SessionMedia.openPlayback)
 * and ffmpeg sends the file to them as RTP in real time; they reach
 * viewers, booths, the webcast and the archive as a speaker's would. It
 * stops when the file ends or the order moves on (or the session ends).
 *
 * Decided once: the 'run-changed' event fires only on the process whose
 * compare-and-set write moved the order, so exactly one process plays; the
 * media cluster pipes its producers to the others' viewers.
 */
export class StatementPlayback {
  private readonly deps: StatementPlaybackDeps;
  private readonly playing = new Map<string, Playing>();
  private readonly onRun = ({ eventId, sessionId, change }: { eventId: string; sessionId: string; change: RunChange }): void => {
    this.follow(eventId, sessionId, change).catch((error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not play a recorded statement'));
  };
  private readonly onStatus = ({ eventId, sessionId, status }: { eventId: string; sessionId: string; status: string }): void => {
    if (status === 'ended' || status === 'cancelled') this.stop(`${eventId}/${sessionId}`);
  };

  constructor(deps: StatementPlaybackDeps) {
    this.deps = deps;
    deps.events.on('run-changed', this.onRun);
    deps.events.on('session-status', this.onStatus);
  }

  private async follow(eventId: string, sessionId: string, change: RunChange): Promise<void> {
    const key = `${eventId}/${sessionId}`;
    const item = change.after.items.find((i) => i.id === change.after.currentItemId);
    const now = this.playing.get(key);
    if (now && now.itemId === item?.id && change.before.currentItemId === item.id) return; // an edit, not a move
    if (now) this.stop(key);
    // Only a video a moderator or organiser approved goes to the floor.
    if (item?.prerecorded && item.recording?.approvedAt) await this.start(eventId, sessionId, item);
  }

  private async start(eventId: string, sessionId: string, item: RunItem): Promise<void> {
    const recording = item.recording;
    if (!recording) return;
    const key = `${eventId}/${sessionId}`;
    const file = this.deps.recordings.absolute(recording.file);
    if (!fs.existsSync(file)) {
      this.deps.logger.error({ eventId, sessionId, itemId: item.id, file: recording.file }, 'recorded statement missing from the data directory; not played');
      return;
    }
    const media = await this.deps.media.session(eventId, sessionId);
    const { tracks, stop } = await media.openPlayback({ key: item.id, name: item.speaker ?? item.title, video: recording.video, audio: recording.audio });
    const entry: Playing = { itemId: item.id, child: null, stop };
    this.playing.set(key, entry);
    const child = spawn(this.deps.ffmpeg, playbackArgs(file, tracks), { stdio: ['ignore', 'ignore', 'pipe'] });
    entry.child = child;
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    child.on('error', (error) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not start ffmpeg for a recorded statement'));
    child.on('exit', (code, signal) => {
      this.deps.logger.info({ eventId, sessionId, itemId: item.id, code, signal, stderr: code ? stderr : undefined }, 'recorded statement finished');
      // The statement is over when the video is: its producers leave the stage.
      if (this.playing.get(key) === entry) this.stop(key);
    });
    this.deps.logger.info({ eventId, sessionId, itemId: item.id, producers: tracks.map((t) => t.producerId) }, 'playing a recorded statement');
  }

  private stop(key: string): void {
    const entry = this.playing.get(key);
    if (!entry) return;
    this.playing.delete(key);
    if (entry.child && entry.child.exitCode === null) entry.child.kill('SIGKILL');
    try {
      entry.stop();
    } catch {
      // the session's media is gone already
    }
  }

  close(): void {
    this.deps.events.off('run-changed', this.onRun);
    this.deps.events.off('session-status', this.onStatus);
    for (const key of [...this.playing.keys()]) this.stop(key);
  }
}
