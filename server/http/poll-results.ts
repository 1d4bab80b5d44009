import { Router } from 'express';
import { AppError } from '../errors.ts';
import { resultRows, resultsOf, viewOfPoll } from '../domain/polls.ts';
import { authorize } from '../identity/policy.ts';
import { actorOf } from '../services/audit-log.ts';
import type { PollService } from '../services/poll-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { callerOf } from './caller.ts';
import { toCsv } from './csv.ts';
import { parseId } from './validate.ts';

const pollIdPattern = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * A session's polls for its moderators and organisers: JSON, and each
 * poll's results as CSV (audited). Counts by choice and by group; a named
 * poll adds one row per voter, a secret poll never does.
 */
export function pollResults(programme: ProgrammeService, polls: PollService): Router {
  const router = Router();

  router.get('/api/events/:eventId/sessions/:sessionId/polls', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    authorize(callerOf(req), 'poll.manage', { eventId, sessionId });
    await programme.requireSession(eventId, sessionId);
    res.json({ polls: (await polls.list(eventId, sessionId)).map(viewOfPoll) });
  });

  router.get('/api/events/:eventId/sessions/:sessionId/polls/:pollId/results.csv', async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const sessionId = parseId(req.params.sessionId, 'sessionId');
    const pollId = req.params.pollId;
    if (!pollIdPattern.test(pollId)) throw new AppError('invalid_id', 'pollId must be an id.');
    const caller = callerOf(req);
    authorize(caller, 'poll.manage', { eventId, sessionId });
    const poll = await polls.require(eventId, sessionId, pollId);
    const results = resultsOf(poll);
    const rows: unknown[][] = resultRows(poll).map((r) => ['result', r.group, r.option, r.label, r.votes, '', '']);
    rows.push(['quorum', results.quorum.rule, '', `present ${results.quorum.present ?? ''} required ${results.quorum.required ?? ''}`, results.total, '', '']);
    rows.push(['valid', '', '', poll.status, results.valid === null ? '' : String(results.valid), '', '']);
    if (!poll.secret) {
      for (const v of poll.roll) rows.push(['voter', v.group, v.choice.join(' '), v.choice.map((id) => poll.options.find((o) => o.id === id)?.label ?? id).join('; '), 1, v.name, v.country]);
    }
    await polls.auditExport(poll, actorOf(caller), 'csv');
    res.type('text/csv; charset=utf-8');
    res.attachment(`${eventId}-${sessionId}-poll-${pollId}.csv`);
    res.send(toCsv(['row', 'group', 'option', 'label', 'votes', 'voter', 'country'], rows));
  });

  return router;
}
