import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.ts';
import { sessionStatuses, toWallClock, type ForumEvent, type Session } from '../domain/programme.ts';
import { authorize } from '../identity/policy.ts';
import { actorOf } from '../services/audit-log.ts';
import type { ProgrammeEditor } from '../services/programme-editor.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf, identityContext } from './caller.ts';
import { consoleText, type ConsoleText } from '../i18n/catalogs/console.ts';
import { errorMessages } from '../i18n/catalogs/errors.ts';
import { interpolate } from '../i18n/format.ts';
import { inLanguage, type Lang } from '../i18n/languages.ts';
import { toAppError } from './error-handler.ts';
import { sessionDraftSchema, sessionPatchSchema } from './session-input.ts';
import { idPattern, parseId, parseInput } from './validate.ts';
import type { Views } from './views.ts';

/**
 * The organiser's session console: one page listing the sessions with a
 * form each (and one for a new session). Plain HTML forms, no JavaScript:
 * a POST saves through the same editor and schemas as the JSON API, then
 * redirects back with a notice; a refused input is shown again, with the
 * organiser's values kept and the reason in an alert.
 */
export function consoleSessions(programme: ProgrammeService, editor: ProgrammeEditor, views: Views): Router {
  const router = Router();
  const base = (eventId: string) => `/events/${eventId}/console/sessions`;

  router.get('/events/:eventId/console/sessions', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const notice = parseInput(noticeQuery, req.query, 'invalid_query');
    await render(req, res, eventId, { notice });
  });

  router.post('/events/:eventId/console/sessions', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const form = formFields(req.body);
    try {
      const draft = parseInput(sessionDraftSchema, { ...formToInput(form), ...(form.id ? { id: form.id } : {}) });
      const { session } = await editor.create(actorOf(callerOf(req)), eventId, draft);
      res.redirect(303, `${base(eventId)}?notice=created&session=${session.id}#session-${session.id}`);
    } catch (error) {
      await renderRefusal(req, res, eventId, error, creating, form);
    }
  });

  router.post('/events/:eventId/console/sessions/:sessionId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    authorize(callerOf(req), 'event.manage', { eventId, sessionId });
    await programme.requireSession(eventId, sessionId);
    const form = formFields(req.body);
    try {
      const patch = parseInput(sessionPatchSchema, formToInput(form));
      const { changed } = await editor.update(actorOf(callerOf(req)), eventId, sessionId, patch);
      res.redirect(303, `${base(eventId)}?notice=${changed ? 'updated' : 'unchanged'}&session=${sessionId}#session-${sessionId}`);
    } catch (error) {
      await renderRefusal(req, res, eventId, error, sessionId, form);
    }
  });

  router.post('/events/:eventId/console/sessions/:sessionId/cancel', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    authorize(callerOf(req), 'event.manage', { eventId, sessionId });
    const { changed } = await editor.cancel(actorOf(callerOf(req)), eventId, sessionId);
    res.redirect(303, `${base(eventId)}?notice=${changed ? 'cancelled' : 'unchanged'}&session=${sessionId}#session-${sessionId}`);
  });

  async function renderRefusal(req: Request, res: Response, eventId: string, error: unknown, target: string, form: FormFields): Promise<void> {
    const appError = toAppError(error);
    // Not a problem with what was typed: the usual error page.
    if (appError.status >= 500 || [401, 403, 404].includes(appError.status)) throw error;
    res.status(appError.status);
    await render(req, res, eventId, { refusal: { target, error: appError, form } });
  }

  async function render(req: Request, res: Response, eventId: string, state: RenderState): Promise<void> {
    const lang = req.ctx.lang;
    const text = consoleText(lang);
    const event = await programme.requireEvent(eventId);
    const sessions = await programme.sessions(eventId);
    const refusal = state.refusal;
    const noticeSession = state.notice?.session ? sessions.find((s) => s.id === state.notice?.session) : undefined;
    const notice =
      state.notice?.notice && noticeSession
        ? interpolate(text[`notice_${state.notice.notice}`], { title: inLanguage(noticeSession.title, lang), n: noticeSession.sequence })
        : undefined;

    const rows = sessions.map((s) => {
      const own = refusal?.target === s.id ? refusal : undefined;
      return {
        id: s.id,
        heading: inLanguage(s.title, lang),
        cancelled: s.status === 'cancelled',
        sequenceLabel: interpolate(text.sequence, { n: s.sequence }),
        action: `${base(eventId)}/${s.id}`,
        values: own ? own.form : storedValues(s, event),
        statusOptions: statusOptions(text, own ? own.form.status : s.status),
        error: own ? refusalMessage(text, lang, own.error) : undefined,
        // The notice sits in the edited session's own section, where the redirect's #session-… anchor lands.
        notice: noticeSession?.id === s.id ? notice : undefined,
      };
    });
    const created = refusal?.target === creating ? refusal : undefined;
    res.type('html').send(
      views.render('console-sessions', {
        lang,
        title: `${text.heading} — ${inLanguage(event.title, lang)}`,
        viewerZone: req.ctx.zone,
        zoneSource: req.ctx.zoneSource,
        // The header's "signed in as" and console links, and the CSRF token every form carries.
        ...identityContext(req),
        text,
        event,
        intro: interpolate(text.intro, { zone: event.zone }),
        // A notice with no session row to sit in (none today) stays at the top.
        notice: noticeSession && rows.some((r) => r.id === noticeSession.id) ? undefined : notice,
        sessions: rows,
        create: {
          action: base(eventId),
          values: created ? created.form : emptyValues,
          statusOptions: statusOptions(text, created ? created.form.status : 'scheduled'),
          error: created ? refusalMessage(text, lang, created.error) : undefined,
        },
      }),
    );
  }

  return router;
}

