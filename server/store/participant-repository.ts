import crypto from 'node:crypto';
import { emailKey, type Participant } from '../domain/participants.ts';
import { retryOnConflict } from '../services/retry.ts';
import { StoreConflictError, type DocumentStore, type Stored } from './port.ts';

/** An invitation (sign-in) token, stored by the SHA-256 of the secret. */
export interface Credential {
  /** hex SHA-256 of the token */
  id: string;
  participantId: string;
  eventId: string;
  /** `invitation` signs in by link or bearer until revoked; `one-time` only by link, once, before it expires. */
  kind: 'invitation' | 'one-time';
  createdAt: string;
  expiresAt: string | null;
  usedAt: string | null;
  revokedAt: string | null;
}

/** A browser signed in by a link: the cookie holds a random id, stored hashed and tied to the credential used. */
export interface WebSession {
  /** hex SHA-256 of the cookie value */
  id: string;
  participantId: string;
  eventId: string;
  credentialId: string;
  createdAt: string;
  expiresAt: string;
}

/** A personal agenda feed token: separate from sign-in, stored hashed. */
export interface CalendarToken {
  id: string;
  participantId: string;
  eventId: string;
  createdAt: string;
}

interface EmailClaim {
  id: string;
  participantId: string;
}

type StoredParticipant = Participant & { emailKey: string };

const participants = 'participants';
const emails = 'participant_emails';
const credentials = 'credentials';
const sessions = 'web_sessions';
const calendarTokens = 'calendar_tokens';
const secrets = 'secrets';

export class DuplicateEmailError extends Error {
  constructor() {
    super('duplicate e-mail');
    this.name = 'DuplicateEmailError';
  }
}

/** Typed access to participants and their secrets (all hashed). */
export class ParticipantRepository {
  private readonly store: DocumentStore;

  constructor(store: DocumentStore) {
    this.store = store;
  }

  async get(id: string): Promise<Stored<Participant> | null> {
    const doc = await this.store.get<StoredParticipant>(participants, id);
    return doc ? strip(doc) : null;
  }

  async list(eventId: string): Promise<Stored<Participant>[]> {
    return (await this.store.find<StoredParticipant>(participants, { eventId })).map(strip);
  }

  async listOrganizers(eventId: string): Promise<Stored<Participant>[]> {
    return (await this.store.find<StoredParticipant>(participants, { eventId, organizer: true })).map(strip);
  }

  /**
   * Inserts a participant after claiming its e-mail for the event, so two
   * registrations racing with one address cannot both succeed.
   */
  async insert(participant: Participant): Promise<Stored<Participant>> {
    const key = emailKey(participant.email);
    const claim: EmailClaim = { id: emailClaimId(participant.eventId, key), participantId: participant.id };
    try {
      await this.store.insert(emails, claim);
    } catch (error) {
      if (error instanceof StoreConflictError) throw new DuplicateEmailError();
      throw error;
    }
    try {
      return strip(await this.store.insert<StoredParticipant>(participants, { ...participant, emailKey: key }));
    } catch (error) {
      await this.store.remove(emails, claim.id);
      throw error;
    }
  }

  /**
   * Read-modify-write with compare-and-set, retried on a concurrent change
   * with the one retry policy (services/retry.ts): when the participant keeps
   * changing under us the caller gets a coded `conflict` (409), not a 500.
   * `change` returns the new participant, or null to leave it as it is; it
   * may run more than once, so it must not have side effects.
   */
  mutate(
    id: string,
    change: (current: Stored<Participant>) => Participant | null,
  ): Promise<{ before: Stored<Participant>; after: Stored<Participant> } | null> {
    return retryOnConflict(async () => {
      const raw = await this.store.get<StoredParticipant>(participants, id);
      if (!raw) return null;
      const before = strip(raw);
      const next = change(before);
      if (!next) return { before, after: before };
      const saved = await this.store.update<StoredParticipant>(participants, { ...next, id, rev: raw.rev, emailKey: emailKey(next.email) });
      return { before, after: strip(saved) };
    });
  }

