import { EventEmitter } from 'node:events';
import type { Server, Socket } from 'socket.io';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { hasSessionRole, type Participant } from '../domain/participants.ts';
import { warningBeforeEndMs, remainingMs, type QueueState, type Speaker } from '../domain/queue.ts';
import type { Question } from '../domain/qna.ts';
import { anonymous, callerId, callerName, type Caller } from '../identity/caller.ts';
import { authorize, decide, type Action } from '../identity/policy.ts';
import { serverEvents, type JoinAck, type QueueTimerMessage, type SessionStateMessage } from '../protocol/events.ts';
import type { FloorService } from '../services/floor-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { audienceViews, type QnaService } from '../services/qna-service.ts';
import { on } from './ack.ts';
import { SocketRateLimiter } from './rate-limit.ts';
import { moderatorRoom, participantRoom, sessionRoom } from './rooms.ts';

export interface LiveSessionsDeps {
  io: Server;
  logger: Logger;
  programme: ProgrammeService;
  floor: FloorService;
  qna: QnaService;
  findParticipant: (participantId: string) => Promise<Participant | null>;
  /** Approved participants of an event, for a moderator adding someone to the queue. */
  listParticipants: (eventId: string) => Promise<Participant[]>;
  /** Rooms span processes (Redis): tell the other processes when a queue changes. */
  crossProcess?: boolean;
  clock?: () => Date;
}

/** What the media layer listens to: who may speak changes with the floor. */
export interface FloorEvents {
  'floor-given': [{ eventId: string; sessionId: string; participantId: string }];
  'floor-ended': [{ eventId: string; sessionId: string; participantId: string }];
  'session-status': [{ eventId: string; sessionId: string; status: SessionStateMessage['status'] }];
}

const crossProcessEvent = 'plenary:queue-changed';
const crossProcessStatus = 'plenary:session-status';

export function callerOf(socket: Socket): Caller {
  return (socket.data as { caller?: Caller }).caller ?? anonymous;
}

/**
 * The speaker queue, Q&A and session status over Socket.IO. Each handler
 * parses (ack.ts), authorises with identity/policy.ts, calls a service, and
 * broadcasts the versioned result to the session's rooms.
 */
export class LiveSessions {
  readonly events = new EventEmitter<FloorEvents>();
  private readonly deps: LiveSessionsDeps;
  private readonly limiter = new SocketRateLimiter();
  private readonly timers = new Map<string, NodeJS.Timeout[]>();
  private readonly clock: () => Date;

  constructor(deps: LiveSessionsDeps) {
    this.deps = deps;
    this.clock = deps.clock ?? (() => new Date());
    deps.io.on('connection', (socket) => this.connect(socket));
    // Another process changed a queue: re-arm this process's timers for it,
    // and tell this process's media layer who lost or gained the floor.
    deps.io.on(crossProcessEvent as never, (eventId: string, sessionId: string, was: string | null, now: string | null) => {
      this.emitFloorChange(eventId, sessionId, was, now);
      void this.deps.floor.state(eventId, sessionId).then(
        (state) => this.armTimers(state),
        (error: unknown) => this.deps.logger.error({ err: error, eventId, sessionId }, 'could not re-arm floor timers'),
      );
    });
    deps.io.on(crossProcessStatus as never, (eventId: string, sessionId: string, status: SessionStateMessage['status']) => {
      this.events.emit('session-status', { eventId, sessionId, status });
    });
  }

  /** After a restart: running speaking clocks continue from their persisted start. */
  async resumeTimers(eventIds: readonly string[]): Promise<void> {
    for (const eventId of eventIds) {
      for (const session of await this.deps.programme.sessions(eventId)) {
        const state = await this.deps.floor.state(eventId, session.id);
        if (state.floor) this.armTimers(state);
      }
    }
  }

  close(): void {
    for (const handles of this.timers.values()) handles.forEach(clearTimeout);
    this.timers.clear();
  }

  private eventIdFor(socket: Socket, caller: Caller, requested: string | undefined): string {
    if (caller.kind === 'participant') return caller.participant.eventId;
    const fromHandshake = (socket.handshake.auth as { eventId?: unknown }).eventId ?? socket.handshake.query.eventId;
    const eventId = requested ?? (typeof fromHandshake === 'string' ? fromHandshake : undefined);
    if (!eventId) throw new AppError('bad_request', 'Name the event (eventId) when connecting with the organiser token.');
    return eventId;
  }

  private async scope(socket: Socket, payload: { sessionId: string; eventId?: string | undefined }, action: Action) {
    const caller = callerOf(socket);
    if (caller.kind === 'anonymous') authorize(caller, action, { eventId: '', sessionId: payload.sessionId });
    const eventId = this.eventIdFor(socket, caller, payload.eventId);
    authorize(caller, action, { eventId, sessionId: payload.sessionId });
    const session = await this.deps.programme.requireSession(eventId, payload.sessionId);
    return { caller, eventId, sessionId: session.id, session };
  }

