import nodemailer, { type Transporter } from 'nodemailer';
import { DateTime } from 'luxon';
import type { Participant, SessionRole } from '../domain/participants.ts';
import type { ForumEvent, Language, Session } from '../domain/programme.ts';
import { zoneAbbreviation } from '../domain/zones.ts';
import { mailMessages } from '../i18n/catalogs/mail.ts';
import { interpolate } from '../i18n/format.ts';
import { dateLocale, inLanguage } from '../i18n/languages.ts';
import type { Logger } from '../logger.ts';
import type { MailName, MailTemplates } from './mail-templates.ts';

/** What participants administration and schedule notices tell people; a no-op when mail is disabled. */
export interface Notifier {
  readonly enabled: boolean;
  /** `sessions` names the sessions of the participant's roles. */
  invitation(p: Participant, event: ForumEvent, link: string, how: 'invited' | 'registered', sessions?: readonly Session[]): void;
  approval(p: Participant, event: ForumEvent, link: string): void;
  rejection(p: Participant, event: ForumEvent, reason: string | null): void;
  scheduleChange(event: ForumEvent, session: Session, recipients: readonly Participant[]): void;
}

export interface MailerOptions {
  smtpUrl: string | undefined;
  from: string;
  templates: MailTemplates;
  logger: Logger;
  /** Base URL for links in messages (read when a message is composed). */
  baseUrl: () => string;
}

/**
 * Sends the forum's messages through SMTP (nodemailer) when SMTP_URL is set.
 * Sending happens in the background, in order; failures are logged with the
 * recipient's participant id, never with the token-bearing link.
 */
export class Mailer implements Notifier {
  readonly enabled: boolean;
  private readonly transport: Transporter | undefined;
  private readonly options: MailerOptions;
  private queue: Promise<void> = Promise.resolve();
  private sentCount = 0;

  constructor(options: MailerOptions) {
    this.options = options;
    this.enabled = Boolean(options.smtpUrl);
    this.transport = options.smtpUrl ? nodemailer.createTransport(options.smtpUrl) : undefined;
    if (!this.enabled) {
      options.logger.info('mail is disabled (no SMTP_URL): organisers hand out invitation links themselves (console export, CSV)');
    }
  }

  /** Messages handed to the SMTP server so far. */
  get sent(): number {
    return this.sentCount;
  }

  invitation(p: Participant, event: ForumEvent, link: string, how: 'invited' | 'registered', sessions: readonly Session[] = []): void {
    this.compose(p, event, 'invitation', {
      link,
      registered: how === 'registered',
      organizer: p.organizer,
      roles: p.roles.map((r) => roleLine(r, p.language, sessions, p.gender)),
    });
  }

  approval(p: Participant, event: ForumEvent, link: string): void {
    this.compose(p, event, 'approval', { link });
  }

  rejection(p: Participant, event: ForumEvent, reason: string | null): void {
    this.compose(p, event, 'rejection', { reason });
  }

  scheduleChange(event: ForumEvent, session: Session, recipients: readonly Participant[]): void {
    for (const p of recipients) {
      const lang = p.language;
      this.compose(p, event, 'schedule-change', {
        sessionTitle: inLanguage(session.title, lang),
        cancelled: session.status === 'cancelled',
        eventTime: timeRange(session, event.zone, lang),
        yourTime: p.timeZone && p.timeZone !== event.zone ? timeRange(session, p.timeZone, lang) : null,
      });
    }
  }

  /** Resolves when every message queued so far has been handed over (or failed). */
  idle(): Promise<void> {
    return this.queue;
  }

  async close(): Promise<void> {
    await this.queue;
    this.transport?.close();
  }

  private compose(p: Participant, event: ForumEvent, name: MailName, context: Record<string, unknown>): void {
    if (!this.transport) return;
    const transport = this.transport;
    const base = this.options.baseUrl();
    const message = this.options.templates.render(name, p.language, {
      ...context,
      name: p.name,
      eventTitle: inLanguage(event.title, p.language),
      programmeUrl: `${base}/events/${event.id}`,
    });
    const logger = this.options.logger;
    this.queue = this.queue.then(async () => {
      try {
        await transport.sendMail({ from: this.options.from, to: { name: p.name, address: p.email }, ...message });
        this.sentCount++;
        logger.info({ mail: name, participantId: p.id }, 'mail sent');
      } catch (error) {
        logger.error({ mail: name, participantId: p.id, err: { message: (error as Error).message } }, 'mail failed');
      }
    });
  }
}

/** A role line; role names agree with the person's self-declared gender where the language marks it (ICU select, `other` when not stated). */
function roleLine(r: SessionRole, lang: Language, sessions: readonly Session[], gender: string | null = null): string {
  const text = mailMessages[lang];
  const session = sessions.find((s) => s.id === r.sessionId);
  return interpolate(text.roleLine, {
    role: interpolate(text[`role_${r.role}`], { gender: gender ?? 'other' }, lang),
    language: r.language ? ` (${r.language})` : '',
    session: session ? inLanguage(session.title, lang) : r.sessionId,
  });
}

function timeRange(session: Session, zone: string, lang: Language): string {
  const start = DateTime.fromISO(session.start, { zone: 'utc' }).setZone(zone).setLocale(dateLocale(lang));
  const end = DateTime.fromISO(session.end, { zone: 'utc' }).setZone(zone).setLocale(dateLocale(lang));
  return `${start.toLocaleString(DateTime.DATE_FULL)} ${start.toFormat('HH:mm')}–${end.toFormat('HH:mm')} ${zoneAbbreviation(start)} (${zone})`;
}
