import type {
  ActiveSpeakerObserver, Consumer, MediaKind, PipeTransport, PlainTransport, Producer, Router, RtpCapabilities, RtpParameters, Transport,
  TransportListenInfo, WebRtcTransport,
} from 'mediasoup/types';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { KeyedLock } from '../services/keyed-lock.ts';
import type {
  ActiveSpeakerMessage, ConsumeAck, CreateTransportAck, DtlsParametersInput, MediaSettings, MediaSource, ProduceRight,
  ProducerClosedReason, ProducerInfo, RtpCapabilitiesInput, RtpParametersInput, SrtpParametersInput,
} from '../protocol/media-events.ts';
import { mediaCodecs } from './codecs.ts';
import { preferredLayers, type PreferredLayers } from './layers.ts';
import { viaMediasoup } from './media-errors.ts';
import { checkTransportLimits, type MediaLimits, type MediaTier, type TransportUse } from './media-limits.ts';
import type { WorkerPool, WorkerSlot } from './worker-pool.ts';

/** What the session's media tells the signalling layer, which fans it out. */
export type MediaNotice =
  | { type: 'new-producer'; producer: ProducerInfo }
  | { type: 'producer-closed'; producerId: string; participantId: string; reason: ProducerClosedReason }
  | { type: 'producer-paused'; producerId: string; paused: boolean; pausedByModerator: boolean }
  | { type: 'active-speaker'; producerId: string; participantId: string }
  | { type: 'settings'; delegateVideo: boolean }
  /** These sockets (all in the session when absent) lost their transports: start again from media:capabilities. */
  | { type: 'rejoin'; socketIds?: string[]; reason: 'worker-died' | 'closed' }
  | { type: 'empty' };

/** A router of the session on one worker; the first one (home) holds every producer. */
interface RouterSlot {
  router: Router;
  worker: WorkerSlot;
  home: boolean;
  /** Consumers of viewers on this router (not pipes): what MEDIA_MAX_CONSUMERS_PER_ROUTER caps. */
  consumers: number;
}

interface PeerTransport {
  transport: Transport;
  type: 'webrtc' | 'plain';
  direction: 'send' | 'recv';
  slot: RouterSlot;
}

interface PeerConsumer {
  consumer: Consumer;
  producerId: string;
}

/** Where ffmpeg sends one track of a played statement, and the producer it feeds. */
export interface PlaybackTrack {
  kind: 'audio' | 'video';
  payloadType: number;
  ssrc: number;
  port: number;
  rtcpPort: number;
  producerId: string;
}

/** One socket's media in the session. */
export interface PeerInit {
  socketId: string;
  participantId: string | null;
  name: string;
  /** The signalling connection's remote address: plain transports send only there. */
  address: string;
}

interface Peer extends PeerInit {
  rtpCapabilities?: RtpCapabilities;
  recvSlot?: RouterSlot;
  transports: Map<string, PeerTransport>;
  /** Transports being made right now: counted against the limits, so a burst of requests cannot overshoot them. */
  pending: { webrtc: number; plain: number };
  /** Video consumers being made right now (counted against last N). */
  pendingVideo: number;
  producers: Set<string>;
  consumers: Map<string, PeerConsumer>;
}

interface ProducerEntry {
  producer: Producer;
  peer: Peer;
  info: ProducerInfo;
  height: number | undefined;
  /** As the sender asked for them (mediasoup keeps no scaleResolutionDownBy). */
  encodings: readonly { scaleResolutionDownBy?: number | undefined }[];
  closeReason?: ProducerClosedReason;
}

/** A producer held by another process, as its announcements describe it (media-cluster.ts). */
export interface RemoteProducer {
  /** The process holding it. */
  origin: string;
  info: ProducerInfo;
  height: number | undefined;
  encodings: { scaleResolutionDownBy?: number | undefined }[];
}

/** A local producer as other processes learn of it. */
export interface ProducerDescription {
  info: ProducerInfo;
  height: number | undefined;
  encodings: { scaleResolutionDownBy?: number | undefined }[];
}

/** What one process asks another about the same session's pipes. */
export type PipeRequest =
  | { op: 'pipe-open'; ip: string; port: number }
  | { op: 'pipe-consume'; producerId: string }
  | { op: 'pipe-drop'; producerId: string }
  | { op: 'pipe-close' };

export interface PipeConsumeReply {
  kind: MediaKind;
  rtpParameters: RtpParameters;
  paused: boolean;
}

/**
 * How a session reaches the same session on other processes: the producers
 * they hold (from their announcements) and requests to them (through Redis).
 */
export interface PipeBridge {
  remote(producerId: string): RemoteProducer | undefined;
  remotes(): RemoteProducer[];
  listenInfo(): TransportListenInfo;
  request(to: string, body: PipeRequest): Promise<unknown>;
}

export interface SessionMediaOptions {
  pool: WorkerPool;
  eventId: string;
  sessionId: string;
  maxConsumersPerRouter: number;
  /** Read on every transport request, so limits tuned at run time apply at once. */
  limits: () => MediaLimits;
  /** At most this many video consumers per connection (MEDIA_LAST_N); read on every consume. */
  lastN?: () => number;
  logger: Logger;
  notify: (notice: MediaNotice) => void;
  /** Other processes' producers and pipes to them; absent with one process. */
  bridge?: PipeBridge | undefined;
}

export interface ProduceInput {
  transportId: string;
  kind: MediaKind;
  rtpParameters: RtpParametersInput;
  source: MediaSource;
  language?: string | undefined;
  height?: number | undefined;
  paused: boolean;
}

export interface ConnectInput {
  transportId: string;
  dtlsParameters?: DtlsParametersInput | undefined;
  ip?: string | undefined;
  port?: number | undefined;
  srtpParameters?: SrtpParametersInput | undefined;
}

