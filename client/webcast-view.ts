import type HlsType from 'hls.js';
import type { RoomStrings } from '../server/i18n/catalogs/room.ts';
import { interpolate } from '../server/i18n/format.ts';
import type { SessionView } from './session-state.ts';
import { icon } from './icons.ts';

// "Watch the webcast" (issue 12, item 4): a delegate who is not on the
// stage can follow the session's HLS webcast (client/webcast-player.entry.ts,
// hls.js, loaded on demand) instead of holding a WebRTC seat, with the
// language menu built from the master playlist's audio renditions. They
// keep the queue and the questions; when given the floor the stage
// (client/media-stage.ts) takes them onto WebRTC for their microphone and
// the webcast pauses (it would echo them, seconds late), and it comes back
// at the live edge when the floor ends.

export interface WebcastViewDeps {
  /** Where the view goes (the stage section). */
  container: HTMLElement;
  eventId: string;
  sessionId: string;
  strings: RoomStrings;
  lang: string;
  announce(text: string): void;
  /** The view was turned on or off: the stage leaves or rejoins WebRTC. */
  onMode(on: boolean): void;
}

declare global {
  interface Window {
    /** The webcast view's player (diagnostics; the browser tests read it). */
    plenaryWebcast?: {
      audioTracks(): { name: string; lang: string }[];
      audioTrack(): number;
      setAudioTrack(index: number): void;
      /** The subtitle renditions (captions, issue 13) and the cues the video's text track shows now. */
      subtitleTracks(): { name: string; lang: string }[];
      activeCues(): string[];
    };
  }
}

