import type { PollView, VoteGroup } from '../server/domain/polls.ts';
import type { ClientEventName } from '../server/protocol/events.ts';
import type { ClientInput } from '../server/protocol/socket-types.ts';
import type { RoomPageStrings } from '../server/i18n/catalogs/room.ts';
import { interpolate } from '../server/i18n/format.ts';
import type { SessionView } from './session-state.ts';

// The room's votes panel: moderators create, open and close polls;
// delegates vote (radio buttons or check boxes in a fieldset, so the
// question is read with the choices); results are a table by constituent
// group. Only the server decides who may do what: a refusal is shown and
// announced like any other. A poll's form is rebuilt only when the poll
// opens or closes, so a live tally never takes the focus or a half-made
// choice away from someone voting.

export interface PollPanelOptions {
  /** Where the panel goes (the live room). */
  container: HTMLElement;
  eventId: string;
  sessionId: string;
  strings: RoomPageStrings;
  request: <T extends object, E extends ClientEventName>(event: E, payload: ClientInput<E>) => Promise<T>;
  newKey: () => string;
  announce: (text: string) => void;
  showError: (error: unknown) => void;
  /** Whether the session reads Ended or Cancelled (the room's rule, clock included): the empty list then says none were held. */
  over?: () => boolean;
  /** Said instead of "no vote yet" once the session is over. */
  noneOver?: string;
}

type FullResults = Extract<NonNullable<PollView['results']>, { byGroup: unknown }>;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

interface Shown {
  li: HTMLLIElement;
  /** The poll's status and role the form was built for: rebuilt only when it changes. */
  formKey: string;
  form: HTMLElement;
  live: HTMLElement;
}

export class PollPanel {
  private readonly o: PollPanelOptions;
  private readonly section: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLParagraphElement;
  private readonly createForm: HTMLFormElement;
  private readonly recordLink: HTMLParagraphElement;
  private readonly shown = new Map<string, Shown>();
  private readonly statuses = new Map<string, PollView['status']>();
  private view: SessionView | undefined;
  private rendered = false;

