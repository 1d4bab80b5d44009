import { describe, expect, it } from 'vitest';
import { ask, moderate, setVote, sortQuestions, toggleVote, viewOf, visibleTo, maxQuestionLength, type Question } from './qna.ts';

const now = new Date('2022-02-22T12:00:00Z');
const alice = { id: 'alice', name: 'Alice' };

function question(overrides: Partial<Parameters<typeof ask>[0]> = {}): Question {
  return ask({ id: 'q1', eventId: 'e', sessionId: 's', text: '  How will   the accelerator be funded? ', author: alice, anonymous: false, mode: 'open', version: 1, now, ...overrides });
}

describe('asking', () => {
  it('normalizes whitespace and approves at once in an open session', () => {
    const q = question();
    expect(q.text).toBe('How will the accelerator be funded?');
    expect(q.status).toBe('approved');
  });

  it('holds questions for approval in a pre-moderated session', () => {
    expect(question({ mode: 'pre-moderated' }).status).toBe('pending');
  });

  it('refuses empty and over-long questions, counting characters not bytes', () => {
    expect(() => question({ text: '   ' })).toThrow(expect.objectContaining({ code: 'invalid_question' }));
    expect(() => question({ text: 'x'.repeat(maxQuestionLength + 1) })).toThrow(expect.objectContaining({ code: 'invalid_question' }));
    expect(question({ text: '问'.repeat(maxQuestionLength) }).text).toHaveLength(maxQuestionLength);
  });
});

describe('visibility and anonymity', () => {
  const delegate = { participantId: 'bob', moderator: false };
  const moderator = { participantId: 'mod', moderator: true };

  it('shows pending questions only to moderators and their author', () => {
    const q = question({ mode: 'pre-moderated' });
    expect(visibleTo(q, delegate)).toBe(false);
    expect(visibleTo(q, moderator)).toBe(true);
    expect(visibleTo(q, { participantId: 'alice', moderator: false })).toBe(true);
    expect(visibleTo(moderate(q, 'approve', 2, now), delegate)).toBe(true);
    expect(visibleTo(moderate(q, 'hide', 2, now), delegate)).toBe(false);
  });

  it('hides an anonymous author from delegates but never from moderators', () => {
    const q = question({ anonymous: true });
    expect(viewOf(q, delegate).author).toBeUndefined();
    expect(viewOf(q, moderator).author).toEqual(alice);
    expect(viewOf(q, { participantId: 'alice', moderator: false }).author).toEqual(alice);
    expect(viewOf(question(), delegate).author).toEqual(alice);
  });
});

describe('votes', () => {
  it('toggles one vote per participant', () => {
    let q = question();
    q = toggleVote(q, 'bob', 2, now);
    q = toggleVote(q, 'carol', 3, now);
    expect(q.voters).toEqual(['bob', 'carol']);
    q = toggleVote(q, 'bob', 4, now);
    expect(q.voters).toEqual(['carol']);
  });

  it('sets a vote idempotently', () => {
    let q = setVote(question(), 'bob', true, 2, now);
    q = setVote(q, 'bob', true, 3, now);
    expect(q.voters).toEqual(['bob']);
  });

  it('refuses votes on questions delegates cannot see', () => {
    expect(() => toggleVote(question({ mode: 'pre-moderated' }), 'bob', 2, now)).toThrow(expect.objectContaining({ code: 'question_not_open' }));
  });
});

describe('moderation', () => {
  it('approves, answers, pins and unpins', () => {
    let q = question({ mode: 'pre-moderated' });
    expect(() => moderate(q, 'pin', 2, now)).toThrow(expect.objectContaining({ code: 'question_not_open' }));
    q = moderate(q, 'approve', 2, now);
    q = moderate(q, 'pin', 3, now);
    expect(q).toMatchObject({ status: 'approved', pinned: true, version: 3 });
    q = moderate(q, 'answer', 4, now);
    expect(q).toMatchObject({ status: 'answered', pinned: false });
  });

  it('sorts pinned first, then by votes or by time', () => {
    const qs = [
      { id: 'old', pinned: false, votes: 1, createdAt: '2022-02-22T12:00:00Z' },
      { id: 'popular', pinned: false, votes: 5, createdAt: '2022-02-22T12:01:00Z' },
      { id: 'pinned', pinned: true, votes: 0, createdAt: '2022-02-22T12:02:00Z' },
      { id: 'new', pinned: false, votes: 1, createdAt: '2022-02-22T12:03:00Z' },
    ];
    expect(sortQuestions(qs, 'votes').map((q) => q.id)).toEqual(['pinned', 'popular', 'old', 'new']);
    expect(sortQuestions(qs, 'time').map((q) => q.id)).toEqual(['pinned', 'new', 'popular', 'old']);
  });
});
