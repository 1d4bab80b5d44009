import { describe, expect, it } from 'vitest';
import type { Participant } from './participants.ts';
import { boothViews, claim, emptyBooths, handover, setSource } from './booths.ts';
import { captionText, transcriptVtt } from './captions.ts';
import { decide } from '../identity/policy.ts';

const now = new Date('2022-02-22T13:00:00Z');
const everyone = () => true;
const interpreters = new Set(['anna', 'bo']);
const isInterpreter = (id: string) => interpreters.has(id);

function person(id: string, roles: Participant['roles']): Participant {
  return {
    id, eventId: 'forum', name: id.toUpperCase(), email: `${id}@example.org`, organization: 'ILO', country: 'CH', group: 'international_organization',
    gender: null, language: 'en', timeZone: null, status: 'approved', statusReason: null, organizer: false, headOfState: false, roles, bookmarks: [],
    createdAt: now.toISOString(), updatedAt: now.toISOString(),
  };
}

describe('interpretation booths (pure)', () => {
  it('an idle booth is claimed; a second claim while live is refused with booth_taken; the live one claiming again changes nothing', () => {
    const s0 = emptyBooths('forum', 'a');
    const first = claim(s0, 'zh', 'anna', everyone, now);
    expect(first.change).toEqual({ language: 'zh', was: null, now: 'anna' });
    expect(first.state.version).toBe(1);
    expect(() => claim(first.state, 'zh', 'bo', everyone, now)).toThrow(expect.objectContaining({ code: 'booth_taken' }));
    expect(claim(first.state, 'zh', 'anna', everyone, now).changed).toBe(false);
    // Another language's booth is independent.
    expect(claim(first.state, 'fr', 'bo', everyone, now).change).toEqual({ language: 'fr', was: null, now: 'bo' });
    // A live interpreter who left the session no longer holds the booth.
    expect(claim(first.state, 'zh', 'bo', (id) => id !== 'anna', now).change).toEqual({ language: 'zh', was: 'anna', now: 'bo' });
  });

  it('hands over: a partner asks, the live one accepts; only the live one (or a moderator) hands over, and only to a partner', () => {
    const live = claim(emptyBooths('forum', 'a'), 'zh', 'anna', everyone, now).state;
    const asked = handover(live, 'zh', 'bo', 'bo', isInterpreter, false, now);
    expect(asked.change).toBeNull();
    expect(asked.state.booths[0]).toMatchObject({ live: 'anna', requestedBy: 'bo' });
    expect(() => handover(asked.state, 'zh', 'bo', 'anna', isInterpreter, false, now)).toThrow(expect.objectContaining({ code: 'not_booth_live' }));
    expect(() => handover(asked.state, 'zh', 'anna', 'mallory', isInterpreter, false, now)).toThrow(expect.objectContaining({ code: 'not_booth_partner' }));
    const passed = handover(asked.state, 'zh', 'anna', 'bo', isInterpreter, false, now);
    expect(passed.change).toEqual({ language: 'zh', was: 'anna', now: 'bo' });
    expect(passed.state.booths[0]).toMatchObject({ live: 'bo', requestedBy: null });
    // The chair releases the booth.
    expect(handover(passed.state, 'zh', null, null, isInterpreter, true, now).change).toEqual({ language: 'zh', was: 'bo', now: null });
    expect(() => handover(emptyBooths('forum', 'a'), 'zh', 'bo', 'bo', isInterpreter, false, now)).toThrow(expect.objectContaining({ code: 'booth_idle' }));
  });

  it('relays from the floor or another booth, never its own channel or a language without a booth', () => {
    const s = emptyBooths('forum', 'a');
    expect(setSource(s, 'zh', 'en', ['zh', 'en']).state.booths[0]).toMatchObject({ language: 'zh', source: 'en' });
    expect(() => setSource(s, 'zh', 'zh', ['zh', 'en'])).toThrow(expect.objectContaining({ code: 'invalid_relay' }));
    expect(() => setSource(s, 'zh', 'es', ['zh', 'en'])).toThrow(expect.objectContaining({ code: 'invalid_relay' }));
    expect(setSource(s, 'zh', 'floor', ['zh']).changed).toBe(false);
  });

  it('lists every language with interpreters, its partners and who is live', () => {
    const people = [person('anna', [{ sessionId: 'a', role: 'interpreter', language: 'zh' }]), person('bo', [{ sessionId: 'a', role: 'interpreter', language: 'zh' }]), person('cy', [{ sessionId: 'b', role: 'interpreter', language: 'fr' }])];
    const state = claim(emptyBooths('forum', 'a'), 'zh', 'bo', everyone, now).state;
    expect(boothViews(state, people)).toEqual([
      { language: 'zh', live: 'bo', liveName: 'BO', interpreters: [{ participantId: 'anna', name: 'ANNA' }, { participantId: 'bo', name: 'BO' }], source: 'floor', requestedBy: null },
    ]);
  });

  it('authorises booths, captions and sign video by role and language', () => {
    const caller = (roles: Participant['roles']) => ({ kind: 'participant' as const, participant: person('x', roles) });
    const scope = { eventId: 'forum', sessionId: 'a', language: 'zh' };
    expect(decide(caller([{ sessionId: 'a', role: 'captioner', language: 'zh' }]), 'caption.send', scope).allowed).toBe(true);
    expect(decide(caller([{ sessionId: 'a', role: 'captioner', language: 'en' }]), 'caption.send', scope)).toMatchObject({ allowed: false, code: 'not_captioner' });
    expect(decide(caller([{ sessionId: 'a', role: 'interpreter', language: 'en' }]), 'booth.interpret', scope)).toMatchObject({ allowed: false, code: 'not_interpreter' });
    expect(decide(caller([{ sessionId: 'a', role: 'sign_interpreter' }]), 'media.produce-sign', scope).allowed).toBe(true);
    expect(decide(caller([]), 'media.produce-sign', scope).allowed).toBe(false);
  });
});

describe('captions (pure)', () => {
  it('cleans text and refuses empty final or overlong lines', () => {
    expect(captionText('  Bonjour\u0007 à tous ', true)).toBe('Bonjour à tous');
    expect(captionText('', false)).toBe('');
    expect(() => captionText('   ', true)).toThrow(expect.objectContaining({ code: 'invalid_caption' }));
    expect(() => captionText('x'.repeat(1001), true)).toThrow(expect.objectContaining({ code: 'invalid_caption' }));
  });

  it('writes WebVTT cues relative to the first line', () => {
    const vtt = transcriptVtt([
      { sessionId: 'a', language: 'en', text: 'Good morning', final: true, seq: 1, at: '2022-02-22T13:00:00.000Z', by: 'c' },
      { sessionId: 'a', language: 'en', text: 'Welcome --> all', final: true, seq: 3, at: '2022-02-22T13:00:02.500Z', by: 'c' },
    ]);
    expect(vtt).toBe('WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.500\n<lang en>Good morning</lang>\n\n3\n00:00:02.500 --> 00:00:08.500\n<lang en>Welcome → all</lang>\n');
  });
});
