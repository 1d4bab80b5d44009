import { EventEmitter } from 'node:events';
import type { Config } from '../config.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ActiveSpeakerMessage, ProduceRight, ProducerClosedReason, ProducerInfo } from '../protocol/media-events.ts';
import { KeyedLock } from '../services/keyed-lock.ts';
import { mediaLimits, type MediaLimits } from './media-limits.ts';
import { MediaCluster, type ClusterBus, type ClusterHost, type ClusterRequest, type MediaClusterOptions } from './media-cluster.ts';
import { SessionMedia, type MediaNotice, type ProduceInput, type ProducerDescription, type RemoteProducer, type RouterStats } from './session-media.ts';
import { resolveWorkerBinary } from './worker-binary.ts';
import { WorkerPool } from './worker-pool.ts';

export interface MediaServiceEvents {
  /**
   * Something the session's clients on this process must hear
   * (media-handlers.ts fans it out); `remote` when it comes from another
   * process's announcement (and so is not announced again).
   */
  notice: [{ eventId: string; sessionId: string; notice: MediaNotice; remote?: boolean }];
}

export interface MediaServiceOptions {
  /** How long a session's routers stay up with nobody connected. */
  idleCloseMs?: number;
  /** Transport limits other than the defaults (media-limits.ts). */
  limits?: Partial<MediaLimits>;
  /** At a booth handover, how long the previous interpreter's channel stays while the new one starts sending (default 4 s). */
  handoverGraceMs?: number;
}

export interface MediaStats {
  workers: { index: number; pid: number; routers: number }[];
  sessions: {
    eventId: string;
    sessionId: string;
    routers: RouterStats[];
    peers: number;
    producers: number;
    pipes: ReturnType<SessionMedia['pipeStats']>;
  }[];
  /** With several processes: this one's id and those it hears from. */
  cluster: { self: string; processes: string[] } | null;
}

const key = (eventId: string, sessionId: string): string => `${eventId}/${sessionId}`;

/**
 * The mediasoup side of Plenary: the worker pool and one SessionMedia per
 * live session, created on first use and closed when the session ends, when
 * its home worker dies (clients are told to rejoin) or when nobody has been
 * connected for a while. Sends are serialised per session with the floor's
 * changes, so a producer never outlives the floor that permitted it.
 */
export class MediaService extends EventEmitter<MediaServiceEvents> implements ClusterHost {
  readonly pool: WorkerPool;
  private clusterLink: MediaCluster | null = null;
  private readonly config: Config['media'];
  private readonly logger: Logger;
  private readonly options: MediaServiceOptions;
  private readonly sessions = new Map<string, SessionMedia>();
  private readonly creating = new Map<string, Promise<SessionMedia>>();
  private readonly idle = new Map<string, NodeJS.Timeout>();
  private readonly lock = new KeyedLock();
  /** Booth handovers waiting for the new interpreter's channel, by "eventId/sessionId|language". */
  private readonly handovers = new Map<string, { was: string; now: string; timer: NodeJS.Timeout; close: () => void }>();
  private currentLimits: MediaLimits;
  private closing = false;

  private constructor(pool: WorkerPool, config: Config['media'], logger: Logger, options: MediaServiceOptions) {
    super();
    this.pool = pool;
    this.config = config;
    this.logger = logger;
    this.options = options;
    this.currentLimits = mediaLimits(options.limits);
    this.lastN = config.lastN;
    pool.on('worker-died', ({ index, pid }) => this.onWorkerDied(index, pid));
  }

  static async start(config: Config['media'], logger: Logger, options: MediaServiceOptions = {}): Promise<MediaService> {
    const { version } = await import('mediasoup');
    const bin = await resolveWorkerBinary(version);
    logger.info({ workerBin: bin.path ?? '(mediasoup default)', source: bin.source, workers: config.workers }, 'starting mediasoup workers');
    const portBase = config.rtcMinPort;
    if (portBase + config.workers - 1 > config.rtcMaxPort) {
      throw new Error(`MEDIA_RTC_MIN_PORT..MEDIA_RTC_MAX_PORT (${config.rtcMinPort}-${config.rtcMaxPort}) has no room for ${config.workers} WebRTC servers`);
    }
    const pool = await WorkerPool.start({
      count: config.workers,
      workerBin: bin.path,
      listenIp: config.listenIp,
      announcedAddress: config.announcedAddress,
      basePort: portBase,
      // Plain and pipe transports use the rest of the range (or the same range when it is all WebRTC servers).
      pipeListenIp: config.pipeListenIp,
      pipeAnnouncedAddress: config.pipeAnnouncedAddress,
      portRange: portBase + config.workers <= config.rtcMaxPort ? { min: portBase + config.workers, max: config.rtcMaxPort } : { min: config.rtcMinPort, max: config.rtcMaxPort },
      logger,
    });
    return new MediaService(pool, config, logger, options);
  }

