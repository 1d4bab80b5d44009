import type { PlenaryClientSocket } from './socket.ts';
import type { RoomStrings } from '../server/i18n/catalogs/room.ts';
import type { RoomStateStrings } from '../server/i18n/catalogs/room-state.ts';
import { interpolate } from '../server/i18n/format.ts';
import type { MediaSource, ProducerInfo } from '../server/protocol/media-events.ts';
import { MediaClient, type ConsumerStats, type MediaChange, type Request } from './media-client.ts';
import type { SessionView } from './session-state.ts';
import { setIconLabel } from './icons.ts';

// The live stage of the session room: tiles for the panel and the floor
// speaker (active speaker highlighted), the listening language, a
// panelist's and an interpreter's publish controls, a delegate's
// microphone while holding the floor, and the moderator's list of senders.
// The server decides every right; the controls only follow what it said.

declare global {
  interface Window {
    /** Receive figures of this page's consumers (diagnostics; the browser tests read them). */
    plenaryMedia?: {
      stats(): Promise<ConsumerStats[]>;
      producers(): ProducerInfo[];
      /** Last N: pin a participant's video, or receive audio only. */
      pin(participantId: string, pinned: boolean): Promise<void>;
      audioOnly(on: boolean): Promise<void>;
      /** What this page sends, by source, with its track's settings (the browser tests read the microphone's processing). */
      sending(): { source: string; kind: string; settings: MediaTrackSettings }[];
    };
  }
}

export interface StageDeps {
  socket: PlenaryClientSocket;
  sessionId: string;
  strings: RoomStrings & RoomStateStrings;
  lang: string;
  request: Request;
  announce(text: string): void;
  showError(error: unknown): void;
  /** Whether the session reads Ended or Cancelled by the room's status rule (clock included): the stage then says so. */
  over?(): 'ended' | 'cancelled' | null;
}

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}

/** Two letters for a name card: first and last word (Amina Diallo → AD), or the first two characters of a one-word name (张伟 → 张伟). */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '';
  const first = (w: string) => Array.from(w)[0] ?? '';
  if (words.length === 1) return Array.from(words[0] ?? '').slice(0, 2).join('').toLocaleUpperCase();
  return (first(words[0] ?? '') + first(words[words.length - 1] ?? '')).toLocaleUpperCase();
}