  // --- credentials ---

  addCredential(credential: Credential): Promise<Stored<Credential>> {
    return this.store.insert(credentials, credential);
  }

  getCredential(hash: string): Promise<Stored<Credential> | null> {
    return this.store.get<Credential>(credentials, hash);
  }

  listCredentials(participantId: string): Promise<Stored<Credential>[]> {
    return this.store.find<Credential>(credentials, { participantId });
  }

  /** Marks a one-time credential used; false when someone used it first. */
  async consumeCredential(credential: Stored<Credential>, at: string): Promise<boolean> {
    try {
      await this.store.update(credentials, { ...credential, usedAt: at });
      return true;
    } catch (error) {
      if (error instanceof StoreConflictError) return false;
      throw error;
    }
  }

  /** Revokes every live credential of the participant; returns how many. */
  async revokeCredentials(participantId: string, at: string): Promise<number> {
    let count = 0;
    for (const credential of await this.listCredentials(participantId)) {
      if (credential.revokedAt) continue;
      await this.store.put(credentials, { ...credential, revokedAt: at });
      count++;
    }
    return count;
  }

  /** Retires the participant's one-time links that were never used (one of them just was). */
  async revokeUnusedOneTime(participantId: string, at: string): Promise<void> {
    for (const credential of await this.listCredentials(participantId)) {
      if (credential.kind === 'one-time' && !credential.usedAt && !credential.revokedAt) {
        await this.store.put(credentials, { ...credential, revokedAt: at });
      }
    }
  }

  // --- browser sessions ---

  addSession(session: WebSession): Promise<Stored<WebSession>> {
    return this.store.insert(sessions, session);
  }

  getSession(hash: string): Promise<Stored<WebSession> | null> {
    return this.store.get<WebSession>(sessions, hash);
  }

  removeSession(hash: string): Promise<boolean> {
    return this.store.remove(sessions, hash);
  }

  async removeSessions(participantId: string): Promise<number> {
    let count = 0;
    for (const session of await this.store.find<WebSession>(sessions, { participantId })) {
      if (await this.store.remove(sessions, session.id)) count++;
    }
    return count;
  }

  // --- calendar tokens ---

  /** Replaces the participant's calendar token (the old feed URL stops working). */
  async replaceCalendarToken(token: CalendarToken): Promise<void> {
    await this.removeCalendarTokens(token.participantId);
    await this.store.insert(calendarTokens, token);
  }

  async removeCalendarTokens(participantId: string): Promise<void> {
    for (const old of await this.store.find<CalendarToken>(calendarTokens, { participantId })) {
      await this.store.remove(calendarTokens, old.id);
    }
  }

  getCalendarToken(hash: string): Promise<Stored<CalendarToken> | null> {
    return this.store.get<CalendarToken>(calendarTokens, hash);
  }

  async hasCalendarToken(participantId: string): Promise<boolean> {
    return (await this.store.find<CalendarToken>(calendarTokens, { participantId })).length > 0;
  }

  // --- server secrets ---

  /** A random server secret kept in the store, so every process of one deployment shares it. */
  async serverSecret(name: string): Promise<string> {
    const existing = await this.store.get<{ id: string; value: string }>(secrets, name);
    if (existing) return existing.value;
    try {
      return (await this.store.insert(secrets, { id: name, value: crypto.randomBytes(32).toString('base64url') })).value;
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      const winner = await this.store.get<{ id: string; value: string }>(secrets, name);
      if (!winner) throw error;
      return winner.value;
    }
  }
}

function emailClaimId(eventId: string, key: string): string {
  return `${eventId}:${key}`;
}

function strip(doc: Stored<StoredParticipant>): Stored<Participant> {
  const { emailKey: _key, ...participant } = doc;
  return participant;
}
