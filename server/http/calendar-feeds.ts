import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { buildCalendar } from '../calendar/build-calendar.ts';
import type { Language } from '../domain/programme.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { baseUrlOf } from './base-url.ts';
import { inLanguage, languages, pickLanguage } from '../i18n/languages.ts';
import { newest, RenderCache, sendRendered, uncompressed } from './render-cache.ts';
import { parseId, parseInput } from './validate.ts';

const feedQuery = z.object({ lang: z.enum(languages).optional() });

export interface CalendarFeedOptions {
  publicUrl: string | undefined;
  /** Feeds made once per event revision, language and base URL (render-cache.ts). */
  cache?: RenderCache;
}

/**
 * Public iCalendar feeds: the whole programme and one session. Served with
 * validators (ETag, Last-Modified) so calendar apps polling a subscription
 * get a 304 until something changes.
 */
export function calendarFeeds(programme: ProgrammeService, options: CalendarFeedOptions): Router {
  const router = Router();

  router.get('/calendar/:eventId.ics', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const lang = feedLanguage(req);
    const baseUrl = baseUrlOf(req, options.publicUrl);
    const rendered = await cacheOf(options).get(eventId, ['ics', lang, baseUrl], async () => {
      const event = await programme.requireEvent(eventId);
      const sessions = await programme.sessions(eventId);
      const text = buildCalendar({ event, sessions, lang, baseUrl });
      return { text, type: calendarType, lastModified: newest([event.updatedAt, ...sessions.map((s) => s.updatedAt)]) };
    });
    sendFeed(req, res, rendered, `${eventId}.ics`);
  });

  router.get('/calendar/:eventId/sessions/:sessionId.ics', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const lang = feedLanguage(req);
    const baseUrl = baseUrlOf(req, options.publicUrl);
    const rendered = await cacheOf(options).get(eventId, ['ics-session', sessionId, lang, baseUrl], async () => {
      const event = await programme.requireEvent(eventId);
      const session = await programme.requireSession(eventId, sessionId);
      const text = buildCalendar({
        event,
        sessions: [session],
        lang,
        baseUrl,
        name: `${inLanguage(session.title, lang)} — ${inLanguage(event.title, lang)}`,
      });
      return { text, type: calendarType, lastModified: newest([event.updatedAt, session.updatedAt]) };
    });
    sendFeed(req, res, rendered, `${eventId}-${sessionId}.ics`);
  });

  return router;
}

/** `?lang=zh|en` first (calendar apps send no cookie and often no Accept-Language), then Accept-Language. */
function feedLanguage(req: Request): Language {
  const query = parseInput(feedQuery, req.query, 'invalid_query');
  return pickLanguage({ requested: query.lang, acceptLanguage: req.headers['accept-language'] });
}

const calendarType = 'text/calendar; charset=utf-8';

function cacheOf(options: CalendarFeedOptions): RenderCache {
  // Without a shared cache (one that hears of edits), nothing is kept.
  return options.cache ?? new RenderCache({ maxAgeMs: 0 });
}

/** A public feed: the same for every client asking in that language. */
function sendFeed(req: Request, res: Response, rendered: Parameters<typeof sendRendered>[2], filename: string): void {
  sendRendered(req, res, rendered, {
    cacheControl: 'public, no-cache',
    vary: ['Accept-Language'],
    headers: { 'Content-Disposition': `attachment; filename="${filename}"` },
    sharedFrom: rendered,
  });
}

/** A personal feed (the agenda): rendered per request, private, with the same validators. */
export function sendCalendar(req: Request, res: Response, ics: string, filename: string, revisions: readonly string[]): void {
  sendRendered(req, res, uncompressed(ics, calendarType, newest(revisions)), {
    cacheControl: 'private, no-cache',
    vary: ['Accept-Language'],
    headers: { 'Content-Disposition': `attachment; filename="${filename}"` },
  });
}
