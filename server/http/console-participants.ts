import { DateTime } from 'luxon';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { countryName } from '../domain/countries.ts';
import { zoneAbbreviation } from '../domain/zones.ts';
import { eventSettings, uiLanguageCodes, type ManagedEvent } from '../domain/events.ts';
import { constituentGroups, languageRoles, type Participant, type SessionRole, type SessionRoleName } from '../domain/participants.ts';
import type { Language, Session } from '../domain/programme.ts';
import { AppError } from '../errors.ts';
import { actorOf } from '../services/audit-log.ts';
import type { Issued, ParticipantsAdmin } from '../services/participants-admin.ts';
import { authorize } from '../identity/policy.ts';
import { invitationInput, roleInput } from '../identity/schemas.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf, pageBase } from './caller.ts';
import { consoleNav } from './console-nav.ts';
import { toAppError } from './error-handler.ts';
import { inLanguage } from '../i18n/languages.ts';
import { translate } from '../i18n/translate.ts';
import { describeError } from '../i18n/error-text.ts';
import { invitationsCsv, participantsCsv } from './participants-api.ts';
import { emptyForm, fieldErrors, formInput, formModel, formValues, type FieldErrors, type ParticipantFormValues } from './participant-forms.ts';
import { roleFilters, sortColumns, tableHref, tableQuery, tableRows, type SortColumn, type TableQuery } from './participant-table.ts';
import { idPattern, parseId, parseInput } from './validate.ts';
import { languageNames } from '../i18n/warm.ts';
import type { Views } from './views.ts';

const notices = ['approved', 'rejected', 'pending', 'roles', 'organizer', 'head-of-state', 'revoked'] as const;
const noticeQuery = z.object({
  notice: z.enum(notices).optional(),
  who: z.string().regex(idPattern).optional(),
});
const listQuery = tableQuery.extend(noticeQuery.shape);

const statusForm = z.object({ status: z.enum(['approved', 'rejected', 'pending']), reason: z.string().max(500).optional() });
const rolesForm = z.object({ op: z.enum(['add', 'remove']), sessionId: z.string(), role: z.string(), language: z.string().optional() });
const flagForm = (field: 'organizer' | 'headOfState') => z.object({ [field]: z.enum(['true', 'false']) }) as z.ZodType<Record<string, 'true' | 'false'>>;
const bulkForm = z.object({
  action: z.enum(['approve', 'export', 'links', 'send']),
  ids: z.union([z.string().regex(idPattern), z.array(z.string().regex(idPattern)).max(5000)]).optional(),
});

/** Which page an action was taken from: the participant's own page, or the list (the default, as before). */
const fromDetail = (body: unknown) => (body as Record<string, unknown> | undefined)?.from === 'detail';

/**
 * The organiser's participants console (issue 17): a table with search,
 * filters and sortable columns (all in the query string, so it works
 * without JavaScript; client/console-table.ts filters as one types), bulk
 * actions on a selection (approve, export, invitation links, e-mailed
 * invitations), the pending registrations, the invite form; and a page per
 * participant with their roles (session and language pickers), flags and
 * the destructive actions behind a confirmation. Every POST saves through
 * participants administration (the same one the JSON API uses) and
 * redirects back with the notice where the organiser is looking.
 */
