import { DateTime } from 'luxon';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { speakingReport, type SpeakingReport } from '../domain/speaking-report.ts';
import { authorize } from '../identity/policy.ts';
import type { FloorService } from '../services/floor-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import type { QnaService } from '../services/qna-service.ts';
import { callerOf, pageBase } from './caller.ts';
import { toCsv } from './csv.ts';
import { translate } from '../i18n/translate.ts';
import { countryName } from '../domain/countries.ts';
import { zoneAbbreviation } from '../domain/zones.ts';
import { dateLocale, inLanguage } from '../i18n/languages.ts';
import { consoleNav } from './console-nav.ts';
import { parseId, parseInput } from './validate.ts';
import type { Views } from './views.ts';

const reportQuery = z.object({ sessionId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/).optional() });

/** Speaking time by constituent group, gender and country, for organisers: JSON, CSV and a page. */
export function speakingReports(programme: ProgrammeService, floor: FloorService, qna: QnaService, views: Views): Router {
  const router = Router();

  // The session's logs: floor decisions (including overrides of the rules'
  // proposal) and question moderation, for its moderators and organisers.
  router.get('/api/events/:eventId/sessions/:sessionId/logs', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    authorize(callerOf(req), 'queue.moderate', { eventId, sessionId });
    await programme.requireSession(eventId, sessionId);
    const [queue, moderation] = await Promise.all([floor.state(eventId, sessionId), qna.moderationLog(eventId, sessionId)]);
    res.json({
      floor: queue.log,
      moderation: moderation.map(({ id, at, by, byName, questionId, action, reason }) => ({ id, at, by, byName, questionId, action, reason })),
    });
  });

  async function build(req: Request): Promise<{ eventId: string; sessionId: string | undefined; report: SpeakingReport }> {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const { sessionId } = parseInput(reportQuery, req.query, 'invalid_query');
    const sessions = sessionId ? [await programme.requireSession(eventId, sessionId)] : await programme.sessions(eventId);
    const queues = await Promise.all(sessions.map((s) => floor.state(eventId, s.id)));
    return { eventId, sessionId, report: speakingReport(queues, programme.now()) };
  }

  router.get('/api/events/:eventId/reports/speaking-time', async (req, res) => {
    const { report } = await build(req);
    res.json(report);
  });

  router.get('/api/events/:eventId/reports/speaking-time.csv', async (req, res) => {
    const { eventId, sessionId, report } = await build(req);
    const rows = report.interventions.map((i) => [
      i.sessionId, i.name, i.group, i.country, i.gender, i.kind, i.startedAt, i.endedAt ?? '', Math.round(i.spokenMs / 1000), i.budgetMs === null ? '' : Math.round(i.budgetMs / 1000), Math.round(i.overrunMs / 1000),
    ]);
    res.type('text/csv; charset=utf-8');
    res.attachment(`${eventId}${sessionId ? `-${sessionId}` : ''}-speaking-time.csv`);
    res.send(toCsv(['session', 'name', 'group', 'country', 'gender', 'kind', 'started_at', 'ended_at', 'spoken_s', 'budget_s', 'overrun_s'], rows));
  });

  router.get('/events/:eventId/console/speaking-time', async (req, res) => {
    const { eventId, sessionId, report } = await build(req);
    const lang = req.ctx.lang;
    const event = await programme.requireEvent(eventId);
    const sessions = await programme.sessions(eventId);
    // Minutes to one decimal, written the viewer's way (ICU number formatting: 1,5 in French, ١٫٥ in Arabic).
    const minutes = (ms: number) => Math.round(ms / 6_000) / 10;
    const minutesLabel = (ms: number) => translate(lang, 'cn_minutes', { n: minutes(ms) });
    const zone = req.ctx.zone ?? event.zone;
    const locale = dateLocale(lang);
    const titles = new Map(sessions.map((s) => [s.id, s.title]));
    const when = (iso: string) => {
      const at = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
      return `${at.setLocale(locale).toLocaleString({ month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}`;
    };
    const decorate = (rows: SpeakingReport['byGroup'], label: (k: string) => string) =>
      rows.map((t) => ({ ...t, label: label(t.key), minutes: minutesLabel(t.spokenMs), percent: new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(t.share) }));
    res.type('html').send(
      views.render('speaking-report', {
        // Like every page: the viewer (header, sign-out form), its CSRF token, language and zone.
        ...pageBase(req, translate(lang, 'speakingReport')),
        script: 'console',
        consoleNav: consoleNav(eventId, 'speaking', lang),
        event,
        sessions: sessions.map((s) => ({ id: s.id, title: s.title, selected: s.id === sessionId })),
        sessionId,
        totalMinutes: minutesLabel(report.totalMs),
        timesIn: translate(lang, 'cn_times', { zone: `${zone} (${zoneAbbreviation(DateTime.now().setZone(zone))})` }),
        byGroup: decorate(report.byGroup, (k) => translate(lang, `group_${k}`)),
        byGender: decorate(report.byGender, (k) => translate(lang, `gender_${k}`)),
        byCountry: decorate(report.byCountry, (k) => countryName(k, lang)),
        interventions: report.interventions.map((i) => {
          const title = titles.get(i.sessionId);
          return {
            ...i,
            sessionTitle: title ? inLanguage(title, lang) : i.sessionId,
            countryLabel: countryName(i.country, lang),
            startedLabel: when(i.startedAt),
            minutes: minutesLabel(i.spokenMs),
            overrun: translate(lang, 'cn_seconds', { n: Math.round(i.overrunMs / 1000) }),
            groupLabel: translate(lang, `group_${i.group}`),
          };
        }),
        csvHref: `/api/events/${eventId}/reports/speaking-time.csv${sessionId ? `?sessionId=${sessionId}` : ''}`,
      }),
    );
  });

  return router;
}