export interface RouterStats {
  routerId: string;
  workerIndex: number;
  workerPid: number;
  home: boolean;
  consumers: number;
}

const maxConsumersPerPeer = 300;

/**
 * The media of one live session: a home router (producers, the active
 * speaker observer, the first viewers) and, once it carries
 * MEDIA_MAX_CONSUMERS_PER_ROUTER consumers, audience routers on other
 * workers fed by pipeToRouter. Owns peers (one per socket), their
 * transports, producers and consumers. The rules on who may send are
 * decided before a call reaches it (media-rights.ts).
 */
export class SessionMedia {
  readonly eventId: string;
  readonly sessionId: string;
  private readonly options: SessionMediaOptions;
  private readonly home: RouterSlot;
  private readonly audience: RouterSlot[] = [];
  private readonly observer: ActiveSpeakerObserver;
  private readonly peers = new Map<string, Peer>();
  private readonly producers = new Map<string, ProducerEntry>();
  /** Producers piped into audience routers: `${routerId}/${producerId}` → the pipe producer there. */
  private readonly pipes = new Map<string, Promise<Producer>>();
  /** Pipe transports from other processes' routers of this session, by origin process. */
  private readonly inPipes = new Map<string, Promise<PipeTransport>>();
  /** Remote producers piped into the home router, with how many consumers here use them. */
  private readonly remotePipes = new Map<string, { origin: string; producer: Promise<Producer>; refs: number }>();
  /** Pipe transports to other processes that consume producers of this one, by process. */
  private readonly outPipes = new Map<string, PipeTransport>();
  /** Their consumers: `${process}/${producerId}`. */
  private readonly outConsumers = new Map<string, Consumer>();
  private readonly pipeLock = new KeyedLock();
  private remoteSpeaker: ActiveSpeakerMessage | null = null;
  private placing: Promise<unknown> = Promise.resolve();
  private activeSpeaker: ActiveSpeakerMessage | null = null;
  private delegateVideo = false;
  private closedWith: 'session-ended' | 'worker-died' | 'closed' | null = null;

  private constructor(options: SessionMediaOptions, home: RouterSlot, observer: ActiveSpeakerObserver) {
    this.options = options;
    this.eventId = options.eventId;
    this.sessionId = options.sessionId;
    this.home = home;
    this.observer = observer;
    observer.on('dominantspeaker', ({ producer }) => {
      const entry = this.producers.get(producer.id);
      if (!entry) return;
      this.activeSpeaker = { sessionId: this.sessionId, producerId: producer.id, participantId: entry.info.participantId };
      options.notify({ type: 'active-speaker', producerId: producer.id, participantId: entry.info.participantId });
    });
  }