/** The refusal belongs to the new-session form (not a session id: ids cannot contain "+"). */
const creating = '+new';

const noticeQuery = z.object({
  notice: z.enum(['created', 'updated', 'unchanged', 'cancelled']).optional(),
  session: z.string().regex(idPattern).optional(),
});

interface RenderState {
  notice?: z.infer<typeof noticeQuery>;
  refusal?: { target: string; error: AppError; form: FormFields };
}

interface FormFields {
  id: string;
  start: string;
  end: string;
  title_zh: string;
  title_en: string;
  description_zh: string;
  description_en: string;
  /** Undefined when the form did not carry the field: the stored value is then kept. */
  format_zh?: string;
  format_en?: string;
  questions_zh?: string;
  questions_en?: string;
  status: string;
}

const formKeys = ['id', 'start', 'end', 'title_zh', 'title_en', 'description_zh', 'description_en', 'status'] as const;
const optionalKeys = ['format_zh', 'format_en', 'questions_zh', 'questions_en'] as const;
const emptyValues: FormFields = { id: '', start: '', end: '', title_zh: '', title_en: '', description_zh: '', description_en: '', status: 'scheduled' };

const paragraphs = (text: string): string[] => text.replace(/\r\n?/g, '\n').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);

/** The form's fields as strings (a repeated or missing field becomes ""; the schema then says what is wrong). */
function formFields(body: unknown): FormFields {
  const source = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const fields = { ...emptyValues };
  for (const key of formKeys) {
    const value = source[key];
    fields[key] = typeof value === 'string' ? value : '';
  }
  for (const key of optionalKeys) {
    const value = source[key];
    if (typeof value === 'string') fields[key] = value;
  }
  return fields;
}

/** Form fields → the API's body shape, so both paths share one schema and one editor. */
function formToInput(form: FormFields): Record<string, unknown> {
  return {
    start: form.start,
    end: form.end,
    title: { zh: form.title_zh, en: form.title_en },
    description: { zh: form.description_zh, en: form.description_en },
    ...(form.format_zh !== undefined || form.format_en !== undefined
      ? { format: (form.format_zh ?? '').trim() || (form.format_en ?? '').trim() ? { zh: form.format_zh ?? '', en: form.format_en ?? '' } : null }
      : {}),
    ...(form.questions_zh !== undefined || form.questions_en !== undefined
      ? { guidingQuestions: pairQuestions(form.questions_zh ?? '', form.questions_en ?? '') }
      : {}),
    status: form.status,
  };
}

/** The i-th Chinese paragraph and the i-th English one make the i-th guiding question. */
function pairQuestions(zh: string, en: string): { zh: string; en: string }[] {
  const a = paragraphs(zh);
  const b = paragraphs(en);
  return Array.from({ length: Math.max(a.length, b.length) }, (_, i) => ({ zh: a[i] ?? '', en: b[i] ?? '' }));
}

function storedValues(s: Session, event: ForumEvent): FormFields {
  return {
    id: s.id,
    start: toWallClock(s.start, event.zone),
    end: toWallClock(s.end, event.zone),
    title_zh: s.title.zh,
    title_en: s.title.en,
    description_zh: s.description.zh,
    description_en: s.description.en,
    format_zh: s.format?.zh ?? '',
    format_en: s.format?.en ?? '',
    questions_zh: s.guidingQuestions.map((q) => q.zh).join('\n\n'),
    questions_en: s.guidingQuestions.map((q) => q.en).join('\n\n'),
    status: s.status,
  };
}

function statusOptions(text: ConsoleText, selected: string): { value: string; label: string; selected: boolean }[] {
  return sessionStatuses.map((value) => ({ value, label: text[`status_${value}`], selected: value === selected }));
}

/** The console's own wording of a refusal when it has one, else the refusal catalog's; the server's words as the detail. */
function refusalMessage(text: ConsoleText, lang: Lang, error: AppError): { summary: string; detail: string } {
  const key = `error_${error.code}`;
  const summary = key in text ? text[key as keyof ConsoleText] : errorMessages[lang][error.code];
  return { summary, detail: error.message };
}
