import type { PlenaryServer, PlenarySocket } from '../protocol/socket-types.ts';
import type { Logger } from '../logger.ts';
import type { Participant } from '../domain/participants.ts';
import type { Caller } from '../identity/caller.ts';
import type { SessionStateMessage } from '../protocol/events.ts';
import type { BoothService } from '../services/booth-service.ts';
import type { CaptionService } from '../services/caption-service.ts';
import type { FloorChange, FloorService } from '../services/floor-service.ts';
import type { ProgrammeEditor } from '../services/programme-editor.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import type { PollService } from '../services/poll-service.ts';
import type { QnaService } from '../services/qna-service.ts';
import { messageOf, type RunChange, type RunningOrderService } from '../services/running-order-service.ts';
import type { SocketAuth } from './auth.ts';
import { announceBooths, boothHandlers, boothPresence } from './booth-handlers.ts';
import { actorOf } from '../services/audit-log.ts';
import { LiveBroadcast } from './broadcast.ts';
import { captionHandlers } from './caption-handlers.ts';
import { FloorTimers } from './floor-timers.ts';
import type { LiveHandlerDeps } from './live-handler-deps.ts';
import { Membership } from './membership.ts';
import { pollHandlers } from './poll-handlers.ts';
import { qnaHandlers } from './qna-handlers.ts';
import { queueHandlers } from './queue-handlers.ts';
import { runHandlers } from './run-handlers.ts';
import { SocketRateLimiter } from './rate-limit.ts';
import { sessionHandlers } from './session-handlers.ts';
import { unknownEventListener } from './unknown-events.ts';
import { SocketDispatcher } from './dispatcher.ts';

export type { FloorEvents } from './broadcast.ts';

export interface LiveSessionsDeps {
  io: PlenaryServer;
  logger: Logger;
  programme: ProgrammeService;
  editor: ProgrammeEditor;
  floor: FloorService;
  qna: QnaService;
  polls: PollService;
  booths: BoothService;
  captions: CaptionService;
  running: RunningOrderService;
  findParticipant: (participantId: string) => Promise<Participant | null>;
  listParticipants: (eventId: string) => Promise<Participant[]>;
  /** Announces role and status changes of connected callers, so their rooms follow. */
  socketAuth?: SocketAuth | undefined;
  /** Rooms span processes (Redis): tell the other processes when a queue or status changes. */
  crossProcess?: boolean;
  clock?: () => Date;
}

/**
 * The live layer of sessions over Socket.IO: the session, queue and Q&A
 * handlers (one module each), one broadcast module, the floor timers, and
 * room membership that follows each caller's roles.
 */
export class LiveSessions {
  readonly events: LiveBroadcast['events'];
  private readonly deps: LiveSessionsDeps;
  private readonly timers: FloorTimers;
  private readonly broadcast: LiveBroadcast;
  private readonly membership: Membership;
  private readonly handlerDeps: LiveHandlerDeps;
  private readonly dispatcher: SocketDispatcher<LiveHandlerDeps>;
  private readonly onUnknownEvent: ReturnType<typeof unknownEventListener>;
  private readonly onDisconnect: (this: PlenarySocket) => void;
  private readonly onConnection = (socket: PlenarySocket): void => this.connect(socket);
  private readonly onCallerChanged = ({ socket, caller }: { socket: PlenarySocket; caller: Caller }): void => {
    this.membership.refresh(socket, caller).catch((error: unknown) =>
      this.deps.logger.error({ err: error, socket: socket.id }, 'could not move a socket to the rooms of its new role'),
    );
  };

