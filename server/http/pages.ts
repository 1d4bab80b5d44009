import { Router, type Request, type Response } from 'express';
import { DateTime } from 'luxon';
import { AppError } from '../errors.ts';
import type { Language, ProgrammeSessionView } from '../domain/programme.ts';
import { listTimeZones } from '../domain/zones.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerView, identityContext } from './caller.ts';
import { errorMessages } from '../i18n/catalogs/errors.ts';
import { interpolate } from '../i18n/format.ts';
import { roomMessages, type RoomPageStrings } from '../i18n/catalogs/room.ts';
import { dateLocale, defaultLanguage, inLanguage } from '../i18n/languages.ts';
import { translate } from '../i18n/translate.ts';
import { rememberZone } from './request-context.ts';
import { parseId } from './validate.ts';
import type { Views } from './views.ts';

export interface PageExtras {
  /** Calendar links for the programme and each session (filled in by the calendar module). */
  calendarLinks?: (req: Request, eventId: string, session?: ProgrammeSessionView) => {
    programme?: { download: string; webcal: string };
    session?: { label: string; href: string; download?: boolean; external?: boolean }[];
  };
}

export function dateLabel(isoDate: string, lang: Language): string {
  return DateTime.fromISO(isoDate).setLocale(dateLocale(lang)).toLocaleString(DateTime.DATE_HUGE);
}

function shortDateLabel(isoDate: string, lang: Language): string {
  return DateTime.fromISO(isoDate).setLocale(dateLocale(lang)).toLocaleString({ weekday: 'short', day: 'numeric', month: 'short' });
}

/** Pages render on the server in the viewer's language and zone; they work without JavaScript. */
export function pagesRouter(programme: ProgrammeService, views: Views, extras: PageExtras = {}): Router {
  const router = Router();
  const zones = listTimeZones();

  router.get('/', async (req, res) => {
    const lang = req.ctx.lang;
    const events = await Promise.all(
      (await programme.listEvents()).map(async (event) => {
        const sessions = await programme.sessions(event.id);
        const first = sessions[0];
        const last = sessions.at(-1);
        const dateRange =
          first && last
            ? `${dateLabel(DateTime.fromISO(first.start).setZone(event.zone).toISODate() ?? '', lang)} – ${dateLabel(
                DateTime.fromISO(last.end).setZone(event.zone).toISODate() ?? '',
                lang,
              )}`
            : '';
        return { ...event, dateRange };
      }),
    );
    res.type('html').send(views.render('events', { ...base(req), title: translate(lang, 'events'), events }));
  });

  router.get('/events/:eventId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const lang = req.ctx.lang;
    const view = await programme.programme(eventId, req.ctx.zone);
    rememberZone(req, res);
    const links = extras.calendarLinks?.(req, eventId);
    const days = view.days.map((day) => ({
      date: day.date,
      label: dateLabel(day.date, lang),
      sessions: day.sessions.map((s) => decorate(req, s, extras)),
    }));
    res.type('html').send(
      views.render('programme', {
        ...base(req),
        title: inLanguage(view.event.title, lang),
        event: view.event,
        viewerZone: view.viewerZone,
        viewerZoneLabel: `${view.viewerZone}`,
        zones,
        days,
        calendar: links?.programme,
        zoneError: req.ctx.rejectedZone,
      }),
    );
  });

  router.get('/events/:eventId/sessions/:sessionId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const view = await programme.programme(eventId, req.ctx.zone);
    const session = view.sessions.find((s) => s.id === sessionId);
    if (!session) throw new AppError('session_not_found', `Event "${eventId}" has no session "${sessionId}".`);
    const lang = req.ctx.lang;
    res.type('html').send(
      views.render('session', {
        ...base(req),
        title: inLanguage(session.title, lang),
        event: view.event,
        session: decorate(req, session, extras),
        viewerZone: view.viewerZone,
        timingLabel: translate(lang, `timing_${session.timing}`),
        descriptionText: inLanguage(session.description, lang),
        script: 'room',
        roomStrings: { ...roomMessages[lang], errors: errorMessages[lang] } satisfies RoomPageStrings,
        // The tripartite groups whose total speaking time a moderator may bound.
        groupBudgetFields: (['government', 'employers', 'workers'] as const).map((group) => ({
          group,
          label: interpolate(roomMessages[lang].groupBudgetMinutes, { group: roomMessages[lang][`group_${group}`] }),
        })),
      }),
    );
  });

  return router;
}

function base(req: Request): { lang: Language; title: string; zoneSource: string; viewerZone: string | undefined } & ReturnType<typeof identityContext> {
  return { lang: req.ctx.lang, title: '', zoneSource: req.ctx.zoneSource, viewerZone: req.ctx.zone, ...identityContext(req) };
}

function decorate(req: Request, s: ProgrammeSessionView, extras: PageExtras): Record<string, unknown> {
  const lang = req.ctx.lang;
  const dayNote =
    s.dayShift > 0 ? translate(lang, 'nextDayNote') : s.dayShift < 0 ? translate(lang, 'previousDayNote') : '';
  return {
    ...s,
    timingLabel: translate(lang, `timing_${s.timing}`),
    durationLabel: translate(lang, 'minutes', { n: s.durationMinutes }),
    eventDateLabel: shortDateLabel(s.eventZone.date, lang),
    dayNote,
    descriptionText: inLanguage(s.description, lang),
    calendarLinks: extras.calendarLinks?.(req, s.eventId, s)?.session ?? [],
    bookmarked: callerView(req).bookmarks.includes(s.id),
  };
}

export function renderErrorPage(views: Views, req: Request, res: Response, error: AppError): void {
  const lang = req.ctx?.lang ?? defaultLanguage;
  res
    .status(error.status)
    .type('html')
    .send(
      views.render('error', {
        ...identityContext(req),
        lang,
        title: error.status === 404 ? translate(lang, 'notFound') : 'Error',
        heading: error.status === 404 ? translate(lang, 'notFound') : `Error ${error.status}`,
        message: errorMessages[lang][error.code],
        detail: error.message === errorMessages[lang][error.code] ? undefined : error.message,
      }),
    );
}
