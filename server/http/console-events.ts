import { Router, type Request, type Response } from 'express';
import { admissions, eventSettings, uiLanguageCodes, type EventDraft, type UiLanguageCode, type ManagedEvent } from '../domain/events.ts';
import { constituentGroups } from '../domain/participants.ts';
import { listTimeZones } from '../domain/zones.ts';
import { AppError } from '../errors.ts';
import { errorMessages } from '../i18n/catalogs/errors.ts';
import { fieldProblems } from '../i18n/error-text.ts';
import { translate } from '../i18n/translate.ts';
import { authorize, authorizeEventCreation } from '../identity/policy.ts';
import { actorOf } from '../services/audit-log.ts';
import type { EventEditor } from '../services/event-editor.ts';
import type { Issued } from '../services/participants-admin.ts';
import { callerOf, pageBase } from './caller.ts';
import { toAppError } from './error-handler.ts';
import { eventDraftSchema, eventPatchSchema } from './event-input.ts';
import { parseId, parseInput } from './validate.ts';
import { consoleNav } from './console-nav.ts';
import { htmlLang, languageChoices, languages, textDirection } from '../i18n/languages.ts';
import { languageNames } from '../i18n/warm.ts';
import type { Views } from './views.ts';

type Form = Record<string, unknown>;

/**
 * The organisers' event console (issue 15): the list of events (archived
 * ones too) with a form to create one, and a form to edit each. Plain HTML
 * forms (no script needed), labelled fields, refusals announced with
 * role="alert" and tied to the form; the same schemas as the JSON API.
 */
export function consoleEvents(editor: EventEditor, views: Views): Router {
  const router = Router();
  const zones = listTimeZones();

  const render = (req: Request, res: Response, page: 'list' | 'edit', data: { event?: ManagedEvent; values: Form; error?: AppError; notice?: string; issued?: Issued; events?: unknown[]; status?: number }) => {
    const lang = req.ctx.lang;
    const values = data.values;
    const ui = asList(values.ui);
    const interpretation = interpretationList(values);
    const names = languageNames(lang);
    res
      .status(data.error ? data.error.status : (data.status ?? 200))
      .set('Cache-Control', 'private, no-store')
      .type('html')
      .send(
        views.render('console-events', {
          ...pageBase(req, translate(lang, page === 'list' ? 'evConsoleTitle' : 'evEditTitle')),
          script: 'console',
          editing: page === 'edit',
          event: data.event,
          events: (data.events as { phase?: string }[] | undefined)?.map((e) => ({ ...e, phaseLabel: e.phase ? translate(lang, `evPhase${e.phase[0]!.toUpperCase()}${e.phase.slice(1)}`) : '' })),
          action: page === 'edit' && data.event ? `/events/${data.event.id}/console/event` : '/console/events',
          values,
          zones,
          consoleNav: consoleNav(page === 'edit' ? data.event?.id : undefined, page === 'edit' ? 'event' : 'events', lang),
          uiOptions: uiLanguageCodes.map((code) => ({ code, label: languageChoices[code].label, lang: htmlLang(code), checked: ui.includes(code) })),
          interpretationOptions: uiLanguageCodes.map((code) => ({ code, label: names.of(code) ?? code, checked: interpretation.includes(code) })),
          interpretationOther: interpretation.filter((c) => !(uiLanguageCodes as readonly string[]).includes(c)).join(', '),
          // Title, organiser and description per language, under language tabs (client/language-tabs.ts).
          languageGroups: languages.map((l) => ({
            code: l,
            label: languageChoices[l].label,
            lang: htmlLang(l),
            direction: textDirection(l),
            title: str(values[`title_${l}`]),
            organizer: str(values[`organizer_${l}`]),
            description: str(values[`description_${l}`]),
          })),
          admissionRows: constituentGroups.map((group) => ({
            group,
            label: translate(lang, `group_${group}`),
            options: admissions.map((a) => ({ value: a, label: translate(lang, `evAdmission${a[0]!.toUpperCase()}${a.slice(1)}`), selected: values[`admission_${group}`] === a })),
          })),
          notice: data.notice,
          issued: data.issued,
          error: data.error ? { summary: errorMessages[lang][data.error.code], fields: fieldProblems(data.error, lang) } : undefined,
        }),
      );
  };

  router.get('/console/events', async (req, res) => {
    authorizeEventCreation(callerOf(req));
    const events = await editor.list({ includeArchived: true });
    render(req, res, 'list', { events, values: defaults() });
  });

  router.post('/console/events', async (req, res) => {
    const caller = callerOf(req);
    authorizeEventCreation(caller);
    const values = req.body as Form;
    try {
      const draft = parseInput(eventDraftSchema, { id: str(values.id), ...fromForm(values) });
      const { event, organizer } = await editor.create(caller, actorOf(caller), draft);
      const lang = req.ctx.lang;
      render(req, res, 'edit', { status: 201, event, values: toForm(event), notice: translate(lang, 'evCreated'), ...(organizer ? { issued: organizer } : {}) });
    } catch (error) {
      const appError = toAppError(error);
      if (appError.status >= 500 || appError.status === 401 || appError.status === 403) throw error;
      render(req, res, 'list', { events: await editor.list({ includeArchived: true }), values, error: appError });
    }
  });

  router.get('/events/:eventId/console/event', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const event = await editor.get(eventId);
    render(req, res, 'edit', { event, values: toForm(event), ...(req.query.notice === 'saved' ? { notice: translate(req.ctx.lang, 'evSaved') } : {}) });
  });

  router.post('/events/:eventId/console/event', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const values = req.body as Form;
    try {
      const patch = parseInput(eventPatchSchema, { ...fromForm(values), archived: values.archived === 'on' });
      await editor.update(actorOf(callerOf(req)), eventId, patch);
      res.redirect(303, `/events/${eventId}/console/event?notice=saved`);
    } catch (error) {
      const appError = toAppError(error);
      if (appError.status >= 500 || appError.status === 401 || appError.status === 403) throw error;
      render(req, res, 'edit', { event: await editor.get(eventId), values, error: appError });
    }
  });

  router.post('/events/:eventId/console/event/delete', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    try {
      await editor.remove(actorOf(callerOf(req)), eventId);
      res.redirect(303, '/console/events');
    } catch (error) {
      const appError = toAppError(error);
      if (appError.code !== 'event_has_sessions') throw error;
      const event = await editor.get(eventId);
      render(req, res, 'edit', { event, values: toForm(event), error: appError });
    }
  });

  return router;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function asList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : [];
}

