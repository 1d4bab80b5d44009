import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ActiveSpeakerMessage, ProducerClosedReason, ProducerInfo } from '../protocol/media-events.ts';
import type { PipeBridge, PipeRequest, ProducerDescription, RemoteProducer } from './session-media.ts';

/** What a process asks the process holding a producer to do with it (a moderator or owner connected elsewhere). */
export type ProducerActionRequest = { op: 'producer-action'; producerId: string; action: 'close' | 'pause' | 'resume'; byModerator: boolean; reason: ProducerClosedReason };

export type ClusterRequest = PipeRequest | ProducerActionRequest;

interface Scoped {
  from: string;
  eventId: string;
  sessionId: string;
}

/**
 * Messages between processes on the `plenary:media` inter-server event
 * (Socket.IO's serverSideEmit through the Redis Streams adapter, which
 * reaches every other process in order). Sent as JSON text so that
 * undefined fields stay absent (mediasoup's validation refuses nulls).
 */
export type ClusterMessage =
  /** Heartbeat; `hello` on start asks the others to announce their producers to the newcomer. */
  | { t: 'alive'; from: string; hello?: boolean }
  | { t: 'bye'; from: string }
  | (Scoped & { t: 'producer'; to?: string; producer: ProducerDescription })
  | (Scoped & { t: 'producer-closed'; producerId: string; participantId: string; reason: ProducerClosedReason })
  | (Scoped & { t: 'producer-paused'; producerId: string; paused: boolean; pausedByModerator: boolean })
  | (Scoped & { t: 'active-speaker'; producerId: string; participantId: string })
  | (Scoped & { t: 'settings'; delegateVideo: boolean })
  | (Scoped & { t: 'req'; to: string; id: number; body: ClusterRequest })
  | { t: 'res'; from: string; to: string; id: number; ok: true; body: unknown }
  | { t: 'res'; from: string; to: string; id: number; ok: false; code: string; message: string };

export interface ClusterBus {
  send(message: string): void;
  /** Subscribes; returns the unsubscribe. */
  listen(handler: (message: string) => void): () => void;
}

/** What the cluster needs of this process's media (MediaService implements it). */
export interface ClusterHost {
  /** This process's producers in every open session. */
  localProducers(): { eventId: string; sessionId: string; producers: ProducerDescription[] }[];
  /** Serves another process's request about one session. */
  serve(from: string, eventId: string, sessionId: string, body: ClusterRequest): Promise<unknown>;
  remoteAdded(eventId: string, sessionId: string, producer: RemoteProducer, known: boolean): void;
  remoteClosed(eventId: string, sessionId: string, producer: RemoteProducer, reason: ProducerClosedReason): void;
  remotePaused(eventId: string, sessionId: string, producer: RemoteProducer): void;
  remoteSpeaker(eventId: string, sessionId: string, message: ActiveSpeakerMessage): void;
  remoteSettings(eventId: string, sessionId: string, delegateVideo: boolean): void;
  processGone(process: string): void;
}

export interface MediaClusterOptions {
  heartbeatMs?: number;
  /** A process unheard of for this long is dead: its producers close and pipes to it go. */
  deadAfterMs?: number;
  requestTimeoutMs?: number;
}

const key = (eventId: string, sessionId: string): string => `${eventId}/${sessionId}`;

/**
 * Which process holds which producers, and requests between processes about
 * a session's pipes: the coordination for "any process serves any session"
 * (design §3). Each process announces its producers' open, close and pause;
 * the others keep a registry per session, relay the announcements to their
 * own sockets, and pipe a producer in when a viewer of theirs consumes it.
 * Heartbeats tell when a process died, so its producers and pipes go.
 */
export class MediaCluster {
  readonly self = randomUUID();
  private readonly bus: ClusterBus;
  private readonly host: ClusterHost;
  private readonly logger: Logger;
  private readonly options: Required<MediaClusterOptions>;
  private readonly registry = new Map<string, Map<string, RemoteProducer>>();
  private readonly peers = new Map<string, number>();
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private readonly goneListeners = new Set<(process: string) => void>();
  /** Processes taken for dead for want of heartbeats (not those that said goodbye): heard again, they were only cut off. */
  private readonly departed = new Set<string>();
  private readonly unlisten: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;

