import { Router } from 'express';
import { DateTime } from 'luxon';
import { authorize } from '../identity/policy.ts';
import { translate } from '../i18n/translate.ts';
import type { WebcastSupervisor } from '../media/webcast/supervisor.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf, pageBase } from './caller.ts';
import { consoleNav } from './console-nav.ts';
import { parseId } from './validate.ts';
import type { Views } from './views.ts';
import { dateLocale } from '../i18n/languages.ts';

/**
 * The organisers' list of an event's recordings (issue 12): per session,
 * newest first, its state, start, length and tracks, with links to the
 * Matroska file (HTTP ranges) and its WebVTT chapters — the same routes as
 * the recordings API — and how long recordings are kept.
 */
export function consoleRecordings(programme: ProgrammeService, current: () => WebcastSupervisor | null, views: Views): Router {
  const router = Router();

  router.get('/events/:eventId/console/recordings', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const event = await programme.requireEvent(eventId);
    const sessions = await programme.sessions(eventId);
    const lang = req.ctx.lang;
    const zone = req.ctx.zone ?? event.zone;
    const locale = dateLocale(lang);
    // "Video, Floor, Français" with the language's own comma (Intl.ListFormat's unit lists drop it in Chinese and Russian).
    const list = { format: (items: string[]): string => items.join(lang === 'ar' ? '، ' : lang === 'zh' ? '、' : ', ') };
    const webcast = current();
    const available = webcast?.available ?? false;
    const time = (iso: string): string => DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone).setLocale(locale).toLocaleString({ day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    const rows = available && webcast
      ? sessions.flatMap((session) =>
          webcast.recordings(eventId, session.id).map((r) => {
            const base = `/api/events/${eventId}/sessions/${session.id}/recordings/${r.id}`;
            return {
              id: r.id,
              sessionId: session.id,
              title: session.title,
              status: r.status,
              statusLabel: translate(lang, `wr_status_${r.status}`),
              startedAt: r.startedAt,
              started: time(r.startedAt),
              duration: r.durationMs === null ? '' : translate(lang, 'wr_minutes', { n: Math.max(1, Math.round(r.durationMs / 60_000)) }),
              tracks: list.format(r.tracks.map((t) => (t.kind === 'video' ? translate(lang, 'wr_video') : t.language === 'mul' ? translate(lang, 'wr_floor') : t.name))),
              fileHref: r.status === 'ready' ? `${base}/file` : null,
              chaptersHref: r.status === 'ready' ? `${base}/chapters.vtt` : null,
            };
          }),
        )
      : [];
    const days = webcast?.retentionDays ?? null;
    res.set('Cache-Control', 'private, no-store').type('html').send(
      views.render('console-recordings', {
        ...pageBase(req, `${translate(lang, 'wr_title')} — ${event.title[lang] || event.title.en || event.title.zh}`),
        consoleNav: consoleNav(eventId, 'recordings', lang),
        event,
        available,
        retention: days === null ? translate(lang, 'wr_keptAlways') : translate(lang, 'wr_keptFor', { days }),
        rows,
      }),
    );
  });

  return router;
}
