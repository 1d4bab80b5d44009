import crypto from 'node:crypto';
import { AppError } from '../errors.ts';
import { admit } from '../domain/events.ts';
import { systemActor, type Actor } from '../domain/actor.ts';
import { initialStatus, normalizeRoles, type Participant, type ParticipantStatus, type SessionRole } from '../domain/participants.ts';
import type { ForumEvent, Language, Session } from '../domain/programme.ts';
import type { Authentication, IdentityAnnouncer } from '../identity/authentication.ts';
import type { InvitationInput, ParticipantPatch, RegistrationInput } from '../identity/schemas.ts';
import type { Logger } from '../logger.ts';
import type { Notifier } from '../mail/mailer.ts';
import { DuplicateEmailError, type ParticipantRepository } from '../store/participant-repository.ts';
import { withoutRev } from '../store/port.ts';
import type { AuditLog } from './audit-log.ts';
import type { ProgrammeService } from './programme-service.ts';

/** A participant with a sign-in token just made, and its link (shown once). */
export interface Issued {
  participant: Participant;
  token: string;
  link: string;
}

export interface ParticipantsAdminOptions {
  repo: ParticipantRepository;
  programme: ProgrammeService;
  /** Issues sign-in links, knows whether the standing organiser token is configured. */
  authentication: Pick<Authentication, 'issue' | 'hasOrganizerToken'>;
  /** Where revocations and changes are announced, so open sockets follow (the authentication's emitter). */
  announce: IdentityAnnouncer;
  audit: AuditLog;
  notifier: Notifier;
  logger: Logger;
  clock?: () => Date;
}

/**
 * Who takes part: registration and approval, invitations, roles, the
 * organiser flag, revocation, re-issued and exported links, and the first
 * organiser of a fresh event. Every organiser action is written to the audit
 * log; changes to what someone may do, and revocations, are announced so
 * their open sockets are re-checked or cut at once.
 */
export class ParticipantsAdmin {
  private readonly repo: ParticipantRepository;
  private readonly programme: ProgrammeService;
  private readonly authentication: Pick<Authentication, 'issue' | 'hasOrganizerToken'>;
  private readonly announce: IdentityAnnouncer;
  private readonly auditLog: AuditLog;
  private readonly notifier: Notifier;
  private readonly logger: Logger;
  private readonly clock: () => Date;

  constructor(options: ParticipantsAdminOptions) {
    this.repo = options.repo;
    this.programme = options.programme;
    this.authentication = options.authentication;
    this.announce = options.announce;
    this.auditLog = options.audit;
    this.notifier = options.notifier;
    this.logger = options.logger;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Links are mailed (SMTP_URL is set); otherwise organisers hand them out. */
  get mailEnabled(): boolean {
    return this.notifier.enabled;
  }

  // --- registration and invitations ---------------------------------------

  /**
   * Self-registration. The four constituent groups are approved at once and
   * get their sign-in token; `other` waits for an organiser (no token yet).
   */
  async register(eventId: string, input: RegistrationInput, fallbackLanguage: Language): Promise<{ participant: Participant; token?: string; link?: string }> {
    const event = await this.programme.requireEvent(eventId);
    // The event's registration settings decide: closed (to this group), approved at once, or waiting (domain/events.ts).
    const status = admit(event, input.group);
    const participant = await this.create(event, input, fallbackLanguage, { source: 'registration', roles: [], organizer: false, status });
    await this.audit(eventId, { ...systemActor }, 'participant.register', participant.id, null, participant);
    if (participant.status !== 'approved') {
      this.logger.info({ participantId: participant.id, group: participant.group }, 'registration waiting for approval');
      return { participant };
    }
    const { token, link } = await this.authentication.issue(participant, 'invitation');
    this.notifier.invitation(participant, event, link, 'registered');
    return { participant, token, link };
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
    // Invited with roles is a change of roles (from none): what is derived from them (booth views, pages) follows.
    if (roles.length > 0) this.announce.emit('changed', { participant, previous: { ...participant, roles: [] } });
    const { token, link } = await this.authentication.issue(participant, 'invitation');
    this.notifier.invitation(participant, event, link, 'invited', sessions);
    return { participant, token, link };
  }

  /**
   * The participant organiser who created `event` becomes its first
   * organiser. A participant belongs to one event, so this is a new record
   * in the new event (same name, e-mail, organisation, country, group),
   * approved, organiser, with its own invitation link, returned once.
   */
  async addCreator(event: ForumEvent, creator: Participant, actor: Actor): Promise<Issued> {
    const participant = await this.create(
      event,
      { name: creator.name, email: creator.email, organization: creator.organization, country: creator.country, group: creator.group, ...(creator.gender ? { gender: creator.gender } : {}), language: creator.language },
      creator.language,
      { source: 'invitation', roles: [], organizer: true, status: 'approved' },
    );
    await this.audit(event.id, actor, 'participant.invite', participant.id, null, participant);
    const { token, link } = await this.authentication.issue(participant, 'invitation');
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
    if (authorityChanged(previous, participant)) this.announce.emit('changed', { participant, previous });

    if (participant.status === 'rejected' && previous.status !== 'rejected') {
      this.notifier.rejection(participant, event, participant.statusReason);
    }
    if (participant.status === 'approved' && previous.status !== 'approved') {
      // Whoever is (re-)approved gets a fresh link by mail; a link from before
      // a rejection is retired, so only the one just sent works.
      const live = (await this.repo.listCredentials(participantId)).some((c) => c.kind === 'invitation' && !c.revokedAt);
      if (live) await this.repo.revokeCredentials(participantId, now);
      const { token, link } = await this.authentication.issue(participant, 'invitation');
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
    if (!target.organizer || target.status !== 'approved' || this.authentication.hasOrganizerToken) return;
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
    this.announce.emit('revoked', { participantId, eventId });
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
    const { token, link } = await this.authentication.issue(participant, 'invitation');
    this.notifier.invitation(participant, event, link, 'invited', await this.programme.sessions(eventId));
    return { participant, token, link };
  }

  /**
   * Fresh invitation links for every approved participant, for organisers
   * who hand links out themselves. Tokens are stored hashed, so a link can
   * only be shown when it is made: each export adds a new token per person;
   * earlier links keep working until revoked. A revoked participant is left
   * out: a fresh link would quietly undo the revocation (only `reissue`, a
   * deliberate act for one person, lifts it). `only` limits it to the
   * participants an organiser selected in the console.
   */
  async exportInvitations(eventId: string, actor: Actor, only?: ReadonlySet<string>): Promise<Issued[]> {
    const rows: Issued[] = [];
    for (const participant of await this.list(eventId, 'approved')) {
      if (participant.revokedAt || (only && !only.has(participant.id))) continue;
      const { token, link } = await this.authentication.issue(participant, 'invitation');
      rows.push({ participant, token, link });
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
    return (await this.authentication.issue(bootstrap, 'one-time')).link;
  }

  private async audit(eventId: string, actor: Actor, action: string, targetId: string, before: unknown, after: unknown): Promise<void> {
    await this.auditLog.append(eventId, actor, action, { type: 'participant', id: targetId }, redactForAudit(before), redactForAudit(after));
  }
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

/** A participant's bookmarks are their own business, not the audit log's. */
function redactForAudit(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const { bookmarks: _b, ...rest } = value as Record<string, unknown>;
  return rest;
}