  constructor(bus: ClusterBus, host: ClusterHost, logger: Logger, options: MediaClusterOptions = {}) {
    this.bus = bus;
    this.host = host;
    this.logger = logger;
    this.options = { heartbeatMs: 1000, deadAfterMs: 5000, requestTimeoutMs: 8000, ...options };
    this.unlisten = bus.listen((raw) => this.onMessage(raw));
    this.send({ t: 'alive', from: this.self, hello: true });
    this.heartbeat = setInterval(() => this.tick(), this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Processes heard from recently. */
  get processes(): string[] {
    return [...this.peers.keys()];
  }

  /** The bridge a session's media uses to reach the same session elsewhere. */
  bridge(eventId: string, sessionId: string, listenInfo: PipeBridge['listenInfo']): PipeBridge {
    const k = key(eventId, sessionId);
    return {
      remote: (producerId) => this.registry.get(k)?.get(producerId),
      remotes: () => [...(this.registry.get(k)?.values() ?? [])],
      listenInfo,
      request: (to, body) => this.request(to, eventId, sessionId, body),
    };
  }

  remote(eventId: string, sessionId: string, producerId: string): RemoteProducer | undefined {
    return this.registry.get(key(eventId, sessionId))?.get(producerId);
  }

  /** The session's producers held by other processes, as they announced them. */
  remotes(eventId: string, sessionId: string): RemoteProducer[] {
    return [...(this.registry.get(key(eventId, sessionId))?.values() ?? [])];
  }

  /** Hears when another process is gone (no heartbeat, or it said goodbye), after its producers were dropped; returns the unsubscribe. */
  onProcessGone(listener: (process: string) => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  // ---- Announcements of this process's producers ----

  announceProducer(eventId: string, sessionId: string, producer: ProducerDescription, to?: string): void {
    this.send({ t: 'producer', from: this.self, eventId, sessionId, producer, ...(to ? { to } : {}) });
  }

  announceClosed(eventId: string, sessionId: string, producerId: string, participantId: string, reason: ProducerClosedReason): void {
    this.send({ t: 'producer-closed', from: this.self, eventId, sessionId, producerId, participantId, reason });
  }

  announcePaused(eventId: string, sessionId: string, producerId: string, paused: boolean, pausedByModerator: boolean): void {
    this.send({ t: 'producer-paused', from: this.self, eventId, sessionId, producerId, paused, pausedByModerator });
  }

  announceSpeaker(eventId: string, sessionId: string, producerId: string, participantId: string): void {
    this.send({ t: 'active-speaker', from: this.self, eventId, sessionId, producerId, participantId });
  }

  announceSettings(eventId: string, sessionId: string, delegateVideo: boolean): void {
    this.send({ t: 'settings', from: this.self, eventId, sessionId, delegateVideo });
  }

  /** The session ended: nothing of it is remembered. */
  forgetSession(eventId: string, sessionId: string): void {
    this.registry.delete(key(eventId, sessionId));
  }

  request(to: string, eventId: string, sessionId: string, body: ClusterRequest): Promise<unknown> {
    if (this.closed) return Promise.reject(new AppError('media_unavailable', 'The server is shutting down.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new AppError('media_unavailable', 'Another server process did not answer about this session’s media; try again.'));
      }, this.options.requestTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ t: 'req', from: this.self, to, id, eventId, sessionId, body });
    });
  }

