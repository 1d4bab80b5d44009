import { AppError } from '../errors.ts';
import type { ForumEvent, ProgrammeSessionView, Session } from '../domain/programme.ts';
import {
  applySessionPatch,
  cancelSession,
  newSession,
  sessionSlug,
  type EditResult,
  type SessionDraft,
  type SessionPatch,
} from '../domain/session-editing.ts';
import type { Actor } from '../domain/actor.ts';
import { StoreConflictError, type Stored } from '../store/port.ts';
import type { AuditEntry } from '../store/repositories.ts';
import type { AuditLog } from './audit-log.ts';
import type { ProgrammeService } from './programme-service.ts';
import { retryOnConflict } from './retry.ts';

export interface SessionEdit {
  /** The session as the programme API shows it (in the event zone). */
  session: ProgrammeSessionView;
  changed: boolean;
  /** The stored session after the edit (its revision versions status broadcasts). */
  stored?: Stored<Session>;
}

const maxAttempts = 4;

export interface ProgrammeEditorOptions {
  /**
   * Called after a saved change that calendars show (SEQUENCE went up), with
   * the fields that changed; schedule notices (schedule-notices.ts) mail
   * bookmarkers and role holders from here. Errors are the listener's to handle.
   */
  onCalendarChange?: (event: ForumEvent, session: Session, changedFields: string[]) => void;
  /** Called after a saved status change (live, ended, cancelled, scheduled), so live rooms hear of it. */
  onStatusChange?: (session: Stored<Session>) => void;
  /** Any saved change to the event's programme (created, edited, cancelled, opened, ended): cached renders are stale. */
  onChange?: (eventId: string) => void;
}

/**
 * Organisers' programme edits: create, change, cancel. Each write is a
 * compare-and-set on the session's revision (two organisers, or two server
 * processes, cannot overwrite each other: the loser re-applies its change
 * to the fresh document, and gives up with 409 conflict after a few tries),
 * and each change is written to the event's audit log.
 */
export class ProgrammeEditor {
  private readonly programme: ProgrammeService;
  private readonly auditLog: AuditLog;
  private readonly options: ProgrammeEditorOptions;

  constructor(programme: ProgrammeService, auditLog: AuditLog, options: ProgrammeEditorOptions = {}) {
    this.programme = programme;
    this.auditLog = auditLog;
    this.options = options;
  }

  async create(actor: Actor, eventId: string, draft: SessionDraft): Promise<SessionEdit> {
    const event = await this.programme.requireEvent(eventId);
    const repo = this.programme.repo;
    for (let attempt = 1; ; attempt++) {
      const taken = new Set((await repo.listSessions(eventId)).map((s) => s.id));
      const id = draft.id ?? sessionSlug(draft.title, taken);
      if (draft.id && taken.has(draft.id)) throw new AppError('conflict', `Event "${eventId}" already has a session "${draft.id}".`);
      const session = newSession(eventId, id, draft, event.zone, this.programme.now());
      let saved: Stored<Session>;
      try {
        saved = await repo.insertSession(session);
      } catch (error) {
        if (!(error instanceof StoreConflictError)) throw error;
        if (draft.id || attempt >= maxAttempts) throw new AppError('conflict', `Event "${eventId}" already has a session "${id}".`);
        continue; // someone took the generated id meanwhile: pick the next one
      }
      await this.record(actor, 'session.create', saved, null, snapshot(saved));
      this.options.onChange?.(eventId);
      return { session: await this.view(eventId, saved.id), changed: true, stored: saved };
    }
  }

  update(actor: Actor, eventId: string, sessionId: string, patch: SessionPatch): Promise<SessionEdit> {
    return this.edit(actor, eventId, sessionId, 'session.update', (current, zone) => applySessionPatch(current, patch, zone, this.programme.now()));
  }

  /** DELETE: the session is cancelled, never erased, so calendars can show it as cancelled. */
  cancel(actor: Actor, eventId: string, sessionId: string): Promise<SessionEdit> {
    return this.edit(actor, eventId, sessionId, 'session.cancel', (current) => cancelSession(current, this.programme.now()));
  }

  async audit(eventId: string): Promise<AuditEntry[]> {
    await this.programme.requireEvent(eventId);
    return this.auditLog.list(eventId);
  }

  private async edit(
    actor: Actor,
    eventId: string,
    sessionId: string,
    action: string,
    apply: (current: Stored<Session>, zone: string) => EditResult,
  ): Promise<SessionEdit> {
    const event = await this.programme.requireEvent(eventId);
    const { saved, result } = await retryOnConflict(async () => {
      const current = await this.programme.requireSession(eventId, sessionId);
      const result = apply(current, event.zone);
      if (!result.changed) return { saved: current, result };
      const before: Record<string, unknown> = {};
      const after: Record<string, unknown> = {};
      for (const [field, change] of Object.entries(result.changes)) {
        before[field] = change.before;
        after[field] = change.after;
      }
      if (result.calendarChanged) {
        before.sequence = current.sequence;
        after.sequence = result.session.sequence;
      }
      // The change and its audit entry are one write: neither exists without the other.
      const saved = await this.programme.repo.updateSessionAudited({ ...result.session, rev: current.rev }, this.auditEntry(actor, action, result.session, before, after));
      return { saved, result };
    });
    if (!result.changed) return { session: await this.view(eventId, sessionId), changed: false, stored: saved };
    this.options.onChange?.(eventId);
    if (result.calendarChanged) this.options.onCalendarChange?.(event, saved, Object.keys(result.changes));
    if ('status' in result.changes) this.options.onStatusChange?.(saved);
    return { session: await this.view(eventId, sessionId), changed: true, stored: saved };
  }

  private auditEntry(actor: Actor, action: string, session: Session, before: unknown, after: unknown): AuditEntry {
    return this.auditLog.entry(session.eventId, actor, action, { type: 'session', id: session.id }, before, after);
  }

  private async record(actor: Actor, action: string, session: Session, before: unknown, after: unknown): Promise<void> {
    await this.auditLog.append(session.eventId, actor, action, { type: 'session', id: session.id }, before, after);
  }

  private async view(eventId: string, sessionId: string): Promise<ProgrammeSessionView> {
    const programme = await this.programme.programme(eventId, undefined);
    const session = programme.sessions.find((s) => s.id === sessionId);
    if (!session) throw new AppError('session_not_found', `Event "${eventId}" has no session "${sessionId}".`);
    return session;
  }
}

function snapshot(session: Stored<Session>): Omit<Session, 'eventId'> {
  const { rev: _rev, eventId: _eventId, ...rest } = session;
  return rest;
}
