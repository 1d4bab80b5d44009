import { Device, type types } from 'mediasoup-client';
import type { ClientEventName } from '../server/protocol/events.ts';
import type { ClientInput } from '../server/protocol/socket-types.ts';
import type { ServerToClientEvents } from '../server/protocol/socket-types.ts';
import type { PlenaryClientSocket } from './socket.ts';
import { wireRtpCapabilities, wireRtpParameters } from './wire.ts';

/** What publish() attaches to a producer, as media:produce expects it. */
type ProduceAppData = ClientInput<'media:produce'>['appData'];
type MediaEventName = Extract<keyof ServerToClientEvents, `media:${string}`>;
import type {
  ActiveSpeakerMessage, ConsumeAck, MediaCapabilitiesAck, MediaSettings, MediaSource, NewProducerMessage, ProducerClosedMessage,
  ProducerClosedReason, ProducerInfo, ProducerPausedMessage, RejoinMessage, WebRtcTransportAck,
} from '../server/protocol/media-events.ts';

// The stage's media in the browser: mediasoup-client over the media:*
// signalling. Holds what the server says is on stage, consumes what the
// viewer wants to see and hear, and publishes the viewer's own tracks when
// the server allows it. No DOM here: media-stage.ts renders.

export type Request = <T extends object, E extends ClientEventName = ClientEventName>(event: E, payload: ClientInput<E>) => Promise<T>;

export interface RemoteTrack {
  info: ProducerInfo;
  consumer: types.Consumer;
  track: MediaStreamTrack;
  /** Paused by this viewer (hidden tile, another language). */
  hidden: boolean;
}

export interface LocalSend {
  source: MediaSource;
  producer: types.Producer;
  track: MediaStreamTrack;
  info?: ProducerInfo;
}

export type MediaChange =
  | { type: 'joined' }
  | { type: 'left' }
  | { type: 'producers' }
  | { type: 'track'; producerId: string }
  | { type: 'speaker' }
  | { type: 'settings' }
  | { type: 'local'; source: MediaSource }
  | { type: 'local-closed'; source: MediaSource; reason: ProducerClosedReason }
  | { type: 'error'; error: unknown };

export interface ConsumerStats {
  consumerId: string;
  producerId: string;
  participantId: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  packetsReceived: number;
  bytesReceived: number;
  framesDecoded: number;
  /** The local ICE candidate's type on the selected pair: host, srflx, prflx, or relay (through TURN). */
  candidateType?: string;
}

/**
 * `?ice=relay` on the room's address: this page's transports use relayed
 * (TURN) candidates only (RTCPeerConnection iceTransportPolicy 'relay'),
 * as a browser behind a firewall that lets only the TURN server through
 * would. A diagnostic for operators checking their TURN server, and what
 * the TURN browser test uses; it never widens what a page may do.
 */
export function iceTransportPolicy(search: string = typeof location === 'undefined' ? '' : location.search): 'relay' | undefined {
  return new URLSearchParams(search).get('ice') === 'relay' ? 'relay' : undefined;
}

const cameraEncodings: types.RtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
];

