import { sessionsWithRoles, type Participant } from '../domain/participants.ts';
import type { ForumEvent, Session } from '../domain/programme.ts';
import type { Logger } from '../logger.ts';
import type { Notifier } from '../mail/mailer.ts';
import type { ParticipantRepository } from '../store/participant-repository.ts';
import { withoutRev } from '../store/port.ts';

/**
 * Mail about schedule changes: when a session moves, is cancelled or is
 * reinstated, everyone who bookmarked it and everyone holding a role in it
 * hears of it (approved participants only).
 */
export class ScheduleNotices {
  private readonly repo: ParticipantRepository;
  private readonly notifier: Notifier;
  private readonly logger: Logger;

  constructor(options: { repo: ParticipantRepository; notifier: Notifier; logger: Logger }) {
    this.repo = options.repo;
    this.notifier = options.notifier;
    this.logger = options.logger;
  }

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
}
