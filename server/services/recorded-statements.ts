import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../errors.ts';
import { dyingWithServer } from './die-with-server.ts';
import { defaultMaxRecordingBytes, readProbe, sniffContainer, type ProbeResult, type VideoContainer } from '../domain/recorded-statements.ts';

export interface RecordedStatementsOptions {
  /** The data directory: videos go under `statements/` in it. */
  dataDir: string;
  maxBytes: number;
  ffmpeg: string;
  ffprobe: string;
  /** The stage format's frame (every stage copy is this size, letterboxed), 1280×720 unless RECORDING_STAGE_SIZE says otherwise. */
  stageSize?: { width: number; height: number };
}

/** The one format the stage plays: VP8 and Opus in WebM, a fixed frame and 25 fps, a key frame every second (so a resume can seek to within a second). */
export function stageArgs(source: string, target: string, size: { width: number; height: number }): string[] {
  const { width: w, height: h } = size;
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-xerror', '-y', '-i', source,
    '-map', '0:v:0?', '-map', '0:a:0?',
    '-vf', `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,fps=25,format=yuv420p`,
    // No hidden alt-ref frames: the file goes to RTP packet by packet, as a browser's encoder would send it.
    '-c:v', 'libvpx', '-b:v', '1200k', '-deadline', 'realtime', '-cpu-used', '8', '-g', '25', '-keyint_min', '25', '-auto-alt-ref', '0', '-lag-in-frames', '0',
    '-c:a', 'libopus', '-b:a', '96k', '-ac', '2', '-ar', '48000',
    '-progress', 'pipe:1', '-nostats', '-f', 'webm', target,
  ];
}

export interface StoredVideo extends ProbeResult {
  /** Relative to the data directory. */
  file: string;
  container: VideoContainer;
  bytes: number;
  sha256: string;
}

function run(bin: string, args: string[], timeoutMs: number): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ status: null, stdout, stderr: String(error) });
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** Reads and drops a request body, so a refusal reaches the client rather than a reset connection. */
export async function drain(body: Readable): Promise<void> {
  try {
    for await (const _chunk of body) {
      // dropped
    }
  } catch {
    // the client went away
  }
}

/**
 * Pre-recorded statements' videos on disk (issue 18, item 2).
 *
 * Where: the data directory (`<data>/statements/<event>/<session>/`), not
 * the store. Videos are hundreds of megabytes: a MongoDB document holds at
 * most 16 MB and the embedded SQLite store would grow by every upload and
 * be copied whole by backups; and playback hands ffmpeg a file path. With
 * several processes the data directory is shared already (the embedded
 * store lives there, and the webcast's HLS and archive are written there
 * and served by any process), so a deployment that runs replicas mounts
 * one volume for it; the store keeps the metadata (path, size, SHA-256,
 * probe) in the running order under compare-and-set, so every process
 * agrees which file an item plays, and a process that cannot find the
 * file refuses to play it rather than playing something else.
 *
 * An upload streams to a temporary file (never all in memory), refused
 * beyond `maxBytes` (recording_too_large), unless its first bytes are
 * MP4, WebM or Matroska (recording_type), or when ffprobe finds no
 * playable stream or ffmpeg cannot decode its first seconds
 * (recording_undecodable); only then is it moved into place under a name
 * with its hash.
 */
export class RecordedStatements {
  private readonly options: RecordedStatementsOptions;