export class MediaClient {
  readonly sessionId: string;
  caps: MediaCapabilitiesAck | null = null;
  readonly producers = new Map<string, ProducerInfo>();
  readonly remote = new Map<string, RemoteTrack>();
  readonly local = new Map<MediaSource, LocalSend>();
  activeSpeaker: ActiveSpeakerMessage | null = null;
  settings: MediaSettings;
  /** The interpretation language listened to; null for the floor. */
  language: string | null = null;
  /** While listening to a channel, keep receiving the floor audio too (the page plays it quieter). */
  originalUnderneath = false;
  /** Participants whose video this viewer pinned: first in the last N. */
  readonly pinned = new Set<string>();
  /** No video at all (weak connections): audio of the chosen channel only. */
  audioOnly = false;
  private syncRun: Promise<void> = Promise.resolve();
  private syncQueued = false;
  private readonly socket: PlenaryClientSocket;
  private readonly request: Request;
  /** This viewer's participant id (null for the organiser token). */
  private readonly selfId: string | null;
  private readonly onChange: (change: MediaChange) => void;
  private device: Device | null = null;
  private sendTransport: types.Transport | null = null;
  private recvTransport: types.Transport | null = null;
  private joining: Promise<void> | null = null;
  /**
   * Notices that come while a join is under way: its snapshot is read on the
   * server at one moment and applied here only after the device has loaded,
   * so a speaker who goes live in between is announced before this client
   * could take it. They are replayed on the snapshot, in the order they came:
   * each producer, the settings and the active speaker end as their last
   * notice left them, and the snapshot stands for what none touched.
   */
  private held: (() => void)[] | null = null;
  private rejoining: Promise<void> | null = null;
  private wantJoined = false;
  private readonly consuming = new Set<string>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(socket: PlenaryClientSocket, sessionId: string, selfId: string | null, request: Request, onChange: (change: MediaChange) => void) {
    this.socket = socket;
    this.selfId = selfId;
    this.sessionId = sessionId;
    this.request = request;
    this.onChange = onChange;
    this.settings = { sessionId, delegateVideo: false };
    // This session's media events only (one socket may carry several sessions).
    const mine = <E extends MediaEventName>(event: E, handler: (m: Parameters<ServerToClientEvents[E]>[0]) => void): void => {
      const listener = (m: Parameters<ServerToClientEvents[E]>[0]): void => {
        if (m.sessionId !== this.sessionId) return;
        if (this.held && event !== 'media:rejoin') this.held.push(() => handler(m));
        else handler(m);
      };
      const subscribe = socket.on as (event: E, listener: (m: Parameters<ServerToClientEvents[E]>[0]) => void) => PlenaryClientSocket;
      const unsubscribe = socket.off as (event: E, listener: (m: Parameters<ServerToClientEvents[E]>[0]) => void) => PlenaryClientSocket;
      subscribe.call(socket, event, listener);
      this.unsubscribe.push(() => unsubscribe.call(socket, event, listener));
    };
    mine('media:new-producer', (m) => this.addProducer(m.producer));
    mine('media:producer-closed', (m) => this.removeProducer(m.producerId, m.reason));
    mine('media:producer-paused', (m) => this.producerPaused(m));
    mine('media:active-speaker', (m) => {
      this.activeSpeaker = m;
      this.onChange({ type: 'speaker' });
      // The last N follow the speaker.
      void this.syncWanted();
    });
    mine('media:settings', (m) => {
      this.settings = m;
      this.onChange({ type: 'settings' });
    });
    mine('media:rejoin', () => void this.rejoin().catch((error: unknown) => this.onChange({ type: 'error', error })));
  }

  get joined(): boolean {
    return this.caps !== null && this.recvTransport !== null;
  }

  /** Joins the session's media (idempotent while joined). */
  join(): Promise<void> {
    this.wantJoined = true;
    this.joining ??= this.doJoin().finally(() => {
      this.joining = null;
    });
    return this.joining;
  }

  /** Leaves: closes transports (and so every consumer and own producer). */
  async leave(): Promise<void> {
    this.wantJoined = false;
    await this.joining?.catch(() => undefined);
    const wasJoined = this.caps !== null;
    this.teardown(true);
    if (wasJoined) await this.request('media:leave', { sessionId: this.sessionId }).catch(() => undefined);
    this.onChange({ type: 'left' });
  }

  /**
   * Starts again from media:capabilities: after a worker died, a reconnect,
   * or a transport that could not recover. Every consumer is restored; own
   * tracks are published again where the server still allows it.
   */
  rejoin(): Promise<void> {
    // One rejoin at a time: a worker's death and the transport failing with it arrive together.
    this.rejoining ??= this.doRejoin().finally(() => {
      this.rejoining = null;
    });
    return this.rejoining;
  }

