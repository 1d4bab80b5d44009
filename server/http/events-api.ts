import { Router } from 'express';
import { authorize, authorizeEventCreation, decide } from '../identity/policy.ts';
import { actorOf } from '../services/audit-log.ts';
import type { EventEditor } from '../services/event-editor.ts';
import { callerOf } from './caller.ts';
import { eventDraftSchema, eventPatchSchema } from './event-input.ts';
import { parseId, parseInput } from './validate.ts';

/**
 * Organisers' events (issue 15): create, change (archive included) and
 * delete. Each handler parses with zod, authorises (identity/policy.ts),
 * calls the editor, and answers with the event as GET /api/events shows it.
 * GET /api/events itself lives in programme-api.ts.
 */
export function eventsApi(editor: EventEditor): Router {
  const router = Router();

  router.post('/api/events', async (req, res) => {
    const caller = callerOf(req);
    authorizeEventCreation(caller);
    const draft = parseInput(eventDraftSchema, req.body);
    const result = await editor.create(caller, actorOf(caller), draft);
    res.status(201).location(`/api/events/${result.event.id}`).set('Cache-Control', 'no-store').json(result);
  });

  router.patch('/api/events/:eventId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const patch = parseInput(eventPatchSchema, req.body);
    res.json(await editor.update(actorOf(callerOf(req)), eventId, patch));
  });

  router.delete('/api/events/:eventId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    await editor.remove(actorOf(callerOf(req)), eventId);
    res.json({ deleted: true, eventId });
  });

  return router;
}

/** Whether the caller may see archived events in listings (organisers of any event, or the token). */
export function seesArchived(caller: ReturnType<typeof callerOf>): boolean {
  if (caller.kind === 'organizer-token') return true;
  return caller.kind === 'participant' && decide(caller, 'event.manage', { eventId: caller.participant.eventId }).allowed;
}
