import type { PlenarySocket } from '../protocol/socket-types.ts';
import { callerId } from '../identity/caller.ts';
import { authorize } from '../identity/policy.ts';
import type { CaptionLineMessage } from '../protocol/events.ts';
import { on } from './ack.ts';
import type { LiveHandlerDeps } from './live-handler-deps.ts';
import { requireLive, scopeOf } from './live-context.ts';

/**
 * Live captions: parse → authorise (a captioner of the session for that
 * language) → CaptionService (the session's next sequence number; final
 * lines kept for the transcript) → broadcast `caption:line` to the room.
 */
export function captionHandlers(socket: PlenarySocket, deps: LiveHandlerDeps): void {
  on(socket, 'caption:line', deps, async (p) => {
    const { caller, eventId, sessionId, session } = await scopeOf(socket, deps.programme, p, 'session.join');
    authorize(caller, 'caption.send', { eventId, sessionId, language: p.language });
    requireLive(session.status);
    const line = await deps.captions.line(eventId, sessionId, p.language, p.text, p.final, callerId(caller) ?? 'organiser');
    const message: CaptionLineMessage = { sessionId, language: line.language, text: line.text, final: line.final, seq: line.seq, at: line.at };
    deps.broadcast.caption(eventId, message);
    return { seq: line.seq };
  });
}
