import { EventEmitter } from 'node:events';
import type { PlenaryServer } from '../protocol/socket-types.ts';
import type { Logger } from '../logger.ts';
import { viewOfPoll, type Poll } from '../domain/polls.ts';
import type { Question } from '../domain/qna.ts';
import { serverEvents, type BoothNoteMessage, type BoothStateMessage, type CaptionLineMessage, type QnaQuestionMessage, type RunStateMessage, type SessionStateMessage } from '../protocol/events.ts';
import type { QueueState } from '../domain/queue.ts';
import type { FloorChange, FloorService } from '../services/floor-service.ts';
import type { RunChange } from '../services/running-order-service.ts';
import { audienceViews, floorHolder, queueMessage } from '../protocol/wire-views.ts';
import type { FloorTimers } from './floor-timers.ts';
import { moderatorRoom, participantRoom, sessionRoom } from './rooms.ts';

/** What the media layer listens to: who may speak changes with the floor, and media ends with the session. */
export interface FloorEvents {
  'floor-given': [{ eventId: string; sessionId: string; participantId: string }];
  'floor-ended': [{ eventId: string; sessionId: string; participantId: string }];
  'session-status': [{ eventId: string; sessionId: string; status: SessionStateMessage['status'] }];
  /** The running order moved (run:advance, an edit): the playback of pre-recorded statements follows (issue 18). */
  'run-changed': [{ eventId: string; sessionId: string; change: RunChange }];
  /** Another process changed a session's running order (through Redis): a player here re-reads it. */
  'run-remote': [{ eventId: string; sessionId: string }];
  /** A booth's live interpreter changed: the previous one's channel closes (media-handlers.ts). */
  'booth-live': [{ eventId: string; sessionId: string; language: string; was: string | null; now: string | null }];
  /** A caption line was sent to the room, from this process or (through Redis) another: the webcast's subtitles follow (media/webcast). */
  'caption-line': [{ eventId: string; message: CaptionLineMessage }];
}

const crossProcessQueue = 'plenary:queue-changed';
const crossProcessStatus = 'plenary:session-status';
const crossProcessBooth = 'plenary:booth-live';
const crossProcessRun = 'plenary:run-changed';
const crossProcessCaption = 'plenary:caption-line';

export interface BroadcastDeps {
  io: PlenaryServer;
  logger: Logger;
  floor: FloorService;
  timers: FloorTimers;
  clock: () => Date;
  /** Rooms span processes (Redis): tell the other processes' media layers and timers too. */
  crossProcess: boolean;
  /** Hears each queue state as it is broadcast, and as re-read after another process's change (joins ack nothing older: membership.ts). */
  onQueue?: (state: QueueState) => void;
}

/**
 * The one place live state leaves the server: versioned messages to the
 * session's rooms, each audience getting the view it may see, and the floor
 * and status events for this process's media layer (and, through Redis,
 * every other process's).
 */
export class LiveBroadcast {
  readonly events = new EventEmitter<FloorEvents>();
  private readonly deps: BroadcastDeps;
  private readonly onRemoteQueue: (eventId: string, sessionId: string, was: string | null, now: string | null) => void;
  private readonly onRemoteStatus: (eventId: string, sessionId: string, status: SessionStateMessage['status']) => void;
  private readonly onRemoteRun = (eventId: string, sessionId: string): void => {
    this.events.emit('run-remote', { eventId, sessionId });
  };
  private readonly onRemoteBooth = (eventId: string, sessionId: string, language: string, was: string | null, now: string | null): void => {
    this.events.emit('booth-live', { eventId, sessionId, language, was, now });
  };
  private readonly onRemoteCaption = (eventId: string, message: CaptionLineMessage): void => {
    this.events.emit('caption-line', { eventId, message });
  };

  constructor(deps: BroadcastDeps) {
    this.deps = deps;
    // Another process changed a queue: re-arm this process's timers for it,
    // and tell this process's media layer who lost or gained the floor.
    this.onRemoteQueue = (eventId, sessionId, was, now) => {
      this.emitFloorChange(eventId, sessionId, was, now);
      void deps.floor.state(eventId, sessionId).then(
        (state) => {
          deps.timers.arm(state);
          deps.onQueue?.(state);
        },
        (error: unknown) => deps.logger.error({ err: error, eventId, sessionId }, 'could not re-arm floor timers'),
      );
    };
    this.onRemoteStatus = (eventId, sessionId, status) => this.events.emit('session-status', { eventId, sessionId, status });
    deps.io.on(crossProcessQueue, this.onRemoteQueue);
    deps.io.on(crossProcessStatus, this.onRemoteStatus);
    deps.io.on(crossProcessBooth, this.onRemoteBooth);
    deps.io.on(crossProcessRun, this.onRemoteRun);
    deps.io.on(crossProcessCaption, this.onRemoteCaption);
  }

  close(): void {
    this.deps.io.off(crossProcessQueue, this.onRemoteQueue);
    this.deps.io.off(crossProcessStatus, this.onRemoteStatus);
    this.deps.io.off(crossProcessBooth, this.onRemoteBooth);
    this.deps.io.off(crossProcessRun, this.onRemoteRun);
    this.deps.io.off(crossProcessCaption, this.onRemoteCaption);
  }