  private connect(socket: Socket): void {
    const deps = { logger: this.deps.logger, limiter: this.limiter };
    socket.on('disconnect', () => this.limiter.forget(socket.id));

    on(socket, 'session:join', deps, async (p) => {
      const { caller, eventId, sessionId } = await this.scope(socket, p, 'session.join');
      const moderator = decide(caller, 'queue.moderate', { eventId, sessionId }).allowed;
      const pid = callerId(caller);
      // Join the rooms before reading the state: a change after the read is
      // broadcast to us, one before it is in the snapshot; versions sort out overlap.
      await socket.join([sessionRoom(eventId, sessionId), ...(moderator ? [moderatorRoom(eventId, sessionId)] : []), ...(pid ? [participantRoom(eventId, sessionId, pid)] : [])]);
      const [session, queue, qna] = await Promise.all([
        this.deps.programme.requireSession(eventId, sessionId),
        this.deps.floor.state(eventId, sessionId),
        this.deps.qna.snapshot(eventId, sessionId, { participantId: pid, moderator }),
      ]);
      const panelist = caller.kind === 'participant' && hasSessionRole(caller.participant, sessionId, 'panelist');
      const ack: JoinAck = {
        sessionId,
        session: { sessionId, status: session.status, version: session.rev },
        you: { participantId: pid, name: callerName(caller), moderator, panelist, canRequestFloor: caller.kind === 'participant' },
        queue: this.deps.floor.message(queue),
        qna,
      };
      return ack;
    });

    on(socket, 'session:leave', deps, async (p) => {
      const caller = callerOf(socket);
      const eventId = this.eventIdFor(socket, caller, p.eventId);
      const pid = callerId(caller);
      await Promise.all([
        socket.leave(sessionRoom(eventId, p.sessionId)),
        socket.leave(moderatorRoom(eventId, p.sessionId)),
        pid ? socket.leave(participantRoom(eventId, p.sessionId, pid)) : Promise.resolve(),
      ]);
      return { sessionId: p.sessionId };
    });

    on(socket, 'session:open', deps, async (p) => {
      const { eventId, sessionId } = await this.scope(socket, p, 'session.open');
      return { session: await this.setStatus(eventId, sessionId, 'live') };
    });

    on(socket, 'session:end', deps, async (p) => {
      const { caller, eventId, sessionId } = await this.scope(socket, p, 'session.open');
      const before = await this.deps.floor.state(eventId, sessionId);
      if (before.floor) this.publishQueue(await this.deps.floor.closeFloor(eventId, sessionId, callerId(caller)), before);
      return { session: await this.setStatus(eventId, sessionId, 'ended') };
    });

    on(socket, 'queue:request', deps, async (p) => {
      const { caller, eventId, sessionId, session } = await this.scope(socket, p, 'queue.request');
      requireLive(session.status);
      const speaker = speakerOf(caller, sessionId);
      const { state, entryId, replayed } = await this.deps.floor.request(eventId, sessionId, speaker, p.kind, p.idempotencyKey);
      if (!replayed) this.publishQueue(state);
      return { entryId, version: state.version, replayed };
    });

    on(socket, 'queue:withdraw', deps, async (p) => {
      const { caller, eventId, sessionId } = await this.scope(socket, p, 'queue.request');
      const speaker = speakerOf(caller, sessionId);
      const state = await this.deps.floor.withdraw(eventId, sessionId, speaker.participantId);
      this.publishQueue(state);
      return { version: state.version };
    });

    on(socket, 'queue:add', deps, async (p) => {
      const { caller, eventId, sessionId, session } = await this.scope(socket, p, 'queue.moderate');
      requireLive(session.status);
      const participant = await this.deps.findParticipant(p.participantId);
      if (!participant || participant.eventId !== eventId) throw new AppError('participant_not_found', 'There is no such participant in this event.');
      const state = await this.deps.floor.addOnBehalf(eventId, sessionId, toSpeaker(participant, sessionId), p.kind, callerId(caller));
      this.publishQueue(state);
      return { version: state.version };
    });

    on(socket, 'queue:roster', deps, async (p) => {
      const { eventId } = await this.scope(socket, p, 'queue.moderate');
      const query = p.query.toLocaleLowerCase();
      const matches = (await this.deps.listParticipants(eventId))
        .filter((x) => x.status === 'approved')
        .filter((x) => !query || [x.name, x.organization, x.country].some((field) => field.toLocaleLowerCase().includes(query)))
        .slice(0, 20)
        .map((x) => ({ participantId: x.id, name: x.name, group: x.group, country: x.country, organization: x.organization }));
      return { participants: matches };
    });

    on(socket, 'queue:reorder', deps, async (p) => {
      const { caller, eventId, sessionId } = await this.scope(socket, p, 'queue.moderate');
      const state = await this.deps.floor.reorder(eventId, sessionId, p.entryIds, callerId(caller));
      this.publishQueue(state);
      return { version: state.version };
    });

    on(socket, 'queue:give-floor', deps, async (p) => {
      const { caller, eventId, sessionId, session } = await this.scope(socket, p, 'queue.moderate');
      requireLive(session.status);
      const before = await this.deps.floor.state(eventId, sessionId);
      const state = await this.deps.floor.giveFloor(eventId, sessionId, p.entryId, callerId(caller));
      this.publishQueue(state, before);
      return { version: state.version };
    });

    on(socket, 'queue:end-floor', deps, async (p) => {
      const { caller, eventId, sessionId } = await this.scope(socket, p, 'queue.moderate');
      const before = await this.deps.floor.state(eventId, sessionId);
      const state = await this.deps.floor.endFloor(eventId, sessionId, callerId(caller));
      this.publishQueue(state, before);
      return { version: state.version };
    });

    on(socket, 'queue:timer', deps, async (p) => {
      const { caller, eventId, sessionId } = await this.scope(socket, p, 'queue.moderate');
      if (p.action === 'add' && p.ms === undefined) throw new AppError('bad_request', 'Say how many milliseconds to add (ms).');
      const control = p.action === 'add' ? { action: 'add' as const, ms: p.ms ?? 0 } : { action: p.action };
      const state = await this.deps.floor.timer(eventId, sessionId, control, callerId(caller));
      this.publishQueue(state);
      return { version: state.version };
    });

    on(socket, 'queue:rules', deps, async (p) => {
      const { eventId, sessionId } = await this.scope(socket, p, 'queue.moderate');
      const state = await this.deps.floor.patchRules(eventId, sessionId, { mode: p.mode, ...(p.budgetsMs ? { budgetsMs: p.budgetsMs } : {}) });
      this.publishQueue(state);
      return { version: state.version };
    });

    on(socket, 'qna:ask', deps, async (p) => {
      const { caller, eventId, sessionId } = await this.scope(socket, p, 'qna.ask');
      const author = authorOf(caller);
      const { change, replayed } = await this.deps.qna.ask(eventId, sessionId, author, p.text, p.anonymous, p.idempotencyKey);
      if (!replayed) this.publishQuestion(change.question);
      const views = audienceViews(change.question);
      return { question: views.author, version: change.version, replayed };
    });

    on(socket, 'qna:vote', deps, async (p) => {
      const { caller, eventId, sessionId } = await this.scope(socket, p, 'qna.vote');
      const author = authorOf(caller);
      const { change, replayed, voted } = await this.deps.qna.vote(eventId, sessionId, p.questionId, author.id, p.vote, p.idempotencyKey);
      if (!replayed) this.publishQuestion(change.question);
      return { questionId: p.questionId, voted, votes: change.question.voters.length, version: change.version, replayed };
    });

    on(socket, 'qna:moderate', deps, async (p) => {
      const { caller, eventId, sessionId } = await this.scope(socket, p, 'qna.moderate');
      const change = await this.deps.qna.moderate(eventId, sessionId, p.questionId, p.action, { id: callerId(caller), name: callerName(caller) ?? 'organiser' }, p.reason);
      this.publishQuestion(change.question);
      return { version: change.version, question: audienceViews(change.question).moderators };
    });

    on(socket, 'qna:mode', deps, async (p) => {
      const { eventId, sessionId } = await this.scope(socket, p, 'qna.moderate');
      const meta = await this.deps.qna.setMode(eventId, sessionId, p.mode);
      this.deps.io.to(sessionRoom(eventId, sessionId)).emit(serverEvents.qnaMode, { sessionId, mode: meta.mode, version: meta.version });
      return { mode: meta.mode, version: meta.version };
    });
  }

