import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { parseCookie } from 'cookie';
import { AppError } from '../errors.ts';
import {
  initialStatus,
  normalizeRoles,
  sessionsWithRoles,
  type Participant,
  type ParticipantStatus,
  type SessionRole,
} from '../domain/participants.ts';
import type { ForumEvent, Language, Session } from '../domain/programme.ts';
import type { Logger } from '../logger.ts';
import type { Notifier } from '../mail/mailer.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { DuplicateEmailError, type Credential, type ParticipantRepository } from '../store/participant-repository.ts';
import type { Stored } from '../store/port.ts';
import { anonymous, type Caller } from './caller.ts';
import { bearerToken, sameSecret, type CallerResolver } from './resolve.ts';
import type { InvitationInput, ParticipantPatch, RegistrationInput } from './schemas.ts';
import { hashSecret, looksLikeSecret, newSecret } from './tokens.ts';

/** The browser session cookie (httpOnly, SameSite=Lax); its value is a random id, stored hashed. */
export const sessionCookieName = 'plenary_session';
export const sessionMaxAgeMs = 30 * 24 * 3600 * 1000;
/** The first-start organiser link works once, within a day. */
export const oneTimeLinkTtlMs = 24 * 3600 * 1000;

export interface IdentityEvents {
  /** Every token and browser session of the participant stopped working. */
  revoked: [{ participantId: string; eventId: string }];
  /** Status, roles or organiser flag changed: re-check what the participant may do. */
  changed: [{ participant: Participant; previous: Participant }];
  /** One browser session ended (sign-out); `sessionKey` is the stored hash of its cookie. */
  'signed-out': [{ participantId: string; sessionKey: string }];
}

export type Actor = { kind: 'organizer-token' | 'participant' | 'system'; id: string | null; name: string | null };

export function actorOf(caller: Caller): Actor {
  if (caller.kind === 'participant') return { kind: 'participant', id: caller.participant.id, name: caller.participant.name };
  if (caller.kind === 'organizer-token') return { kind: 'organizer-token', id: null, name: 'Organiser (token)' };
  return { kind: 'system', id: null, name: null };
}

export interface Issued {
  participant: Participant;
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

export interface IdentityServiceOptions {
  repo: ParticipantRepository;
  programme: ProgrammeService;
  notifier: Notifier;
  logger: Logger;
  organizerToken: string | undefined;
  /** The public base URL, for links (read when a link is made: the port is known only after listen). */
  baseUrl: () => string;
  clock?: () => Date;
}

/**
 * Who is who: participants, registration and approval, invitation tokens,
 * browser sessions, roles and personal agendas. It resolves callers for HTTP
 * and Socket.IO (CallerResolver) and announces revocations and changes so
 * open sockets can be cut or re-checked at once.
 */
export class IdentityService extends EventEmitter<IdentityEvents> implements CallerResolver {
  readonly repo: ParticipantRepository;
  private readonly programme: ProgrammeService;
  private readonly notifier: Notifier;
  private readonly logger: Logger;
  private readonly organizerToken: string | undefined;
  private readonly baseUrl: () => string;
  private readonly clock: () => Date;

  constructor(options: IdentityServiceOptions) {
    super();
    this.repo = options.repo;
    this.programme = options.programme;
    this.notifier = options.notifier;
    this.logger = options.logger;
    this.organizerToken = options.organizerToken;
    this.baseUrl = options.baseUrl;
    this.clock = options.clock ?? (() => new Date());
  }

  get mailEnabled(): boolean {
    return this.notifier.enabled;
  }