/** Sets a button's text only when it changes (no needless mutations for screen readers or tests). */
function setLabel(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Volume of the floor audio kept underneath an interpretation channel. */
export const underneathVolume = 0.2;
const listenKey = 'plenary.listening';

/** The listening choice, remembered in this browser: a channel language (or the floor) and the original underneath. */
interface Listening {
  language: string | null;
  underneath: boolean;
}

function rememberedListening(): Listening {
  try {
    const value = JSON.parse(localStorage.getItem(listenKey) ?? 'null') as Partial<Listening> | null;
    return { language: typeof value?.language === 'string' ? value.language : null, underneath: value?.underneath === true };
  } catch {
    return { language: null, underneath: false };
  }
}

function rememberListening(listening: Listening): void {
  try {
    localStorage.setItem(listenKey, JSON.stringify(listening));
  } catch {
    // Storage may be off: the choice then lasts for this page only.
  }
}

export class Stage {
  private readonly deps: StageDeps;
  private readonly s: RoomStrings & RoomStateStrings;
  /** Who is on air in each booth that has someone on air (client/booth-console.ts passes booth:state on). */
  private boothsOnAir = new Map<string, { participantId: string; name: string }>();
  private media: MediaClient | null = null;
  private view: SessionView | null = null;
  private disabled = false;
  private floorMic: 'idle' | 'starting' | 'live' | 'failed' = 'idle';
  private publishing = false;
  /** Watching the webcast (client/webcast-view.ts): WebRTC only while this delegate holds the floor. */
  private webcast = false;
  /** The remembered channel, chosen again once it is on air (listeners, not interpreters). */
  private restoreListening: Listening | null = rememberedListening();
  private readonly tiles = new Map<string, HTMLElement>();
  private readonly audios = new Map<string, HTMLAudioElement>();
  private readonly announcedOnStage = new Set<string>();
  private readonly languageNames: Intl.DisplayNames | null;
  private readonly visibility: IntersectionObserver;
  private readonly sizes: ResizeObserver;
  private readonly sizeTimers = new Map<string, number>();

  constructor(deps: StageDeps) {
    this.deps = deps;
    this.s = deps.strings;
    this.languageNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames([deps.lang], { type: 'language' }) : null;
    // Hidden tiles pause their consumer on the server; shown ones get the layer their size needs.
    this.visibility = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const producerId = (entry.target as HTMLElement).dataset.producerId;
        if (producerId) void this.media?.setVisible(producerId, entry.isIntersecting);
      }
    });
    this.sizes = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const producerId = (entry.target as HTMLElement).dataset.producerId;
        if (!producerId) continue;
        const { width, height } = entry.contentRect;
        window.clearTimeout(this.sizeTimers.get(producerId));
        this.sizeTimers.set(producerId, window.setTimeout(() => void this.media?.setTileSize(producerId, width * devicePixelRatio, height * devicePixelRatio), 250));
      }
    });
    this.wire();
    window.plenaryMedia = {
      stats: () => this.media?.stats() ?? Promise.resolve([]),
      producers: () => [...(this.media?.producers.values() ?? [])],
      pin: async (participantId, pinned) => {
        await this.media?.setPinned(participantId, pinned);
        this.render();
      },
      audioOnly: async (on) => {
        await this.media?.setAudioOnly(on);
        this.render();
      },
      sending: () => [...(this.media?.local.values() ?? [])].map((l) => ({ source: l.source, kind: l.track.kind, settings: l.track.getSettings() })),
    };
  }

  /**
   * Called after the session was re-joined on a new connection: the server
   * has forgotten this socket's transports, so media joins again (and
   * republishes what this page was sending).
   */
  resynced(): void {
    if (this.media?.caps) void this.media.rejoin().catch((e: unknown) => this.onError(e));
  }

  /** Follows the session: the stage opens when it is live, the floor opens a delegate's microphone. */
  update(view: SessionView): void {
    this.view = view;
    if (this.disabled) return;
    if (!this.media) {
      this.media = new MediaClient(this.deps.socket, this.deps.sessionId, view.you.participantId, this.deps.request, (c) => this.onMedia(c));
    }
    const live = view.status === 'live';
    const wanted = live && (!this.webcast || this.iHoldFloor);
    if (wanted && !this.media.caps) {
      void this.media.join().catch((e: unknown) => this.onError(e));
    } else if (!wanted && this.media.caps) {
      this.floorMic = 'idle';
      this.publishing = false;
      void this.media.leave();
    }
    this.followFloor();
    this.render();
  }

  /** The webcast view on or off: off the stage while watching it, back on it for the floor. */
  setWebcast(on: boolean): void {
    this.webcast = on;
    if (this.view) this.update(this.view);
  }

  get iHoldFloor(): boolean {
    const view = this.view;
    const me = view?.you.participantId;
    const floor = view?.queue.floor;
    if (!view || !me || !floor) return false;
    return view.queue.entries.find((e) => e.id === floor.entryId)?.participantId === me;
  }

  private followFloor(): void {
    const media = this.media;
    if (!media?.caps) return;
    if (this.iHoldFloor && !media.caps.you.panel) {
      if (this.floorMic === 'idle') void this.startFloorMic();
    } else if (this.floorMic !== 'idle') {
      const wasLive = this.floorMic === 'live';
      this.floorMic = 'idle';
      // The server closes floor producers itself; release the devices here too.
      for (const [source, send] of media.local) {
        if (send.info?.right === 'floor' || source === 'mic') void media.unpublish(source);
      }
      if (wasLive) this.deps.announce(this.s.announceFloorMicOff);
    }
  }

  private async startFloorMic(): Promise<void> {
    const media = this.media;
    if (!media) return;
    this.floorMic = 'starting';
    this.render();
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: this.deviceConstraint('mic-select') });
      const track = stream.getAudioTracks()[0];
      if (!track) throw new Error('no microphone');
      if (!this.iHoldFloor) {
        track.stop();
        this.floorMic = 'idle';
        return;
      }
      await media.publish('mic', track);
      this.floorMic = 'live';
      this.deps.announce(this.s.floorMicLive);
      void this.fillDevices();
    } catch (error) {
      this.floorMic = this.iHoldFloor ? 'failed' : 'idle';
      this.onError(error);
    }
    this.render();
  }

  private onMedia(change: MediaChange): void {
    const media = this.media;
    switch (change.type) {
      case 'local-closed':
        if (change.reason === 'floor-ended') this.deps.announce(this.s.announceFloorMicOff);
        else if (change.reason === 'moderator') this.deps.announce(interpolate(this.s.announceStoppedByModerator, { source: this.sourceLabel(change.source) }));
        if (media && media.local.size === 0) this.publishing = false;
        break;
      case 'local': {
        const send = media?.local.get(change.source);
        if (send && media?.producers.get(send.producer.id)?.pausedByModerator && change.source === 'mic') this.deps.announce(this.s.announceMutedByModerator);
        break;
      }
      case 'producers':
        if (media) {
          for (const p of media.producers.values()) {
            if (p.source === 'interpretation' || this.announcedOnStage.has(p.participantId) || p.participantId === this.view?.you.participantId) continue;
            this.announcedOnStage.add(p.participantId);
            this.deps.announce(interpolate(this.s.announceOnStage, { name: p.name }));
          }
        }
        break;
      case 'joined':
        this.followFloor();
        break;
      case 'error':
        this.onError(change.error);
        break;
      default:
        break;
    }
    this.render();
  }

  private onError(error: unknown): void {
    const code = (error as { code?: string }).code;
    if (code === 'media_disabled') {
      this.disabled = true;
      byId('stage-note').textContent = this.s.mediaOff;
      byId('stage-live').hidden = true;
      return;
    }
    // The session or the floor ended while a request was on its way: the status change says it all.
    if (code === 'session_not_live' || code === 'not_on_floor') return;
    if (error instanceof DOMException) {
      this.deps.showError(interpolate(this.s.deviceBlocked, { reason: error.message || error.name }));
      return;
    }
    this.deps.showError(error);
  }

  private wire(): void {
    // Going live acts at once; leaving the stage asks first (the <dialog> in session.hbs).
    byId('publish').addEventListener('click', () => {
      const dialog = document.getElementById('leave-stage-dialog') as HTMLDialogElement | null;
      if (this.publishing && dialog) {
        dialog.returnValue = '';
        dialog.showModal();
      } else void this.togglePublish();
    });
    document.getElementById('leave-stage-dialog')?.addEventListener('close', (event) => {
      if ((event.target as HTMLDialogElement).returnValue === 'leave' && this.publishing) void this.togglePublish();
    });
    byId('toggle-mic').addEventListener('click', () => void this.toggleMute('mic'));
    byId('floor-mic-mute').addEventListener('click', () => void this.toggleMute('mic'));
    byId('toggle-camera').addEventListener('click', () => void this.toggleCamera());
    byId('floor-camera').addEventListener('click', () => void this.toggleCamera());
    byId('share-screen').addEventListener('click', () => void this.toggleScreen());
    byId('floor-mic-retry').addEventListener('click', () => {
      this.floorMic = 'idle';
      this.followFloor();
    });
    byId('enable-sound').addEventListener('click', () => {
      for (const audio of this.audios.values()) void audio.play().catch(() => undefined);
      byId('enable-sound').hidden = true;
    });
    byId<HTMLSelectElement>('language-select').addEventListener('change', (e) => {
      const value = (e.target as HTMLSelectElement).value;
      this.restoreListening = null;
      rememberListening({ language: value || null, underneath: this.media?.originalUnderneath ?? false });
      void this.media?.setLanguage(value || null).then(() => this.render()).then(() => this.deps.announce(interpolate(this.s.announceListening, { language: value ? this.languageName(value) : this.s.floorAudio })));
    });
    byId<HTMLInputElement>('original-under').addEventListener('change', (e) => {
      const on = (e.target as HTMLInputElement).checked;
      const media = this.media;
      if (!media) return;
      rememberListening({ language: media.language, underneath: on });
      void media.setOriginalUnderneath(on).then(() => this.render(), (error: unknown) => this.onError(error));
    });
    byId('audio-only').addEventListener('click', () => {
      const media = this.media;
      if (!media) return;
      const on = !media.audioOnly;
      void media.setAudioOnly(on).then(
        () => {
          byId('audio-only').setAttribute('aria-pressed', String(on));
          this.deps.announce(on ? this.s.announceAudioOnly : this.s.announceVideoBack);
          this.render();
        },
        (error: unknown) => this.onError(error),
      );
    });
    // Last N: a pinned person's video is always among those received.
    byId('stage-tiles').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-pin]');
      const media = this.media;
      if (!button || !media) return;
      const participantId = button.dataset.pin ?? '';
      void media.setPinned(participantId, !media.pinned.has(participantId)).then(() => this.render(), (error: unknown) => this.onError(error));
    });
    byId<HTMLInputElement>('delegate-video').addEventListener('change', (e) => {
      void this.media?.setDelegateVideo((e.target as HTMLInputElement).checked).catch((error: unknown) => this.onError(error));
    });
    for (const id of ['mic-select', 'camera-select']) {
      byId<HTMLSelectElement>(id).addEventListener('change', () => void this.switchDevice(id === 'mic-select' ? 'mic' : 'camera'));
    }
    byId('senders').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-producer-id]');
      const action = button?.dataset.action as 'mute' | 'unmute' | 'stop' | undefined;
      if (!button || !action) return;
      void this.media?.moderate(button.dataset.producerId ?? '', action).catch((error: unknown) => this.onError(error));
    });
    byId('interpreter-controls').addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-language]');
      if (button) void this.toggleInterpretation(button.dataset.language ?? '');
    });
  }

  private deviceConstraint(selectId: string): MediaTrackConstraints | boolean {
    const value = byId<HTMLSelectElement>(selectId).value;
    return value ? { deviceId: { exact: value } } : true;
  }

  /**
   * An interpreter's microphone, unprocessed: interpreters work on headsets, so there is no echo to cancel, and
   * echo cancellation, noise suppression and automatic gain would clip and pump a voice that speaks over the floor
   * audio in their ears. A delegate's microphone keeps the browser's processing (laptop speakers, rooms).
   */
  private interpreterConstraint(): MediaTrackConstraints {
    const device = this.deviceConstraint('mic-select');
    return { ...(typeof device === 'object' ? device : {}), echoCancellation: false, noiseSuppression: false, autoGainControl: false };
  }

  private async togglePublish(): Promise<void> {
    const media = this.media;
    if (!media) return;
    try {
      if (this.publishing) {
        this.publishing = false;
        await Promise.all((['mic', 'camera', 'screen'] as const).map((source) => media.unpublish(source)));
        this.deps.announce(this.s.announceYouOff);
      } else {
        // A sign-language interpreter (no panel seat) sends their camera only.
        const signOnly = !media.caps?.you.panel && Boolean(media.caps?.you.sign);
        const stream = await navigator.mediaDevices.getUserMedia(signOnly ? { video: this.videoConstraint() } : { audio: this.deviceConstraint('mic-select'), video: this.videoConstraint() });
        this.publishing = true;
        const [audio] = stream.getAudioTracks();
        const [video] = stream.getVideoTracks();
        if (audio) await media.publish('mic', audio);
        if (video) await media.publish('camera', video);
        this.deps.announce(this.s.announceYouLive);
        void this.fillDevices();
      }
    } catch (error) {
      this.publishing = media.local.size > 0;
      this.onError(error);
    }
    this.render();
  }

  private videoConstraint(): MediaTrackConstraints {
    const device = byId<HTMLSelectElement>('camera-select').value;
    return { width: { ideal: 1280 }, height: { ideal: 720 }, ...(device ? { deviceId: { exact: device } } : {}) };
  }

  private async toggleMute(source: MediaSource): Promise<void> {
    const media = this.media;
    if (!media?.local.has(source)) return;
    await media.setMuted(source, !media.isMuted(source)).catch((error: unknown) => this.onError(error));
    this.render();
  }

  private async toggleCamera(): Promise<void> {
    const media = this.media;
    if (!media) return;
    try {
      if (media.local.has('camera')) {
        await media.unpublish('camera');
      } else {
        const stream = await navigator.mediaDevices.getUserMedia({ video: this.videoConstraint() });
        const [video] = stream.getVideoTracks();
        if (video) await media.publish('camera', video);
      }
    } catch (error) {
      this.onError(error);
    }
    this.render();
  }

  private async toggleScreen(): Promise<void> {
    const media = this.media;
    if (!media) return;
    try {
      if (media.local.has('screen')) {
        await media.unpublish('screen');
      } else {
        const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
        const [video] = stream.getVideoTracks();
        if (!video) return;
        // The browser's own "Stop sharing" button ends the track.
        video.addEventListener('ended', () => void media.unpublish('screen').then(() => this.render()));
        await media.publish('screen', video);
      }
    } catch (error) {
      this.onError(error);
    }
    this.render();
  }

  /**
   * The booths as booth:state last said (client/booth-console.ts): a booth
   * a partner is on air in is not offered here ("Interpret into …" would be
   * refused with booth_taken); who is on air is shown instead.
   */
  setBooths(booths: readonly { language: string; live: string | null; liveName: string | null }[]): void {
    this.boothsOnAir = new Map(booths.flatMap((b) => (b.live ? [[b.language, { participantId: b.live, name: b.liveName ?? '' }] as const] : [])));
    this.render();
  }

  /** The interpretation channel this page sends now (its language), if any. */
  interpretationLanguage(): string | null {
    const send = this.media?.local.get('interpretation');
    return send ? (send.info?.language ?? null) : null;
  }

  /** The track this page sends as its interpretation channel (the console's level meter reads it). */
  interpretationTrack(): MediaStreamTrack | null {
    return this.media?.local.get('interpretation')?.track ?? null;
  }

  /** The booth became this interpreter's (client/booth-console.ts): start sending its channel. */
  async startInterpretation(language: string): Promise<void> {
    const media = this.media;
    if (!media || this.interpretationLanguage() === language) return;
    // The booth can be this page's before its media has joined (a reload on
    // air, a handover during a rejoin): nothing else would start the channel.
    if (!media.caps) await media.join().catch((e: unknown) => this.onError(e));
    if (!media.caps || this.interpretationLanguage() === language) return;
    await this.toggleInterpretation(language);
  }

  /** The cough key: a momentary mute of the interpretation channel (the producer pauses on the server). */
  async cough(on: boolean): Promise<void> {
    await this.media?.setMuted('interpretation', on).catch((e: unknown) => this.onError(e));
  }

  /** What this page listens to: the floor (null) or a channel (an interpreter working from a relay). */
  async listen(language: string | null): Promise<void> {
    const media = this.media;
    if (!media || media.language === language) return;
    await media.setLanguage(language);
    const select = document.getElementById('language-select') as HTMLSelectElement | null;
    if (select) select.value = language ?? '';
  }

  private async toggleInterpretation(language: string): Promise<void> {
    const media = this.media;
    if (!media) return;
    try {
      const current = media.local.get('interpretation');
      if (current) {
        await media.unpublish('interpretation');
        if (current.info?.language === language) return;
      }
      const stream = await navigator.mediaDevices.getUserMedia({ audio: this.interpreterConstraint() });
      const [audio] = stream.getAudioTracks();
      if (audio) await media.publish('interpretation', audio, { language });
      void this.fillDevices();
    } catch (error) {
      this.onError(error);
    }
    this.render();
  }

  private async switchDevice(source: 'mic' | 'camera'): Promise<void> {
    const media = this.media;
    const target = source === 'mic' && !media?.local.has('mic') && media?.local.has('interpretation') ? 'interpretation' : source;
    if (!media?.local.has(target)) return;
    try {
      const audio = target === 'interpretation' ? this.interpreterConstraint() : this.deviceConstraint('mic-select');
      const stream = await navigator.mediaDevices.getUserMedia(source === 'mic' ? { audio } : { video: this.videoConstraint() });
      const [track] = source === 'mic' ? stream.getAudioTracks() : stream.getVideoTracks();
      if (track) await media.replaceTrack(target, track);
    } catch (error) {
      this.onError(error);
    }
    this.render();
  }

  /** Device names are only known once the browser granted access. */
  private async fillDevices(): Promise<void> {
    const devices = await navigator.mediaDevices.enumerateDevices().catch(() => [] as MediaDeviceInfo[]);
    const fill = (id: string, kind: MediaDeviceKind, active: MediaStreamTrack | undefined) => {
      const select = byId<HTMLSelectElement>(id);
      const current = active?.getSettings().deviceId ?? select.value;
      const list = devices.filter((d) => d.kind === kind);
      select.replaceChildren(...list.map((d, i) => el('option', { value: d.deviceId }, d.label || `${kind === 'audioinput' ? this.s.microphone : this.s.camera} ${i + 1}`)));
      if (current) select.value = current;
    };
    fill('mic-select', 'audioinput', this.media?.local.get('mic')?.track ?? this.media?.local.get('interpretation')?.track);
    fill('camera-select', 'videoinput', this.media?.local.get('camera')?.track);
  }

  private languageName(code: string): string {
    try {
      return this.languageNames?.of(code) ?? code;
    } catch {
      return code;
    }
  }

  private sourceLabel(source: MediaSource): string {
    return (this.s as Record<string, string>)[`source_${source}`] ?? source;
  }

  private render(): void {
    const media = this.media;
    const caps = media?.caps ?? null;
    const live = this.view?.status === 'live';
    byId('stage-live').hidden = !caps || this.disabled;
    if (!this.disabled) byId('stage-note').textContent = !live ? this.closedNote() : media && media.producers.size === 0 && media.local.size === 0 ? this.s.stageEmpty : '';
    byId('stage-note').hidden = this.webcast || Boolean(caps && live && media && (media.producers.size > 0 || media.local.size > 0));
    this.renderTiles();
    this.renderAudio();
    if (!media || !caps) return;

    // Listening language.
    const select = byId<HTMLSelectElement>('language-select');
    const languages = [...new Set([...media.producers.values()].filter((p) => p.source === 'interpretation' && p.language).map((p) => p.language as string))].sort();
    const wanted = ['', ...languages];
    const present = [...select.options].map((o) => o.value);
    if (wanted.join('|') !== present.join('|')) {
      select.replaceChildren(el('option', { value: '' }, this.s.floorAudio), ...languages.map((l) => el('option', { value: l }, this.languageName(l))));
      select.value = media.language && languages.includes(media.language) ? media.language : '';
    }
    // The remembered choice comes back once its channel is on air (interpreters' listening follows their booth instead).
    const restore = this.restoreListening;
    if (restore && caps.you.interpretationLanguages.length === 0 && (restore.language === null || languages.includes(restore.language))) {
      this.restoreListening = null;
      void media.setOriginalUnderneath(restore.underneath).then(() => (restore.language ? media.setLanguage(restore.language) : undefined)).then(() => {
        select.value = media.language ?? '';
        this.render();
      });
    }
    // The original underneath, offered while listening to a channel.
    byId('original-under-label').hidden = media.language === null;
    byId<HTMLInputElement>('original-under').checked = media.originalUnderneath;

    // A panelist's controls.
    // A panelist's or a sign-language interpreter's (camera only) controls.
    const signOnly = !caps.you.panel && Boolean(caps.you.sign);
    byId('publish-controls').hidden = !caps.you.panel && !signOnly;
    byId('mic-select').closest('label')?.toggleAttribute('hidden', signOnly);
    // State-aware toolbar: each label names what the button does now (Go live / Leave stage, Unmute, Start video, Stop sharing).
    const publish = byId('publish');
    publish.setAttribute('aria-pressed', String(this.publishing));
    setIconLabel(publish, this.publishing ? 'log-out' : 'radio', this.publishing ? this.s.leaveStage : this.s.goLive);
    publish.classList.toggle('button-primary', !this.publishing);
    publish.classList.toggle('button-danger-outline', this.publishing);
    byId('on-air').hidden = !this.publishing;
    for (const [id, source] of [['toggle-mic', 'mic'], ['floor-mic-mute', 'mic']] as const) {
      byId(id).hidden = !media.local.has(source);
      byId(id).setAttribute('aria-pressed', String(media.isMuted(source)));
      setIconLabel(byId(id), media.isMuted(source) ? 'mic' : 'mic-off', media.isMuted(source) ? this.s.unmuteMic : this.s.muteMic);
    }
    byId('toggle-camera').hidden = !this.publishing;
    byId('toggle-camera').setAttribute('aria-pressed', String(!media.local.has('camera')));
    setIconLabel(byId('toggle-camera'), media.local.has('camera') ? 'video-off' : 'video', media.local.has('camera') ? this.s.stopVideo : this.s.startVideo);
    byId('share-screen').hidden = !this.publishing || signOnly;
    byId('share-screen').setAttribute('aria-pressed', String(media.local.has('screen')));
    setIconLabel(byId('share-screen'), media.local.has('screen') ? 'screen-share-off' : 'screen-share', media.local.has('screen') ? this.s.stopSharing : this.s.shareScreen);

    // An interpreter's channels.
    const booth = byId('interpreter-controls');
    booth.hidden = caps.you.interpretationLanguages.length === 0;
    const channel = media.local.get('interpretation')?.info?.language ?? (media.local.has('interpretation') ? '?' : null);
    const me = this.view?.you.participantId ?? null;
    booth.replaceChildren(
      ...caps.you.interpretationLanguages.map((l) => {
        // A partner on air in this booth: say who, rather than offer a channel the server would refuse (booth_taken).
        const onAir = this.boothsOnAir.get(l);
        if (onAir && onAir.participantId !== me && channel !== l) {
          return el('p', { class: 'hint booth-on-air', 'data-language-on-air': l, 'data-testid': 'interpretation-on-air' }, interpolate(this.s.rs_boothPartnerLive, { language: this.languageName(l), name: onAir.name }));
        }
        return el('button', { type: 'button', 'data-language': l, 'data-testid': 'publish-interpretation', 'aria-pressed': String(channel === l) }, interpolate(this.s.interpretInto, { language: this.languageName(l) }));
      }),
    );

    // A delegate holding the floor.
    const floorBox = byId('floor-media');
    const onFloor = this.iHoldFloor && !caps.you.panel;
    floorBox.hidden = !onFloor;
    byId('floor-media-note').textContent = this.floorMic === 'live' ? this.s.floorMicLive : this.s.floorMicAsk;
    byId('floor-mic-retry').hidden = this.floorMic !== 'failed';
    byId('floor-camera').hidden = !onFloor || !media.settings.delegateVideo || this.floorMic !== 'live';
    byId('floor-camera').setAttribute('aria-pressed', String(media.local.has('camera')));
    setIconLabel(byId('floor-camera'), media.local.has('camera') ? 'video-off' : 'video', media.local.has('camera') ? this.s.stopVideo : this.s.startVideo);

    // The moderator's senders.
    byId('stage-moderation').hidden = !caps.you.moderator;
    byId<HTMLInputElement>('delegate-video').checked = media.settings.delegateVideo;
    const senders = [...media.producers.values()];
    byId('senders-empty').hidden = senders.length > 0;
    byId('senders').replaceChildren(...senders.map((p) => this.senderItem(p)));
  }

  private senderItem(p: ProducerInfo): HTMLLIElement {
    const what = p.source === 'interpretation' ? `${this.sourceLabel(p.source)} (${this.languageName(p.language ?? '')})` : this.sourceLabel(p.source);
    const state = p.pausedByModerator ? this.s.mutedByModerator : p.paused ? this.s.mutedLabel : '';
    const li = el('li', { 'data-producer-id': p.producerId }, `${p.name} · ${what}${state ? ` · ${state}` : ''} `);
    const mute = el('button', { type: 'button', 'data-action': p.paused ? 'unmute' : 'mute', 'data-producer-id': p.producerId, 'data-testid': 'mod-mute', 'aria-pressed': String(p.paused), 'aria-label': `${this.s.modMute}: ${p.name}, ${what}` }, this.s.modMute);
    const stop = el('button', { type: 'button', 'data-action': 'stop', 'data-producer-id': p.producerId, 'data-testid': 'mod-stop', 'aria-label': `${this.s.modStop}: ${p.name}, ${what}` }, this.s.modStop);
    li.append(mute, stop);
    return li;
  }

  /** One tile per person on stage (camera or a name card), one per shared screen; own camera from the local track. */
  /** Not live: over (ended or cancelled), or yet to be opened. */
  private closedNote(): string {
    const over = this.deps.over?.() ?? null;
    return over === 'ended' ? this.s.rs_ended : over === 'cancelled' ? this.s.rs_cancelled : this.s.stageClosed;
  }

  private renderTiles(): void {
    const media = this.media;
    const container = byId('stage-tiles');
    const wanted = new Map<string, { name: string; participantId: string; video: MediaStreamTrack | null; producerId: string | null; local: boolean; muted: boolean; screen: boolean }>();
    if (media?.caps) {
      const me = this.view?.you.participantId ?? null;
      for (const p of media.producers.values()) {
        if (p.source === 'interpretation' || p.participantId === me) continue;
        const key = p.source === 'screen' ? `screen:${p.producerId}` : `p:${p.participantId}`;
        const tile = wanted.get(key) ?? { name: p.name, participantId: p.participantId, video: null, producerId: null, local: false, muted: false, screen: p.source === 'screen' };
        if (p.kind === 'video') {
          tile.video = media.remote.get(p.producerId)?.track ?? null;
          tile.producerId = p.producerId;
        } else {
          tile.muted = p.paused;
        }
        wanted.set(key, tile);
      }
      const own = [...media.local.values()].filter((l) => l.source !== 'interpretation');
      if (me && own.length > 0) {
        const camera = media.local.get('camera');
        wanted.set(`p:${me}`, { name: this.s.you, participantId: me, video: camera?.track ?? null, producerId: null, local: true, muted: media.isMuted('mic'), screen: false });
      }
    }
    for (const [key, node] of this.tiles) {
      if (wanted.has(key)) continue;
      const video = node.querySelector('video');
      if (video) {
        this.visibility.unobserve(video);
        this.sizes.unobserve(video);
      }
      node.remove();
      this.tiles.delete(key);
    }
    const speaker = media?.activeSpeaker?.participantId ?? null;
    const featured = this.featuredTile(wanted, speaker);
    container.classList.toggle('has-featured', featured !== null);
    for (const [key, tile] of wanted) {
      let node = this.tiles.get(key);
      if (!node) {
        node = el('figure', { class: 'tile', role: 'listitem', 'data-testid': 'stage-tile' });
        // A name card under the video: the initials show whenever no camera picture does.
        const box = el('div', { class: 'tile-media' });
        box.append(el('span', { class: 'tile-initials', 'aria-hidden': 'true' }));
        node.append(box, el('figcaption'));
        container.append(node);
        this.tiles.set(key, node);
      }
      node.dataset.participantId = tile.participantId;
      const initials = node.querySelector('.tile-initials');
      if (initials) setLabel(initials as HTMLElement, initialsOf(tile.local ? (this.view?.you.name ?? tile.name) : tile.name));
      node.classList.toggle('camera-off', !tile.video);
      const speaking = !tile.screen && speaker === tile.participantId;
      node.classList.toggle('speaking', speaking);
      node.classList.toggle('screen', tile.screen);
      node.classList.toggle('featured', key === featured);
      if (key === featured) node.dataset.featured = 'true';
      else delete node.dataset.featured;
      const caption = node.querySelector('figcaption');
      if (caption) {
        const parts = [tile.screen ? `${tile.name} · ${this.s.source_screen}` : tile.name];
        if (tile.muted) parts.push(this.s.mutedLabel);
        if (speaking) parts.push(this.s.speakingNow);
        caption.textContent = parts.join(' · ');
        if (!tile.local && !tile.screen && media) {
          const pinned = media.pinned.has(tile.participantId);
          const pin = el('button', {
            type: 'button',
            class: 'tile-pin',
            'data-pin': tile.participantId,
            'data-testid': 'tile-pin',
            'aria-pressed': String(pinned),
            'aria-label': interpolate(pinned ? this.s.unpinTileLabel : this.s.pinTileLabel, { name: tile.name }),
          }, pinned ? this.s.unpinTile : this.s.pinTile);
          caption.append(' ', pin);
        }
      }
      node.classList.toggle('pinned', Boolean(media?.pinned.has(tile.participantId)));
      this.attachVideo(node, tile.video, tile.producerId, tile.local);
    }
  }

  /**
   * The tile shown large (the speaker view): a shared screen, else the floor holder, else the active speaker,
   * else the one the viewer pinned, else a lone tile; with none of these the tiles form an even grid.
   */
  private featuredTile(wanted: ReadonlyMap<string, { participantId: string; screen: boolean }>, speaker: string | null): string | null {
    const screen = [...wanted.keys()].find((key) => key.startsWith('screen:'));
    if (screen) return screen;
    const queue = this.view?.queue;
    const holder = queue?.floor ? queue.entries.find((e) => e.id === queue.floor?.entryId)?.participantId : undefined;
    if (holder && wanted.has(`p:${holder}`)) return `p:${holder}`;
    if (speaker && wanted.has(`p:${speaker}`)) return `p:${speaker}`;
    const pinned = [...wanted.values()].find((t) => this.media?.pinned.has(t.participantId));
    if (pinned) return `p:${pinned.participantId}`;
    return wanted.size === 1 ? ([...wanted.keys()][0] ?? null) : null;
  }

  private attachVideo(node: HTMLElement, track: MediaStreamTrack | null, producerId: string | null, local: boolean): void {
    const box = node.querySelector('.tile-media');
    if (!box) return;
    let video = box.querySelector('video');
    if (!track) {
      if (video) {
        this.visibility.unobserve(video);
        this.sizes.unobserve(video);
        video.remove();
      }
      return;
    }
    if (!video) {
      video = el('video', { playsinline: '', autoplay: '', 'aria-hidden': 'true' });
      video.muted = true;
      box.append(video);
    }
    const current = (video.srcObject as MediaStream | null)?.getVideoTracks()[0];
    if (current !== track) {
      video.srcObject = new MediaStream([track]);
      void video.play().catch(() => undefined);
    }
    video.classList.toggle('mirrored', local);
    if (producerId && video.dataset.producerId !== producerId) {
      if (video.dataset.producerId) {
        this.visibility.unobserve(video);
        this.sizes.unobserve(video);
      }
      video.dataset.producerId = producerId;
      this.visibility.observe(video);
      this.sizes.observe(video);
    } else if (!producerId && video.dataset.producerId) {
      this.visibility.unobserve(video);
      this.sizes.unobserve(video);
      delete video.dataset.producerId;
    }
  }

  /** Remote audio plays through hidden audio elements; a blocked autoplay shows "Turn on sound". */
  private renderAudio(): void {
    const media = this.media;
    const container = byId('stage-audio');
    const wanted = new Map<string, MediaStreamTrack>();
    for (const [producerId, remote] of media?.remote ?? []) {
      if (remote.info.kind === 'audio') wanted.set(producerId, remote.track);
    }
    for (const [producerId, audio] of this.audios) {
      if (wanted.get(producerId) === (audio.srcObject as MediaStream | null)?.getAudioTracks()[0]) continue;
      audio.srcObject = null;
      audio.remove();
      this.audios.delete(producerId);
    }
    // Floor audio kept underneath a channel plays quieter.
    const channel = media?.language ? [...media.remote.values()].some((r) => r.info.source === 'interpretation' && r.info.language === media.language) : false;
    const floorVolume = channel && media?.originalUnderneath ? underneathVolume : 1;
    for (const [producerId, audio] of this.audios) {
      const source = media?.remote.get(producerId)?.info.source;
      audio.volume = source === 'interpretation' ? 1 : floorVolume;
    }
    for (const [producerId, track] of wanted) {
      if (this.audios.has(producerId)) continue;
      const audio = el('audio', { autoplay: '', 'data-producer-id': producerId, 'data-source': media?.remote.get(producerId)?.info.source ?? '' });
      audio.volume = media?.remote.get(producerId)?.info.source === 'interpretation' ? 1 : floorVolume;
      audio.srcObject = new MediaStream([track]);
      container.append(audio);
      this.audios.set(producerId, audio);
      audio.play().catch(() => {
        byId('enable-sound').hidden = false;
      });
    }
  }
}
