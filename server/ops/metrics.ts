import crypto from 'node:crypto';
import express, { type Request, type RequestHandler, type Router } from 'express';
import type { Consumer, Producer, Router as MediaRouter, Transport, Worker } from 'mediasoup/types';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { callerOf } from '../http/caller.ts';
import type { Logger } from '../logger.ts';
import type { MediaService } from '../media/media-service.ts';
import type { EncoderStats } from '../media/webcast/supervisor.ts';
import type { PlenaryServer } from '../protocol/socket-types.ts';
import { observeSocketEvents } from '../realtime/ack.ts';
import type { LiveRepository } from '../store/live-repository.ts';
import type { DocumentStore } from '../store/port.ts';
import type { ProgrammeRepository } from '../store/repositories.ts';

/**
 * Prometheus metrics of one Plenary process (GET /metrics): HTTP requests by
 * route, Socket.IO sockets and events by name and outcome, live sessions,
 * speaker queues and questions, mediasoup workers, store latency, and the
 * process's own figures (CPU, memory, event-loop lag from perf_hooks).
 *
 * Each Plenary instance has its own registry (tests start several in one
 * process); the process-wide figures come from one shared registry made on
 * first use, so there is one event-loop monitor per process however many
 * instances run in it.
 */

let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    // nodejs_eventloop_lag_* come from perf_hooks.monitorEventLoopDelay.
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 20 });
  }
  return processRegistry;
}

const storeOps = ['get', 'find', 'insert', 'update', 'put', 'remove', 'write'] as const;
type StoreOp = (typeof storeOps)[number];

const secondsSince = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e9;

/** Counts of mediasoup objects on one worker, kept from its observer events. */
interface WorkerCounts {
  routers: number;
  transports: Map<string, number>;
  producers: number;
  consumers: number;
}

export interface LiveSources {
  programme: ProgrammeRepository;
  live: LiveRepository;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  private readonly socketEvents: Counter<'event' | 'outcome'>;
  private readonly socketEventDuration: Histogram<'event'>;
  private readonly storeDuration: Histogram<'op' | 'collection' | 'outcome'>;
  private readonly workerCounts = new Map<Worker, WorkerCounts>();
  private readonly logger: Logger;
  private io: PlenaryServer | undefined;
  private media: MediaService | null = null;
  private webcast: { stats(): EncoderStats[] } | null = null;
  private sources: LiveSources | undefined;
  private readonly refreshers: (() => Promise<void>)[];

