import { describe, expect, it } from 'vitest';
import { controlTimer, emptyQueue, endFloor, giveFloor, requestFloor, type QueueState, type Speaker } from './queue.ts';
import { speakingReport } from './speaking-report.ts';

const t0 = Date.parse('2022-02-22T12:00:00Z');
const at = (s: number) => new Date(t0 + s * 1000);
const sp = (id: string, group: Speaker['group'], country: string, gender: Speaker['gender']): Speaker => ({ participantId: id, name: id, group, country, gender, headOfState: false, panelist: false });

function speak(q: QueueState, s: Speaker, from: number, to: number | null): QueueState {
  q = requestFloor(q, { entryId: `e-${s.participantId}-${from}`, speaker: s, kind: 'statement', now: at(from) });
  q = giveFloor(q, `e-${s.participantId}-${from}`, 'mod', at(from));
  return to === null ? q : endFloor(q, 'mod', at(to));
}

describe('speaking-time report', () => {
  it('totals time by group, gender and country, including a speaker still on the floor', () => {
    let a = emptyQueue('e', 'opening');
    a = speak(a, sp('gov-ke', 'government', 'KE', 'female'), 0, 300);
    a = speak(a, sp('wrk-fr', 'workers', 'FR', 'male'), 400, 460);
    let b = emptyQueue('e', 'thematic-1');
    b = speak(b, sp('gov-in', 'government', 'IN', null), 1000, null);
    const report = speakingReport([a, b], at(1100));
    expect(report.totalMs).toBe(460_000);
    expect(report.byGroup).toEqual([
      { key: 'government', interventions: 2, spokenMs: 400_000, share: 400 / 460 },
      { key: 'workers', interventions: 1, spokenMs: 60_000, share: 60 / 460 },
    ]);
    expect(report.byGender.map((t) => [t.key, t.spokenMs])).toEqual([['female', 300_000], ['undisclosed', 100_000], ['male', 60_000]]);
    expect(report.byCountry.map((t) => t.key)).toEqual(['KE', 'IN', 'FR']);
    expect(report.interventions.map((i) => [i.sessionId, i.name, i.endedAt === null])).toEqual([
      ['opening', 'gov-ke', false],
      ['opening', 'wrk-fr', false],
      ['thematic-1', 'gov-in', true],
    ]);
  });

  it('records overruns', () => {
    const q = speak(emptyQueue('e', 's'), sp('x', 'employers', 'BR', 'female'), 0, 330);
    expect(speakingReport([q], at(400)).interventions[0]).toMatchObject({ spokenMs: 330_000, overrunMs: 30_000 });
  });

  describe('paused time is not speaking time', () => {
    const pause = (q: QueueState, s: number) => controlTimer(q, { action: 'pause' }, 'mod', at(s));
    const resume = (q: QueueState, s: number) => controlTimer(q, { action: 'resume' }, 'mod', at(s));

    it('stops counting while the floor is paused, however long the pause lasts', () => {
      // On the floor from 0 s, paused at 60 s, report read at 400 s: 60 s spoken.
      const q = pause(speak(emptyQueue('e', 's'), sp('x', 'workers', 'FR', 'male'), 0, null), 60);
      const report = speakingReport([q], at(400));
      expect(report.interventions[0]).toMatchObject({ spokenMs: 60_000, overrunMs: 0, endedAt: null });
      expect(report.totalMs).toBe(60_000);
      expect(report.byGroup).toEqual([{ key: 'workers', interventions: 1, spokenMs: 60_000, share: 1 }]);
    });

    it('leaves out a finished pause and a pause still running, for a speaker still on the floor', () => {
      let q = speak(emptyQueue('e', 's'), sp('x', 'government', 'KE', 'female'), 0, null);
      q = resume(pause(q, 100), 160); // 60 s paused
      q = pause(q, 250); // paused again since 250 s
      expect(speakingReport([q], at(900)).interventions[0]?.spokenMs).toBe(190_000);
    });

    it('does not report an overrun for time spent paused', () => {
      // Five minutes' budget; paused at 4:50 and left paused for half an hour.
      const q = pause(speak(emptyQueue('e', 's'), sp('x', 'employers', 'BR', 'female'), 0, null), 290);
      expect(speakingReport([q], at(2090)).interventions[0]).toMatchObject({ spokenMs: 290_000, overrunMs: 0 });
    });

    it('leaves paused time out of a finished intervention, including one ended while paused', () => {
      let a = speak(emptyQueue('e', 's'), sp('a', 'workers', 'SN', 'male'), 0, null);
      a = endFloor(resume(pause(a, 100), 160), 'mod', at(300)); // 60 s paused
      let b = speak(emptyQueue('e', 't'), sp('b', 'workers', 'CN', 'female'), 0, null);
      b = endFloor(pause(b, 120), 'mod', at(500)); // ended during a pause
      const report = speakingReport([a, b], at(1000));
      expect(report.interventions.map((i) => [i.name, i.spokenMs])).toEqual([['a', 240_000], ['b', 120_000]]);
      expect(report.totalMs).toBe(360_000);
    });
  });

  it('is empty when nobody spoke', () => {
    expect(speakingReport([emptyQueue('e', 's')], at(0))).toMatchObject({ totalMs: 0, interventions: [], byGroup: [] });
  });
});