  constructor(deps: LiveSessionsDeps) {
    this.deps = deps;
    const clock = deps.clock ?? (() => new Date());
    this.timers = new FloorTimers(deps.io, clock);
    this.membership = new Membership({ io: deps.io, logger: deps.logger, programme: deps.programme, floor: deps.floor, qna: deps.qna, polls: deps.polls, booths: deps.booths, running: deps.running, captions: deps.captions, clock });
    const membership = this.membership;
    this.broadcast = new LiveBroadcast({
      io: deps.io, logger: deps.logger, floor: deps.floor, timers: this.timers, clock, crossProcess: deps.crossProcess ?? false,
      onQueue: (state) => membership.queueChanged(state),
    });
    this.events = this.broadcast.events;
    this.handlerDeps = {
      logger: deps.logger,
      limiter: new SocketRateLimiter(),
      programme: deps.programme,
      editor: deps.editor,
      floor: deps.floor,
      qna: deps.qna,
      polls: deps.polls,
      booths: deps.booths,
      captions: deps.captions,
      running: deps.running,
      broadcast: this.broadcast,
      membership: this.membership,
      findParticipant: deps.findParticipant,
      listParticipants: deps.listParticipants,
    };
    this.dispatcher = new SocketDispatcher(this.handlerDeps, [sessionHandlers, queueHandlers, qnaHandlers, pollHandlers, boothHandlers, captionHandlers, runHandlers]);
    this.onUnknownEvent = unknownEventListener(deps.logger);
    const limiter = this.handlerDeps.limiter;
    this.onDisconnect = function (this: PlenarySocket) {
      limiter.forget(this.id);
    };
    deps.io.on('connection', this.onConnection);
    deps.socketAuth?.on('caller-changed', this.onCallerChanged);
  }

  /** Per socket: the dispatcher's shared listeners (dispatcher.ts), one for the disconnect and one for unknown events. */
  private connect(socket: PlenarySocket): void {
    socket.on('disconnect', this.onDisconnect);
    this.dispatcher.attach(socket);
    socket.onAny(this.onUnknownEvent);
  }


  /**
   * An interpreter starts sending their booth's channel (media:produce):
   * only the booth's live interpreter may. An idle booth becomes theirs
   * (claimed and announced); while a partner present in the session is
   * live, refused with booth_taken.
   */
  async admitInterpretation(eventId: string, sessionId: string, language: string, caller: Caller): Promise<void> {
    if (caller.kind !== 'participant') return;
    const change = await this.deps.booths.claim(eventId, sessionId, language, caller.participant.id, actorOf(caller), await boothPresence({ membership: this.membership }, eventId, sessionId));
    await announceBooths(this.handlerDeps, change);
  }

  /** After a restart: running speaking clocks continue from their persisted start. */
  async resumeTimers(eventIds: readonly string[]): Promise<void> {
    for (const eventId of eventIds) {
      for (const session of await this.deps.programme.sessions(eventId)) {
        const state = await this.deps.floor.state(eventId, session.id);
        if (state.floor) this.timers.arm(state);
      }
    }
  }

  /**
   * Tells the room (and the media layer) a session's status, however it
   * changed; an ended or cancelled session's floor is closed.
   */
  announceStatus(session: { eventId: string; id: string; status: SessionStateMessage['status']; rev: number }): SessionStateMessage {
    const message = this.broadcast.status(session);
    if (session.status === 'ended' || session.status === 'cancelled') {
      this.deps.floor.closeFloor(session.eventId, session.id, null).then(
        (change) => this.broadcast.queue(change),
        (error: unknown) => this.deps.logger.error({ err: error, eventId: session.eventId, sessionId: session.id }, 'could not close the floor of an ended session'),
      );
    }
    return message;
  }

  /** A running-order change made over HTTP (an edit, a recording): to the room. */
  broadcastRun(eventId: string, change: RunChange): void {
    if (change.after !== change.before) this.broadcast.run(eventId, messageOf(change.after), change);
  }

  /** A queue change made outside the socket handlers (a statement uploaded over HTTP): to the room, timers and media layer. */
  broadcastQueue(change: FloorChange): void {
    this.broadcast.queue(change);
  }

  close(): void {
    this.deps.io.off('connection', this.onConnection);
    this.deps.socketAuth?.off('caller-changed', this.onCallerChanged);
    this.broadcast.close();
    this.timers.close();
  }
}