const rememberKey = 'plenary.webcast';
const retryMs = 3000;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export class WebcastView {
  private readonly deps: WebcastViewDeps;
  private readonly s: RoomStrings;
  private readonly box: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly player: HTMLElement;
  private readonly video: HTMLVideoElement;
  private readonly language: HTMLSelectElement;
  private readonly captions: HTMLSelectElement;
  private readonly status: HTMLElement;
  private readonly names: Intl.DisplayNames | null;
  private hls: HlsType | null = null;
  private on = false;
  private offered = false;
  private onFloor = false;
  private retry = 0;
  /** The viewer's choice of captions (-1: off), kept when hls.js updates its tracks. */
  private captionTrack = -1;

  constructor(deps: WebcastViewDeps) {
    this.deps = deps;
    this.s = deps.strings;
    this.names = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([deps.lang], { type: 'language' }) : null;
    this.box = el('div', { id: 'webcast', class: 'webcast', 'data-testid': 'webcast', hidden: '' });
    this.toggle = el('button', { type: 'button', id: 'webcast-toggle', 'data-testid': 'webcast-toggle', 'aria-pressed': 'false', 'aria-describedby': 'webcast-hint' }, this.s.webcastWatch);
    const hint = el('p', { id: 'webcast-hint', class: 'hint' }, this.s.webcastHint);
    this.player = el('div', { id: 'webcast-player', class: 'webcast-player', hidden: '' });
    this.video = el('video', { id: 'webcast-video', 'data-testid': 'webcast-video', controls: '', playsinline: '', 'aria-label': this.s.webcastVideoLabel });
    this.language = el('select', { id: 'webcast-language', 'data-testid': 'webcast-language', disabled: '' });
    const label = el('label', {}, `${this.s.webcastLanguage} `);
    label.prepend(icon('languages'));
    label.append(this.language);
    this.captions = el('select', { id: 'webcast-captions', 'data-testid': 'webcast-captions', disabled: '' });
    const captionsLabel = el('label', {}, `${this.s.webcastCaptions} `);
    captionsLabel.prepend(icon('captions'));
    captionsLabel.append(this.captions);
    this.status = el('p', { id: 'webcast-status', role: 'status', 'data-testid': 'webcast-status' });
    this.player.append(this.video, el('div', { class: 'button-row' }), this.status);
    this.player.querySelector('.button-row')?.append(label, captionsLabel);
    this.box.append(el('div', { class: 'button-row' }), hint, this.player);
    this.box.firstElementChild?.append(this.toggle);
    const heading = deps.container.querySelector('h2');
    if (heading) heading.after(this.box);
    else deps.container.prepend(this.box);

    this.toggle.addEventListener('click', () => this.setOn(!this.on, true));
    this.language.addEventListener('change', () => {
      const index = Number(this.language.value);
      if (!this.hls || !Number.isInteger(index)) return;
      this.hls.audioTrack = index;
      this.deps.announce(interpolate(this.s.announceWebcastLanguage, { language: this.language.selectedOptions[0]?.textContent ?? '' }));
    });
    this.captions.addEventListener('change', () => {
      const index = Number(this.captions.value);
      if (!this.hls || !Number.isInteger(index)) return;
      const chosen = this.captions.selectedOptions[0]?.textContent ?? '';
      this.captionTrack = index;
      this.hls.subtitleDisplay = index >= 0;
      this.hls.subtitleTrack = index;
      this.deps.announce(`${this.s.webcastCaptions}: ${chosen}`);
    });
    window.plenaryWebcast = {
      subtitleTracks: () => (this.hls?.subtitleTracks ?? []).map((t) => ({ name: t.name, lang: t.lang ?? '' })),
      activeCues: () => [...this.video.textTracks].filter((t) => t.mode === 'showing').flatMap((t) => [...(t.activeCues ?? [])].map((c) => (c as VTTCue).text)),
      audioTracks: () => (this.hls?.audioTracks ?? []).map((t) => ({ name: t.name, lang: t.lang ?? '' })),
      audioTrack: () => this.hls?.audioTrack ?? -1,
      setAudioTrack: (index) => {
        if (this.hls) this.hls.audioTrack = index;
      },
    };
  }

  /**
   * Follows the session: offered to signed-in delegates off the stage while
   * the session is live; paused while this delegate holds the floor. Not to
   * those who work on the stage over WebRTC: moderators, panelists, and
   * interpreters and sign interpreters, who interpret the floor as it is
   * spoken, not a webcast seconds behind it.
   */
  update(view: SessionView, holdsFloor: boolean): void {
    const access = view.snapshot.access;
    const onStage = view.you.panelist || view.you.moderator || (access?.interpreterLanguages.length ?? 0) > 0 || Boolean(access?.signInterpreter);
    const offered = view.status === 'live' && Boolean(view.you.participantId) && !onStage;
    if (offered !== this.offered) {
      this.offered = offered;
      this.box.hidden = !offered;
      if (offered && this.remembered()) this.setOn(true, false);
      else if (!offered && this.on) this.setOn(false, false);
    }
    if (holdsFloor !== this.onFloor) {
      this.onFloor = holdsFloor;
      if (this.on) this.followFloor();
    }
  }

  private setOn(on: boolean, byUser: boolean): void {
    if (on === this.on) return;
    this.on = on;
    if (byUser) this.remember(on);
    this.toggle.setAttribute('aria-pressed', String(on));
    this.player.hidden = !on;
    this.deps.onMode(on);
    if (on) {
      void this.load();
      if (byUser) this.deps.announce(this.s.announceWebcastOn);
    } else {
      this.unload();
      if (byUser) this.deps.announce(this.s.announceWebcastOff);
    }
  }

  private followFloor(): void {
    if (this.onFloor) {
      // The delegate's own voice, seconds late, would disturb them: the webcast waits.
      this.hls?.stopLoad();
      this.video.pause();
      this.status.textContent = this.s.webcastPaused;
    } else {
      this.status.textContent = '';
      if (this.hls) {
        // Back at the live edge, not where the webcast was paused.
        this.hls.startLoad(-1);
        if (Number.isFinite(this.hls.liveSyncPosition)) this.video.currentTime = this.hls.liveSyncPosition as number;
        void this.video.play().catch(() => undefined);
      } else {
        void this.load();
      }
    }
  }

  private get url(): string {
    return `/webcast/${encodeURIComponent(this.deps.eventId)}/${encodeURIComponent(this.deps.sessionId)}/index.m3u8`;
  }

  private async load(): Promise<void> {
    window.clearTimeout(this.retry);
    if (!this.on || this.hls) return;
    this.status.textContent = this.s.webcastLoading;
    // A coded refusal (not started yet, no encoder) is clearer than a player error.
    const probe = await fetch(this.url, { credentials: 'same-origin', cache: 'no-store' }).catch((e: unknown) => e as Error);
    if (!this.on || this.hls) return;
    if (probe instanceof Error || !probe.ok) {
      const code = probe instanceof Error ? null : ((await probe.json().catch(() => null)) as { error?: { code?: string } } | null)?.error?.code;
      this.status.textContent = code === 'webcast_not_started' ? this.s.webcastWaiting : interpolate(this.s.webcastFailed, { reason: code ?? (probe instanceof Error ? probe.message : String(probe.status)) });
      this.retry = window.setTimeout(() => void this.load(), retryMs);
      return;
    }
    const playerUrl = '/assets/webcast-player.js';
    const { Hls } = (await import(playerUrl)) as typeof import('./webcast-player.entry.ts');
    if (!this.on || this.hls) return;
    if (!Hls.isSupported()) {
      // Safari plays HLS itself (its own audio menu).
      this.video.src = this.url;
      this.status.textContent = '';
      void this.video.play().catch(() => undefined);
      return;
    }
    // Captions start off (the room has its own captions panel); the menu turns them on.
    const hls = new Hls({ lowLatencyMode: true, liveSyncDurationCount: 2 });
    hls.subtitleDisplay = this.captionTrack >= 0;
    this.hls = hls;
    hls.on(Hls.Events.AUDIO_TRACKS_UPDATED, () => this.renderLanguages());
    hls.on(Hls.Events.AUDIO_TRACK_SWITCHED, () => this.renderLanguages());
    hls.on(Hls.Events.SUBTITLE_TRACKS_UPDATED, () => {
      // hls.js picks an AUTOSELECT track of its own accord; the viewer's choice stands (off by default).
      if (hls.subtitleTrack !== this.captionTrack && this.captionTrack < hls.subtitleTracks.length) hls.subtitleTrack = this.captionTrack;
      this.renderCaptions();
    });
    hls.on(Hls.Events.SUBTITLE_TRACK_SWITCH, () => this.renderCaptions());
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      this.status.textContent = '';
      if (!this.onFloor) void this.video.play().catch(() => undefined);
    });
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      // A fatal error (the encoder restarted, the network dropped): start over shortly.
      this.status.textContent = interpolate(this.s.webcastFailed, { reason: data.details });
      this.unload();
      this.retry = window.setTimeout(() => void this.load(), retryMs);
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
    if (this.onFloor) this.followFloor();
  }

  private unload(): void {
    window.clearTimeout(this.retry);
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute('src');
    this.video.load();
    this.language.replaceChildren();
    this.language.disabled = true;
    this.captions.replaceChildren();
    this.captions.disabled = true;
  }

  /** Off, then one option per subtitle rendition (the captioners' languages). */
  private renderCaptions(): void {
    const hls = this.hls;
    if (!hls) return;
    const options = [
      el('option', { value: '-1' }, this.s.webcastCaptionsOff),
      ...hls.subtitleTracks.map((track, index) => el('option', { value: String(index), ...(track.lang ? { lang: track.lang } : {}) }, this.languageName(track.lang ?? '', track.name))),
    ];
    this.captions.replaceChildren(...options);
    this.captions.disabled = options.length < 2;
    this.captions.value = String(this.captionTrack < hls.subtitleTracks.length ? this.captionTrack : -1);
  }

  /** One option per audio rendition: the floor (LANGUAGE "mul") and each live interpretation. */
  private renderLanguages(): void {
    const hls = this.hls;
    if (!hls) return;
    const options = hls.audioTracks.map((track, index) => {
      const code = track.lang ?? '';
      const name = code === 'mul' || code === '' ? this.s.floorAudio : this.languageName(code, track.name);
      return el('option', { value: String(index), ...(code && code !== 'mul' ? { lang: code } : {}) }, name);
    });
    this.language.replaceChildren(...options);
    this.language.disabled = options.length < 2;
    this.language.value = String(hls.audioTrack);
  }

  private languageName(code: string, fallback: string): string {
    try {
      return this.names?.of(code) ?? fallback;
    } catch {
      return fallback;
    }
  }

  private remembered(): boolean {
    try {
      return localStorage.getItem(rememberKey) === 'on';
    } catch {
      return false;
    }
  }

  private remember(on: boolean): void {
    try {
      if (on) localStorage.setItem(rememberKey, 'on');
      else localStorage.removeItem(rememberKey);
    } catch {
      // Storage may be off: the view is then offered again next time.
    }
  }
}
