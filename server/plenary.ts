import http from 'node:http';
import type { Express } from 'express';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { createApp, repoRoot } from './http/app.ts';
import { buildClientAssets } from './http/assets.ts';
import { designPage } from './http/design-page.ts';
import { calendarFeeds } from './http/calendar-feeds.ts';
import { pageCalendarLinks } from './http/calendar-links.ts';
import { consoleSessions } from './http/console-sessions.ts';
import { pagesRouter } from './http/pages.ts';
import { programmeApi } from './http/programme-api.ts';
import { RenderCache } from './http/render-cache.ts';
import { sessionEditingApi } from './http/session-editing-api.ts';
import { Views } from './http/views.ts';
import { createRealtimeServer, type RealtimeServer } from './realtime/io.ts';
import type { PlenaryServer as SocketServer } from './protocol/socket-types.ts';
import { agendaFeed } from './http/agenda-feed.ts';
import { consoleParticipants } from './http/console-participants.ts';
import { csrfProtection } from './http/csrf.ts';
import { identityPages } from './http/identity-pages.ts';
import { participantsApi } from './http/participants-api.ts';
import { rateLimiters, type RateLimitOptions } from './http/rate-limits.ts';
import { sharedLimitStore } from './http/shared-limit-store.ts';
import { Authentication } from './identity/authentication.ts';
import { Mailer } from './mail/mailer.ts';
import { MailTemplates } from './mail/mail-templates.ts';
import { attachSocketAuth, type SocketAuth } from './realtime/auth.ts';
import { ParticipantRepository } from './store/participant-repository.ts';
import { seedForum, readSeed } from './seed/seed.ts';
import { migrateSeed } from './seed/migrations.ts';
import { AgendaService } from './services/agenda-service.ts';
import { AuditLog } from './services/audit-log.ts';
import { ParticipantsAdmin } from './services/participants-admin.ts';
import { ProgrammeEditor } from './services/programme-editor.ts';
import { ScheduleNotices } from './services/schedule-notices.ts';
import { ProgrammeService } from './services/programme-service.ts';
import { FloorService } from './services/floor-service.ts';
import { KeyedLock } from './services/keyed-lock.ts';
import { Idempotency } from './services/idempotency.ts';
import { QnaService } from './services/qna-service.ts';
import { PollService } from './services/poll-service.ts';
import { BoothService } from './services/booth-service.ts';
import { CaptionService } from './services/caption-service.ts';
import { RunningOrderService } from './services/running-order-service.ts';
import { RecordedStatements, recordedStatementsOptions } from './services/recorded-statements.ts';
import { StatementPlayback } from './media/statement-playback.ts';
import { StageCopies } from './services/stage-copies.ts';
import { Leases } from './services/leases.ts';
import { PollRepository } from './store/poll-repository.ts';
import { pollResults } from './http/poll-results.ts';
import { sessionRecords } from './http/session-record.ts';
import { captionTranscripts } from './http/caption-transcripts.ts';
import { runningOrderRoutes } from './http/running-order.ts';
import { statements } from './http/statements.ts';
import { StatementRetention } from './services/statement-retention.ts';
import { LiveRepository } from './store/live-repository.ts';
import { LiveSessions } from './realtime/live-sessions.ts';
import { MediaService } from './media/media-service.ts';
import { attachMediaSignalling } from './realtime/media-handlers.ts';
import { speakingReports } from './http/reports.ts';
import type { Participant } from './domain/participants.ts';
import { openStore } from './store/open-store.ts';
import type { DocumentStore } from './store/port.ts';
import { ProgrammeRepository } from './store/repositories.ts';
import { Metrics } from './ops/metrics.ts';
import { LeanPath } from './http/lean-path.ts';
import { openApiRouter } from './http/openapi.ts';
import { EventEditor } from './services/event-editor.ts';
import { eventsApi } from './http/events-api.ts';
import { AttendanceService } from './services/attendance-service.ts';
import { attendanceReports } from './http/attendance-report.ts';
import { attachAttendance } from './realtime/attendance.ts';
import { consoleEvents } from './http/console-events.ts';
import { iceServersFor } from './ops/turn.ts';
import { webcastRoutes } from './http/webcast.ts';
import { consoleRecordings } from './http/console-recordings.ts';
import { webcastOptions, type WebcastOptions } from './media/webcast/ffmpeg.ts';
import { WebcastSupervisor } from './media/webcast/supervisor.ts';
import { redisLeases } from './media/webcast/encoder-lease.ts';
import { floorHolder } from './protocol/wire-views.ts';

