import crypto from 'node:crypto';
import { systemActor, type Actor } from '../domain/actor.ts';
import { callerId, callerName, type Caller } from '../identity/caller.ts';
import type { AuditEntry, ProgrammeRepository } from '../store/repositories.ts';

/** Who to name in the audit log; callers reach a service's audited writes only after `event.manage` was authorised. */
export function actorOf(caller: Caller): Actor {
  if (caller.kind === 'participant') return { kind: 'participant', id: callerId(caller), name: callerName(caller) };
  if (caller.kind === 'organizer-token') return { kind: 'organizer-token', id: null, name: callerName(caller) };
  return { ...systemActor };
}

/** What an entry is about: a session, a participant, … */
export interface AuditTarget {
  type: string;
  id: string;
}

/**
 * The event's audit log: who changed what, with the before and after. The
 * programme editor writes a session change and its entry as one write
 * (`entry` then `updateSessionAudited`); other changes append theirs.
 */
export class AuditLog {
  private readonly repo: ProgrammeRepository;
  private readonly clock: () => Date;

  constructor(repo: ProgrammeRepository, clock: () => Date = () => new Date()) {
    this.repo = repo;
    this.clock = clock;
  }

  /** An entry stamped now, not yet written. */
  entry(eventId: string, actor: Actor, action: string, target: AuditTarget, before: unknown, after: unknown): AuditEntry {
    return { id: crypto.randomUUID(), eventId, at: this.clock().toISOString(), actor, action, target, before, after };
  }

  async append(eventId: string, actor: Actor, action: string, target: AuditTarget, before: unknown, after: unknown): Promise<void> {
    await this.repo.appendAudit(this.entry(eventId, actor, action, target, before, after));
  }

  async list(eventId: string): Promise<AuditEntry[]> {
    return (await this.repo.listAudit(eventId)).map(({ rev: _rev, ...entry }) => entry);
  }
}
