import { describe, expect, it } from 'vitest';
import type { Participant, SessionRole } from '../domain/participants.ts';
import type { Caller } from '../identity/caller.ts';
import { mayOpenSendTransport, mediaTier, produceRight, transportRight, type ProduceRequest } from './media-rights.ts';

const eventId = 'forum';
const sessionId = 's1';

function participant(id: string, roles: SessionRole[] = [], extra: Partial<Participant> = {}): Caller {
  return {
    kind: 'participant',
    participant: {
      id, eventId, name: id, email: `${id}@example.org`, organization: 'Org', country: 'CH', group: 'government', gender: null, language: 'en',
      timeZone: null, status: 'approved', statusReason: null, organizer: false, headOfState: false, roles, bookmarks: [], createdAt: '', updatedAt: '', ...extra,
    },
  };
}

const base = (caller: Caller, over: Partial<ProduceRequest> = {}): ProduceRequest => ({
  caller, eventId, sessionId, status: 'live', floorHolder: null, kind: 'audio', source: 'mic', delegateVideo: false, ...over,
});

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
};

describe('who may send on the stage', () => {
  const panelist = participant('pan', [{ sessionId, role: 'panelist' }]);
  const moderator = participant('mod', [{ sessionId, role: 'moderator' }]);
  const interpreter = participant('int', [{ sessionId, role: 'interpreter', language: 'fr' }]);
  const delegate = participant('del');
  const organiser = participant('org', [], { organizer: true });

  it('lets panelists, moderators and organisers send microphone, camera and screen while live', () => {
    for (const caller of [panelist, moderator, organiser]) {
      expect(produceRight(base(caller))).toBe('panel');
      expect(produceRight(base(caller, { kind: 'video', source: 'camera' }))).toBe('panel');
      expect(produceRight(base(caller, { kind: 'video', source: 'screen' }))).toBe('panel');
    }
  });

  it('refuses everyone before the session is live, whatever the role', () => {
    for (const status of ['scheduled', 'ended', 'cancelled'] as const) {
      expect(code(() => produceRight(base(panelist, { status })))).toBe('session_not_live');
      expect(code(() => produceRight(base(delegate, { status, floorHolder: 'del' })))).toBe('session_not_live');
    }
  });

  it('lets a delegate speak only while holding the floor, and be seen only when the moderator allows it', () => {
    expect(code(() => produceRight(base(delegate)))).toBe('not_on_floor');
    expect(code(() => produceRight(base(delegate, { floorHolder: 'someone-else' })))).toBe('not_on_floor');
    expect(produceRight(base(delegate, { floorHolder: 'del' }))).toBe('floor');
    expect(code(() => produceRight(base(delegate, { floorHolder: 'del', kind: 'video', source: 'camera' })))).toBe('video_not_allowed');
    expect(produceRight(base(delegate, { floorHolder: 'del', kind: 'video', source: 'camera', delegateVideo: true }))).toBe('floor');
    expect(code(() => produceRight(base(delegate, { floorHolder: 'del', kind: 'video', source: 'screen', delegateVideo: true })))).toBe('not_panelist');
  });

  it('lets an interpreter publish their own language only', () => {
    expect(produceRight(base(interpreter, { source: 'interpretation', language: 'fr' }))).toBe('interpretation');
    expect(code(() => produceRight(base(interpreter, { source: 'interpretation', language: 'es' })))).toBe('forbidden');
    expect(code(() => produceRight(base(interpreter, { source: 'interpretation' })))).toBe('bad_request');
    expect(code(() => produceRight(base(panelist, { source: 'interpretation', language: 'fr' })))).toBe('forbidden');
    // An interpreter is no panelist.
    expect(code(() => produceRight(base(interpreter)))).toBe('not_on_floor');
  });

  it('checks that the kind matches the source', () => {
    expect(code(() => produceRight(base(panelist, { kind: 'video', source: 'mic' })))).toBe('bad_request');
    expect(code(() => produceRight(base(panelist, { kind: 'audio', source: 'camera' })))).toBe('bad_request');
  });

  it('refuses the organiser token, strangers and participants of other events', () => {
    expect(code(() => produceRight(base({ kind: 'organizer-token' })))).toBe('forbidden');
    expect(code(() => produceRight(base({ kind: 'anonymous' })))).toBe('unauthenticated');
    expect(code(() => produceRight(base(participant('x', [{ sessionId, role: 'panelist' }], { eventId: 'other' }))))).toBe('forbidden');
    expect(code(() => produceRight(base(participant('p', [{ sessionId, role: 'panelist' }], { status: 'pending' }))))).toBe('not_approved');
  });

  it('opens a send transport for whoever may send something now', () => {
    const facts = { eventId, sessionId, status: 'live' as const, floorHolder: null, delegateVideo: false };
    expect(() => mayOpenSendTransport({ caller: panelist, ...facts })).not.toThrow();
    expect(() => mayOpenSendTransport({ caller: interpreter, ...facts })).not.toThrow();
    expect(() => mayOpenSendTransport({ caller: delegate, ...facts, floorHolder: 'del' })).not.toThrow();
    expect(code(() => mayOpenSendTransport({ caller: delegate, ...facts }))).toBe('not_on_floor');
    expect(code(() => mayOpenSendTransport({ caller: panelist, ...facts, status: 'scheduled' }))).toBe('session_not_live');
  });
});