export interface Plenary {
  url: string;
  port: number;
  config: Config;
  logger: Logger;
  store: DocumentStore;
  programme: ProgrammeService;
  httpServer: http.Server;
  io: SocketServer;
  live: { floor: FloorService; qna: QnaService; sessions: LiveSessions };
  /** Prometheus metrics of this process (GET /metrics). */
  metrics: Metrics;
  /** The Express application (its routes are listed in /api/openapi.json). */
  app: Express;
  /** mediasoup workers and session routers; null when MEDIA_ENABLED=false. */
  media: MediaService | null;
  /** The HLS webcast and recordings of live sessions (issue 12); null without media. */
  webcast: WebcastSupervisor | null;
  /** Who is calling (tokens, browser sessions); announces revocations and changes to open sockets. */
  authentication: Authentication;
  participants: ParticipantsAdmin;
  mailer: Mailer;
  socketAuth: SocketAuth;
  /** One-time organiser sign-in links made at this start (fresh store, or no organiser has signed in yet). */
  organizerLinks: { eventId: string; link: string }[];
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: () => Date;
  rateLimits?: RateLimitOptions;
  /** How long a session's media stays up with nobody connected (default one minute). */
  mediaIdleCloseMs?: number;
  /** Webcast settings other than WEBCAST_* from the environment (tests: small and fast). */
  webcast?: Partial<WebcastOptions>;
}

/**
 * The composition root: wires store, services, HTTP and realtime. Each part
 * registers its own close on one AsyncDisposableStack the moment it exists,
 * so a start that fails halfway (a port in use, Redis unreachable) releases
 * exactly what it had opened, and a shutdown closes everything in the
 * reverse order of starting: sockets and media before the store they write to.
 */
