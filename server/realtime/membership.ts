import type { PlenaryServer, PlenarySocket } from '../protocol/socket-types.ts';
import { hasSessionRole, type Participant } from '../domain/participants.ts';
import { callerId, callerName, type Caller } from '../identity/caller.ts';
import { decide } from '../identity/policy.ts';
import type { Logger } from '../logger.ts';
import { serverEvents, type JoinAck, type SessionRemovedMessage } from '../protocol/events.ts';
import type { BoothService } from '../services/booth-service.ts';
import type { CaptionService } from '../services/caption-service.ts';
import type { FloorService } from '../services/floor-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import type { PollService } from '../services/poll-service.ts';
import type { QnaRead, QnaService } from '../services/qna-service.ts';
import type { Poll } from '../domain/polls.ts';
import type { QueueState } from '../domain/queue.ts';
import type { RunningOrderService } from '../services/running-order-service.ts';
import { queueMessage } from '../protocol/wire-views.ts';
import { moderatorRoom, participantRoom, sessionRoom } from './rooms.ts';
import { TurnGate } from '../services/turn-gate.ts';

interface Joined {
  eventId: string;
  sessionId: string;
}

interface MembershipData {
  /** Sessions this socket has joined, by "eventId/sessionId". */
  sessions?: Map<string, Joined>;
}

export interface MembershipDeps {
  io: PlenaryServer;
  logger: Logger;
  programme: ProgrammeService;
  floor: FloorService;
  qna: QnaService;
  polls: PollService;
  booths: BoothService;
  running: RunningOrderService;
  /** Recent caption lines for the snapshot. */
  captions?: Pick<CaptionService, 'recent'>;
  clock: () => Date;
}

/**
 * Which rooms a socket is in follows from who its caller is, at every
 * moment: on joining a session, and again whenever the caller's roles or
 * status change (realtime/auth.ts announces that on every process). A
 * demoted moderator leaves the moderators' room at once and gets a fresh,
 * delegate's snapshot; a promoted one enters it and gets the moderator's;
 * someone who may no longer be in the session is taken out of it.
 */
/** The parts of a join snapshot read once for every caller (the Q&A and polls as stored, each caller's view is made from them). */
interface SessionParts {
  session: Awaited<ReturnType<ProgrammeService['requireSession']>>;
  queue: QueueState;
  booths: JoinAck['booths'];
  run: JoinAck['run'];
  captions: Awaited<ReturnType<CaptionService['recent']>>;
  qna: QnaRead;
  polls: Poll[];
}

/**
 * How many joins finish (snapshot made, ack encoded and written) in one
 * event-loop turn; the rest wait for the next turns. A rush's joins
 * otherwise all finish in the turn their shared read came back in, and a
 * floor change's reply from the store, with the broadcast it triggers,
 * waited behind all of them (issue #10's rush).
 */
export const joinsPerTurn = 20;

export class Membership {
  private readonly deps: MembershipDeps;
  /** Per session, the shared read the joins of this moment wait for (not started yet). */
  private readonly batches = new Map<string, Promise<SessionParts>>();
  private readonly gate = new TurnGate(joinsPerTurn);
  /**
   * Per session, the newest queue state broadcast from this process (or
   * re-read after another process's change): a join that waited for its
   * turn acks that one when it is newer than its read, so no join acks a
   * floor older than one already broadcast to its rooms. One per session
   * that changed, kept: a newer read does not make it safe to drop, since
   * a join of an older batch may still reach the gate after (a secret
   * poll's ballot read can reorder them).
   */
  private readonly latestQueues = new Map<string, QueueState>();

  constructor(deps: MembershipDeps) {
    this.deps = deps;
  }

  /** Joins the session's rooms for this caller's role, then reads the snapshot (a change in between reaches us by broadcast; versions sort out the overlap). */
  async enter(socket: PlenarySocket, caller: Caller, eventId: string, sessionId: string): Promise<JoinAck> {
    this.joined(socket).set(`${eventId}/${sessionId}`, { eventId, sessionId });
    await this.placeInRooms(socket, caller, eventId, sessionId);
    return this.snapshot(caller, eventId, sessionId);
  }

  async leave(socket: PlenarySocket, caller: Caller, eventId: string, sessionId: string): Promise<void> {
    this.joined(socket).delete(`${eventId}/${sessionId}`);
    const pid = callerId(caller);
    await Promise.all([
      socket.leave(sessionRoom(eventId, sessionId)),
      socket.leave(moderatorRoom(eventId, sessionId)),
      pid ? socket.leave(participantRoom(eventId, sessionId, pid)) : Promise.resolve(),
    ]);
  }

  /** The caller's roles or status changed: move the socket between rooms now, then send each session's fresh snapshot. */
  async refresh(socket: PlenarySocket, caller: Caller): Promise<void> {
    for (const { eventId, sessionId } of [...this.joined(socket).values()]) {
      const allowed = decide(caller, 'session.join', { eventId, sessionId });
      if (!allowed.allowed) {
        await this.leave(socket, caller, eventId, sessionId);
        const message: SessionRemovedMessage = { sessionId, code: allowed.code, message: allowed.message };
        socket.emit(serverEvents.sessionRemoved, message);
        continue;
      }
      await this.placeInRooms(socket, caller, eventId, sessionId);
      try {
        socket.emit(serverEvents.sessionSnapshot, await this.snapshot(caller, eventId, sessionId));
      } catch (error) {
        this.deps.logger.error({ err: error, eventId, sessionId, socket: socket.id }, 'could not send a fresh snapshot after a role change');
      }
    }
  }

