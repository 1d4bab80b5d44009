import type { RoomStrings } from '../server/i18n/catalogs/room.ts';
import type { RoomStateStrings } from '../server/i18n/catalogs/room-state.ts';
import { interpolate } from '../server/i18n/format.ts';
import type { RunItemView } from '../server/domain/running-order.ts';
import type { RunStateMessage } from '../server/protocol/events.ts';
import type { PlenaryClientSocket } from './socket.ts';
import type { Request } from './media-client.ts';
import type { SessionView } from './session-state.ts';
import { statementTextLink } from './statement-text.ts';
import { hasStarted } from '../server/domain/run-item-started.ts';

// The running order in the room (issue 18): everyone sees the session's
// items in order, the current one marked (aria-current="step") and
// announced in a polite live region; planned against actual minutes. The
// session's moderators (and organisers) go to an item, to the next one, or
// stop; they reorder, remove and add items and save the whole list (with
// the version it was edited from), and upload a pre-recorded statement's
// video. Every control is a real button, input or select with a label.

export interface RunningOrderDeps {
  socket: PlenaryClientSocket;
  eventId: string;
  sessionId: string;
  strings: RoomStrings & RoomStateStrings;
  request: Request;
  announce(text: string): void;
  showError(error: unknown): void;
  /** Whether the session has been ended or cancelled: then no item is shown as running now. */
  over?(): boolean;
}