  constructor(logger: Logger) {
    this.logger = logger;
    const registers = [this.registry];
    this.httpDuration = new Histogram({
      name: 'plenary_http_request_duration_seconds',
      help: 'HTTP requests by method, route pattern and status, from arrival to the last byte sent.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.socketEvents = new Counter({
      name: 'plenary_socket_events_total',
      help: 'Socket.IO client events handled, by event name and outcome ("ok" or the refusal code; unknown events as "(unknown)").',
      labelNames: ['event', 'outcome'],
      registers,
    });
    this.socketEventDuration = new Histogram({
      name: 'plenary_socket_event_duration_seconds',
      help: 'Time from a client event to its ack, by event name.',
      labelNames: ['event'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.storeDuration = new Histogram({
      name: 'plenary_store_operation_duration_seconds',
      help: 'Store calls by operation, collection ("(batch)" for atomic writes) and outcome.',
      labelNames: ['op', 'collection', 'outcome'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });

    const self = this;
    new Gauge({
      name: 'plenary_socket_connected',
      help: 'Socket.IO clients connected to this process.',
      registers,
      collect() {
        this.set(self.io?.of('/').sockets.size ?? 0);
      },
    });
    new Gauge({
      name: 'plenary_session_rooms_joined',
      help: 'Sessions with at least one socket of this process in their room.',
      registers,
      collect() {
        const rooms = self.io?.of('/').adapter.rooms;
        let count = 0;
        // Session rooms are "s:<event>/<session>"; the moderator and per-participant rooms have a further ":".
        for (const [name, members] of rooms ?? []) if (name.startsWith('s:') && !name.slice(2).includes(':') && members.size > 0) count += 1;
        this.set(count);
      },
    });
    this.refreshers = [this.liveGauges(registers), this.mediaGauges(registers)];
  }

  /** The Prometheus text of this instance and of the process. */
  async scrape(): Promise<string> {
    await Promise.all(this.refreshers.map((refresh) => refresh()));
    return (await this.registry.metrics()) + (await processMetrics().metrics());
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** First middleware of the app: one observation per request, labelled by the route that answered. */
  readonly http: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      this.httpDuration.observe({ method: req.method, route: routeOf(req), status: String(res.statusCode) }, secondsSince(start));
    });
    next();
  };

  /** A request answered on the lean path (http/lean-path.ts), which the middleware above never sees. */
  readonly observeHttp = (method: string, route: string, status: number, seconds: number): void => {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  };

  /** GET /metrics for an organiser (bearer token or browser session) or `Authorization: Bearer <METRICS_TOKEN>`. */
  router(options: { metricsToken: string | undefined }): Router {
    const router = express.Router();
    const expected = options.metricsToken ? crypto.createHash('sha256').update(options.metricsToken).digest() : undefined;
    router.get('/metrics', async (req, res) => {
      const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1]?.trim();
      const tokenOk = expected !== undefined && bearer !== undefined && crypto.timingSafeEqual(crypto.createHash('sha256').update(bearer).digest(), expected);
      const caller = callerOf(req);
      const organiser = caller.kind === 'organizer-token' || (caller.kind === 'participant' && caller.participant.organizer && caller.participant.status === 'approved');
      if (!tokenOk && !organiser) {
        const signedIn = caller.kind === 'participant';
        res.set('WWW-Authenticate', 'Bearer realm="plenary-metrics"');
        res.set('Cache-Control', 'no-store');
        res
          .status(signedIn ? 403 : 401)
          .json(
            signedIn
              ? { error: { code: 'not_organizer', message: 'Metrics are for organisers or the METRICS_TOKEN.' } }
              : { error: { code: 'unauthenticated', message: 'Send an organiser token or the METRICS_TOKEN as a bearer token.' } },
          );
        return;
      }
      const text = await this.scrape();
      res.set('Content-Type', this.contentType);
      res.set('Cache-Control', 'no-store');
      res.send(text);
    });
    return router;
  }

  /** The same store, every call timed (a Proxy, so `instanceof` and the adapter's own fields still work). */
  instrumentStore<S extends DocumentStore>(store: S): S {
    const histogram = this.storeDuration;
    const timed = new Set<string>(storeOps);
    return new Proxy(store, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        if (typeof prop !== 'string' || !timed.has(prop)) return value.bind(target);
        const op = prop as StoreOp;
        return (...args: unknown[]) => {
          const start = process.hrtime.bigint();
          const collection = op === 'write' ? '(batch)' : typeof args[0] === 'string' ? args[0] : '(unknown)';
          const done = (outcome: string): void => histogram.observe({ op, collection, outcome }, secondsSince(start));
          const result = (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          return result.then(
            (v) => {
              done('ok');
              return v;
            },
            (error: unknown) => {
              done(error instanceof Error && error.name === 'StoreConflictError' ? 'conflict' : 'error');
              throw error;
            },
          );
        };
      },
    });
  }

  /** Connected sockets and every client event's outcome (through realtime/ack.ts and unknown-events.ts). */
  attachSockets(io: PlenaryServer): void {
    this.io = io;
    observeSocketEvents(io, (event, outcome, seconds) => {
      this.socketEvents.inc({ event, outcome });
      if (seconds !== undefined) this.socketEventDuration.observe({ event }, seconds);
    });
  }

  /** Live sessions, queues and questions, read from the store at scrape time. */
  attachLive(sources: LiveSources): void {
    this.sources = sources;
  }

