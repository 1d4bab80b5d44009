import type { Actor } from '../domain/actor.ts';
import type { ForumEvent, Session } from '../domain/programme.ts';
import { writes, type DocumentStore, type Stored } from './port.ts';

export interface AuditEntry {
  id: string;
  eventId: string;
  at: string;
  actor: Actor;
  action: string;
  target: { type: string; id: string };
  before: unknown;
  after: unknown;
}

/** Typed access to the collections the programme uses. */
export class ProgrammeRepository {
  private readonly store: DocumentStore;

  constructor(store: DocumentStore) {
    this.store = store;
  }

  listEvents(): Promise<Stored<ForumEvent>[]> {
    return this.store.find<ForumEvent>('events');
  }

  getEvent(id: string): Promise<Stored<ForumEvent> | null> {
    return this.store.get<ForumEvent>('events', id);
  }

  putEvent(event: ForumEvent): Promise<Stored<ForumEvent>> {
    return this.store.put('events', event);
  }

  async listSessions(eventId: string): Promise<Stored<Session>[]> {
    return (await this.store.find<Session>('sessions', { eventId })).map(withPublicId);
  }

  async getSession(eventId: string, sessionId: string): Promise<Stored<Session> | null> {
    const session = await this.store.get<Session>('sessions', sessionKey(eventId, sessionId));
    return session ? withPublicId(session) : null;
  }

  async insertSession(session: Session): Promise<Stored<Session>> {
    return withPublicId(await this.store.insert('sessions', { ...session, id: sessionKey(session.eventId, session.id) }));
  }

  async updateSession(session: Stored<Session>): Promise<Stored<Session>> {
    return withPublicId(await this.store.update('sessions', { ...session, id: sessionKey(session.eventId, session.id) }));
  }

  async putSession(session: Session): Promise<Stored<Session>> {
    return withPublicId(await this.store.put('sessions', { ...session, id: sessionKey(session.eventId, session.id) }));
  }

  /** Saves a session change and its audit entry in one atomic write (compare-and-set on the session). */
  async updateSessionAudited(session: Stored<Session>, audit: AuditEntry): Promise<Stored<Session>> {
    const [rev] = await this.store.write([
      writes.update('sessions', { ...session, id: sessionKey(session.eventId, session.id) }),
      writes.insert('audit', audit),
    ]);
    return { ...session, rev: rev ?? session.rev + 1 };
  }

  appendAudit(entry: AuditEntry): Promise<Stored<AuditEntry>> {
    return this.store.insert('audit', entry);
  }

  listAudit(eventId: string): Promise<Stored<AuditEntry>[]> {
    return this.store.find<AuditEntry>('audit', { eventId });
  }
}

// Session ids are short and readable ("opening") and unique within an
// event; the stored key qualifies them with the event so events never clash.
function sessionKey(eventId: string, sessionId: string): string {
  return sessionId.startsWith(`${eventId}/`) ? sessionId : `${eventId}/${sessionId}`;
}

function withPublicId<T extends { id: string; eventId: string }>(doc: T): T {
  const prefix = `${doc.eventId}/`;
  return doc.id.startsWith(prefix) ? { ...doc, id: doc.id.slice(prefix.length) } : doc;
}
