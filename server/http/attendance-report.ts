import { Router, type Request } from 'express';
import { z } from 'zod';
import { DateTime } from 'luxon';
import type { SessionAttendance } from '../domain/attendance.ts';
import { authorize } from '../identity/policy.ts';
import type { AttendanceService } from '../services/attendance-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { translate } from '../i18n/translate.ts';
import { countryName } from '../domain/countries.ts';
import { zoneAbbreviation } from '../domain/zones.ts';
import { consoleNav } from './console-nav.ts';
import { callerOf, pageBase } from './caller.ts';
import { toCsv } from './csv.ts';
import { idPattern, parseId, parseInput } from './validate.ts';
import type { Views } from './views.ts';
import { dateLocale } from '../i18n/languages.ts';

const reportQuery = z.object({ sessionId: z.string().regex(idPattern).optional() });

/**
 * Attendance of the session rooms (issue 15), for organisers: per session,
 * who attended, first join, last leave, minutes present, totals by
 * constituent group, country and gender, and the peak concurrent
 * attendance; as JSON, CSV and a console page.
 */
export function attendanceReports(programme: ProgrammeService, attendance: AttendanceService, views: Views): Router {
  const router = Router();

  async function build(req: Request): Promise<{ eventId: string; sessionId: string | undefined; sessions: SessionAttendance[] }> {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const { sessionId } = parseInput(reportQuery, req.query, 'invalid_query');
    const ids = sessionId ? [(await programme.requireSession(eventId, sessionId)).id] : (await programme.sessions(eventId)).map((s) => s.id);
    return { eventId, sessionId, sessions: await attendance.report(eventId, ids) };
  }

  router.get('/api/events/:eventId/reports/attendance', async (req, res) => {
    const { eventId, sessions } = await build(req);
    res.set('Cache-Control', 'no-store').json({ eventId, generatedAt: programme.now().toISOString(), sessions });
  });

  router.get('/api/events/:eventId/reports/attendance.csv', async (req, res) => {
    const { eventId, sessionId, sessions } = await build(req);
    const rows = sessions.flatMap((s) =>
      s.attendees.map((a) => [s.sessionId, a.participantId, a.name, a.group, a.country, a.gender ?? '', a.firstJoin, a.lastLeave ?? '', a.present ? 'yes' : 'no', a.minutes]),
    );
    res.set('Cache-Control', 'no-store').type('text/csv; charset=utf-8');
    res.attachment(`${eventId}${sessionId ? `-${sessionId}` : ''}-attendance.csv`);
    res.send(toCsv(['session', 'participant_id', 'name', 'group', 'country', 'gender', 'first_join', 'last_leave', 'present_now', 'minutes_present'], rows));
  });

  router.get('/events/:eventId/console/attendance', async (req, res) => {
    const { eventId, sessionId, sessions: report } = await build(req);
    const lang = req.ctx.lang;
    const event = await programme.requireEvent(eventId);
    const sessions = await programme.sessions(eventId);
    const zone = req.ctx.zone ?? event.zone;
    const locale = dateLocale(lang);
    // In the organiser's zone and language ("22 Feb, 13:05"); the zone is named above the tables.
    const time = (iso: string | null) =>
      iso ? DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone).setLocale(locale).toLocaleString({ month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }) : '';
    const label = (prefix: string) => (key: string) => {
      const text = translate(lang, `${prefix}${key}`);
      return text === `${prefix}${key}` ? key : text;
    };
    const titles = new Map(sessions.map((s) => [s.id, s.title]));
    res.set('Cache-Control', 'private, no-store').type('html').send(
      views.render('attendance-report', {
        ...pageBase(req, `${translate(lang, 'attTitle')} — ${event.title[lang] || event.title.en || event.title.zh}`),
        script: 'console',
        consoleNav: consoleNav(eventId, 'attendance', lang),
        event,
        zone: `${zone} (${zoneAbbreviation(DateTime.now().setZone(zone))})`,
        sessionId,
        sessionOptions: sessions.map((s) => ({ id: s.id, title: s.title, selected: s.id === sessionId })),
        csvHref: `/api/events/${eventId}/reports/attendance.csv${sessionId ? `?sessionId=${sessionId}` : ''}`,
        sessions: report.map((s) => ({
          ...s,
          title: titles.get(s.sessionId),
          peakAt: time(s.peak.at),
          attendees: s.attendees.map((a) => ({ ...a, groupLabel: label('group_')(a.group), genderLabel: label('gender_')(a.gender ?? 'undisclosed'), countryLabel: countryName(a.country, lang), firstJoinLabel: time(a.firstJoin), lastLeaveLabel: time(a.lastLeave) })),
          byGroup: s.byGroup.map((t) => ({ ...t, label: label('group_')(t.key) })),
          byGender: s.byGender.map((t) => ({ ...t, label: label('gender_')(t.key) })),
          byCountry: s.byCountry.map((t) => ({ ...t, label: countryName(t.key, lang) })),
        })),
      }),
    );
  });

  return router;
}
