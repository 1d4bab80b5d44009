import { AppError } from '../errors.ts';
import type { Actor } from '../domain/actor.ts';
import {
  applyEventPatch,
  assertDeletable,
  eventPhase,
  eventSettings,
  eventSpan,
  newEvent,
  type EventDraft,
  type EventPatch,
  type EventPhase,
  type EventSettings,
  type ManagedEvent,
} from '../domain/events.ts';
import type { Participant } from '../domain/participants.ts';
import type { Caller } from '../identity/caller.ts';
import { StoreConflictError, writes, type DocumentStore, type Stored } from '../store/port.ts';
import type { AuditLog } from './audit-log.ts';
import type { Issued } from './participants-admin.ts';
import type { ProgrammeService } from './programme-service.ts';
import { retryOnConflict } from './retry.ts';

/** An event as the API shows it: its settings filled in, where it stands, and when it runs. */
export type EventView = ManagedEvent & EventSettings & { phase: EventPhase; start: string | null; end: string | null; sessionCount: number };

export interface EventEditorOptions {
  store: DocumentStore;
  programme: ProgrammeService;
  audit: AuditLog;
  /**
   * Makes a participant organiser the first organiser of an event they
   * created (participants belong to one event: a new participant record in
   * the new event, with a fresh invitation link). ParticipantsAdmin.addCreator.
   */
  addCreator: (event: ManagedEvent, creator: Participant, actor: Actor) => Promise<Issued>;
  /** The event changed (created, edited, archived, deleted): cached renders are stale. */
  onChange?: (eventId: string) => void;
}

/**
 * Organisers' events: create, change (archive included) and delete. Each
 * change is one atomic store write of the event (compare-and-set on its
 * revision, retried) with its audit entry.
 */
export class EventEditor {
  private readonly options: EventEditorOptions;

  constructor(options: EventEditorOptions) {
    this.options = options;
  }

  private get store(): DocumentStore {
    return this.options.store;
  }

  async list(options: { includeArchived?: boolean } = {}): Promise<EventView[]> {
    const events = await this.options.programme.listEvents();
    const views = await Promise.all(events.map((e) => this.view(e)));
    return views.filter((v) => options.includeArchived || !v.archived);
  }

  async get(eventId: string): Promise<EventView> {
    return this.view(await this.options.programme.requireEvent(eventId));
  }

  /**
   * The creator becomes the event's first organiser: the standing organiser
   * token is organiser of every event already (nothing to add); a
   * participant organiser of another event gets an organiser record in the
   * new one, returned with its sign-in link.
   */
  async create(caller: Caller, actor: Actor, draft: EventDraft): Promise<{ event: EventView; organizer?: Issued }> {
    const event: ManagedEvent = { ...newEvent(draft, this.options.programme.now()), createdBy: actor };
    try {
      await this.store.write([
        writes.insert('events', event),
        writes.insert('audit', this.options.audit.entry(event.id, actor, 'event.create', { type: 'event', id: event.id }, null, event)),
      ]);
    } catch (error) {
      if (error instanceof StoreConflictError) throw new AppError('event_exists', `There is already an event "${event.id}".`);
      throw error;
    }
    this.options.onChange?.(event.id);
    const organizer = caller.kind === 'participant' ? await this.options.addCreator(event, caller.participant, actor) : undefined;
    return { event: await this.get(event.id), ...(organizer ? { organizer } : {}) };
  }

  async update(actor: Actor, eventId: string, patch: EventPatch): Promise<{ event: EventView; changed: boolean }> {
    const result = await retryOnConflict(async () => {
      const current = await this.options.programme.requireEvent(eventId);
      const edit = applyEventPatch(current, patch, this.options.programme.now());
      if (!edit.changed) return edit;
      const before = Object.fromEntries(Object.entries(edit.changes).map(([k, v]) => [k, v.before]));
      const after = Object.fromEntries(Object.entries(edit.changes).map(([k, v]) => [k, v.after]));
      const action = patch.archived === true && 'archived' in edit.changes ? 'event.archive' : 'event.update';
      await this.store.write([
        writes.update('events', { ...edit.event, rev: current.rev }),
        writes.insert('audit', this.options.audit.entry(eventId, actor, action, { type: 'event', id: eventId }, before, after)),
      ]);
      return edit;
    });
    if (result.changed) this.options.onChange?.(eventId);
    return { event: await this.get(eventId), changed: result.changed };
  }

  /** Refused (`event_has_sessions`) while the event has any session, cancelled ones included: archive it instead. */
  async remove(actor: Actor, eventId: string): Promise<void> {
    await retryOnConflict(async () => {
      const current = await this.options.programme.requireEvent(eventId);
      assertDeletable(await this.options.programme.sessions(eventId));
      // The update pins the revision read: a change meanwhile makes the delete retry.
      await this.store.write([
        writes.update('events', current),
        writes.remove('events', eventId),
        writes.insert('audit', this.options.audit.entry(eventId, actor, 'event.delete', { type: 'event', id: eventId }, current, null)),
      ]);
    });
    this.options.onChange?.(eventId);
  }

  private async view(event: Stored<ManagedEvent> | ManagedEvent): Promise<EventView> {
    const { rev: _rev, ...rest } = event as Stored<ManagedEvent>;
    const sessions = await this.options.programme.sessions(event.id);
    const span = eventSpan(sessions);
    return {
      ...rest,
      ...eventSettings(event),
      phase: eventPhase(sessions, this.options.programme.now()),
      start: span?.start ?? null,
      end: span?.end ?? null,
      sessionCount: sessions.length,
    };
  }
}