  private async setStatus(eventId: string, sessionId: string, status: 'live' | 'ended'): Promise<SessionStateMessage> {
    const session = await this.deps.programme.requireSession(eventId, sessionId);
    if (session.status === 'cancelled') throw new AppError('conflict', 'This session is cancelled.');
    const stored = session.status === status ? session : await this.deps.programme.repo.updateSession({ ...session, status });
    return this.announceStatus(stored);
  }

  /**
   * Tells the room (and the media layer) a session's status, however it
   * changed: from a moderator here, or an organiser's programme edit.
   */
  announceStatus(session: { eventId: string; id: string; status: SessionStateMessage['status']; rev: number }): SessionStateMessage {
    const message: SessionStateMessage = { sessionId: session.id, status: session.status, version: session.rev };
    this.deps.io.to(sessionRoom(session.eventId, session.id)).emit(serverEvents.sessionState, message);
    this.events.emit('session-status', { eventId: session.eventId, sessionId: session.id, status: session.status });
    if (this.deps.crossProcess) this.deps.io.serverSideEmit(crossProcessStatus, session.eventId, session.id, session.status);
    if (session.status === 'ended' || session.status === 'cancelled') void this.closeFloorOf(session.eventId, session.id);
    return message;
  }

  private async closeFloorOf(eventId: string, sessionId: string): Promise<void> {
    try {
      const before = await this.deps.floor.state(eventId, sessionId);
      if (before.floor) this.publishQueue(await this.deps.floor.closeFloor(eventId, sessionId, null), before);
    } catch (error) {
      this.deps.logger.error({ err: error, eventId, sessionId }, 'could not close the floor of an ended session');
    }
  }

