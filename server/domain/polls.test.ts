import { describe, expect, it } from 'vitest';
import {
  castVote, closePoll, createPoll, normalizeChoice, openPoll, pollVisibleTo, resultRows, resultsOf, viewOfPoll,
  type Poll, type PollDraftInput, type Voter,
} from './polls.ts';

const now = new Date('2022-02-22T12:00:00Z');
const meta = { id: 'p1', eventId: 'e', sessionId: 's', createdBy: { id: 'mod', name: 'Chair' }, now };
const gov: Voter = { participantId: 'g1', name: 'Gov 1', group: 'government', country: 'CH' };
const gov2: Voter = { participantId: 'g2', name: 'Gov 2', group: 'government', country: 'FR' };
const emp: Voter = { participantId: 'e1', name: 'Emp 1', group: 'employers', country: 'SN' };
const wor: Voter = { participantId: 'w1', name: 'Wor 1', group: 'workers', country: 'BR' };
const io: Voter = { participantId: 'i1', name: 'IO 1', group: 'international_organization', country: 'CH' };

function poll(input: Partial<PollDraftInput> = {}): Poll {
  return openPoll(createPoll({ question: ' Adopt   the report? ', kind: 'yes_no_abstain', ...input }, meta), now);
}

function vote(p: Poll, voter: Voter, choice: string | string[]): Poll {
  const previous = p.roll.find((r) => r.participantId === voter.participantId);
  return castVote(p, voter, choice, previous ? { choice: previous.choice, group: previous.group } : null, now).poll;
}

describe('creating polls', () => {
  it('gives yes/no/abstain its own options and the tripartite groups as voters by default', () => {
    const p = createPoll({ question: ' Adopt   the report? ', kind: 'yes_no_abstain' }, meta);
    expect(p.question).toBe('Adopt the report?');
    expect(p.status).toBe('draft');
    expect(p.options.map((o) => o.id)).toEqual(['yes', 'no', 'abstain']);
    expect(p.eligibleGroups).toEqual(['government', 'employers', 'workers']);
    expect(p.quorum).toBe('none');
    expect(p.secret).toBe(false);
  });

  it('numbers the options of single and multiple choice polls and refuses bad ones', () => {
    expect(createPoll({ question: 'Venue?', kind: 'single', options: ['Geneva', 'Turin'] }, meta).options).toEqual([
      { id: 'o1', label: 'Geneva' },
      { id: 'o2', label: 'Turin' },
    ]);
    const refused = expect.objectContaining({ code: 'invalid_poll' });
    expect(() => createPoll({ question: 'Venue?', kind: 'single', options: ['Geneva'] }, meta)).toThrow(refused);
    expect(() => createPoll({ question: 'Venue?', kind: 'single', options: ['Geneva', ' geneva '] }, meta)).toThrow(refused);
    expect(() => createPoll({ question: '  ', kind: 'single', options: ['a', 'b'] }, meta)).toThrow(refused);
    expect(() => createPoll({ question: 'Adopt?', kind: 'yes_no_abstain', options: ['a', 'b'] }, meta)).toThrow(refused);
  });

  it('goes draft → open → closed, and not back', () => {
    const draft = createPoll({ question: 'Adopt?', kind: 'yes_no_abstain' }, meta);
    expect(() => castVote(draft, gov, 'yes', null, now)).toThrow(expect.objectContaining({ code: 'poll_not_open' }));
    expect(() => closePoll(draft, 0, now)).toThrow(expect.objectContaining({ code: 'poll_not_open' }));
    const open = openPoll(draft, now);
    expect(openPoll(open, now)).toBe(open);
    const closed = closePoll(open, 3, now);
    expect(closed.status).toBe('closed');
    expect(closePoll(closed, 9, now)).toBe(closed);
    expect(() => openPoll(closed, now)).toThrow(expect.objectContaining({ code: 'poll_closed' }));
    expect(() => castVote(closed, gov, 'yes', null, now)).toThrow(expect.objectContaining({ code: 'poll_closed' }));
  });
});

