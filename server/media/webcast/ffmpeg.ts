import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import type { RtpParameters } from 'mediasoup/types';

/** Webcast settings (WEBCAST_* in the environment, or StartOptions.webcast in tests). */
export interface WebcastOptions {
  enabled: boolean;
  /** The ffmpeg binary (Debian's package: `apt-get install ffmpeg`). */
  ffmpeg: string;
  /** At most this many sessions encode at once on this process. */
  maxEncoders: number;
  /** HLS segment length in seconds (short: the webcast's latency is about three of them). */
  segmentSeconds: number;
  /** Segments a live media playlist lists. */
  listSize: number;
  fps: number;
  /** The composed video's two qualities. */
  qualities: { name: string; width: number; height: number; videoKbps: number }[];
  audioKbps: number;
  /** x264 preset: ultrafast keeps an encoder at a fraction of a core. */
  preset: string;
  /** A font for the names as lower thirds; none found: no names drawn. */
  fontFile: string | null;
}

const fontCandidates = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'];

export function webcastOptions(env: NodeJS.ProcessEnv = process.env, override: Partial<WebcastOptions> = {}): WebcastOptions {
  const num = (name: string, fallback: number): number => {
    const value = Number(env[name]);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    enabled: env.WEBCAST_ENABLED !== 'false',
    ffmpeg: env.WEBCAST_FFMPEG || 'ffmpeg',
    maxEncoders: num('WEBCAST_MAX_ENCODERS', 4),
    segmentSeconds: num('WEBCAST_SEGMENT_SECONDS', 1),
    listSize: num('WEBCAST_LIST_SIZE', 10),
    fps: num('WEBCAST_FPS', 25),
    qualities: [
      { name: 'hi', width: 1280, height: 720, videoKbps: 2000 },
      { name: 'lo', width: 640, height: 360, videoKbps: 600 },
    ],
    audioKbps: 96,
    preset: env.WEBCAST_PRESET || 'ultrafast',
    fontFile: fontCandidates.find((f) => fs.existsSync(f)) ?? null,
    ...override,
  };
}

const probed = new Map<string, boolean>();

/** Whether the ffmpeg binary runs (probed once per path). */
export function ffmpegAvailable(bin: string): boolean {
  let ok = probed.get(bin);
  if (ok === undefined) {
    ok = spawnSync(bin, ['-hide_banner', '-version'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
    probed.set(bin, ok);
  }
  return ok;
}

/** An even UDP port with the next one free too (RTP and RTCP for ffmpeg's input). */
export async function freeUdpPair(ip = '127.0.0.1'): Promise<number> {
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, ip, () => socket.close(() => resolve(true)));
    });
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = 20000 + 2 * Math.floor(Math.random() * 9000);
    if ((await free(port)) && (await free(port + 1))) return port;
  }
  throw new Error('no free UDP port pair for the webcast encoder');
}

/** An SDP file for ffmpeg's RTP input of one mediasoup consumer. */
export function sdpFor(kind: 'audio' | 'video', port: number, rtp: RtpParameters, ip = '127.0.0.1'): string {
  const codec = rtp.codecs[0];
  if (!codec) throw new Error('consumer without a codec');
  const pt = codec.payloadType;
  const name = codec.mimeType.split('/')[1] ?? '';
  const lines = ['v=0', `o=- 0 0 IN IP4 ${ip}`, 's=plenary-webcast', `c=IN IP4 ${ip}`, 't=0 0', `m=${kind} ${port} RTP/AVP ${pt}`, `a=rtcp:${port + 1}`];
  lines.push(`a=rtpmap:${pt} ${name}/${codec.clockRate}${codec.channels && codec.channels > 1 ? `/${codec.channels}` : ''}`);
  const params = Object.entries(codec.parameters ?? {})
    .filter(([k]) => !k.startsWith('x-google'))
    .map(([k, v]) => `${k}=${String(v)}`);
  if (params.length > 0) lines.push(`a=fmtp:${pt} ${params.join(';')}`);
  lines.push('a=recvonly');
  return `${lines.join('\r\n')}\r\n`;
}

/** Escapes a value for ffmpeg's filter graph syntax (drawtext options). */
export function filterValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/:/g, '\\:').replace(/,/g, '\\,').replace(/;/g, '\\;').replace(/\[/g, '\\[').replace(/\]/g, '\\]');
}

export interface EncoderInput {
  kind: 'audio' | 'video';
  sdpPath: string;
  /** Audio: 'floor' (mixed) or an interpretation language; video: the tile's name file (lower third). */
  role: 'floor' | 'interpretation' | 'video';
  language?: string;
  nameFile?: string;
}

export interface EncoderPlan {
  inputs: EncoderInput[];
  /** Languages of the interpretation renditions, in input order. */
  languages: string[];
  dir: string;
  run: number;
  /** Seconds since the webcast started: every run's timestamps continue the first's (gaps kept), so renditions started in later runs line up. */
  offsetSeconds: number;
}

