import fs from 'node:fs';
import path from 'node:path';
import type { EventEmitter } from 'node:events';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { FloorEvents } from '../../realtime/broadcast.ts';
import type { MediaService, MediaServiceEvents } from '../media-service.ts';
import type { ProducerDescription, SessionMedia } from '../session-media.ts';
import { ffmpegAvailable, type WebcastOptions } from './ffmpeg.ts';
import { logFonts } from './fonts.ts';
import { finalise, languageName, readRecording, type FloorSpan, type Recording, type WebcastManifest } from './recordings.ts';
import { itemLine, lowerThird, slotOrder, type Focus, type Person } from './layout.ts';
import { SubtitleWriter } from './subtitles.ts';
import { leaseKey, type LeaseStore } from './encoder-lease.ts';
import { renumberDiscontinuities } from './playlists.ts';
import { EncoderRun, selectInputs, selectionEmpty, selectionKey, type EncoderSelection, type LayoutState } from './session-encoder.ts';

export interface WebcastDeps {
  media: MediaService;
  /** floor-given / floor-ended / session-status of this process (LiveSessions.events). */
  events: EventEmitter<FloorEvents>;
  dataDir: string;
  logger: Logger;
  options: WebcastOptions;
  /** Who held the floor, when (the speaker queue's entries): the recording's chapters. */
  floors: (eventId: string, sessionId: string) => Promise<FloorSpan[]>;
  /** Whether the session is live now (after a restart: finalise the webcasts of sessions that are not). */
  isLive: (eventId: string, sessionId: string) => Promise<boolean>;
  /** Who a participant is, for the lower thirds (null: not a participant, e.g. a played statement: the producer's name is shown). */
  person?: (eventId: string, participantId: string) => Promise<Person | null>;
  /** The running order's current item (read through the running-order service), for its lower third. */
  currentItem?: (eventId: string, sessionId: string) => Promise<{ title: string; speaker?: string | undefined } | null>;
  /** The languages the session's captioners write (their roles): subtitle renditions offered from the start, before the first line. */
  captionLanguages?: (eventId: string, sessionId: string) => Promise<string[]>;
  /** Who holds the floor now (a participant id): the composition follows it from the first run, also on a process taking the encoder over. */
  floorHolder?: (eventId: string, sessionId: string) => Promise<string | null>;
  /**
   * With several processes (REDIS_URL): one encoder per session across them,
   * run by the holder of the session's lease (encoder-lease.ts), renewed every
   * `renewMs` (default 2 s) and lost `ttlMs` (default 8 s) after its last
   * renewal; a process the media cluster finds gone loses its leases at once.
   * Absent: this process encodes every session it sees (one process).
   */
  lease?: { store: LeaseStore; ttlMs?: number; renewMs?: number };
  /** A producer that receives nothing for this long while neither paused nor closed is left out of the webcast until it sends again (default 5 s). */
  silenceMs?: number;
}

export interface EncoderStats {
  eventId: string;
  sessionId: string;
  pid: number | undefined;
  run: number;
  restarts: number;
  cpuPercent: number;
  languages: string[];
  /** What the composition shows now: the large video's and the strip's lower thirds, the sign inset's, the running order's item. */
  layout: { main: string | null; strip: string[]; sign: string | null; item: string };
  /** The process holding the session's encoder lease (this one: its media cluster id), or "local" with one process. */
  holder: string;
  /** Stage producers of other processes this run consumes through media pipes. */
  remoteInputs: number;
}

interface SessionWebcast {
  eventId: string;
  sessionId: string;
  dir: string;
  manifest: WebcastManifest;
  current: EncoderRun | null;
  key: string;
  restarts: number;
  timer: NodeJS.Timeout | null;
  /** Serialises starts and stops of this session's runs. */
  chain: Promise<void>;
  cpu: number;
  selection: EncoderSelection | null;
  focus: Focus;
  /** Lower thirds by participant. */
  names: Map<string, string>;
  itemText: string | null;
  /** Captions as WebVTT subtitle renditions. */
  subs: SubtitleWriter;
  /** Producers the current run consumes, made consumable on the home router (others' piped in): their releases. */
  holds: Map<string, () => void>;
  remoteInputs: number;
  /** Bytes each watched producer had received, and when that last grew. */
  flow: Map<string, { bytes: number; at: number; sent: boolean }>;
  /** Producers left out for sending nothing (not paused, not closed: a frozen tab, a cut network): taken back when they send again. */
  silent: Set<string>;
  /** The session's media the current run consumes from (its home router). */
  media: SessionMedia | null;
}

const safe = (id: string): string => {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) throw new AppError('invalid_id', 'Bad id.');
  return id;
};

/**
 * The webcast and archive of every live session (issue 12): while a session
 * has published media, one ffmpeg per session (at most `maxEncoders` on this
 * process) consumes its producers from the home router over plain RTP and
 * writes HLS into the data directory: a composed video in two qualities and
 * an audio rendition for the floor and each live interpretation channel,
 * under a master playlist this class writes. When the stage changes (a
 * producer appears, closes or pauses) or ffmpeg dies, the next run starts
 * on the same playlists after a discontinuity. When the session ends, the
 * segments become its recording (recordings.ts).
 */
