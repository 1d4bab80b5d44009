/**
 * Socket.IO's four event maps for Plenary, from the one contract in
 * events.ts and media-events.ts: the server is
 * `Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>`
 * and the browser's socket `Socket<ServerToClientEvents, ClientToServerEvents>`,
 * so an event name or payload that drifts fails the type check on both sides.
 */
import type { Server, Socket } from 'socket.io';
import type { z } from 'zod';
import type { Participant } from '../domain/participants.ts';
import type { Caller } from '../identity/caller.ts';
import type { PresenceMessage } from './presence.ts';
import type {
  Ack, BoothNoteMessage, BoothStateMessage, CaptionLineMessage, clientEvents, ClientEventName, JoinAck, PollStateMessage, QnaModeMessage, QnaQuestionMessage, QueueStateMessage, QueueTimerMessage,
  RunStateMessage, SessionRemovedMessage, SessionStateMessage,
} from './events.ts';
import type {
  ActiveSpeakerMessage, MediaSettings, NewProducerMessage, ProducerClosedMessage, ProducerPausedMessage, RejoinMessage,
} from './media-events.ts';

/** What a client may send for an event (before the server's schema fills in defaults). */
export type ClientInput<E extends ClientEventName> = z.input<(typeof clientEvents)[E]>;

/** Every client event carries a payload and an ack callback (design, section 4). */
export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: ClientInput<E>, ack: (reply: Ack) => void) => void;
};

export interface ServerToClientEvents {
  'queue:state': (message: QueueStateMessage) => void;
  'queue:timer': (message: QueueTimerMessage) => void;
  'qna:question': (message: QnaQuestionMessage) => void;
  'qna:mode': (message: QnaModeMessage) => void;
  'poll:state': (message: PollStateMessage) => void;
  'booth:state': (message: BoothStateMessage) => void;
  'booth:note': (message: BoothNoteMessage) => void;
  'caption:line': (message: CaptionLineMessage) => void;
  'run:state': (message: RunStateMessage) => void;
  'session:state': (message: SessionStateMessage) => void;
  'session:snapshot': (message: JoinAck) => void;
  'session:removed': (message: SessionRemovedMessage) => void;
  'session:presence': (message: PresenceMessage) => void;
  'media:new-producer': (message: NewProducerMessage) => void;
  'media:producer-closed': (message: ProducerClosedMessage) => void;
  'media:producer-paused': (message: ProducerPausedMessage) => void;
  'media:active-speaker': (message: ActiveSpeakerMessage) => void;
  'media:settings': (message: MediaSettings) => void;
  'media:rejoin': (message: RejoinMessage) => void;
}

/** What one identity change means to the other processes' sockets. */
export type IdentityRelayMessage =
  | { type: 'revoked'; participantId: string }
  | { type: 'changed'; participant: Participant; previous: Participant }
  | { type: 'signed-out'; participantId: string; sessionKey: string };

/** Between server processes (Redis): what each process's media layer, timers and sockets must hear. */
export interface InterServerEvents {
  'plenary:queue-changed': (eventId: string, sessionId: string, was: string | null, now: string | null) => void;
  'plenary:session-status': (eventId: string, sessionId: string, status: SessionStateMessage['status']) => void;
  'plenary:identity': (message: IdentityRelayMessage) => void;
  /** A booth's live interpreter changed (the media layers close the previous one's channel). */
  'plenary:booth-live': (eventId: string, sessionId: string, language: string, was: string | null, now: string | null) => void;
  /** The media layers' coordination (server/media/media-cluster.ts): producers held, pipes, heartbeats; JSON text. */
  'plenary:media': (message: string) => void;
  /** A session's running order changed (issue 18): the process playing its statement re-reads it. */
  'plenary:run-changed': (eventId: string, sessionId: string) => void;
  /** A caption line sent on one process (issue 13): the webcast encoder, wherever it runs, writes it as a subtitle cue. */
  'plenary:caption-line': (eventId: string, message: CaptionLineMessage) => void;
}

/** What the server keeps on each socket. */
export interface SocketData {
  /** Who is calling (realtime/auth.ts), replaced when their roles or status change. */
  caller?: Caller;
  /** Stored hash of the browser session cookie the socket came with. */
  sessionKey?: string;
  /** The client's address, for per-address rate limits. */
  clientAddress?: string;
  /** Sessions joined, by "eventId/sessionId" (realtime/membership.ts). */
  sessions?: Map<string, { eventId: string; sessionId: string }>;
}

export type PlenaryServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type PlenarySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
