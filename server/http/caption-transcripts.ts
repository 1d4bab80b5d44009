import { Router } from 'express';
import { z } from 'zod';
import { transcriptText, transcriptVtt } from '../domain/captions.ts';
import { authorize } from '../identity/policy.ts';
import type { CaptionService } from '../services/caption-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf } from './caller.ts';
import { parseId, parseInput } from './validate.ts';

export const captionQuery = z.object({
  format: z.enum(['json', 'txt', 'vtt']).optional(),
  language: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/).optional(),
});

/**
 * A session's caption transcript for organisers (issue 13):
 * `GET /api/events/:eventId/sessions/:sessionId/captions` as JSON, or
 * `?format=txt` / `?format=vtt` as a download; `?language=` picks one
 * language. Final lines only, in the order they were sent.
 */
export function captionTranscripts(programme: ProgrammeService, captions: CaptionService): Router {
  const router = Router();
  router.get('/api/events/:eventId/sessions/:sessionId/captions', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    authorize(callerOf(req), 'event.manage', { eventId, sessionId });
    const { format, language } = parseInput(captionQuery, req.query, 'invalid_query');
    await programme.requireSession(eventId, sessionId);
    const lines = await captions.transcript(eventId, sessionId, language);
    res.set('cache-control', 'private, no-store');
    const name = `${eventId}-${sessionId}-captions${language ? `-${language}` : ''}`;
    if (format === 'txt') {
      res.type('text/plain; charset=utf-8').attachment(`${name}.txt`).send(transcriptText(lines));
      return;
    }
    if (format === 'vtt') {
      res.type('text/vtt; charset=utf-8').attachment(`${name}.vtt`).send(transcriptVtt(lines));
      return;
    }
    res.json({ eventId, sessionId, lines });
  });
  return router;
}
