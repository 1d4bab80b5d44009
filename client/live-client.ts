import type { Ack, ClientEventName, JoinAck, QnaQuestionMessage, QueueStateMessage, SessionStateMessage } from '../server/protocol/events.ts';
import type { ClientInput } from '../server/protocol/socket-types.ts';
import type { PlenaryClientSocket } from './socket.ts';
import { applyPoll, applyQuestion, applyQueue, applyRun, applyStatus, recordVote, resync, type SessionView } from './session-state.ts';

export interface LiveClientEvents {
  change(sessionId: string, view: SessionView, cause: string): void;
}

/**
 * Keeps SessionViews in step with the server over one socket, for any
 * number of sessions. Socket.IO's connection state recovery replays missed
 * packets; whether or not it succeeded, every reconnect re-joins and
 * resyncs from a snapshot, so the client ends with exactly the server's state.
 */
export class LiveClient {
  readonly views = new Map<string, SessionView>();
  private readonly socket: PlenaryClientSocket;
  private readonly onChange: LiveClientEvents['change'];
  private readonly joined = new Set<string>();
  private readonly eventId: string | undefined;
  /** The Q&A version each session's moderation mode is known at (the mode shares the Q&A counter). */
  private readonly modeVersions = new Map<string, number>();
  /**
   * Sessions whose first join awaits its ack, and the newest queue:state each
   * received meanwhile: the server puts the socket in the session's room before
   * it reads the snapshot, so a floor change in between (on any process) comes
   * as a broadcast ahead of an ack that may not include it.
   */
  private readonly joining = new Set<string>();
  private readonly earlyQueues = new Map<string, QueueStateMessage>();

  constructor(socket: PlenaryClientSocket, onChange: LiveClientEvents['change'] = () => {}, eventId?: string) {
    this.socket = socket;
    this.onChange = onChange;
    this.eventId = eventId;
    socket.on('queue:state', (m: QueueStateMessage) => {
      const view = this.views.get(m.sessionId);
      if (view) {
        if (applyQueue(view, m)) this.onChange(m.sessionId, view, 'queue');
        return;
      }
      // Joined the room, but the join's ack (the snapshot) is still on its way: the newest is kept for it.
      if (!this.joining.has(m.sessionId)) return;
      const early = this.earlyQueues.get(m.sessionId);
      if (!early || m.version > early.version) this.earlyQueues.set(m.sessionId, m);
    });
    socket.on('qna:question', (m: QnaQuestionMessage) => {
      const view = this.views.get(m.sessionId);
      if (view && applyQuestion(view, m)) this.onChange(m.sessionId, view, 'question');
    });
    socket.on('qna:mode', (m: { sessionId: string; mode: SessionView['qnaMode']; version: number }) => {
      const view = this.views.get(m.sessionId);
      // Like the other broadcasts: a late or replayed older mode never undoes a newer one.
      if (!view || m.version <= (this.modeVersions.get(m.sessionId) ?? -1)) return;
      this.modeVersions.set(m.sessionId, m.version);
      view.qnaMode = m.mode;
      this.onChange(m.sessionId, view, 'mode');
    });
    socket.on('poll:state', (m) => {
      const view = this.views.get(m.sessionId);
      if (view && applyPoll(view, m)) this.onChange(m.sessionId, view, 'poll');
    });
    socket.on('run:state', (m) => {
      const view = this.views.get(m.sessionId);
      if (view && applyRun(view, m)) this.onChange(m.sessionId, view, 'run');
    });
    socket.on('session:state', (m: SessionStateMessage) => {
      const view = this.views.get(m.sessionId);
      if (view && applyStatus(view, m)) this.onChange(m.sessionId, view, 'status');
    });
    // The caller's roles changed: a fresh snapshot for the new role (a demoted
    // moderator no longer holds pending questions), or removal from the session.
    socket.on('session:snapshot', (ack) => {
      if (this.joined.has(ack.sessionId)) this.adopt(ack, 'role');
    });
    socket.on('session:removed', (m) => {
      this.joined.delete(m.sessionId);
      const view = this.views.get(m.sessionId);
      this.views.delete(m.sessionId);
      if (view) this.onChange(m.sessionId, view, 'removed');
    });
    socket.on('connect', () => {
      // The first connect is followed by explicit joins; later ones are reconnects.
      for (const sessionId of this.joined) void this.join(sessionId, 'resync');
    });
  }