  /** Broadcasts the queue, re-arms the clock, and tells the media layer who gained or lost the floor. */
  publishQueue(state: QueueState, before?: QueueState): void {
    const { eventId, sessionId } = state;
    this.deps.io.to(sessionRoom(eventId, sessionId)).emit(serverEvents.queueState, this.deps.floor.message(state));
    this.armTimers(state);
    const was = before ? this.deps.floor.speakerOf(before) : null;
    const now = this.deps.floor.speakerOf(state);
    if (this.deps.crossProcess) this.deps.io.serverSideEmit(crossProcessEvent, eventId, sessionId, was, now);
    this.emitFloorChange(eventId, sessionId, was, now);
  }

  private emitFloorChange(eventId: string, sessionId: string, was: string | null, now: string | null): void {
    if (was && was !== now) this.events.emit('floor-ended', { eventId, sessionId, participantId: was });
    if (now && now !== was) this.events.emit('floor-given', { eventId, sessionId, participantId: now });
  }

  private publishQuestion(q: Question): void {
    const views = audienceViews(q);
    const mods = moderatorRoom(q.eventId, q.sessionId);
    const author = participantRoom(q.eventId, q.sessionId, q.authorId);
    const message = (question: typeof views.moderators) => ({ sessionId: q.sessionId, version: q.version, question });
    this.deps.io.to(mods).emit(serverEvents.qnaQuestion, message(views.moderators));
    this.deps.io.to(author).except(mods).emit(serverEvents.qnaQuestion, message(views.author));
    if (views.delegates) {
      this.deps.io.to(sessionRoom(q.eventId, q.sessionId)).except([mods, author]).emit(serverEvents.qnaQuestion, message(views.delegates));
    }
  }

  /**
   * Schedules the warning (one minute left) and the signal at zero. Every
   * process arms its own timers and tells only its own sockets, so with
   * several processes each client hears each signal once.
   */
  private armTimers(state: QueueState): void {
    const key = `${state.eventId}/${state.sessionId}`;
    this.timers.get(key)?.forEach(clearTimeout);
    this.timers.delete(key);
    const floor = state.floor;
    if (!floor || floor.pausedAt) return;
    const left = remainingMs(floor, this.clock());
    const room = sessionRoom(state.eventId, state.sessionId);
    const signal = (phase: QueueTimerMessage['phase']) => () => {
      // Timers may fire a millisecond early against Date.now(); the signal means what its phase says.
      const limit = phase === 'warning' ? warningBeforeEndMs : 0;
      const message: QueueTimerMessage = { sessionId: state.sessionId, entryId: floor.entryId, phase, remainingMs: Math.min(limit, remainingMs(floor, this.clock())) };
      this.deps.io.local.to(room).emit(serverEvents.queueTimer, message);
    };
    const handles: NodeJS.Timeout[] = [];
    if (left > warningBeforeEndMs) handles.push(setTimeout(signal('warning'), left - warningBeforeEndMs).unref());
    if (left > 0) handles.push(setTimeout(signal('expired'), left).unref());
    if (handles.length) this.timers.set(key, handles);
  }
}

function requireLive(status: string): void {
  if (status !== 'live') throw new AppError('session_not_live', 'The session is not live yet: the moderator opens it.');
}

function toSpeaker(p: Participant, sessionId: string): Speaker {
  return {
    participantId: p.id,
    name: p.name,
    group: p.group,
    country: p.country,
    gender: p.gender,
    headOfState: p.headOfState,
    panelist: hasSessionRole(p, sessionId, 'panelist'),
  };
}

function speakerOf(caller: Caller, sessionId: string): Speaker {
  if (caller.kind !== 'participant') throw new AppError('forbidden', 'Only a registered participant can take the floor.');
  return toSpeaker(caller.participant, sessionId);
}

function authorOf(caller: Caller): { id: string; name: string } {
  if (caller.kind !== 'participant') throw new AppError('forbidden', 'Only a registered participant can ask or vote.');
  return { id: caller.participant.id, name: caller.participant.name };
}
