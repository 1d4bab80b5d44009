import { describe, expect, it } from 'vitest';
import type { ConstituentGroup } from './participants.ts';
import {
  controlTimer, emptyQueue, endFloor, giveFloor, groupTime, positionOf, proposeNext, remainingMs, reorder, requestFloor, setListOpen, withdraw,
  type QueueRules, type QueueState, type Speaker,
} from './queue.ts';

const t0 = new Date('2022-02-22T12:00:00Z');
const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);

function speaker(id: string, group: ConstituentGroup = 'government', country = 'CH', extra: Partial<Speaker> = {}): Speaker {
  return { participantId: id, name: `Speaker ${id}`, group, country, gender: null, headOfState: false, panelist: false, ...extra };
}

let seq = 0;
function req(state: QueueState, s: Speaker, kind: 'statement' | 'reply' | 'point_of_order' = 'statement', now = t0): QueueState {
  seq += 1;
  return requestFloor(state, { entryId: `e${seq}-${s.participantId}`, speaker: s, kind, now });
}
const entryOf = (state: QueueState, participantId: string) => state.entries.find((e) => e.participantId === participantId && (e.status === 'waiting' || e.status === 'speaking'));
const tripartite: QueueRules = { mode: 'tripartite', budgetsMs: { default: 300_000, reply: 120_000, headOfState: 600_000 } };

describe('requesting and withdrawing the floor', () => {
  it('queues delegates in order of request and tells each their position', () => {
    let q = emptyQueue('e', 's');
    q = req(q, speaker('a'));
    q = req(q, speaker('b', 'workers'));
    expect(q.entries.map((e) => [e.participantId, e.status])).toEqual([['a', 'waiting'], ['b', 'waiting']]);
    expect(positionOf(q, 'b')).toBe(2);
    expect(q.version).toBe(2);
  });

  it('refuses a second request while one is active', () => {
    const q = req(emptyQueue('e', 's'), speaker('a'));
    expect(() => req(q, speaker('a'))).toThrow(expect.objectContaining({ code: 'already_in_queue' }));
  });

  it('lets a delegate withdraw while waiting, not while speaking', () => {
    let q = req(emptyQueue('e', 's'), speaker('a'));
    q = withdraw(q, 'a', t0);
    expect(q.entries[0]?.status).toBe('withdrawn');
    expect(positionOf(q, 'a')).toBeNull();
    expect(() => withdraw(q, 'a', t0)).toThrow(expect.objectContaining({ code: 'not_found' }));
    q = req(q, speaker('a'));
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod', t0);
    expect(() => withdraw(q, 'a', t0)).toThrow(expect.objectContaining({ code: 'conflict' }));
  });

  it('refuses a second statement but allows a right of reply', () => {
    let q = req(emptyQueue('e', 's'), speaker('a'));
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod', t0);
    q = endFloor(q, 'mod', at(60));
    expect(() => req(q, speaker('a'))).toThrow(expect.objectContaining({ code: 'second_statement' }));
    q = req(q, speaker('a'), 'reply');
    expect(entryOf(q, 'a')?.kind).toBe('reply');
  });

  it('records who added an entry on a speaker’s behalf', () => {
    const q = requestFloor(emptyQueue('e', 's'), { entryId: 'x', speaker: speaker('a'), kind: 'statement', now: t0, addedBy: 'mod' });
    expect(q.entries[0]?.addedBy).toBe('mod');
    expect(q.log.at(-1)).toMatchObject({ action: 'add', by: 'mod' });
  });
});

describe('reordering', () => {
  it('takes a permutation of the waiting entries', () => {
    let q = emptyQueue('e', 's');
    for (const id of ['a', 'b', 'c']) q = req(q, speaker(id));
    const [a, b, c] = q.entries.map((e) => e.id) as [string, string, string];
    q = reorder(q, [c, a, b], 'mod', t0);
    expect(q.entries.map((e) => e.id)).toEqual([c, a, b]);
    expect(proposeNext(q)?.id).toBe(c);
  });

  it('refuses a stale or partial order', () => {
    let q = emptyQueue('e', 's');
    for (const id of ['a', 'b']) q = req(q, speaker(id));
    const [a, b] = q.entries.map((e) => e.id) as [string, string];
    expect(() => reorder(q, [a], 'mod', t0)).toThrow(expect.objectContaining({ code: 'invalid_order' }));
    expect(() => reorder(q, [a, a], 'mod', t0)).toThrow(expect.objectContaining({ code: 'invalid_order' }));
    expect(() => reorder(q, [a, 'ghost'], 'mod', t0)).toThrow(expect.objectContaining({ code: 'invalid_order' }));
    expect(reorder(q, [b, a], 'mod', t0).entries.map((e) => e.id)).toEqual([b, a]);
  });
});