  /** The webcast's encoders (issue 12): their CPU and restarts, read at scrape time. */
  attachWebcast(webcast: { stats(): EncoderStats[] } | null): void {
    this.webcast = webcast;
  }

  /** mediasoup workers: counts kept from the workers' observers (workers replaced later included), CPU read at scrape time. */
  attachMedia(media: MediaService | null): void {
    this.media = media;
    if (!media) return;
    for (const slot of media.pool.workers) this.observeWorker(slot.worker);
    media.pool.on('worker-replaced', ({ index }) => {
      const slot = media.pool.slot(index);
      if (slot) this.observeWorker(slot.worker);
    });
  }

  private observeWorker(worker: Worker): void {
    if (this.workerCounts.has(worker)) return;
    const counts: WorkerCounts = { routers: 0, transports: new Map(), producers: 0, consumers: 0 };
    this.workerCounts.set(worker, counts);
    worker.observer.once('close', () => this.workerCounts.delete(worker));
    worker.observer.on('newrouter', (router: MediaRouter) => {
      counts.routers += 1;
      router.observer.once('close', () => (counts.routers -= 1));
      router.observer.on('newtransport', (transport: Transport) => {
        const type = transport.type;
        counts.transports.set(type, (counts.transports.get(type) ?? 0) + 1);
        transport.observer.once('close', () => counts.transports.set(type, (counts.transports.get(type) ?? 1) - 1));
        transport.observer.on('newproducer', (producer: Producer) => {
          counts.producers += 1;
          producer.observer.once('close', () => (counts.producers -= 1));
        });
        transport.observer.on('newconsumer', (consumer: Consumer) => {
          counts.consumers += 1;
          consumer.observer.once('close', () => (counts.consumers -= 1));
        });
      });
    });
  }

  private liveGauges(registers: Registry[]): () => Promise<void> {
    const self = this;
    const queueEntries = new Gauge({
      name: 'plenary_queue_entries',
      help: 'Speaker-queue entries of live sessions by status (waiting, speaking, done, withdrawn).',
      labelNames: ['event', 'session', 'status'],
      registers,
    });
    const floorHeld = new Gauge({
      name: 'plenary_queue_floor_held',
      help: '1 when someone holds the floor of the live session.',
      labelNames: ['event', 'session'],
      registers,
    });
    const questions = new Gauge({
      name: 'plenary_qna_questions',
      help: 'Questions of live sessions by status (pending, approved, hidden, answered).',
      labelNames: ['event', 'session', 'status'],
      registers,
    });
    const votes = new Gauge({
      name: 'plenary_qna_votes',
      help: 'Votes on the questions of live sessions.',
      labelNames: ['event', 'session'],
      registers,
    });
    const sessionsLive = new Gauge({
      name: 'plenary_sessions_live',
      help: 'Sessions whose status is live, by event.',
      labelNames: ['event'],
      registers,
    });
    // prom-client reads the metrics concurrently, so gauges that share a read are refreshed together before it (scrape()).
    return async () => {
      sessionsLive.reset();
      queueEntries.reset();
      floorHeld.reset();
      questions.reset();
      votes.reset();
      const sources = self.sources;
      if (!sources) return;
      try {
        for (const event of await sources.programme.listEvents()) {
          const live = (await sources.programme.listSessions(event.id)).filter((s) => s.status === 'live');
          sessionsLive.set({ event: event.id }, live.length);
          for (const session of live) {
            const labels = { event: event.id, session: session.id };
            const queue = await sources.live.getQueue(event.id, session.id);
            const byStatus = new Map<string, number>();
            for (const entry of queue?.entries ?? []) byStatus.set(entry.status, (byStatus.get(entry.status) ?? 0) + 1);
            for (const status of ['waiting', 'speaking', 'done', 'withdrawn']) queueEntries.set({ ...labels, status }, byStatus.get(status) ?? 0);
            floorHeld.set(labels, queue?.floor ? 1 : 0);
            const byQuestion = new Map<string, number>();
            let voteCount = 0;
            for (const q of await sources.live.listQuestions(event.id, session.id)) {
              byQuestion.set(q.status, (byQuestion.get(q.status) ?? 0) + 1);
              voteCount += q.voters?.length ?? 0;
            }
            for (const status of ['pending', 'approved', 'hidden', 'answered']) questions.set({ ...labels, status }, byQuestion.get(status) ?? 0);
            votes.set(labels, voteCount);
          }
        }
      } catch (error) {
        self.logger.warn({ err: error }, 'metrics: could not read the live sessions');
      }
    };
  }

