import { EventEmitter } from 'node:events';
import type { ExtendedError } from 'socket.io';
import type { PlenaryServer, PlenarySocket } from '../protocol/socket-types.ts';
import { AppError, type ErrorCode } from '../errors.ts';
import type { Participant } from '../domain/participants.ts';
import { anonymous, type Caller } from '../identity/caller.ts';
import { sessionCookieOf, type IdentityEvents } from '../identity/authentication.ts';
import type { CallerResolver } from '../identity/resolve.ts';
import { hashSecret } from '../identity/tokens.ts';
import type { Logger } from '../logger.ts';
import { clientAddress } from './rate-limit.ts';

/** A resolver that also announces revocations and changes (identity/authentication.ts). */
export interface SocketIdentity extends CallerResolver {
  fromSessionCookie(value: string): Promise<Caller>;
  on<K extends keyof IdentityEvents>(event: K, listener: (...args: IdentityEvents[K]) => void): unknown;
  off<K extends keyof IdentityEvents>(event: K, listener: (...args: IdentityEvents[K]) => void): unknown;
}

export interface SocketAuthOptions {
  /** Origins allowed to open sockets (ALLOWED_ORIGINS). Default: `ownOrigin` only. */
  allowedOrigins?: readonly string[] | undefined;
  /** The server's own public origin (PUBLIC_URL, or the listening URL); read per handshake. */
  ownOrigin: () => string;
  /**
   * Without ALLOWED_ORIGINS or PUBLIC_URL the server cannot know the name
   * browsers use for it (localhost, 127.0.0.1, a LAN name), so it also
   * accepts an Origin equal to the handshake's own Host. Off once either is set.
   */
  sameHostFallback?: boolean;
  /** Relay revocations to other server processes (the Redis Streams adapter). */
  crossProcess?: boolean;
  /**
   * Open sockets one participant may hold on this process (default 16: a
   * few devices with a few tabs each, and stale sockets of a flaky network
   * not yet timed out); one more is refused with `too_many_connections`.
   */
  maxSocketsPerParticipant?: number;
  /** Reverse proxies whose X-Forwarded-For to believe for the client's address (TRUST_PROXY). */
  trustProxy?: number;
  logger?: Logger;
}

export interface SocketAuthEvents {
  /** A connected participant's status or roles changed; `socket.data.caller` already holds the new caller. */
  'caller-changed': [{ socket: PlenarySocket; caller: Caller; previous: Participant }];
}

export interface SocketAuth extends EventEmitter<SocketAuthEvents> {
  /** The Socket.IO middleware: `io.use(auth.middleware)`. */
  middleware(socket: PlenarySocket, next: (error?: ExtendedError) => void): void;
  /** Open sockets of a participant on this process. */
  socketsOf(participantId: string): readonly PlenarySocket[];
  /** Disconnects a participant's sockets here (and, with crossProcess, everywhere). */
  disconnectParticipant(participantId: string): void;
  /** Stops listening to identity events. */
  close(): void;
}

interface SocketIdentityData {
  caller?: Caller;
  /** Stored hash of the browser session cookie the socket came with. */
  sessionKey?: string;
  /** The client's address, for per-address rate limits (rate-limit.ts). */
  clientAddress?: string;
}

export const defaultMaxSocketsPerParticipant = 16;

const crossProcessEvent = 'plenary:identity';

/**
 * PlenarySocket authentication: resolves `handshake.auth.token` (else the session
 * cookie) into `socket.data.caller`, refuses foreign Origins and presented
 * tokens that do not work, and cuts a participant's sockets the moment the
 * participant is revoked. Refusals reach the client as
 * `connect_error` with `err.data = { code, message }`.
 */
