import type { PlenaryClientSocket } from './socket.ts';
import type { RoomStrings } from '../server/i18n/catalogs/room.ts';
import type { CaptionLineMessage, JoinAck } from '../server/protocol/events.ts';
import type { Request } from './media-client.ts';
import type { SessionView } from './session-state.ts';

// Live captions in the room (issue 13): a toggle, the caption language
// (remembered), and the lines in a polite live region so screen readers
// read each finished line once; a captioner of the session also gets a line
// to type into (Enter sends). Lines are ordered by the server's sequence
// number; an interim line is replaced by the next line of its language.

export interface CaptionsDeps {
  socket: PlenaryClientSocket;
  sessionId: string;
  strings: RoomStrings;
  lang: string;
  request: Request;
  showError(error: unknown): void;
}

const storageKey = 'plenary.captions';
const shownLines = 3;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * A caption line marked with its language (screen readers pronounce it so)
 * and its own direction: English captions in an Arabic room read left to
 * right, Arabic captions in an English room right to left.
 */
function lineOf(m: CaptionLineMessage): HTMLElement {
  return el('p', { 'data-seq': String(m.seq), lang: m.language, dir: 'auto' }, m.text);
}

export class CaptionsPanel {
  private readonly deps: CaptionsDeps;
  private readonly root: HTMLElement;
  private readonly toggle: HTMLInputElement;
  private readonly select: HTMLSelectElement;
  private readonly log: HTMLElement;
  private readonly interim: HTMLElement;
  private readonly compose: HTMLElement;
  private readonly lines = new Map<string, CaptionLineMessage[]>();
  private readonly interims = new Map<string, CaptionLineMessage>();
  private readonly names: Intl.DisplayNames | null;
  private mine: string[] = [];
  /** The room's join snapshot last taken. */
  private seen: JoinAck | null = null;
  private live = false;

  constructor(deps: CaptionsDeps) {
    this.deps = deps;
    const s = deps.strings;
    this.names = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([deps.lang], { type: 'language' }) : null;
    const saved = (() => {
      try {
        return JSON.parse(localStorage.getItem(storageKey) ?? '{}') as { on?: boolean; language?: string };
      } catch {
        return {};
      }
    })();
    this.root = el('section', { id: 'captions', class: 'panel captions', 'aria-labelledby': 'captions-heading', 'data-testid': 'captions-panel' });
    this.root.hidden = true;
    this.toggle = el('input', { type: 'checkbox', 'data-testid': 'captions-toggle' });
    this.toggle.checked = saved.on ?? false;
    this.select = el('select', { 'data-testid': 'captions-language' });
    if (saved.language) this.select.append(el('option', { value: saved.language }, this.name(saved.language)));
    this.log = el('div', { role: 'log', 'aria-live': 'polite', 'aria-atomic': 'false', class: 'caption-lines', 'data-testid': 'captions' });
    this.interim = el('p', { class: 'caption-interim hint', 'aria-hidden': 'true', dir: 'auto' });
    this.compose = el('form', { class: 'button-row', 'data-testid': 'captions-compose' });
    const toggleLabel = el('label', { class: 'inline' });
    toggleLabel.append(this.toggle, ` ${s.captionsShow}`);
    const languageLabel = el('label', {}, `${s.captionsLanguage} `);
    languageLabel.append(this.select);
    const head = el('div', { class: 'button-row' });
    head.append(toggleLabel, languageLabel);
    this.root.append(el('h2', { id: 'captions-heading' }, s.captions), head, this.log, this.interim, this.compose);
    document.getElementById('stage')?.after(this.root);

    this.toggle.addEventListener('change', () => this.changed());
    this.select.addEventListener('change', () => this.changed());
    deps.socket.on('caption:line', (m) => {
      if (m.sessionId !== deps.sessionId) return;
      this.receive(m);
    });
    this.compose.addEventListener('submit', (event) => {
      event.preventDefault();
      const input = this.compose.querySelector<HTMLInputElement>('input');
      const text = input?.value.trim();
      if (!input || !text) return;
      const language = input.dataset.language ?? '';
      void deps.request('caption:line', { sessionId: deps.sessionId, language, text, final: true }).then(
        () => (input.value = ''),
        (error: unknown) => deps.showError(error),
      );
    });
  }