  /** Video consumers per connection (MEDIA_LAST_N), tunable at run time. */
  lastN: number = 4;

  /** The transport limits every session applies now. */
  get limits(): MediaLimits {
    return this.currentLimits;
  }

  /** Retunes the limits at run time (an operator's knob, and tests that want small numbers); applies to the next transport request. */
  setLimits(override: Partial<MediaLimits>): MediaLimits {
    this.currentLimits = mediaLimits({ ...this.currentLimits, ...override });
    return this.currentLimits;
  }

  /** The session's media, created on first use. */
  session(eventId: string, sessionId: string): Promise<SessionMedia> {
    if (this.closing) return Promise.reject(new AppError('media_unavailable', 'The server is shutting down.'));
    const k = key(eventId, sessionId);
    this.cancelIdle(k);
    const existing = this.sessions.get(k);
    if (existing && !existing.closed) return Promise.resolve(existing);
    let pending = this.creating.get(k);
    if (!pending) {
      pending = SessionMedia.create({
        pool: this.pool,
        eventId,
        sessionId,
        maxConsumersPerRouter: this.config.maxConsumersPerRouter,
        limits: () => this.currentLimits,
        lastN: () => this.lastN,
        logger: this.logger,
        notify: (notice) => this.onNotice(eventId, sessionId, notice),
        bridge: this.clusterLink?.bridge(eventId, sessionId, () => this.pool.remotePipeListenInfo()),
      }).then(
        (media) => {
          this.creating.delete(k);
          this.sessions.set(k, media);
          this.logger.info({ eventId, sessionId, stats: media.stats().routers }, 'session media opened');
          return media;
        },
        (error: unknown) => {
          this.creating.delete(k);
          throw error;
        },
      );
      this.creating.set(k, pending);
    }
    return pending;
  }

  /** The session's media if it is open. */
  existing(eventId: string, sessionId: string): SessionMedia | undefined {
    const media = this.sessions.get(key(eventId, sessionId));
    return media && !media.closed ? media : undefined;
  }

  /** The session's media, or a coded refusal when nobody joined it yet. */
  require(eventId: string, sessionId: string): SessionMedia {
    const media = this.existing(eventId, sessionId);
    if (!media) throw new AppError('not_joined', 'Join the session’s media first (media:capabilities).');
    return media;
  }

  /**
   * Produces after `decide` (which reads who holds the floor) allows it,
   * in step with the floor's changes for this session.
   */
  produce(eventId: string, sessionId: string, socketId: string, input: ProduceInput, decide: () => Promise<ProduceRight>): Promise<{ producerId: string }> {
    return this.lock.run(`rights:${key(eventId, sessionId)}`, async () => {
      const right = await decide();
      return this.require(eventId, sessionId).produce(socketId, input, right);
    });
  }

  /** The floor passed: the previous holder's floor producers close at once. */
  floorEnded(eventId: string, sessionId: string, participantId: string): Promise<ProducerInfo[]> {
    return this.lock.run(`rights:${key(eventId, sessionId)}`, async () => this.existing(eventId, sessionId)?.closeFloorProducers(participantId) ?? []);
  }

  /**
   * A booth's live interpreter changed (domain/booths.ts): only the live one
   * publishes the channel, so the previous one's interpretation producer of
   * that language closes, on whichever process holds it. Make before break:
   * it closes as soon as the new interpreter's producer exists (on any
   * process), or after a short grace if none comes, so listeners, whose
   * clients consume the new producer as it appears, hear no gap longer than
   * the switch itself. Released (nobody new): closes at once.
   */
  boothHandover(eventId: string, sessionId: string, language: string, was: string | null, now: string | null): void {
    const k = `${key(eventId, sessionId)}|${language}`;
    const pending = this.handovers.get(k);
    if (pending) pending.close();
    const media = this.existing(eventId, sessionId);
    if (!media || !was) return;
    const isOld = (info: ProducerInfo): boolean => info.participantId === was && info.source === 'interpretation' && info.language === language;
    if (!media.describeLocal().some((d) => isOld(d.info))) return;
    const close = (): void => {
      const entry = this.handovers.get(k);
      if (entry?.close === close) {
        clearTimeout(entry.timer);
        this.handovers.delete(k);
      }
      void this.lock.run(`rights:${key(eventId, sessionId)}`, async () => this.existing(eventId, sessionId)?.closeWhere(isOld, 'rights-changed'));
    };
    const started = now !== null && media.producerList().some((p) => p.participantId === now && p.source === 'interpretation' && p.language === language);
    if (now === null || started) {
      close();
      return;
    }
    const timer = setTimeout(close, this.options.handoverGraceMs ?? 4000);
    timer.unref();
    this.handovers.set(k, { was, now, timer, close });
  }

