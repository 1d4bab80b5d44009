import { DateTime } from 'luxon';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { zoneAbbreviation } from '../domain/zones.ts';
import { sessionStatuses, toWallClock, type ForumEvent, type Localized, type Session } from '../domain/programme.ts';
import { authorize } from '../identity/policy.ts';
import { actorOf } from '../services/audit-log.ts';
import type { ProgrammeEditor } from '../services/programme-editor.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf, pageBase } from './caller.ts';
import { consoleNav } from './console-nav.ts';
import { consoleText, type ConsoleText } from '../i18n/catalogs/console.ts';
import { errorMessages } from '../i18n/catalogs/errors.ts';
import { interpolate } from '../i18n/format.ts';
import { dateLocale, htmlLang, inLanguage, type Lang, languageChoices, languages, textDirection } from '../i18n/languages.ts';
import { translate } from '../i18n/translate.ts';
import { toAppError } from './error-handler.ts';
import { fieldProblems } from '../i18n/error-text.ts';
import { sessionDraftSchema, sessionPatchSchema } from './session-input.ts';
import { idPattern, parseId, parseInput } from './validate.ts';
import type { Views } from './views.ts';

/**
 * The organiser's session console (issue 17): the programme as a table by
 * day (in the event's zone, named), each session's status and calendar
 * revision, and a page per session to edit it: times, status, and the
 * texts in the six UN languages behind language tabs (every language stays
 * in the form, so a save keeps the ones not shown; a form that leaves a
 * language out keeps it too, as the API does). Plain HTML forms; a POST
 * saves through the same editor and schemas as the JSON API and comes back
 * to the same page with the notice or the refusal at the top.
 */