/** ffmpeg's arguments for one run of a session's encoder. */
export function ffmpegArgs(plan: EncoderPlan, o: WebcastOptions): string[] {
  const args = ['-hide_banner', '-loglevel', 'warning', '-nostdin', '-y'];
  const videos: number[] = [];
  const floors: number[] = [];
  const channels: { index: number; language: string }[] = [];
  plan.inputs.forEach((input, index) => {
    args.push('-protocol_whitelist', 'file,udp,rtp', '-thread_queue_size', '1024', '-analyzeduration', '3000000', '-probesize', '2000000', '-i', input.sdpPath);
    if (input.role === 'video') videos.push(index);
    else if (input.role === 'floor') floors.push(index);
    else channels.push({ index, language: input.language ?? 'und' });
  });
  let next = plan.inputs.length;
  const [hi, ...others] = o.qualities;
  if (!hi) throw new Error('no webcast quality');
  const { width: W, height: H } = hi;
  const graph: string[] = [];
  if (videos.length === 0) {
    args.push('-re', '-f', 'lavfi', '-i', `color=c=0x1d2433:s=${W}x${H}:r=${o.fps}`);
    graph.push(`[${next}:v]null[vbase]`);
    next += 1;
  } else {
    const shown = videos.slice(0, 4);
    const tileW = shown.length === 1 ? W : Math.floor(W / 2 / 2) * 2;
    const tileH = shown.length === 1 ? H : Math.floor(H / 2 / 2) * 2;
    shown.forEach((index, i) => {
      const input = plan.inputs[index];
      const label = o.fontFile && input?.nameFile
        ? `,drawtext=fontfile='${filterValue(o.fontFile)}':textfile='${filterValue(input.nameFile)}':fontcolor=white:fontsize=h/14:box=1:boxcolor=black@0.55:boxborderw=6:x=12:y=h-th-16`
        : '';
      graph.push(`[${index}:v]fps=${o.fps},scale=${tileW}:${tileH}:force_original_aspect_ratio=decrease,pad=${tileW}:${tileH}:(ow-iw)/2:(oh-ih)/2,setsar=1${label}[t${i}]`);
    });
    if (shown.length === 1) graph.push('[t0]null[vbase]');
    else {
      const layout = ['0_0', 'w0_0', '0_h0', 'w0_h0'].slice(0, shown.length).join('|');
      graph.push(`${shown.map((_, i) => `[t${i}]`).join('')}xstack=inputs=${shown.length}:layout=${layout}:fill=0x1d2433,pad=${W}:${H}:(ow-iw)/2:(oh-ih)/2:color=0x1d2433[vbase]`);
    }
  }
  graph.push(`[vbase]split=${o.qualities.length}${o.qualities.map((q) => `[v${q.name}0]`).join('')}`);
  graph.push(`[v${hi.name}0]null[v${hi.name}]`);
  for (const q of others) graph.push(`[v${q.name}0]scale=${q.width}:${q.height}[v${q.name}]`);
  if (floors.length === 0) {
    args.push('-re', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo');
    graph.push(`[${next}:a]anull[floor]`);
    next += 1;
  } else if (floors.length === 1) {
    graph.push(`[${floors[0]}:a]aresample=48000[floor]`);
  } else {
    graph.push(`${floors.map((i) => `[${i}:a]`).join('')}amix=inputs=${floors.length}:duration=longest:normalize=0[floor]`);
  }
  args.push('-filter_complex', graph.join(';'));
  const hls = (name: string): string[] => [
    '-f', 'hls',
    '-hls_time', String(o.segmentSeconds),
    '-hls_list_size', String(o.listSize),
    '-hls_flags', 'append_list+discont_start+temp_file+program_date_time+independent_segments+omit_endlist',
    '-hls_segment_type', 'mpegts',
    '-hls_segment_filename', `${plan.dir}/${name}-r${plan.run}-%05d.ts`,
    '-output_ts_offset', plan.offsetSeconds.toFixed(3),
    `${plan.dir}/${name}.m3u8`,
  ];
  const gop = Math.max(1, Math.round(o.fps * o.segmentSeconds));
  for (const q of o.qualities) {
    args.push(
      '-map', `[v${q.name}]`, '-an',
      '-c:v', 'libx264', '-preset', o.preset, '-tune', 'zerolatency', '-profile:v', 'baseline', '-level', '3.1', '-pix_fmt', 'yuv420p',
      '-r', String(o.fps), '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
      '-b:v', `${q.videoKbps}k`, '-maxrate', `${q.videoKbps}k`, '-bufsize', `${q.videoKbps * 2}k`,
      ...hls(`video-${q.name}`),
    );
  }
  const audio = (map: string, name: string): string[] => ['-map', map, '-vn', '-c:a', 'aac', '-b:a', `${o.audioKbps}k`, '-ac', '2', '-ar', '48000', ...hls(name)];
  args.push(...audio('[floor]', 'audio-floor'));
  for (const c of channels) args.push(...audio(`${c.index}:a`, `audio-${c.language}`));
  return args;
}
