import { Router, type Request, type Response } from 'express';
import type Handlebars from 'handlebars';
import { DateTime } from 'luxon';
import { AppError } from '../errors.ts';
import type { ForumEvent, Language, ProgrammeSessionView } from '../domain/programme.ts';
import { listTimeZones } from '../domain/zones.ts';
import { eventPhase, eventSettings } from '../domain/events.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerView, identityContext } from './caller.ts';
import { errorMessages } from '../i18n/catalogs/errors.ts';
import { describeError } from '../i18n/error-text.ts';
import { nextDayMark } from './next-day-mark.ts';
import { interpolate } from '../i18n/format.ts';
import { roomMessages } from '../i18n/catalogs/room.ts';
import { stageMessages, type StagePageStrings } from '../i18n/catalogs/stage.ts';
import { roomStateMessages } from '../i18n/catalogs/room-state.ts';
import { dateLocale, defaultLanguage, inLanguage, shownLanguage } from '../i18n/languages.ts';
import { translate } from '../i18n/translate.ts';
import { languageNames } from '../i18n/warm.ts';
import { nextTimingChange, sendCachedPage, type PageViewer, type RenderCache } from './render-cache.ts';
import { rememberZone } from './request-context.ts';
import { parseId } from './validate.ts';
import type { Views } from './views.ts';

export interface PageExtras {
  /** Calendar links for the programme and each session (filled in by the calendar module). */
  calendarLinks?: (req: Request, eventId: string, session?: ProgrammeSessionView) => {
    programme?: { download: string; webcal: string };
    session?: { label: string; href: string; download?: boolean; external?: boolean }[];
  };
  /** Programme and session pages rendered once per role class, the viewer's own parts filled per request. */
  cache?: RenderCache;
}

/**
 * The small note under an event's or session's title about its texts
 * (not the UI's): shown in another language because this one has none
 * (inLanguage's order: requested → English → Chinese → any), or written in
 * this language by the project itself rather than by the organisers
 * (the seed's `textOrigin.projectTranslations`).
 */
