import type { Language } from '../domain/programme.ts';
import { translate } from '../i18n/translate.ts';

export type ConsoleArea = 'events' | 'event' | 'sessions' | 'participants' | 'attendance' | 'speaking' | 'records' | 'recordings' | 'programme';

export interface ConsoleNav {
  label: string;
  items: { href: string; label: string; current: boolean; area: ConsoleArea }[];
}

/**
 * The organiser's navigation between the consoles and reports of one event
 * (templates/partials/console-nav.hbs), the page's own entry marked
 * aria-current. Every console and report is one step from every other.
 */
export function consoleNav(eventId: string | undefined, current: ConsoleArea, lang: Language): ConsoleNav {
  const entry = (area: ConsoleArea, href: string, key: string) => ({ area, href, label: translate(lang, key), current: area === current });
  const items = [entry('events', '/console/events', 'cn_navEvents')];
  if (eventId) {
    const base = `/events/${eventId}`;
    items.push(
      entry('event', `${base}/console/event`, 'cn_navEvent'),
      entry('sessions', `${base}/console/sessions`, 'cn_navSessions'),
      entry('participants', `${base}/console/participants`, 'cn_navParticipants'),
      entry('attendance', `${base}/console/attendance`, 'attTitle'),
      entry('speaking', `${base}/console/speaking-time`, 'speakingReport'),
      entry('records', `${base}/console/records`, 'cn_navRecords'),
      entry('recordings', `${base}/console/recordings`, 'wr_title'),
      entry('programme', base, 'cn_navProgramme'),
    );
  }
  return { label: translate(lang, 'cn_nav'), items };
}
