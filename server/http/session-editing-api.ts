import { Router } from 'express';
import { authorize } from '../identity/policy.ts';
import { actorOf } from '../services/audit-log.ts';
import type { ProgrammeEditor } from '../services/programme-editor.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf } from './caller.ts';
import { sessionDraftSchema, sessionPatchSchema } from './session-input.ts';
import { parseId, parseInput } from './validate.ts';

/**
 * Programme editing for organisers (design §4): create, change and cancel
 * sessions, and read the audit log. Each handler parses, authorises, calls
 * the editor, and replies with the session as the programme API shows it.
 */
export function sessionEditingApi(programme: ProgrammeService, editor: ProgrammeEditor): Router {
  const router = Router();

  router.get('/api/events/:eventId/sessions/:sessionId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    await programme.requireSession(eventId, sessionId);
    const view = await programme.programme(eventId, undefined);
    res.json({ session: view.sessions.find((s) => s.id === sessionId) });
  });

  router.post('/api/events/:eventId/sessions', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    const draft = parseInput(sessionDraftSchema, req.body);
    const result = await editor.create(actorOf(callerOf(req)), eventId, draft);
    res.status(201).location(`/api/events/${eventId}/sessions/${result.session.id}`).json(result);
  });

  router.patch('/api/events/:eventId/sessions/:sessionId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    authorize(callerOf(req), 'event.manage', { eventId, sessionId });
    const patch = parseInput(sessionPatchSchema, req.body);
    res.json(await editor.update(actorOf(callerOf(req)), eventId, sessionId, patch));
  });

  router.delete('/api/events/:eventId/sessions/:sessionId', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    authorize(callerOf(req), 'event.manage', { eventId, sessionId });
    res.json(await editor.cancel(actorOf(callerOf(req)), eventId, sessionId));
  });

  router.get('/api/events/:eventId/audit', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.manage', { eventId });
    res.set('Cache-Control', 'no-store').json({ entries: await editor.audit(eventId) });
  });

  return router;
}
