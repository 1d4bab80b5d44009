import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../errors.ts';
import { defaultMaxRecordingBytes, readProbe, sniffContainer, type ProbeResult, type VideoContainer } from '../domain/recorded-statements.ts';

export interface RecordedStatementsOptions {
  /** The data directory: videos go under `statements/` in it. */
  dataDir: string;
  maxBytes: number;
  ffmpeg: string;
  ffprobe: string;
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

  async remove(file: string): Promise<void> {
    await fs.promises.rm(this.absolute(file), { force: true });
  }
}

/** Options from the environment: RECORDING_MAX_BYTES, and the webcast's ffmpeg (WEBCAST_FFMPEG) with ffprobe beside it (WEBCAST_FFPROBE). */
export function recordedStatementsOptions(dataDir: string, env: NodeJS.ProcessEnv = process.env): RecordedStatementsOptions {
  const max = Number(env.RECORDING_MAX_BYTES);
  const ffmpeg = env.WEBCAST_FFMPEG || 'ffmpeg';
  const ffprobe = env.WEBCAST_FFPROBE || (ffmpeg.endsWith('ffmpeg') ? `${ffmpeg.slice(0, -'ffmpeg'.length)}ffprobe` : 'ffprobe');
  return { dataDir, maxBytes: Number.isFinite(max) && max > 0 ? max : defaultMaxRecordingBytes, ffmpeg, ffprobe };
}