describe('tripartite rules', () => {
  it('proposes Government, then Employers, then Workers, whatever the order of request', () => {
    let q = emptyQueue('e', 's', tripartite);
    q = req(q, speaker('w1', 'workers', 'FR'));
    q = req(q, speaker('e1', 'employers', 'BR'));
    q = req(q, speaker('g1', 'government', 'KE'));
    q = req(q, speaker('g2', 'government', 'IN'));
    const spoken: string[] = [];
    for (let i = 0; i < 4; i++) {
      const proposal = proposeNext(q)!;
      spoken.push(proposal.participantId);
      q = giveFloor(q, proposal.id, 'mod', at(i * 100));
      q = endFloor(q, 'mod', at(i * 100 + 50));
    }
    expect(spoken).toEqual(['g1', 'e1', 'w1', 'g2']);
    expect(q.log.filter((l) => l.action === 'override')).toEqual([]);
  });

  it('allows one speaker per group per State, and a Head of State beyond the quota', () => {
    let q = emptyQueue('e', 's', tripartite);
    q = req(q, speaker('g1', 'government', 'CH'));
    expect(() => req(q, speaker('g2', 'government', 'CH'))).toThrow(expect.objectContaining({ code: 'group_quota' }));
    q = req(q, speaker('w1', 'workers', 'CH'));
    q = req(q, speaker('hos', 'government', 'CH', { headOfState: true }));
    expect(q.entries.map((e) => e.participantId)).toEqual(['g1', 'w1', 'hos']);
  });

  it('frees the quota when a speaker withdraws', () => {
    let q = req(emptyQueue('e', 's', tripartite), speaker('g1', 'government', 'CH'));
    q = withdraw(q, 'g1', t0);
    expect(() => req(q, speaker('g2', 'government', 'CH'))).not.toThrow();
  });

  it('lets the moderator override the proposal, and logs it', () => {
    let q = emptyQueue('e', 's', tripartite);
    q = req(q, speaker('w1', 'workers', 'FR'));
    q = req(q, speaker('g1', 'government', 'KE'));
    expect(proposeNext(q)?.participantId).toBe('g1');
    q = giveFloor(q, entryOf(q, 'w1')!.id, 'mod', t0);
    expect(q.floor?.entryId).toBe(entryOf(q, 'w1')!.id);
    expect(q.log.find((l) => l.action === 'override')).toMatchObject({ by: 'mod', entryId: entryOf(q, 'w1')!.id });
  });

  it('gives budgets by kind and role', () => {
    let q = emptyQueue('e', 's', tripartite);
    q = req(q, speaker('hos', 'government', 'CH', { headOfState: true }));
    q = giveFloor(q, entryOf(q, 'hos')!.id, 'mod', t0);
    expect(q.floor?.budgetMs).toBe(600_000);
    q = endFloor(q, 'mod', at(10));
    q = req(q, speaker('hos', 'government', 'CH', { headOfState: true }), 'reply');
    q = giveFloor(q, entryOf(q, 'hos')!.id, 'mod', at(20));
    expect(q.floor?.budgetMs).toBe(120_000);
  });
});