describe('who may open which transport, and under which ration', () => {
  const panelist = participant('pan', [{ sessionId, role: 'panelist' }]);
  const moderator = participant('mod', [{ sessionId, role: 'moderator' }]);
  const interpreter = participant('int', [{ sessionId, role: 'interpreter', language: 'fr' }]);
  const delegate = participant('del');
  const organiser = participant('org', [], { organizer: true });
  const elsewhere = participant('other-session-panelist', [{ sessionId: 's2', role: 'panelist' }]);
  const facts = { eventId, sessionId, status: 'live' as const, floorHolder: null, delegateVideo: false };

  it('ranks staff, automation and the audience', () => {
    for (const caller of [panelist, moderator, interpreter, organiser]) expect(mediaTier(caller, eventId, sessionId)).toBe('staff');
    expect(mediaTier({ kind: 'organizer-token' }, eventId, sessionId)).toBe('automation');
    expect(mediaTier(delegate, eventId, sessionId)).toBe('audience');
    // A role in another session counts for nothing here.
    expect(mediaTier(elsewhere, eventId, sessionId)).toBe('audience');
    expect(mediaTier(participant('pending', [{ sessionId, role: 'interpreter', language: 'fr' }], { status: 'pending' }), eventId, sessionId)).toBe('audience');
  });

  it('gives plain RTP only to those who publish or run tools; the audience receives over WebRTC', () => {
    for (const caller of [panelist, moderator, interpreter, organiser]) {
      expect(transportRight({ caller, ...facts, direction: 'recv', type: 'plain' })).toBe('staff');
      expect(transportRight({ caller, ...facts, direction: 'send', type: 'plain' })).toBe('staff');
    }
    expect(transportRight({ caller: { kind: 'organizer-token' }, ...facts, direction: 'recv', type: 'plain' })).toBe('automation');
    expect(code(() => transportRight({ caller: delegate, ...facts, direction: 'recv', type: 'plain' }))).toBe('forbidden');
    expect(transportRight({ caller: delegate, ...facts, direction: 'recv', type: 'webrtc' })).toBe('audience');
    // Sending needs the floor first, on either kind of transport.
    expect(code(() => transportRight({ caller: delegate, ...facts, direction: 'send', type: 'plain' }))).toBe('not_on_floor');
    expect(transportRight({ caller: delegate, ...facts, floorHolder: 'del', direction: 'send', type: 'plain' })).toBe('audience');
  });
});
