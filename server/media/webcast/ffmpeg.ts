import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import type { RtpParameters } from 'mediasoup/types';
import { drawtextFont, faceFile, installedFonts, type FontFace, type WebcastFonts } from './fonts.ts';
import { geometry, maxStageVideos, type Rect } from './layout.ts';

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
  /** Faces for the lower thirds, one per script (fonts.ts); none found: no names drawn. */
  fonts: WebcastFonts;
  /** Finished recordings are deleted this many days after their session ended (WEBCAST_RETENTION_DAYS); null keeps them. */
  retentionDays: number | null;
}

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
    fonts: override.fonts ?? installedFonts(),
    retentionDays: env.WEBCAST_RETENTION_DAYS && Number(env.WEBCAST_RETENTION_DAYS) > 0 ? Number(env.WEBCAST_RETENTION_DAYS) : null,
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
  /** Audio: 'floor' (mixed) or an interpretation language; video: a stage video or the sign-language interpreter's camera. */
  role: 'floor' | 'interpretation' | 'video' | 'sign';
  language?: string;
}

/** What the composition draws and where the lower thirds come from (files drawtext reloads every frame, replaced atomically). */
export interface EncoderLayout {
  /** Slot k (0: the large one, then the strip) shows the stage video order[k]; changed at run time by commands (EncoderRun.setOrder). */
  order: number[];
  /** A lower-third file per slot. */
  slotFiles: string[];
  /** The running order's current item. */
  itemFile: string;
  /** The sign-language interpreter's name. */
  signFile: string;
}

export interface EncoderPlan {
  inputs: EncoderInput[];
  /** Languages of the interpretation renditions, in input order. */
  languages: string[];
  /** Interpretation renditions that go on silent in this run, none of them an input's (the holding picture keeps every language the webcast had). */
  silentLanguages?: string[];
  dir: string;
  run: number;
  /** Seconds since the webcast started: every run's timestamps continue the first's (gaps kept), so renditions started in later runs line up. */
  offsetSeconds: number;
  layout: EncoderLayout;
}

/** The streamselect filter feeding a slot: its `map` command switches which stage video the slot shows without restarting ffmpeg. */
export const slotFilter = (slot: number): string => `streamselect@slot${slot}`;

const background = '0x1d2433';

/**
 * A lower third as filters: one drawtext per face, each reading its own
 * file of the text (fonts.ts: the face that has the text's characters gets
 * it, the others an empty file, which draws nothing). White on a dark box,
 * left-aligned; drawtext shapes Arabic and orders right-to-left runs
 * (fribidi, its text_shaping default).
 */
export function drawTexts(file: string, size: number, y: string, faces: readonly FontFace[]): string {
  return faces
    .map(
      (face) =>
        `,drawtext=fontfile='${filterValue(drawtextFont(face))}':textfile='${filterValue(faceFile(file, face))}':reload=1:fontcolor=white:fontsize=${size}:box=1:boxcolor=black@0.6:boxborderw=${Math.max(2, Math.round(size / 3))}:x=${Math.max(4, Math.round(size / 2))}:y=${y}`,
    )
    .join('');
}

/** The large slot's lower thirds: its name above the running order's item, sized to the slot's height. */
export function mainTextPlacement(mainHeight: number): { nameSize: number; nameY: string; itemSize: number; itemY: string } {
  const nameSize = Math.max(10, Math.round(mainHeight / 17));
  const itemSize = Math.max(8, Math.round(mainHeight / 26));
  return { nameSize, nameY: `h-th-${Math.round(itemSize * 1.6 + nameSize * 0.7)}`, itemSize, itemY: `h-th-${Math.round(itemSize * 0.6)}` };
}