describe('the speaking timer', () => {
  it('starts with the floor, counts down, and records the overrun', () => {
    let q = req(emptyQueue('e', 's'), speaker('a'));
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod', t0);
    expect(q.floor).toMatchObject({ budgetMs: 300_000, startedAt: t0.toISOString() });
    expect(remainingMs(q.floor!, at(240))).toBe(60_000);
    expect(remainingMs(q.floor!, at(320))).toBe(-20_000);
    q = endFloor(q, 'mod', at(320));
    expect(q.floor).toBeNull();
    expect(q.entries[0]).toMatchObject({ status: 'done', spokenMs: 320_000, overrunMs: 20_000 });
  });

  it('pauses, resumes and extends', () => {
    let q = req(emptyQueue('e', 's'), speaker('a'));
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod', t0);
    q = controlTimer(q, { action: 'pause' }, 'mod', at(100));
    expect(remainingMs(q.floor!, at(500))).toBe(200_000);
    q = controlTimer(q, { action: 'resume' }, 'mod', at(500));
    expect(remainingMs(q.floor!, at(600))).toBe(100_000);
    q = controlTimer(q, { action: 'add', ms: 60_000 }, 'mod', at(600));
    expect(remainingMs(q.floor!, at(600))).toBe(160_000);
    q = endFloor(q, 'mod', at(700));
    expect(q.entries[0]).toMatchObject({ spokenMs: 300_000, overrunMs: 0 });
  });

  it('ends the current speaker when the floor passes to the next', () => {
    let q = emptyQueue('e', 's');
    q = req(q, speaker('a'));
    q = req(q, speaker('b'));
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod', t0);
    q = giveFloor(q, entryOf(q, 'b')!.id, 'mod', at(90));
    expect(q.entries.map((e) => e.status)).toEqual(['done', 'speaking']);
    expect(q.entries[0]?.spokenMs).toBe(90_000);
  });

  it('refuses to end a floor nobody has, or give it to someone not waiting', () => {
    const q = req(emptyQueue('e', 's'), speaker('a'));
    expect(() => endFloor(q, 'mod', t0)).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => giveFloor(q, 'ghost', 'mod', t0)).toThrow(expect.objectContaining({ code: 'not_found' }));
    const withdrawn = withdraw(q, 'a', t0);
    expect(() => giveFloor(withdrawn, withdrawn.entries[0]!.id, 'mod', t0)).toThrow(expect.objectContaining({ code: 'conflict' }));
  });
});

describe('two moderators giving the floor at once', () => {
  it('refuses a give-floor decided on a queue whose floor has changed hands since', () => {
    let q = req(req(emptyQueue('e', 's'), speaker('a')), speaker('b', 'workers'));
    const seen = q.version;
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod1', t0, { seenVersion: seen });
    expect(() => giveFloor(q, entryOf(q, 'b')!.id, 'mod2', at(1), { seenVersion: seen })).toThrow(expect.objectContaining({ code: 'floor_changed' }));
    // Decided on the fresh queue, it goes through.
    q = giveFloor(q, entryOf(q, 'b')!.id, 'mod2', at(10), { seenVersion: q.version });
    expect(q.floor?.entryId).toBe(entryOf(q, 'b')!.id);
  });

  it('does not refuse because of changes that left the floor alone', () => {
    let q = req(emptyQueue('e', 's'), speaker('a'));
    const seen = q.version;
    q = req(q, speaker('b', 'workers'));
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod', t0, { seenVersion: seen });
    expect(q.floor).not.toBeNull();
  });

  it('sends a speaker replaced within seconds back to their place, with their statement unspent', () => {
    let q = req(req(emptyQueue('e', 's'), speaker('a')), speaker('b', 'workers'));
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod1', t0);
    q = giveFloor(q, entryOf(q, 'b')!.id, 'mod2', new Date(t0.getTime() + 6));
    expect(q.entries.map((e) => [e.participantId, e.status])).toEqual([['a', 'waiting'], ['b', 'speaking']]);
    q = endFloor(q, 'mod', at(60));
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod', at(61));
    expect(q.floor?.entryId).toBe(entryOf(q, 'a')!.id);
  });

  it('counts a statement that was really made when the next speaker is given the floor', () => {
    let q = req(req(emptyQueue('e', 's'), speaker('a')), speaker('b', 'workers'));
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod', t0);
    q = giveFloor(q, entryOf(q, 'b')!.id, 'mod', at(30));
    expect(q.entries.find((e) => e.participantId === 'a')).toMatchObject({ status: 'done', spokenMs: 30_000 });
    expect(() => req(q, speaker('a'))).toThrow(expect.objectContaining({ code: 'second_statement' }));
  });
});