export class WebcastSupervisor {
  private readonly deps: WebcastDeps;
  private readonly sessions = new Map<string, SessionWebcast>();
  private readonly finalising = new Map<string, Promise<Recording | null>>();
  private readonly cpuTimer: NodeJS.Timeout;
  private readonly retentionTimer: NodeJS.Timeout;
  private readonly onNotice: (e: MediaServiceEvents['notice'][0]) => void;
  private readonly onStatus: (e: FloorEvents['session-status'][0]) => void;
  private readonly onFloorGiven: (e: FloorEvents['floor-given'][0]) => void;
  private readonly onFloorEnded: (e: FloorEvents['floor-ended'][0]) => void;
  private readonly onRun: (e: FloorEvents['run-changed'][0]) => void;
  private readonly onCaption: (e: FloorEvents['caption-line'][0]) => void;
  private ticks = 0;
  private closed = false;
  /** Sessions whose encoder lease this process holds, with when it was last renewed. */
  private readonly held = new Map<string, number>();
  /** Sessions with media whose lease another process holds (or nobody, for a moment): claimed when it is free. `since`: when this process first wanted it. */
  private readonly candidates = new Map<string, { eventId: string; sessionId: string; since: number; resume: boolean }>();
  private readonly claiming = new Set<string>();
  private readonly leaseTimer: NodeJS.Timeout | null = null;
  private readonly unlistenGone: () => void = () => undefined;
  private leaseTicking = false;
  /**
   * Sessions that ended (until they go live again): their producers'
   * closing notices, some from other processes a little later, must not
   * start an encoder again while (or after) the recording is made.
   */
  private readonly ended = new Set<string>();
  private readonly flowTimer: NodeJS.Timeout;
  private watchingFlow = false;
  readonly available: boolean;

  constructor(deps: WebcastDeps) {
    this.deps = deps;
    this.available = deps.options.enabled && ffmpegAvailable(deps.options.ffmpeg);
    if (deps.options.enabled && !this.available) deps.logger.warn({ ffmpeg: deps.options.ffmpeg }, 'ffmpeg is not installed: no webcast or recordings (apt-get install ffmpeg)');
    if (this.available) logFonts(deps.options.fonts, deps.logger);
    this.onNotice = ({ eventId, sessionId, notice }) => {
      if (notice.type === 'new-producer' || notice.type === 'producer-closed' || notice.type === 'producer-paused') this.schedule(eventId, sessionId);
      else if (notice.type === 'active-speaker') this.refocus(eventId, sessionId, (f) => ({ ...f, speaker: notice.participantId }));
    };
    this.onFloorGiven = ({ eventId, sessionId, participantId }) => this.refocus(eventId, sessionId, (f) => ({ ...f, floor: participantId }));
    this.onFloorEnded = ({ eventId, sessionId, participantId }) => this.refocus(eventId, sessionId, (f) => (f.floor === participantId ? { ...f, floor: null } : f));
    this.onRun = ({ eventId, sessionId, change }) => {
      const s = this.sessions.get(`${eventId}/${sessionId}`);
      if (!s) return;
      const item = change.after.items.find((i) => i.id === change.after.currentItemId) ?? null;
      s.itemText = itemLine(item);
      this.relayout(s);
    };
    this.onCaption = ({ eventId, message }) => {
      const s = this.sessions.get(`${eventId}/${message.sessionId}`);
      if (!s || !message.final) return;
      if (s.subs.add(message.language, message.at, message.text)) this.rewriteMaster(s);
    };
    this.onStatus = ({ eventId, sessionId, status }) => {
      if (status !== 'live') void this.end(eventId, sessionId);
      else this.ended.delete(`${eventId}/${sessionId}`);
    };
    if (this.available) {
      deps.media.on('notice', this.onNotice);
      deps.events.on('session-status', this.onStatus);
      deps.events.on('floor-given', this.onFloorGiven);
      deps.events.on('floor-ended', this.onFloorEnded);
      deps.events.on('run-changed', this.onRun);
      deps.events.on('caption-line', this.onCaption);
    }
    this.cpuTimer = setInterval(() => {
      this.ticks += 1;
      for (const s of this.sessions.values()) {
        s.cpu = s.current?.sampleCpu() ?? 0;
        // Another process may have moved the running order (its run-changed stays there): read it now and then.
        if (this.ticks % 5 === 0 && s.current) void this.readItem(s).then(() => this.relayout(s));
      }
    }, 2000).unref();
    if (this.available && deps.lease) {
      this.leaseTimer = setInterval(() => void this.leaseTick(), this.renewMs);
      this.leaseTimer.unref();
      // The media cluster's heartbeats tell first that a process died: its leases need not run out.
      this.unlistenGone = deps.media.cluster?.onProcessGone((peer) => void this.onProcessGone(peer)) ?? (() => undefined);
    }
    // ffmpeg waits for every input: one that stops sending would freeze the picture and every rendition.
    this.flowTimer = setInterval(() => void this.watchFlow(), 1000);
    this.flowTimer.unref();
    // Retention: checked at start (after a long stop) and a few times a day.
    this.retentionTimer = setInterval(() => this.sweepLogged(), 6 * 3600_000).unref();
    if (this.available) setImmediate(() => this.sweepLogged());
  }

