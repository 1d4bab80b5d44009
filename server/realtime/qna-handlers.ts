import type { PlenarySocket } from '../protocol/socket-types.ts';
import { callerId, callerName } from '../identity/caller.ts';
import type { Action } from '../identity/policy.ts';
import { audienceViews } from '../protocol/wire-views.ts';
import { on } from './ack.ts';
import type { LiveHandlerDeps } from './live-handler-deps.ts';
import { authorOf, scopeOf } from './live-context.ts';
import { refuseIfOver } from './session-over.ts';

/** Audience Q&A: parse → authorise → QnaService (compare-and-set, nothing lost) → broadcast each audience its view. */
export function qnaHandlers(socket: PlenarySocket, deps: LiveHandlerDeps): void {
  const scope = (p: { sessionId: string; eventId?: string | undefined }, action: Action) => scopeOf(socket, deps.programme, p, action);

  on(socket, 'qna:ask', deps, async (p) => {
    const { caller, eventId, sessionId, session } = await scope(p, 'qna.ask');
    refuseIfOver(session.status);
    const { change, replayed } = await deps.qna.ask(eventId, sessionId, authorOf(caller), p.text, p.anonymous, p.idempotencyKey);
    if (!replayed) deps.broadcast.question(change.question);
    return { question: audienceViews(change.question).author, version: change.version, replayed };
  });

  on(socket, 'qna:vote', deps, async (p) => {
    const { caller, eventId, sessionId, session } = await scope(p, 'qna.vote');
    refuseIfOver(session.status);
    const { change, replayed, voted, publish } = await deps.qna.vote(eventId, sessionId, p.questionId, authorOf(caller).id, p.vote, p.idempotencyKey);
    if (publish) deps.broadcast.question(change.question);
    return { questionId: p.questionId, voted, votes: change.question.voters.length, version: change.version, replayed };
  });

  on(socket, 'qna:moderate', deps, async (p) => {
    const { caller, eventId, sessionId } = await scope(p, 'qna.moderate');
    const moderator = { id: callerId(caller), name: callerName(caller) ?? 'organiser' };
    const change = await deps.qna.moderate(eventId, sessionId, p.questionId, p.action, moderator, p.reason);
    deps.broadcast.question(change.question);
    return { version: change.version, question: audienceViews(change.question).moderators };
  });

  on(socket, 'qna:mode', deps, async (p) => {
    const { eventId, sessionId } = await scope(p, 'qna.moderate');
    const meta = await deps.qna.setMode(eventId, sessionId, p.mode);
    deps.broadcast.qnaMode(eventId, sessionId, meta.mode, meta.version);
    return { mode: meta.mode, version: meta.version };
  });
}
