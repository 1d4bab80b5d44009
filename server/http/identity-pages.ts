import { Router, type Request, type Response } from 'express';
import { AppError } from '../errors.ts';
import type { Participant } from '../domain/participants.ts';
import { sessionCookieName, sessionCookieOf, type Authentication, type SignInFailure } from '../identity/authentication.ts';
import { authorize } from '../identity/policy.ts';
import { registrationInput } from '../identity/schemas.ts';
import type { AgendaService } from '../services/agenda-service.ts';
import type { ParticipantsAdmin } from '../services/participants-admin.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf, pageBase } from './caller.ts';
import { inLanguage } from '../i18n/languages.ts';
import { translate } from '../i18n/translate.ts';
import { dateLabel } from './pages.ts';
import { nextDayMark } from './next-day-mark.ts';
import { emptyForm, fieldErrors, formInput, formModel, formValues } from './participant-forms.ts';
import { agendaFeedLinks, agendaOwner } from './participants-api.ts';
import type { Csrf } from './csrf.ts';
import type { RateLimiters } from './rate-limits.ts';
import { parseId, parseInput } from './validate.ts';
import type { Views } from './views.ts';

export interface IdentityPagesDeps {
  authentication: Authentication;
  participants: ParticipantsAdmin;
  agenda: AgendaService;
  programme: ProgrammeService;
  views: Views;
  limits: RateLimiters;
  csrf: Csrf;
  /** Cookies only over HTTPS (PUBLIC_URL is https). */
  secureCookies: boolean;
}

/**
 * Pages of identity: sign-in by invitation link, sign-out, the registration
 * form, the star buttons and the personal agenda. Plain forms that work
 * without JavaScript; every one carries the CSRF token.
 */
