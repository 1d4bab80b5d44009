import crypto from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { buildCalendar } from '../calendar/build-calendar.ts';
import type { Language } from '../domain/programme.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { baseUrlOf } from './base-url.ts';
import { inLanguage, languages, pickLanguage } from '../i18n/languages.ts';
import { parseId, parseInput } from './validate.ts';

const feedQuery = z.object({ lang: z.enum(languages).optional() });

export interface CalendarFeedOptions {
  publicUrl: string | undefined;
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
    const event = await programme.requireEvent(eventId);
    const sessions = await programme.sessions(eventId);
    const ics = buildCalendar({ event, sessions, lang, baseUrl: baseUrlOf(req, options.publicUrl) });
    sendCalendar(req, res, ics, `${eventId}.ics`, [event.updatedAt, ...sessions.map((s) => s.updatedAt)]);
  });

  router.get('/calendar/:eventId/sessions/:sessionId.ics', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const lang = feedLanguage(req);
    const event = await programme.requireEvent(eventId);
    const session = await programme.requireSession(eventId, sessionId);
    const ics = buildCalendar({
      event,
      sessions: [session],
      lang,
      baseUrl: baseUrlOf(req, options.publicUrl),
      name: `${inLanguage(session.title, lang)} — ${inLanguage(event.title, lang)}`,
    });
    sendCalendar(req, res, ics, `${eventId}-${sessionId}.ics`, [event.updatedAt, session.updatedAt]);
  });

  return router;
}

/** `?lang=zh|en` first (calendar apps send no cookie and often no Accept-Language), then Accept-Language. */
function feedLanguage(req: Request): Language {
  const query = parseInput(feedQuery, req.query, 'invalid_query');
  return pickLanguage({ requested: query.lang, acceptLanguage: req.headers['accept-language'] });
}

export function sendCalendar(req: Request, res: Response, ics: string, filename: string, revisions: readonly string[]): void {
  const etag = `"${crypto.createHash('sha256').update(ics).digest('base64url').slice(0, 32)}"`;
  const newest = Math.max(...revisions.map((r) => Date.parse(r)).filter((ms) => Number.isFinite(ms)));
  // HTTP dates have whole seconds (clients that send If-None-Match also see changes within one second).
  const lastModified = Number.isFinite(newest) ? Math.floor(newest / 1000) * 1000 : undefined;
  res.set({
    'Content-Type': 'text/calendar; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-cache',
    Vary: 'Accept-Language',
    ETag: etag,
  });
  if (lastModified !== undefined) res.set('Last-Modified', new Date(lastModified).toUTCString());
  if (notModified(req, etag, lastModified)) {
    res.status(304).end();
    return;
  }
  res.send(ics);
}

/**
 * RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison),
 * else If-Modified-Since. Express's req.fresh is not used: it answers 200
 * to any request with "Cache-Control: no-cache", which fetch() and some
 * calendar clients add to every conditional request.
 */
function notModified(req: Request, etag: string, lastModified: number | undefined): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined || lastModified === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return Number.isFinite(since) && lastModified <= since;
}
