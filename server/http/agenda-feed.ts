import { Router } from 'express';
import { z } from 'zod';
import { buildCalendar } from '../calendar/build-calendar.ts';
import { sessionsWithRoles } from '../domain/participants.ts';
import { AppError } from '../errors.ts';
import type { AgendaService } from '../services/agenda-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { baseUrlOf } from './base-url.ts';
import { sendCalendar } from './calendar-feeds.ts';
import { inLanguage, languages, pickLanguage } from '../i18n/languages.ts';
import { translate } from '../i18n/translate.ts';
import { parseInput } from './validate.ts';

const feedQuery = z.object({ lang: z.enum(languages).optional() });

/**
 * GET /calendar/agenda/:token.ics — a participant's personal agenda: the
 * sessions they starred and those they hold a role in, built by the same
 * calendar builder as the public feeds, so it follows programme edits
 * (SEQUENCE, STATUS:CANCELLED) and stars as soon as the client polls.
 * The token is the participant's calendar token (not their sign-in token).
 */
export function agendaFeed(agenda: AgendaService, programme: ProgrammeService, options: { publicUrl: string | undefined }): Router {
  const router = Router();

  router.get('/calendar/agenda/:file', async (req, res) => {
    const match = /^([A-Za-z0-9_-]{43})\.ics$/.exec(String(req.params.file ?? ''));
    const participant = match?.[1] ? await agenda.participantForCalendarToken(match[1]) : null;
    if (!participant || participant.status !== 'approved') {
      throw new AppError('not_found', 'There is no agenda feed at this address (it may have been replaced by a newer one).');
    }
    const lang = pickLanguage({ requested: parseInput(feedQuery, req.query, 'invalid_query').lang }, languages, participant.language);
    const event = await programme.requireEvent(participant.eventId);
    const wanted = new Set([...participant.bookmarks, ...sessionsWithRoles(participant)]);
    const sessions = (await programme.sessions(event.id)).filter((s) => wanted.has(s.id));
    const ics = buildCalendar({
      event,
      sessions,
      lang,
      baseUrl: baseUrlOf(req, options.publicUrl),
      name: `${translate(lang, 'id_myAgenda')} — ${inLanguage(event.title, lang)}`,
    });
    sendCalendar(req, res, ics, `${event.id}-agenda.ics`, [event.updatedAt, participant.updatedAt, ...sessions.map((s) => s.updatedAt)]);
  });

  return router;
}