export function identityPages(deps: IdentityPagesDeps): Router {
  const { authentication, participants, agenda, programme, views, limits } = deps;
  const router = Router();

  // --- sign-in by link, sign-out ---

  // A link opened in a browser that is signed in as someone else does not
  // switch it silently: any page can navigate a victim's browser to
  // /i/<the attacker's token> (login CSRF), after which the victim would
  // act, ask and vote as the attacker. Such a browser gets a confirmation
  // page instead, and only its same-origin, CSRF-checked form switches.
  // This does not rely on Sec-Fetch-Site, so older browsers are covered
  // too; a browser with no session (the usual first click on an e-mailed
  // link) is signed in at once.
  router.get('/i/:token', limits.signIn, async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const token = String(req.params.token ?? '');
    const current = await signedInAs(req);
    if (current) {
      const holder = await authentication.linkHolder(token);
      if (typeof holder === 'string') {
        signInFailed(req, res, holder);
        return;
      }
      if (holder.id !== current.id) {
        const lang = req.ctx.lang;
        res.type('html').send(
          views.render('sign-in-switch', {
            ...pageBase(req, translate(lang, 'id_switchTitle')),
            csrfToken: deps.csrf.tokenFor(req, res),
            action: `/i/${token}`,
            current,
            holder,
          }),
        );
        return;
      }
    }
    await completeSignIn(req, res, token, current);
  });

  // The confirmation page's form: the CSRF middleware has checked its token
  // against this browser's session, so it came from our own page.
  router.post('/i/:token', limits.signIn, async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    await completeSignIn(req, res, String(req.params.token ?? ''), await signedInAs(req));
  });

  async function signedInAs(req: Request): Promise<Participant | null> {
    const cookie = sessionCookieOf(req.headers.cookie);
    if (!cookie) return null;
    const caller = await authentication.fromSessionCookie(cookie);
    return caller.kind === 'participant' ? caller.participant : null;
  }

  function signInFailed(req: Request, res: Response, failure: SignInFailure): void {
    const lang = req.ctx.lang;
    res.status(401).type('html').send(views.render('sign-in-failed', { ...pageBase(req, translate(lang, 'id_signInFailed')), message: translate(lang, `id_signIn_${failure}`) }));
  }

  async function completeSignIn(req: Request, res: Response, token: string, current: Participant | null): Promise<void> {
    const result = await authentication.signIn(token);
    if (typeof result === 'string') {
      signInFailed(req, res, result);
      return;
    }
    // Switching to someone else ends the browser's previous session (and so
    // its open sockets): nothing keeps acting as the person who left.
    const previous = sessionCookieOf(req.headers.cookie);
    if (previous && current && current.id !== result.participant.id) await authentication.signOut(previous);
    setSessionCookie(res, result.sessionId, result.maxAgeMs, deps.secureCookies);
    res.redirect(303, `/events/${result.participant.eventId}`);
  }

  router.post('/signout', async (req, res) => {
    const cookie = sessionCookieOf(req.headers.cookie);
    if (cookie) await authentication.signOut(cookie);
    res.clearCookie(sessionCookieName, { path: '/', httpOnly: true, sameSite: 'lax', secure: deps.secureCookies });
    if (req.accepts(['html', 'json']) === 'json') res.status(204).end();
    else res.redirect(303, '/');
  });

  // --- registration ---

  router.get('/events/:eventId/register', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const event = await programme.requireEvent(eventId);
    const lang = req.ctx.lang;
    res.type('html').send(
      views.render('register', {
        ...pageBase(req, `${translate(lang, 'id_registerTitle')} — ${inLanguage(event.title, lang)}`),
        event,
        ...formModel(lang, emptyForm(lang, req.ctx.zone)),
      }),
    );
  });

  router.post('/events/:eventId/register', limits.registration, async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const event = await programme.requireEvent(eventId);
    const lang = req.ctx.lang;
    const values = formValues(req.body);
    let result;
    try {
      const input = parseInput(registrationInput, formInput(values));
      result = await participants.register(eventId, input, lang);
    } catch (error) {
      const errors = fieldErrors(error, lang);
      if (!errors) throw error;
      res
        .status((error as AppError).status)
        .type('html')
        .send(views.render('register', { ...pageBase(req, `${translate(lang, 'id_registerTitle')} — ${inLanguage(event.title, lang)}`), event, ...formModel(lang, values, errors) }));
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    const approved = result.participant.status === 'approved' && result.token !== undefined;
    if (approved && result.token) {
      // Registered as of right: this browser is signed in at once.
      const signedIn = await authentication.signIn(result.token);
      if (typeof signedIn !== 'string') {
        setSessionCookie(res, signedIn.sessionId, signedIn.maxAgeMs, deps.secureCookies);
        deps.csrf.rebind(req, res, signedIn.sessionId);
        req.caller = { kind: 'participant', participant: signedIn.participant };
      }
    }
    res
      .status(201)
      .type('html')
      .send(
        views.render('registered', {
          ...pageBase(req, translate(lang, 'id_registeredTitle')),
          event,
          participant: result.participant,
          approved,
          link: result.link,
          mailEnabled: participants.mailEnabled,
        }),
      );
  });

  // --- bookmarks (the star buttons' no-JavaScript path) and the agenda ---

  router.post('/events/:eventId/bookmarks/:sessionId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const owner = agendaOwner(req);
    const body = req.body as Record<string, unknown> | undefined;
    await agenda.setBookmark(owner, sessionId, body?.bookmarked !== 'false');
    const back = typeof body?.returnTo === 'string' && /^\/events\/[a-z0-9-]+(\/agenda)?$/.test(body.returnTo) ? body.returnTo : `/events/${eventId}`;
    res.redirect(303, `${back}#session-${sessionId}`);
  });

  router.get('/events/:eventId/agenda', async (req, res) => {
    await renderAgenda(req, res, null);
  });

  router.post('/events/:eventId/agenda/calendar-link', async (req, res) => {
    const owner = agendaOwner(req);
    const token = await agenda.resetCalendarToken(owner);
    res.setHeader('Cache-Control', 'no-store');
    await renderAgenda(req, res, agendaFeedLinks(agenda.publicUrl, token));
  });

  async function renderAgenda(req: Request, res: Response, feed: { url: string; webcal: string } | null): Promise<void> {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'agenda.edit', { eventId });
    const owner = agendaOwner(req);
    const lang = req.ctx.lang;
    const view = await programme.programme(eventId, req.ctx.zone);
    const sessions = view.sessions
      .filter((s) => owner.bookmarks.includes(s.id))
      .map((s) => ({ ...s, ...nextDayMark(s.viewerZone, lang, dateLabel), dateLabel: dateLabel(s.viewerZone.date, lang), timingLabel: translate(lang, `timing_${s.timing}`) }));
    res.type('html').send(
      views.render('agenda', {
        ...pageBase(req, `${translate(lang, 'id_myAgenda')} — ${inLanguage(view.event.title, lang)}`),
        event: view.event,
        sessions,
        feed,
        hasFeed: feed !== null || (await agenda.hasCalendarToken(owner.id)),
      }),
    );
  }

  return router;
}

export function setSessionCookie(res: Response, sessionId: string, maxAgeMs: number, secure: boolean): void {
  res.cookie(sessionCookieName, sessionId, { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: maxAgeMs });
}