  /** The public base URL, without a trailing slash. */
  get publicUrl(): string {
    return this.baseUrl();
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

  // --- registration and invitations ---------------------------------------

  /**
   * Self-registration. The four constituent groups are approved at once and
   * get their sign-in token; `other` waits for an organiser (no token yet).
   */
  async register(eventId: string, input: RegistrationInput, fallbackLanguage: Language): Promise<{ participant: Participant; token?: string; link?: string }> {
    const event = await this.programme.requireEvent(eventId);
    const participant = await this.create(event, input, fallbackLanguage, { source: 'registration', roles: [], organizer: false });
    await this.audit(eventId, { kind: 'system', id: null, name: null }, 'participant.register', participant.id, null, participant);
    if (participant.status !== 'approved') {
      this.logger.info({ participantId: participant.id, group: participant.group }, 'registration waiting for approval');
      return { participant };
    }
    const token = await this.issue(participant, 'invitation');
    this.notifier.invitation(participant, event, this.linkFor(token), 'registered');
    return { participant, token, link: this.linkFor(token) };
  }

  /** An organiser adds a participant: approved, with a token and its link. */
  async invite(eventId: string, input: InvitationInput, actor: Actor): Promise<Issued> {
    const event = await this.programme.requireEvent(eventId);
    const sessions = await this.programme.sessions(eventId);
    const roles = checkRoles(input.roles ?? [], sessions);
    const participant = await this.create(event, input, input.language ?? 'en', {
      source: 'invitation',
      roles,
      organizer: input.organizer ?? false,
      headOfState: input.headOfState ?? false,
      status: 'approved',
    });
    await this.audit(eventId, actor, 'participant.invite', participant.id, null, participant);
    const token = await this.issue(participant, 'invitation');
    const link = this.linkFor(token);
    this.notifier.invitation(participant, event, link, 'invited', sessions);
    return { participant, token, link };
  }

  private async create(
    event: ForumEvent,
    input: RegistrationInput,
    fallbackLanguage: Language,
    extra: { source: Participant['source']; roles: SessionRole[]; organizer: boolean; headOfState?: boolean; status?: ParticipantStatus },
  ): Promise<Participant> {
    const now = this.clock().toISOString();
    const participant: Participant = {
      id: crypto.randomUUID(),
      eventId: event.id,
      name: input.name,
      email: input.email,
      organization: input.organization,
      country: input.country,
      group: input.group,
      gender: input.gender ?? null,
      language: input.language ?? fallbackLanguage,
      timeZone: input.timeZone ?? null,
      status: extra.status ?? initialStatus(input.group),
      statusReason: null,
      organizer: extra.organizer,
      headOfState: extra.headOfState ?? false,
      roles: extra.roles,
      bookmarks: [],
      createdAt: now,
      updatedAt: now,
      source: extra.source,
      signedInAt: null,
      revokedAt: null,
    };
    try {
      return withoutRev(await this.repo.insert(participant));
    } catch (error) {
      if (error instanceof DuplicateEmailError) {
        throw new AppError('duplicate_registration', 'Someone is already registered for this event with that e-mail address.');
      }
      throw error;
    }
  }

  private async issue(participant: Participant, kind: Credential['kind']): Promise<string> {
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
    return token;
  }

  // --- organiser actions -------------------------------------------------

  async list(eventId: string, status?: ParticipantStatus): Promise<Participant[]> {
    await this.programme.requireEvent(eventId);
    const all = (await this.repo.list(eventId)).map(withoutRev);
    return status ? all.filter((p) => p.status === status) : all;
  }

  async require(eventId: string, participantId: string): Promise<Participant> {
    const participant = await this.repo.get(participantId);
    if (!participant || participant.eventId !== eventId) {
      throw new AppError('participant_not_found', `Event "${eventId}" has no participant "${participantId}".`);
    }
    return withoutRev(participant);
  }

  /**
   * Changes status (with a reason), roles or the organiser flag. Approving a
   * participant who has no token issues one and mails it; rejecting mails
   * the reason. Returns the token when one was issued.
   */
  async update(eventId: string, participantId: string, patch: ParticipantPatch, actor: Actor): Promise<{ participant: Participant; token?: string; link?: string }> {
    const event = await this.programme.requireEvent(eventId);
    const current = await this.require(eventId, participantId);
    if (patch.organizer === false || (patch.status !== undefined && patch.status !== 'approved')) await this.keepAnOrganizer(current);
    const sessions = patch.roles ? await this.programme.sessions(eventId) : [];
    const roles = patch.roles ? checkRoles(patch.roles, sessions) : undefined;
    const now = this.clock().toISOString();
    const result = await this.repo.mutate(participantId, (p) => {
      const next: Participant = { ...p, updatedAt: now };
      if (patch.status !== undefined && patch.status !== p.status) {
        next.status = patch.status;
        next.statusReason = patch.reason ?? null;
      } else if (patch.reason !== undefined) {
        next.statusReason = patch.reason;
      }
      if (roles) next.roles = roles;
      if (patch.organizer !== undefined) next.organizer = patch.organizer;
      if (patch.headOfState !== undefined) next.headOfState = patch.headOfState;
      return next;
    });
    if (!result) throw new AppError('participant_not_found', `Event "${eventId}" has no participant "${participantId}".`);
    const previous = withoutRev(result.before);
    const participant = withoutRev(result.after);
    await this.audit(eventId, actor, 'participant.update', participantId, previous, participant);
    if (authorityChanged(previous, participant)) this.emit('changed', { participant, previous });

    if (participant.status === 'rejected' && previous.status !== 'rejected') {
      this.notifier.rejection(participant, event, participant.statusReason);
    }
    if (participant.status === 'approved' && previous.status !== 'approved') {
      // Whoever is (re-)approved gets a fresh link by mail; a link from before
      // a rejection is retired, so only the one just sent works.
      const live = (await this.repo.listCredentials(participantId)).some((c) => c.kind === 'invitation' && !c.revokedAt);
      if (live) await this.repo.revokeCredentials(participantId, now);
      const token = await this.issue(participant, 'invitation');
      const link = this.linkFor(token);
      this.notifier.approval(participant, event, link);
      return { participant, token, link };
    }
    return { participant };
  }

  /**
   * An event must keep one organiser who can sign in: removing, rejecting or
   * revoking the last one would lock everybody out of the consoles (unless the
   * standing PLENARY_ORGANIZER_TOKEN is configured).
   */
  private async keepAnOrganizer(target: Participant): Promise<void> {
    if (!target.organizer || target.status !== 'approved' || this.organizerToken) return;
    const others = (await this.repo.listOrganizers(target.eventId)).filter((o) => o.id !== target.id && o.status === 'approved' && !o.revokedAt);
    if (others.length === 0) {
      throw new AppError('conflict', 'This is the last organiser of the event: make someone else an organiser first.');
    }
  }

  /** Ends every token, browser session and agenda feed address of the participant, at once. */
  async revoke(eventId: string, participantId: string, actor: Actor, options: { reissuing?: boolean } = {}): Promise<Participant> {
    const current = await this.require(eventId, participantId);
    if (!options.reissuing) await this.keepAnOrganizer(current);
    const now = this.clock().toISOString();
    await this.repo.revokeCredentials(participantId, now);
    await this.repo.removeSessions(participantId);
    await this.repo.removeCalendarTokens(participantId);
    const result = await this.repo.mutate(participantId, (p) => ({ ...p, revokedAt: now, updatedAt: now }));
    if (!result) throw new AppError('participant_not_found', `Event "${eventId}" has no participant "${participantId}".`);
    const participant = withoutRev(result.after);
    await this.audit(eventId, actor, 'participant.revoke', participantId, null, null);
    this.logger.info({ participantId }, 'participant tokens revoked');
    this.emit('revoked', { participantId, eventId });
    return participant;
  }

  /** Revokes the old tokens and issues a new invitation (mailed when mail is on). */
  async reissue(eventId: string, participantId: string, actor: Actor): Promise<Issued> {
    const event = await this.programme.requireEvent(eventId);
    const current = await this.require(eventId, participantId);
    if (current.status !== 'approved') {
      throw new AppError('conflict', 'Approve the participant before sending an invitation.');
    }
    await this.revoke(eventId, participantId, actor, { reissuing: true });
    const now = this.clock().toISOString();
    const result = await this.repo.mutate(participantId, (p) => ({ ...p, revokedAt: null, updatedAt: now }));
    const participant = result ? withoutRev(result.after) : current;
    const token = await this.issue(participant, 'invitation');
    const link = this.linkFor(token);
    this.notifier.invitation(participant, event, link, 'invited', await this.programme.sessions(eventId));
    return { participant, token, link };
  }

  /**
   * Fresh invitation links for every approved participant, for organisers
   * who hand links out themselves. Tokens are stored hashed, so a link can
   * only be shown when it is made: each export adds a new token per person;
   * earlier links keep working until revoked. A revoked participant is left
   * out: a fresh link would quietly undo the revocation (only `reissue`, a
   * deliberate act for one person, lifts it).
   */
  async exportInvitations(eventId: string, actor: Actor): Promise<Issued[]> {
    const rows: Issued[] = [];
    for (const participant of await this.list(eventId, 'approved')) {
      if (participant.revokedAt) continue;
      const token = await this.issue(participant, 'invitation');
      rows.push({ participant, token, link: this.linkFor(token) });
    }
    await this.audit(eventId, actor, 'participant.export-invitations', eventId, null, { count: rows.length });
    return rows;
  }

  /**
   * On a fresh start: make sure the event has an organiser who can sign in.
   * Creates "Organiser" when the event has none, and while no organiser has
   * ever signed in, issues a one-time sign-in link (valid 24 h, used once;
   * using one retires every other). Returns the link to print, or null.
   */
  async ensureOrganizer(eventId: string): Promise<string | null> {
    const organizers: Participant[] = (await this.repo.listOrganizers(eventId)).map((o) => withoutRev(o));
    if (organizers.some((o) => o.signedInAt)) return null;
    let bootstrap: Participant | undefined = organizers.find((o) => o.source === 'bootstrap');
    if (!bootstrap) {
      if (organizers.length > 0) return null;
      const event = await this.programme.requireEvent(eventId);
      try {
        bootstrap = await this.create(
          event,
          {
            name: 'Organiser',
            email: `organiser@${eventId}.invalid`,
            organization: event.organizer.en || 'Organiser',
            country: 'CH',
            group: 'international_organization',
          },
          'en',
          { source: 'bootstrap', roles: [], organizer: true, status: 'approved' },
        );
      } catch (error) {
        // Another server process starting at the same moment made it first; that one prints the link.
        if (error instanceof AppError && error.code === 'duplicate_registration') return null;
        throw error;
      }
      this.logger.info({ participantId: bootstrap.id, eventId }, 'created the first organiser');
    }
    // Earlier links (other processes, earlier starts) stay valid until they expire or one of them is used.
    return this.linkFor(await this.issue(bootstrap, 'one-time'));
  }

  // --- personal agenda ---------------------------------------------------

  async setBookmark(participant: Participant, sessionId: string, on: boolean): Promise<Participant> {
    await this.programme.requireSession(participant.eventId, sessionId);
    const result = await this.repo.mutate(participant.id, (p) => {
      const has = p.bookmarks.includes(sessionId);
      if (has === on) return null;
      // updatedAt moves so the agenda feed's Last-Modified follows the stars.
      const bookmarks = on ? [...p.bookmarks, sessionId] : p.bookmarks.filter((b) => b !== sessionId);
      return { ...p, bookmarks, updatedAt: this.clock().toISOString() };
    });
    if (!result) throw new AppError('participant_not_found', 'You are no longer registered.');
    return withoutRev(result.after);
  }

  /** A new agenda feed token (the previous feed URL stops working). */
  async resetCalendarToken(participant: Participant): Promise<string> {
    const token = newSecret();
    await this.repo.replaceCalendarToken({
      id: hashSecret(token),
      participantId: participant.id,
      eventId: participant.eventId,
      createdAt: this.clock().toISOString(),
    });
    return token;
  }

  async participantForCalendarToken(token: string): Promise<Participant | null> {
    if (!looksLikeSecret(token)) return null;
    const entry = await this.repo.getCalendarToken(hashSecret(token));
    if (!entry) return null;
    const participant = await this.repo.get(entry.participantId);
    return participant ? withoutRev(participant) : null;
  }

  // --- notifications -----------------------------------------------------

  /**
   * Tells the people who care about a session that it changed: everyone who
   * bookmarked it and everyone holding a role in it (approved participants
   * only). Call it after a programme edit; it returns who was told.
   */
  async notifyScheduleChange(event: ForumEvent, session: Session, participants?: readonly Participant[]): Promise<Participant[]> {
    const pool = participants ?? (await this.repo.list(event.id)).map(withoutRev);
    const recipients = pool.filter(
      (p) => p.status === 'approved' && (p.bookmarks.includes(session.id) || sessionsWithRoles(p).includes(session.id)),
    );
    this.notifier.scheduleChange(event, session, recipients);
    return recipients;
  }

  /**
   * The programme editor's hook (ProgrammeEditor's onCalendarChange): a
   * session that moved, was cancelled or was reinstated is mailed to those
   * who care; edits of wording alone reach them through their calendars.
   */
  onCalendarChange(event: ForumEvent, session: Session, changedFields: readonly string[]): void {
    const moved = changedFields.includes('start') || changedFields.includes('end');
    const cancelledOrBack = changedFields.includes('status') && (session.status === 'cancelled' || session.status === 'scheduled');
    if (!moved && !cancelledOrBack) return;
    this.notifyScheduleChange(event, session).then(
      (recipients) => this.logger.info({ eventId: event.id, sessionId: session.id, recipients: recipients.length }, 'schedule change notified'),
      (error: unknown) => this.logger.error({ err: error, sessionId: session.id }, 'schedule change notification failed'),
    );
  }

  private async audit(eventId: string, actor: Actor, action: string, targetId: string, before: unknown, after: unknown): Promise<void> {
    await this.programme.repo.appendAudit({
      id: crypto.randomUUID(),
      eventId,
      at: this.clock().toISOString(),
      actor,
      action,
      target: { type: 'participant', id: targetId },
      before: redactForAudit(before),
      after: redactForAudit(after),
    });
  }
}

export function sessionCookieOf(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[sessionCookieName] || undefined;
}

function checkRoles(roles: readonly SessionRole[], sessions: readonly Session[]): SessionRole[] {
  const known = new Set(sessions.map((s) => s.id));
  const unknown = roles.filter((r) => !known.has(r.sessionId)).map((r) => r.sessionId);
  if (unknown.length > 0) {
    throw new AppError('session_not_found', `This event has no session ${[...new Set(unknown)].map((id) => `"${id}"`).join(', ')}.`);
  }
  return normalizeRoles(roles);
}

function authorityChanged(a: Participant, b: Participant): boolean {
  return a.status !== b.status || a.organizer !== b.organizer || a.headOfState !== b.headOfState || JSON.stringify(a.roles) !== JSON.stringify(b.roles);
}

export function withoutRev<T extends object>(doc: T & { rev?: number }): T {
  const { rev: _rev, ...rest } = doc;
  return rest as T;
}

function redactForAudit(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const { bookmarks: _b, ...rest } = value as Record<string, unknown>;
  return rest;
}
