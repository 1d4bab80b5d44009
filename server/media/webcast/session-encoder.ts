import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Consumer, PlainTransport, Router, RtpCapabilities } from 'mediasoup/types';
import type { Logger } from '../../logger.ts';
import type { ProducerDescription } from '../session-media.ts';
import { ffmpegArgs, freeUdpPair, sdpFor, slotFilter, type EncoderInput, type WebcastOptions } from './ffmpeg.ts';
import { LowerThirdWriter } from './fonts.ts';
import { maxStageVideos, type StageVideo } from './layout.ts';

/** What one run of the encoder consumes: the producers picked from the session's stage. */
export interface EncoderSelection {
  /** Stage videos in stage order (the layout picks the large one). */
  videos: StageVideo[];
  /** The sign-language interpreter's camera: always in its inset when present (issue 13). */
  sign: StageVideo | null;
  floor: { producerId: string }[];
  channels: { producerId: string; language: string }[];
}

/**
 * The stage as the webcast shows it: screens first, then the floor holder's,
 * a played statement's and panelists' cameras (at most five); the sign
 * interpreter apart; every microphone mixed as the floor; one channel per
 * language.
 */
export function selectInputs(producers: ProducerDescription[]): EncoderSelection {
  const live = producers.map((p) => p.info).filter((i) => !i.paused);
  const rank = (source: string, right: string): number => (source === 'screen' ? 0 : right === 'floor' ? 1 : right === 'playback' ? 2 : right === 'panel' ? 3 : 4);
  const video = (i: ProducerDescription['info']): StageVideo => ({ producerId: i.producerId, participantId: i.participantId, name: i.name, source: i.source, right: i.right });
  const cameras = live.filter((i) => i.kind === 'video' && (i.source === 'camera' || i.source === 'screen'));
  const signer = cameras.find((i) => i.right === 'sign');
  const videos = cameras
    .filter((i) => i.right !== 'sign')
    .sort((a, b) => rank(a.source, a.right) - rank(b.source, b.right))
    .slice(0, maxStageVideos)
    .map(video);
  const floor = live.filter((i) => i.kind === 'audio' && i.source === 'mic').map((i) => ({ producerId: i.producerId }));
  const channels: EncoderSelection['channels'] = [];
  for (const i of live) {
    if (i.kind === 'audio' && i.source === 'interpretation' && i.language && !channels.some((c) => c.language === i.language)) {
      channels.push({ producerId: i.producerId, language: i.language });
    }
  }
  channels.sort((a, b) => a.language.localeCompare(b.language));
  return { videos, sign: signer ? video(signer) : null, floor, channels };
}

export function selectionKey(s: EncoderSelection): string {
  return JSON.stringify([s.videos.map((v) => `${v.producerId}:${v.name}`), s.sign?.producerId ?? null, s.floor.map((f) => f.producerId), s.channels.map((c) => `${c.producerId}:${c.language}`)]);
}

export function selectionEmpty(s: EncoderSelection): boolean {
  return s.videos.length === 0 && s.sign === null && s.floor.length === 0 && s.channels.length === 0;
}

interface Leg {
  transport: PlainTransport;
  consumer: Consumer;
}

export interface RunInfo {
  run: number;
  pid: number | undefined;
  languages: string[];
  startedAt: Date;
}

/** What the composition shows: which stage video each slot holds (slot 0 large) and the lower thirds' texts. */
export interface LayoutState {
  order: number[];
  /** A lower third per slot, in slot order. */
  slotTexts: string[];
  signText: string;
  itemText: string;
}

const setpriv = '/usr/bin/setpriv';
const hasSetpriv = fs.existsSync(setpriv);

/**
 * ffmpeg dies with this process (Linux's parent-death signal, set by
 * util-linux's setpriv, which then runs ffmpeg in its place). A process
 * killed outright (SIGKILL, OOM) would otherwise leave its ffmpeg behind,
 * and another process taking the session's webcast over would then share
 * the webcast directory with it.
 */
function orphanProof(bin: string, args: string[]): [string, string[]] {
  return hasSetpriv ? [setpriv, ['--pdeathsig', 'SIGKILL', '--', bin, ...args]] : [bin, args];
}