  /**
   * Broadcasts the queue after a change, re-arms the clock, and tells the
   * media layer who gained or lost the floor: from the change's own
   * before/after, both read under the session's lock.
   */
  queue({ before, after }: FloorChange): void {
    if (before === after) return;
    const { eventId, sessionId } = after;
    this.deps.onQueue?.(after);
    this.deps.io.to(sessionRoom(eventId, sessionId)).emit(serverEvents.queueState, queueMessage(after, this.deps.clock()));
    this.deps.timers.arm(after);
    const was = floorHolder(before);
    const now = floorHolder(after);
    if (this.deps.crossProcess) this.deps.io.serverSideEmit(crossProcessQueue, eventId, sessionId, was, now);
    this.emitFloorChange(eventId, sessionId, was, now);
  }

  private emitFloorChange(eventId: string, sessionId: string, was: string | null, now: string | null): void {
    if (was && was !== now) this.events.emit('floor-ended', { eventId, sessionId, participantId: was });
    if (now && now !== was) this.events.emit('floor-given', { eventId, sessionId, participantId: now });
  }

  /** One changed question: moderators see everything, its author their own view, delegates what is public. */
  question(q: Question): void {
    const views = audienceViews(q);
    const mods = moderatorRoom(q.eventId, q.sessionId);
    const author = participantRoom(q.eventId, q.sessionId, q.authorId);
    const message = (question: QnaQuestionMessage['question']): QnaQuestionMessage => ({ sessionId: q.sessionId, version: q.version, question });
    this.deps.io.to(mods).emit(serverEvents.qnaQuestion, message(views.moderators));
    this.deps.io.to(author).except(mods).emit(serverEvents.qnaQuestion, message(views.author));
    if (views.delegates) {
      this.deps.io.to(sessionRoom(q.eventId, q.sessionId)).except([mods, author]).emit(serverEvents.qnaQuestion, message(views.delegates));
    }
  }

  /** One changed poll: a draft to the moderators, an open or closed poll to the whole room (one view for all: no voter of a secret poll in it). */
  poll(poll: Poll): void {
    const room = poll.status === 'draft' ? moderatorRoom(poll.eventId, poll.sessionId) : sessionRoom(poll.eventId, poll.sessionId);
    this.deps.io.to(room).emit(serverEvents.pollState, { sessionId: poll.sessionId, poll: viewOfPoll(poll) });
  }

  /** The session's booths, to the whole room (listeners see which channels are staffed; interpreters their partners). */
  booths(eventId: string, message: BoothStateMessage): void {
    this.deps.io.to(sessionRoom(eventId, message.sessionId)).emit(serverEvents.boothState, message);
  }

  /** Who publishes a booth's channel changed: this process's media layer (and every other's) follows. */
  boothLive(eventId: string, sessionId: string, change: { language: string; was: string | null; now: string | null }): void {
    this.events.emit('booth-live', { eventId, sessionId, ...change });
    if (this.deps.crossProcess) this.deps.io.serverSideEmit(crossProcessBooth, eventId, sessionId, change.language, change.was, change.now);
  }

  /** A booth note to those interpreters only (each one's own room in the session, on every process). */
  boothNote(eventId: string, participantIds: readonly string[], message: BoothNoteMessage): void {
    if (participantIds.length === 0) return;
    this.deps.io.to(participantIds.map((id) => participantRoom(eventId, message.sessionId, id))).emit(serverEvents.boothNote, message);
  }

  /**
   * One caption line, to the whole room, and to the webcast's subtitles
   * wherever the session's encoder runs: this process's directly, every
   * other's through Redis (serverSideEmit skips the sender, so each process
   * hears a line once).
   */
  caption(eventId: string, message: CaptionLineMessage): void {
    this.deps.io.to(sessionRoom(eventId, message.sessionId)).emit(serverEvents.captionLine, message);
    this.events.emit('caption-line', { eventId, message });
    if (this.deps.crossProcess) this.deps.io.serverSideEmit(crossProcessCaption, eventId, message);
  }

  /** The running order, to the whole room; this process's playback follows the change. */
  run(eventId: string, message: RunStateMessage, change: RunChange): void {
    this.deps.io.to(sessionRoom(eventId, message.sessionId)).emit(serverEvents.runState, message);
    this.events.emit('run-changed', { eventId, sessionId: message.sessionId, change });
    // Another process may be playing this session's statement: it re-reads the order and stops if it no longer should play.
    if (this.deps.crossProcess) this.deps.io.serverSideEmit(crossProcessRun, eventId, message.sessionId);
  }

  qnaMode(eventId: string, sessionId: string, mode: 'pre-moderated' | 'open', version: number): void {
    this.deps.io.to(sessionRoom(eventId, sessionId)).emit(serverEvents.qnaMode, { sessionId, mode, version });
  }

  /** A session's status, however it changed (a moderator's open/end, an organiser's edit). */
  status(session: { eventId: string; id: string; status: SessionStateMessage['status']; rev: number }): SessionStateMessage {
    const message: SessionStateMessage = { sessionId: session.id, status: session.status, version: session.rev };
    this.deps.io.to(sessionRoom(session.eventId, session.id)).emit(serverEvents.sessionState, message);
    this.events.emit('session-status', { eventId: session.eventId, sessionId: session.id, status: session.status });
    if (this.deps.crossProcess) this.deps.io.serverSideEmit(crossProcessStatus, session.eventId, session.id, session.status);
    return message;
  }
}