  static async create(options: SessionMediaOptions): Promise<SessionMedia> {
    const worker = options.pool.pick();
    if (!worker) throw new AppError('media_unavailable', 'No media worker is running right now; try again in a moment.');
    const router = await viaMediasoup(() => options.pool.createRouter(worker, { mediaCodecs, appData: { eventId: options.eventId, sessionId: options.sessionId } }));
    try {
      const observer = await viaMediasoup(() => router.createActiveSpeakerObserver({ interval: 300 }));
      const media = new SessionMedia(options, { router, worker, home: true, consumers: 0 }, observer);
      // The worker died or the router was closed under us: everything of the session is gone.
      router.observer.once('close', () => media.close(worker.worker.died ? 'worker-died' : 'closed'));
      return media;
    } catch (error) {
      router.close();
      throw error;
    }
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  get rtpCapabilities(): RtpCapabilities {
    return this.home.router.rtpCapabilities;
  }

  /** The home router (every producer of this process is on it): the webcast encoder consumes there (media/webcast). */
  get homeRouter(): Router {
    return this.home.router;
  }

  get settings(): MediaSettings {
    return { sessionId: this.sessionId, delegateVideo: this.delegateVideo };
  }

  get speaker(): ActiveSpeakerMessage | null {
    if (this.activeSpeaker && this.producers.has(this.activeSpeaker.producerId)) return this.activeSpeaker;
    return this.remoteSpeaker && this.options.bridge?.remote(this.remoteSpeaker.producerId) ? this.remoteSpeaker : null;
  }

  /** Another process's active speaker observer heard one of its producers. */
  setRemoteSpeaker(message: ActiveSpeakerMessage): void {
    this.remoteSpeaker = message;
  }

  setDelegateVideo(allowed: boolean): MediaSettings {
    this.delegateVideo = allowed;
    this.options.notify({ type: 'settings', delegateVideo: allowed });
    return this.settings;
  }

  /** Producers on stage: this process's and those other processes announced. */
  producerList(): ProducerInfo[] {
    const remote = this.options.bridge?.remotes().filter((r) => !this.producers.has(r.info.producerId)) ?? [];
    return [...[...this.producers.values()].map((e) => ({ ...e.info })), ...remote.map((r) => ({ ...r.info }))];
  }

  producer(producerId: string): ProducerInfo | undefined {
    const entry = this.producers.get(producerId) ?? this.options.bridge?.remote(producerId);
    return entry ? { ...entry.info } : undefined;
  }

  /** The process holding a producer of another process; undefined for this process's own. */
  originOf(producerId: string): string | undefined {
    return this.producers.has(producerId) ? undefined : this.options.bridge?.remote(producerId)?.origin;
  }

  /** This process's producers, as other processes learn of them. */
  describeLocal(producerId?: string): ProducerDescription[] {
    return [...this.producers.values()]
      .filter((e) => producerId === undefined || e.info.producerId === producerId)
      .map((e) => ({ info: { ...e.info }, height: e.height, encodings: e.encodings.map((x) => ({ ...(x.scaleResolutionDownBy ? { scaleResolutionDownBy: x.scaleResolutionDownBy } : {}) })) }));
  }

  /** Every producer on the stage, this process's and those other processes announced (what the webcast composes). */
  describeAll(): ProducerDescription[] {
    const local = this.describeLocal();
    const remote = this.options.bridge?.remotes().filter((r) => !this.producers.has(r.info.producerId)) ?? [];
    return [...local, ...remote.map((r) => ({ info: { ...r.info }, height: r.height, encodings: r.encodings.map((x) => ({ ...x })) }))];
  }

  /**
   * Makes a producer consumable on the home router for a consumer that is
   * no viewer's (the webcast encoder's plain transports): this process's own
   * as it is, another process's piped in, shared with viewers who consume
   * it here. Resolves once it is there, with the release (the pipe closes
   * when nothing here uses it any more).
   */
  async holdOnHome(producerId: string): Promise<() => void> {
    this.requireOpen();
    if (this.producers.has(producerId)) return () => undefined;
    const remote = this.options.bridge?.remote(producerId);
    if (!remote) throw new AppError('media_not_found', 'That producer is not on this session’s stage (any more).');
    this.acquireRemote(remote);
    const held = this.remotePipes.get(producerId);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      // A pipe that failed or closed was forgotten already; one made since is someone else's.
      if (held && this.remotePipes.get(producerId) === held) this.releaseRemote(producerId);
    };
    try {
      await held?.producer;
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  /**
   * Bytes of RTP a producer has received so far, as the home router sees it
   * (this process's own, or another's piped in while something here holds
   * it); null when it is not there. Whether it still sends, for the webcast.
   */
  async receivedBytes(producerId: string): Promise<number | null> {
    const producer = this.producers.get(producerId)?.producer ?? (await this.remotePipes.get(producerId)?.producer.catch(() => undefined));
    if (!producer || producer.closed) return null;
    const stats = await producer.getStats().catch(() => null);
    return stats ? stats.reduce((n, s) => n + s.byteCount, 0) : null;
  }

  hasPeer(socketId: string): boolean {
    return this.peers.has(socketId);
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** Workers this session has routers on. */
  usesWorker(index: number, pid: number): { home: boolean; audience: boolean } {
    const on = (s: RouterSlot) => s.worker.index === index && s.worker.worker.pid === pid;
    return { home: on(this.home), audience: this.audience.some(on) };
  }

  /** (Re)joins: whatever this socket had in the session is closed first. */
  join(init: PeerInit): void {
    this.requireOpen();
    this.leave(init.socketId, 'closed', false);
    this.peers.set(init.socketId, { ...init, transports: new Map(), pending: { webrtc: 0, plain: 0 }, pendingVideo: 0, producers: new Set(), consumers: new Map() });
  }

  /** Closes a socket's transports (and so its producers and consumers). */
  leave(socketId: string, reason: ProducerClosedReason = 'disconnected', announceEmpty = true): void {
    const peer = this.peers.get(socketId);
    if (!peer) return;
    this.peers.delete(socketId);
    for (const producerId of peer.producers) {
      const entry = this.producers.get(producerId);
      if (entry) entry.closeReason ??= reason;
    }
    for (const { transport } of peer.transports.values()) transport.close();
    if (announceEmpty && this.peers.size === 0) this.options.notify({ type: 'empty' });
  }

  /**
   * Opens a transport for the socket, within the limits for the caller's
   * tier (media-limits.ts); whether the caller may open it at all was
   * decided before (media-rights.ts).
   */
  async createTransport(
    socketId: string,
    input: { direction: 'send' | 'recv'; type: 'webrtc' | 'plain'; rtpCapabilities?: RtpCapabilitiesInput | undefined },
    tier: MediaTier,
  ): Promise<CreateTransportAck> {
    const peer = this.peer(socketId);
    if (input.direction === 'recv' && !input.rtpCapabilities) throw new AppError('bad_request', 'A recv transport needs the device’s rtpCapabilities.');
    checkTransportLimits(this.options.limits(), tier, input.type, this.transportUse(peer));
    peer.pending[input.type] += 1;
    try {
      return await this.openTransport(peer, input);
    } finally {
      peer.pending[input.type] -= 1;
    }
  }

  /** What the peer's participant and the whole session hold now, counting transports still being made. */
  private transportUse(peer: Peer): TransportUse {
    const use: TransportUse = { socket: 0, participant: 0, participantPlain: 0, session: 0 };
    for (const other of this.peers.values()) {
      const plain = [...other.transports.values()].filter((t) => t.type === 'plain').length + other.pending.plain;
      const all = other.transports.size + other.pending.webrtc + other.pending.plain;
      use.session += all;
      // The organiser token has no participant id: all its sockets share one allowance.
      if (other.participantId === peer.participantId) {
        use.participant += all;
        use.participantPlain += plain;
      }
      if (other === peer) use.socket = all;
    }
    return use;
  }

  private async openTransport(peer: Peer, input: { direction: 'send' | 'recv'; type: 'webrtc' | 'plain'; rtpCapabilities?: RtpCapabilitiesInput | undefined }): Promise<CreateTransportAck> {
    const { socketId } = peer;
    if (input.direction === 'recv' && input.rtpCapabilities) peer.rtpCapabilities = input.rtpCapabilities as RtpCapabilities;
    const slot = input.direction === 'send' ? this.home : (peer.recvSlot ??= await this.placeViewer());
    this.requireOpen();
    const appData = { socketId, direction: input.direction };
    let ack: CreateTransportAck;
    let transport: Transport;
    if (input.type === 'webrtc') {
      const t = await viaMediasoup(() => slot.router.createWebRtcTransport({
        webRtcServer: slot.worker.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        initialAvailableOutgoingBitrate: 1_000_000,
        appData,
      }));
      t.on('dtlsstatechange', (state) => {
        if (state === 'failed' || state === 'closed') t.close();
      });
      transport = t;
      ack = {
        transportId: t.id,
        type: 'webrtc',
        direction: input.direction,
        iceParameters: t.iceParameters,
        iceCandidates: t.iceCandidates,
        dtlsParameters: t.dtlsParameters as DtlsParametersInput,
      };
    } else {
      const t = await viaMediasoup(() => slot.router.createPlainTransport({
        listenInfo: this.options.pool.plainListenInfo(),
        rtcpMux: true,
        comedia: false,
        enableSrtp: true,
        srtpCryptoSuite: 'AEAD_AES_256_GCM',
        appData,
      }));
      transport = t;
      const srtp = t.srtpParameters;
      if (!srtp) {
        t.close();
        throw new Error('plain transport without SRTP parameters');
      }
      ack = { transportId: t.id, type: 'plain', direction: input.direction, ip: t.tuple.localAddress, port: t.tuple.localPort, srtpParameters: srtp };
    }
    if (input.direction === 'send') await transport.setMaxIncomingBitrate(4_000_000).catch(() => undefined);
    // The peer may have left while the transport was being made.
    if (this.peers.get(socketId) !== peer || this.closed) {
      transport.close();
      throw new AppError('media_not_found', 'This connection left the session’s media meanwhile.');
    }
    peer.transports.set(transport.id, { transport, type: input.type, direction: input.direction, slot });
    transport.observer.once('close', () => peer.transports.delete(transport.id));
    return ack;
  }

  async connectTransport(socketId: string, input: ConnectInput): Promise<void> {
    const pt = this.transport(socketId, input.transportId);
    if (pt.type === 'webrtc') {
      if (!input.dtlsParameters) throw new AppError('bad_request', 'A WebRTC transport connects with dtlsParameters.');
      const { dtlsParameters } = input;
      await viaMediasoup(() => (pt.transport as WebRtcTransport).connect({ dtlsParameters }));
      return;
    }
    if (!input.ip || !input.port || !input.srtpParameters) throw new AppError('bad_request', 'A plain transport connects with ip, port and srtpParameters.');
    const peer = this.peer(socketId);
    if (normalizeIp(input.ip) !== normalizeIp(peer.address)) {
      throw new AppError('forbidden', 'A plain transport sends only to the address the signalling connection comes from.');
    }
    const { ip, port, srtpParameters } = input;
    await viaMediasoup(() => (pt.transport as PlainTransport).connect({ ip, port, srtpParameters }));
  }

  async restartIce(socketId: string, transportId: string): Promise<{ iceParameters: WebRtcTransport['iceParameters'] }> {
    const pt = this.transport(socketId, transportId);
    if (pt.type !== 'webrtc') throw new AppError('bad_request', 'Only WebRTC transports restart ICE.');
    return { iceParameters: await viaMediasoup(() => (pt.transport as WebRtcTransport).restartIce()) };
  }

  /** Creates a producer; `right` was decided by media-rights.ts. One producer per participant and source (and language). */
  async produce(socketId: string, input: ProduceInput, right: ProduceRight): Promise<{ producerId: string }> {
    const peer = this.peer(socketId);
    const pt = this.transport(socketId, input.transportId);
    if (pt.direction !== 'send') throw new AppError('bad_request', 'Produce on a send transport.');
    if (!peer.participantId) throw new AppError('forbidden', 'Only a participant sends on the stage.');
    const language = input.source === 'interpretation' ? (input.language ?? null) : null;
    const participantId = peer.participantId;
    const producer = await viaMediasoup(() =>
      pt.transport.produce({
        kind: input.kind,
        rtpParameters: input.rtpParameters as RtpParameters,
        paused: input.paused,
        appData: { participantId, source: input.source, language },
      }),
    );
    if (this.peers.get(socketId) !== peer || this.closed || producer.closed) {
      producer.close();
      throw new AppError('media_not_found', 'This connection left the session’s media meanwhile.');
    }
    // A second microphone (or camera, screen, channel) of the same person replaces the first.
    for (const other of this.producers.values()) {
      if (other.info.participantId === peer.participantId && other.info.source === input.source && other.info.language === language) {
        this.closeProducer(other.info.producerId, 'replaced');
      }
    }
    const info: ProducerInfo = {
      producerId: producer.id,
      participantId: peer.participantId,
      name: peer.name,
      kind: input.kind,
      source: input.source,
      right,
      language,
      paused: producer.paused,
      pausedByModerator: false,
    };
    const entry: ProducerEntry = { producer, peer, info, height: input.height, encodings: input.rtpParameters.encodings ?? [] };
    this.producers.set(producer.id, entry);
    peer.producers.add(producer.id);
    producer.observer.once('close', () => {
      this.producers.delete(producer.id);
      peer.producers.delete(producer.id);
      const reason = entry.closeReason ?? (this.home.worker.worker.died ? 'worker-died' : this.closedWith === 'session-ended' ? 'session-ended' : 'closed');
      this.options.notify({ type: 'producer-closed', producerId: producer.id, participantId: info.participantId, reason });
    });
    if (input.kind === 'audio' && input.source === 'mic') {
      await this.observer.addProducer({ producerId: producer.id }).catch((error: unknown) => {
        this.options.logger.warn({ err: error, producerId: producer.id }, 'active speaker observer refused a producer');
      });
    }
    this.options.notify({ type: 'new-producer', producer: { ...info } });
    return { producerId: producer.id };
  }

  async consume(socketId: string, input: { transportId: string; producerId: string }): Promise<ConsumeAck> {
    const peer = this.peer(socketId);
    const pt = this.transport(socketId, input.transportId);
    if (pt.direction !== 'recv') throw new AppError('bad_request', 'Consume on a recv transport.');
    const entry = this.producers.get(input.producerId) ?? this.options.bridge?.remote(input.producerId);
    if (!entry) throw new AppError('media_not_found', 'That producer is not on this session’s stage (any more).');
    const remote = 'origin' in entry ? entry : undefined;
    if (!peer.rtpCapabilities) throw new AppError('bad_request', 'Send rtpCapabilities with the recv transport first.');
    if (peer.consumers.size >= maxConsumersPerPeer) throw new AppError('conflict', `At most ${maxConsumersPerPeer} consumers per connection.`);
    for (const c of peer.consumers.values()) {
      if (c.producerId === input.producerId) throw new AppError('conflict', 'This connection already consumes that producer.');
    }
    // Last N: a panel of 10 costs a viewer what a panel of N does.
    const lastN = this.options.lastN?.();
    if (entry.info.kind === 'video' && lastN !== undefined) {
      const videos = [...peer.consumers.values()].filter((c) => c.consumer.kind === 'video').length + peer.pendingVideo;
      if (videos >= lastN) throw new AppError('media_limit_reached', `At most ${lastN} videos per connection; close one first (media:close-consumer).`);
    }
    // A remote producer is piped in for as long as a consumer here uses it.
    if (remote) this.acquireRemote(remote);
    const video = entry.info.kind === 'video';
    if (video) peer.pendingVideo += 1;
    let consumer: Consumer;
    try {
      const local = await this.localProducer(pt.slot, input.producerId);
      if (!pt.slot.router.canConsume({ producerId: local.id, rtpCapabilities: peer.rtpCapabilities })) {
        throw new AppError('cannot_consume', 'This device cannot receive that producer’s codec.');
      }
      const rtpCapabilities = peer.rtpCapabilities;
      consumer = await viaMediasoup(() =>
        pt.transport.consume({
          producerId: local.id,
          rtpCapabilities,
          paused: true,
          ignoreDtx: true,
          appData: { producerId: input.producerId, socketId },
        }),
      );
      if (this.peers.get(socketId) !== peer || consumer.closed) {
        consumer.close();
        throw new AppError('media_not_found', 'This connection left the session’s media meanwhile.');
      }
    } catch (error) {
      if (remote) this.releaseRemote(input.producerId);
      throw error;
    } finally {
      if (video) peer.pendingVideo -= 1;
    }
    pt.slot.consumers += 1;
    peer.consumers.set(consumer.id, { consumer, producerId: input.producerId });
    consumer.observer.once('close', () => {
      pt.slot.consumers -= 1;
      peer.consumers.delete(consumer.id);
      if (remote) this.releaseRemote(input.producerId);
    });
    return {
      consumerId: consumer.id,
      producerId: input.producerId,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as RtpParametersInput,
      type: consumer.type,
      paused: consumer.paused,
      producerPaused: consumer.producerPaused,
      producer: { ...entry.info },
    };
  }

  async resumeConsumer(socketId: string, consumerId: string): Promise<void> {
    const { consumer } = this.consumer(socketId, consumerId);
    await viaMediasoup(() => consumer.resume());
    if (consumer.kind === 'video') await consumer.requestKeyFrame().catch(() => undefined);
  }

  closeConsumer(socketId: string, consumerId: string): void {
    this.consumer(socketId, consumerId).consumer.close();
  }

  async pauseConsumer(socketId: string, consumerId: string): Promise<void> {
    const { consumer } = this.consumer(socketId, consumerId);
    await viaMediasoup(() => consumer.pause());
  }

  /** Picks the simulcast layer for the size the viewer shows this video at; null for single-layer consumers. */
  async setPreferredLayers(socketId: string, consumerId: string, tile: { width: number; height: number }): Promise<PreferredLayers | null> {
    const { consumer, producerId } = this.consumer(socketId, consumerId);
    if (consumer.type !== 'simulcast' && consumer.type !== 'svc') return null;
    const entry = this.producers.get(producerId) ?? this.options.bridge?.remote(producerId);
    const layers = preferredLayers({ height: entry?.height, encodings: entry?.encodings ?? [] }, tile);
    await viaMediasoup(() => consumer.setPreferredLayers(layers));
    return layers;
  }

  closeProducer(producerId: string, reason: ProducerClosedReason): ProducerInfo {
    const entry = this.producers.get(producerId);
    if (!entry) throw new AppError('media_not_found', 'That producer is not on this session’s stage (any more).');
    entry.closeReason ??= reason;
    entry.producer.close();
    return entry.info;
  }

  async pauseProducer(producerId: string, paused: boolean, byModerator: boolean): Promise<ProducerInfo> {
    const entry = this.producers.get(producerId);
    if (!entry) throw new AppError('media_not_found', 'That producer is not on this session’s stage (any more).');
    if (!paused && entry.info.pausedByModerator && !byModerator) {
      throw new AppError('muted_by_moderator', 'The moderator muted you; ask the moderator to unmute.');
    }
    await viaMediasoup(() => (paused ? entry.producer.pause() : entry.producer.resume()));
    entry.info.paused = paused;
    entry.info.pausedByModerator = paused && (byModerator || entry.info.pausedByModerator);
    this.options.notify({ type: 'producer-paused', producerId, paused, pausedByModerator: entry.info.pausedByModerator });
    return { ...entry.info };
  }

  /**
   * A pre-recorded statement played into the session (issue 18): one
   * plain-RTP transport per track on the home router, loopback only,
   * comedia (it learns ffmpeg's address from the first packet), RTCP on its
   * own port as ffmpeg sends it; a producer per track with fixed SSRCs and
   * payload types (VP8, Opus), announced like a speaker's with the right
   * 'playback', so viewers, booths, the webcast and the archive get it.
   * A pseudo peer holds them: closing it (stop) closes both.
   */
  async openPlayback(input: { key: string; name: string; video: boolean; audio: boolean }): Promise<{ tracks: PlaybackTrack[]; stop: () => void }> {
    this.requireOpen();
    const socketId = `playback:${input.key}`;
    this.leave(socketId, 'closed', false);
    const peer: Peer = { socketId, participantId: socketId, name: input.name, address: '127.0.0.1', transports: new Map(), pending: { webrtc: 0, plain: 0 }, pendingVideo: 0, producers: new Set(), consumers: new Map() };
    this.peers.set(socketId, peer);
    const stop = (): void => this.leave(socketId, 'closed');
    const tracks: PlaybackTrack[] = [];
    try {
      for (const kind of ['audio', 'video'] as const) {
        if (kind === 'audio' ? !input.audio : !input.video) continue;
        const t = await viaMediasoup(() => this.home.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, rtcpMux: false, comedia: true, appData: { socketId, direction: 'send' } }));
        peer.transports.set(t.id, { transport: t, type: 'plain', direction: 'send', slot: this.home });
        t.observer.once('close', () => peer.transports.delete(t.id));
        const track: PlaybackTrack = kind === 'audio'
          ? { kind, payloadType: 100, ssrc: 11_111_111 + tracks.length, port: t.tuple.localPort, rtcpPort: t.rtcpTuple?.localPort ?? t.tuple.localPort, producerId: '' }
          : { kind, payloadType: 101, ssrc: 22_222_222 + tracks.length, port: t.tuple.localPort, rtcpPort: t.rtcpTuple?.localPort ?? t.tuple.localPort, producerId: '' };
        const rtpParameters: RtpParameters = kind === 'audio'
          ? { codecs: [{ mimeType: 'audio/opus', payloadType: track.payloadType, clockRate: 48000, channels: 2, parameters: { 'sprop-stereo': 1 } }], encodings: [{ ssrc: track.ssrc }] }
          : { codecs: [{ mimeType: 'video/VP8', payloadType: track.payloadType, clockRate: 90000 }], encodings: [{ ssrc: track.ssrc }] };
        const producer = await viaMediasoup(() => t.produce({ kind, rtpParameters, appData: { participantId: socketId, source: kind === 'audio' ? 'mic' : 'camera', language: null } }));
        const info: ProducerInfo = { producerId: producer.id, participantId: socketId, name: input.name, kind, source: kind === 'audio' ? 'mic' : 'camera', right: 'playback', language: null, paused: false, pausedByModerator: false };
        const entry: ProducerEntry = { producer, peer, info, height: kind === 'video' ? 720 : undefined, encodings: [] };
        this.producers.set(producer.id, entry);
        peer.producers.add(producer.id);
        producer.observer.once('close', () => {
          this.producers.delete(producer.id);
          peer.producers.delete(producer.id);
          this.options.notify({ type: 'producer-closed', producerId: producer.id, participantId: socketId, reason: entry.closeReason ?? 'closed' });
        });
        if (kind === 'audio') await this.observer.addProducer({ producerId: producer.id }).catch(() => undefined);
        this.options.notify({ type: 'new-producer', producer: { ...info } });
        tracks.push({ ...track, producerId: producer.id });
      }
    } catch (error) {
      stop();
      throw error;
    }
    return { tracks, stop };
  }

  /** The floor ended: the delegate's floor producers close at once. */
  closeFloorProducers(participantId: string): ProducerInfo[] {
    const closed = [...this.producers.values()].filter((e) => e.info.participantId === participantId && e.info.right === 'floor').map((e) => e.info);
    for (const info of closed) this.closeProducer(info.producerId, 'floor-ended');
    return closed;
  }

  /** Closes producers whose right no longer holds (roles changed). */
  closeWhere(predicate: (info: ProducerInfo) => boolean, reason: ProducerClosedReason): ProducerInfo[] {
    const closed = [...this.producers.values()].filter((e) => predicate(e.info)).map((e) => e.info);
    for (const info of closed) this.closeProducer(info.producerId, reason);
    return closed;
  }

  /**
   * A worker holding one of the audience routers died: its viewers lost their
   * transports and are told to rejoin (they land on a live router).
   */
  dropWorker(index: number, pid: number): string[] {
    const dead = this.audience.filter((s) => s.worker.index === index && s.worker.worker.pid === pid);
    if (dead.length === 0) return [];
    const affected = [...this.peers.values()].filter((p) => p.recvSlot && dead.includes(p.recvSlot)).map((p) => p.socketId);
    for (const slot of dead) this.audience.splice(this.audience.indexOf(slot), 1);
    for (const key of [...this.pipes.keys()]) {
      if (dead.some((s) => key.startsWith(`${s.router.id}/`))) this.pipes.delete(key);
    }
    for (const socketId of affected) this.leave(socketId, 'worker-died', false);
    return affected;
  }

  /** Closes every router of the session (and so everything on them). */
  close(reason: 'session-ended' | 'worker-died' | 'closed'): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const entry of this.producers.values()) entry.closeReason ??= reason === 'closed' ? 'closed' : reason;
    // The other processes' ends of our incoming pipes go too.
    for (const origin of this.inPipes.keys()) this.options.bridge?.request(origin, { op: 'pipe-close' }).catch(() => undefined);
    this.inPipes.clear();
    this.remotePipes.clear();
    this.home.router.close();
    for (const slot of this.audience) slot.router.close();
    this.peers.clear();
  }

  stats(): { routers: RouterStats[]; peers: number; producers: number } {
    const row = (s: RouterSlot): RouterStats => ({ routerId: s.router.id, workerIndex: s.worker.index, workerPid: s.worker.worker.pid, home: s.home, consumers: s.consumers });
    return { routers: [row(this.home), ...this.audience.map(row)], peers: this.peers.size, producers: this.producers.size };
  }

  /** Where a new viewer's recv transport goes: the first router under the cap, else a new one on another worker. */
  private placeViewer(): Promise<RouterSlot> {
    const run = async (): Promise<RouterSlot> => {
      const cap = this.options.maxConsumersPerRouter;
      const open = [this.home, ...this.audience].find((s) => s.consumers < cap && !s.router.closed);
      if (open) return open;
      const used = new Set([this.home, ...this.audience].map((s) => s.worker.index));
      const worker = this.options.pool.pick(used);
      if (!worker) throw new AppError('media_unavailable', 'No media worker is running right now; try again in a moment.');
      const router = await viaMediasoup(() => this.options.pool.createRouter(worker, { mediaCodecs, appData: { eventId: this.eventId, sessionId: this.sessionId, audience: true } }));
      if (this.closed) {
        router.close();
        throw new AppError('media_not_found', 'This session’s media closed meanwhile.');
      }
      const slot: RouterSlot = { router, worker, home: false, consumers: 0 };
      this.audience.push(slot);
      this.options.logger.info({ eventId: this.eventId, sessionId: this.sessionId, worker: worker.index, routers: this.audience.length + 1 }, 'audience router added');
      return slot;
    };
    const next = this.placing.then(run, run);
    this.placing = next.catch(() => undefined);
    return next;
  }

  /** The producer as seen from a router: itself on the home router, its pipe elsewhere. */
  private localProducer(slot: RouterSlot, producerId: string): Promise<Producer> {
    const entry = this.producers.get(producerId);
    const remote = entry ? undefined : this.remotePipes.get(producerId);
    if (!entry && !remote) return Promise.reject(new AppError('media_not_found', 'That producer is not on this session’s stage (any more).'));
    const atHome = entry ? Promise.resolve(entry.producer) : (remote as { producer: Promise<Producer> }).producer;
    if (slot.home) return atHome;
    const key = `${slot.router.id}/${producerId}`;
    let pipe = this.pipes.get(key);
    if (!pipe) {
      pipe = atHome.then(() => viaMediasoup(() =>
        this.home.router.pipeToRouter({ producerId, router: slot.router, keepId: false, enableSctp: false, listenInfo: this.options.pool.pipeListenInfo() }),
      )).then(({ pipeProducer }) => {
          if (!pipeProducer) throw new Error('pipeToRouter returned no producer');
          pipeProducer.observer.once('close', () => this.pipes.delete(key));
          return pipeProducer;
        });
      this.pipes.set(key, pipe);
      pipe.catch(() => this.pipes.delete(key));
    }
    return pipe;
  }

  // ---- Pipes between processes (mediasoup PipeTransports, coordinated through Redis by media-cluster.ts) ----

  /** Another process asks for a pipe to this session's home router: replaces any earlier one from it. */
  async openOutPipe(peer: string, remote: { ip: string; port: number }, listenInfo: TransportListenInfo): Promise<{ ip: string; port: number }> {
    this.requireOpen();
    this.outPipes.get(peer)?.close();
    const transport = await viaMediasoup(() =>
      this.home.router.createPipeTransport({ listenInfo, enableSctp: false, enableRtx: false, enableSrtp: false, appData: { peer } }),
    );
    if (this.closed) {
      transport.close();
      throw new AppError('media_not_found', 'This session’s media closed meanwhile.');
    }
    try {
      await viaMediasoup(() => transport.connect({ ip: remote.ip, port: remote.port }));
    } catch (error) {
      transport.close();
      throw error;
    }
    this.outPipes.get(peer)?.close();
    this.outPipes.set(peer, transport);
    transport.observer.once('close', () => {
      if (this.outPipes.get(peer) === transport) this.outPipes.delete(peer);
    });
    return { ip: transport.tuple.localAddress, port: transport.tuple.localPort };
  }

  /** Another process consumes one of this process's producers through its pipe. */
  async pipeOut(peer: string, producerId: string): Promise<PipeConsumeReply> {
    this.requireOpen();
    const transport = this.outPipes.get(peer);
    if (!transport) throw new AppError('media_not_found', 'No pipe from that process; open one first.');
    if (!this.producers.has(producerId)) throw new AppError('media_not_found', 'That producer is not on this session’s stage (any more).');
    const key = `${peer}/${producerId}`;
    this.outConsumers.get(key)?.close();
    const consumer = await viaMediasoup(() => transport.consume({ producerId }));
    this.outConsumers.set(key, consumer);
    consumer.observer.once('close', () => {
      if (this.outConsumers.get(key) === consumer) this.outConsumers.delete(key);
    });
    return { kind: consumer.kind, rtpParameters: consumer.rtpParameters, paused: consumer.producerPaused };
  }

  /** Another process no longer needs a producer (or, without one, any): its pipe consumer (or transport) closes. */
  dropOut(peer: string, producerId?: string): void {
    if (producerId !== undefined) {
      this.outConsumers.get(`${peer}/${producerId}`)?.close();
      return;
    }
    this.outPipes.get(peer)?.close();
  }

  /** A process went away: its producers' pipes here and ours to it close. */
  dropProcess(peer: string): void {
    this.outPipes.get(peer)?.close();
    for (const [producerId, rp] of [...this.remotePipes]) {
      if (rp.origin !== peer) continue;
      this.remotePipes.delete(producerId);
      rp.producer.then((p) => p.close(), () => undefined);
    }
    const inPipe = this.inPipes.get(peer);
    this.inPipes.delete(peer);
    inPipe?.then((t) => t.close(), () => undefined);
  }

  /** A remote producer closed on its process: its pipe here closes, and with it its consumers. */
  remoteClosed(producerId: string): void {
    const rp = this.remotePipes.get(producerId);
    if (!rp) return;
    this.remotePipes.delete(producerId);
    rp.producer.then((p) => p.close(), () => undefined);
    void this.closeIdleInPipe(rp.origin);
  }

  /** A remote producer was paused or resumed on its process. */
  remotePaused(producerId: string, paused: boolean): void {
    this.remotePipes.get(producerId)?.producer.then((p) => (paused ? p.pause() : p.resume()), () => undefined).catch(() => undefined);
  }

  /** Pipe and consumer counts, for statistics and tests. */
  pipeStats(): { in: { origin: string; producers: number }[]; out: { peer: string; consumers: number }[] } {
    const origins = new Map<string, number>();
    for (const origin of this.inPipes.keys()) origins.set(origin, 0);
    for (const rp of this.remotePipes.values()) origins.set(rp.origin, (origins.get(rp.origin) ?? 0) + 1);
    return {
      in: [...origins].map(([origin, producers]) => ({ origin, producers })),
      out: [...this.outPipes.keys()].map((peer) => ({ peer, consumers: [...this.outConsumers.keys()].filter((k) => k.startsWith(`${peer}/`)).length })),
    };
  }

  private acquireRemote(remote: RemoteProducer): void {
    const id = remote.info.producerId;
    const existing = this.remotePipes.get(id);
    if (existing) {
      existing.refs += 1;
      return;
    }
    const producer = this.pipeLock.run(remote.origin, () => this.pipeIn(remote));
    const rp = { origin: remote.origin, producer, refs: 1 };
    this.remotePipes.set(id, rp);
    producer.then(
      (p) => p.observer.once('close', () => {
        if (this.remotePipes.get(id) === rp) this.remotePipes.delete(id);
      }),
      () => {
        if (this.remotePipes.get(id) === rp) this.remotePipes.delete(id);
      },
    );
  }

  /** The last consumer here of a remote producer went: the pipe for it closes on both sides. */
  private releaseRemote(producerId: string): void {
    const rp = this.remotePipes.get(producerId);
    if (!rp) return;
    rp.refs -= 1;
    if (rp.refs > 0) return;
    this.remotePipes.delete(producerId);
    rp.producer.then(
      (p) => {
        p.close();
        if (!this.closed) this.options.bridge?.request(rp.origin, { op: 'pipe-drop', producerId }).catch(() => undefined);
      },
      () => undefined,
    );
    void this.closeIdleInPipe(rp.origin);
  }

  private closeIdleInPipe(origin: string): Promise<void> {
    return this.pipeLock.run(origin, async () => {
      if (this.closed || [...this.remotePipes.values()].some((rp) => rp.origin === origin)) return;
      const inPipe = this.inPipes.get(origin);
      if (!inPipe) return;
      this.inPipes.delete(origin);
      const transport = await inPipe.catch(() => undefined);
      transport?.close();
      this.options.logger.info({ eventId: this.eventId, sessionId: this.sessionId, origin }, 'media pipe closed: no consumer of that process’s producers here any more');
      this.options.bridge?.request(origin, { op: 'pipe-close' }).catch(() => undefined);
    });
  }

  /** Opens (once per origin) a pipe transport pair with the origin's router of this session. */
  private inPipe(origin: string): Promise<PipeTransport> {
    const bridge = this.options.bridge;
    if (!bridge) return Promise.reject(new AppError('media_not_found', 'That producer is on no process reachable from here.'));
    let pending = this.inPipes.get(origin);
    if (pending) return pending;
    pending = (async () => {
      const transport = await viaMediasoup(() =>
        this.home.router.createPipeTransport({ listenInfo: bridge.listenInfo(), enableSctp: false, enableRtx: false, enableSrtp: false, appData: { origin } }),
      );
      try {
        const there = (await bridge.request(origin, { op: 'pipe-open', ip: transport.tuple.localAddress, port: transport.tuple.localPort })) as { ip: string; port: number };
        await viaMediasoup(() => transport.connect({ ip: there.ip, port: there.port }));
      } catch (error) {
        transport.close();
        throw error;
      }
      this.options.logger.info({ eventId: this.eventId, sessionId: this.sessionId, origin, local: `${transport.tuple.localAddress}:${transport.tuple.localPort}` }, 'media pipe opened from another process');
      return transport;
    })();
    const mine = pending;
    this.inPipes.set(origin, mine);
    mine.then(
      (t) => t.observer.once('close', () => {
        if (this.inPipes.get(origin) === mine) this.inPipes.delete(origin);
      }),
      () => {
        if (this.inPipes.get(origin) === mine) this.inPipes.delete(origin);
      },
    );
    return mine;
  }

  /** The remote producer in this home router, with its own id, fed by the origin's pipe consumer. */
  private async pipeIn(remote: RemoteProducer): Promise<Producer> {
    const bridge = this.options.bridge as PipeBridge;
    const producerId = remote.info.producerId;
    const transport = await this.inPipe(remote.origin);
    const reply = (await bridge.request(remote.origin, { op: 'pipe-consume', producerId })) as PipeConsumeReply;
    const producer = await viaMediasoup(() =>
      transport.produce({ id: producerId, kind: reply.kind, rtpParameters: reply.rtpParameters, paused: reply.paused, appData: { origin: remote.origin } }),
    );
    // Closed or paused on its process meanwhile?
    const now = bridge.remote(producerId);
    if (!now || this.closed) {
      producer.close();
      throw new AppError('media_not_found', 'That producer is not on this session’s stage (any more).');
    }
    if (now.info.paused !== producer.paused) await (now.info.paused ? producer.pause() : producer.resume()).catch(() => undefined);
    return producer;
  }

  private requireOpen(): void {
    if (this.closed) throw new AppError('media_not_found', 'This session’s media closed; join again.');
  }

  private peer(socketId: string): Peer {
    this.requireOpen();
    const peer = this.peers.get(socketId);
    if (!peer) throw new AppError('not_joined', 'Join the session’s media first (media:capabilities).');
    return peer;
  }

  private transport(socketId: string, transportId: string): PeerTransport {
    const pt = this.peer(socketId).transports.get(transportId);
    if (!pt) throw new AppError('media_not_found', 'No such transport on this connection.');
    return pt;
  }

  private consumer(socketId: string, consumerId: string): PeerConsumer {
    const c = this.peer(socketId).consumers.get(consumerId);
    if (!c) throw new AppError('media_not_found', 'No such consumer on this connection.');
    return c;
  }
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same peer. */
export function normalizeIp(ip: string): string {
  const lower = ip.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}
