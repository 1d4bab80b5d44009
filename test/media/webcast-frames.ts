// What the webcast composition tests share: the encoder settings they run
// with, cameras of one colour sent over RTP, and the newest frame of the
// composed picture read back from the HLS as a player decodes it.
import { spawn, type ChildProcess } from 'node:child_process';
import type { WebcastOptions } from '../../server/media/webcast/ffmpeg.ts';
import type { NodeMediaClient } from './support.ts';

export type Rgb = [number, number, number];

/** A webcast whose large quality is width×height (the suite switches encoders off elsewhere: test/vitest.config.ts). */
export function webcastSettings(width: number, height: number, videoKbps: number): Partial<WebcastOptions> {
  return {
    enabled: true,
    qualities: [
      { name: 'hi', width, height, videoKbps },
      { name: 'lo', width: 320, height: 180, videoKbps: 150 },
    ],
    fps: 15,
    segmentSeconds: 1,
    listSize: 6,
    audioKbps: 48,
  };
}

/** The newest frame of the webcast's large quality (its media playlist at `url`) as RGB, width×height. */
export function lastFrame(url: string, token: string, width: number, height: number): Promise<Buffer> {
  return oneFrame(['-live_start_index', '-1', '-i', url], token, width, height);
}

/** The first frame of one segment of the webcast (its address `url`) as RGB, width×height. */
export function segmentFrame(url: string, token: string, width: number, height: number): Promise<Buffer> {
  return oneFrame(['-i', url], token, width, height);
}

/** The mean colour of an RGB frame. */
export function meanColour(frame: Buffer): Rgb {
  const sum = [0, 0, 0];
  for (let i = 0; i + 2 < frame.length; i += 3) for (let c = 0; c < 3; c += 1) sum[c]! += frame[i + c]!;
  const n = Math.max(1, Math.floor(frame.length / 3));
  return [Math.round(sum[0]! / n), Math.round(sum[1]! / n), Math.round(sum[2]! / n)];
}

/** One frame, read as a player reads the webcast (bearer token), decoded to RGB. */
function oneFrame(input: string[], token: string, width: number, height: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-headers', `Authorization: Bearer ${token}\r\n`, ...input, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      const frame = Buffer.concat(chunks);
      if (code === 0 && frame.length === width * height * 3) resolve(frame);
      else reject(new Error(`no frame (${String(code)}): ${stderr}`));
    });
  });
}

/** The name of the colour of `palette` nearest to the pixel (x, y) of an RGB frame `width` wide, or 'other' with the pixel when none is within `tolerance`. */
export function colourAt(frame: Buffer, width: number, x: number, y: number, palette: Record<string, Rgb>, tolerance = 60): string {
  const at = (Math.round(y) * width + Math.round(x)) * 3;
  const px: Rgb = [frame[at] ?? 0, frame[at + 1] ?? 0, frame[at + 2] ?? 0];
  for (const [name, c] of Object.entries(palette)) {
    if (c.every((v, i) => Math.abs(v - (px[i] ?? 0)) < tolerance)) return name;
  }
  return `other(${px.join(',')})`;
}

export const hex = (c: Rgb): string => c.map((v) => v.toString(16).padStart(2, '0')).join('');

/**
 * A camera of one colour (VP8) and, unless `tone` is null, a microphone
 * playing a sine of `tone` Hz (Opus), produced by the client and sent in
 * real time by ffmpeg over RTP; the caller kills `sender`.
 */
export async function colourCamera(media: NodeMediaClient, colour: Rgb, tone: number | null): Promise<{ video: string; audio: string | null; sender: ChildProcess }> {
  const cam = await media.produceRtp('video', { source: 'camera' });
  const mic = tone === null ? null : await media.produceRtp('audio', { source: 'mic' });
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-f', 'lavfi', '-i', `color=c=0x${hex(colour)}:s=320x180:r=15`];
  if (mic) args.push('-re', '-f', 'lavfi', '-i', `sine=f=${tone}:r=48000`);
  args.push('-map', '0:v', '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '150k', '-g', '15', '-ssrc', String(cam.ssrc), '-payload_type', String(cam.payloadType), '-f', 'rtp', `rtp://127.0.0.1:${cam.port}`);
  if (mic) args.push('-map', '1:a', '-c:a', 'libopus', '-ac', '2', '-b:a', '32k', '-ssrc', String(mic.ssrc), '-payload_type', String(mic.payloadType), '-f', 'rtp', `rtp://127.0.0.1:${mic.port}`);
  return { video: cam.producerId, audio: mic?.producerId ?? null, sender: spawn('ffmpeg', args, { stdio: 'ignore' }) };
}