  constructor(options: RecordedStatementsOptions) {
    this.options = options;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  absolute(file: string): string {
    return path.join(this.options.dataDir, file);
  }

  async accept(body: Readable, where: { eventId: string; sessionId: string; itemId: string }, declaredBytes?: number): Promise<StoredVideo> {
    const { maxBytes } = this.options;
    if (declaredBytes !== undefined && Number.isFinite(declaredBytes) && declaredBytes > maxBytes) {
      await drain(body);
      throw new AppError('recording_too_large', `A recorded statement may be at most ${maxBytes} bytes.`);
    }
    const dir = path.join(this.options.dataDir, 'statements', where.eventId, where.sessionId);
    await fs.promises.mkdir(dir, { recursive: true });
    const temp = path.join(dir, `.upload-${crypto.randomUUID()}`);
    const hash = crypto.createHash('sha256');
    let bytes = 0;
    let tooLarge = false;
    const head: Buffer[] = [];
    let headBytes = 0;
    try {
      // Read by hand rather than piped: the request must not be destroyed (its connection may be kept alive).
      const out = await fs.promises.open(temp, 'w');
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          bytes += chunk.byteLength;
          if (bytes > maxBytes) {
            tooLarge = true;
            continue; // read and drop the rest, so the client gets the answer
          }
          if (headBytes < 64) {
            head.push(chunk);
            headBytes += chunk.byteLength;
          }
          hash.update(chunk);
          await out.write(chunk);
        }
      } finally {
        await out.close();
      }
      if (tooLarge) throw new AppError('recording_too_large', `A recorded statement may be at most ${maxBytes} bytes.`);
      const container = sniffContainer(Buffer.concat(head));
      if (!container) throw new AppError('recording_type', 'A recorded statement must be an MP4, WebM or Matroska video.');
      const probe = await this.probe(temp);
      const sha256 = hash.digest('hex');
      const file = path.join('statements', where.eventId, where.sessionId, `${where.itemId}-${sha256.slice(0, 16)}.${container}`);
      await fs.promises.rename(temp, this.absolute(file));
      return { file, container, bytes, sha256, ...probe };
    } finally {
      await fs.promises.rm(temp, { force: true });
    }
  }

  /** ffprobe's streams and duration, and ffmpeg decoding the first two seconds; recording_undecodable when either fails. */
  async probe(file: string): Promise<ProbeResult> {
    const refused = (): AppError => new AppError('recording_undecodable', 'That video cannot be played: the file is damaged or its codecs are unknown.');
    const probe = await run(this.options.ffprobe, ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', file], 30_000);
    if (probe.status !== 0) throw refused();
    let json: unknown;
    try {
      json = JSON.parse(probe.stdout);
    } catch {
      throw refused();
    }
    const result = readProbe(json);
    if (!result) throw refused();
    const decode = await run(this.options.ffmpeg, ['-v', 'error', '-xerror', '-i', file, '-t', '2', '-f', 'null', '-'], 60_000);
    if (decode.status !== 0) throw refused();
    return result;
  }

  /**
   * The stage copy of an accepted video (stageArgs), beside it as
   * `….stage.webm`; `onProgress` hears the fraction done. Refused with
   * recording_undecodable when ffmpeg meets damage anywhere in the file
   * (the upload's probe decoded only its first seconds). `signal` aborts it
   * (shutdown).
   */
  async transcode(video: { file: string; durationMs: number }, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<string> {
    const file = video.file.replace(/\.[a-z0-9]+$/, '') + '.stage.webm';
    // Its own name: a survivor taking over a dead process's copy never writes into the file the dead one's ffmpeg may still hold.
    const temp = `${this.absolute(file)}.${crypto.randomUUID()}.part`;
    const size = this.options.stageSize ?? { width: 1280, height: 720 };
    try {
      const status = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        // Killed with this process, even by SIGKILL, rather than transcoding on while a survivor makes the same copy.
        const run = dyingWithServer(this.options.ffmpeg, stageArgs(this.absolute(video.file), temp, size));
        const child = spawn(run.command, run.args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
        let stderr = '';
        let pending = '';
        child.stdout.on('data', (c: Buffer) => {
          pending += c.toString();
          const lines = pending.split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) {
            const m = /^out_time_us=(\d+)/.exec(line);
            if (m && video.durationMs > 0) onProgress(Math.min(1, Number(m[1]) / 1000 / video.durationMs));
          }
        });
        child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
        child.on('error', (error) => resolve({ code: null, stderr: String(error) }));
        child.on('close', (code) => resolve({ code, stderr }));
      });
      if (status.code !== 0) throw new AppError('recording_undecodable', `That video cannot be converted for the stage: the file is damaged or its codecs are unknown. ${status.stderr.trim().split('\n').slice(-2).join(' ')}`.trim());
      await fs.promises.rename(temp, this.absolute(file));
      return file;
    } finally {
      await fs.promises.rm(temp, { force: true });
    }
  }

  async remove(file: string): Promise<void> {
    await fs.promises.rm(this.absolute(file), { force: true });
  }

  /**
   * The temporary files other transcodes of this stage copy left (a process
   * killed mid-job; its ffmpeg may still be writing to its file, which goes
   * when it exits): removed once the copy is made.
   */
  async removeLeftovers(file: string): Promise<number> {
    const target = this.absolute(file);
    const dir = path.dirname(target);
    const prefix = `${path.basename(target)}.`;
    const left = (await fs.promises.readdir(dir).catch(() => [] as string[])).filter((f) => f.startsWith(prefix) && f.endsWith('.part'));
    for (const f of left) await fs.promises.rm(path.join(dir, f), { force: true });
    return left.length;
  }
}

/** Options from the environment: RECORDING_MAX_BYTES, RECORDING_STAGE_SIZE (WxH), and the webcast's ffmpeg (WEBCAST_FFMPEG) with ffprobe beside it (WEBCAST_FFPROBE). */
export function recordedStatementsOptions(dataDir: string, env: NodeJS.ProcessEnv = process.env): RecordedStatementsOptions {
  const max = Number(env.RECORDING_MAX_BYTES);
  const ffmpeg = env.WEBCAST_FFMPEG || 'ffmpeg';
  const ffprobe = env.WEBCAST_FFPROBE || (ffmpeg.endsWith('ffmpeg') ? `${ffmpeg.slice(0, -'ffmpeg'.length)}ffprobe` : 'ffprobe');
  const size = /^(\d{2,4})x(\d{2,4})$/.exec(env.RECORDING_STAGE_SIZE ?? '');
  const stageSize = size ? { width: Number(size[1]) & ~1, height: Number(size[2]) & ~1 } : undefined;
  return { dataDir, maxBytes: Number.isFinite(max) && max > 0 ? max : defaultMaxRecordingBytes, ffmpeg, ffprobe, ...(stageSize ? { stageSize } : {}) };
}
