import { describe, expect, it } from 'vitest';
import { castVote, closePoll, createPoll, openPoll, type Poll } from './polls.ts';
import { buildRecord, recordMarkdown, type RecordInput } from './record.ts';
import { emptyQueue, type QueueEntry, type QueueState } from './queue.ts';
import { advance, editRunningOrder, emptyRunningOrder, hasStarted, type RunningOrder } from './running-order.ts';

const t = (minute: number, second = 0) => new Date(Date.UTC(2022, 1, 22, 12, minute, second)).toISOString();

function entry(id: string, name: string, group: QueueEntry['group'], country: string, kind: QueueEntry['kind'], start: number, spokenMs: number): QueueEntry {
  return {
    id, participantId: `p-${id}`, name, group, country, gender: null, headOfState: false, panelist: false, kind, status: 'done',
    requestedAt: t(0), addedBy: null, budgetMs: 300_000, startedAt: t(start), endedAt: t(start, spokenMs / 1000), spokenMs, overrunMs: 0,
  };
}

function poll(id: string, question: string, minute: number, secret: boolean): Poll {
  let p = openPoll(createPoll({ question, kind: 'yes_no_abstain', secret, quorum: 'ilo' }, { id, eventId: 'e', sessionId: 's', createdBy: { id: null, name: 'Chair' }, now: new Date(t(minute)) }), new Date(t(minute)));
  p = castVote(p, { participantId: 'g', name: 'Voter Alpha', group: 'government', country: 'CH' }, 'yes', null, new Date(t(minute))).poll;
  p = castVote(p, { participantId: 'w', name: 'Voter Omega', group: 'workers', country: 'BR' }, 'no', null, new Date(t(minute))).poll;
  return closePoll(p, secret ? 6 : 4, new Date(t(minute + 1)));
}

function input(overrides: Partial<RecordInput> = {}): RecordInput {
  const queue: QueueState = {
    ...emptyQueue('e', 's'),
    // Stored in request order; the record follows the order of speaking.
    entries: [entry('b', 'Ms Rossi', 'workers', 'IT', 'reply', 20, 61_000), entry('a', 'Minister Okafor', 'government', 'NG', 'statement', 5, 125_000)],
  };
  return {
    lang: 'en',
    event: { id: 'e', title: { en: 'Global Forum', zh: '全球论坛' }, zone: 'Europe/Zurich' },
    session: { id: 's', title: { en: 'Closing', zh: '闭幕' }, start: t(0), end: t(90), status: 'ended' },
    chair: [{ name: 'Chair Amadou', country: 'SN', organization: 'ILO' }],
    queue,
    questions: [
      { id: 'q1', text: 'Funding?', anonymous: false, author: { name: 'Ms Rossi' } },
      { id: 'q2', text: 'Timeline?', anonymous: true, author: { name: 'Hidden Person' } },
      { id: 'q3', text: 'Never answered', anonymous: false, author: { name: 'X' } },
    ],
    moderation: [
      { at: t(40), by: 'm', byName: 'Chair', questionId: 'q2', action: 'answer', reason: null },
      { at: t(30), by: 'm', byName: 'Chair', questionId: 'q1', action: 'answer', reason: null },
      { at: t(31), by: 'm', byName: 'Chair', questionId: 'q3', action: 'hide', reason: null },
    ],
    polls: [poll('p2', 'Second vote', 60, true), poll('p1', 'First vote', 50, false)],
    now: new Date(t(95)),
    ...overrides,
  };
}

