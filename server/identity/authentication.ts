import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { parseCookie } from 'cookie';
import type { Participant } from '../domain/participants.ts';
import type { Logger } from '../logger.ts';
import type { Credential, ParticipantRepository } from '../store/participant-repository.ts';
import { withoutRev, type Stored } from '../store/port.ts';
import { anonymous, type Caller } from './caller.ts';
import { bearerToken, sameSecret, type CallerResolver } from './resolve.ts';
import { hashSecret, looksLikeSecret, newSecret } from './tokens.ts';

/** The browser session cookie (httpOnly, SameSite=Lax); its value is a random id, stored hashed. */
export const sessionCookieName = 'plenary_session';
export const sessionMaxAgeMs = 30 * 24 * 3600 * 1000;
/** The first-start organiser link works once, within a day. */
export const oneTimeLinkTtlMs = 24 * 3600 * 1000;

/**
 * What open sockets must hear about at once (realtime/auth.ts listens).
 * Authentication announces sign-outs; participants administration
 * (services/participants-admin.ts) announces revocations and changes
 * through the same emitter.
 */
export interface IdentityEvents {
  /** Every token and browser session of the participant stopped working. */
  revoked: [{ participantId: string; eventId: string }];
  /** Status, roles or organiser flag changed: re-check what the participant may do. */
  changed: [{ participant: Participant; previous: Participant }];
  /** One browser session ended (sign-out); `sessionKey` is the stored hash of its cookie. */
  'signed-out': [{ participantId: string; sessionKey: string }];
}

/** The side of the emitter that announces (what participants administration is given). */
export type IdentityAnnouncer = Pick<EventEmitter<IdentityEvents>, 'emit'>;

/** A new sign-in credential, shown once (only its hash is stored). */
export interface IssuedLink {
  token: string;
  link: string;
}

export interface SignInResult {
  /** The cookie value: a random id (only its hash is stored). */
  sessionId: string;
  participant: Participant;
  maxAgeMs: number;
}

export type SignInFailure = 'invalid' | 'revoked' | 'used' | 'expired';

export interface AuthenticationOptions {
  repo: ParticipantRepository;
  logger: Logger;
  organizerToken: string | undefined;
  /** The public base URL, for links (read when a link is made: the port is known only after listen). */
  baseUrl: () => string;
  clock?: () => Date;
}

/**
 * Who is calling: resolves invitation tokens, the standing organiser token
 * and browser session cookies into callers for HTTP and Socket.IO
 * (CallerResolver); signs browsers in by link and out again; issues sign-in
 * credentials (invitation links, one-time organiser links). It is also the
 * emitter of IdentityEvents, so open sockets can be cut or re-checked at once.
 */
export class Authentication extends EventEmitter<IdentityEvents> implements CallerResolver {
  private readonly repo: ParticipantRepository;
  private readonly logger: Logger;
  private readonly organizerToken: string | undefined;
  private readonly baseUrl: () => string;
  private readonly clock: () => Date;

  constructor(options: AuthenticationOptions) {
    super();
    this.repo = options.repo;
    this.logger = options.logger;
    this.organizerToken = options.organizerToken;
    this.baseUrl = options.baseUrl;
    this.clock = options.clock ?? (() => new Date());
  }

  /** PLENARY_ORGANIZER_TOKEN is configured: organisers can always get in with it. */
  get hasOrganizerToken(): boolean {
    return Boolean(this.organizerToken);
  }

  linkFor(token: string): string {
    return `${this.baseUrl()}/i/${token}`;
  }

  // --- resolving callers -------------------------------------------------

  async fromToken(token: string): Promise<Caller> {
    if (this.organizerToken && sameSecret(token, this.organizerToken)) return { kind: 'organizer-token' };
    if (!looksLikeSecret(token)) return { kind: 'anonymous', refused: 'unauthenticated' };
    const credential = await this.repo.getCredential(hashSecret(token));
    // A one-time link signs a browser in once; it is never a bearer token.
    if (!credential || credential.kind !== 'invitation') return { kind: 'anonymous', refused: 'unauthenticated' };
    if (credential.revokedAt) return { kind: 'anonymous', refused: 'token_revoked' };
    return this.participantCaller(credential.participantId);
  }