  close(): void {
    if (this.closed) return;
    this.send({ t: 'bye', from: this.self });
    this.closed = true;
    clearInterval(this.heartbeat);
    this.unlisten();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new AppError('media_unavailable', 'The server is shutting down.'));
    }
    this.pending.clear();
  }

  private send(message: ClusterMessage): void {
    if (this.closed) return;
    try {
      this.bus.send(JSON.stringify(message));
    } catch (error) {
      this.logger.warn({ err: error, type: message.t }, 'could not send a media message to the other processes');
    }
  }

  private tick(): void {
    this.send({ t: 'alive', from: this.self });
    const now = Date.now();
    for (const [peer, seen] of [...this.peers]) {
      if (now - seen > this.options.deadAfterMs) this.gone(peer, 'no heartbeat');
    }
  }

  private gone(peer: string, why: string): void {
    this.peers.delete(peer);
    if (why === 'no heartbeat') this.departed.add(peer);
    else this.departed.delete(peer);
    this.logger.warn({ process: peer, why }, 'media: another process is gone; dropping its producers and pipes');
    for (const [k, producers] of this.registry) {
      const [eventId = '', sessionId = ''] = k.split('/');
      for (const [id, rp] of [...producers]) {
        if (rp.origin !== peer) continue;
        producers.delete(id);
        this.host.remoteClosed(eventId, sessionId, rp, 'worker-died');
      }
    }
    this.host.processGone(peer);
    for (const listener of this.goneListeners) {
      try {
        listener(peer);
      } catch (error) {
        this.logger.warn({ err: error, process: peer }, 'media: a listener of a gone process failed');
      }
    }
  }

  private onMessage(raw: string): void {
    if (this.closed) return;
    let message: ClusterMessage;
    try {
      message = JSON.parse(raw) as ClusterMessage;
    } catch {
      return;
    }
    if (message.from === this.self) return;
    if (message.t !== 'bye') this.heardFrom(message.from);
    if ('to' in message && message.to !== undefined && message.to !== this.self) {
      this.peers.set(message.from, Date.now());
      return;
    }
    if (message.t === 'bye') {
      if (this.peers.has(message.from) || this.holdsAny(message.from)) this.gone(message.from, 'shut down');
      return;
    }
    this.peers.set(message.from, Date.now());
    switch (message.t) {
      case 'alive':
        if (message.hello) {
          for (const { eventId, sessionId, producers } of this.host.localProducers()) {
            for (const producer of producers) this.announceProducer(eventId, sessionId, producer, message.from);
          }
        }
        return;
      case 'producer': {
        const k = key(message.eventId, message.sessionId);
        let producers = this.registry.get(k);
        if (!producers) this.registry.set(k, (producers = new Map()));
        const known = producers.has(message.producer.info.producerId);
        const rp: RemoteProducer = { origin: message.from, ...message.producer };
        producers.set(rp.info.producerId, rp);
        this.host.remoteAdded(message.eventId, message.sessionId, rp, known);
        return;
      }
      case 'producer-closed': {
        const producers = this.registry.get(key(message.eventId, message.sessionId));
        const rp = producers?.get(message.producerId);
        if (!rp) return;
        producers?.delete(message.producerId);
        this.host.remoteClosed(message.eventId, message.sessionId, rp, message.reason);
        return;
      }
      case 'producer-paused': {
        const rp = this.registry.get(key(message.eventId, message.sessionId))?.get(message.producerId);
        if (!rp) return;
        rp.info = { ...rp.info, paused: message.paused, pausedByModerator: message.pausedByModerator };
        this.host.remotePaused(message.eventId, message.sessionId, rp);
        return;
      }
      case 'active-speaker':
        this.host.remoteSpeaker(message.eventId, message.sessionId, { sessionId: message.sessionId, producerId: message.producerId, participantId: message.participantId });
        return;
      case 'settings':
        this.host.remoteSettings(message.eventId, message.sessionId, message.delegateVideo);
        return;
      case 'req': {
        const { from, id } = message;
        this.host.serve(from, message.eventId, message.sessionId, message.body).then(
          (body) => this.send({ t: 'res', from: this.self, to: from, id, ok: true, body: body ?? null }),
          (error: unknown) => {
            const code = error instanceof AppError ? error.code : 'media_unavailable';
            const text = error instanceof Error ? error.message : String(error);
            if (!(error instanceof AppError)) this.logger.warn({ err: error, op: message.body.op }, 'media: a request from another process failed');
            this.send({ t: 'res', from: this.self, to: from, id, ok: false, code, message: text });
          },
        );
        return;
      }
      case 'res': {
        const p = this.pending.get(message.id);
        if (!p) return;
        this.pending.delete(message.id);
        clearTimeout(p.timer);
        if (message.ok) p.resolve(message.body);
        else p.reject(new AppError(message.code as never, message.message));
        return;
      }
    }
  }

  /**
   * A process taken for dead is heard again (Redis, which carries the
   * heartbeats, was away or slow for longer than deadAfterMs): its producers
   * were dropped here, and it dropped ours. A hello asks the others to
   * announce their producers again (it sends its own on hearing us), so
   * the registries, and the webcast's and viewers' pipes, come back.
   */
  private heardFrom(peer: string): void {
    if (!this.departed.delete(peer)) return;
    this.logger.warn({ process: peer }, 'media: a process taken for dead is heard again; asking for everyone’s producers');
    this.send({ t: 'alive', from: this.self, hello: true });
  }

  private holdsAny(peer: string): boolean {
    for (const producers of this.registry.values()) for (const rp of producers.values()) if (rp.origin === peer) return true;
    return false;
  }
}