  /**
   * Deletes finished recordings (ready or failed) whose session ended more
   * than WEBCAST_RETENTION_DAYS ago: the file, its chapters and its record.
   * Returns how many went. Recordings still being made are never touched.
   */
  sweepRecordings(now: Date = new Date()): { eventId: string; sessionId: string; id: string }[] {
    const days = this.deps.options.retentionDays;
    const root = path.join(this.deps.dataDir, 'recordings');
    if (days === null || !fs.existsSync(root)) return [];
    const cutoff = now.getTime() - days * 86_400_000;
    const gone: { eventId: string; sessionId: string; id: string }[] = [];
    for (const eventId of fs.readdirSync(root)) {
      for (const sessionId of fs.readdirSync(path.join(root, eventId))) {
        const dir = path.join(root, eventId, sessionId);
        for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json'))) {
          const r = readRecording(path.join(dir, f));
          if (!r || (r.status !== 'ready' && r.status !== 'failed') || !r.endedAt || Date.parse(r.endedAt) > cutoff) continue;
          for (const name of fs.readdirSync(dir)) if (name.startsWith(`${r.id}.`)) fs.rmSync(path.join(dir, name), { force: true });
          gone.push({ eventId, sessionId, id: r.id });
        }
      }
    }
    return gone;
  }

  private sweepLogged(): void {
    try {
      const gone = this.sweepRecordings();
      if (gone.length > 0) this.deps.logger.info({ recordings: gone, retentionDays: this.deps.options.retentionDays }, 'recordings past their retention deleted');
    } catch (error) {
      this.deps.logger.error({ err: error }, 'could not apply the recordings retention');
    }
  }

  /** How many days finished recordings are kept (null: until deleted by hand). */
  get retentionDays(): number | null {
    return this.deps.options.retentionDays;
  }

  webcastDir(eventId: string, sessionId: string): string {
    return path.join(this.deps.dataDir, 'webcast', safe(eventId), safe(sessionId));
  }

  recordingsDir(eventId: string, sessionId: string): string {
    return path.join(this.deps.dataDir, 'recordings', safe(eventId), safe(sessionId));
  }

  /** Finalises webcasts left by a crash (or a stop) whose session is no longer live. */
  async recover(): Promise<void> {
    if (!this.available) return;
    const root = path.join(this.deps.dataDir, 'webcast');
    if (!fs.existsSync(root)) return;
    for (const eventId of fs.readdirSync(root)) {
      for (const sessionId of fs.readdirSync(path.join(root, eventId))) {
        const manifest = this.readManifest(eventId, sessionId);
        if (!manifest) continue;
        if (await this.deps.isLive(eventId, sessionId).catch(() => false)) {
          // Still live (a restart during the session): its players go on with the holding picture until someone
          // publishes, rather than freezing on the segments written before the stop.
          if (manifest.status === 'live' && manifest.runs.length > 0) void this.lead(eventId, sessionId, true);
          continue;
        }
        // Processes starting together: one of them finalises it.
        if (!(await this.claimQuietly(eventId, sessionId))) continue;
        try {
          const now = this.readManifest(eventId, sessionId);
          if (!now) continue;
          this.deps.logger.info({ eventId, sessionId }, 'finalising a webcast left by an earlier run');
          await this.finaliseSession(eventId, sessionId, now);
        } finally {
          await this.releaseLease(eventId, sessionId);
        }
      }
    }
  }

  /** The master playlist's path, or a coded refusal. */
  playlist(eventId: string, sessionId: string): string {
    if (!this.available) throw new AppError('webcast_unavailable', 'The webcast encoder (ffmpeg) is not available on this server.');
    const file = path.join(this.webcastDir(eventId, sessionId), 'index.m3u8');
    if (!fs.existsSync(file)) throw new AppError('webcast_not_started', 'This session’s webcast has not started: nobody has published media yet.');
    return file;
  }

  /** A file of the webcast (media playlist or segment), or a coded refusal. */
  file(eventId: string, sessionId: string, name: string): string {
    this.playlist(eventId, sessionId);
    if (!/^[a-z0-9-]+(\.m3u8|-r\d+-\d+\.ts|-\d+\.vtt)$/i.test(name)) throw new AppError('not_found', 'No such webcast file.');
    const file = path.join(this.webcastDir(eventId, sessionId), name);
    if (!fs.existsSync(file)) throw new AppError('not_found', 'No such webcast file.');
    return file;
  }

  /**
   * A media playlist (video, audio or subtitles) as served: ffmpeg's, with
   * one discontinuity numbering for every rendition (playlists.ts), from the
   * runs this webcast had (this process's manifest, or the one on disk when
   * another process encodes).
   */
  mediaPlaylist(eventId: string, sessionId: string, name: string): string {
    const file = this.file(eventId, sessionId, name);
    if (!name.endsWith('.m3u8')) throw new AppError('not_found', 'No such webcast playlist.');
    const text = fs.readFileSync(file, 'utf8');
    const manifest = this.sessions.get(`${eventId}/${sessionId}`)?.manifest ?? this.readManifest(eventId, sessionId);
    const runs = (manifest?.runs ?? []).filter((r) => Number.isFinite(Date.parse(r.startedAt)));
    return renumberDiscontinuities(text, runs.map((r) => Date.parse(r.startedAt)), runs.map((r) => r.run));
  }

  /** The session's recordings, newest first; the one being recorded now too. */
  recordings(eventId: string, sessionId: string): Recording[] {
    const dir = this.recordingsDir(eventId, sessionId);
    const list = fs.existsSync(dir)
      ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => readRecording(path.join(dir, f))).filter((r): r is Recording => r !== null)
      : [];
    const live = this.sessions.get(`${eventId}/${sessionId}`) ?? null;
    const manifest = live?.manifest ?? this.readManifest(eventId, sessionId);
    if (manifest && !list.some((r) => r.id === manifest.recordingId)) {
      list.push({
        id: manifest.recordingId, eventId, sessionId, status: 'recording', startedAt: manifest.startedAt, endedAt: null, durationMs: null,
        tracks: [{ kind: 'video', name: 'Video' }, { kind: 'audio', language: 'mul', name: languageName('floor') }, ...manifest.languages.map((l) => ({ kind: 'audio' as const, language: l, name: languageName(l) }))],
        chapters: [], file: null,
      });
    }
    return list.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  recordingFile(eventId: string, sessionId: string, id: string): string {
    const recording = this.recordings(eventId, sessionId).find((r) => r.id === id);
    if (!recording?.file || recording.status !== 'ready') throw new AppError('not_found', 'No such recording, or it is not ready yet.');
    return path.join(this.recordingsDir(eventId, sessionId), recording.file);
  }

  /** The session's recording is finalised (for tests and the shutdown). */
  settled(eventId: string, sessionId: string): Promise<Recording | null> {
    return this.finalising.get(`${eventId}/${sessionId}`) ?? Promise.resolve(null);
  }

  stats(): EncoderStats[] {
    return [...this.sessions.values()].map((s) => ({
      eventId: s.eventId,
      sessionId: s.sessionId,
      pid: s.current?.pid,
      run: s.current?.info.run ?? 0,
      restarts: s.restarts,
      cpuPercent: Math.round(s.cpu * 10) / 10,
      languages: s.current?.info.languages ?? [],
      layout: this.describeLayout(s),
      holder: this.self,
      remoteInputs: s.current ? s.remoteInputs : 0,
    }));
  }

  private describeLayout(s: SessionWebcast): EncoderStats['layout'] {
    if (!s.current || !s.selection) return { main: null, strip: [], sign: null, item: s.itemText ?? '' };
    const l = this.layoutOf(s, s.selection);
    return { main: l.slotTexts[0] ?? null, strip: l.slotTexts.slice(1), sign: s.selection.sign ? l.signText : null, item: l.itemText };
  }

  /** Stops every encoder; webcasts of sessions still live continue after a restart (or are finalised then). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.cpuTimer);
    clearInterval(this.retentionTimer);
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    clearInterval(this.flowTimer);
    this.unlistenGone();
    this.deps.media.off('notice', this.onNotice);
    this.deps.events.off('session-status', this.onStatus);
    this.deps.events.off('floor-given', this.onFloorGiven);
    this.deps.events.off('floor-ended', this.onFloorEnded);
    this.deps.events.off('run-changed', this.onRun);
    this.deps.events.off('caption-line', this.onCaption);
    await Promise.allSettled([...this.sessions.values()].map(async (s) => {
      if (s.timer) clearTimeout(s.timer);
      s.subs.close();
      await s.chain;
      await s.current?.stop();
      this.releaseHolds(s, null);
    }));
    await Promise.allSettled(this.finalising.values());
    // Stopped cleanly: another process takes the webcasts over at its next beat, not after the leases run out.
    await Promise.allSettled([...this.held.keys()].map((k) => {
      const [eventId = '', sessionId = ''] = k.split('/');
      return this.releaseLease(eventId, sessionId);
    }));
  }

  // ---- One encoder per session across processes (the lease) ----

  /** This process as lease holder: its media cluster id (what other processes know it by). */
  private get self(): string {
    return this.deps.media.cluster?.self ?? 'local';
  }

  private get ttl(): number {
    return this.deps.lease?.ttlMs ?? 8000;
  }

  private get renewMs(): number {
    return this.deps.lease?.renewMs ?? 2000;
  }

  /** The session's stage as this process knows it: its own producers and those other processes announced. */
  private stage(eventId: string, sessionId: string): ProducerDescription[] {
    const media = this.deps.media.existing(eventId, sessionId);
    if (media) return media.describeAll();
    return (this.deps.media.cluster?.remotes(eventId, sessionId) ?? []).map((r) => ({ info: { ...r.info }, height: r.height, encodings: r.encodings }));
  }

  /**
   * The session has media: this process encodes it when no other does (the
   * lease is free, or there is no lease: one process); otherwise it waits as
   * a candidate and claims the lease when it frees up.
   */
  private async lead(eventId: string, sessionId: string, resume = false): Promise<void> {
    const k = `${eventId}/${sessionId}`;
    if (this.closed || this.sessions.has(k) || this.claiming.has(k) || this.finalising.has(k) || this.ended.has(k)) return;
    // `resume`: a webcast left live by a stop, found at start-up: encoded (the holding picture) though nobody is on the stage.
    if (!resume && selectionEmpty(selectInputs(this.stage(eventId, sessionId)))) {
      this.candidates.delete(k);
      return;
    }
    if (this.sessions.size >= this.deps.options.maxEncoders) {
      // Another process with room may take it (it claims the lease); this one asks again when one of its own ends.
      if (!this.candidates.has(k)) this.deps.logger.warn({ eventId, sessionId, max: this.deps.options.maxEncoders }, 'webcast encoders at their cap: this process does not webcast the session');
      this.wantLease(k, eventId, sessionId, resume);
      return;
    }
    if (this.deps.lease) {
      const since = this.wantLease(k, eventId, sessionId, resume);
      // Encode where the media is: a process with none of the session's producers leaves the lease for one beat to a
      // process that has some (it heard of them first), so their streams need not be piped across to the encoder.
      if (!resume && Date.now() - since < this.renewMs && !this.hasLocalProducers(eventId, sessionId)) return;
      this.claiming.add(k);
      const won = await this.claimQuietly(eventId, sessionId).finally(() => this.claiming.delete(k));
      if (!won) return;
      if (this.sessions.has(k)) return;
      // Closing, or the session ended while Redis answered: not to be encoded after all.
      if (this.closed || this.ended.has(k)) {
        await this.releaseLease(eventId, sessionId);
        return;
      }
      this.candidates.delete(k);
      this.deps.logger.info({ eventId, sessionId, holder: this.self }, 'webcast encoder lease taken: this process encodes the session');
    }
    if (!this.open(eventId, sessionId)) {
      // At the cap after all (another session opened meanwhile): the lease goes to a process with room.
      await this.releaseLease(eventId, sessionId);
      return;
    }
    this.schedule(eventId, sessionId);
  }

  /** Notes this process as a candidate for the session's lease (kept as it was if already one): since when. */
  private wantLease(k: string, eventId: string, sessionId: string, resume = false): number {
    const known = this.candidates.get(k);
    if (known) {
      // A webcast to resume stays one (its lease may still be held by a process that stopped: claimed when it runs out).
      known.resume ||= resume;
      return known.since;
    }
    const since = Date.now();
    this.candidates.set(k, { eventId, sessionId, since, resume });
    return since;
  }

  private hasLocalProducers(eventId: string, sessionId: string): boolean {
    return (this.deps.media.existing(eventId, sessionId)?.describeLocal().length ?? 0) > 0;
  }

  /** Takes or renews the session's lease (always granted without one); false when another process holds it or Redis did not answer. */
  private async claimQuietly(eventId: string, sessionId: string): Promise<boolean> {
    const lease = this.deps.lease;
    if (!lease) return true;
    const k = `${eventId}/${sessionId}`;
    try {
      if (!(await this.timed(lease.store.claim(leaseKey(eventId, sessionId), this.self, this.ttl)))) return false;
      this.held.set(k, Date.now());
      return true;
    } catch (error) {
      this.deps.logger.warn({ err: error, eventId, sessionId }, 'could not claim the webcast encoder lease');
      return false;
    }
  }

  private async releaseLease(eventId: string, sessionId: string): Promise<void> {
    const k = `${eventId}/${sessionId}`;
    if (!this.held.delete(k)) return;
    const lease = this.deps.lease;
    if (!lease) return;
    await this.timed(lease.store.release(leaseKey(eventId, sessionId), this.self)).catch((error: unknown) => {
      this.deps.logger.warn({ err: error, eventId, sessionId }, 'could not release the webcast encoder lease (it runs out)');
    });
  }

  /**
   * A lease call that Redis does not answer within a beat fails: the client
   * queues commands while disconnected, and a renewal waiting for Redis to
   * come back must not keep a holder writing past its lease.
   */
  private timed<T>(call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('Redis did not answer about the webcast encoder lease in time')), this.renewMs);
      timer.unref();
    });
    return Promise.race([call, late]).finally(() => clearTimeout(timer));
  }

  /** Every beat: the leases held are renewed (or lost), and candidates claim theirs if free. */
  private async leaseTick(): Promise<void> {
    const lease = this.deps.lease;
    if (!lease || this.closed || this.leaseTicking) return;
    this.leaseTicking = true;
    try {
      for (const k of [...this.held.keys()]) {
        const [eventId = '', sessionId = ''] = k.split('/');
        try {
          if (await this.timed(lease.store.claim(leaseKey(eventId, sessionId), this.self, this.ttl))) {
            if (this.held.has(k)) this.held.set(k, Date.now());
          } else {
            await this.lose(k, 'another process holds the lease');
          }
        } catch (error) {
          // Unrenewed, the lease runs out and another process may start: stop writing before it can.
          const last = this.held.get(k) ?? 0;
          if (Date.now() - last > this.ttl - 2 * this.renewMs) await this.lose(k, 'the lease could not be renewed in time');
          else this.deps.logger.warn({ err: error, eventId, sessionId }, 'could not renew the webcast encoder lease; trying again');
        }
      }
      for (const { eventId, sessionId, resume } of [...this.candidates.values()]) await this.lead(eventId, sessionId, resume);
    } finally {
      this.leaseTicking = false;
    }
  }

  /**
   * Another process encodes the session now (this one was too slow to renew,
   * or was taken for dead): this one stops writing at once, killing its
   * ffmpeg (a clean stop would write the playlists over the new holder's),
   * and does not finalise. It stays a candidate.
   */
  private async lose(k: string, why: string): Promise<void> {
    this.held.delete(k);
    const s = this.sessions.get(k);
    if (!s) return;
    this.deps.logger.warn({ eventId: s.eventId, sessionId: s.sessionId, why }, 'webcast encoder lease lost: stopping this process\'s encoder');
    this.sessions.delete(k);
    if (s.timer) clearTimeout(s.timer);
    s.subs.close();
    await s.chain.catch(() => undefined);
    await s.current?.stop(true);
    s.current = null;
    this.releaseHolds(s, null);
    this.wantLease(k, s.eventId, s.sessionId);
  }

  /** The media cluster found a process gone: leases it held are freed now (rather than after they run out) and claimed. */
  private async onProcessGone(peer: string): Promise<void> {
    const lease = this.deps.lease;
    if (!lease || this.closed) return;
    for (const { eventId, sessionId, resume } of [...this.candidates.values()]) {
      const key = leaseKey(eventId, sessionId);
      try {
        if ((await this.timed(lease.store.holder(key))) === peer) {
          await this.timed(lease.store.release(key, peer));
          this.deps.logger.warn({ eventId, sessionId, holder: peer }, 'the webcast encoder\'s process is gone: taking its lease over');
        }
      } catch (error) {
        this.deps.logger.warn({ err: error, eventId, sessionId }, 'could not free a gone process\'s webcast encoder lease (it runs out)');
      }
      await this.lead(eventId, sessionId, resume);
    }
  }

  /**
   * The session ended while this process ran no encoder for it: if its
   * webcast was left live (its encoder's process died, and nobody took it
   * over), one process finalises it, holding the lease meanwhile.
   */
  private async finaliseOrphan(eventId: string, sessionId: string): Promise<void> {
    if (!this.deps.lease || !this.available) return;
    const deadline = Date.now() + this.ttl + 2 * this.renewMs;
    while (!this.closed && Date.now() < deadline) {
      if (this.readManifest(eventId, sessionId)?.status !== 'live') return;
      if (await this.claimQuietly(eventId, sessionId)) {
        try {
          // The holder may have finalised it just before giving the lease up.
          const manifest = this.readManifest(eventId, sessionId);
          if (manifest?.status === 'live') {
            this.deps.logger.info({ eventId, sessionId }, 'finalising a webcast whose encoder\'s process is gone');
            await this.finaliseSession(eventId, sessionId, manifest);
          }
        } finally {
          await this.releaseLease(eventId, sessionId);
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, this.renewMs));
    }
  }

  /**
   * Makes every producer of the selection consumable on the home router
   * (another process's piped in) before the run; one that cannot be (its
   * process just died) is left out, and the stage is looked at again soon.
   */
  private async holdInputs(s: SessionWebcast, media: SessionMedia, stage: ProducerDescription[], selection: EncoderSelection): Promise<EncoderSelection> {
    const failed = new Set<string>();
    await Promise.all(
      selectionIds(selection)
        .filter((id) => !s.holds.has(id))
        .map(async (id) => {
          try {
            const release = await media.holdOnHome(id);
            if (s.holds.has(id)) release();
            else s.holds.set(id, release);
          } catch (error) {
            failed.add(id);
            this.deps.logger.warn({ err: error, eventId: s.eventId, sessionId: s.sessionId, producerId: id, origin: media.originOf(id) }, 'webcast: a producer of another process could not be piped in; encoding without it for now');
          }
        }),
    );
    if (failed.size === 0) return selection;
    this.schedule(s.eventId, s.sessionId, 3000);
    return selectInputs(stage.filter((p) => !failed.has(p.info.producerId)));
  }

  /**
   * Every second: a producer the run consumes that received nothing for
   * `silenceMs` (neither paused nor closed) is left out, the next run
   * composing the others; one left out that receives again is taken back.
   */
  private async watchFlow(): Promise<void> {
    if (this.closed || this.watchingFlow) return;
    this.watchingFlow = true;
    try {
      const silenceMs = this.deps.silenceMs ?? 5000;
      for (const s of [...this.sessions.values()]) {
        const media = this.deps.media.existing(s.eventId, s.sessionId);
        // The run's router went (its worker died, or the media closed with nobody connected here): a new run on the session's media as it is now.
        if (s.current && s.media && (s.media.closed || media !== s.media)) {
          this.deps.logger.warn({ eventId: s.eventId, sessionId: s.sessionId }, 'webcast: the session\'s media closed under the encoder: starting it again');
          this.schedule(s.eventId, s.sessionId, 0);
          continue;
        }
        if (!media) continue;
        const watched = new Set([...(s.current && s.selection ? selectionIds(s.selection) : []), ...s.silent]);
        let changed = false;
        const now = Date.now();
        for (const id of watched) {
          const bytes = await media.receivedBytes(id);
          const seen = s.flow.get(id);
          if (bytes === null) {
            s.flow.delete(id);
            changed = s.silent.delete(id) || changed;
          } else if (!seen || bytes > seen.bytes) {
            s.flow.set(id, { bytes, at: now, sent: seen !== undefined || bytes > 0 });
            if (seen && s.silent.delete(id)) {
              changed = true;
              this.deps.logger.info({ eventId: s.eventId, sessionId: s.sessionId, producerId: id }, 'webcast: a producer sends again: back in the webcast');
            }
            // One that never sent yet (a sender still starting, on a loaded machine) is given twice as long.
          } else if (!s.silent.has(id) && now - seen.at >= (seen.sent ? silenceMs : 2 * silenceMs)) {
            s.silent.add(id);
            changed = true;
            this.deps.logger.warn({ eventId: s.eventId, sessionId: s.sessionId, producerId: id, silentMs: now - seen.at }, 'webcast: a producer sends nothing (not paused): left out until it sends again');
          }
        }
        for (const id of [...s.flow.keys()]) if (!watched.has(id)) s.flow.delete(id);
        if (changed && this.sessions.get(`${s.eventId}/${s.sessionId}`) === s) this.schedule(s.eventId, s.sessionId, 0);
      }
    } finally {
      this.watchingFlow = false;
    }
  }

  /**
   * Lets go of the producers the run no longer consumes (all with null):
   * other processes' pipes close when nothing else here uses them. Silent
   * ones stay piped in, to hear when they send again.
   */
  private releaseHolds(s: SessionWebcast, keep: EncoderSelection | null): void {
    const kept = new Set(keep ? [...selectionIds(keep), ...s.silent] : []);
    for (const [id, release] of [...s.holds]) {
      if (kept.has(id)) continue;
      s.holds.delete(id);
      release();
    }
  }

  private schedule(eventId: string, sessionId: string, delayMs = 800): void {
    if (this.closed) return;
    const k = `${eventId}/${sessionId}`;
    const s = this.sessions.get(k);
    if (!s) {
      void this.lead(eventId, sessionId);
      return;
    }
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = null;
      s.chain = s.chain.then(() => this.reconcile(s)).catch((error: unknown) => {
        this.deps.logger.error({ err: error, eventId, sessionId }, 'webcast encoder failed to start: trying again');
        s.restarts += 1;
        s.key = '';
        if (this.sessions.get(k) === s) this.schedule(eventId, sessionId, Math.min(10_000, 500 * 2 ** Math.min(s.restarts, 5)));
      });
    }, delayMs);
    s.timer.unref();
  }

  private open(eventId: string, sessionId: string): SessionWebcast | null {
    if (this.sessions.size >= this.deps.options.maxEncoders) {
      this.deps.logger.warn({ eventId, sessionId, max: this.deps.options.maxEncoders }, 'webcast encoders at their cap: this session is not webcast');
      return null;
    }
    const dir = this.webcastDir(eventId, sessionId);
    fs.mkdirSync(dir, { recursive: true });
    const now = new Date();
    const manifest: WebcastManifest = this.readManifest(eventId, sessionId) ?? {
      eventId, sessionId, recordingId: now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').toLowerCase(), startedAt: now.toISOString(), languages: [], runs: [], status: 'live',
    };
    const s: SessionWebcast = {
      eventId, sessionId, dir, manifest, current: null, key: '', restarts: 0, timer: null, chain: Promise.resolve(), cpu: 0,
      selection: null, focus: { speaker: this.deps.media.existing(eventId, sessionId)?.speaker?.participantId ?? null, floor: null }, names: new Map(), itemText: null,
      holds: new Map(), remoteInputs: 0, flow: new Map(), silent: new Set(), media: null,
      subs: new SubtitleWriter(dir, Date.parse(manifest.startedAt), `video-${this.deps.options.qualities[0]?.name ?? 'hi'}.m3u8`, 250),
    };
    this.sessions.set(`${eventId}/${sessionId}`, s);
    // Who holds the floor already (given before the first video, or on a process taking the encoder over).
    void this.deps.floorHolder?.(eventId, sessionId).then((floor) => {
      if (floor && s.focus.floor === null) this.refocus(eventId, sessionId, (f) => ({ ...f, floor }));
    }, () => undefined);
    void this.deps.captionLanguages?.(eventId, sessionId).then((languages) => {
      let fresh = false;
      for (const l of languages) fresh = s.subs.declare(l) || fresh;
      if (fresh) this.rewriteMaster(s);
    }, () => undefined);
    return s;
  }

  private async reconcile(s: SessionWebcast): Promise<void> {
    if (this.closed || !this.sessions.has(`${s.eventId}/${s.sessionId}`)) return;
    let media = this.deps.media.existing(s.eventId, s.sessionId);
    const stage = this.stage(s.eventId, s.sessionId).filter((p) => !s.silent.has(p.info.producerId));
    let selection = selectInputs(stage);
    // Encoding other processes' producers only: this process opens the session's media to pipe them in.
    if (!media && !selectionEmpty(selection)) media = await this.deps.media.session(s.eventId, s.sessionId);
    if (s.media !== null && s.media !== media) {
      // What was held or watched was on media that went: start afresh on this one.
      this.releaseHolds(s, null);
      s.silent.clear();
      s.flow.clear();
    }
    if (media) selection = await this.holdInputs(s, media, stage, selection);
    // Nobody left on the stage once the webcast has begun (a break, every camera and microphone off, senders gone
    // silent): it goes on with the holding picture (the background and the running order's item, silence) until
    // someone is back or the session ends, so players keep playing instead of freezing on the last frame, and the
    // archive keeps the gap's true length.
    const holding = selectionEmpty(selection) && s.manifest.runs.length > 0;
    const key = selectionKey(selection);
    if (key === s.key && s.current && (holding || s.media === media)) {
      this.releaseHolds(s, selection);
      return;
    }
    await s.current?.stop();
    s.current = null;
    this.releaseHolds(s, selection);
    s.key = key;
    s.selection = null;
    s.media = media ?? null;
    if (selectionEmpty(selection) ? !holding : !media) return;
    if (holding) this.deps.logger.info({ eventId: s.eventId, sessionId: s.sessionId }, 'webcast: nobody on the stage, the holding picture goes out until someone is back');
    const local = media;
    s.remoteInputs = local ? selectionIds(selection).filter((id) => local.originOf(id) !== undefined).length : 0;
    await this.readNames(s, selection);
    if (s.itemText === null) await this.readItem(s);
    const run = (s.manifest.runs.at(-1)?.run ?? 0) + 1;
    const startedAt = new Date();
    for (const c of selection.channels) if (!s.manifest.languages.includes(c.language)) s.manifest.languages.push(c.language);
    const silentLanguages = holding ? s.manifest.languages.filter((l) => !selection.channels.some((c) => c.language === l)) : [];
    s.manifest.runs.push({ run, startedAt: startedAt.toISOString(), languages: [...selection.channels.map((c) => c.language), ...silentLanguages] });
    this.writeManifest(s);
    s.current = await EncoderRun.start({
      router: local?.homeRouter ?? null,
      selection,
      dir: s.dir,
      run,
      offsetSeconds: (startedAt.getTime() - new Date(s.manifest.startedAt).getTime()) / 1000,
      settings: this.deps.options,
      logger: this.deps.logger,
      layout: this.layoutOf(s, selection),
      silentLanguages,
      onExit: (code, stderr) => {
        this.deps.logger.warn({ eventId: s.eventId, sessionId: s.sessionId, run, code, stderr: stderr.slice(-1500) }, 'webcast encoder died: restarting');
        s.restarts += 1;
        s.current = null;
        s.key = '';
        this.schedule(s.eventId, s.sessionId, Math.min(10_000, 500 * 2 ** Math.min(s.restarts, 5)));
      },
    });
    s.selection = selection;
    // The focus may have moved while ffmpeg started.
    this.relayout(s);
    void this.writeMaster(s, s.current.info.languages, run);
  }

  /** What the composition of a session shows now, for the speaker, the floor and the running order as last heard. */
  private layoutOf(s: SessionWebcast, selection: EncoderSelection): LayoutState {
    const order = slotOrder(selection.videos, s.focus);
    const text = (v: { participantId: string; name: string }): string => s.names.get(v.participantId) ?? lowerThird({ name: v.name });
    return {
      order,
      slotTexts: order.map((i) => {
        const video = selection.videos[i];
        return video ? text(video) : '';
      }),
      signText: selection.sign ? text(selection.sign) : '',
      itemText: s.itemText ?? '',
    };
  }

  private refocus(eventId: string, sessionId: string, change: (focus: Focus) => Focus): void {
    const s = this.sessions.get(`${eventId}/${sessionId}`);
    if (!s) return;
    s.focus = change(s.focus);
    this.relayout(s);
  }

  /** Applies the layout to the running encoder: a command to ffmpeg, no restart. */
  private relayout(s: SessionWebcast): void {
    if (s.current && s.selection) s.current.setLayout(this.layoutOf(s, s.selection));
  }

  private async readNames(s: SessionWebcast, selection: EncoderSelection): Promise<void> {
    const person = this.deps.person;
    if (!person) return;
    for (const v of [...selection.videos, ...(selection.sign ? [selection.sign] : [])]) {
      if (s.names.has(v.participantId)) continue;
      const who = await person(s.eventId, v.participantId).catch(() => null);
      if (who) s.names.set(v.participantId, lowerThird(who));
    }
  }

  private async readItem(s: SessionWebcast): Promise<void> {
    const read = this.deps.currentItem;
    if (!read) return;
    try {
      s.itemText = itemLine(await read(s.eventId, s.sessionId));
    } catch {
      // The store is away for a moment: the lower third keeps what it showed.
    }
  }

  /** A caption language appeared: the master playlist names its rendition (players that load it from now on offer it). */
  private rewriteMaster(s: SessionWebcast): void {
    const run = s.current?.info;
    if (run) void this.writeMaster(s, run.languages, run.run);
  }

  /** Writes index.m3u8 once the run's first segments exist (so every playlist it names can be read). */
  private async writeMaster(s: SessionWebcast, languages: string[], run: number): Promise<void> {
    const o = this.deps.options;
    const needed = [...o.qualities.map((q) => `video-${q.name}.m3u8`), 'audio-floor.m3u8', ...languages.map((l) => `audio-${l}.m3u8`)];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (s.current?.info.run !== run) return;
      if (needed.every((f) => fs.existsSync(path.join(s.dir, f)))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    if (s.current?.info.run !== run) return;
    const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
    const media = (language: string, name: string, uri: string, isDefault: boolean): string =>
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",LANGUAGE="${language}",NAME="${name.replace(/"/g, "'")}",DEFAULT=${isDefault ? 'YES' : 'NO'},AUTOSELECT=YES,CHANNELS="2",URI="${uri}"`;
    lines.push(media('mul', languageName('floor'), 'audio-floor.m3u8', true));
    for (const l of languages) lines.push(media(l, languageName(l), `audio-${l}.m3u8`, false));
    const captions = s.subs.languages;
    for (const l of captions) {
      lines.push(`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="${l}",NAME="${languageName(l).replace(/"/g, "'")}",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs-${l}.m3u8"`);
    }
    for (const q of o.qualities) {
      lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${(q.videoKbps + o.audioKbps) * 1100},AVERAGE-BANDWIDTH=${(q.videoKbps + o.audioKbps) * 1000},RESOLUTION=${q.width}x${q.height},FRAME-RATE=${o.fps.toFixed(3)},CODECS="avc1.42e01f,mp4a.40.2",AUDIO="audio"${captions.length > 0 ? ',SUBTITLES="subs"' : ''}`);
      lines.push(`video-${q.name}.m3u8`);
    }
    const file = path.join(s.dir, 'index.m3u8');
    fs.writeFileSync(`${file}.tmp`, `${lines.join('\n')}\n`);
    fs.renameSync(`${file}.tmp`, file);
  }

  /** The session ended: its encoder stops and the recording is made. */
  private async end(eventId: string, sessionId: string): Promise<void> {
    const k = `${eventId}/${sessionId}`;
    this.ended.add(k);
    this.candidates.delete(k);
    const s = this.sessions.get(k);
    if (!s) {
      await this.finaliseOrphan(eventId, sessionId);
      return;
    }
    this.sessions.delete(k);
    if (s.timer) clearTimeout(s.timer);
    s.subs.close();
    await s.chain.catch(() => undefined);
    await s.current?.stop();
    s.current = null;
    this.releaseHolds(s, null);
    try {
      if (s.manifest.runs.length === 0) {
        fs.rmSync(s.dir, { recursive: true, force: true });
        return;
      }
      await this.finaliseSession(eventId, sessionId, s.manifest);
    } finally {
      await this.releaseLease(eventId, sessionId);
    }
  }

  private finaliseSession(eventId: string, sessionId: string, manifest: WebcastManifest): Promise<Recording | null> {
    const k = `${eventId}/${sessionId}`;
    const pending = this.finalising.get(k);
    if (pending) return pending;
    const dir = this.webcastDir(eventId, sessionId);
    const work = (async (): Promise<Recording | null> => {
      const endedAt = manifest.endedAt ? new Date(manifest.endedAt) : lastWrite(dir) ?? new Date();
      const ended: WebcastManifest = { ...manifest, status: 'ended', endedAt: endedAt.toISOString() };
      fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(ended, null, 2));
      // Players stop asking for the live playlists.
      fs.rmSync(path.join(dir, 'index.m3u8'), { force: true });
      const floors = await this.deps.floors(eventId, sessionId).catch(() => []);
      const recording = await finalise({
        ffmpeg: this.deps.options.ffmpeg,
        webcastDir: dir,
        recordingsDir: this.recordingsDir(eventId, sessionId),
        manifest: ended,
        videoRendition: `video-${this.deps.options.qualities[0]?.name ?? 'hi'}`,
        floors,
        endedAt,
      });
      this.deps.logger.info({ eventId, sessionId, id: recording.id, status: recording.status, error: recording.error }, 'webcast recording finalised');
      if (recording.status === 'ready') fs.rmSync(dir, { recursive: true, force: true });
      return recording;
    })().catch((error: unknown) => {
      this.deps.logger.error({ err: error, eventId, sessionId }, 'could not finalise the webcast recording');
      return null;
    }).finally(() => {
      if (this.finalising.get(k) === work) this.finalising.delete(k);
    });
    this.finalising.set(k, work);
    return work;
  }

  private readManifest(eventId: string, sessionId: string): WebcastManifest | null {
    try {
      return JSON.parse(fs.readFileSync(path.join(this.webcastDir(eventId, sessionId), 'manifest.json'), 'utf8')) as WebcastManifest;
    } catch {
      return null;
    }
  }

  private writeManifest(s: SessionWebcast): void {
    const file = path.join(s.dir, 'manifest.json');
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(s.manifest, null, 2));
    fs.renameSync(`${file}.tmp`, file);
  }
}

function selectionIds(s: EncoderSelection): string[] {
  return [...s.videos.map((v) => v.producerId), ...(s.sign ? [s.sign.producerId] : []), ...s.floor.map((f) => f.producerId), ...s.channels.map((c) => c.producerId)];
}

function lastWrite(dir: string): Date | null {
  let latest = 0;
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    if (f.endsWith('.ts')) latest = Math.max(latest, fs.statSync(path.join(dir, f)).mtimeMs);
  }
  return latest > 0 ? new Date(latest) : null;
}