export async function startPlenary(config: Config, options: StartOptions = {}): Promise<Plenary> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const parts = new AsyncDisposableStack();
  try {
    const metrics = new Metrics(logger);
    const store = metrics.instrumentStore(await openStore(config));
    parts.defer(() => store.close());
    logger.info({ store: store.kind, dataDir: store.kind === 'embedded' ? config.dataDir : undefined }, 'store opened');

    const repo = new ProgrammeRepository(store);
    const programme = new ProgrammeService(repo, options.clock);
    const audit = new AuditLog(repo, () => programme.now());
    // Programme API, pages and feeds rendered once per revision; edits, status and role changes invalidate (on every process with Redis).
    const renderCache = new RenderCache({ clock: () => programme.now(), logger });
    if (config.redisUrl) parts.defer(await renderCache.connectRedis(config.redisUrl));
    // Moved or cancelled sessions are mailed to bookmarkers and role holders, and
    // status changes reach the live rooms (notices and liveSessions are made below).
    const editor = new ProgrammeEditor(programme, audit, {
      onCalendarChange: (event, session, fields) => notices.onCalendarChange(event, session, fields),
      onStatusChange: (session) => liveSessions.announceStatus(session),
      onChange: (eventId) => renderCache.invalidate(eventId, 'programme edit'),
    });

    if (config.seed === 'auto') {
      const seed = readSeed();
      if ((await repo.listEvents()).length === 0) {
        const result = await seedForum(repo, seed);
        logger.info(result, 'seeded the forum into an empty store');
      }
      // A store seeded by an earlier seed receives what it has gained since (its texts, the running orders), never over organisers' edits.
      const migrated = await migrateSeed(store, seed);
      if (migrated.applied.length > 0) logger.info(migrated, 'seed migrations applied');
    }

    const live = new LiveRepository(store);
    metrics.attachLive({ programme: repo, live });
    // Idempotency records only need to outlive a client's retries; forget them after a day.
    const pruneIdempotency = (): void => {
      const before = new Date((options.clock?.() ?? new Date()).getTime() - 24 * 3600_000);
      live.pruneIdempotent(before).then(
        (removed) => removed > 0 && logger.info({ removed }, 'pruned idempotency records'),
        (error: unknown) => logger.error({ err: error }, 'could not prune idempotency records'),
      );
    };
    pruneIdempotency();
    const pruneTimer = setInterval(pruneIdempotency, 3600_000).unref();
    parts.defer(() => clearInterval(pruneTimer));
    const clock = options.clock ?? (() => new Date());
    const liveDeps = { live, lock: new KeyedLock(), clock, idempotency: new Idempotency(live, clock) };
    const floor = new FloorService(liveDeps);
    const qna = new QnaService(liveDeps);
    // Links need the public URL, known only once the server listens.
    let baseUrl = config.publicUrl ?? '';
    const secureCookies = (config.publicUrl ?? '').startsWith('https:');
    const participantRepo = new ParticipantRepository(store);
    // Secret ballots are stored under an HMAC of the voter with this secret (services/poll-service.ts).
    const polls = new PollService({ ...liveDeps, polls: new PollRepository(store), audit, ballotSecret: await participantRepo.serverSecret('ballots') });
    const booths = new BoothService({ ...liveDeps, store, audit, listParticipants: (eventId) => participantRepo.list(eventId) });
    const captions = new CaptionService({ ...liveDeps, store });
    const recordedStatements = new RecordedStatements(recordedStatementsOptions(config.dataDir));
    const runningOrder = new RunningOrderService({
      ...liveDeps,
      store,
      audit,
      isParticipant: async (eventId, participantId) => (await participantRepo.get(participantId))?.eventId === eventId,
    });
    // Work one process does for the cluster (a statement played, an upload transcoded) is leased in Redis, so a survivor takes over a dead process's (issue 18).
    const leases = config.redisUrl ? await Leases.connect(config.redisUrl, logger) : undefined;
    if (leases) parts.defer(() => leases.close());
    // Each uploaded statement video is transcoded once to the stage format, in the background (issue 18).
    const stageCopies = new StageCopies({ running: runningOrder, recordings: recordedStatements, announce: (eventId, change) => liveSessions.broadcastRun(eventId, change), leases, logger });
    parts.defer(() => stageCopies.close());
    const mailer = new Mailer({
      smtpUrl: config.smtpUrl,
      from: config.mailFrom,
      templates: new MailTemplates(path.join(repoRoot, 'templates', 'email')),
      logger,
      baseUrl: () => baseUrl,
    });
    parts.defer(() => mailer.close());
    const authentication = new Authentication({
      repo: participantRepo,
      logger,
      organizerToken: config.organizerToken,
      baseUrl: () => baseUrl,
      clock: options.clock,
    });
    authentication.on('changed', ({ participant }) => renderCache.invalidate(participant.eventId, 'role change'));
    // The booths' participants (interpreters and their names) are kept per event until a participant change, on any process (Redis carries the render cache's invalidations).
    renderCache.onInvalidate(() => booths.forgetParticipants());
    const participants = new ParticipantsAdmin({
      repo: participantRepo,
      programme,
      authentication,
      announce: authentication, // realtime/auth.ts listens there for revocations and changes
      audit,
      notifier: mailer,
      logger,
      clock: options.clock,
    });
    // Organisers' events (issue 15): created, changed, archived; the creator becomes the first organiser.
    const events = new EventEditor({
      store,
      programme,
      audit,
      addCreator: (event, creator, actor) => participants.addCreator(event, creator, actor),
      onChange: (eventId) => renderCache.invalidate(eventId, 'event edit'),
    });
    // Who was in which session room, when (issue 15): durable, across processes and restarts.
    const attendance = new AttendanceService({ store, logger, clock: options.clock, heartbeatMs: config.attendanceHeartbeatMs });
    await attendance.start();
    parts.defer(() => attendance.stop([]));
    const agenda = new AgendaService({ repo: participantRepo, programme, baseUrl: () => baseUrl, clock: options.clock });
    const notices = new ScheduleNotices({ repo: participantRepo, notifier: mailer, logger });
    const csrf = csrfProtection({ secret: await participantRepo.serverSecret('csrf'), secure: secureCookies });
    const limitStore = config.redisUrl ? await sharedLimitStore(config.redisUrl, logger) : undefined;
    if (limitStore) parts.defer(() => limitStore.close());
    const limits = rateLimiters(options.rateLimits, limitStore?.store);
    const views = new Views(path.join(repoRoot, 'templates'));
    // Made once media runs (below); the routes answer webcast_unavailable until then.
    let webcast: WebcastSupervisor | null = null;
    const assets = await buildClientAssets(path.join(repoRoot, 'client'));
    const app = createApp({
      logger,
      trustProxy: config.trustProxy,
      https: secureCookies,
      views,
      callers: authentication,
      lean: new LeanPath({ cache: renderCache, logger, observe: metrics.observeHttp }),
      first: [metrics.http],
      middleware: [csrf.middleware],
      routers: [
        metrics.router({ metricsToken: config.metricsToken }),
        openApiRouter({ publicUrl: config.publicUrl }),
        assets.router,
        designPage(views),
        programmeApi(programme, renderCache, events),
        eventsApi(events),
        attendanceReports(programme, attendance, views),
        consoleEvents(events, views),
        participantsApi(participants, agenda, limits),
        identityPages({ authentication, participants, agenda, programme, views, limits, csrf, secureCookies }),
        consoleParticipants(participants, programme, views),
        agendaFeed(agenda, programme, { publicUrl: config.publicUrl }),
        sessionEditingApi(programme, editor),
        calendarFeeds(programme, { publicUrl: config.publicUrl, cache: renderCache }),
        consoleSessions(programme, editor, views),
        speakingReports(programme, floor, qna, views),
        pollResults(programme, polls),
        captionTranscripts(programme, captions),
        runningOrderRoutes({ programme, running: runningOrder, recordings: recordedStatements, stageCopies, onChange: (eventId, change) => liveSessions.broadcastRun(eventId, change), clock: options.clock }),
        webcastRoutes(programme, () => webcast),
        consoleRecordings(programme, () => webcast, views),
        // The queue's broadcast lives in liveSessions, made once the HTTP server exists (below).
        statements({ programme, floor, store, onChange: (change) => liveSessions.broadcastQueue(change) }),
        sessionRecords({ programme, floor, qna, polls, running: runningOrder, listParticipants: (eventId) => participantRepo.list(eventId), views }),
        pagesRouter(programme, views, { calendarLinks: pageCalendarLinks(config.publicUrl), cache: renderCache }),
      ],
    });

    const httpServer = http.createServer(app);
    parts.defer(async () => {
      httpServer.closeAllConnections();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    });
    const media = config.media.enabled ? await MediaService.start(config.media, logger, { idleCloseMs: options.mediaIdleCloseMs }) : null;
    if (media) parts.defer(() => media.close());
    metrics.attachMedia(media);
    const realtime: RealtimeServer = await createRealtimeServer(httpServer, {
      redisUrl: config.redisUrl,
      allowedOrigins: config.allowedOrigins,
      logger,
    });
    parts.defer(() => realtime.close());
    const io = realtime.io;
    metrics.attachSockets(io);
    const socketAuth = attachSocketAuth(io, authentication, {
      allowedOrigins: config.allowedOrigins,
      ownOrigin: () => baseUrl,
      sameHostFallback: !config.allowedOrigins && !config.publicUrl,
      crossProcess: realtime.shared,
      trustProxy: config.trustProxy,
      logger,
    });
    parts.defer(() => socketAuth.close());
    const liveSessions = new LiveSessions({
      io,
      logger,
      programme,
      editor,
      socketAuth,
      floor,
      qna,
      polls,
      booths,
      captions,
      running: runningOrder,
      findParticipant: (id) => participantRepo.get(id),
      listParticipants: (eventId) => participantRepo.list(eventId),
      crossProcess: realtime.shared,
      clock: options.clock,
    });
    parts.defer(() => liveSessions.close());
    await stageCopies.recover(realtime.shared);
    // Speakers' statements for the interpreters go when their session ends (issue 13; README, "Interpretation").
    const statementRetention = new StatementRetention({
      store,
      programme,
      events: liveSessions.events,
      logger,
      clock: () => programme.now(),
      running: runningOrder,
      announce: (eventId, change) => liveSessions.broadcastRun(eventId, change),
    });
    parts.defer(() => statementRetention.close());
    void statementRetention.sweepLogged();
    // Runs before the sockets close (the stack unwinds in reverse): every open presence is recorded as left.
    const attendanceRecorder = attachAttendance(io, attendance, logger);
    parts.defer(() => attendanceRecorder.stop());
    await liveSessions.resumeTimers((await repo.listEvents()).map((e) => e.id));
    const mediaSignalling = attachMediaSignalling({ io, logger, media, programme, floor, liveSessions, socketAuth, crossProcess: realtime.shared, iceServers: (who) => iceServersFor(config.turn, who) });
    parts.defer(() => mediaSignalling.close());
    if (media) {
      // One webcast encoder per session across the processes sharing Redis (and the data directory).
      const encoderLeases = config.redisUrl ? await redisLeases(config.redisUrl, logger) : null;
      if (encoderLeases) parts.defer(() => encoderLeases.close());
      const supervisor = new WebcastSupervisor({
        media,
        events: liveSessions.events,
        dataDir: config.dataDir,
        logger,
        options: webcastOptions(process.env, options.webcast),
        floors: async (eventId, sessionId) =>
          (await floor.state(eventId, sessionId)).entries
            .filter((e) => e.startedAt !== null)
            .map((e) => ({ name: e.name, country: e.country, group: e.group, startedAt: e.startedAt as string, endedAt: e.endedAt })),
        isLive: async (eventId, sessionId) => (await programme.requireSession(eventId, sessionId)).status === 'live',
        person: async (eventId, participantId) => {
          const p = await participantRepo.get(participantId).catch(() => null);
          return p && p.eventId === eventId ? { name: p.name, country: p.country, organization: p.organization, group: p.group } : null;
        },
        currentItem: async (eventId, sessionId) => {
          const order = await runningOrder.get(eventId, sessionId);
          return order.items.find((i) => i.id === order.currentItemId) ?? null;
        },
        floorHolder: async (eventId, sessionId) => floorHolder(await floor.state(eventId, sessionId)),
        lease: encoderLeases ? { store: encoderLeases } : undefined,
        captionLanguages: async (eventId, sessionId) => [
          ...new Set((await participantRepo.list(eventId)).flatMap((p) => p.roles.filter((r) => r.role === 'captioner' && r.sessionId === sessionId && r.language).map((r) => r.language as string))),
        ],
      });
      // Stops before the media it consumes (the stack unwinds in reverse).
      parts.defer(() => supervisor.close());
      webcast = supervisor;
      metrics.attachWebcast(supervisor);
      void supervisor.recover().catch((error: unknown) => logger.error({ err: error }, 'could not finalise earlier webcasts'));
      // Pre-recorded statements played to the stage when the running order reaches them (issue 18).
      const playback = new StatementPlayback({
        media,
        recordings: recordedStatements,
        events: liveSessions.events,
        running: runningOrder,
        announce: (eventId, change) => liveSessions.broadcastRun(eventId, change),
        shared: realtime.shared,
        leases,
        logger,
        ffmpeg: recordedStatementsOptions(config.dataDir).ffmpeg,
      });
      parts.defer(() => playback.close());
      await playback.recover();
    }
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    const port = (httpServer.address() as AddressInfo).port;
    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const url = config.publicUrl ?? `http://${shownHost}:${port}`;
    baseUrl = url;

    const organizerLinks: { eventId: string; link: string }[] = [];
    for (const event of await repo.listEvents()) {
      const link = await participants.ensureOrganizer(event.id);
      if (link) organizerLinks.push({ eventId: event.id, link });
    }

    const running = parts.move();
    let closing: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closing ??= running.disposeAsync().then(() => logger.info('stopped'));
      return closing;
    };

    return {
      url,
      port,
      config,
      logger,
      store,
      programme,
      httpServer,
      io,
      live: { floor, qna, sessions: liveSessions },
      metrics,
      app,
      media,
      webcast,
      authentication,
      participants,
      mailer,
      socketAuth,
      organizerLinks,
      close,
    };
  } catch (error) {
    await parts.disposeAsync().catch((closeError: unknown) => logger.error({ err: closeError }, 'could not release everything after a failed start'));
    throw error;
  }
}
