import type { PlenaryServer, PlenarySocket } from '../protocol/socket-types.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { hasSessionRole } from '../domain/participants.ts';
import { callerId, callerName, type Caller } from '../identity/caller.ts';
import { authorize, decide } from '../identity/policy.ts';
import type { MediaService } from '../media/media-service.ts';
import { interpretationLanguages, produceRight, transportRight } from '../media/media-rights.ts';
import type { MediaNotice } from '../media/session-media.ts';
import {
  mediaClientEvents, mediaServerEvents, type MediaCapabilitiesAck, type ProducerClosedMessage, type ProducerInfo, type ProducerPausedMessage,
} from '../protocol/media-events.ts';
import type { ClientEventName } from '../protocol/events.ts';
import { floorHolder } from '../protocol/wire-views.ts';
import type { FloorService } from '../services/floor-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { on } from './ack.ts';
import { SocketDispatcher } from './dispatcher.ts';
import type { SocketAuth } from './auth.ts';
import { callerOf } from './live-context.ts';
import type { LiveSessions } from './live-sessions.ts';
import { SocketRateLimiter } from './rate-limit.ts';
import type { IceServer } from '../ops/turn.ts';
import { sessionRoom } from './rooms.ts';

export interface MediaSignallingDeps {
  io: PlenaryServer;
  logger: Logger;
  /** Null when MEDIA_ENABLED=false: every media event is then refused with `media_disabled`. */
  media: MediaService | null;
  programme: ProgrammeService;
  floor: FloorService;
  liveSessions: LiveSessions;
  socketAuth?: SocketAuth;
  /** Rooms span processes (REDIS_URL): media is coordinated with the other processes (media-cluster.ts). */
  crossProcess?: boolean;
  /** TURN servers with fresh credentials for a caller (TURN_URLS, TURN_SECRET; server/ops/turn.ts), sent with WebRTC transport options. */
  iceServers?: (who: string) => IceServer[] | undefined;
}

export interface MediaSignalling {
  close(): void;
}

/**
 * The `media:*` events: parse (ack.ts) → authorise (policy.ts, and
 * media-rights.ts for transports and sending, from the caller's roles, the
 * session status and the floor) → ration (media-limits.ts, per socket,
 * participant and session) →
 * call the media service → ack; and the media service's notices fanned out
 * to the session's room. Notices go to this process's sockets only: with
 * several processes, each relays the others' announcements to its own
 * sockets (media-cluster.ts), and pipes their producers in on demand.
 */