  async join(sessionId: string, cause = 'join'): Promise<SessionView> {
    this.joining.add(sessionId);
    let ack: JoinAck;
    try {
      ack = await this.request<JoinAck, 'session:join'>('session:join', { sessionId });
    } catch (error) {
      this.earlyQueues.delete(sessionId);
      throw error;
    } finally {
      this.joining.delete(sessionId);
    }
    this.joined.add(sessionId);
    return this.adopt(ack, cause);
  }

  private adopt(ack: JoinAck, cause: string): SessionView {
    const sessionId = ack.sessionId;
    const held = this.views.get(sessionId);
    const view = resync(held, ack);
    // A queue:state that came before the ack: whichever of it and the snapshot's is newer (by version) stands.
    const early = this.earlyQueues.get(sessionId);
    this.earlyQueues.delete(sessionId);
    if (early) applyQueue(view, early);
    // The snapshot's mode is as of its Q&A version; a mode broadcast newer than that wins.
    const heldModeVersion = this.modeVersions.get(sessionId) ?? -1;
    if (held && heldModeVersion > ack.qna.version) view.qnaMode = held.qnaMode;
    else this.modeVersions.set(sessionId, ack.qna.version);
    this.views.set(sessionId, view);
    this.onChange(sessionId, view, cause);
    return view;
  }

  /** Sends a client event; resolves with the ack or rejects with its coded error. */
  async request<T extends object, E extends ClientEventName = ClientEventName>(event: E, payload: ClientInput<E>): Promise<T> {
    const body: ClientInput<E> = this.eventId ? { eventId: this.eventId, ...payload } : payload;
    // A request with an idempotency key is safe to send again when its ack
    // is lost (timeout, connection cut): the server answers the copy with
    // the first answer. Others fail and let the person decide.
    const retriable = 'idempotencyKey' in payload && typeof payload.idempotencyKey === 'string';
    for (let attempt = 1; ; attempt += 1) {
      let ack: Ack<T>;
      try {
        ack = (await this.emitter(retriable ? 5_000 : 10_000).emitWithAck(event, body)) as Ack<T>;
      } catch (error) {
        if (!retriable || attempt >= 4) throw error;
        await this.connected();
        continue;
      }
      if (!ack.ok) throw Object.assign(new Error(ack.error.message), { code: ack.error.code });
      return ack as unknown as T;
    }
  }

  /**
   * The one place the socket's typing is widened: inside request() the event
   * is a type parameter, whose parameter list TypeScript cannot resolve;
   * every caller of request() was checked against ClientInput<E>.
   */
  private emitter(timeoutMs: number): { emitWithAck(event: ClientEventName, payload: unknown): Promise<Ack> } {
    return this.socket.timeout(timeoutMs) as unknown as { emitWithAck(event: ClientEventName, payload: unknown): Promise<Ack> };
  }

  private connected(): Promise<void> {
    return new Promise((resolve) => (this.socket.connected ? resolve() : this.socket.once('connect', () => resolve())));
  }

  async vote(sessionId: string, questionId: string, idempotencyKey: string): Promise<void> {
    const view = this.views.get(sessionId);
    const wanted = !(view?.myVotes.has(questionId) ?? false);
    const ack = await this.request<{ voted: boolean }, 'qna:vote'>('qna:vote', { sessionId, questionId, vote: wanted, idempotencyKey });
    if (view) {
      recordVote(view, questionId, ack.voted);
      this.onChange(sessionId, view, 'vote');
    }
  }
}

/** A random key per user action, reused by retries of that action. */
export function idempotencyKey(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
