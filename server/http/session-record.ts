import { DateTime } from 'luxon';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { hasSessionRole, type Participant } from '../domain/participants.ts';
import { buildRecord, recordMarkdown, type SessionRecord } from '../domain/record.ts';
import { recordMessages } from '../i18n/catalogs/record.ts';
import { dateLocale, inLanguage, isLang } from '../i18n/languages.ts';
import { authorize } from '../identity/policy.ts';
import type { FloorService } from '../services/floor-service.ts';
import type { PollService } from '../services/poll-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import type { QnaService } from '../services/qna-service.ts';
import type { RunningOrderService } from '../services/running-order-service.ts';
import { callerOf, pageBase } from './caller.ts';
import { countryName } from '../domain/countries.ts';
import { zoneAbbreviation } from '../domain/zones.ts';
import { translate } from '../i18n/translate.ts';
import { consoleNav } from './console-nav.ts';
import { consoleText } from '../i18n/catalogs/console.ts';
import { parseId, parseInput } from './validate.ts';
import type { Views } from './views.ts';

export interface SessionRecordDeps {
  programme: ProgrammeService;
  floor: FloorService;
  qna: QnaService;
  polls: PollService;
  /** The session's running order, planned against actual (issue 18). */
  running?: RunningOrderService;
  listParticipants: (eventId: string) => Promise<Participant[]>;
  views: Views;
}

const recordQuery = z.object({ format: z.enum(['json', 'md', 'html']).optional(), lang: z.string().optional() });

/**
 * A session's draft record for its moderators and organisers:
 * `GET /api/events/:eventId/sessions/:sessionId/record` as JSON,
 * `?format=md` as a Markdown download (editors open it as is, or turn it
 * into DOCX with pandoc; no document library to keep up to date on the
 * server), and a console page at `/events/:eventId/console/sessions/:sessionId/record`.
 * `?lang=zh|en` picks the language (else the viewer's).
 */
export function sessionRecords(deps: SessionRecordDeps): Router {
  const router = Router();

  async function build(req: Request): Promise<SessionRecord> {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    authorize(callerOf(req), 'queue.moderate', { eventId, sessionId });
    const { lang } = parseInput(recordQuery, req.query, 'invalid_query');
    const [event, session] = await Promise.all([deps.programme.requireEvent(eventId), deps.programme.requireSession(eventId, sessionId)]);
    const [queue, questions, moderation, polls, participants, runningOrder] = await Promise.all([
      deps.floor.state(eventId, sessionId),
      deps.qna.snapshot(eventId, sessionId, { participantId: null, moderator: true }).then((snapshot) => snapshot.questions),
      deps.qna.moderationLog(eventId, sessionId),
      deps.polls.list(eventId, sessionId),
      deps.listParticipants(eventId),
      deps.running?.get(eventId, sessionId),
    ]);
    return buildRecord({
      lang: isLang(lang) ? lang : req.ctx.lang,
      event,
      session,
      chair: participants.filter((p) => hasSessionRole(p, sessionId, 'moderator')).map((p) => ({ name: p.name, country: p.country, organization: p.organization })),
      queue,
      questions,
      moderation,
      polls,
      runningOrder,
      now: deps.programme.now(),
    });
  }

  router.get('/api/events/:eventId/sessions/:sessionId/record', async (req, res) => {
    const record = await build(req);
    const { format } = parseInput(recordQuery, req.query, 'invalid_query');
    if (format === 'md') {
      res.type('text/markdown; charset=utf-8');
      res.attachment(`${record.eventId}-${record.sessionId}-record-${record.lang}.md`);
      res.send(recordMarkdown(record));
      return;
    }
    if (format === 'html') {
      res.redirect(303, `/events/${record.eventId}/console/sessions/${record.sessionId}/record?lang=${record.lang}`);
      return;
    }
    res.json(record);
  });

  router.get('/events/:eventId/console/sessions/:sessionId/record', async (req, res) => {
    const record = await build(req);
    const s = recordMessages[record.lang];
    const api = `/api/events/${record.eventId}/sessions/${record.sessionId}/record`;
    const base = pageBase(req, `${s.draftRecord} — ${record.sessionTitle}`);
    // Country names in the record's language, not codes.
    const named = <T extends { country: string }>(rows: readonly T[]) => rows.map((r) => ({ ...r, country: countryName(r.country, record.lang) }));
    res.type('html').send(
      deps.views.render('session-record', {
        ...base,
        script: 'console',
        // The organisers' navigation; a moderator who is not one reaches this page from the room.
        consoleNav: (base.caller as { organizer?: boolean } | undefined)?.organizer ? consoleNav(record.eventId, 'records', req.ctx.lang) : undefined,
        record: { ...record, chair: named(record.chair), speakers: named(record.speakers) },
        s,
        markdownHref: `${api}?format=md&lang=${record.lang}`,
        jsonHref: `${api}?lang=${record.lang}`,
      }),
    );
  });

  // Every session's draft record, from one page of the organisers' consoles.
  router.get('/events/:eventId/console/records', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const lang = req.ctx.lang;
    const [event, sessions] = await Promise.all([deps.programme.requireEvent(eventId), deps.programme.sessions(eventId)]);
    const locale = dateLocale(lang);
    res.set('Cache-Control', 'private, no-store').type('html').send(
      deps.views.render('console-records', {
        ...pageBase(req, translate(lang, 'cn_recordsTitle')),
        script: 'console',
        consoleNav: consoleNav(eventId, 'records', lang),
        event,
        rows: [...sessions]
          .sort((a, b) => a.start.localeCompare(b.start))
          .map((session) => {
            const start = DateTime.fromISO(session.start).setZone(event.zone);
            const end = DateTime.fromISO(session.end).setZone(event.zone);
            return {
              id: session.id,
              title: inLanguage(session.title, lang),
              titleText: session.title,
              date: start.setLocale(locale).toLocaleString(DateTime.DATE_MED_WITH_WEEKDAY),
              time: `${start.toFormat('HH:mm')}–${end.toFormat('HH:mm')}`,
              abbr: zoneAbbreviation(start),
              status: session.status,
              statusLabel: consoleText(lang)[`status_${session.status}`],
              recordHref: `/events/${eventId}/console/sessions/${session.id}/record`,
              markdownHref: `/api/events/${eventId}/sessions/${session.id}/record?format=md&lang=${lang}`,
            };
          }),
      }),
    );
  });

  return router;
}