type EditItem = Pick<RunItemView, 'id' | 'kind' | 'title' | 'speaker' | 'prerecorded' | 'protocol' | 'plannedMs'>;
const ranks = ['head_of_state', 'head_of_government', 'vice_president', 'minister', 'head_of_organization', 'social_partner', 'other'] as const;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function minutes(ms: number): string {
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

function csrfHeader(): Record<string, string> {
  const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content;
  return csrf ? { 'x-csrf-token': csrf } : {};
}

export class RunningOrderPanel {
  private readonly deps: RunningOrderDeps;
  private readonly root: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly status: HTMLElement;
  private readonly controls: HTMLElement;
  private readonly editor: HTMLFormElement;
  private state: RunStateMessage | null = null;
  /** The moderator's unsaved edit, from the version it started at. */
  private draft: { version: number; items: EditItem[] } | null = null;
  private moderator = false;
  private lastCurrent: string | null | undefined;
  /** Whether the session read Ended or Cancelled at the last update. */
  private wasOver = false;
  /** The session view's running order last taken in (a newer one is a new object). */
  private seen: RunStateMessage | null = null;
  private next!: HTMLButtonElement;
  private stop!: HTMLButtonElement;

  constructor(deps: RunningOrderDeps) {
    this.deps = deps;
    const s = deps.strings;
    this.root = el('section', { id: 'running-order', class: 'panel running-order', 'aria-labelledby': 'running-order-heading', 'data-testid': 'running-order' });
    this.status = el('p', { class: 'hint', role: 'status', 'aria-live': 'polite', 'data-testid': 'run-now' });
    this.list = el('ol', { class: 'run-items', 'data-testid': 'run-items' });
    this.controls = el('div', { class: 'button-row' });
    this.controls.hidden = true;
    this.editor = el('form', { class: 'run-editor', 'data-testid': 'run-editor' });
    this.editor.hidden = true;
    this.root.append(el('h2', { id: 'running-order-heading' }, s.runningOrder), this.status, this.list, this.controls, this.editor);
    // The stage comes first; the running order follows it (and the moderator's console, where there is one).
    (document.getElementById('moderator-controls') ?? document.getElementById('stage'))?.after(this.root);
    this.root.hidden = true;

    const next = el('button', { type: 'button', 'data-testid': 'run-next' }, s.runNext);
    this.next = next;
    next.addEventListener('click', () => void this.advance(this.nextId()));
    const stop = el('button', { type: 'button', class: 'secondary', 'data-testid': 'run-stop' }, s.runStop);
    stop.addEventListener('click', () => void this.advance(null));
    this.stop = stop;
    this.controls.append(next, stop);
    this.buildEditor();
    window.setInterval(() => this.tick(), 1000);

  }

  /**
   * The session view changed: who may moderate, and the running order it
   * holds (the join snapshot, then run:state, also after a reconnect: the
   * room's one copy, client/session-state.ts). Rendered only when one of
   * them changed, so the editor keeps its focus through queue updates.
   */
  update(view: SessionView): void {
    const over = this.deps.over?.() ?? false;
    if (over !== this.wasOver) {
      this.wasOver = over;
      this.render();
    }
    const moderator = view.you.moderator;
    if (moderator !== this.moderator) {
      this.moderator = moderator;
      this.controls.hidden = !moderator;
      this.editor.hidden = !moderator;
      this.render();
    }
    if (view.run !== this.seen) {
      this.seen = view.run;
      // The first time, an item already running is announced, as when the order was read on opening the room.
      if (this.lastCurrent === undefined) this.lastCurrent = null;
      this.receive(view.run);
    }
  }

  private url(suffix = ''): string {
    return `/api/events/${encodeURIComponent(this.deps.eventId)}/sessions/${encodeURIComponent(this.deps.sessionId)}/running-order${suffix}`;
  }

  /** Read again after a change whose answer carries no state (the statement's text). */
  private async load(): Promise<void> {
    try {
      const res = await fetch(this.url(), { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (res.ok) this.receive((await res.json()) as RunStateMessage);
    } catch {
      // offline: the next run:state brings it
    }
  }

  private receive(m: RunStateMessage): void {
    if (this.state && m.version < this.state.version) return;
    this.state = m;
    if (m.currentItemId !== this.lastCurrent) {
      this.lastCurrent = m.currentItemId;
      const item = m.items.find((i) => i.id === m.currentItemId);
      if (item) this.deps.announce(interpolate(this.deps.strings.runNow, { title: this.shown(item).title }));
    }
    this.render();
  }

  /**
   * An item's title and speaker in the page's language when the item
   * carries translations (the seeded orders), else as written; an item
   * retitled in an unsaved draft shows what the editor typed.
   */
  private shown(item: Pick<RunItemView, 'id' | 'title' | 'speaker'>): { title: string; speaker?: string; fallback?: boolean } {
    const live = this.state?.items.find((i) => i.id === item.id);
    const loc = live?.localized;
    const lang = (document.documentElement.lang || 'en').slice(0, 2) as keyof NonNullable<RunItemView['localized']>['title'];
    if (!loc || live.title !== item.title) return { title: item.title, ...(item.speaker ? { speaker: item.speaker } : {}) };
    const speaker = live.speaker === item.speaker ? (loc.speaker?.[lang] ?? item.speaker) : item.speaker;
    // No text in the page's language: the English, marked as such (read and laid out as English in an Arabic page).
    return { title: loc.title[lang] ?? item.title, ...(speaker ? { speaker } : {}), ...(loc.title[lang] ? {} : { fallback: true }) };
  }

  /** After the current item; with none running (a statement's video ended it), after the item that ended last, else the first not yet run. */
  private nextId(): string | null {
    const items = this.state?.items ?? [];
    const at = items.findIndex((i) => i.id === this.state?.currentItemId);
    if (at >= 0) return items[at + 1]?.id ?? null;
    const ended = items.filter((i) => i.endedAt).sort((a, b) => Date.parse(b.endedAt ?? '') - Date.parse(a.endedAt ?? ''))[0];
    if (ended) return items[items.indexOf(ended) + 1]?.id ?? null;
    return items.find((i) => i.status === 'pending')?.id ?? null;
  }

  private async playback(itemId: string, action: 'pause' | 'resume' | 'stop'): Promise<void> {
    try {
      await this.deps.request('run:playback', { sessionId: this.deps.sessionId, itemId, action });
    } catch (error) {
      this.deps.showError(error);
    }
  }

  /** What a statement's video is doing, and how its stage copy is coming on, in words. */
  private videoState(item: RunItemView): string | null {
    const s = this.deps.strings;
    const p = item.playback;
    const stage = item.recording?.stage;
    if (stage?.status === 'processing') return interpolate(s.runStageProcessing, { percent: String(Math.round(stage.progress * 100)) });
    if (stage?.status === 'failed') return s.runStageFailed;
    if (!p) return null;
    const text = {
      playing: s.runPlaybackPlaying,
      paused: s.runPlaybackPaused,
      interrupted: s.runPlaybackInterrupted,
      stopped: s.runPlaybackStopped,
      ended: s.runPlaybackEnded,
    }[p.state];
    return interpolate(text, { position: minutes(p.positionMs) });
  }

  private async advance(itemId: string | null): Promise<void> {
    try {
      await this.deps.request('run:advance', { sessionId: this.deps.sessionId, itemId });
    } catch (error) {
      this.deps.showError(error);
    }
  }

  private kindLabel(kind: RunItemView['kind']): string {
    const s = this.deps.strings;
    return { statement: s.runKind_statement, panel: s.runKind_panel, floor: s.runKind_floor, break: s.runKind_break }[kind];
  }

  private render(): void {
    const s = this.deps.strings;
    const m = this.state;
    const current = m?.items.find((i) => i.id === m.currentItemId);
    const over = this.deps.over?.() ?? false;
    this.status.textContent = current && !over ? interpolate(s.runNow, { title: this.shown(current).title }) : m && m.items.length === 0 ? s.runEmpty : '';
    const items: (RunItemView | EditItem)[] = this.moderator && this.draft ? this.draft.items : (m?.items ?? []);
    this.list.replaceChildren(...items.map((item, index) => this.row(item, index, items.length)));
    const saveRow = this.editor.querySelector<HTMLElement>('[data-role="save"]');
    if (saveRow) saveRow.hidden = !this.draft;
    // Delegates see the panel once there is an order to follow; moderators always, to write one.
    this.root.hidden = !this.moderator && items.length === 0;
    // Nothing to move to, nothing to stop: no buttons that do nothing.
    this.next.hidden = this.nextId() === null;
    this.stop.hidden = !current;
  }

  private row(item: RunItemView | EditItem, index: number, count: number): HTMLLIElement {
    const s = this.deps.strings;
    const live = this.state?.items.find((i) => i.id === item.id);
    const li = el('li', { 'data-item-id': item.id, 'data-testid': 'run-item', class: `run-item run-${live?.status ?? 'pending'}` });
    if (live?.status === 'current') li.setAttribute('aria-current', 'step');
    const shown = this.shown(item);
    const head = el('span', { class: 'run-title' });
    // Titles and names may be in any script: each laid out by its own direction; English fallbacks say so.
    const textAttrs: Record<string, string> = shown.fallback ? { lang: 'en', dir: 'ltr' } : { dir: 'auto' };
    head.append(el('strong', textAttrs, shown.title), ` (${this.kindLabel(item.kind)}${item.prerecorded ? `, ${s.runPrerecorded}` : ''})`);
    li.append(head);
    if (shown.speaker) li.append(' — ', el('span', { class: 'run-speaker', ...textAttrs }, shown.speaker));
    const times = el('span', { class: 'run-times hint', 'data-testid': 'run-times' });
    this.fillTimes(times, item.plannedMs, live);
    li.append(times);
    if (live?.recording) {
      li.append(el('span', { class: 'hint' }, ` · ${interpolate(s.runVideo, { duration: minutes(live.recording.durationMs) })} · ${live.recording.approved ? s.runVideoApproved : s.runVideoNotApproved}`));
      const video = this.videoState(live);
      if (video) li.append(el('span', { class: 'hint run-video-state', 'data-testid': 'run-video-state' }, ` · ${video}`));
    }
    if (!this.moderator) return li;
    // The text for the interpreters: moderators read it here (interpreters in their console, client/statement-text.ts).
    const textLink = live ? statementTextLink(this.deps.eventId, this.deps.sessionId, live, s.runText) : null;
    if (textLink) li.append(' · ', textLink);

    const buttons = el('span', { class: 'button-row' });
    const button = (label: string, testid: string, onClick: () => void, disabled = false): HTMLButtonElement => {
      const b = el('button', { type: 'button', class: 'secondary', 'data-testid': testid, 'aria-label': `${label}: ${shown.title}` }, label);
      b.disabled = disabled;
      b.addEventListener('click', onClick);
      buttons.append(b);
      return b;
    };
    if (!this.draft && live) button(s.runGo, 'run-go', () => void this.advance(item.id), live.status === 'current');
    // The statement's video in progress: pause, resume (also after a restart) and stop, each only when it can act.
    const state = live?.status === 'current' && !this.draft ? live.playback?.state : undefined;
    if (state === 'playing') button(s.runPause, 'run-pause', () => void this.playback(item.id, 'pause'));
    if (state === 'paused' || state === 'interrupted') button(s.runResume, 'run-resume', () => void this.playback(item.id, 'resume'));
    if (state === 'playing' || state === 'paused' || state === 'interrupted') button(s.runStopVideo, 'run-stop-video', () => void this.playback(item.id, 'stop'));
    button(s.runMoveUp, 'run-up', () => this.move(index, -1), index === 0);
    button(s.runMoveDown, 'run-down', () => this.move(index, 1), index === count - 1);
    button(s.runRemove, 'run-remove', () => this.edit((items) => items.filter((i) => i.id !== item.id)), live?.status === 'current');
    li.append(buttons);
    // The uploads, folded away so a long order stays readable: the video (pre-recorded statements) and the text for the interpreters (any statement).
    if (live && item.kind === 'statement' && !this.draft) {
      const files = el('details', { class: 'run-files' });
      files.append(el('summary', { 'aria-label': `${s.runFiles}: ${shown.title}` }, s.runFiles));
      if (item.prerecorded) {
        const label = el('label', {}, `${s.runUploadVideo} `);
        const input = el('input', { type: 'file', accept: 'video/mp4,video/webm,video/x-matroska,.mkv', 'data-testid': 'run-upload', 'aria-label': `${s.runUploadVideo}: ${shown.title}` });
        input.addEventListener('change', () => {
          const file = input.files?.[0];
          if (file) void this.upload(item.id, file);
        });
        label.append(input);
        files.append(label);
      }
      const label = el('label', {}, `${s.runUploadText} `);
      const input = el('input', { type: 'file', accept: 'application/pdf,text/plain,.pdf,.txt', 'data-testid': 'run-upload-text', 'aria-label': `${s.runUploadText}: ${shown.title}` });
      input.addEventListener('change', () => {
        const file = input.files?.[0];
        if (file) void this.uploadText(item.id, file);
      });
      label.append(input);
      files.append(label);
      li.append(files);
    }
    if (live && item.prerecorded && !this.draft && live.recording && !live.recording.approved) {
      // Watched and cleared by a moderator before it may reach the floor.
      const approve = el('button', { type: 'button', class: 'button-primary', 'data-testid': 'run-approve', 'aria-label': `${s.runApproveVideo}: ${shown.title}` }, s.runApproveVideo);
      approve.addEventListener('click', () => void this.approve(item.id));
      li.append(approve);
    }
    return li;
  }

  /** Planned for every item; actual time, and any overrun, only for an item that has run (none for one that never did). */
  private fillTimes(times: HTMLElement, plannedMs: number, live: RunItemView | undefined): void {
    const s = this.deps.strings;
    times.replaceChildren(` ${s.runPlanned} ${minutes(plannedMs)}`);
    if (!live || !hasStarted(live)) return;
    const actual = live.actualMs + (live.status === 'current' && live.startedAt ? Math.max(0, Date.now() - Date.parse(live.startedAt)) : 0);
    times.append(` · ${s.runActual} ${minutes(actual)}`);
    if (actual - plannedMs >= 1000) times.append(' · ', el('span', { class: 'run-overrun', 'data-testid': 'run-overrun' }, interpolate(s.rs_overrun, { time: minutes(actual - plannedMs) })));
  }

  /** The running item's actual time counts on between states, like the floor clock (only its times are redrawn, so nothing loses focus). */
  private tick(): void {
    const current = this.state?.items.find((i) => i.id === this.state?.currentItemId);
    // Over, the session's clock has stopped: an item still marked current (the order was not stopped) does not count on.
    if (!current || this.root.hidden || this.deps.over?.()) return;
    const planned = (this.moderator && this.draft ? this.draft.items.find((i) => i.id === current.id)?.plannedMs : undefined) ?? current.plannedMs;
    const times = this.list.querySelector<HTMLElement>(`li[data-item-id="${CSS.escape(current.id)}"] [data-testid="run-times"]`);
    if (times) this.fillTimes(times, planned, current);
  }

  private edit(change: (items: EditItem[]) => EditItem[]): void {
    const m = this.state;
    if (!m) return;
    const base = this.draft ?? { version: m.version, items: m.items.map(({ id, kind, title, speaker, prerecorded, protocol, plannedMs }) => ({ id, kind, title, speaker, prerecorded, protocol, plannedMs })) };
    this.draft = { version: base.version, items: change(base.items) };
    this.render();
  }

  private move(index: number, by: number): void {
    this.edit((items) => {
      const next = [...items];
      const [item] = next.splice(index, 1);
      if (item) next.splice(index + by, 0, item);
      return next;
    });
    // Keep the keyboard where it was: on the moved item's same button.
    const moved = this.list.children[index + by]?.querySelector<HTMLButtonElement>(by < 0 ? '[data-testid="run-up"]' : '[data-testid="run-down"]');
    (moved && !moved.disabled ? moved : this.list.children[index + by]?.querySelector<HTMLButtonElement>('button'))?.focus();
  }

  private buildEditor(): void {
    const s = this.deps.strings;
    const field = (label: string, input: HTMLElement): HTMLLabelElement => {
      const l = el('label', {}, `${label} `);
      l.append(input);
      return l;
    };
    const kind = el('select', { name: 'kind', 'data-testid': 'run-kind' });
    for (const k of ['statement', 'panel', 'floor', 'break'] as const) kind.append(el('option', { value: k }, this.kindLabel(k)));
    const title = el('input', { name: 'title', required: '', maxlength: '300', 'data-testid': 'run-title' });
    const speaker = el('input', { name: 'speaker', maxlength: '200', 'data-testid': 'run-speaker' });
    const mins = el('input', { name: 'minutes', type: 'number', min: '0', max: '720', step: '1', value: '5', required: '', 'data-testid': 'run-minutes' });
    const pre = el('input', { name: 'prerecorded', type: 'checkbox', 'data-testid': 'run-prerecorded' });
    // A statement's speaker's protocol rank, for sorting in protocol order (none: the item keeps its place).
    const rank = el('select', { name: 'protocol', 'data-testid': 'run-protocol' });
    rank.append(el('option', { value: '' }, s.runProtocolNone));
    for (const r of ranks) rank.append(el('option', { value: r }, s[`runRank_${r}`]));
    const preLabel = el('label', { class: 'inline' });
    preLabel.append(pre, ` ${s.runPrerecorded}`);
    const add = el('button', { type: 'submit', class: 'secondary', 'data-testid': 'run-add' }, s.runAdd);
    const addRow = el('div', { class: 'button-row' });
    addRow.append(field(s.runKindLabel, kind), field(s.runTitle, title), field(s.runSpeaker, speaker), field(s.runMinutes, mins), field(s.runProtocol, rank), preLabel, add);
    const save = el('button', { type: 'button', 'data-testid': 'run-save' }, s.runSave);
    const saveRow = el('div', { class: 'button-row', 'data-role': 'save' });
    saveRow.hidden = true;
    saveRow.append(save);
    // Sorting saves at once: the server sorts by the event's protocol order (GET /api/events/:eventId/protocol-order).
    const sort = el('button', { type: 'button', class: 'secondary', 'data-testid': 'run-sort-protocol' }, s.runSortProtocol);
    sort.addEventListener('click', () => {
      if (!this.draft) this.edit((items) => items);
      void this.save('protocol');
    });
    const sortRow = el('div', { class: 'button-row' });
    sortRow.append(sort);
    this.editor.append(addRow, saveRow, sortRow);

    this.editor.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = title.value.trim();
      if (!text) return;
      const item: EditItem = {
        id: `item-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4).toString(36)}`,
        kind: kind.value as EditItem['kind'],
        title: text,
        ...(speaker.value.trim() ? { speaker: speaker.value.trim() } : {}),
        ...(pre.checked && kind.value === 'statement' ? { prerecorded: true } : {}),
        ...(rank.value && kind.value === 'statement' ? { protocol: rank.value as (typeof ranks)[number] } : {}),
        plannedMs: Math.max(0, Math.round(Number(mins.value) || 0)) * 60_000,
      };
      this.edit((items) => [...items, item]);
      title.value = '';
      speaker.value = '';
      pre.checked = false;
      rank.value = '';
      title.focus();
    });
    save.addEventListener('click', () => void this.save());
  }

  private async save(sort?: 'protocol'): Promise<void> {
    const draft = this.draft;
    if (!draft) return;
    try {
      const res = await fetch(this.url(), {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...csrfHeader() },
        body: JSON.stringify({
          version: draft.version,
          items: draft.items.map((i) => ({ ...i, speaker: i.speaker || undefined, prerecorded: i.prerecorded || undefined, protocol: i.protocol || undefined })),
          ...(sort ? { sort } : {}),
        }),
      });
      const body = (await res.json()) as RunStateMessage & { error?: { code: string; message: string } };
      if (!res.ok) throw Object.assign(new Error(body.error?.message ?? res.statusText), { code: body.error?.code });
      this.draft = null;
      this.receive(body);
      this.render();
      this.deps.announce(sort ? this.deps.strings.runSorted : this.deps.strings.runSaved);
    } catch (error) {
      this.deps.showError(error);
    }
  }

  private async approve(itemId: string): Promise<void> {
    try {
      const res = await fetch(this.url(`/${encodeURIComponent(itemId)}/recording/approve`), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { accept: 'application/json', ...csrfHeader() },
      });
      const body = (await res.json()) as RunStateMessage & { error?: { code: string; message: string } };
      if (!res.ok) throw Object.assign(new Error(body.error?.message ?? res.statusText), { code: body.error?.code });
      this.receive(body);
      this.deps.announce(this.deps.strings.runVideoApproved);
    } catch (error) {
      this.deps.showError(error);
    }
  }

  private async upload(itemId: string, file: File): Promise<void> {
    try {
      const res = await fetch(this.url(`/${encodeURIComponent(itemId)}/recording`), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': file.type || 'application/octet-stream', accept: 'application/json', ...csrfHeader() },
        body: file,
      });
      const body = (await res.json()) as RunStateMessage & { error?: { code: string; message: string } };
      if (!res.ok) throw Object.assign(new Error(body.error?.message ?? res.statusText), { code: body.error?.code });
      this.receive(body);
      this.deps.announce(this.deps.strings.runUploaded);
    } catch (error) {
      this.deps.showError(error);
    }
  }

  private async uploadText(itemId: string, file: File): Promise<void> {
    try {
      const type = file.type === 'application/pdf' || file.name.toLowerCase().endsWith('.pdf') ? 'application/pdf' : 'text/plain; charset=utf-8';
      const res = await fetch(this.url(`/${encodeURIComponent(itemId)}/text`), {
        method: 'PUT',
        credentials: 'same-origin',
        headers: { 'content-type': type, accept: 'application/json', ...csrfHeader() },
        body: file,
      });
      const body = (await res.json()) as { error?: { code: string; message: string } };
      if (!res.ok) throw Object.assign(new Error(body.error?.message ?? res.statusText), { code: body.error?.code });
      this.deps.announce(this.deps.strings.runUploaded);
      await this.load();
    } catch (error) {
      this.deps.showError(error);
    }
  }
}