  /** A producer appeared (here or on another process): a handover waiting for it completes. */
  private settleHandover(eventId: string, sessionId: string, info: ProducerInfo): void {
    if (info.source !== 'interpretation' || !info.language) return;
    const pending = this.handovers.get(`${key(eventId, sessionId)}|${info.language}`);
    if (pending && pending.now === info.participantId) pending.close();
  }

  /** A participant's roles changed: close producers whose right is gone. */
  revoke(participantId: string, stillAllowed: (eventId: string, sessionId: string, info: ProducerInfo) => boolean): void {
    for (const media of this.sessions.values()) {
      if (media.closed) continue;
      media.closeWhere((info) => info.participantId === participantId && !stillAllowed(media.eventId, media.sessionId, info), 'rights-changed');
    }
  }

  /** The session ended (or was cancelled): its routers close and everyone is told. */
  closeSession(eventId: string, sessionId: string, reason: 'session-ended' | 'closed' = 'session-ended'): void {
    const k = key(eventId, sessionId);
    this.cancelIdle(k);
    if (reason === 'session-ended') this.clusterLink?.forgetSession(eventId, sessionId);
    const media = this.sessions.get(k);
    if (!media) return;
    this.sessions.delete(k);
    media.close(reason);
  }

  /** A socket went away: it leaves every session's media. */
  disconnect(socketId: string): void {
    for (const media of this.sessions.values()) if (media.hasPeer(socketId)) media.leave(socketId, 'disconnected');
  }

  stats(): MediaStats {
    return {
      workers: this.pool.workers.map((s) => ({ index: s.index, pid: s.worker.pid, routers: s.routers })),
      sessions: [...this.sessions.values()].filter((m) => !m.closed).map((m) => ({ eventId: m.eventId, sessionId: m.sessionId, ...m.stats(), pipes: m.pipeStats() })),
      cluster: this.clusterLink ? { self: this.clusterLink.self, processes: this.clusterLink.processes } : null,
    };
  }

  // ---- Several processes (media-cluster.ts) ----

  /** Joins the other processes' media through Redis; sessions opened from now on pipe to theirs. Closed by the returned function. */
  joinCluster(bus: ClusterBus, options: MediaClusterOptions = {}): MediaCluster {
    this.clusterLink?.close();
    this.clusterLink = new MediaCluster(bus, this, this.logger, options);
    return this.clusterLink;
  }

  get cluster(): MediaCluster | null {
    return this.clusterLink;
  }

  /** Another process (a moderator or owner connected there) acts on a producer of this process. */
  remoteAction(eventId: string, sessionId: string, body: ClusterRequest & { op: 'producer-action' }): Promise<unknown> {
    const media = this.require(eventId, sessionId);
    if (body.action === 'close') return Promise.resolve(media.closeProducer(body.producerId, body.reason));
    return media.pauseProducer(body.producerId, body.action === 'pause', body.byModerator);
  }

  localProducers(): { eventId: string; sessionId: string; producers: ProducerDescription[] }[] {
    return [...this.sessions.values()].filter((m) => !m.closed).map((m) => ({ eventId: m.eventId, sessionId: m.sessionId, producers: m.describeLocal() }));
  }

  async serve(from: string, eventId: string, sessionId: string, body: ClusterRequest): Promise<unknown> {
    switch (body.op) {
      case 'pipe-open':
        return this.require(eventId, sessionId).openOutPipe(from, { ip: body.ip, port: body.port }, this.pool.remotePipeListenInfo());
      case 'pipe-consume':
        return this.require(eventId, sessionId).pipeOut(from, body.producerId);
      case 'pipe-drop':
        this.existing(eventId, sessionId)?.dropOut(from, body.producerId);
        return null;
      case 'pipe-close':
        this.existing(eventId, sessionId)?.dropOut(from);
        return null;
      case 'producer-action':
        return this.lock.run(`rights:${key(eventId, sessionId)}`, () => this.remoteAction(eventId, sessionId, body));
    }
  }

  remoteAdded(eventId: string, sessionId: string, producer: RemoteProducer, known: boolean): void {
    if (!known) this.emit('notice', { eventId, sessionId, notice: { type: 'new-producer', producer: { ...producer.info } }, remote: true });
    this.settleHandover(eventId, sessionId, producer.info);
  }

