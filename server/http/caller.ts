import type { Request, RequestHandler } from 'express';
import type { Language } from '../domain/programme.ts';
import type { Caller } from '../identity/caller.ts';
import type { CallerResolver } from '../identity/resolve.ts';

declare module 'express-serve-static-core' {
  interface Request {
    caller: Caller;
  }
}

/** Resolves the caller once per request; routes then ask identity/policy.ts. */
export function attachCaller(resolver: CallerResolver): RequestHandler {
  return (req, _res, next) => {
    resolver.fromHeaders(req.headers).then(
      (caller) => {
        req.caller = caller;
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

export function callerOf(req: Request): Caller {
  return req.caller ?? { kind: 'anonymous' };
}

/** What pages show about the viewer: the header, the star buttons, the console link. */
export interface CallerView {
  signedIn: boolean;
  name: string | null;
  participantId: string | null;
  eventId: string | null;
  organizer: boolean;
  status: string | null;
  bookmarks: string[];
}

export function callerView(req: Request): CallerView {
  const caller = callerOf(req);
  if (caller.kind === 'participant') {
    const p = caller.participant;
    return {
      signedIn: true,
      name: p.name,
      participantId: p.id,
      eventId: p.eventId,
      organizer: p.organizer && p.status === 'approved',
      status: p.status,
      bookmarks: p.bookmarks,
    };
  }
  if (caller.kind === 'organizer-token') {
    return { signedIn: true, name: 'Organiser (token)', participantId: null, eventId: null, organizer: true, status: 'approved', bookmarks: [] };
  }
  return { signedIn: false, name: null, participantId: null, eventId: null, organizer: false, status: null, bookmarks: [] };
}

/** Fields every page render gets: the viewer and the CSRF token for its forms. */
export function identityContext(req: Request): { caller: CallerView; csrfToken: string | undefined } {
  const token: unknown = req.res?.locals.csrfToken;
  return { caller: callerView(req), csrfToken: typeof token === 'string' ? token : undefined };
}

/** The fields every page of the identity module renders with (language, zone, viewer, CSRF token). */
export function pageBase(req: Request, title: string): Record<string, unknown> & { lang: Language; title: string } {
  return { lang: req.ctx.lang, title, zoneSource: req.ctx.zoneSource, viewerZone: req.ctx.zone, ...identityContext(req) };
}
