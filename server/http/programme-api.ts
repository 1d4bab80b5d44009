import { Router } from 'express';
import { z } from 'zod';
import { parseTimeZone } from '../domain/zones.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { nextTimingChange, RenderCache, sendRendered } from './render-cache.ts';
import { parseId, parseInput } from './validate.ts';
import type { EventEditor } from '../services/event-editor.ts';
import { callerOf } from './caller.ts';
import { eventListQuery } from './event-input.ts';
import { seesArchived } from './events-api.ts';

const programmeQuery = z.object({ tz: z.string().trim().min(1).max(64).optional() });

/** `cache`: the JSON is made once per event revision and zone (see render-cache.ts); without one, a private cache no one invalidates would be wrong, so every request renders. */
export function programmeApi(programme: ProgrammeService, cache?: RenderCache, events?: EventEditor): Router {
  const router = Router();

  // Upcoming, live and past events with their settings (services/event-editor.ts); archived ones only for organisers who ask (?archived=include|only).
  router.get('/api/events', async (req, res) => {
    if (!events) {
      res.json({ events: (await programme.listEvents()).map(({ rev: _rev, ...event }) => event) });
      return;
    }
    const { archived } = parseInput(eventListQuery, req.query, 'invalid_query');
    const include = archived !== undefined && seesArchived(callerOf(req));
    const list = (await events.list({ includeArchived: include })).filter((e) => archived !== 'only' || !include || e.archived);
    res.set('Cache-Control', include ? 'private, no-store' : 'public, no-cache').json({ events: list });
  });

  router.get('/api/events/:eventId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    if (events) {
      res.json({ event: await events.get(eventId) });
      return;
    }
    const { rev: _rev, ...event } = await programme.requireEvent(eventId);
    res.json({ event });
  });

  router.get('/api/events/:eventId/programme', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const query = parseInput(programmeQuery, req.query, 'invalid_query');
    const zone = query.tz === undefined ? undefined : parseTimeZone(query.tz);
    const make = async () => {
      const view = await programme.programme(eventId, zone);
      const { rev: _rev, ...event } = view.event as typeof view.event & { rev?: number };
      return {
        text: JSON.stringify({ ...view, event, days: undefined }),
        type: 'application/json; charset=utf-8',
        validUntil: nextTimingChange(view.sessions.map((s) => ({ status: s.status, start: s.startUtc, end: s.endUtc })), programme.now().getTime()),
      };
    };
    // Public: the body depends on the URL alone (the zone is in ?tz).
    const rendered = await (cache ?? new RenderCache({ maxAgeMs: 0 })).get(eventId, ['api-programme', zone ?? ''], make);
    sendRendered(req, res, rendered, { cacheControl: 'public, no-cache', sharedFrom: rendered });
  });

  return router;
}