export function consoleParticipants(admin: ParticipantsAdmin, programme: ProgrammeService, views: Views): Router {
  const router = Router();
  const base = (eventId: string) => `/events/${eventId}/console/participants`;

  const manage = (req: Request): string => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    return eventId;
  };

  router.get('/events/:eventId/console/participants', async (req, res) => {
    const eventId = manage(req);
    const query = parseInput(listQuery, req.query, 'invalid_query');
    let notice: string | undefined;
    if (query.notice && query.who) {
      const who = await admin.require(eventId, query.who).catch(() => null);
      if (who) notice = translate(req.ctx.lang, `id_done_${query.notice}`, { name: who.name });
    }
    await render(req, res, eventId, { notice, noticeFor: query.who, table: query });
  });

  router.get('/events/:eventId/console/participants/:participantId', async (req, res) => {
    const eventId = manage(req);
    const participantId = parseId(req.params.participantId, 'participantId');
    const query = parseInput(noticeQuery, req.query, 'invalid_query');
    const participant = await admin.require(eventId, participantId);
    await renderDetail(req, res, eventId, participant, { notice: query.notice ? translate(req.ctx.lang, `id_done_${query.notice}`, { name: participant.name }) : undefined });
  });

  router.post('/events/:eventId/console/participants/invite', async (req, res) => {
    const eventId = manage(req);
    const lang = req.ctx.lang;
    const values = formValues(req.body);
    let issued: Issued;
    try {
      const input = parseInput(invitationInput, { ...formInput(values), organizer: values.organizer });
      issued = await admin.invite(eventId, input, actorOf(callerOf(req)));
    } catch (error) {
      const errors = fieldErrors(error, lang);
      if (!errors) throw error;
      res.status((error as AppError).status);
      await render(req, res, eventId, { invite: { values, errors } });
      return;
    }
    renderIssued(req, res, issued);
  });

  router.post('/events/:eventId/console/participants/invitations.csv', async (req, res) => {
    const eventId = manage(req);
    const issued = await admin.exportInvitations(eventId, actorOf(callerOf(req)));
    res.setHeader('Cache-Control', 'no-store');
    res.type('text/csv; charset=utf-8').attachment(`${eventId}-invitations.csv`);
    res.send(invitationsCsv(issued));
  });

  // One action on the participants ticked in the table.
  router.post('/events/:eventId/console/participants/bulk', async (req, res) => {
    const eventId = manage(req);
    const lang = req.ctx.lang;
    const form = parseInput(bulkForm, req.body);
    const ids = new Set(form.ids === undefined ? [] : typeof form.ids === 'string' ? [form.ids] : form.ids);
    const selected = (await admin.list(eventId)).filter((p) => ids.has(p.id));
    if (selected.length === 0) {
      res.status(400);
      await render(req, res, eventId, { bulk: { notice: translate(lang, 'cn_bulkNone'), error: true } });
      return;
    }
    const actor = actorOf(callerOf(req));
    if (form.action === 'export') {
      res.setHeader('Cache-Control', 'no-store');
      res.type('text/csv; charset=utf-8').attachment(`${eventId}-participants-selected.csv`);
      res.send(participantsCsv(selected));
      return;
    }
    if (form.action === 'links') {
      const issued = await admin.exportInvitations(eventId, actor, ids);
      res.setHeader('Cache-Control', 'no-store');
      res.type('text/csv; charset=utf-8').attachment(`${eventId}-invitations-selected.csv`);
      res.send(invitationsCsv(issued));
      return;
    }
    if (form.action === 'send') {
      let sent = 0;
      for (const p of selected) {
        if (p.status !== 'approved') continue;
        await admin.reissue(eventId, p.id, actor);
        sent += 1;
      }
      await render(req, res, eventId, { bulk: { notice: translate(lang, 'cn_bulkSent', { n: sent }) } });
      return;
    }
    // Approve: those waiting or rejected; approving someone without a token issues one (mailed when mail is on, shown here otherwise).
    let approved = 0;
    const issued: { name: string; link: string }[] = [];
    for (const p of selected) {
      if (p.status === 'approved') continue;
      const result = await admin.update(eventId, p.id, { status: 'approved' }, actor);
      approved += 1;
      if (result.link && !admin.mailEnabled) issued.push({ name: result.participant.name, link: result.link });
    }
    res.setHeader('Cache-Control', 'no-store');
    await render(req, res, eventId, { bulk: { notice: translate(lang, 'cn_bulkApproved', { n: approved }), issued } });
  });

  router.post('/events/:eventId/console/participants/:participantId/status', async (req, res) => {
    const eventId = manage(req);
    const participantId = parseId(req.params.participantId, 'participantId');
    await act(req, res, eventId, participantId, async () => {
      const form = parseInput(statusForm, req.body);
      const reason = form.reason?.trim() || undefined;
      const result = await admin.update(eventId, participantId, { status: form.status, ...(reason ? { reason } : {}) }, actorOf(callerOf(req)));
      // Approving someone without a token issued one: show it (mail may be off).
      if (result.token && result.link) return { issued: { participant: result.participant, token: result.token, link: result.link } };
      return { notice: form.status };
    });
  });

  router.post('/events/:eventId/console/participants/:participantId/roles', async (req, res) => {
    const eventId = manage(req);
    const participantId = parseId(req.params.participantId, 'participantId');
    await act(req, res, eventId, participantId, async () => {
      const form = parseInput(rolesForm, req.body);
      const current = await admin.require(eventId, participantId);
      const role = parseInput(roleInput, {
        sessionId: form.sessionId,
        role: form.role,
        ...(languageRoles.includes(form.role as SessionRoleName) && form.language?.trim() ? { language: form.language.trim() } : {}),
      });
      const roles: SessionRole[] =
        form.op === 'add'
          ? [...current.roles, role]
          : current.roles.filter((r) => !(r.sessionId === role.sessionId && r.role === role.role && (r.language ?? '') === (role.language ?? '')));
      await admin.update(eventId, participantId, { roles }, actorOf(callerOf(req)));
      return { notice: 'roles' };
    });
  });

  // Yes/no flags set by a one-button form: organiser rights, Head of State or Government.
  const flags = [
    { path: 'organizer', field: 'organizer', notice: 'organizer' },
    { path: 'head-of-state', field: 'headOfState', notice: 'head-of-state' },
  ] as const;
  for (const flag of flags) {
    router.post(`/events/:eventId/console/participants/:participantId/${flag.path}`, async (req, res) => {
      const eventId = manage(req);
      const participantId = parseId(req.params.participantId, 'participantId');
      await act(req, res, eventId, participantId, async () => {
        const form = parseInput(flagForm(flag.field), req.body);
        await admin.update(eventId, participantId, { [flag.field]: form[flag.field] === 'true' }, actorOf(callerOf(req)));
        return { notice: flag.notice };
      });
    });
  }

  router.post('/events/:eventId/console/participants/:participantId/revoke', async (req, res) => {
    const eventId = manage(req);
    const participantId = parseId(req.params.participantId, 'participantId');
    await act(req, res, eventId, participantId, async () => {
      await admin.revoke(eventId, participantId, actorOf(callerOf(req)));
      return { notice: 'revoked' };
    });
  });

  router.post('/events/:eventId/console/participants/:participantId/invitation', async (req, res) => {
    const eventId = manage(req);
    const participantId = parseId(req.params.participantId, 'participantId');
    await act(req, res, eventId, participantId, async () => ({ issued: await admin.reissue(eventId, participantId, actorOf(callerOf(req))) }));
  });

  /** Runs one console action; a refusal about the input is shown where it was taken, anything else on the error page. */
  async function act(
    req: Request,
    res: Response,
    eventId: string,
    participantId: string,
    action: () => Promise<{ notice: (typeof notices)[number] } | { issued: Issued }>,
  ): Promise<void> {
    const detail = fromDetail(req.body);
    let outcome;
    try {
      outcome = await action();
    } catch (error) {
      const appError = toAppError(error);
      if (appError.status >= 500 || [401, 403].includes(appError.status)) throw error;
      res.status(appError.status);
      const message = translate(req.ctx.lang, 'id_done_failed', { message: describeError(appError, req.ctx.lang).text });
      if (detail) await renderDetail(req, res, eventId, await admin.require(eventId, participantId), { failure: message });
      else await render(req, res, eventId, { failure: { participantId, message } });
      return;
    }
    if ('issued' in outcome) renderIssued(req, res, outcome.issued, detail);
    else if (detail) res.redirect(303, `${base(eventId)}/${participantId}?notice=${outcome.notice}`);
    else res.redirect(303, `${base(eventId)}?notice=${outcome.notice}&who=${participantId}#participant-${participantId}`);
  }

  function renderIssued(req: Request, res: Response, issued: Issued, detail = false): void {
    const lang = req.ctx.lang;
    const p = issued.participant;
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).type('html').send(
      views.render('invitation-issued', {
        ...pageBase(req, translate(lang, 'id_issuedTitle', { name: p.name })),
        participant: p,
        link: issued.link,
        mailEnabled: admin.mailEnabled,
        backTo: detail ? `${base(p.eventId)}/${p.id}` : `${base(p.eventId)}#participant-${p.id}`,
      }),
    );
  }

  interface RenderState {
    notice?: string | undefined;
    /** The participant the notice is about: it shows in that row, where the redirect's #participant-… anchor lands. */
    noticeFor?: string | undefined;
    failure?: { participantId: string; message: string };
    invite?: { values: ParticipantFormValues; errors: FieldErrors };
    table?: TableQuery;
    /** The outcome of a bulk action, shown above the table (where the organiser pressed the button). */
    bulk?: { notice: string; error?: boolean; issued?: { name: string; link: string }[] };
  }

  async function render(req: Request, res: Response, eventId: string, state: RenderState): Promise<void> {
    const lang = req.ctx.lang;
    const event = await programme.requireEvent(eventId);
    const zone = req.ctx.zone ?? event.zone;
    const sessions = await programme.sessions(eventId);
    const participants = await admin.list(eventId);
    const query: TableQuery = state.table ?? {};
    const shown = tableRows(participants, query, lang);
    const rows = shown.map((p) => ({
      ...row(p, sessions, lang, state.failure?.participantId === p.id ? state.failure.message : undefined, zone),
      notice: state.noticeFor === p.id ? state.notice : undefined,
      manageHref: `${base(eventId)}/${p.id}`,
    }));
    const pending = participants.filter((p) => p.status === 'pending').map((p) => row(p, sessions, lang, undefined, zone));
    const inviteValues = state.invite?.values ?? { ...emptyForm(lang, undefined), timeZone: '' };
    const listBase = base(eventId);
    const sortLabel = (c: SortColumn) => translate(lang, c === 'name' ? 'cn_columnName' : c === 'organization' ? 'id_organization' : c === 'country' ? 'id_country' : c === 'group' ? 'id_group' : c === 'status' ? 'id_status' : 'id_lastSignIn');
    const sorted = query.sort ?? 'name';
    const columns = Object.fromEntries(
      sortColumns.map((c) => {
        const active = c === sorted;
        const dir = active ? (query.dir ?? 'asc') : undefined;
        return [c, {
          label: sortLabel(c),
          href: tableHref(listBase, query, { sort: c, dir: active && dir === 'asc' ? 'desc' : 'asc' }),
          ariaSort: active ? (dir === 'asc' ? 'ascending' : 'descending') : undefined,
          arrow: active ? (dir === 'asc' ? '▲' : '▼') : '',
          sortBy: translate(lang, 'cn_sortBy', { column: sortLabel(c) }),
        }];
      }),
    );
    const rowInList = (id: string | undefined) => shown.some((p) => p.id === id);
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('html').send(
      views.render('console-participants', {
        ...pageBase(req, `${translate(lang, 'id_participantsTitle')} — ${inLanguage(event.title, lang)}`),
        script: 'console',
        consoleNav: consoleNav(eventId, 'participants', lang),
        event,
        // A notice or failure whose row is filtered out stays at the top.
        notice: state.notice && !rowInList(state.noticeFor) ? state.notice : undefined,
        failure: state.failure && !rowInList(state.failure.participantId) ? state.failure.message : undefined,
        bulk: state.bulk,
        count: translate(lang, 'id_count', { n: participants.length }),
        shownLabel: translate(lang, 'cn_shown', { shown: shown.length, total: participants.length }),
        // The same sentence with its numbers left open, for live filtering (client/console-table.ts).
        shownPattern: translate(lang, 'cn_shown', { shown: '{shown}', total: '{total}' }),
        pending,
        participants: rows,
        filters: {
          q: query.q ?? '',
          active: Boolean(query.q || query.group || query.role || query.status),
          sort: query.sort ?? '',
          dir: query.dir ?? '',
          groups: constituentGroups.map((g) => ({ value: g, label: translate(lang, `id_group_${g}`), selected: query.group === g })),
          roles: roleFilters.map((r) => ({ value: r, label: translate(lang, r === 'organizer' ? 'id_organizerFlag' : r === 'none' ? 'cn_roleNone' : `id_role_${r}`), selected: query.role === r })),
          statuses: (['pending', 'approved', 'rejected'] as const).map((s) => ({ value: s, label: translate(lang, `id_status_${s}`), selected: query.status === s })),
          clearHref: tableHref(listBase, {}, { sort: query.sort, dir: query.dir }),
        },
        columns,
        mailEnabled: admin.mailEnabled,
        invite: formModel(lang, inviteValues, state.invite?.errors ?? {}),
        // The shared participant fields speak of the invitee ("their link"), not of the reader.
        inviting: true,
      }),
    );
  }

  async function renderDetail(req: Request, res: Response, eventId: string, p: Participant, state: { notice?: string | undefined; failure?: string }): Promise<void> {
    const lang = req.ctx.lang;
    const event = await programme.requireEvent(eventId);
    const sessions = await programme.sessions(eventId);
    const zone = req.ctx.zone ?? event.zone;
    const settings = eventSettings(event as ManagedEvent);
    // The languages an interpreter or captioner may work in: the event's interpretation languages, else the six UN languages.
    const offered = settings.languages.interpretation.length > 0 ? settings.languages.interpretation : [...uiLanguageCodes];
    const names = languageNames(lang);
    res.setHeader('Cache-Control', 'private, no-store');
    res.type('html').send(
      views.render('console-participant', {
        ...pageBase(req, `${p.name} — ${translate(lang, 'id_participantsTitle')}`),
        script: 'console',
        consoleNav: consoleNav(eventId, 'participants', lang),
        event,
        notice: state.notice,
        failure: state.failure,
        p: row(p, sessions, lang, undefined, zone),
        backHref: `${base(eventId)}#participant-${p.id}`,
        action: `${base(eventId)}/${p.id}`,
        sessions: sessions.map((s) => ({ id: s.id, title: inLanguage(s.title, lang) })),
        roleNames: ['moderator', 'panelist', 'interpreter', 'captioner', 'sign_interpreter'].map((r) => ({ value: r, label: translate(lang, `id_role_${r}`) })),
        roleLanguages: offered.map((code) => ({ value: code, label: `${names.of(code) ?? code} (${code})` })),
      }),
    );
  }

  return router;
}