describe('the draft record', () => {
  it('lists the chair, the speakers in the order they spoke, the questions answered and the polls in order', () => {
    const r = buildRecord(input());
    expect(r.chair).toEqual([{ name: 'Chair Amadou', country: 'SN', organization: 'ILO' }]);
    expect(r.speakers.map((s) => [s.order, s.name, s.country, s.groupLabel, s.kindLabel, s.spoken, s.startedLocal])).toEqual([
      [1, 'Minister Okafor', 'NG', 'Government', 'Statement', '2:05', '13:05'],
      [2, 'Ms Rossi', 'IT', 'Workers', 'Right of reply', '1:01', '13:20'],
    ]);
    expect(r.questions.map((q) => [q.text, q.askedBy])).toEqual([['Funding?', 'Ms Rossi'], ['Timeline?', 'Anonymous']]);
    expect(r.polls.map((p) => p.question)).toEqual(['First vote', 'Second vote']);
    expect(r.polls[0]!.rows[0]).toEqual({ label: 'Yes', total: 1, byGroup: [1, 0, 0] });
    expect(r.polls[0]!.voters).toEqual([expect.objectContaining({ name: 'Voter Alpha', choice: 'Yes' }), expect.objectContaining({ name: 'Voter Omega', choice: 'No' })]);
    expect(r.polls[1]!.voters).toBeNull();
    expect(r.polls[0]!.quorumNote).toMatch(/^Quorum met/);
    expect(r.polls[1]!.quorumNote).toMatch(/^Void/);
    expect(r.dateLocal).toBe('22 February 2022');
  });

  it('is written in Chinese when asked', () => {
    const r = buildRecord(input({ lang: 'zh' }));
    expect(r.sessionTitle).toBe('闭幕');
    expect(r.speakers[0]!.groupLabel).toBe('政府');
    expect(r.polls[0]!.rows[1]!.label).toBe('反对');
    expect(recordMarkdown(r)).toContain('# 会议记录草稿: 闭幕');
  });

  it('renders Markdown tables, in order, with a secret poll’s counts but never its voters', () => {
    const md = recordMarkdown(buildRecord(input()));
    expect(md.indexOf('Minister Okafor')).toBeLessThan(md.indexOf('Ms Rossi'));
    expect(md.indexOf('First vote')).toBeLessThan(md.indexOf('Second vote'));
    expect(md).toContain('| Yes | 1 | 1 | 0 | 0 |');
    const secret = md.slice(md.indexOf('Second vote'));
    expect(secret).not.toContain('Voter');
    expect(secret).toContain('secret ballot');
  });

  it('says so when nothing happened', () => {
    const md = recordMarkdown(buildRecord(input({ chair: [], queue: emptyQueue('e', 's'), moderation: [], polls: [] })));
    expect(md).toContain('No moderator was assigned.');
    expect(md).toContain('Nobody took the floor.');
    expect(md).toContain('No poll was held.');
  });
});

describe('the draft record’s running order', () => {
  const at = (minute: number) => new Date(t(minute));
  const order = (): RunningOrder => {
    const written = editRunningOrder(emptyRunningOrder('e', 's'), {
      items: [
        { id: 'opening', kind: 'statement', title: 'Opening remarks', speaker: 'Director-General', plannedMs: 300_000 },
        { id: 'panel', kind: 'panel', title: 'Interactive panel', plannedMs: 1_800_000 },
        { id: 'floor', kind: 'floor', title: 'Open floor', plannedMs: 600_000 },
      ],
    }, () => true);
    // The opening ran 7 minutes (2 over), then the panel ran 10 and was stopped; the open floor never ran.
    return advance(advance(advance(written, 'opening', at(0)), 'panel', at(7)), null, at(17));
  };

  it('shows actual time and overrun only for items that ran; one that never ran has neither (not 0:00)', () => {
    const r = buildRecord(input({ runningOrder: order() }));
    expect(r.runningOrder.map((i) => [i.title, i.started, i.planned, i.actual, i.overrun])).toEqual([
      ['Opening remarks', true, '5:00', '7:00', '+2:00'],
      ['Interactive panel', true, '30:00', '10:00', ''],
      ['Open floor', false, '10:00', '', ''],
    ]);
    expect(recordMarkdown(r)).toContain('| 3 | Open floor (Open floor) |  | 10:00 |  |  |');
  });

  it('counts an item that ran and was gone back from as started, and one running now with its time so far', () => {
    const back = advance(advance(order(), 'floor', at(20)), 'panel', at(21));
    const r = buildRecord(input({ runningOrder: back, now: at(25) }));
    expect(r.runningOrder.map((i) => [i.title, i.started, i.actual])).toEqual([
      ['Opening remarks', true, '7:00'],
      ['Interactive panel', true, '14:00'],
      ['Open floor', true, '1:00'],
    ]);
    expect(hasStarted({ status: 'pending' })).toBe(false);
    expect(hasStarted({ status: 'pending', startedAt: t(1) })).toBe(true);
  });
});
