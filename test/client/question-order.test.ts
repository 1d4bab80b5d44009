import { describe, expect, it } from 'vitest';
import type { QuestionMessageBody } from '../../server/protocol/events.ts';
import { questionsFor } from '../../client/question-cards.ts';

// Which questions each Q&A tab lists, and in what order (client/question-cards.ts), as a delegate and as a moderator.
let minute = 0;
function question(id: string, status: QuestionMessageBody['status'], votes: number, extra: Partial<QuestionMessageBody> = {}): QuestionMessageBody {
  minute += 1;
  return { id, text: id, status, votes, pinned: false, anonymous: false, votedByMe: false, mine: false, createdAt: new Date(Date.UTC(2022, 1, 22, 13, minute)).toISOString(), version: 1, ...extra };
}

const old = question('old', 'approved', 1);
const popular = question('popular', 'approved', 5);
const answered = question('answered', 'answered', 9);
const pinned = question('pinned', 'approved', 0, { pinned: true });
const pending = question('pending', 'pending', 0);
const mine = question('mine', 'pending', 0, { mine: true });
const hidden = question('hidden', 'hidden', 3);
const newest = question('newest', 'approved', 1);
const all = [old, popular, answered, pinned, pending, mine, hidden, newest];
const ids = (list: QuestionMessageBody[]) => list.map((q) => q.id);

describe('question tabs', () => {
  it('Popular: pinned first, then open questions by votes (older first on a tie), answered ones after', () => {
    expect(ids(questionsFor(all, 'votes', true))).toEqual(['pinned', 'popular', 'old', 'newest', 'answered']);
  });

  it('Recent: pinned first, then newest first', () => {
    expect(ids(questionsFor(all, 'time', true))).toEqual(['pinned', 'newest', 'answered', 'popular', 'old']);
  });

  it('Review (moderators): what awaits approval, oldest first, then what was hidden; nothing for delegates', () => {
    expect(ids(questionsFor(all, 'review', true))).toEqual(['pending', 'mine', 'hidden']);
    expect(questionsFor(all, 'review', false)).toEqual([]);
  });

  it('a delegate sees the pending questions they hold (their own) among the others, never hidden ones', () => {
    const delegateHolds = all.filter((q) => q.id !== 'pending' && q.id !== 'hidden');
    expect(ids(questionsFor(delegateHolds, 'time', false))).toEqual(['pinned', 'newest', 'mine', 'answered', 'popular', 'old']);
    expect(ids(questionsFor([...delegateHolds, hidden], 'votes', false))).not.toContain('hidden');
  });

  it('does not reorder the list it is given', () => {
    const given = [...all];
    questionsFor(given, 'votes', true);
    expect(ids(given)).toEqual(ids(all));
  });
});