  update(view: SessionView): void {
    this.live = view.status === 'live';
    if (view.snapshot !== this.seen) {
      // Each join snapshot of the room (the first, a role change's, a rejoin's after a reconnect): who captions which
      // language, and the last lines (no second session:join).
      this.seen = view.snapshot;
      this.snapshot(view.snapshot);
    }
    this.render();
  }

  private snapshot(ack: JoinAck): void {
    this.mine = ack.access?.captionLanguages ?? [];
    for (const l of this.mine) this.known(l);
    // The last lines said before this page joined (or while it was away), drawn without being read out.
    const missed = (ack.captions ?? []).filter((m) => this.keep(m));
    for (const m of missed) this.known(m.language);
    if (missed.length > 0) this.redraw();
    const s = this.deps.strings;
    this.compose.replaceChildren(
      ...this.mine.flatMap((language) => {
        const label = el('label', {}, `${s.captionsInput} (${this.name(language)}) `);
        label.append(el('input', { type: 'text', maxlength: '1000', 'data-language': language, 'data-testid': 'captions-input', autocomplete: 'off' }));
        return [label, el('button', { type: 'submit', 'data-testid': 'captions-send' }, s.captionsSend)];
      }),
    );
    this.render();
  }

  private known(language: string): void {
    if ([...this.select.options].some((o) => o.value === language)) return;
    this.select.append(el('option', { value: language }, this.name(language)));
    if (!this.select.value) this.select.value = language;
  }

  private receive(m: CaptionLineMessage): void {
    this.known(m.language);
    const latest = this.interims.get(m.language);
    if (latest && latest.seq > m.seq) return;
    if (m.final) {
      this.interims.delete(m.language);
      if (!this.keep(m)) return;
      if (this.toggle.checked && m.language === this.select.value) this.log.append(lineOf(m));
      while (this.log.childElementCount > shownLines) this.log.firstElementChild?.remove();
    } else {
      this.interims.set(m.language, m);
    }
    this.showInterim();
    this.render();
  }

  /** Keeps a final line in its language's list; false if it is already there (from the snapshot and the broadcast both). */
  private keep(m: CaptionLineMessage): boolean {
    const list = this.lines.get(m.language) ?? [];
    if (list.some((l) => l.seq === m.seq)) return false;
    list.push(m);
    list.sort((a, b) => a.seq - b.seq);
    this.lines.set(m.language, list.slice(-50));
    return true;
  }

  /** The chosen language's line being typed, in its own language and direction. */
  private showInterim(): void {
    this.interim.textContent = this.toggle.checked ? (this.interims.get(this.select.value)?.text ?? '') : '';
    this.interim.lang = this.select.value;
  }

  private changed(): void {
    try {
      localStorage.setItem(storageKey, JSON.stringify({ on: this.toggle.checked, language: this.select.value }));
    } catch {
      // Private mode: the choice lasts for this page only.
    }
    this.redraw();
  }

  /** Redraws the chosen language's last lines (a switch, or lines from a snapshot, are not read out as new captions). */
  private redraw(): void {
    this.log.setAttribute('aria-live', 'off');
    this.log.replaceChildren(...(this.toggle.checked ? (this.lines.get(this.select.value) ?? []).slice(-shownLines).map(lineOf) : []));
    this.showInterim();
    window.setTimeout(() => this.log.setAttribute('aria-live', 'polite'), 0);
    this.render();
  }

  private render(): void {
    this.root.hidden = !this.live || (this.select.options.length === 0 && this.mine.length === 0);
    this.log.hidden = !this.toggle.checked;
    this.select.disabled = !this.toggle.checked;
  }

  private name(language: string): string {
    try {
      return this.names?.of(language) ?? language;
    } catch {
      return language;
    }
  }
}