  private mediaGauges(registers: Registry[]): () => Promise<void> {
    const self = this;
    const workers = new Gauge({ name: 'plenary_mediasoup_workers', help: 'mediasoup workers running in this process.', registers });
    const cpu = new Gauge({
      name: 'plenary_mediasoup_worker_cpu_seconds',
      help: 'CPU time a mediasoup worker has used since it started (getrusage), by worker index and mode (user, system).',
      labelNames: ['worker', 'mode'],
      registers,
    });
    const routers = new Gauge({ name: 'plenary_mediasoup_routers', help: 'Routers open, by worker.', labelNames: ['worker'], registers });
    const transports = new Gauge({
      name: 'plenary_mediasoup_transports',
      help: 'Transports open, by worker and type (webrtc, pipe, plain, direct).',
      labelNames: ['worker', 'type'],
      registers,
    });
    const producers = new Gauge({ name: 'plenary_mediasoup_producers', help: 'Producers open, by worker.', labelNames: ['worker'], registers });
    const consumers = new Gauge({ name: 'plenary_mediasoup_consumers', help: 'Consumers open, by worker.', labelNames: ['worker'], registers });
    const encoders = new Gauge({ name: 'plenary_webcast_encoders', help: 'Webcast encoders (ffmpeg) running in this process, one per live session with media.', registers });
    const encoderCpu = new Gauge({ name: 'plenary_webcast_encoder_cpu_percent', help: 'CPU of a session\'s webcast encoder, percent of one core (sampled from /proc).', labelNames: ['event', 'session'], registers });
    const encoderRestarts = new Gauge({ name: 'plenary_webcast_encoder_restarts', help: 'Times a session\'s webcast encoder was restarted (stage changes and deaths).', labelNames: ['event', 'session'], registers });
    return async () => {
      for (const g of [cpu, routers, transports, producers, consumers, encoderCpu, encoderRestarts]) g.reset();
      const running = self.webcast?.stats() ?? [];
      encoders.set(running.filter((e) => e.pid !== undefined).length);
      for (const e of running) {
        encoderCpu.set({ event: e.eventId, session: e.sessionId }, e.cpuPercent);
        encoderRestarts.set({ event: e.eventId, session: e.sessionId }, e.restarts);
      }
      const slots = self.media?.pool.workers ?? [];
      workers.set(slots.length);
      await Promise.all(
        slots.map(async (slot) => {
          const worker = String(slot.index);
          const counts = self.workerCounts.get(slot.worker);
          routers.set({ worker }, counts?.routers ?? 0);
          producers.set({ worker }, counts?.producers ?? 0);
          consumers.set({ worker }, counts?.consumers ?? 0);
          for (const type of ['webrtc', 'pipe', 'plain', 'direct']) transports.set({ worker, type }, counts?.transports.get(type) ?? 0);
          try {
            const usage = await slot.worker.getResourceUsage();
            cpu.set({ worker, mode: 'user' }, usage.ru_utime / 1000);
            cpu.set({ worker, mode: 'system' }, usage.ru_stime / 1000);
          } catch {
            // A worker that died between the listing and the call: its replacement shows next time.
          }
        }),
      );
    };
  }
}

/** The route pattern that answered ("/api/events/:eventId"), never the raw path, so labels stay few. */
function routeOf(req: Request): string {
  const pattern: unknown = req.route?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}`;
  if (req.path.startsWith('/assets/')) return '/assets/:file';
  if (req.path.startsWith('/socket.io/')) return '/socket.io';
  return '(unmatched)';
}
