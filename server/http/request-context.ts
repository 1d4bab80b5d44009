import type { Request, RequestHandler, Response } from 'express';
import { parseCookie } from 'cookie';
import type { Language } from '../domain/programme.ts';
import { isTimeZone } from '../domain/zones.ts';
import { isLang, pickLanguage } from '../i18n/languages.ts';

export type ZoneSource = 'query' | 'cookie' | 'event';

export interface RequestContext {
  lang: Language;
  /** The viewer's zone when the request names one (query or remembered cookie). */
  zone: string | undefined;
  zoneSource: ZoneSource;
  /** A zone the viewer asked for that does not exist (shown as an error, never used). */
  rejectedZone: string | undefined;
  cookies: Record<string, string | undefined>;
}

declare module 'express-serve-static-core' {
  interface Request {
    ctx: RequestContext;
  }
}

const yearSeconds = 365 * 24 * 3600;

/**
 * Language and zone for pages: an explicit ?lang / ?tz is remembered in a
 * cookie, so the server renders the viewer's zone on every later visit,
 * including with JavaScript off.
 */
export const requestContext: RequestHandler = (req, res, next) => {
  const cookies = parseCookie(req.headers.cookie ?? '');
  const queryLang = typeof req.query.lang === 'string' ? req.query.lang : undefined;
  if (isLang(queryLang)) rememberCookie(res, 'lang', queryLang);
  const lang = pickLanguage({ requested: queryLang ?? cookies.lang, acceptLanguage: req.headers['accept-language'] });

  let zone: string | undefined;
  let zoneSource: ZoneSource = 'event';
  let rejectedZone: string | undefined;
  const queryZone = typeof req.query.tz === 'string' ? req.query.tz.trim() : undefined;
  if (queryZone) {
    if (isTimeZone(queryZone)) {
      zone = queryZone;
      zoneSource = 'query';
    } else {
      rejectedZone = queryZone;
    }
  }
  if (!zone && cookies.tz && isTimeZone(cookies.tz)) {
    zone = cookies.tz;
    zoneSource = 'cookie';
  }
  req.ctx = { lang, zone, zoneSource, rejectedZone, cookies };
  next();
};

export function rememberCookie(res: Response, name: string, value: string): void {
  res.cookie(name, value, { maxAge: yearSeconds * 1000, sameSite: 'lax', path: '/', httpOnly: false });
}

export function rememberZone(req: Request, res: Response): void {
  if (req.ctx.zoneSource === 'query' && req.ctx.zone) rememberCookie(res, 'tz', req.ctx.zone);
}