describe('voting', () => {
  it('counts totals by choice and by constituent group', () => {
    let p = poll();
    p = vote(p, gov, 'yes');
    p = vote(p, gov2, 'no');
    p = vote(p, emp, 'yes');
    p = vote(p, wor, 'abstain');
    const r = resultsOf(closePoll(p, 4, now));
    expect(r.total).toBe(4);
    expect(r.byChoice).toEqual({ yes: 2, no: 1, abstain: 1 });
    expect(r.byGroup.government).toEqual({ total: 2, byChoice: { yes: 1, no: 1, abstain: 0 } });
    expect(r.byGroup.employers).toEqual({ total: 1, byChoice: { yes: 1, no: 0, abstain: 0 } });
    expect(r.byGroup.workers).toEqual({ total: 1, byChoice: { yes: 0, no: 0, abstain: 1 } });
    expect(r.byGroup.other.total).toBe(0);
    expect(r.valid).toBe(true);
  });

  it('replaces a second vote and never counts a voter twice', () => {
    let p = poll();
    const first = castVote(p, gov, 'yes', null, now);
    expect(first.replaced).toBe(false);
    p = first.poll;
    const second = castVote(p, gov, 'no', { choice: ['yes'], group: 'government' }, now);
    expect(second.replaced).toBe(true);
    p = second.poll;
    expect(p.tally.total).toBe(1);
    expect(p.tally.byChoice).toEqual({ yes: 0, no: 1, abstain: 0 });
    expect(p.tally.byGroup.government.byChoice).toEqual({ yes: 0, no: 1, abstain: 0 });
    expect(p.roll).toEqual([expect.objectContaining({ participantId: 'g1', choice: ['no'] })]);
  });

  it('lets only the eligible groups vote', () => {
    expect(() => castVote(poll(), io, 'yes', null, now)).toThrow(expect.objectContaining({ code: 'not_eligible' }));
    const all = poll({ eligibleGroups: ['government', 'employers', 'workers', 'international_organization', 'other'] });
    expect(castVote(all, io, 'yes', null, now).poll.tally.byGroup.international_organization.total).toBe(1);
  });

  it('checks choices against the kind: one for single, several distinct for multiple', () => {
    const single = poll({ kind: 'single', options: ['A', 'B', 'C'] });
    const multiple = poll({ kind: 'multiple', options: ['A', 'B', 'C'] });
    const refused = expect.objectContaining({ code: 'invalid_choice' });
    expect(() => normalizeChoice(single, ['o1', 'o2'])).toThrow(refused);
    expect(() => normalizeChoice(single, 'o9')).toThrow(refused);
    expect(() => normalizeChoice(multiple, [])).toThrow(refused);
    expect(() => normalizeChoice(multiple, ['o1', 'o1'])).toThrow(refused);
    expect(normalizeChoice(multiple, ['o3', 'o1'])).toEqual(['o1', 'o3']);
    const p = vote(vote(multiple, gov, ['o1', 'o3']), emp, ['o3']);
    expect(p.tally.total).toBe(2);
    expect(p.tally.byChoice).toEqual({ o1: 1, o2: 0, o3: 2 });
  });
});

describe('the quorum', () => {
  it('is not applied by default', () => {
    const r = resultsOf(closePoll(vote(poll(), gov, 'yes'), 100, now));
    expect(r.quorum).toMatchObject({ rule: 'none', met: null });
    expect(r.valid).toBe(true);
  });

  it('under the ILO rule voids a vote whose ballots do not reach half of the delegates present', () => {
    const p = vote(vote(poll({ quorum: 'ilo' }), gov, 'yes'), emp, 'abstain');
    expect(resultsOf(closePoll(p, 4, now))).toMatchObject({ quorum: { rule: 'ilo', present: 4, required: 2, met: true }, valid: true });
    expect(resultsOf(closePoll(p, 5, now))).toMatchObject({ quorum: { present: 5, required: 3, met: false }, valid: false });
    // Those who voted were present, even if they left before the close.
    expect(resultsOf(closePoll(p, 0, now))).toMatchObject({ quorum: { present: 2, met: true } });
  });
});

describe('views', () => {
  it('hide drafts from delegates', () => {
    expect(pollVisibleTo({ status: 'draft' }, false)).toBe(false);
    expect(pollVisibleTo({ status: 'draft' }, true)).toBe(true);
    expect(pollVisibleTo({ status: 'open' }, false)).toBe(true);
  });

  it('show results when closed, or live when chosen, and list the voters of named polls', () => {
    const p = vote(poll(), gov, 'yes');
    expect(viewOfPoll(p).results).toBeUndefined();
    expect(viewOfPoll(p).ballots).toBe(1);
    expect(viewOfPoll(closePoll(p, 1, now)).results).toMatchObject({ total: 1, byChoice: { yes: 1 }, final: true });
    expect(viewOfPoll(closePoll(p, 1, now)).voters).toEqual([expect.objectContaining({ participantId: 'g1', choice: ['yes'] })]);
    expect(viewOfPoll(vote(poll({ liveResults: true }), gov, 'no')).results).toMatchObject({ byChoice: { no: 1 }, final: false });
  });

  it('never tell who voted what in a secret poll, and show only the turnout while it is open', () => {
    const p = vote(vote(poll({ secret: true, liveResults: true }), gov, 'yes'), emp, 'no');
    expect(p.roll).toEqual([]);
    expect(viewOfPoll(p).results).toEqual({ total: 2, final: false });
    const closed = viewOfPoll(closePoll(p, 2, now));
    expect(closed.voters).toBeUndefined();
    expect(closed.results).toMatchObject({ total: 2, byChoice: { yes: 1, no: 1 } });
    expect(JSON.stringify(closed)).not.toMatch(/g1|e1|Gov 1|Emp 1/);
  });

  it('give result rows for the whole and every group', () => {
    const rows = resultRows(closePoll(vote(poll(), wor, 'no'), 1, now));
    expect(rows).toContainEqual({ group: 'total', option: 'no', label: 'no', votes: 1 });
    expect(rows).toContainEqual({ group: 'workers', option: '', label: 'ballots', votes: 1 });
    expect(rows.filter((r) => r.group === 'other')).toHaveLength(4);
  });
});