/** The interpretation languages ticked, plus any typed as tags (a single text field of tags is read the same way). */
function interpretationList(values: Form): string[] {
  const tags = [...asList(values.interpretation), str(values.interpretation_other)].flatMap((v) => v.split(/[\s,;]+/)).filter(Boolean);
  return [...new Set(tags)];
}

/** A text per language from `<field>_<lang>`; a language the form did not carry is left out, so an edit keeps it. */
function texts(values: Form, field: string): Partial<Record<(typeof languages)[number], string>> {
  return Object.fromEntries(languages.filter((l) => typeof values[`${field}_${l}`] === 'string').map((l) => [l, str(values[`${field}_${l}`])]));
}

/** The form's fields as the API body (an unticked box is false; empty texts stay empty). */
function fromForm(values: Form): Omit<EventDraft, 'id'> {
  const admission = Object.fromEntries(constituentGroups.map((g) => [g, str(values[`admission_${g}`]) || undefined]).filter(([, v]) => v));
  return {
    title: texts(values, 'title'),
    description: texts(values, 'description'),
    organizer: texts(values, 'organizer'),
    zone: str(values.zone),
    languages: {
      ui: asList(values.ui) as UiLanguageCode[], // checked by the schema
      interpretation: interpretationList(values),
    },
    registration: { open: values.registration_open === 'on', admission },
    webcast: { public: values.webcast_public === 'on' },
  };
}

function toForm(event: ManagedEvent): Form {
  const s = eventSettings(event);
  return {
    id: event.id,
    ...Object.fromEntries(languages.flatMap((l) => [[`title_${l}`, event.title[l] ?? ''], [`description_${l}`, event.description[l] ?? ''], [`organizer_${l}`, event.organizer[l] ?? '']])),
    zone: event.zone,
    ui: s.languages.ui,
    interpretation: s.languages.interpretation,
    registration_open: s.registration.open ? 'on' : undefined,
    webcast_public: s.webcast.public ? 'on' : undefined,
    archived: s.archived ? 'on' : undefined,
    ...Object.fromEntries(Object.entries(s.registration.admission).map(([g, a]) => [`admission_${g}`, a])),
  };
}

function defaults(): Form {
  return toForm({ id: '', zone: 'Europe/Zurich', title: { zh: '', en: '' }, organizer: { zh: '', en: '' }, description: { zh: '', en: '' }, createdAt: '', updatedAt: '' });
}