export function contentNote(event: ForumEvent, lang: Language): string | undefined {
  const names = languageNames(lang);
  const name = (l: Language) => names.of(l === 'zh' ? 'zh' : l) ?? l;
  const shown = shownLanguage(event.title, lang);
  if (shown && shown !== lang) return translate(lang, 'contentFallback', { language: name(lang), shown: name(shown) });
  const origin = event.textOrigin;
  if (origin && origin.original !== lang && origin.projectTranslations.includes(lang)) return translate(lang, 'contentTranslated', { original: name(origin.original) });
  return undefined;
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
    // Archived events are hidden; the rest are listed live, upcoming, then past (domain/events.ts).
    const listed = (await programme.listEvents()).filter((event) => !eventSettings(event).archived);
    const events = await Promise.all(
      listed.map(async (event) => {
        const sessions = await programme.sessions(event.id);
        const phase = eventPhase(sessions, programme.now());
        const first = sessions[0];
        const last = sessions.at(-1);
        const dateRange =
          first && last
            ? `${dateLabel(DateTime.fromISO(first.start).setZone(event.zone).toISODate() ?? '', lang)} – ${dateLabel(
                DateTime.fromISO(last.end).setZone(event.zone).toISODate() ?? '',
                lang,
              )}`
            : '';
        return { ...event, dateRange, phase };
      }),
    );
    const phases = (['live', 'upcoming', 'past'] as const)
      .map((phase) => ({ phase, label: translate(lang, `evPhase${phase[0]!.toUpperCase()}${phase.slice(1)}`), events: events.filter((e) => e.phase === phase) }))
      .filter((group) => group.events.length > 0);
    res.type('html').send(views.render('events', { ...base(req), title: translate(lang, 'events'), events, phases }));
  });

  router.get('/events/:eventId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const lang = req.ctx.lang;
    const renderPage = async (viewer: PageViewer, runtime?: Handlebars.RuntimeOptions) => {
      const view = await programme.programme(eventId, req.ctx.zone);
      rememberZone(req, res);
      const links = extras.calendarLinks?.(req, eventId);
      const selectedDay = openingDay(view.days);
      const days = view.days.map((day) => ({
        date: day.date,
        label: dateLabel(day.date, lang),
        tabLabel: shortDateLabel(day.date, lang),
        countLabel: translate(lang, 'dl_sessionCount', { n: day.sessions.length }),
        selected: day.date === selectedDay,
        sessions: day.sessions.map((s) => decorate(req, s, extras, viewer.caller.bookmarks)),
      }));
      const html = views.render('programme', {
        ...base(req, viewer),
        title: inLanguage(view.event.title, lang),
        event: view.event,
        contentNote: contentNote(view.event, lang),
        viewerZone: view.viewerZone,
        viewerZoneLabel: `${view.viewerZone}`,
        zones,
        days,
        calendar: links?.programme,
        zoneError: req.ctx.rejectedZone,
      }, runtime);
      return { html, bookmarkable: days.flatMap((d) => d.sessions) as { id: string }[], validUntil: timingChange(view.sessions, programme.now()) };
    };
    if (extras.cache && !req.ctx.rejectedZone) {
      await sendCachedPage(extras.cache, views, req, res, eventId, renderPage);
      return;
    }
    res.type('html').send((await renderPage(identityContext(req))).html);
  });

  router.get('/events/:eventId/sessions/:sessionId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const renderPage = async (viewer: PageViewer, runtime?: Handlebars.RuntimeOptions) => {
      const view = await programme.programme(eventId, req.ctx.zone);
      const session = view.sessions.find((s) => s.id === sessionId);
      if (!session) throw new AppError('session_not_found', `Event "${eventId}" has no session "${sessionId}".`);
      const lang = req.ctx.lang;
      const html = views.render('session', {
        ...base(req, viewer),
        title: inLanguage(session.title, lang),
        event: view.event,
        contentNote: contentNote(view.event, lang),
        session: decorate(req, session, extras, viewer.caller.bookmarks),
        viewerZone: view.viewerZone,
        timingLabel: translate(lang, `timing_${session.timing}`),
        descriptionText: inLanguage(session.description, lang),
        script: 'room',
        roomStrings: roomPageStrings(lang),
        // The tripartite groups whose total speaking time a moderator may bound.
        groupBudgetFields: (['government', 'employers', 'workers'] as const).map((group) => ({
          group,
          label: interpolate(roomMessages[lang].groupBudgetMinutes, { group: roomMessages[lang][`group_${group}`] }),
        })),
      }, runtime);
      return { html, bookmarkable: [], validUntil: timingChange(view.sessions, programme.now()) };
    };
    if (extras.cache) {
      await sendCachedPage(extras.cache, views, req, res, eventId, renderPage);
      return;
    }
    res.type('html').send((await renderPage(identityContext(req))).html);
  });

  // The projector view (issue 17, 18): a full-screen page for a screen in a hybrid room. The page holds no
  // live data; its script joins the session over Socket.IO, which admits whoever may join the room.
  router.get('/events/:eventId/sessions/:sessionId/projector', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const view = await programme.programme(eventId, req.ctx.zone);
    const session = view.sessions.find((s) => s.id === sessionId);
    if (!session) throw new AppError('session_not_found', `Event "${eventId}" has no session "${sessionId}".`);
    const lang = req.ctx.lang;
    const title = inLanguage(session.title, lang);
    res.type('html').send(views.render('projector', {
      ...base(req),
      title: translate(lang, 'projectorTitle', { title }),
      sessionTitle: title,
      timingLabel: session.status === 'live' ? roomMessages[lang].statusLive : translate(lang, `timing_${session.timing}`),
      event: view.event,
      session,
      script: 'projector',
      roomStrings: roomPageStrings(lang),
    }));
  });

  return router;
}