export function socketAuth(identity: SocketIdentity, options: SocketAuthOptions, io?: PlenaryServer): SocketAuth {
  const byParticipant = new Map<string, Set<PlenarySocket>>();
  const emitter = new EventEmitter<SocketAuthEvents>();

  const track = (participantId: string, socket: PlenarySocket): void => {
    let set = byParticipant.get(participantId);
    if (!set) {
      set = new Set();
      byParticipant.set(participantId, set);
    }
    set.add(socket);
    socket.once('disconnect', () => {
      set.delete(socket);
      if (set.size === 0 && byParticipant.get(participantId) === set) byParticipant.delete(participantId);
    });
  };

  const cutLocal = (participantId: string, why: string, filter: (s: PlenarySocket) => boolean = () => true): void => {
    const sockets = [...(byParticipant.get(participantId) ?? [])].filter(filter);
    for (const socket of sockets) socket.disconnect(true);
    if (sockets.length > 0) options.logger?.info({ participantId, sockets: sockets.length, why }, 'sockets disconnected');
  };

  const refreshLocal = (participant: Participant, previous: Participant): void => {
    for (const socket of [...(byParticipant.get(participant.id) ?? [])]) {
      if (participant.status !== 'approved') {
        socket.disconnect(true);
        continue;
      }
      const caller: Caller = { kind: 'participant', participant };
      socket.data.caller = caller;
      emitter.emit('caller-changed', { socket, caller, previous });
    }
  };

  const relay = (message: RelayMessage): void => {
    if (options.crossProcess && io) io.serverSideEmit(crossProcessEvent, message);
  };

  const onRevoked = ({ participantId }: IdentityEvents['revoked'][0]): void => {
    cutLocal(participantId, 'revoked');
    relay({ type: 'revoked', participantId });
  };
  const onChanged = ({ participant, previous }: IdentityEvents['changed'][0]): void => {
    refreshLocal(participant, previous);
    relay({ type: 'changed', participant, previous });
  };
  const onSignedOut = ({ participantId, sessionKey }: IdentityEvents['signed-out'][0]): void => {
    cutLocal(participantId, 'signed out', (s) => s.data.sessionKey === sessionKey);
    relay({ type: 'signed-out', participantId, sessionKey });
  };
  identity.on('revoked', onRevoked);
  identity.on('changed', onChanged);
  identity.on('signed-out', onSignedOut);

  const allowed = new Set((options.allowedOrigins ?? []).map(normalizeOrigin));
  const originOk = (socket: PlenarySocket): boolean => {
    const origin = socket.handshake.headers.origin;
    // Browsers always send Origin on cross-site requests and WebSocket
    // upgrades; a missing one is a non-browser client (or a same-origin GET).
    if (!origin) return true;
    const o = normalizeOrigin(origin);
    if (allowed.size > 0) return allowed.has(o);
    if (o === normalizeOrigin(options.ownOrigin())) return true;
    if (!options.sameHostFallback) return false;
    const host = socket.handshake.headers.host;
    return Boolean(host) && (o === `http://${host}` || o === `https://${host}`);
  };

  const middleware = (socket: PlenarySocket, next: (error?: ExtendedError) => void): void => {
    if (!originOk(socket)) {
      options.logger?.warn({ origin: socket.handshake.headers.origin }, 'socket refused: origin not allowed');
      next(refusal('origin_not_allowed', 'This site may not open a connection to the forum.'));
      return;
    }
    const data = socket.data;
    data.clientAddress = clientAddress(socket.handshake.address, socket.handshake.headers, options.trustProxy ?? 0);
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    const cookie = sessionCookieOf(socket.handshake.headers.cookie);
    const resolving =
      typeof token === 'string' && token
        ? identity.fromToken(token)
        : cookie
          ? identity.fromSessionCookie(cookie)
          : Promise.resolve(anonymous);
    resolving.then(
      (caller) => {
        // A token that was presented and does not work is an error the client must see.
        if (typeof token === 'string' && token && caller.kind === 'anonymous') {
          const code = caller.refused ?? 'unauthenticated';
          next(refusal(code, code === 'token_revoked' ? 'This invitation was revoked; ask an organiser for a new link.' : 'This token does not sign anyone in.'));
          return;
        }
        const maxSockets = options.maxSocketsPerParticipant ?? defaultMaxSocketsPerParticipant;
        if (caller.kind === 'participant' && (byParticipant.get(caller.participant.id)?.size ?? 0) >= maxSockets) {
          options.logger?.warn({ participantId: caller.participant.id, maxSockets }, 'socket refused: too many connections');
          next(refusal('too_many_connections', `At most ${maxSockets} connections at once; close another tab or window first.`));
          return;
        }
        data.caller = caller;
        if (caller.kind === 'participant') {
          if (!token && cookie) data.sessionKey = hashSecret(cookie);
          track(caller.participant.id, socket);
        }
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  };

  const auth = Object.assign(emitter, {
    middleware,
    socketsOf: (participantId: string) => [...(byParticipant.get(participantId) ?? [])],
    disconnectParticipant: (participantId: string) => {
      cutLocal(participantId, 'disconnected by the server');
      relay({ type: 'revoked', participantId });
    },
    close: () => {
      identity.off('revoked', onRevoked);
      identity.off('changed', onChanged);
      identity.off('signed-out', onSignedOut);
      if (io) io.off(crossProcessEvent, onRelay);
    },
  });

  function onRelay(message: RelayMessage): void {
    if (message.type === 'revoked') cutLocal(message.participantId, 'revoked elsewhere');
    else if (message.type === 'changed') refreshLocal(message.participant, message.previous);
    else cutLocal(message.participantId, 'signed out elsewhere', (s) => s.data.sessionKey === message.sessionKey);
  }

  if (io && options.crossProcess) io.on(crossProcessEvent, onRelay);
  return auth;
}

type RelayMessage =
  | { type: 'revoked'; participantId: string }
  | { type: 'changed'; participant: Participant; previous: Participant }
  | { type: 'signed-out'; participantId: string; sessionKey: string };

/** Installs socket authentication on a Socket.IO server; call before other middleware and handlers. */
export function attachSocketAuth(io: PlenaryServer, identity: SocketIdentity, options: SocketAuthOptions): SocketAuth {
  const auth = socketAuth(identity, options, io);
  io.use(auth.middleware);
  return auth;
}

function refusal(code: ErrorCode, message: string): ExtendedError {
  const error = new AppError(code, message) as AppError & ExtendedError;
  error.data = { code, message };
  return error;
}

function normalizeOrigin(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return origin.replace(/\/+$/, '').toLowerCase();
  }
}