export function attachMediaSignalling(deps: MediaSignallingDeps): MediaSignalling {
  const { io, media, logger } = deps;
  // Joining a stage is a burst: transports, then a consume, resume and layer choice per producer.
  const limiter = new SocketRateLimiter(200, 40);
  const handlerDeps = { logger, limiter };

  const disabled = (socket: PlenarySocket): void => {
    for (const event of Object.keys(mediaClientEvents) as ClientEventName[]) {
      on(socket, event, handlerDeps, async () => {
        throw new AppError('media_disabled', 'Live audio and video are switched off on this server (MEDIA_ENABLED=false).');
      });
    }
  };
  // The media events' listeners are shared by every socket, not made per socket (dispatcher.ts, issue #10).
  const dispatcher = new SocketDispatcher<null>(null, [media ? (socket) => registerHandlers(socket, media) : disabled]);
  const onDisconnect = function (this: PlenarySocket): void {
    limiter.forget(this.id);
    media?.disconnect(this.id);
  };
  const onConnection = (socket: PlenarySocket): void => {
    socket.on('disconnect', onDisconnect);
    dispatcher.attach(socket);
  };

  const scope = async (socket: PlenarySocket, payload: { sessionId: string; eventId?: string | undefined }) => {
    const caller = callerOf(socket);
    const eventId = eventIdFor(socket, caller, payload.eventId);
    authorize(caller, 'media.consume', { eventId, sessionId: payload.sessionId });
    const session = await deps.programme.requireSession(eventId, payload.sessionId);
    if (!socket.rooms.has(sessionRoom(eventId, session.id))) throw new AppError('not_joined', 'Join the session first (session:join).');
    return { caller, eventId, sessionId: session.id, session };
  };

  // The floor's holder and its rules live in the store (shared by processes, kept across restarts).
  const floorFacts = async (eventId: string, sessionId: string): Promise<{ floorHolder: string | null; delegateVideo: boolean }> => {
    const state = await deps.floor.state(eventId, sessionId);
    return { floorHolder: floorHolder(state), delegateVideo: state.rules.delegateVideo ?? false };
  };

  function registerHandlers(socket: PlenarySocket, media: MediaService): void {
    on(socket, 'media:capabilities', handlerDeps, async (p) => {
      const { caller, eventId, sessionId, session } = await scope(socket, p);
      if (session.status !== 'live') throw new AppError('session_not_live', 'The stage opens when the moderator opens the session.');
      const room = await media.session(eventId, sessionId);
      // A room made after a restart (or on another process) starts from the stored setting.
      const { delegateVideo } = await floorFacts(eventId, sessionId);
      if (room.settings.delegateVideo !== delegateVideo) room.setDelegateVideo(delegateVideo);
      room.join({ socketId: socket.id, participantId: callerId(caller), name: callerName(caller) ?? '', address: socket.handshake.address });
      const ack: MediaCapabilitiesAck = {
        sessionId,
        rtpCapabilities: room.rtpCapabilities as MediaCapabilitiesAck['rtpCapabilities'],
        producers: room.producerList(),
        activeSpeaker: room.speaker,
        settings: room.settings,
        you: {
          panel: caller.kind === 'participant' && decide(caller, 'media.produce-panel', { eventId, sessionId }).allowed,
          interpretationLanguages: interpretationLanguages(caller, sessionId),
          moderator: decide(caller, 'media.moderate', { eventId, sessionId }).allowed,
          ...(caller.kind === 'participant' && hasSessionRole(caller.participant, sessionId, 'sign_interpreter') ? { sign: true } : {}),
        },
        lastN: media.lastN,
      };
      return ack;
    });

    on(socket, 'media:leave', handlerDeps, async (p) => {
      const { eventId, sessionId } = await scope(socket, p);
      media.existing(eventId, sessionId)?.leave(socket.id, 'closed');
      return { sessionId };
    });

    on(socket, 'media:create-transport', handlerDeps, async (p) => {
      const { caller, eventId, sessionId, session } = await scope(socket, p);
      const room = media.require(eventId, sessionId);
      // Only a send transport depends on the floor; a recv one spares the store read.
      const facts = p.direction === 'send' ? await floorFacts(eventId, sessionId) : { floorHolder: null, delegateVideo: false };
      const tier = transportRight({ caller, eventId, sessionId, status: session.status, ...facts, direction: p.direction, type: p.type });
      const ack = await room.createTransport(socket.id, { direction: p.direction, type: p.type, rtpCapabilities: p.rtpCapabilities }, tier);
      const iceServers = ack.type === 'webrtc' ? deps.iceServers?.(callerId(caller) ?? socket.id) : undefined;
      return iceServers ? { ...ack, iceServers } : ack;
    });

    on(socket, 'media:connect-transport', handlerDeps, async (p) => {
      const { eventId, sessionId } = await scope(socket, p);
      await media.require(eventId, sessionId).connectTransport(socket.id, p);
      return { transportId: p.transportId };
    });

    on(socket, 'media:restart-ice', handlerDeps, async (p) => {
      const { eventId, sessionId } = await scope(socket, p);
      return media.require(eventId, sessionId).restartIce(socket.id, p.transportId);
    });

    on(socket, 'media:produce', handlerDeps, async (p) => {
      const { eventId, sessionId } = await scope(socket, p);
      const input = { transportId: p.transportId, kind: p.kind, rtpParameters: p.rtpParameters, source: p.appData.source, language: p.appData.language, height: p.appData.height, paused: p.paused };
      return media.produce(eventId, sessionId, socket.id, input, async () => {
        // Read now, inside the per-session lock the floor's changes also take.
        const session = await deps.programme.requireSession(eventId, sessionId);
        const right = produceRight({
          caller: callerOf(socket),
          eventId,
          sessionId,
          status: session.status,
          ...(await floorFacts(eventId, sessionId)),
          kind: p.kind,
          source: p.appData.source,
          language: p.appData.language,
        });
        // Only the booth's live interpreter sends its channel (an idle booth becomes theirs).
        if (right === 'interpretation' && p.appData.language) await deps.liveSessions.admitInterpretation(eventId, sessionId, p.appData.language, callerOf(socket));
        return right;
      });
    });

    on(socket, 'media:consume', handlerDeps, async (p) => {
      const { eventId, sessionId } = await scope(socket, p);
      return media.require(eventId, sessionId).consume(socket.id, p);
    });

    on(socket, 'media:resume', handlerDeps, async (p) => {
      const { eventId, sessionId } = await scope(socket, p);
      await media.require(eventId, sessionId).resumeConsumer(socket.id, p.consumerId);
      return { consumerId: p.consumerId };
    });

    on(socket, 'media:pause-consumer', handlerDeps, async (p) => {
      const { eventId, sessionId } = await scope(socket, p);
      await media.require(eventId, sessionId).pauseConsumer(socket.id, p.consumerId);
      return { consumerId: p.consumerId };
    });

    on(socket, 'media:close-consumer', handlerDeps, async (p) => {
      const { eventId, sessionId } = await scope(socket, p);
      media.require(eventId, sessionId).closeConsumer(socket.id, p.consumerId);
      return { consumerId: p.consumerId };
    });

    on(socket, 'media:set-preferred-layers', handlerDeps, async (p) => {
      const { eventId, sessionId } = await scope(socket, p);
      const layers = await media.require(eventId, sessionId).setPreferredLayers(socket.id, p.consumerId, { width: p.width, height: p.height });
      return { consumerId: p.consumerId, layers };
    });

    /** The owner acts on their own producer; anyone else needs media.moderate. */
    const producerAction = async (p: { sessionId: string; eventId?: string | undefined; producerId: string }) => {
      const { caller, eventId, sessionId } = await scope(socket, p);
      const room = media.require(eventId, sessionId);
      const info = room.producer(p.producerId);
      if (!info) throw new AppError('media_not_found', 'That producer is not on this session’s stage (any more).');
      const owner = callerId(caller) === info.participantId;
      const moderator = decide(caller, 'media.moderate', { eventId, sessionId }).allowed;
      if (!owner) authorize(caller, 'media.moderate', { eventId, sessionId });
      // A producer held by another process: decided here, done there.
      const origin = room.originOf(p.producerId);
      const act = async (action: 'close' | 'pause' | 'resume', byModerator: boolean): Promise<ProducerInfo> => {
        if (origin && media.cluster) {
          const reason = owner ? 'closed' : 'moderator';
          return (await media.cluster.request(origin, eventId, sessionId, { op: 'producer-action', producerId: p.producerId, action, byModerator, reason })) as ProducerInfo;
        }
        if (action === 'close') return room.closeProducer(p.producerId, owner ? 'closed' : 'moderator');
        return room.pauseProducer(p.producerId, action === 'pause', byModerator);
      };
      return { owner, moderator, act };
    };

    on(socket, 'media:close-producer', handlerDeps, async (p) => {
      const { act } = await producerAction(p);
      await act('close', true);
      return { producerId: p.producerId };
    });

    on(socket, 'media:pause-producer', handlerDeps, async (p) => {
      const { owner, act } = await producerAction(p);
      return { producer: await act('pause', !owner) };
    });

    on(socket, 'media:resume-producer', handlerDeps, async (p) => {
      const { owner, moderator, act } = await producerAction(p);
      // A moderator unmuting themselves also lifts a mute another moderator set.
      return { producer: await act('resume', !owner || moderator) };
    });

    on(socket, 'media:settings', handlerDeps, async (p) => {
      const { caller, eventId, sessionId } = await scope(socket, p);
      authorize(caller, 'media.moderate', { eventId, sessionId });
      const room = media.require(eventId, sessionId);
      await deps.floor.patchRules(eventId, sessionId, { delegateVideo: p.delegateVideo });
      const settings = room.setDelegateVideo(p.delegateVideo);
      if (!p.delegateVideo) room.closeWhere((info) => info.right === 'floor' && info.source === 'camera', 'moderator');
      media.cluster?.announceSettings(eventId, sessionId, p.delegateVideo);
      return { settings };
    });
  }

  io.on('connection', onConnection);

  const onNotice = ({ eventId, sessionId, notice }: { eventId: string; sessionId: string; notice: MediaNotice }): void => {
    const room = io.local.to(sessionRoom(eventId, sessionId));
    switch (notice.type) {
      case 'new-producer':
        room.emit(mediaServerEvents.newProducer, { sessionId, producer: notice.producer });
        break;
      case 'producer-closed': {
        const message: ProducerClosedMessage = { sessionId, producerId: notice.producerId, participantId: notice.participantId, reason: notice.reason };
        room.emit(mediaServerEvents.producerClosed, message);
        break;
      }
      case 'producer-paused': {
        const message: ProducerPausedMessage = { sessionId, producerId: notice.producerId, paused: notice.paused, pausedByModerator: notice.pausedByModerator };
        room.emit(mediaServerEvents.producerPaused, message);
        break;
      }
      case 'active-speaker':
        room.emit(mediaServerEvents.activeSpeaker, { sessionId, producerId: notice.producerId, participantId: notice.participantId });
        break;
      case 'settings':
        room.emit(mediaServerEvents.settings, { sessionId, delegateVideo: notice.delegateVideo });
        break;
      case 'rejoin':
        (notice.socketIds ? io.local.to(notice.socketIds) : room).emit(mediaServerEvents.rejoin, { sessionId, reason: notice.reason });
        break;
      case 'empty':
        break;
    }
  };

  const onFloorEnded = ({ eventId, sessionId, participantId }: { eventId: string; sessionId: string; participantId: string }): void => {
    media?.floorEnded(eventId, sessionId, participantId).catch((error: unknown) => logger.error({ err: error, eventId, sessionId }, 'could not close the floor’s producers'));
  };
  const onStatus = ({ eventId, sessionId, status }: { eventId: string; sessionId: string; status: string }): void => {
    if (status !== 'live') media?.closeSession(eventId, sessionId, 'session-ended');
  };
  const onBoothLive = ({ eventId, sessionId, language, was, now }: { eventId: string; sessionId: string; language: string; was: string | null; now: string | null }): void => {
    media?.boothHandover(eventId, sessionId, language, was, now);
  };
  const onCallerChanged = ({ caller }: { caller: Caller }): void => {
    if (!media || caller.kind !== 'participant') return;
    media.revoke(caller.participant.id, (eventId, sessionId, info: ProducerInfo) => {
      const scopeOf = { eventId, sessionId };
      if (info.right === 'panel') return decide(caller, 'media.produce-panel', scopeOf).allowed;
      if (info.right === 'interpretation') return decide(caller, 'media.produce-interpretation', { ...scopeOf, language: info.language ?? '' }).allowed;
      if (info.right === 'sign') return decide(caller, 'media.produce-sign', scopeOf).allowed;
      return decide(caller, 'media.consume', scopeOf).allowed;
    });
  };

  media?.on('notice', onNotice);
  const mediaEvent = 'plenary:media';
  if (media && deps.crossProcess) {
    media.joinCluster({
      send: (message) => io.serverSideEmit(mediaEvent, message),
      listen: (handler) => {
        const listener = (message: string): void => handler(message);
        io.on(mediaEvent, listener);
        return () => io.off(mediaEvent, listener);
      },
    });
  }
  deps.liveSessions.events.on('floor-ended', onFloorEnded);
  deps.liveSessions.events.on('session-status', onStatus);
  deps.liveSessions.events.on('booth-live', onBoothLive);
  deps.socketAuth?.on('caller-changed', onCallerChanged);

  return {
    close: () => {
      // Says goodbye while the Redis adapter still carries it: the others drop our producers and pipes at once.
      media?.cluster?.close();
      io.off('connection', onConnection);
      media?.off('notice', onNotice);
      deps.liveSessions.events.off('floor-ended', onFloorEnded);
      deps.liveSessions.events.off('session-status', onStatus);
      deps.liveSessions.events.off('booth-live', onBoothLive);
      deps.socketAuth?.off('caller-changed', onCallerChanged);
    },
  };
}

/** A participant's event is theirs; the organiser token names it in the payload or the handshake. */
function eventIdFor(socket: PlenarySocket, caller: Caller, requested: string | undefined): string {
  if (caller.kind === 'participant') return caller.participant.eventId;
  const fromHandshake = (socket.handshake.auth as { eventId?: unknown }).eventId ?? socket.handshake.query.eventId;
  const eventId = requested ?? (typeof fromHandshake === 'string' ? fromHandshake : undefined);
  if (!eventId) {
    if (caller.kind === 'anonymous') authorize(caller, 'media.consume', { eventId: '' });
    throw new AppError('bad_request', 'Name the event (eventId) when connecting with the organiser token.');
  }
  return eventId;
}
