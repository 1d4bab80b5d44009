import { Router } from 'express';
import { z } from 'zod';
import { parseTimeZone } from '../domain/zones.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { parseId, parseInput } from './validate.ts';

const programmeQuery = z.object({ tz: z.string().trim().min(1).max(64).optional() });

export function programmeApi(programme: ProgrammeService): Router {
  const router = Router();

  router.get('/api/events', async (_req, res) => {
    const events = await programme.listEvents();
    res.json({ events: events.map(({ rev: _rev, ...event }) => event) });
  });

  router.get('/api/events/:eventId', async (req, res) => {
    const { rev: _rev, ...event } = await programme.requireEvent(parseId(req.params.eventId, 'eventId'));
    res.json({ event });
  });

  router.get('/api/events/:eventId/programme', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const query = parseInput(programmeQuery, req.query, 'invalid_query');
    const zone = query.tz === undefined ? undefined : parseTimeZone(query.tz);
    const view = await programme.programme(eventId, zone);
    const { rev: _rev, ...event } = view.event as typeof view.event & { rev?: number };
    res.json({ ...view, event, days: undefined });
  });

  return router;
}