export function consoleSessions(programme: ProgrammeService, editor: ProgrammeEditor, views: Views): Router {
  const router = Router();
  const base = (eventId: string) => `/events/${eventId}/console/sessions`;

  const manage = (req: Request, sessionId?: string): string => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', sessionId ? { eventId, sessionId } : { eventId });
    return eventId;
  };

  router.get('/events/:eventId/console/sessions', async (req, res) => {
    const eventId = manage(req);
    const query = parseInput(noticeQuery, req.query, 'invalid_query');
    await renderList(req, res, eventId, query);
  });

  router.get('/events/:eventId/console/sessions/new', async (req, res) => {
    const eventId = manage(req);
    await renderEdit(req, res, eventId, undefined, {});
  });

  router.get('/events/:eventId/console/sessions/:sessionId', async (req, res) => {
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const eventId = manage(req, sessionId);
    const session = await programme.requireSession(eventId, sessionId);
    const { notice } = parseInput(noticeQuery, req.query, 'invalid_query');
    await renderEdit(req, res, eventId, session, { notice });
  });

  router.post('/events/:eventId/console/sessions', async (req, res) => {
    const eventId = manage(req);
    const form = formFields(req.body);
    try {
      const draft = parseInput(sessionDraftSchema, { ...formToInput(form, undefined), ...(form.id ? { id: form.id } : {}) });
      const { session } = await editor.create(actorOf(callerOf(req)), eventId, draft);
      res.redirect(303, `${base(eventId)}/${session.id}?notice=created`);
    } catch (error) {
      await renderRefusal(req, res, eventId, undefined, error, form);
    }
  });

  router.post('/events/:eventId/console/sessions/:sessionId', async (req, res) => {
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const eventId = manage(req, sessionId);
    const current = await programme.requireSession(eventId, sessionId);
    const form = formFields(req.body);
    try {
      const patch = parseInput(sessionPatchSchema, formToInput(form, current));
      const { changed } = await editor.update(actorOf(callerOf(req)), eventId, sessionId, patch);
      res.redirect(303, `${base(eventId)}/${sessionId}?notice=${changed ? 'updated' : 'unchanged'}`);
    } catch (error) {
      await renderRefusal(req, res, eventId, current, error, form);
    }
  });

  router.post('/events/:eventId/console/sessions/:sessionId/cancel', async (req, res) => {
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const eventId = manage(req, sessionId);
    const { changed } = await editor.cancel(actorOf(callerOf(req)), eventId, sessionId);
    res.redirect(303, `${base(eventId)}/${sessionId}?notice=${changed ? 'cancelled' : 'unchanged'}`);
  });

  async function renderRefusal(req: Request, res: Response, eventId: string, session: Session | undefined, error: unknown, form: FormFields): Promise<void> {
    const appError = toAppError(error);
    // Not a problem with what was typed: the usual error page.
    if (appError.status >= 500 || [401, 403, 404].includes(appError.status)) throw error;
    res.status(appError.status);
    await renderEdit(req, res, eventId, session, { refusal: { error: appError, form } });
  }

  async function renderList(req: Request, res: Response, eventId: string, query: z.infer<typeof noticeQuery>): Promise<void> {
    const lang = req.ctx.lang;
    const text = consoleText(lang);
    const event = await programme.requireEvent(eventId);
    const sessions = await programme.sessions(eventId);
    const locale = dateLocale(lang);
    const days = new Map<string, { label: string; rows: unknown[] }>();
    for (const s of [...sessions].sort((a, b) => a.start.localeCompare(b.start))) {
      const start = DateTime.fromISO(s.start).setZone(event.zone);
      const end = DateTime.fromISO(s.end).setZone(event.zone);
      const key = start.toISODate() ?? '';
      if (!days.has(key)) days.set(key, { label: start.setLocale(locale).toLocaleString(DateTime.DATE_HUGE), rows: [] });
      const title = inLanguage(s.title, lang);
      days.get(key)!.rows.push({
        id: s.id,
        title,
        titleText: s.title,
        cancelled: s.status === 'cancelled',
        status: s.status,
        statusLabel: text[`status_${s.status}`],
        time: `${start.toFormat('HH:mm')}–${end.toFormat('HH:mm')}`,
        nextDay: end.toISODate() !== start.toISODate(),
        abbr: zoneAbbreviation(start),
        sequence: s.sequence,
        editHref: `${base(eventId)}/${s.id}`,
        editLabel: translate(lang, 'cn_sessEditLabel', { title }),
        roomHref: `/events/${eventId}/sessions/${s.id}`,
        recordHref: `${base(eventId)}/${s.id}/record`,
        // The live captions' final lines as text (issue 13); the API also gives JSON and WebVTT.
        captionsHref: `/api/events/${eventId}/sessions/${s.id}/captions?format=txt`,
        captionsLabel: translate(lang, 'ac_captionsLabel', { title }),
        notice: query.session === s.id && query.notice ? interpolate(text[`notice_${query.notice}`], { title, n: s.sequence }) : undefined,
      });
    }
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('html').send(
      views.render('console-sessions', {
        ...pageBase(req, `${text.heading} — ${inLanguage(event.title, lang)}`),
        script: 'console',
        consoleNav: consoleNav(eventId, 'sessions', lang),
        text,
        event,
        intro: interpolate(text.intro, { zone: event.zone }),
        days: [...days.values()],
        newHref: `${base(eventId)}/new`,
      }),
    );
  }

  interface EditState {
    notice?: z.infer<typeof noticeQuery>['notice'];
    refusal?: { error: AppError; form: FormFields };
  }

  async function renderEdit(req: Request, res: Response, eventId: string, session: Session | undefined, state: EditState): Promise<void> {
    const lang = req.ctx.lang;
    const text = consoleText(lang);
    const event = await programme.requireEvent(eventId);
    const values = state.refusal?.form ?? (session ? storedValues(session, event) : emptyValues());
    const title = session ? inLanguage(session.title, lang) : text.newSession;
    const status = values.status || 'scheduled';
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('html').send(
      views.render('console-session', {
        ...pageBase(req, `${title} — ${text.heading}`),
        script: 'console',
        consoleNav: consoleNav(eventId, 'sessions', lang),
        text,
        event,
        session: session ? { id: session.id, cancelled: session.status === 'cancelled', sequenceLabel: interpolate(text.sequence, { n: session.sequence }), roomHref: `/events/${eventId}/sessions/${session.id}`, recordHref: `${base(eventId)}/${session.id}/record` } : undefined,
        heading: title,
        headingText: session?.title,
        action: session ? `${base(eventId)}/${session.id}` : base(eventId),
        listHref: base(eventId),
        values,
        statusOptions: sessionStatuses.map((value) => ({ value, label: text[`status_${value}`], selected: value === status })),
        languageGroups: languages.map((l) => ({
          code: l,
          label: languageChoices[l].label,
          lang: htmlLang(l),
          direction: textDirection(l),
          title: values[`title_${l}`] ?? '',
          description: values[`description_${l}`] ?? '',
          format: values[`format_${l}`] ?? '',
          questions: values[`questions_${l}`] ?? '',
        })),
        notice: session && state.notice ? interpolate(text[`notice_${state.notice}`], { title, n: session.sequence }) : undefined,
        error: state.refusal ? refusalMessage(text, lang, state.refusal.error) : undefined,
      }),
    );
  }

  return router;
}