  private async doRejoin(): Promise<void> {
    if (!this.wantJoined) return;
    await this.joining?.catch(() => undefined);
    const republish = [...this.local.values()].filter((l) => l.track.readyState === 'live').map((l) => ({ source: l.source, track: l.track, language: l.info?.language ?? undefined, paused: l.producer.paused }));
    this.teardown(false);
    // A replacement worker may take a moment to start: retry while the server says media is unavailable.
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.join();
        break;
      } catch (error) {
        const code = (error as { code?: string }).code;
        // not_joined: after a reconnect the session:join may still be on its way.
        if (!this.wantJoined || attempt >= 8 || (code !== 'media_unavailable' && code !== 'media_not_found' && code !== 'not_joined')) throw error;
        await new Promise((resolve) => window.setTimeout(resolve, Math.min(4000, 250 * 2 ** attempt)));
      }
    }
    for (const item of republish) {
      await this.publish(item.source, item.track, { language: item.language, paused: item.paused }).catch((error: unknown) => {
        item.track.stop();
        this.onChange({ type: 'error', error });
      });
    }
  }

  dispose(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    this.teardown(true);
  }

  /** Publishes a track; the server decides whether this viewer may (coded refusal otherwise). */
  async publish(source: MediaSource, track: MediaStreamTrack, options: { language?: string | undefined; paused?: boolean } = {}): Promise<LocalSend> {
    await this.join();
    const transport = await this.ensureSendTransport();
    this.local.get(source)?.producer.close();
    const height = track.kind === 'video' ? track.getSettings().height : undefined;
    const producer = await transport.produce({
      track,
      stopTracks: false,
      ...(source === 'camera' ? { encodings: cameraEncodings, codecOptions: { videoGoogleStartBitrate: 1000 } } : {}),
      ...(source === 'screen' ? { encodings: [{ maxBitrate: 1_500_000 }] } : {}),
      ...(track.kind === 'audio' ? { codecOptions: { opusStereo: false, opusDtx: true, opusFec: true } } : {}),
      appData: { source, ...(options.language ? { language: options.language } : {}), ...(height ? { height } : {}), paused: options.paused ?? false },
    });
    if (options.paused) producer.pause();
    const send: LocalSend = { source, producer, track, info: this.producers.get(producer.id) };
    this.local.set(source, send);
    this.onChange({ type: 'local', source });
    return send;
  }

  /** Stops publishing a source (closes the producer on the server too). */
  async unpublish(source: MediaSource): Promise<void> {
    const send = this.local.get(source);
    if (!send) return;
    this.local.delete(source);
    send.producer.close();
    send.track.stop();
    await this.request('media:close-producer', { sessionId: this.sessionId, producerId: send.producer.id }).catch(() => undefined);
    this.onChange({ type: 'local', source });
  }

  async setMuted(source: MediaSource, muted: boolean): Promise<void> {
    const send = this.local.get(source);
    if (!send) return;
    await this.request(muted ? 'media:pause-producer' : 'media:resume-producer', { sessionId: this.sessionId, producerId: send.producer.id });
    if (muted) send.producer.pause();
    else send.producer.resume();
    this.onChange({ type: 'local', source });
  }

  isMuted(source: MediaSource): boolean {
    const send = this.local.get(source);
    return send ? send.producer.paused || Boolean(this.producers.get(send.producer.id)?.paused) : false;
  }

  /** Swaps the device behind a published source without a new producer. */
  async replaceTrack(source: MediaSource, track: MediaStreamTrack): Promise<void> {
    const send = this.local.get(source);
    if (!send) return;
    await send.producer.replaceTrack({ track });
    send.track.stop();
    send.track = track;
  }

  /** Moderator: mute, unmute or stop anyone's producer. */
  async moderate(producerId: string, action: 'mute' | 'unmute' | 'stop'): Promise<void> {
    const event = action === 'mute' ? 'media:pause-producer' : action === 'unmute' ? 'media:resume-producer' : 'media:close-producer';
    await this.request(event, { sessionId: this.sessionId, producerId });
  }

  async setDelegateVideo(allowed: boolean): Promise<void> {
    await this.request('media:settings', { sessionId: this.sessionId, delegateVideo: allowed });
  }

  /** Floor audio (null) or an interpretation channel. */
  async setLanguage(language: string | null): Promise<void> {
    this.language = language;
    await this.syncWanted();
  }

  /** The original underneath a channel, or not. */
  async setOriginalUnderneath(on: boolean): Promise<void> {
    this.originalUnderneath = on;
    await this.syncWanted();
  }

  /** Pins (or unpins) a participant's video: it stays among the last N received. */
  async setPinned(participantId: string, pinned: boolean): Promise<void> {
    if (pinned) this.pinned.add(participantId);
    else this.pinned.delete(participantId);
    await this.syncWanted();
  }

  /** Audio only: every video consumer closes (and none is made) until switched back. */
  async setAudioOnly(audioOnly: boolean): Promise<void> {
    this.audioOnly = audioOnly;
    await this.syncWanted();
  }

  /**
   * The video producers this viewer receives: at most the server's last N
   * (MEDIA_LAST_N), pinned first, then the floor holder's, the active
   * speaker's, those already shown, the rest in order of arrival.
   */
  videoChoice(): Set<string> {
    if (this.audioOnly) return new Set();
    const n = this.caps?.lastN ?? 4;
    const speaker = this.activeSpeaker?.participantId;
    const rank = (p: ProducerInfo): number =>
      this.pinned.has(p.participantId) ? 0 : p.right === 'floor' ? 1 : p.participantId === speaker ? 2 : this.remote.has(p.producerId) ? 3 : 4;
    const videos = [...this.producers.values()].filter((p) => p.kind === 'video' && p.participantId !== this.selfId);
    return new Set(videos.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).slice(0, n).map(({ p }) => p.producerId));
  }

  /** A tile scrolled out of view (or back): its consumer pauses on the server, saving the bandwidth. */
  async setVisible(producerId: string, visible: boolean): Promise<void> {
    const remote = this.remote.get(producerId);
    if (!remote || remote.hidden === !visible) return;
    remote.hidden = !visible;
    await this.request(visible ? 'media:resume' : 'media:pause-consumer', { sessionId: this.sessionId, consumerId: remote.consumer.id }).catch(() => undefined);
  }

  /** The size a video is shown at, in device pixels: the server picks the simulcast layer. */
  async setTileSize(producerId: string, width: number, height: number): Promise<void> {
    const remote = this.remote.get(producerId);
    if (!remote || remote.info.kind !== 'video') return;
    await this.request('media:set-preferred-layers', { sessionId: this.sessionId, consumerId: remote.consumer.id, width: Math.round(width), height: Math.round(height) }).catch(() => undefined);
  }

  /** Receive-side figures per consumer (also what the browser test reads). */
  async stats(): Promise<ConsumerStats[]> {
    const rows: ConsumerStats[] = [];
    for (const remote of this.remote.values()) {
      const report = await remote.consumer.getStats();
      let packetsReceived = 0;
      let bytesReceived = 0;
      let framesDecoded = 0;
      let pairId: string | undefined;
      const candidates = new Map<string, string>();
      const pairs = new Map<string, string>();
      report.forEach((s: { type: string; id: string; packetsReceived?: number; bytesReceived?: number; framesDecoded?: number; selectedCandidatePairId?: string; localCandidateId?: string; candidateType?: string }) => {
        if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
        if (s.type === 'candidate-pair' && s.localCandidateId) pairs.set(s.id, s.localCandidateId);
        if (s.type === 'local-candidate' && s.candidateType) candidates.set(s.id, s.candidateType);
        if (s.type !== 'inbound-rtp') return;
        packetsReceived += s.packetsReceived ?? 0;
        bytesReceived += s.bytesReceived ?? 0;
        framesDecoded += s.framesDecoded ?? 0;
      });
      const candidateType = pairId ? candidates.get(pairs.get(pairId) ?? '') : undefined;
      rows.push({ consumerId: remote.consumer.id, producerId: remote.info.producerId, participantId: remote.info.participantId, kind: remote.info.kind, source: remote.info.source, packetsReceived, bytesReceived, framesDecoded, ...(candidateType ? { candidateType } : {}) });
    }
    return rows;
  }

  /** Which producers this viewer receives: everything on stage, and only the chosen interpretation channel. */
  private wants(info: ProducerInfo, videos?: Set<string>): boolean {
    // Our own sends are shown from the local track.
    if (info.participantId === this.selfId) return false;
    if (info.kind === 'video') return (videos ?? this.videoChoice()).has(info.producerId);
    if (info.source === 'interpretation') return info.language === this.language;
    return true;
  }

  /** Listening to a channel pauses floor audio (and the other way round), unless the original is kept underneath. */
  private audible(info: ProducerInfo): boolean {
    if (info.kind !== 'audio') return true;
    if (info.source === 'interpretation') return info.language === this.language;
    return this.language === null || this.originalUnderneath || ![...this.producers.values()].some((p) => p.source === 'interpretation' && p.language === this.language);
  }

  private async doJoin(): Promise<void> {
    if (this.joined) return;
    this.held = [];
    try {
      const caps = await this.request<MediaCapabilitiesAck, 'media:capabilities'>('media:capabilities', { sessionId: this.sessionId });
      const device = await Device.factory();
      await device.load({ routerRtpCapabilities: caps.rtpCapabilities as types.RtpCapabilities });
      this.device = device;
      this.caps = caps;
      this.settings = caps.settings;
      this.activeSpeaker = caps.activeSpeaker;
      this.producers.clear();
      for (const p of caps.producers) this.producers.set(p.producerId, p);
      this.recvTransport = await this.createTransport('recv');
      this.replayHeld();
      this.onChange({ type: 'joined' });
      await this.syncWanted();
    } catch (error) {
      this.held = null;
      this.teardown(false);
      throw error;
    }
  }

  private replayHeld(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const notice of held) notice();
  }

  private teardown(stopTracks: boolean): void {
    for (const remote of this.remote.values()) remote.consumer.close();
    this.remote.clear();
    this.consuming.clear();
    for (const send of this.local.values()) {
      send.producer.close();
      if (stopTracks) send.track.stop();
    }
    this.local.clear();
    this.sendTransport?.close();
    this.recvTransport?.close();
    this.sendTransport = null;
    this.recvTransport = null;
    this.device = null;
    this.caps = null;
    this.producers.clear();
    this.activeSpeaker = null;
  }

  private addProducer(info: ProducerInfo): void {
    if (!this.caps) return;
    this.producers.set(info.producerId, info);
    const send = [...this.local.values()].find((l) => l.producer.id === info.producerId);
    if (send) send.info = info;
    this.onChange({ type: 'producers' });
    void this.syncWanted();
  }

  private removeProducer(producerId: string, reason: ProducerClosedReason): void {
    const info = this.producers.get(producerId);
    this.producers.delete(producerId);
    const remote = this.remote.get(producerId);
    if (remote) {
      remote.consumer.close();
      this.remote.delete(producerId);
      this.onChange({ type: 'track', producerId });
    }
    for (const [source, send] of this.local) {
      // Replaced by our own newer producer, lost with a worker, or with our own dropped
      // connection (replayed to us after it came back): a rejoin follows and republishes it.
      if (send.producer.id !== producerId || reason === 'replaced' || reason === 'worker-died' || reason === 'disconnected') continue;
      // The server closed our own producer (floor ended, moderator, rights changed): release the device.
      this.local.delete(source);
      send.producer.close();
      send.track.stop();
      this.onChange({ type: 'local-closed', source, reason });
    }
    if (info) this.onChange({ type: 'producers' });
    void this.syncWanted();
  }

  private producerPaused(m: ProducerPausedMessage): void {
    const info = this.producers.get(m.producerId);
    if (!info) return;
    info.paused = m.paused;
    info.pausedByModerator = m.pausedByModerator;
    for (const send of this.local.values()) {
      if (send.producer.id !== m.producerId) continue;
      if (m.paused) send.producer.pause();
      else send.producer.resume();
      this.onChange({ type: 'local', source: send.source });
    }
    this.onChange({ type: 'producers' });
  }

  /** One run at a time (a last-N change must free a video before taking another); calls meanwhile fold into one more run. */
  private syncWanted(): Promise<void> {
    if (this.syncQueued) return this.syncRun;
    this.syncQueued = true;
    this.syncRun = this.syncRun.then(() => {
      this.syncQueued = false;
      return this.doSyncWanted();
    }).catch((error: unknown) => this.onChange({ type: 'error', error }));
    return this.syncRun;
  }

  /** Consumes what is wanted and not yet consumed; closes what is no longer wanted; pauses what is inaudible. */
  private async doSyncWanted(): Promise<void> {
    if (!this.caps || !this.recvTransport) return;
    const videos = this.videoChoice();
    for (const [producerId, remote] of this.remote) {
      if (!this.producers.has(producerId) || !this.wants(remote.info, videos)) {
        remote.consumer.close();
        this.remote.delete(producerId);
        this.onChange({ type: 'track', producerId });
        // The server's consumer goes too: it counts against the last N (and keeps a pipe open).
        if (this.producers.has(producerId)) await this.request('media:close-consumer', { sessionId: this.sessionId, consumerId: remote.consumer.id }).catch(() => undefined);
        continue;
      }
      const audible = this.audible(remote.info);
      if (audible === remote.hidden) await this.setVisible(producerId, audible);
    }
    for (const info of this.producers.values()) {
      if (!this.wants(info, videos) || this.remote.has(info.producerId) || this.consuming.has(info.producerId)) continue;
      await this.consume(info).catch((error: unknown) => this.onChange({ type: 'error', error }));
    }
  }

  private async consume(info: ProducerInfo): Promise<void> {
    const transport = this.recvTransport;
    if (!transport) return;
    this.consuming.add(info.producerId);
    try {
      const ack = await this.request<ConsumeAck, 'media:consume'>('media:consume', { sessionId: this.sessionId, transportId: transport.id, producerId: info.producerId });
      if (transport.closed || !this.producers.has(info.producerId)) {
        await this.request('media:pause-consumer', { sessionId: this.sessionId, consumerId: ack.consumerId }).catch(() => undefined);
        return;
      }
      const consumer = await transport.consume({ id: ack.consumerId, producerId: ack.producerId, kind: ack.kind, rtpParameters: ack.rtpParameters as types.RtpParameters });
      const hidden = !this.audible(info);
      this.remote.set(info.producerId, { info: this.producers.get(info.producerId) ?? ack.producer, consumer, track: consumer.track, hidden });
      if (!hidden) await this.request('media:resume', { sessionId: this.sessionId, consumerId: ack.consumerId });
      this.onChange({ type: 'track', producerId: info.producerId });
    } finally {
      this.consuming.delete(info.producerId);
    }
  }

  private async ensureSendTransport(): Promise<types.Transport> {
    this.sendTransport ??= await this.createTransport('send');
    return this.sendTransport;
  }

  private async createTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    const device = this.device;
    if (!device) throw new Error('media device not loaded');
    const ack = await this.request<WebRtcTransportAck, 'media:create-transport'>('media:create-transport', {
      sessionId: this.sessionId,
      direction,
      type: 'webrtc',
      ...(direction === 'recv' ? { rtpCapabilities: wireRtpCapabilities(device.rtpCapabilities) } : {}),
    });
    const options = { id: ack.transportId, iceParameters: ack.iceParameters, iceCandidates: ack.iceCandidates as types.IceCandidate[], dtlsParameters: ack.dtlsParameters as types.DtlsParameters, iceServers: ack.iceServers, iceTransportPolicy: iceTransportPolicy() };
    const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      this.request('media:connect-transport', { sessionId: this.sessionId, transportId: transport.id, dtlsParameters }).then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        // publish() below is what sets appData: the source, its language, the paused flag.
        const { paused, ...data } = appData as ProduceAppData & { paused?: boolean };
        this.request<{ producerId: string }, 'media:produce'>('media:produce', { sessionId: this.sessionId, transportId: transport.id, kind, rtpParameters: wireRtpParameters(rtpParameters), appData: data, paused: paused ?? false }).then(
          ({ producerId }) => callback({ id: producerId }),
          errback,
        );
      });
    }
    let recovering: number | undefined;
    transport.on('connectionstatechange', (state) => {
      window.clearTimeout(recovering);
      if (state === 'failed') void this.restartIce(transport);
      // A short network blip often heals itself; restart ICE if it does not.
      if (state === 'disconnected') recovering = window.setTimeout(() => void this.restartIce(transport), 2000);
    });
    return transport;
  }

  private async restartIce(transport: types.Transport): Promise<void> {
    if (transport.closed) return;
    try {
      const { iceParameters } = await this.request<{ iceParameters: types.IceParameters }, 'media:restart-ice'>('media:restart-ice', { sessionId: this.sessionId, transportId: transport.id });
      await transport.restartIce({ iceParameters });
    } catch {
      // The server no longer knows the transport (restart, worker replaced): start again.
      await this.rejoin().catch((error: unknown) => this.onChange({ type: 'error', error }));
    }
  }
}