/** What the room's and the projector's scripts are told in the page: the room's words, the stage's, the programme's timing words and the refusals. */
function roomPageStrings(lang: Language): StagePageStrings {
  const timing = (t: keyof StagePageStrings['timing']) => translate(lang, `timing_${t}`);
  return {
    ...roomMessages[lang],
    ...stageMessages[lang],
    ...roomStateMessages[lang],
    timing: { upcoming: timing('upcoming'), next: timing('next'), now: timing('now'), ended: timing('ended'), cancelled: timing('cancelled') },
    errors: errorMessages[lang],
  };
}

function base(req: Request, viewer: PageViewer = identityContext(req)): { lang: Language; title: string; zoneSource: string; viewerZone: string | undefined } & PageViewer {
  return { lang: req.ctx.lang, title: '', zoneSource: req.ctx.zoneSource, viewerZone: req.ctx.zone, ...viewer };
}

/**
 * The day tab open first: the day of the session running now, else of the
 * next one, else the first (a past event opens at its beginning). Timings
 * change only at instants the render cache already expires at.
 */
function openingDay(days: readonly { date: string; sessions: readonly ProgrammeSessionView[] }[]): string | undefined {
  const holding = (timing: ProgrammeSessionView['timing']) => days.find((d) => d.sessions.some((s) => s.timing === timing))?.date;
  return holding('now') ?? holding('next') ?? days[0]?.date;
}

/** When the programme's timing labels next change by the clock alone (a render is right until then). */
function timingChange(sessions: readonly ProgrammeSessionView[], now: Date): number | undefined {
  return nextTimingChange(sessions.map((s) => ({ status: s.status, start: s.startUtc, end: s.endUtc })), now.getTime());
}

function decorate(req: Request, s: ProgrammeSessionView, extras: PageExtras, bookmarks: readonly string[] = callerView(req).bookmarks): Record<string, unknown> {
  const lang = req.ctx.lang;
  const dayNote =
    s.dayShift > 0 ? translate(lang, 'nextDayNote') : s.dayShift < 0 ? translate(lang, 'previousDayNote') : '';
  return {
    ...s,
    ...nextDayMark(s.viewerZone, lang, dateLabel),
    hasAbout: Boolean(inLanguage(s.description, lang)) || s.guidingQuestions.length > 0,
    // One primary action per card: entering the room, except once the session is over.
    primaryAction: s.timing !== 'ended' && s.timing !== 'cancelled',
    actionLabel: translate(lang, s.timing === 'now' ? 'dl_joinNow' : s.timing === 'ended' || s.timing === 'cancelled' ? 'viewSession' : 'joinSession'),
    timingLabel: translate(lang, `timing_${s.timing}`),
    durationLabel: translate(lang, 'minutes', { n: s.durationMinutes }),
    eventDateLabel: shortDateLabel(s.eventZone.date, lang),
    dayNote,
    descriptionText: inLanguage(s.description, lang),
    calendarLinks: extras.calendarLinks?.(req, s.eventId, s)?.session ?? [],
    bookmarked: bookmarks.includes(s.id),
  };
}

/**
 * An error as a page in the viewer's language: a title for its status, the
 * code's message, one translated line per refused field, and a way back
 * (the events; for 401 how to sign in). The English developer text stays
 * in the logs and the JSON API.
 */
export function renderErrorPage(views: Views, req: Request, res: Response, error: AppError): void {
  const lang = req.ctx?.lang ?? defaultLanguage;
  const status = error.status;
  const titleKey = status === 400 || status === 401 || status === 403 || status === 404 ? `dl_errorTitle_${status}` : 'dl_errorTitle_other';
  const described = describeError(error, lang);
  res
    .status(status)
    .type('html')
    .send(
      views.render('error', {
        ...identityContext(req),
        lang,
        title: translate(lang, titleKey),
        heading: translate(lang, titleKey),
        status,
        code: error.code,
        message: described.summary,
        fields: described.fields,
        signInHint: status === 401,
      }),
    );
}