function row(p: Participant, sessions: readonly Session[], lang: Language, failure: string | undefined, zone: string) {
  const title = (id: string) => {
    const s = sessions.find((x) => x.id === id);
    return s ? inLanguage(s.title, lang) : id;
  };
  const names = languageNames(lang);
  return {
    ...p,
    failure,
    countryName: countryName(p.country, lang),
    groupLabel: translate(lang, `id_group_${p.group}`),
    statusLabel: translate(lang, `id_status_${p.status}`),
    genderLabel: p.gender ? translate(lang, `id_gender_${p.gender}`) : '',
    roles: p.roles.map((r) => {
      const roleLabel = translate(lang, `id_role_${r.role}`) + (r.language ? ` (${names.of(r.language) ?? r.language})` : '');
      return { ...r, roleLabel, sessionTitle: title(r.sessionId), removeLabel: translate(lang, 'id_removeRole', { role: roleLabel, session: title(r.sessionId) }) };
    }),
    // In the organiser's own zone (the one the programme shows), with its abbreviation.
    signedInLabel: p.signedInAt ? signedInTime(p.signedInAt, zone, lang) : translate(lang, 'id_never'),
    selectLabel: translate(lang, 'cn_select', { name: p.name }),
    manageLabel: translate(lang, 'cn_manageLabel', { name: p.name }),
    // What live filtering searches, lower-cased (client/console-table.ts).
    searchText: [p.name, p.email, p.organization, p.country, countryName(p.country, lang), countryName(p.country, 'en')].join(' ').toLocaleLowerCase(),
  };
}

function signedInTime(iso: string, zone: string, lang: Language): string {
  const at = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  const shown = at.isValid ? at : DateTime.fromISO(iso, { zone: 'utc' });
  return `${shown.setLocale(lang === 'zh' ? 'zh-Hans' : lang).toLocaleString(DateTime.DATETIME_MED)} ${zoneAbbreviation(shown)}`;
}