describe('points of order', () => {
  it('go ahead of every waiting statement, behind earlier points of order, and are proposed first', () => {
    let q = req(req(emptyQueue('e', 's'), speaker('a')), speaker('b', 'workers'));
    q = req(q, speaker('c', 'employers'), 'point_of_order');
    q = req(q, speaker('d', 'government', 'FR'), 'point_of_order');
    const waiting = q.entries.filter((e) => e.status === 'waiting').map((e) => [e.participantId, e.kind]);
    expect(waiting).toEqual([['c', 'point_of_order'], ['d', 'point_of_order'], ['a', 'statement'], ['b', 'statement']]);
    expect(proposeNext({ ...q, rules: tripartite })?.participantId).toBe('c');
  });

  it('may be raised by a delegate already waiting to speak, once at a time, with its own short budget', () => {
    let q = req(emptyQueue('e', 's'), speaker('a'));
    q = req(q, speaker('a'), 'point_of_order');
    expect(() => req(q, speaker('a'), 'point_of_order')).toThrow(expect.objectContaining({ code: 'already_in_queue' }));
    const point = q.entries.find((e) => e.kind === 'point_of_order')!;
    q = giveFloor(q, point.id, 'mod', t0);
    expect(q.floor?.budgetMs).toBe(2 * 60_000);
    q = endFloor(q, 'mod', at(30));
    // Raising a point of order did not spend the delegate's statement.
    q = giveFloor(q, entryOf(q, 'a')!.id, 'mod', at(40));
    expect(q.floor?.entryId).toBe(entryOf(q, 'a')!.id);
  });
});

describe('the list of speakers', () => {
  it('once closed refuses new statements but accepts replies and points of order, and reopens', () => {
    let q = setListOpen(emptyQueue('e', 's'), false, 'mod', t0);
    expect(() => req(q, speaker('a'))).toThrow(expect.objectContaining({ code: 'list_closed' }));
    q = req(q, speaker('b'), 'reply');
    q = req(q, speaker('c'), 'point_of_order');
    expect(q.entries.map((e) => e.kind)).toEqual(['point_of_order', 'reply']);
    expect(setListOpen(q, false, 'mod', t0)).toBe(q);
    q = setListOpen(q, true, 'mod', t0);
    expect(req(q, speaker('a')).entries).toHaveLength(3);
  });
});

describe('group time budgets', () => {
  const budgeted: QueueRules = { ...tripartite, groupBudgetsMs: { government: 600_000, employers: 600_000, workers: 600_000 } };

  it('count what each group has spoken, the running floor included, and record the overrun', () => {
    let q: QueueState = { ...emptyQueue('e', 's'), rules: budgeted };
    q = req(req(q, speaker('g1', 'government', 'CH')), speaker('w1', 'workers', 'BR'));
    q = giveFloor(q, entryOf(q, 'g1')!.id, 'mod', t0);
    expect(groupTime(q, at(100)).find((g) => g.group === 'government')).toMatchObject({ usedMs: 100_000, leftMs: 500_000 });
    q = endFloor(q, 'mod', at(700));
    expect(groupTime(q, at(700)).find((g) => g.group === 'government')).toMatchObject({ usedMs: 700_000, leftMs: -100_000, overrunMs: 100_000 });
    expect(groupTime(q, at(700)).find((g) => g.group === 'workers')).toMatchObject({ usedMs: 0, leftMs: 600_000 });
  });

  it('let the tripartite proposal pass over a group whose time is used up', () => {
    let q: QueueState = { ...emptyQueue('e', 's'), rules: budgeted };
    q = req(q, speaker('g1', 'government', 'CH'));
    q = giveFloor(q, entryOf(q, 'g1')!.id, 'mod', t0);
    q = endFloor(q, 'mod', at(700)); // government over its ten minutes
    q = req(req(q, speaker('g2', 'government', 'FR')), speaker('e1', 'employers', 'JP'));
    // Employers would follow government in rotation anyway; make government next in line by rotation instead.
    q = req(q, speaker('w1', 'workers', 'BR'));
    q = giveFloor(q, entryOf(q, 'e1')!.id, 'mod', at(710));
    q = endFloor(q, 'mod', at(720));
    q = giveFloor(q, entryOf(q, 'w1')!.id, 'mod', at(730));
    q = endFloor(q, 'mod', at(740));
    // Rotation says government, but government has no time left: nobody else waits, so it is still proposed.
    expect(proposeNext(q)?.participantId).toBe('g2');
    q = req(q, speaker('e2', 'employers', 'DE'));
    expect(proposeNext(q)?.participantId).toBe('e2');
  });
});
