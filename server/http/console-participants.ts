import { DateTime } from 'luxon';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { countryName } from '../domain/countries.ts';
import { languageRoles, type Participant, type SessionRole, type SessionRoleName } from '../domain/participants.ts';
import type { Language, Session } from '../domain/programme.ts';
import { AppError } from '../errors.ts';
import { actorOf } from '../services/audit-log.ts';
import type { Issued, ParticipantsAdmin } from '../services/participants-admin.ts';
import { authorize } from '../identity/policy.ts';
import { invitationInput, roleInput } from '../identity/schemas.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf, pageBase } from './caller.ts';
import { toAppError } from './error-handler.ts';
import { inLanguage } from '../i18n/languages.ts';
import { translate } from '../i18n/translate.ts';
import { invitationsCsv } from './participants-api.ts';
import { emptyForm, fieldErrors, formInput, formModel, formValues, type FieldErrors, type ParticipantFormValues } from './participant-forms.ts';
import { idPattern, parseId, parseInput } from './validate.ts';
import type { Views } from './views.ts';

const noticeQuery = z.object({
  notice: z.enum(['approved', 'rejected', 'pending', 'roles', 'organizer', 'head-of-state', 'revoked']).optional(),
  who: z.string().regex(idPattern).optional(),
});

const statusForm = z.object({ status: z.enum(['approved', 'rejected', 'pending']), reason: z.string().max(500).optional() });
const rolesForm = z.object({ op: z.enum(['add', 'remove']), sessionId: z.string(), role: z.string(), language: z.string().optional() });
const flagForm = (field: 'organizer' | 'headOfState') => z.object({ [field]: z.enum(['true', 'false']) }) as z.ZodType<Record<string, 'true' | 'false'>>;

/**
 * The organiser's participants console: pending registrations with
 * approve/reject (and a reason), everyone's roles per session, organiser
 * rights, revocation, new invitation links, an invite form and the CSV
 * exports. Plain forms; each POST saves through participants administration
 * (the same one the JSON API uses) and redirects back with a notice.
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
    const query = parseInput(noticeQuery, req.query, 'invalid_query');
    let notice: string | undefined;
    if (query.notice && query.who) {
      const who = await admin.require(eventId, query.who).catch(() => null);
      if (who) notice = translate(req.ctx.lang, `id_done_${query.notice}`, { name: who.name });
    }
    await render(req, res, eventId, { notice, noticeFor: query.who });
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

  /** Runs one console action; a refusal about the input is shown on the console, anything else on the error page. */
  async function act(
    req: Request,
    res: Response,
    eventId: string,
    participantId: string,
    action: () => Promise<{ notice: string } | { issued: Issued }>,
  ): Promise<void> {
    let outcome;
    try {
      outcome = await action();
    } catch (error) {
      const appError = toAppError(error);
      if (appError.status >= 500 || [401, 403].includes(appError.status)) throw error;
      res.status(appError.status);
      await render(req, res, eventId, { failure: { participantId, message: translate(req.ctx.lang, 'id_done_failed', { message: appError.message }) } });
      return;
    }
    if ('issued' in outcome) renderIssued(req, res, outcome.issued);
    else res.redirect(303, `${base(eventId)}?notice=${outcome.notice}&who=${participantId}#participant-${participantId}`);
  }

  function renderIssued(req: Request, res: Response, issued: Issued): void {
    const lang = req.ctx.lang;
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).type('html').send(
      views.render('invitation-issued', {
        ...pageBase(req, translate(lang, 'id_issuedTitle', { name: issued.participant.name })),
        participant: issued.participant,
        link: issued.link,
        mailEnabled: admin.mailEnabled,
        backTo: `${base(issued.participant.eventId)}#participant-${issued.participant.id}`,
      }),
    );
  }

  interface RenderState {
    notice?: string | undefined;
    /** The participant the notice is about: it shows in that row, where the redirect's #participant-… anchor lands. */
    noticeFor?: string | undefined;
    failure?: { participantId: string; message: string };
    invite?: { values: ParticipantFormValues; errors: FieldErrors };
  }

  async function render(req: Request, res: Response, eventId: string, state: RenderState): Promise<void> {
    const lang = req.ctx.lang;
    const event = await programme.requireEvent(eventId);
    const sessions = await programme.sessions(eventId);
    const participants = await admin.list(eventId);
    const rows = participants.map((p) => ({
      ...row(p, sessions, lang, state.failure?.participantId === p.id ? state.failure.message : undefined, req.ctx.zone ?? event.zone),
      notice: state.noticeFor === p.id ? state.notice : undefined,
    }));
    const inviteValues = state.invite?.values ?? { ...emptyForm(lang, undefined), timeZone: '' };
    res.type('html').send(
      views.render('console-participants', {
        ...pageBase(req, `${translate(lang, 'id_participantsTitle')} — ${inLanguage(event.title, lang)}`),
        event,
        notice: state.notice && !participants.some((p) => p.id === state.noticeFor) ? state.notice : undefined,
        failure: state.failure && !participants.some((p) => p.id === state.failure?.participantId) ? state.failure.message : undefined,
        count: translate(lang, 'id_count', { n: participants.length }),
        pending: rows.filter((r) => r.status === 'pending'),
        participants: rows,
        sessions: sessions.map((s) => ({ id: s.id, title: inLanguage(s.title, lang) })),
        roleNames: ['moderator', 'panelist', 'interpreter', 'captioner', 'sign_interpreter'].map((r) => ({ value: r, label: translate(lang, `id_role_${r}`) })),
        mailEnabled: admin.mailEnabled,
        invite: formModel(lang, inviteValues, state.invite?.errors ?? {}),
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
  return {
    ...p,
    failure,
    countryName: countryName(p.country, lang),
    groupLabel: translate(lang, `id_group_${p.group}`),
    statusLabel: translate(lang, `id_status_${p.status}`),
    genderLabel: p.gender ? translate(lang, `id_gender_${p.gender}`) : '',
    roles: p.roles.map((r) => {
      const roleLabel = translate(lang, `id_role_${r.role}`) + (r.language ? ` (${r.language})` : '');
      return { ...r, roleLabel, sessionTitle: title(r.sessionId), removeLabel: translate(lang, 'id_removeRole', { role: roleLabel, session: title(r.sessionId) }) };
    }),
    // In the organiser's own zone (the one the programme shows), with its abbreviation.
    signedInLabel: p.signedInAt ? signedInTime(p.signedInAt, zone, lang) : translate(lang, 'id_never'),
  };
}

function signedInTime(iso: string, zone: string, lang: Language): string {
  const at = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  const shown = at.isValid ? at : DateTime.fromISO(iso, { zone: 'utc' });
  return shown.setLocale(lang).toFormat('yyyy-MM-dd HH:mm ZZZZ');
}
