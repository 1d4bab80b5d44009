import { describe, expect, it } from 'vitest';
import type { Participant, SessionRole } from '../domain/participants.ts';
import { AppError } from '../errors.ts';
import type { Caller } from './caller.ts';
import { actionRules, allActions, authorize, decide, type Action } from './policy.ts';

const eventId = 'forum';

function participant(fields: Partial<Participant> = {}): Participant {
  return {
    id: 'p1',
    eventId,
    name: 'Delegate',
    email: 'd@example.org',
    organization: 'Ministry',
    country: 'CH',
    group: 'government',
    gender: null,
    language: 'en',
    timeZone: null,
    status: 'approved',
    statusReason: null,
    organizer: false,
    headOfState: false,
    roles: [],
    bookmarks: [],
    createdAt: '2022-01-01T00:00:00Z',
    updatedAt: '2022-01-01T00:00:00Z',
    ...fields,
  };
}

const as = (fields: Partial<Participant> = {}): Caller => ({ kind: 'participant', participant: participant(fields) });
const roles = (...r: SessionRole[]): Partial<Participant> => ({ roles: r });

const callers = {
  anonymous: { kind: 'anonymous' } as Caller,
  revoked: { kind: 'anonymous', refused: 'token_revoked' } as Caller,
  organizerToken: { kind: 'organizer-token' } as Caller,
  organizer: as({ organizer: true }),
  delegate: as(),
  pending: as({ group: 'other', status: 'pending' }),
  rejected: as({ group: 'other', status: 'rejected' }),
  pendingOrganizer: as({ organizer: true, status: 'pending' }),
  otherEventOrganizer: as({ eventId: 'another-forum', organizer: true }),
  moderatorOfA: as(roles({ sessionId: 'a', role: 'moderator' })),
  panelistOfA: as(roles({ sessionId: 'a', role: 'panelist' })),
  interpreterFrOfA: as(roles({ sessionId: 'a', role: 'interpreter', language: 'fr' })),
};
type Who = keyof typeof callers;

const delegateLevel: Action[] = ['event.attend', 'agenda.edit', 'session.join', 'queue.request', 'qna.ask', 'qna.vote', 'poll.vote', 'media.consume'];
const moderatorLevel: Action[] = ['session.open', 'queue.moderate', 'qna.moderate', 'poll.manage', 'media.moderate', 'run.moderate'];

/** Who may do each action in session "a" (language "fr" where it matters); everyone else is refused. */
const allowedIn: Record<Action, Who[]> = {
  'event.manage': ['organizerToken', 'organizer'],
  'event.attend': ['organizerToken', 'organizer', 'delegate', 'moderatorOfA', 'panelistOfA', 'interpreterFrOfA'],
  'agenda.edit': ['organizer', 'delegate', 'moderatorOfA', 'panelistOfA', 'interpreterFrOfA'],
  'session.join': ['organizerToken', 'organizer', 'delegate', 'moderatorOfA', 'panelistOfA', 'interpreterFrOfA'],
  'session.open': ['organizerToken', 'organizer', 'moderatorOfA'],
  'queue.request': ['organizerToken', 'organizer', 'delegate', 'moderatorOfA', 'panelistOfA', 'interpreterFrOfA'],
  'queue.moderate': ['organizerToken', 'organizer', 'moderatorOfA'],
  'qna.ask': ['organizerToken', 'organizer', 'delegate', 'moderatorOfA', 'panelistOfA', 'interpreterFrOfA'],
  'qna.vote': ['organizerToken', 'organizer', 'delegate', 'moderatorOfA', 'panelistOfA', 'interpreterFrOfA'],
  'qna.moderate': ['organizerToken', 'organizer', 'moderatorOfA'],
  'poll.manage': ['organizerToken', 'organizer', 'moderatorOfA'],
  'poll.vote': ['organizerToken', 'organizer', 'delegate', 'moderatorOfA', 'panelistOfA', 'interpreterFrOfA'],
  'media.consume': ['organizerToken', 'organizer', 'delegate', 'moderatorOfA', 'panelistOfA', 'interpreterFrOfA'],
  'media.produce-panel': ['organizerToken', 'organizer', 'moderatorOfA', 'panelistOfA'],
  'media.produce-interpretation': ['organizerToken', 'organizer', 'interpreterFrOfA'],
  'media.moderate': ['organizerToken', 'organizer', 'moderatorOfA'],
  'booth.interpret': ['organizerToken', 'organizer', 'interpreterFrOfA'],
  'caption.send': ['organizerToken', 'organizer'],
  'media.produce-sign': ['organizerToken', 'organizer'],
  'run.moderate': ['organizerToken', 'organizer', 'moderatorOfA'],
};

