import type { Request } from 'express';
import { sessionDescription, sessionUrl } from '../calendar/build-calendar.ts';
import { googleCalendarUrl, outlookCalendarUrl, webcalUrl } from '../calendar/links.ts';
import { baseUrlOf } from './base-url.ts';
import { calendarMessages } from '../i18n/catalogs/calendar.ts';
import { inLanguage } from '../i18n/languages.ts';
import type { PageExtras } from './pages.ts';

type CalendarLinks = NonNullable<PageExtras['calendarLinks']>;

/**
 * The pages' calendar links: the programme feed (download, webcal), and per
 * session its own feed plus Google's and Outlook's "new event" templates.
 * Feed links name the page's language, so a subscription keeps it.
 */
export function pageCalendarLinks(publicUrl: string | undefined): CalendarLinks {
  return (req: Request, eventId, session) => {
    const lang = req.ctx.lang;
    const text = calendarMessages[lang];
    const base = baseUrlOf(req, publicUrl);
    const programmeFeed = `/calendar/${encodeURIComponent(eventId)}.ics?lang=${lang}`;
    const result: ReturnType<CalendarLinks> = {
      programme: { download: programmeFeed, webcal: webcalUrl(`${base}${programmeFeed}`) },
    };
    if (!session) return result;

    const feed = `/calendar/${encodeURIComponent(eventId)}/sessions/${encodeURIComponent(session.id)}.ics?lang=${lang}`;
    const links: NonNullable<ReturnType<CalendarLinks>['session']> = [
      { label: text.downloadIcs, href: feed, download: true },
      { label: text.subscribe, href: webcalUrl(`${base}${feed}`) },
    ];
    // A cancelled session stays in the feeds (as cancelled) but is not offered for adding.
    if (session.status !== 'cancelled') {
      const template = {
        title: inLanguage(session.title, lang),
        startUtc: session.startUtc,
        endUtc: session.endUtc,
        details: sessionDescription(session, lang),
        url: sessionUrl(base, session),
      };
      links.push(
        { label: text.addToGoogle, href: googleCalendarUrl(template), external: true },
        { label: text.addToOutlook, href: outlookCalendarUrl(template), external: true },
      );
    }
    return { ...result, session: links };
  };
}
