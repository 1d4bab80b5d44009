import { AppError, type ErrorCode } from '../errors.ts';
import { hasSessionRole } from '../domain/participants.ts';
import type { Caller } from './caller.ts';

/**
 * The one answer to "may this caller do X here?", asked by every HTTP route
 * and every socket event. Pure: it decides from the caller and the scope.
 */
export type EventAction =
  | 'event.manage' // edit the programme, participants and roles; exports and reports
  | 'event.attend' // signed-in, approved participant of the event
  | 'agenda.edit'; // a participant's own bookmarks and agenda feed (not the organiser token, which is nobody)

export type SessionAction =
  | 'session.join'
  | 'session.open' // open (make live) or end a session
  | 'queue.request'
  | 'queue.moderate'
  | 'qna.ask'
  | 'qna.vote'
  | 'qna.moderate'
  | 'poll.manage' // create, open and close polls; their results as CSV
  | 'poll.vote' // whether the caller's group votes in a poll is the poll's rule (domain/polls.ts)
  | 'media.consume'
  | 'media.produce-panel'
  | 'media.produce-interpretation'
  | 'media.moderate'
  | 'booth.interpret' // claim, hand over and source a booth: an interpreter of the session for that language
  | 'caption.send' // live captions: a captioner of the session for that language
  | 'media.produce-sign' // a sign-language interpreter's camera
  | 'run.moderate'; // edit and advance the session's running order

export type Action = EventAction | SessionAction;

/** Who may do what, one line per action; a Record, so a new action cannot be left out. */
export const actionRules: Readonly<Record<Action, string>> = {
  'event.manage': 'organiser',
  'event.attend': 'approved participant',
  'agenda.edit': 'approved participant (not the organiser token)',
  'session.join': 'approved participant',
  'session.open': 'moderator of the session',
  'queue.request': 'approved participant',
  'queue.moderate': 'moderator of the session',
  'qna.ask': 'approved participant',
  'qna.vote': 'approved participant',
  'qna.moderate': 'moderator of the session',
  'poll.manage': 'moderator of the session',
  'poll.vote': 'approved participant (of a group the poll lets vote)',
  'media.consume': 'approved participant',
  'media.produce-panel': 'panelist or moderator of the session',
  'media.produce-interpretation': 'interpreter of the session for that language',
  'media.moderate': 'moderator of the session',
  'booth.interpret': 'interpreter of the session for that language',
  'caption.send': 'captioner of the session for that language',
  'media.produce-sign': 'sign-language interpreter of the session',
  'run.moderate': 'moderator of the session',
};
export const allActions = Object.keys(actionRules) as Action[];
export const sessionActions: readonly SessionAction[] = [
  'session.join',
  'session.open',
  'queue.request',
  'queue.moderate',
  'qna.ask',
  'qna.vote',
  'qna.moderate',
  'poll.manage',
  'poll.vote',
  'media.consume',
  'media.produce-panel',
  'media.produce-interpretation',
  'media.moderate',
  'booth.interpret',
  'caption.send',
  'media.produce-sign',
  'run.moderate',
];

export interface Scope {
  eventId: string;
  sessionId?: string;
  /** For interpretation: the language channel being published. */
  language?: string;
}

export type Decision = { allowed: true } | { allowed: false; code: ErrorCode; message: string };

const allow: Decision = { allowed: true };
const deny = (code: ErrorCode, message: string): Decision => ({ allowed: false, code, message });

const moderatorActions: ReadonlySet<Action> = new Set(['session.open', 'queue.moderate', 'qna.moderate', 'poll.manage', 'media.moderate', 'run.moderate']);
const participantOnly: ReadonlySet<Action> = new Set(['agenda.edit']);
const delegateActions: ReadonlySet<Action> = new Set(['event.attend', 'agenda.edit', 'session.join', 'queue.request', 'qna.ask', 'qna.vote', 'poll.vote', 'media.consume']);

export function decide(caller: Caller, action: Action, scope: Scope): Decision {
  if (caller.kind === 'anonymous') {
    return caller.refused === 'token_revoked'
      ? deny('token_revoked', 'This invitation was revoked; ask an organiser for a new link.')
      : deny('unauthenticated', 'Sign in first: open your invitation link or send your token.');
  }
  if (caller.kind === 'organizer-token') {
    return participantOnly.has(action) ? deny('forbidden', 'The organiser token is no participant; sign in with an invitation to keep an agenda.') : allow;
  }

  const p = caller.participant;
  if (p.eventId !== scope.eventId) return deny('forbidden', 'You are registered for another event.');
  if (p.status !== 'approved') {
    return deny('not_approved', p.status === 'pending' ? 'Your registration is waiting for an organiser’s approval.' : 'Your registration was not approved.');
  }
  if (p.organizer) return allow;

  if (action === 'event.manage') return deny('not_organizer', 'Only an organiser of this event may do that.');
  if (delegateActions.has(action)) return allow;

  const sessionId = scope.sessionId;
  if (!sessionId) return deny('forbidden', 'This action needs a session.');
  if (moderatorActions.has(action)) {
    return hasSessionRole(p, sessionId, 'moderator') ? allow : deny('not_moderator', 'Only a moderator of this session may do that.');
  }
  if (action === 'media.produce-panel') {
    return hasSessionRole(p, sessionId, 'panelist') || hasSessionRole(p, sessionId, 'moderator')
      ? allow
      : deny('not_panelist', 'Only a panelist of this session may publish on the stage.');
  }
  if (action === 'booth.interpret') {
    const ok = p.roles.some((r) => r.sessionId === sessionId && r.role === 'interpreter' && (!scope.language || r.language === scope.language));
    return ok ? allow : deny('not_interpreter', 'Only an interpreter of this session for that language may do that.');
  }
  if (action === 'caption.send') {
    const ok = p.roles.some((r) => r.sessionId === sessionId && r.role === 'captioner' && (!scope.language || r.language === scope.language));
    return ok ? allow : deny('not_captioner', 'Only this session’s captioner for that language may send captions.');
  }
  if (action === 'media.produce-sign') {
    return hasSessionRole(p, sessionId, 'sign_interpreter') ? allow : deny('forbidden', 'Only a sign-language interpreter of this session may publish that.');
  }
  if (action === 'media.produce-interpretation') {
    const ok = p.roles.some((r) => r.sessionId === sessionId && r.role === 'interpreter' && (!scope.language || r.language === scope.language));
    return ok ? allow : deny('forbidden', 'Only this session’s interpreter for that language may publish it.');
  }
  return deny('forbidden', 'You may not do that.');
}

/** Throws the coded refusal, so handlers read: authorize(caller, action, scope); then act. */
export function authorize(caller: Caller, action: Action, scope: Scope): void {
  const decision = decide(caller, action, scope);
  if (!decision.allowed) throw new AppError(decision.code, decision.message);
}

export function isModerator(caller: Caller, scope: Scope): boolean {
  return decide(caller, 'queue.moderate', scope).allowed;
}

/**
 * Creating an event has no event scope yet: the standing organiser token
 * may, and so may an approved organiser of any event (they become the new
 * event's first organiser, services/event-editor.ts).
 */
export function authorizeEventCreation(caller: Caller): void {
  if (caller.kind === 'participant') authorize(caller, 'event.manage', { eventId: caller.participant.eventId });
  else if (caller.kind !== 'organizer-token') authorize(caller, 'event.manage', { eventId: '' });
}