describe('the authorization policy (pure)', () => {
  it('knows every action, and this table covers each of them', () => {
    expect(new Set(allActions)).toEqual(new Set(Object.keys(actionRules)));
    expect(new Set(Object.keys(allowedIn))).toEqual(new Set(allActions));
    expect(new Set([...delegateLevel, ...moderatorLevel, 'event.manage', 'media.produce-panel', 'media.produce-interpretation', 'booth.interpret', 'caption.send', 'media.produce-sign'])).toEqual(new Set(allActions));
  });

  const cases = allActions.flatMap((action) => (Object.keys(callers) as Who[]).map((who) => [action, who] as const));
  it.each(cases)('%s as %s in session a', (action, who) => {
    const decision = decide(callers[who], action, { eventId, sessionId: 'a', language: 'fr' });
    expect(decision.allowed).toBe(allowedIn[action].includes(who));
  });

  it.each(allActions)('refuses %s to the anonymous caller with 401 unauthenticated, or token_revoked for a revoked token', (action) => {
    expect(decide(callers.anonymous, action, { eventId, sessionId: 'a' })).toMatchObject({ allowed: false, code: 'unauthenticated' });
    expect(decide(callers.revoked, action, { eventId, sessionId: 'a' })).toMatchObject({ allowed: false, code: 'token_revoked' });
    expect(() => authorize(callers.anonymous, action, { eventId, sessionId: 'a' })).toThrow(expect.objectContaining({ status: 401 }));
  });

  it.each(moderatorLevel)('refuses %s to a moderator of another session, and to a delegate, with not_moderator', (action) => {
    expect(decide(callers.moderatorOfA, action, { eventId, sessionId: 'b' })).toMatchObject({ allowed: false, code: 'not_moderator' });
    expect(decide(callers.delegate, action, { eventId, sessionId: 'a' })).toMatchObject({ allowed: false, code: 'not_moderator' });
  });

  it('refuses event.manage to delegates and session-role holders with not_organizer (403)', () => {
    for (const who of ['delegate', 'moderatorOfA', 'panelistOfA', 'interpreterFrOfA'] as const) {
      expect(decide(callers[who], 'event.manage', { eventId })).toMatchObject({ allowed: false, code: 'not_organizer' });
      let thrown: unknown;
      try {
        authorize(callers[who], 'event.manage', { eventId });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(AppError);
      expect((thrown as AppError).status).toBe(403);
    }
  });

  it('refuses everything to pending and rejected participants with not_approved, organiser flag or not', () => {
    for (const who of ['pending', 'rejected', 'pendingOrganizer'] as const) {
      for (const action of allActions) {
        expect(decide(callers[who], action, { eventId, sessionId: 'a' })).toMatchObject({ allowed: false, code: 'not_approved' });
      }
    }
  });

  it('keeps organisers of another event out with forbidden', () => {
    for (const action of allActions) {
      expect(decide(callers.otherEventOrganizer, action, { eventId, sessionId: 'a' })).toMatchObject({ allowed: false, code: 'forbidden' });
    }
  });

  it('lets an interpreter publish only their own language, and a panelist only in their own session', () => {
    expect(decide(callers.interpreterFrOfA, 'media.produce-interpretation', { eventId, sessionId: 'a', language: 'es' }).allowed).toBe(false);
    expect(decide(callers.interpreterFrOfA, 'media.produce-interpretation', { eventId, sessionId: 'b', language: 'fr' }).allowed).toBe(false);
    expect(decide(callers.panelistOfA, 'media.produce-panel', { eventId, sessionId: 'b' })).toMatchObject({ allowed: false, code: 'not_panelist' });
  });

  it('gives the organiser token no personal agenda (it is nobody)', () => {
    expect(decide(callers.organizerToken, 'agenda.edit', { eventId })).toMatchObject({ allowed: false, code: 'forbidden' });
  });
});
