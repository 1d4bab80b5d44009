import type { PlenaryClientSocket } from './socket.ts';
import type { BoothView } from '../server/domain/booths.ts';
import type { RoomStrings } from '../server/i18n/catalogs/room.ts';
import { interpolate } from '../server/i18n/format.ts';
import type { BoothNoteMessage, BoothStateMessage, JoinAck, QueueStateMessage, RunStateMessage } from '../server/protocol/events.ts';
import type { Request } from './media-client.ts';
import type { Stage } from './media-stage.ts';
import type { SessionView } from './session-state.ts';
import { statementTextLink } from './statement-text.ts';
import { statementLink } from './statements.ts';
import { itemText } from './run-item-text.ts';

// The interpreter's console in the room (issue 13), compact: per booth of
// the interpreter, who is on air, take the booth, ask the partner to hand
// over or hand over, the cough key, the relay source, and the current and
// next speakers with the language they will speak. The booth being theirs
// starts the channel (the server closes the partner's once it runs); the
// server decides every right.

export interface BoothConsoleDeps {
  socket: PlenaryClientSocket;
  sessionId: string;
  eventId: string;
  strings: RoomStrings;
  lang: string;
  request: Request;
  stage: Stage;
  announce(text: string): void;
  showError(error: unknown): void;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export class BoothConsole {
  private readonly deps: BoothConsoleDeps;
  private readonly s: RoomStrings;
  private readonly root: HTMLElement;
  private readonly names: Intl.DisplayNames | null;
  private booths: BoothStateMessage | null = null;
  /** The room's join snapshot last taken (a new one comes with a role change, or a join after a reconnect). */
  private seen: JoinAck | null = null;
  private languages: string[] = [];
  private me: string | null = null;
  private live = false;
  private queue: QueueStateMessage | null = null;
  /** The running order: its current and next statements' texts for the interpreters (issue 18). */
  private run: RunStateMessage | null = null;
  private starting = new Set<string>();
  private coughing = false;
  /** The level of this interpreter's own channel (Web Audio), kept across renders. */
  private readonly meter: HTMLMeterElement;
  private metered: MediaStreamTrack | null = null;
  private audioContext: AudioContext | null = null;
  private meterFrame = 0;
  /** The note line to the booth partners, per booth language, kept across renders (the text being typed, the lines received). */
  private readonly notes = new Map<string, { form: HTMLFormElement; log: HTMLElement }>();

  constructor(deps: BoothConsoleDeps) {
    this.deps = deps;
    this.s = deps.strings;
    this.names = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([deps.lang], { type: 'language' }) : null;
    this.root = el('section', { id: 'booth-console', class: 'booth-console', 'data-testid': 'booth-console' });
    this.root.hidden = true;
    const anchor = document.getElementById('interpreter-controls');
    anchor?.after(this.root);
    const mine = (m: { sessionId: string }): boolean => m.sessionId === deps.sessionId;
    deps.socket.on('booth:state', (m) => {
      if (mine(m)) this.apply(m);
    });
    deps.socket.on('queue:state', (m) => {
      if (mine(m) && (!this.queue || m.version >= this.queue.version)) {
        this.queue = m;
        this.render();
      }
    });
    deps.socket.on('run:state', (m) => {
      if (mine(m) && (!this.run || m.version >= this.run.version)) {
        this.run = m;
        this.render();
      }
    });
    deps.socket.on('booth:note', (m) => {
      if (mine(m)) this.noteReceived(m);
    });
    this.meter = el('meter', { min: '0', max: '1', low: '0.05', high: '0.8', optimum: '0.3', value: '0', 'data-testid': 'booth-level', 'aria-label': this.s.boothLevel });
    this.root.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-booth-action]');
      if (button) void this.act(button.dataset.boothAction ?? '', button.dataset.language ?? '');
    });
    this.root.addEventListener('change', (event) => {
      const select = (event.target as HTMLElement).closest<HTMLSelectElement>('select[data-booth-source]');
      if (select) void this.send('booth:source', { language: select.dataset.boothSource ?? '', source: select.value });
    });
    // The cough key mutes while held (pointer or Space/Enter), and only then.
    const cough = (on: boolean) => (event: Event): void => {
      const target = (event.target as HTMLElement).closest('[data-testid="booth-cough"]');
      if (!target) return;
      if (event instanceof KeyboardEvent && event.key !== ' ' && event.key !== 'Enter') return;
      if (event instanceof KeyboardEvent && on && event.repeat) return;
      event.preventDefault();
      if (this.coughing === on) return;
      this.coughing = on;
      target.setAttribute('aria-pressed', String(on));
      void deps.stage.cough(on);
    };
    this.root.addEventListener('pointerdown', cough(true));
    this.root.addEventListener('pointerup', cough(false));
    this.root.addEventListener('pointerleave', cough(false), true);
    this.root.addEventListener('keydown', cough(true));
    this.root.addEventListener('keyup', cough(false));
  }

  /**
   * Follows the room: each join snapshot of the room (the first, a role
   * change's, a rejoin's after a reconnect) brings the booths and this
   * caller's languages, with no second session:join; the session going live
   * starts a channel the booth already gave this page. Every copy is taken
   * only where it is as new as the one held, so a broadcast that came before
   * the snapshot's ack is never undone by it.
   */
  update(view: SessionView): void {
    this.me = view.you.participantId;
    this.live = view.status === 'live';
    if (view.snapshot !== this.seen) {
      this.seen = view.snapshot;
      this.languages = view.snapshot.access?.interpreterLanguages ?? [];
      if (view.snapshot.booths) this.apply(view.snapshot.booths);
    }
    // The room's view has merged what came during its join.
    let changed = false;
    if (view.queue !== this.queue && (!this.queue || view.queue.version >= this.queue.version)) {
      this.queue = view.queue;
      changed = true;
    }
    if (view.run !== this.run && (!this.run || view.run.version >= this.run.version)) {
      this.run = view.run;
      changed = true;
    }
    this.follow();
    if (changed) this.render();
  }

  private apply(message: BoothStateMessage): void {
    // Equal versions are taken: a role change renames interpreters without a booth change.
    if (this.booths && message.version < this.booths.version) return;
    const before = new Map((this.booths?.booths ?? []).map((b) => [b.language, b.live]));
    this.booths = message;
    this.deps.stage.setBooths(message.booths);
    for (const b of message.booths) {
      if (this.languages.includes(b.language) && b.live && before.has(b.language) && before.get(b.language) !== b.live) {
        this.deps.announce(interpolate(this.s.announceBoothLive, { name: b.liveName ?? '', language: this.name(b.language) }));
      }
    }
    this.follow();
    this.render();
  }

  /** The booth is this interpreter's: send its channel; listen to its source (the floor or a relay channel). */
  private follow(): void {
    if (!this.booths || !this.live || !this.me) return;
    for (const booth of this.myBooths()) {
      if (booth.live === this.me && this.deps.stage.interpretationLanguage() !== booth.language && !this.starting.has(booth.language)) {
        this.starting.add(booth.language);
        void this.deps.stage.startInterpretation(booth.language).finally(() => {
          this.starting.delete(booth.language);
          this.render();
        });
      }
    }
    const working = this.myBooths().find((b) => b.live === this.me) ?? this.myBooths()[0];
    if (working) void this.deps.stage.listen(working.source === 'floor' ? null : working.source);
  }

  private myBooths(): BoothView[] {
    return (this.booths?.booths ?? []).filter((b) => this.languages.includes(b.language));
  }

  /** The booth's note line: a form to send, a log of what partners wrote. */
  private noteBox(language: string): { form: HTMLFormElement; log: HTMLElement } {
    let box = this.notes.get(language);
    if (box) return box;
    const form = el('form', { class: 'booth-note', 'data-testid': 'booth-note-form' });
    const input = el('input', { type: 'text', maxlength: '500', autocomplete: 'off', 'data-testid': 'booth-note-input' });
    const label = el('label', {}, `${this.s.boothNote} `);
    label.append(input);
    form.append(label, el('button', { type: 'submit', 'data-testid': 'booth-note-send' }, this.s.boothNoteSend));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      void this.deps.request('booth:note', { sessionId: this.deps.sessionId, language, text }).then(
        () => {
          input.value = '';
        },
        (error: unknown) => this.deps.showError(error),
      );
    });
    const log = el('ul', { class: 'booth-notes', role: 'log', 'aria-live': 'polite', 'data-testid': 'booth-notes' });
    box = { form, log };
    this.notes.set(language, box);
    return box;
  }

  private noteReceived(m: BoothNoteMessage): void {
    const { log } = this.noteBox(m.language);
    log.append(el('li', { 'data-from': m.from.participantId }, interpolate(this.s.boothNoteFrom, { name: m.from.participantId === this.me ? this.s.you : m.from.name, text: m.text })));
    while (log.childElementCount > 20) log.firstElementChild?.remove();
  }

  /** The level meter follows the channel this page sends: an AnalyserNode on the local track, read every frame. */
  private followLevel(): void {
    const track = this.deps.stage.interpretationTrack();
    if (track === this.metered) return;
    this.metered = track;
    cancelAnimationFrame(this.meterFrame);
    void this.audioContext?.close().catch(() => undefined);
    this.audioContext = null;
    this.meter.value = 0;
    if (!track || typeof AudioContext !== 'function') return;
    const context = new AudioContext();
    this.audioContext = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const tick = (): void => {
      if (this.audioContext !== context) return;
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      // RMS, scaled so that speech sits in the middle of the bar; a muted (coughing) track reads zero.
      this.meter.value = track.enabled && !this.coughing ? Math.min(1, Math.sqrt(sum / samples.length) * 4) : 0;
      this.meter.dataset.level = this.meter.value.toFixed(3);
      this.meterFrame = requestAnimationFrame(tick);
    };
    void context.resume().catch(() => undefined);
    tick();
  }

  private async act(action: string, language: string): Promise<void> {
    if (action === 'claim') await this.send('booth:claim', { language });
    else if (action === 'request') await this.send('booth:handover', { language, to: this.me });
    else if (action === 'handover') {
      const select = this.root.querySelector<HTMLSelectElement>(`select[data-handover="${CSS.escape(language)}"]`);
      if (select?.value) await this.send('booth:handover', { language, to: select.value });
    }
  }

  private async send(event: 'booth:claim' | 'booth:handover' | 'booth:source', payload: Record<string, unknown>): Promise<void> {
    try {
      const ack = await this.deps.request<{ booths: BoothStateMessage }, typeof event>(event, { sessionId: this.deps.sessionId, ...payload } as never);
      this.apply(ack.booths);
    } catch (error) {
      this.deps.showError(error);
    }
  }

  private name(language: string): string {
    try {
      return this.names?.of(language) ?? language;
    } catch {
      return language;
    }
  }

  /** The speaker on the floor and the next one, with the language they said they will speak and their statement, if any; then the running order's statement texts. */
  private speakers(): HTMLElement[] {
    const q = this.queue;
    if (!q) return this.runStatements();
    const lang = (l: string | undefined): string => (l ? this.name(l) : this.s.boothLanguageUnknown);
    const lines: HTMLElement[] = [];
    const line = (entry: QueueStateMessage['entries'][number], template: string): HTMLElement => {
      const p = el('p', { class: 'hint', 'data-testid': 'booth-speaker' }, interpolate(template, { name: entry.name, language: lang(entry.language) }));
      if (entry.statement) p.append(' ', statementLink(this.deps.eventId, this.deps.sessionId, entry, this.s));
      return p;
    };
    const now = q.floor ? q.entries.find((e) => e.id === q.floor?.entryId) : undefined;
    if (now) lines.push(line(now, this.s.boothNow));
    const next = q.entries.find((e) => e.id === q.proposedEntryId) ?? q.entries.find((e) => e.status === 'waiting');
    if (next) lines.push(line(next, this.s.boothNext));
    return [...lines, ...this.runStatements()];
  }

  /** The running order's current item and the next one, when a text for the interpreters is attached to them, with a link to it. */
  private runStatements(): HTMLElement[] {
    const run = this.run;
    if (!run) return [];
    const at = run.items.findIndex((i) => i.id === run.currentItemId);
    const current = at >= 0 ? run.items[at] : undefined;
    const next = run.items.slice(at + 1).find((i) => i.status === 'pending' && i.text);
    const lines: HTMLElement[] = [];
    const add = (item: RunStateMessage['items'][number], label: string): void => {
      const link = statementTextLink(this.deps.eventId, this.deps.sessionId, item, this.s.runText);
      if (!link) return;
      const p = el('p', { class: 'hint', 'data-testid': 'booth-run-statement' }, label);
      p.append(' ', link);
      lines.push(p);
    };
    const titled = (item: RunStateMessage['items'][number]): string => {
      const text = itemText(item, this.deps.lang);
      return text.speaker ? `${text.title} (${text.speaker})` : text.title;
    };
    if (current) add(current, interpolate(this.s.runNow, { title: titled(current) }));
    if (next) add(next, `${this.s.runNext}: ${titled(next)}`);
    return lines;
  }

  private render(): void {
    const booths = this.myBooths();
    this.root.hidden = booths.length === 0 || !this.live;
    this.followLevel();
    if (this.root.hidden) return;
    const all = (this.booths?.booths ?? []).map((b) => b.language);
    const focused = document.activeElement instanceof HTMLElement && this.root.contains(document.activeElement) ? document.activeElement.dataset.testid : undefined;
    this.root.replaceChildren(
      ...booths.map((b) => {
        const mine = b.live === this.me;
        const partners = b.interpreters.filter((i) => i.participantId !== this.me);
        const box = el('div', { class: 'booth', 'data-booth': b.language });
        box.append(el('h3', {}, interpolate(this.s.boothHeading, { language: this.name(b.language) })));
        const status = el('p', { 'data-testid': 'booth-status', role: 'status' }, mine ? this.s.boothYouLive : b.live ? interpolate(this.s.boothLive, { name: b.liveName ?? '' }) : this.s.boothIdle);
        box.append(status);
        const requester = b.requestedBy ? b.interpreters.find((i) => i.participantId === b.requestedBy) : undefined;
        if (requester && requester.participantId !== this.me) box.append(el('p', { 'data-testid': 'booth-requested' }, interpolate(this.s.boothRequested, { name: requester.name })));
        const row = el('div', { class: 'button-row' });
        if (!b.live) row.append(el('button', { type: 'button', 'data-booth-action': 'claim', 'data-language': b.language, 'data-testid': 'booth-claim' }, this.s.boothClaim));
        if (b.live && !mine) row.append(el('button', { type: 'button', 'data-booth-action': 'request', 'data-language': b.language, 'data-testid': 'booth-request' }, this.s.boothRequest));
        if (mine && partners.length > 0) {
          const select = el('select', { 'data-handover': b.language, 'data-testid': 'booth-handover-to' });
          for (const p of partners) select.append(el('option', { value: p.participantId }, p.name));
          if (requester) select.value = requester.participantId;
          const label = el('label', {}, `${this.s.boothHandoverTo} `);
          label.append(select);
          row.append(label, el('button', { type: 'button', 'data-booth-action': 'handover', 'data-language': b.language, 'data-testid': 'booth-handover' }, this.s.boothHandover));
        }
        if (mine && this.deps.stage.interpretationLanguage() === b.language) {
          row.append(el('button', { type: 'button', 'data-testid': 'booth-cough', 'aria-pressed': String(this.coughing) }, this.s.boothCough));
          const level = el('label', { class: 'booth-level' }, `${this.s.boothLevel} `);
          level.append(this.meter);
          row.append(level);
        }
        const source = el('select', { 'data-booth-source': b.language, 'data-testid': 'booth-source' });
        source.append(el('option', { value: 'floor' }, this.s.floorAudio), ...all.filter((l) => l !== b.language).map((l) => el('option', { value: l }, this.name(l))));
        source.value = b.source;
        const sourceLabel = el('label', {}, `${this.s.boothSource} `);
        sourceLabel.append(source);
        row.append(sourceLabel);
        box.append(row);
        box.append(...this.speakers());
        const notes = this.noteBox(b.language);
        box.append(notes.form, notes.log);
        return box;
      }),
    );
    if (focused) this.root.querySelector<HTMLElement>(`[data-testid="${focused}"]`)?.focus();
  }
}
