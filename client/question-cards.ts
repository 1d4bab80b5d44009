import type { QuestionMessageBody } from '../server/protocol/events.ts';
import type { RoomStrings } from '../server/i18n/catalogs/room.ts';
import type { StageStrings } from '../server/i18n/catalogs/stage.ts';
import { interpolate } from '../server/i18n/format.ts';

/**
 * Questions as cards (issue 17, as in Slido): Popular (most votes first),
 * Recent (newest first) and, for moderators, Review (what awaits approval,
 * then what was hidden). Pinned questions lead; in Popular answered ones
 * follow the open ones. An approved question carries no status word (it is
 * simply on the wall); answered ones are marked Answered.
 */
export type QuestionTab = 'votes' | 'time' | 'review';

const time = (q: QuestionMessageBody): number => Date.parse(q.createdAt);

export function questionsFor(all: readonly QuestionMessageBody[], tab: QuestionTab, moderator: boolean): QuestionMessageBody[] {
  if (tab === 'review') {
    if (!moderator) return [];
    const rank = (q: QuestionMessageBody): number => (q.status === 'pending' ? 0 : 1);
    return all.filter((q) => q.status === 'pending' || q.status === 'hidden').sort((a, b) => rank(a) - rank(b) || time(a) - time(b));
  }
  // Moderators review pending and hidden questions in their own tab; a delegate sees their own pending ones here, marked.
  const shown = all.filter((q) => (moderator ? q.status === 'approved' || q.status === 'answered' : q.status !== 'hidden'));
  return shown.sort((a, b) => {
    if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
    if (tab === 'time') return time(b) - time(a);
    const answered = Number(a.status === 'answered') - Number(b.status === 'answered');
    return answered || b.votes - a.votes || time(a) - time(b);
  });
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** One question's card: the vote button with its count (disabled once the session is closed), status badges, the text, the author and the votes in words, the moderator's actions. */
export function questionCard(q: QuestionMessageBody, moderator: boolean, s: RoomStrings & StageStrings, closed = false): HTMLLIElement {
  const li = el('li', { class: `question question-card status-${q.status}${q.pinned ? ' pinned' : ''}${q.mine ? ' mine' : ''}`, 'data-question-id': q.id, 'data-status': q.status });
  const votable = q.status === 'approved' || q.status === 'answered';
  if (votable) {
    const vote = el('button', {
      type: 'button',
      class: 'vote-button',
      'data-action': 'vote',
      'data-question-id': q.id,
      'aria-pressed': String(q.votedByMe),
      'data-testid': 'vote',
    });
    // Once the session is over the count stays in view, but there is no voting.
    vote.disabled = closed;
    // Named by its words and the count it shows (the visible count stays part of the name).
    vote.append(el('span', { class: 'visually-hidden' }, `${s.qnaVoteFor}: `), el('span', { class: 'vote-arrow', 'aria-hidden': 'true' }, '▲'), el('span', { class: 'vote-count', 'data-testid': 'vote-count' }, String(q.votes)));
    li.append(vote);
  } else {
    li.classList.add('no-vote');
  }
  const body = el('div', { class: 'question-body' });
  const badges: HTMLElement[] = [];
  if (q.pinned) badges.push(el('span', { class: 'badge badge-next' }, s.pinned));
  if (q.status === 'answered') badges.push(el('span', { class: 'badge badge-now', 'data-testid': 'answered-badge' }, `✓ ${s.status_answered}`));
  if (q.status === 'pending') badges.push(el('span', { class: 'badge badge-pending' }, s.status_pending));
  if (q.status === 'hidden') badges.push(el('span', { class: 'badge badge-ended' }, s.status_hidden));
  if (badges.length) {
    const row = el('p', { class: 'question-badges' });
    row.append(...badges);
    body.append(row);
  }
  body.append(el('p', { class: 'question-text' }, q.text));
  const author = q.author ? q.author.name : s.anonymousAuthor;
  body.append(el('p', { class: 'question-meta' }, `${author}${q.anonymous && q.author ? ` (${s.anonymousAuthor})` : ''} · ${interpolate(s.votes, { n: q.votes })}`));
  if (moderator) {
    const actions: (keyof RoomStrings)[] = [];
    if (q.status === 'pending' || q.status === 'hidden') actions.push('approve');
    if (q.status === 'approved') actions.push('answer');
    if (q.status === 'approved' || q.status === 'answered') actions.push(q.pinned ? 'unpin' : 'pin');
    if (q.status !== 'hidden') actions.push('hide');
    const controls = el('p', { class: 'question-controls' });
    for (const a of actions) {
      const button = el('button', { type: 'button', class: a === 'approve' ? 'button-small button-primary' : a === 'hide' ? 'button-small button-danger-outline' : 'button-small', 'data-action': a, 'data-question-id': q.id, 'data-testid': `qna-${a}` }, s[a]);
      controls.append(button);
    }
    body.append(controls);
  }
  li.append(body);
  return li;
}