const noticeQuery = z.object({
  notice: z.enum(['created', 'updated', 'unchanged', 'cancelled']).optional(),
  session: z.string().regex(idPattern).optional(),
});

const textFields = ['title', 'description', 'format', 'questions'] as const;

/** The form as strings: `id`, `start`, `end`, `status`, and `<field>_<lang>` for each text. A text field the form did not carry stays undefined (its stored value is kept). */
type FormFields = Record<string, string | undefined> & { id: string; start: string; end: string; status: string };

function emptyValues(): FormFields {
  return { id: '', start: '', end: '', status: 'scheduled' };
}

function formFields(body: unknown): FormFields {
  const source = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const str = (key: string) => (typeof source[key] === 'string' ? (source[key] as string) : '');
  const fields: FormFields = { id: str('id'), start: str('start'), end: str('end'), status: str('status') };
  for (const field of textFields) {
    for (const l of languages) {
      const value = source[`${field}_${l}`];
      if (typeof value === 'string') fields[`${field}_${l}`] = value;
    }
  }
  return fields;
}

const paragraphs = (text: string): string[] => text.replace(/\r\n?/g, '\n').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);

/** The languages whose `<field>_<lang>` the form carried, with their values. */
function given(form: FormFields, field: (typeof textFields)[number]): Partial<Record<Lang, string>> | undefined {
  const out: Partial<Record<Lang, string>> = {};
  for (const l of languages) {
    const value = form[`${field}_${l}`];
    if (value !== undefined) out[l] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Form fields → the API's body shape, so both paths share one schema and one editor. Languages the form left out keep their stored texts. */
function formToInput(form: FormFields, current: Session | undefined): Record<string, unknown> {
  const title = given(form, 'title');
  const description = given(form, 'description');
  const format = given(form, 'format');
  const questions = given(form, 'questions');
  return {
    start: form.start,
    end: form.end,
    ...(title || !current ? { title: title ?? {} } : {}),
    ...(description ? { description } : {}),
    // Every language of the format empty (after this edit) removes it.
    ...(format ? { format: languages.every((l) => !(format[l] ?? current?.format?.[l] ?? '').trim()) ? null : format } : {}),
    ...(questions ? { guidingQuestions: pairQuestions(questions, current?.guidingQuestions ?? []) } : {}),
    ...(form.status ? { status: form.status } : {}),
  };
}

/** The i-th paragraph of each language makes the i-th guiding question; a language the form did not carry keeps its stored texts. */
function pairQuestions(givenTexts: Partial<Record<Lang, string>>, stored: readonly Localized[]): Partial<Record<Lang, string>>[] {
  const perLanguage = Object.fromEntries(
    languages.map((l) => [l, givenTexts[l] !== undefined ? paragraphs(givenTexts[l]) : stored.map((q) => q[l] ?? '')]),
  ) as Record<Lang, string[]>;
  const count = Math.max(...languages.map((l) => perLanguage[l].length));
  return Array.from({ length: count }, (_, i) => Object.fromEntries(languages.map((l) => [l, perLanguage[l][i] ?? ''])));
}

function storedValues(s: Session, event: ForumEvent): FormFields {
  const values: FormFields = { id: s.id, start: toWallClock(s.start, event.zone), end: toWallClock(s.end, event.zone), status: s.status };
  for (const l of languages) {
    values[`title_${l}`] = s.title[l] ?? '';
    values[`description_${l}`] = s.description[l] ?? '';
    values[`format_${l}`] = s.format?.[l] ?? '';
    values[`questions_${l}`] = s.guidingQuestions.map((q) => q[l] ?? '').filter(Boolean).join('\n\n');
  }
  return values;
}

/**
 * The console's own wording of a refusal when it has one, else the refusal
 * catalog's; as the detail, the refused fields in the page's language, or
 * on an English page without field lines the server's own (English) words.
 */
function refusalMessage(text: ConsoleText, lang: Lang, error: AppError): { summary: string; detail: string } {
  const key = `error_${error.code}`;
  const summary = key in text ? text[key as keyof ConsoleText] : errorMessages[lang][error.code];
  const fields = fieldProblems(error, lang);
  if (fields.length > 0) return { summary, detail: fields.join(lang === 'zh' ? '；' : '; ') };
  return { summary, detail: lang === 'en' && error.message !== summary ? error.message : '' };
}