  constructor(options: PollPanelOptions) {
    this.o = options;
    const s = options.strings;
    this.section = el('section', { class: 'panel polls', 'aria-labelledby': 'polls-heading', 'data-testid': 'polls' });
    this.section.append(el('h2', { id: 'polls-heading' }, s.polls));
    this.recordLink = el('p', { hidden: '' });
    this.recordLink.append(el('a', { href: `/events/${options.eventId}/console/sessions/${options.sessionId}/record`, 'data-testid': 'draft-record' }, s.draftRecordLink));
    this.createForm = this.buildCreateForm();
    this.empty = el('p', { class: 'hint', 'data-testid': 'polls-empty' }, s.pollsNone);
    this.list = el('ul', { class: 'polls-list', 'data-testid': 'polls-list' });
    this.section.append(this.recordLink, this.createForm, this.empty, this.list);
    options.container.append(this.section);

    this.section.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-poll-action]');
      const pollId = button?.dataset.pollId;
      if (!button || !pollId) return;
      const action = button.dataset.pollAction === 'open' ? 'poll:open' : 'poll:close';
      void this.o.request(action, { sessionId: this.o.sessionId, pollId }).catch(this.o.showError);
    });
    this.section.addEventListener('submit', (event) => {
      const form = (event.target as HTMLElement).closest<HTMLFormElement>('form[data-vote-poll]');
      if (!form) return;
      event.preventDefault();
      void this.vote(form);
    });
  }

  private buildCreateForm(): HTMLFormElement {
    const s = this.o.strings;
    const form = el('form', { class: 'poll-create', hidden: '', 'data-testid': 'poll-create' });
    const fieldset = el('fieldset');
    fieldset.append(el('legend', {}, s.pollNew));
    const field = (label: string, control: HTMLElement, id: string): HTMLParagraphElement => {
      const p = el('p');
      control.id = id;
      p.append(el('label', { for: id }, label), control);
      return p;
    };
    const question = el('input', { type: 'text', name: 'question', required: '', maxlength: '500', autocomplete: 'off' });
    const kind = el('select', { name: 'kind' });
    for (const k of ['yes_no_abstain', 'single', 'multiple'] as const) kind.append(el('option', { value: k }, s[`pollKind_${k}`]));
    const options = el('textarea', { name: 'options', rows: '3' });
    const optionsField = field(s.pollOptions, options, 'poll-options');
    optionsField.hidden = true;
    kind.addEventListener('change', () => {
      optionsField.hidden = kind.value === 'yes_no_abstain';
    });
    const quorum = el('select', { name: 'quorum' });
    for (const q of ['none', 'ilo'] as const) quorum.append(el('option', { value: q }, s[`pollQuorum_${q}`]));
    const check = (name: string, label: string): HTMLParagraphElement => {
      const p = el('p');
      const box = el('input', { type: 'checkbox', name, id: `poll-${name}` });
      p.append(box, el('label', { for: `poll-${name}` }, label));
      return p;
    };
    fieldset.append(
      field(s.pollQuestion, question, 'poll-question'),
      field(s.pollKind, kind, 'poll-kind'),
      optionsField,
      field(s.pollQuorum, quorum, 'poll-quorum'),
      check('secret', s.pollSecret),
      check('live', s.pollLiveResults),
      el('button', { type: 'submit', 'data-testid': 'poll-create-submit' }, s.pollCreate),
    );
    form.append(fieldset);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const pollKind = kind.value as 'yes_no_abstain' | 'single' | 'multiple';
      void this.o
        .request<{ poll: PollView }, 'poll:create'>('poll:create', {
          sessionId: this.o.sessionId,
          question: String(data.get('question') ?? ''),
          kind: pollKind,
          ...(pollKind === 'yes_no_abstain' ? {} : { options: String(data.get('options') ?? '').split('\n').map((l) => l.trim()).filter(Boolean) }),
          secret: data.get('secret') === 'on',
          liveResults: data.get('live') === 'on',
          quorum: quorum.value === 'ilo' ? 'ilo' : 'none',
          idempotencyKey: this.o.newKey(),
        })
        .then(() => {
          form.reset();
          optionsField.hidden = true;
          question.focus();
        }, this.o.showError);
    });
    return form;
  }

  private async vote(form: HTMLFormElement): Promise<void> {
    const pollId = form.dataset.votePoll ?? '';
    const choice = [...form.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value);
    try {
      const ack = await this.o.request<{ choice: string[]; replaced: boolean }, 'poll:vote'>('poll:vote', { sessionId: this.o.sessionId, pollId, choice, idempotencyKey: this.o.newKey() });
      this.view?.myChoices.set(pollId, ack.choice);
      this.o.announce(ack.replaced ? this.o.strings.announceVoteReplaced : this.o.strings.announceVoted);
      if (this.view) this.render(this.view);
    } catch (error) {
      this.o.showError(error);
    }
  }

  private optionLabel(poll: PollView, id: string): string {
    const s = this.o.strings;
    if (poll.kind === 'yes_no_abstain' && (id === 'yes' || id === 'no' || id === 'abstain')) return s[`pollOption_${id}`];
    return poll.options.find((o) => o.id === id)?.label ?? id;
  }

  render(view: SessionView): void {
    this.view = view;
    const moderator = view.you.moderator;
    this.createForm.hidden = !moderator;
    this.recordLink.hidden = !moderator;
    const polls = [...view.polls.values()].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt));
    this.empty.hidden = polls.length > 0;
    this.empty.textContent = this.o.over?.() && this.o.noneOver ? this.o.noneOver : this.o.strings.pollsNone;
    for (const poll of polls) {
      const before = this.statuses.get(poll.id);
      // A change seen after the first render is announced (a poll that arrives open, too: delegates never see drafts).
      if (this.rendered && before !== poll.status) {
        if (poll.status === 'open') this.o.announce(interpolate(this.o.strings.announcePollOpen, { question: poll.question }));
        if (poll.status === 'closed') this.o.announce(interpolate(this.o.strings.announcePollClosed, { question: poll.question }));
      }
      this.statuses.set(poll.id, poll.status);
    }
    // Newest first, so an opened vote is at the top.
    const items = polls.reverse().map((poll) => this.item(poll, view));
    for (const id of [...this.shown.keys()]) if (!view.polls.has(id)) this.shown.delete(id);
    // Moves only what changed place, so focus inside an item survives.
    items.forEach((li, i) => {
      if (this.list.children[i] !== li) this.list.insertBefore(li, this.list.children[i] ?? null);
    });
    while (this.list.children.length > items.length) this.list.lastElementChild?.remove();
    this.rendered = true;
  }

  private item(poll: PollView, view: SessionView): HTMLLIElement {
    const moderator = view.you.moderator;
    const canVote = view.you.canRequestFloor;
    const mine = view.myChoices.get(poll.id);
    const formKey = `${poll.status}|${moderator}|${canVote}|${mine?.join(',') ?? ''}`;
    let shown = this.shown.get(poll.id);
    if (!shown) {
      const li = el('li', { class: 'poll', 'data-poll-id': poll.id });
      shown = { li, formKey: '', form: el('div'), live: el('div', { class: 'poll-live' }) };
      li.append(el('h3', { id: `poll-q-${poll.id}` }, poll.question), shown.form, shown.live);
      this.shown.set(poll.id, shown);
    }
    shown.li.dataset.status = poll.status;
    if (shown.formKey !== formKey) {
      // Someone working in the old controls (a vote just cast) keeps the focus in the new ones.
      const hadFocus = shown.form.contains(document.activeElement);
      const form = this.controls(poll, moderator, canVote, mine);
      shown.form.replaceWith(form);
      shown.form = form;
      shown.formKey = formKey;
      if (hadFocus) form.querySelector<HTMLElement>('input:checked, button')?.focus();
    }
    const live = this.results(poll, shown.live.querySelector('details')?.open ?? false);
    shown.live.replaceWith(live);
    shown.live = live;
    return shown.li;
  }

  private controls(poll: PollView, moderator: boolean, canVote: boolean, mine: string[] | undefined): HTMLElement {
    const s = this.o.strings;
    const box = el('div', { class: 'poll-controls' });
    if (moderator && poll.status !== 'closed') {
      const action = poll.status === 'draft' ? 'open' : 'close';
      const button = el('button', { type: 'button', 'data-poll-action': action, 'data-poll-id': poll.id, 'data-testid': `poll-${action}` }, action === 'open' ? s.pollOpen : s.pollClose);
      button.setAttribute('aria-describedby', `poll-q-${poll.id}`);
      const row = el('p', { class: 'button-row' });
      row.append(button);
      box.append(row);
    }
    if (mine && mine.length) box.append(el('p', { class: 'poll-mine', 'data-testid': 'poll-mine' }, interpolate(s.pollYourChoice, { choice: mine.map((id) => this.optionLabel(poll, id)).join(', ') })));
    if (canVote && poll.status === 'open') {
      const form = el('form', { 'data-vote-poll': poll.id, 'data-testid': 'poll-vote' });
      const fieldset = el('fieldset');
      fieldset.append(el('legend', {}, poll.question));
      const type = poll.kind === 'multiple' ? 'checkbox' : 'radio';
      for (const option of poll.options) {
        const id = `poll-${poll.id}-${option.id}`;
        const input = el('input', { type, name: `poll-${poll.id}`, value: option.id, id });
        if (type === 'radio') input.required = true;
        if (mine?.includes(option.id)) input.checked = true;
        const label = el('label', { for: id }, this.optionLabel(poll, option.id));
        const row = el('p', { class: 'poll-option' });
        row.append(input, label);
        fieldset.append(row);
      }
      fieldset.append(el('button', { type: 'submit' }, mine ? s.pollChange : s.pollCast));
      form.append(fieldset);
      box.append(form);
    }
    return box;
  }

  private results(poll: PollView, votersOpen: boolean): HTMLElement {
    const s = this.o.strings;
    const box = el('div', { class: 'poll-live' });
    const status = [s[`pollStatus_${poll.status}`], poll.secret ? s.pollSecretNote : s.pollNamedNote, interpolate(s.pollBallots, { n: poll.ballots })];
    box.append(el('p', { class: 'poll-meta', 'data-testid': 'poll-meta' }, status.join(' · ')));
    const results = poll.results;
    if (!results || !('byGroup' in results)) return box;
    const full: FullResults = results;
    const groups = (Object.keys(full.byGroup) as VoteGroup[]).filter((g) => poll.eligibleGroups.includes(g) || full.byGroup[g].total > 0);
    const table = el('table', { class: 'poll-results', 'data-testid': 'poll-results' });
    table.append(el('caption', {}, s.pollResults));
    const head = el('tr');
    head.append(el('td'), el('th', { scope: 'col' }, s.pollTotal), ...groups.map((g) => el('th', { scope: 'col' }, s[`group_${g}`])));
    const thead = el('thead');
    thead.append(head);
    const tbody = el('tbody');
    const row = (label: string, total: number, byGroup: number[]): HTMLTableRowElement => {
      const tr = el('tr');
      tr.append(el('th', { scope: 'row' }, label), el('td', {}, String(total)), ...byGroup.map((n) => el('td', {}, String(n))));
      return tr;
    };
    for (const o of poll.options) tbody.append(row(this.optionLabel(poll, o.id), full.byChoice[o.id] ?? 0, groups.map((g) => full.byGroup[g].byChoice[o.id] ?? 0)));
    tbody.append(row(s.pollBallotsRow, full.total, groups.map((g) => full.byGroup[g].total)));
    table.append(thead, tbody);
    box.append(table);
    if (full.final && full.quorum.rule !== 'none') {
      const vars = { present: full.quorum.present ?? 0, required: full.quorum.required ?? 0 };
      box.append(el('p', { class: full.quorum.met ? 'poll-valid' : 'poll-void', 'data-testid': 'poll-validity' }, interpolate(full.quorum.met ? s.pollQuorumMet : s.pollVoid, vars)));
    } else if (full.final) {
      box.append(el('p', { class: 'poll-valid', 'data-testid': 'poll-validity' }, s.pollValid));
    }
    if (poll.voters && poll.voters.length) {
      const details = el('details');
      details.open = votersOpen;
      details.append(el('summary', {}, s.pollVoters));
      const ul = el('ul');
      for (const v of poll.voters) ul.append(el('li', {}, `${v.name} (${v.country}, ${s[`group_${v.group}`]}): ${v.choice.map((id) => this.optionLabel(poll, id)).join(', ')}`));
      details.append(ul);
      box.append(details);
    }
    return box;
  }
}