/** ffmpeg's arguments for one run of a session's encoder. */
export function ffmpegArgs(plan: EncoderPlan, o: WebcastOptions): string[] {
  // No -nostdin: the layout is switched through ffmpeg's command key ('c' on stdin, session-encoder.ts).
  const args = ['-hide_banner', '-loglevel', 'warning', '-y'];
  const videos: number[] = [];
  let sign: number | null = null;
  const floors: number[] = [];
  const channels: { index: number; language: string }[] = [];
  plan.inputs.forEach((input, index) => {
    // A sender changing its resolution must not rebuild the filter graph (which would forget the layout commands): the scale filters follow it.
    if (input.kind === 'video') args.push('-reinit_filter', '0');
    args.push('-protocol_whitelist', 'file,udp,rtp', '-thread_queue_size', '1024', '-analyzeduration', '3000000', '-probesize', '2000000', '-i', input.sdpPath);
    if (input.role === 'video') videos.push(index);
    else if (input.role === 'sign') sign ??= index;
    else if (input.role === 'floor') floors.push(index);
    else channels.push({ index, language: input.language ?? 'und' });
  });
  let next = plan.inputs.length;
  const [hi, ...others] = o.qualities;
  if (!hi) throw new Error('no webcast quality');
  const { width: W, height: H } = hi;
  const graph: string[] = [];
  const shown = videos.slice(0, maxStageVideos);
  const g = geometry(W, H, shown.length);
  const text = (file: string, size: number, y: string): string => drawTexts(file, size, y, o.fonts.faces);
  const fit = (w: number, h: number): string => `scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${background},setsar=1`;
  const { nameSize, nameY, itemSize, itemY } = mainTextPlacement(g.main.h);
  const mainText = `${text(plan.layout.slotFiles[0] ?? '', nameSize, nameY)}${text(plan.layout.itemFile, itemSize, itemY)}`;
  if (shown.length === 0) {
    args.push('-re', '-f', 'lavfi', '-i', `color=c=${background}:s=${W}x${H}:r=${o.fps}`);
    graph.push(`[${next}:v]null${text(plan.layout.itemFile, itemSize, itemY)}[vstage]`);
    next += 1;
  } else if (shown.length === 1) {
    graph.push(`[${shown[0]}:v]${fit(W, H)},fps=${o.fps}${mainText}[vstage]`);
  } else {
    // Every stage video goes to every slot; each slot's streamselect picks one (ffmpeg 5.1's streamselect cannot have several outputs).
    const n = shown.length;
    shown.forEach((index, i) => {
      graph.push(`[${index}:v]${fit(g.main.w, g.main.h)},fps=${o.fps},split=${n}${shown.map((_, k) => `[n${i}s${k}]`).join('')}`);
    });
    const order = plan.layout.order.length === n ? plan.layout.order : shown.map((_, i) => i);
    for (let k = 0; k < n; k += 1) {
      const select = `${shown.map((_, i) => `[n${i}s${k}]`).join('')}${slotFilter(k)}=inputs=${n}:map=${order[k] ?? k}`;
      if (k === 0) graph.push(`${select}${mainText},pad=${W}:${H}:${g.main.x}:${g.main.y}:color=${background}[c0]`);
      else {
        const tile = g.strip[k - 1] as Rect;
        const size = Math.max(8, Math.round(tile.h / 11));
        graph.push(`${select},scale=${tile.w}:${tile.h}${text(plan.layout.slotFiles[k] ?? '', size, `h-th-${Math.round(size * 0.6)}`)}[s${k}]`);
        graph.push(`[c${k - 1}][s${k}]overlay=${tile.x}:${tile.y}[c${k}]`);
      }
    }
    graph.push(`[c${n - 1}]null[vstage]`);
  }
  if (sign !== null) {
    const size = Math.max(8, Math.round(g.sign.h / 11));
    graph.push(`[${sign}:v]${fit(g.sign.w, g.sign.h)},fps=${o.fps}${text(plan.layout.signFile, size, `h-th-${Math.round(size * 0.6)}`)}[sign]`);
    graph.push(`[vstage][sign]overlay=${g.sign.x}:${g.sign.y}[vbase]`);
  } else {
    graph.push('[vstage]null[vbase]');
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
  for (const language of plan.silentLanguages ?? []) {
    args.splice(args.indexOf('-filter_complex'), 0, '-re', '-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo');
    args.push(...audio(`${next}:a`, `audio-${language}`));
    next += 1;
  }
  return args;
}