  /** Bearer header first (and then only it), else the session cookie. */
  async fromHeaders(headers: IncomingHttpHeaders): Promise<Caller> {
    const token = bearerToken(headers);
    if (token !== undefined) return this.fromToken(token);
    const cookie = sessionCookieOf(headers.cookie);
    return cookie ? this.fromSessionCookie(cookie) : anonymous;
  }

  async fromSessionCookie(value: string): Promise<Caller> {
    if (!looksLikeSecret(value)) return anonymous;
    const session = await this.repo.getSession(hashSecret(value));
    if (!session || Date.parse(session.expiresAt) <= this.clock().getTime()) return anonymous;
    const credential = await this.repo.getCredential(session.credentialId);
    if (!credential) return anonymous;
    if (credential.revokedAt) return { kind: 'anonymous', refused: 'token_revoked' };
    return this.participantCaller(session.participantId);
  }

  private async participantCaller(participantId: string): Promise<Caller> {
    const participant = await this.repo.get(participantId);
    return participant ? { kind: 'participant', participant: withoutRev(participant) } : { kind: 'anonymous', refused: 'unauthenticated' };
  }

  // --- sign-in by link ---------------------------------------------------

  /** The credential behind a link if it would sign in now, else why not. */
  private async usableCredential(token: string, now: Date): Promise<Stored<Credential> | SignInFailure> {
    if (!looksLikeSecret(token)) return 'invalid';
    const credential = await this.repo.getCredential(hashSecret(token));
    if (!credential) return 'invalid';
    if (credential.revokedAt) return 'revoked';
    if (credential.kind === 'one-time') {
      if (credential.usedAt) return 'used';
      if (credential.expiresAt && Date.parse(credential.expiresAt) <= now.getTime()) return 'expired';
    }
    return credential;
  }

  /**
   * Whom a link would sign in, without using it (a one-time link stays
   * unused): to ask a browser already signed in as someone else first.
   */
  async linkHolder(token: string): Promise<Participant | SignInFailure> {
    const credential = await this.usableCredential(token, this.clock());
    if (typeof credential === 'string') return credential;
    const participant = await this.repo.get(credential.participantId);
    return participant ? withoutRev(participant) : 'invalid';
  }

  /** Opens an invitation link: a new browser session tied to the link's credential. */
  async signIn(token: string): Promise<SignInResult | SignInFailure> {
    const now = this.clock();
    const credential = await this.usableCredential(token, now);
    if (typeof credential === 'string') return credential;
    if (credential.kind === 'one-time') {
      if (!(await this.repo.consumeCredential(credential, now.toISOString()))) return 'used';
      await this.repo.revokeUnusedOneTime(credential.participantId, now.toISOString());
    }
    const changed = await this.repo.mutate(credential.participantId, (p) => ({ ...p, signedInAt: now.toISOString() }));
    if (!changed) return 'invalid';
    const sessionId = newSecret();
    await this.repo.addSession({
      id: hashSecret(sessionId),
      participantId: credential.participantId,
      eventId: credential.eventId,
      credentialId: credential.id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + sessionMaxAgeMs).toISOString(),
    });
    this.logger.info({ participantId: credential.participantId, via: credential.kind }, 'signed in by link');
    return { sessionId, participant: withoutRev(changed.after), maxAgeMs: sessionMaxAgeMs };
  }

  async signOut(sessionCookie: string): Promise<void> {
    if (!looksLikeSecret(sessionCookie)) return;
    const key = hashSecret(sessionCookie);
    const session = await this.repo.getSession(key);
    if (!session) return;
    await this.repo.removeSession(key);
    this.emit('signed-out', { participantId: session.participantId, sessionKey: key });
  }

  // --- issuing credentials -------------------------------------------------

  /**
   * A new sign-in credential for the participant and its link: an invitation
   * (also a bearer token, until revoked) or a one-time link (signs a browser
   * in once, within 24 hours). Earlier credentials keep working.
   */
  async issue(participant: Participant, kind: Credential['kind']): Promise<IssuedLink> {
    const token = newSecret();
    const now = this.clock();
    await this.repo.addCredential({
      id: hashSecret(token),
      participantId: participant.id,
      eventId: participant.eventId,
      kind,
      createdAt: now.toISOString(),
      expiresAt: kind === 'one-time' ? new Date(now.getTime() + oneTimeLinkTtlMs).toISOString() : null,
      usedAt: null,
      revokedAt: null,
    });
    return { token, link: this.linkFor(token) };
  }
}

export function sessionCookieOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[sessionCookieName] || undefined;
}
