import { describe, expect, it } from 'vitest';
import { emptyQueue, endFloor, giveFloor, requestFloor, type QueueState, type Speaker } from './queue.ts';
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

  it('is empty when nobody spoke', () => {
    expect(speakingReport([emptyQueue('e', 's')], at(0))).toMatchObject({ totalMs: 0, interventions: [], byGroup: [] });
  });
});