/** Replaces a file at once: drawtext reloads it every frame and must never read half of it. */
function writeAtomic(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

/**
 * One run of ffmpeg for a session: a PlainTransport and a paused consumer
 * per producer, sending plain RTP to the ports ffmpeg reads (its SDP
 * files); consumers resume once ffmpeg runs, and keyframes are asked for
 * until the decoder has had time to start. `onExit` hears an unexpected
 * death (the supervisor starts the next run, a discontinuity in the
 * playlists); `stop()` ends it on purpose.
 */
export class EncoderRun {
  readonly info: RunInfo;
  private child: ChildProcess | null = null;
  private readonly legs: Leg[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';
  private cpu = { ticks: 0, at: 0, percent: 0 };
  private files = { slots: [] as string[], sign: '', item: '' };
  private order: number[] = [];
  private lowerThirds = new LowerThirdWriter([], () => undefined);

  private constructor(info: RunInfo) {
    this.info = info;
  }

  static async start(options: {
    /** The session's home router; null for a run with nothing to consume (the holding picture). */
    router: Router | null;
    selection: EncoderSelection;
    dir: string;
    run: number;
    offsetSeconds: number;
    settings: WebcastOptions;
    logger: Logger;
    layout: LayoutState;
    /** Interpretation renditions to go on silent, none of them a channel of the selection (the holding picture's run keeps every language the webcast had). */
    silentLanguages?: string[];
    onExit: (code: number | null, stderr: string) => void;
  }): Promise<EncoderRun> {
    const { router, selection, dir, run, settings, logger } = options;
    const runDir = path.join(dir, 'runs', String(run));
    fs.mkdirSync(runDir, { recursive: true });
    const live = selection.channels.map((c) => c.language);
    const silentLanguages = options.silentLanguages ?? [];
    const encoder = new EncoderRun({ run, pid: undefined, languages: [...live, ...silentLanguages], startedAt: new Date() });
    const inputs: EncoderInput[] = [];
    try {
      const leg = async (producerId: string, kind: 'audio' | 'video', file: string): Promise<string> => {
        if (!router) throw new Error('a webcast input needs the session’s router');
        const caps: RtpCapabilities = { codecs: (router.rtpCapabilities.codecs ?? []).filter((c) => !/\/rtx$/i.test(c.mimeType)), headerExtensions: [] };
        const port = await freeUdpPair();
        const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: false, appData: { webcast: true } });
        try {
          await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
          const consumer = await transport.consume({ producerId, rtpCapabilities: caps, paused: true, appData: { webcast: true } });
          encoder.legs.push({ transport, consumer });
          const sdpPath = path.join(runDir, file);
          fs.writeFileSync(sdpPath, sdpFor(kind, port, consumer.rtpParameters));
          return sdpPath;
        } catch (error) {
          transport.close();
          throw error;
        }
      };
      for (const [i, v] of selection.videos.slice(0, maxStageVideos).entries()) inputs.push({ kind: 'video', role: 'video', sdpPath: await leg(v.producerId, 'video', `video-${i}.sdp`) });
      if (selection.sign) inputs.push({ kind: 'video', role: 'sign', sdpPath: await leg(selection.sign.producerId, 'video', 'sign.sdp') });
      encoder.files = {
        slots: selection.videos.slice(0, maxStageVideos).map((_, k) => path.join(runDir, `slot-${k}.txt`)),
        sign: path.join(runDir, 'sign.txt'),
        item: path.join(runDir, 'item.txt'),
      };
      encoder.order = options.layout.order;
      encoder.lowerThirds = new LowerThirdWriter(settings.fonts.faces, (text, pick) =>
        logger.warn({ text, font: pick.face?.id, uncovered: pick.uncovered.join('') }, 'webcast lower third: no installed font has every character of this text, some show as boxes'),
      );
      encoder.writeTexts(options.layout);
      for (const [i, f] of selection.floor.entries()) inputs.push({ kind: 'audio', role: 'floor', sdpPath: await leg(f.producerId, 'audio', `floor-${i}.sdp`) });
      for (const c of selection.channels) inputs.push({ kind: 'audio', role: 'interpretation', language: c.language, sdpPath: await leg(c.producerId, 'audio', `channel-${c.language}.sdp`) });
      const layout = { order: encoder.order, slotFiles: encoder.files.slots, itemFile: encoder.files.item, signFile: encoder.files.sign };
      const args = ffmpegArgs({ inputs, languages: live, silentLanguages, dir, run, offsetSeconds: options.offsetSeconds, layout }, settings);
      const child = spawn(...orphanProof(settings.ffmpeg, args), { stdio: ['pipe', 'ignore', 'pipe'] });
      // Commands after ffmpeg exited fail with EPIPE: the exit is handled below.
      child.stdin?.on('error', () => undefined);
      encoder.child = child;
      encoder.info.pid = child.pid;
      encoder.exited = new Promise<void>((resolve) => {
        child.once('error', (error) => {
          encoder.stderr += `\n${error.message}`;
        });
        child.once('close', (code) => {
          encoder.cleanup();
          if (!encoder.stopping) options.onExit(code, encoder.stderr);
          resolve();
        });
      });
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        encoder.stderr = (encoder.stderr + chunk).slice(-4000);
      });
      // ffmpeg opens its inputs one after the other; resume once it is listening, then ask for keyframes until its decoders have one.
      const resume = setTimeout(() => {
        for (const { consumer } of encoder.legs) void consumer.resume().catch(() => undefined);
      }, 300);
      encoder.timers.push(resume);
      let asks = 0;
      const keyframes = setInterval(() => {
        asks += 1;
        for (const { consumer } of encoder.legs) if (consumer.kind === 'video' && !consumer.closed) void consumer.requestKeyFrame().catch(() => undefined);
        if (asks >= 8) clearInterval(keyframes);
      }, 700);
      encoder.timers.push(keyframes);
      // The layout again, now and then: a command sent before ffmpeg built its filter graph (it waits for every input's first frame) is lost.
      const again = setInterval(() => encoder.sendOrder(), 2000);
      encoder.timers.push(again);
      logger.info({ dir, run, pid: child.pid, videos: selection.videos.length, floor: selection.floor.length, languages: encoder.info.languages }, 'webcast encoder started');
      return encoder;
    } catch (error) {
      encoder.cleanup();
      throw error;
    }
  }

  /** Switches the composition (the large video, the strip, the lower thirds) without restarting ffmpeg. */
  setLayout(layout: LayoutState): void {
    this.writeTexts(layout);
    const changed = layout.order.length !== this.order.length || layout.order.some((v, k) => v !== this.order[k]);
    this.order = layout.order;
    if (changed) this.sendOrder();
  }

  get layoutOrder(): number[] {
    return [...this.order];
  }

  private writeTexts(layout: LayoutState): void {
    try {
      // One file per font face (fonts.ts): the face that has the text's characters draws it.
      const write = (file: string, text: string): void => {
        for (const [f, t] of this.lowerThirds.files(file, text)) writeAtomic(f, t);
      };
      this.files.slots.forEach((file, k) => write(file, layout.slotTexts[k] ?? ''));
      if (this.files.sign) write(this.files.sign, layout.signText);
      if (this.files.item) write(this.files.item, layout.itemText);
    } catch {
      // The run's directory went with a stop.
    }
  }

  /**
   * ffmpeg's command key: 'c', then "target time command argument" on one
   * line, sent to the first filter of that name (read one key per 100 ms,
   * so a few slots take a few tenths of a second). Only with several stage
   * videos are there slots to switch.
   */
  private sendOrder(): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || this.order.length < 2 || this.stopping) return;
    for (const [slot, video] of this.order.entries()) stdin.write(`c${slotFilter(slot)} -1 map ${video}\n`);
  }

  get pid(): number | undefined {
    return this.info.pid;
  }

  /** CPU of the ffmpeg process since the last sample, in percent of one core (Linux /proc). */
  sampleCpu(): number {
    const pid = this.child?.pid;
    if (!pid) return 0;
    try {
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      // utime and stime are fields 14 and 15 (1-based), i.e. 11 and 12 after "pid (comm) ".
      const ticks = Number(fields[11]) + Number(fields[12]);
      const now = performance.now();
      if (this.cpu.at > 0 && now > this.cpu.at) this.cpu.percent = ((ticks - this.cpu.ticks) / 100 / ((now - this.cpu.at) / 1000)) * 100;
      this.cpu.ticks = ticks;
      this.cpu.at = now;
    } catch {
      // The process is gone.
    }
    return this.cpu.percent;
  }

  /**
   * Ends the run: ffmpeg closes its current segment on SIGINT; killed if it
   * takes longer than 3 s, or at once when `now` (another process writes the
   * playlists from here on: this one must not write them again).
   */
  async stop(now = false): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill(now ? 'SIGKILL' : 'SIGINT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(killer);
    }
    this.cleanup();
  }

  private cleanup(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
    for (const { transport } of this.legs) if (!transport.closed) transport.close();
    this.legs.length = 0;
  }
}