  private async placeInRooms(socket: PlenarySocket, caller: Caller, eventId: string, sessionId: string): Promise<void> {
    const moderator = decide(caller, 'queue.moderate', { eventId, sessionId }).allowed;
    const pid = callerId(caller);
    const rooms = [sessionRoom(eventId, sessionId), ...(pid ? [participantRoom(eventId, sessionId, pid)] : [])];
    if (moderator) rooms.push(moderatorRoom(eventId, sessionId));
    else await socket.leave(moderatorRoom(eventId, sessionId));
    await socket.join(rooms);
  }

  /** A queue state just broadcast (or re-read after another process's change): the newest a join may ack. */
  queueChanged(state: QueueState): void {
    const key = `${state.eventId}/${state.sessionId}`;
    const held = this.latestQueues.get(key);
    if (!held || held.version < state.version) this.latestQueues.set(key, state);
  }

  async snapshot(caller: Caller, eventId: string, sessionId: string): Promise<JoinAck> {
    const moderator = decide(caller, 'queue.moderate', { eventId, sessionId }).allowed;
    const pid = callerId(caller);
    const parts = await this.sessionParts(eventId, sessionId);
    const viewer = { participantId: pid, moderator };
    // Only a secret open poll needs a read of this caller's own (its ballot).
    const polls = await this.deps.polls.snapshotFor(parts.polls, viewer);
    await this.gate.pass();
    const { session, booths, run, captions } = parts;
    const latest = this.latestQueues.get(`${eventId}/${sessionId}`);
    const queue = latest && latest.version > parts.queue.version ? latest : parts.queue;
    const qna = this.deps.qna.snapshotFor(parts.qna, viewer);
    const roles = caller.kind === 'participant' ? caller.participant.roles.filter((r) => r.sessionId === sessionId) : [];
    const languagesOf = (role: string): string[] => roles.filter((r) => r.role === role && r.language).map((r) => r.language as string);
    const panelist = caller.kind === 'participant' && hasSessionRole(caller.participant, sessionId, 'panelist');
    return {
      sessionId,
      session: { sessionId, status: session.status, version: session.rev },
      you: { participantId: pid, name: callerName(caller), moderator, panelist, canRequestFloor: caller.kind === 'participant' },
      queue: queueMessage(queue, this.deps.clock()),
      qna,
      polls,
      booths,
      access: { interpreterLanguages: languagesOf('interpreter'), captionLanguages: languagesOf('captioner'), signInterpreter: roles.some((r) => r.role === 'sign_interpreter') },
      run,
      captions: captions.map(({ by: _by, ...line }) => line),
    };
  }

  /**
   * The caller-independent parts of a snapshot (session, queue, booths with
   * their interpreters' names, running order, recent captions), read once
   * for all the joins of one event-loop turn: a rush of joins costs one read
   * per turn, not one per join (the booths' names alone list the event's
   * participants; issue #10's rush). The read starts after every waiting
   * join entered the rooms, so a change made meanwhile is either in it or
   * broadcast to them.
   */
  private sessionParts(eventId: string, sessionId: string): Promise<SessionParts> {
    const key = `${eventId}/${sessionId}`;
    let batch = this.batches.get(key);
    if (!batch) {
      batch = new Promise<SessionParts>((resolve, reject) => {
        setImmediate(() => {
          this.batches.delete(key);
          this.readSessionParts(eventId, sessionId).then(resolve, reject);
        });
      });
      this.batches.set(key, batch);
    }
    return batch;
  }

  private async readSessionParts(eventId: string, sessionId: string): Promise<SessionParts> {
    const [session, queue, booths, run, captions, qna, polls] = await Promise.all([
      this.deps.programme.requireSession(eventId, sessionId),
      this.deps.floor.state(eventId, sessionId),
      this.deps.booths.state(eventId, sessionId).then(async (state) => ({ sessionId, version: state.version, booths: await this.deps.booths.views(eventId, sessionId, state) })),
      this.deps.running.message(eventId, sessionId),
      this.deps.captions?.recent(eventId, sessionId) ?? Promise.resolve([]),
      this.deps.qna.readAll(eventId, sessionId),
      this.deps.polls.list(eventId, sessionId),
    ]);
    return { session, queue, booths, run, captions, qna, polls };
  }

  /** The participants joined to a session now, on every process (each once, however many sockets they have). */
  async present(eventId: string, sessionId: string): Promise<Participant[]> {
    const sockets = await this.deps.io.in(sessionRoom(eventId, sessionId)).fetchSockets();
    const byId = new Map<string, Participant>();
    for (const s of sockets) {
      const caller = s.data.caller;
      if (caller?.kind === 'participant') byId.set(caller.participant.id, caller.participant);
    }
    return [...byId.values()];
  }

  private joined(socket: PlenarySocket): Map<string, Joined> {
    const data = socket.data;
    data.sessions ??= new Map();
    return data.sessions;
  }
}
