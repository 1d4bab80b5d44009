import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Participant } from '../domain/participants.ts';
import { actorOf } from '../services/audit-log.ts';
import type { AgendaService } from '../services/agenda-service.ts';
import type { Issued, ParticipantsAdmin } from '../services/participants-admin.ts';
import { authorize } from '../identity/policy.ts';
import { invitationInput, participantPatch, registrationInput } from '../identity/schemas.ts';
import { callerOf } from './caller.ts';
import { toCsv } from './csv.ts';
import type { RateLimiters } from './rate-limits.ts';
import { parseId, parseInput } from './validate.ts';

const listQuery = z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional() });

/** What the API shows of a participant (everything an organiser needs; never a token hash). */
export function participantJson(p: Participant): Participant {
  const { rev: _rev, ...rest } = p as Participant & { rev?: number };
  return rest;
}

/**
 * Participants over JSON: public self-registration, and the organiser's
 * invitations, approvals, roles, revocation and exports. Every route asks
 * the policy first.
 */
export function participantsApi(participants: ParticipantsAdmin, agenda: AgendaService, limits: RateLimiters): Router {
  const router = Router();

  router.get('/api/me', (req, res) => {
    const caller = callerOf(req);
    res.json({
      caller:
        caller.kind === 'participant'
          ? { kind: caller.kind, participant: participantJson(caller.participant) }
          : { kind: caller.kind },
    });
  });

  router.post('/api/events/:eventId/registrations', limits.registration, async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const input = parseInput(registrationInput, req.body);
    const result = await participants.register(eventId, input, req.ctx.lang);
    noStore(res);
    res.status(201).json({ ...result, participant: participantJson(result.participant) });
  });

  router.get('/api/events/:eventId/participants', async (req, res) => {
    const eventId = manage(req);
    const query = parseInput(listQuery, req.query, 'invalid_query');
    res.json({ participants: (await participants.list(eventId, query.status)).map(participantJson) });
  });

  router.post('/api/events/:eventId/participants', async (req, res) => {
    const eventId = manage(req);
    const input = parseInput(invitationInput, req.body);
    const issued = await participants.invite(eventId, input, actorOf(callerOf(req)));
    noStore(res);
    res.status(201).json({ ...issued, participant: participantJson(issued.participant) });
  });

  // A plain list for spreadsheets (no links: those exist only when made, see invitations.csv).
  router.get('/api/events/:eventId/participants.csv', async (req, res) => {
    const eventId = manage(req);
    res.type('text/csv; charset=utf-8').attachment(`${eventId}-participants.csv`);
    res.send(participantsCsv(await participants.list(eventId)));
  });

  // Fresh invitation links for every approved participant (each export issues new tokens).
  router.post('/api/events/:eventId/invitations.csv', async (req, res) => {
    const eventId = manage(req);
    const issued = await participants.exportInvitations(eventId, actorOf(callerOf(req)));
    noStore(res);
    res.type('text/csv; charset=utf-8').attachment(`${eventId}-invitations.csv`);
    res.send(invitationsCsv(issued));
  });

  router.get('/api/events/:eventId/participants/:participantId', async (req, res) => {
    const eventId = manage(req);
    res.json({ participant: participantJson(await participants.require(eventId, parseId(req.params.participantId, 'participantId'))) });
  });

  router.patch('/api/events/:eventId/participants/:participantId', async (req, res) => {
    const eventId = manage(req);
    const patch = parseInput(participantPatch, req.body);
    const result = await participants.update(eventId, parseId(req.params.participantId, 'participantId'), patch, actorOf(callerOf(req)));
    // Approving someone answers with their new token.
    noStore(res);
    res.json({ ...result, participant: participantJson(result.participant) });
  });

  router.delete('/api/events/:eventId/participants/:participantId', async (req, res) => {
    const eventId = manage(req);
    const participant = await participants.revoke(eventId, parseId(req.params.participantId, 'participantId'), actorOf(callerOf(req)));
    res.json({ participant: participantJson(participant), revoked: true });
  });

  router.post('/api/events/:eventId/participants/:participantId/invitation', async (req, res) => {
    const eventId = manage(req);
    const issued = await participants.reissue(eventId, parseId(req.params.participantId, 'participantId'), actorOf(callerOf(req)));
    noStore(res);
    res.status(201).json({ ...issued, participant: participantJson(issued.participant) });
  });

  // --- the caller's own agenda ---

  router.get('/api/events/:eventId/bookmarks', (req, res) => {
    const p = agendaOwner(req);
    res.json({ bookmarks: p.bookmarks });
  });

  router.put('/api/events/:eventId/bookmarks/:sessionId', async (req, res) => {
    const p = agendaOwner(req);
    const updated = await agenda.setBookmark(p, parseId(req.params.sessionId, 'sessionId'), true);
    res.json({ bookmarks: updated.bookmarks });
  });

  router.delete('/api/events/:eventId/bookmarks/:sessionId', async (req, res) => {
    const p = agendaOwner(req);
    const updated = await agenda.setBookmark(p, parseId(req.params.sessionId, 'sessionId'), false);
    res.json({ bookmarks: updated.bookmarks });
  });

  router.post('/api/events/:eventId/agenda/calendar-token', async (req, res) => {
    const p = agendaOwner(req);
    const token = await agenda.resetCalendarToken(p);
    noStore(res);
    res.status(201).json(agendaFeedLinks(agenda.publicUrl, token));
  });

  return router;
}

/**
 * For responses that carry a secret (a sign-in token, an invitation link, a
 * feed address): no browser, proxy or CDN may keep a copy.
 */
function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
}

/** The participant list for spreadsheets (also the console's export of a selection). */
export function participantsCsv(list: readonly Participant[]): string {
  const rows = list.map((p) => [p.name, p.email, p.organization, p.country, p.group, p.gender ?? '', p.language, p.status, p.organizer ? 'yes' : '', p.roles.map((r) => `${r.role}${r.language ? `:${r.language}` : ''}@${r.sessionId}`).join(' '), p.createdAt]);
  return toCsv(['name', 'email', 'organization', 'country', 'group', 'gender', 'language', 'status', 'organizer', 'roles', 'registered'], rows);
}

/** One row per invitation link, for organisers who send links themselves. */
export function invitationsCsv(issued: readonly Issued[]): string {
  return toCsv(
    ['name', 'email', 'organization', 'country', 'group', 'language', 'link'],
    issued.map(({ participant: p, link }) => [p.name, p.email, p.organization, p.country, p.group, p.language, link]),
  );
}

/** The event id, once the caller is allowed to manage the event. */
function manage(req: Request): string {
  const eventId = parseId(req.params.eventId, 'eventId');
  authorize(callerOf(req), 'event.manage', { eventId });
  return eventId;
}

/** The signed-in participant whose agenda this is. */
export function agendaOwner(req: Request): Participant {
  const eventId = parseId(req.params.eventId, 'eventId');
  const caller = callerOf(req);
  authorize(caller, 'agenda.edit', { eventId });
  if (caller.kind !== 'participant') throw new Error('unreachable: agenda.edit admits participants only');
  return caller.participant;
}

export function agendaFeedLinks(base: string, token: string): { token: string; url: string; webcal: string } {
  const url = `${base}/calendar/agenda/${token}.ics`;
  return { token, url, webcal: url.replace(/^https?:/, 'webcal:') };
}
