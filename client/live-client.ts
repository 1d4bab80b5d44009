import type { Ack, ClientEventName, JoinAck } from '../server/protocol/events.ts';
import type { ClientInput, ServerToClientEvents } from '../server/protocol/socket-types.ts';
import type { PlenaryClientSocket } from './socket.ts';
import { applyPoll, applyQuestion, applyQueue, applyRun, applyStatus, recordVote, resync, type SessionView } from './session-state.ts';

/** The versioned broadcasts a view follows, and so the ones a join's snapshot may be older than. */
type Followed = 'queue:state' | 'qna:question' | 'qna:mode' | 'poll:state' | 'run:state' | 'session:state';
type MessageOf<E extends Followed> = Parameters<ServerToClientEvents[E]>[0];
/** A broadcast received during a join, merged into the view made from that join's snapshot. */
type Pending = (view: SessionView, ack: JoinAck) => void;
/** How long, and how many, broadcasts are kept for a pushed snapshot (far beyond the server's read-to-send time). */
const recentMs = 10_000;
const recentMax = 200;

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
   * Sessions whose join awaits its ack, and the broadcasts each received
   * meanwhile: the server puts the socket in the session's room before it
   * reads the snapshot, so a change in between (on any process) comes as a
   * broadcast ahead of an ack that may not include it. Each is merged into
   * the snapshot's view by the same rule as any broadcast (only if newer).
   */
  private readonly pending = new Map<string, Pending[]>();
  /**
   * The broadcasts of the last few seconds, per session, for a snapshot the
   * server pushes unasked (a role change's session:snapshot): a change made
   * after the server read it reaches the client first, and is merged into
   * the snapshot's view again by the same rule as a join's pending ones.
   */
  private readonly recent = new Map<string, { at: number; merge: Pending }[]>();
  /** A role change's snapshot that came while the session's first join awaited its ack. */
  private readonly pushedDuringJoin = new Map<string, JoinAck>();

  constructor(socket: PlenaryClientSocket, onChange: LiveClientEvents['change'] = () => {}, eventId?: string) {
    this.socket = socket;
    this.onChange = onChange;
    this.eventId = eventId;
    this.follow('queue:state', 'queue', (view, m) => applyQueue(view, m));
    // A question the snapshot already covers (its change is at or below the snapshot's Q&A version) is left alone: it may be one the
    // snapshot leaves out on purpose (hidden, or pending for a delegate), which an older broadcast would bring back.
    this.follow('qna:question', 'question', (view, m) => applyQuestion(view, m), (m, ack) => m.question.version > ack.qna.version);
    // Like the other broadcasts: a late or replayed older mode never undoes a newer one.
    this.follow('qna:mode', 'mode', (view, m) => {
      if (m.version <= (this.modeVersions.get(m.sessionId) ?? -1)) return false;
      this.modeVersions.set(m.sessionId, m.version);
      view.qnaMode = m.mode;
      return true;
    });
    this.follow('poll:state', 'poll', (view, m) => applyPoll(view, m));
    this.follow('run:state', 'run', (view, m) => applyRun(view, m));
    this.follow('session:state', 'status', (view, m) => applyStatus(view, m));
    // The caller's roles changed: a fresh snapshot for the new role (a demoted
    // moderator no longer holds pending questions), or removal from the session.
    socket.on('session:snapshot', (ack) => {
      if (this.joined.has(ack.sessionId)) this.adopt(ack, 'role', this.recentMerges(ack.sessionId));
      // Pushed while the first join awaits its ack, which may have been read before the change: taken after it.
      else if (this.pending.has(ack.sessionId)) this.pushedDuringJoin.set(ack.sessionId, ack);
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

  /**
   * Follows one broadcast: merged into the session's view as it comes, and
   * also kept while a join of that session awaits its ack, to be merged
   * again into the view made from the snapshot (if `newerThan` it, where the
   * merge rule alone cannot tell).
   */
  private follow<E extends Followed>(
    event: E,
    cause: string,
    apply: (view: SessionView, message: MessageOf<E>) => boolean,
    newerThan: (message: MessageOf<E>, ack: JoinAck) => boolean = () => true,
  ): void {
    const listener = (message: MessageOf<E>): void => {
      const merge: Pending = (view, ack) => {
        if (newerThan(message, ack)) apply(view, message);
      };
      this.pending.get(message.sessionId)?.push(merge);
      this.remember(message.sessionId, merge);
      const view = this.views.get(message.sessionId);
      if (view && apply(view, message)) this.onChange(message.sessionId, view, cause);
    };
    // The one widening of the socket's typing for listeners: `event` is a type parameter, whose listener type TypeScript cannot resolve.
    (this.socket as unknown as { on(event: Followed, listener: (message: MessageOf<E>) => void): void }).on(event, listener);
  }

  private remember(sessionId: string, merge: Pending): void {
    const now = Date.now();
    let list = this.recent.get(sessionId);
    if (!list) this.recent.set(sessionId, (list = []));
    // Oldest first: drop from the front what has aged out or is one too many.
    while (list.length > 0 && (now - list[0]!.at >= recentMs || list.length >= recentMax)) list.shift();
    list.push({ at: now, merge });
  }

  private recentMerges(sessionId: string): Pending[] {
    const now = Date.now();
    return (this.recent.get(sessionId) ?? []).filter((r) => now - r.at < recentMs).map((r) => r.merge);
  }

  async join(sessionId: string, cause = 'join'): Promise<SessionView> {
    // A join already under way for this session keeps the same list: whichever ack comes first takes it.
    const pending = this.pending.get(sessionId) ?? [];
    this.pending.set(sessionId, pending);
    let ack: JoinAck;
    try {
      ack = await this.request<JoinAck, 'session:join'>('session:join', { sessionId });
    } finally {
      if (this.pending.get(sessionId) === pending) this.pending.delete(sessionId);
    }
    this.joined.add(sessionId);
    const view = this.adopt(ack, cause, pending);
    const pushed = this.pushedDuringJoin.get(sessionId);
    this.pushedDuringJoin.delete(sessionId);
    return pushed ? this.adopt(pushed, 'role', pending) : view;
  }

  private adopt(ack: JoinAck, cause: string, pending: Pending[] = []): SessionView {
    const sessionId = ack.sessionId;
    const held = this.views.get(sessionId);
    const view = resync(held, ack);
    // The snapshot's mode is as of its Q&A version; a mode broadcast newer than that wins.
    const heldModeVersion = this.modeVersions.get(sessionId) ?? -1;
    if (held && heldModeVersion > ack.qna.version) view.qnaMode = held.qnaMode;
    else this.modeVersions.set(sessionId, ack.qna.version);
    // What came during the join, in the order it came: each only where newer than the snapshot, so a stale one never undoes it.
    for (const merge of pending) merge(view, ack);
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
    const wanted = !(this.views.get(sessionId)?.myVotes.has(questionId) ?? false);
    const ack = await this.request<{ voted: boolean }, 'qna:vote'>('qna:vote', { sessionId, questionId, vote: wanted, idempotencyKey });
    // The view may have been replaced meanwhile (a rejoin after a reconnect), from a snapshot read before the vote was stored.
    this.pending.get(sessionId)?.push((v) => recordVote(v, questionId, ack.voted));
    const view = this.views.get(sessionId);
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