  remoteClosed(eventId: string, sessionId: string, producer: RemoteProducer, reason: ProducerClosedReason): void {
    this.existing(eventId, sessionId)?.remoteClosed(producer.info.producerId);
    this.emit('notice', { eventId, sessionId, notice: { type: 'producer-closed', producerId: producer.info.producerId, participantId: producer.info.participantId, reason }, remote: true });
  }

  remotePaused(eventId: string, sessionId: string, producer: RemoteProducer): void {
    const { producerId, paused, pausedByModerator } = producer.info;
    this.existing(eventId, sessionId)?.remotePaused(producerId, paused);
    this.emit('notice', { eventId, sessionId, notice: { type: 'producer-paused', producerId, paused, pausedByModerator }, remote: true });
  }

  remoteSpeaker(eventId: string, sessionId: string, message: ActiveSpeakerMessage): void {
    this.existing(eventId, sessionId)?.setRemoteSpeaker(message);
    this.emit('notice', { eventId, sessionId, notice: { type: 'active-speaker', producerId: message.producerId, participantId: message.participantId }, remote: true });
  }

  remoteSettings(eventId: string, sessionId: string, delegateVideo: boolean): void {
    const media = this.existing(eventId, sessionId);
    if (!media) return;
    if (media.settings.delegateVideo !== delegateVideo) media.setDelegateVideo(delegateVideo);
    if (!delegateVideo) media.closeWhere((info) => info.right === 'floor' && info.source === 'camera', 'moderator');
  }

  processGone(process: string): void {
    for (const media of this.sessions.values()) if (!media.closed) media.dropProcess(process);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.clusterLink?.close();
    for (const timer of this.idle.values()) clearTimeout(timer);
    this.idle.clear();
    for (const pending of this.handovers.values()) clearTimeout(pending.timer);
    this.handovers.clear();
    await Promise.allSettled(this.creating.values());
    for (const media of this.sessions.values()) media.close('closed');
    this.sessions.clear();
    await this.pool.close();
  }

  private onNotice(eventId: string, sessionId: string, notice: MediaNotice): void {
    if (notice.type === 'empty') {
      this.scheduleIdle(eventId, sessionId);
      return;
    }
    this.announce(eventId, sessionId, notice);
    this.emit('notice', { eventId, sessionId, notice });
    if (notice.type === 'new-producer') this.settleHandover(eventId, sessionId, notice.producer);
  }

  /** This process's producers' changes, for the other processes. */
  private announce(eventId: string, sessionId: string, notice: MediaNotice): void {
    const cluster = this.clusterLink;
    if (!cluster) return;
    switch (notice.type) {
      case 'new-producer': {
        const [description] = this.existing(eventId, sessionId)?.describeLocal(notice.producer.producerId) ?? [];
        cluster.announceProducer(eventId, sessionId, description ?? { info: notice.producer, height: undefined, encodings: [] });
        break;
      }
      case 'producer-closed':
        cluster.announceClosed(eventId, sessionId, notice.producerId, notice.participantId, notice.reason);
        break;
      case 'producer-paused':
        cluster.announcePaused(eventId, sessionId, notice.producerId, notice.paused, notice.pausedByModerator);
        break;
      case 'active-speaker':
        cluster.announceSpeaker(eventId, sessionId, notice.producerId, notice.participantId);
        break;
      default:
        break;
    }
  }

  private onWorkerDied(index: number, pid: number): void {
    for (const [k, media] of [...this.sessions]) {
      const uses = media.usesWorker(index, pid);
      if (uses.home) {
        // Everything of the session was there: close what is left and let every client start again.
        this.sessions.delete(k);
        media.close('worker-died');
        this.emit('notice', { eventId: media.eventId, sessionId: media.sessionId, notice: { type: 'rejoin', reason: 'worker-died' } });
      } else if (uses.audience) {
        const socketIds = media.dropWorker(index, pid);
        if (socketIds.length > 0) this.emit('notice', { eventId: media.eventId, sessionId: media.sessionId, notice: { type: 'rejoin', socketIds, reason: 'worker-died' } });
      }
    }
  }

  private scheduleIdle(eventId: string, sessionId: string): void {
    const k = key(eventId, sessionId);
    this.cancelIdle(k);
    const timer = setTimeout(() => {
      this.idle.delete(k);
      const media = this.sessions.get(k);
      if (media && media.peerCount === 0) {
        this.logger.info({ eventId, sessionId }, 'session media closed: nobody connected');
        this.closeSession(eventId, sessionId, 'closed');
      }
    }, this.options.idleCloseMs ?? 60_000);
    timer.unref();
    this.idle.set(k, timer);
  }

  private cancelIdle(k: string): void {
    const timer = this.idle.get(k);
    if (timer) clearTimeout(timer);
    this.idle.delete(k);
  }
}
