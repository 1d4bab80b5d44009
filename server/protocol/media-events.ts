/**
 * The `media:*` part of the Socket.IO contract: WebRTC signalling for the
 * live panel (mediasoup on the server, mediasoup-client in the browser).
 * Spread into `clientEvents` (events.ts), so these events are parsed, rate
 * limited and acked like every other one.
 *
 * Flow of a viewer: `media:capabilities` (joins the session's media; the ack
 * holds the router's RTP capabilities and the producers on stage) →
 * `media:create-transport {direction:'recv', rtpCapabilities}` →
 * `media:connect-transport` (on the transport's first use) → for each
 * producer worth showing `media:consume` (the consumer starts paused) →
 * `media:resume`. A sender creates a `send` transport and calls
 * `media:produce`; the server decides whether it may.
 *
 * Server → client: `media:new-producer`, `media:producer-closed`,
 * `media:producer-paused`, `media:active-speaker`, `media:settings`,
 * `media:rejoin` (start again from `media:capabilities`: the router is gone).
 */
import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lowercase letters, digits and dashes');
/** mediasoup's ids are UUIDs. */
const mediaId = z.string().regex(/^[0-9a-fA-F-]{8,64}$/, 'must be a media id');
const sessionScoped = z.object({ sessionId: id, eventId: id.optional() });
const shortText = (max: number) => z.string().min(1).max(max);
const uint = z.number().int().min(0).max(0xffffffff);
const parameterValue = z.union([z.string().max(256), z.number()]);
const codecParameters = z.record(z.string().max(64), parameterValue).refine((p) => Object.keys(p).length <= 32, 'too many parameters');
const rtcpFeedback = z.array(z.object({ type: shortText(32), parameter: z.string().max(32).optional() })).max(32);
const kind = z.enum(['audio', 'video']);

export const rtpCapabilitiesSchema = z.object({
  codecs: z
    .array(
      z.object({
        kind,
        mimeType: shortText(64),
        preferredPayloadType: z.number().int().min(0).max(127).optional(),
        clockRate: z.number().int().min(1).max(1_000_000),
        channels: z.number().int().min(1).max(16).optional(),
        parameters: codecParameters.optional(),
        rtcpFeedback: rtcpFeedback.optional(),
      }),
    )
    .max(128)
    .optional(),
  headerExtensions: z
    .array(
      z.object({
        kind,
        uri: shortText(256),
        preferredId: z.number().int().min(1).max(255),
        preferredEncrypt: z.boolean().optional(),
        direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
      }),
    )
    .max(64)
    .optional(),
});

export const rtpParametersSchema = z.object({
  mid: z.string().max(32).optional(),
  codecs: z
    .array(
      z.object({
        mimeType: shortText(64),
        payloadType: z.number().int().min(0).max(127),
        clockRate: z.number().int().min(1).max(1_000_000),
        channels: z.number().int().min(1).max(16).optional(),
        parameters: codecParameters.optional(),
        rtcpFeedback: rtcpFeedback.optional(),
      }),
    )
    .min(1)
    .max(16),
  headerExtensions: z
    .array(z.object({ uri: shortText(256), id: z.number().int().min(1).max(255), encrypt: z.boolean().optional(), parameters: codecParameters.optional() }))
    .max(32)
    .optional(),
  encodings: z
    .array(
      z.object({
        ssrc: uint.optional(),
        rid: z.string().max(32).optional(),
        codecPayloadType: z.number().int().min(0).max(127).optional(),
        rtx: z.object({ ssrc: uint }).optional(),
        dtx: z.boolean().optional(),
        scalabilityMode: z.string().max(16).optional(),
        scaleResolutionDownBy: z.number().min(1).max(64).optional(),
        maxBitrate: z.number().int().min(0).max(100_000_000).optional(),
        maxFramerate: z.number().min(0).max(240).optional(),
        adaptivePtime: z.boolean().optional(),
        priority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
        networkPriority: z.enum(['very-low', 'low', 'medium', 'high']).optional(),
        active: z.boolean().optional(),
      }),
    )
    .max(8)
    .optional(),
  rtcp: z.object({ cname: z.string().max(256).optional(), reducedSize: z.boolean().optional(), mux: z.boolean().optional() }).optional(),
  msid: z.string().max(256).optional(),
});

export const dtlsParametersSchema = z.object({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z
    .array(z.object({ algorithm: z.enum(['sha-1', 'sha-224', 'sha-256', 'sha-384', 'sha-512']), value: shortText(256) }))
    .min(1)
    .max(8),
});

export const srtpParametersSchema = z.object({
  cryptoSuite: z.enum(['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']),
  keyBase64: shortText(256),
});

/** What a producer carries: panel microphone, camera or screen, or an interpretation channel. */
export const mediaSourceSchema = z.enum(['mic', 'camera', 'screen', 'interpretation']);
export type MediaSource = z.infer<typeof mediaSourceSchema>;
/** BCP 47 language tag, as interpreter roles carry (e.g. "fr", "zh-Hans"). */
const language = z.string().regex(/^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$/, 'must be a language tag');

export const mediaClientEvents = {
  /** (Re)joins the session's media: closes whatever this socket had there and returns the router's capabilities. */
  'media:capabilities': sessionScoped,
  'media:leave': sessionScoped,
  'media:create-transport': sessionScoped.extend({
    direction: z.enum(['send', 'recv']),
    /**
     * `plain`: RTP over UDP with SRTP, for tools without WebRTC (encoders,
     * recorders, SIP gateways). Each takes a UDP port, so only the session's
     * moderators, panelists, interpreters and organisers get one, and a
     * delegate only to send while holding the floor (else `forbidden`).
     * Transports are rationed per connection, per participant and per
     * session: past a limit, `media_limit_reached`.
     */
    type: z.enum(['webrtc', 'plain']).default('webrtc'),
    /** The device's capabilities; required for a `recv` transport. */
    rtpCapabilities: rtpCapabilitiesSchema.optional(),
  }),
  'media:connect-transport': sessionScoped.extend({
    transportId: mediaId,
    /** WebRTC transports. */
    dtlsParameters: dtlsParametersSchema.optional(),
    /** Plain transports: where the client receives, and its SRTP key. */
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    srtpParameters: srtpParametersSchema.optional(),
  }),
  'media:restart-ice': sessionScoped.extend({ transportId: mediaId }),
  'media:produce': sessionScoped.extend({
    transportId: mediaId,
    kind,
    rtpParameters: rtpParametersSchema,
    appData: z.object({
      source: mediaSourceSchema,
      /** Interpretation channels: the language spoken. */
      language: language.optional(),
      /** Video: the captured height, from which the server picks simulcast layers for each viewer. */
      height: z.number().int().min(1).max(4320).optional(),
    }),
    /** Start muted. */
    paused: z.boolean().default(false),
  }),
  'media:consume': sessionScoped.extend({ transportId: mediaId, producerId: mediaId }),
  'media:resume': sessionScoped.extend({ consumerId: mediaId }),
  'media:pause-consumer': sessionScoped.extend({ consumerId: mediaId }),
  /** Stops receiving a producer (a tile left the viewer's last N, a channel was left): frees its share of the viewer's video consumers. */
  'media:close-consumer': sessionScoped.extend({ consumerId: mediaId }),
  /** The size (CSS pixels × devicePixelRatio) the viewer shows a video at; the server picks the simulcast layer. */
  'media:set-preferred-layers': sessionScoped.extend({
    consumerId: mediaId,
    width: z.number().int().min(0).max(16384),
    height: z.number().int().min(0).max(16384),
  }),
  'media:close-producer': sessionScoped.extend({ producerId: mediaId }),
  /** Mute (owner or moderator). A producer muted by a moderator is unmuted only by a moderator. */
  'media:pause-producer': sessionScoped.extend({ producerId: mediaId }),
  'media:resume-producer': sessionScoped.extend({ producerId: mediaId }),
  /** Moderator: whether a delegate holding the floor may also send video. */
  'media:settings': sessionScoped.extend({ delegateVideo: z.boolean() }),
} as const;

export type RtpCapabilitiesInput = z.infer<typeof rtpCapabilitiesSchema>;
export type RtpParametersInput = z.infer<typeof rtpParametersSchema>;
export type DtlsParametersInput = z.infer<typeof dtlsParametersSchema>;
export type SrtpParametersInput = z.infer<typeof srtpParametersSchema>;

/** Why a producer may send: a panel seat, the floor, an interpreter's booth, a sign-language interpreter's camera, or a pre-recorded statement the server plays (issue 18). */
export type ProduceRight = 'panel' | 'floor' | 'interpretation' | 'sign' | 'playback';

export interface ProducerInfo {
  producerId: string;
  participantId: string;
  name: string;
  kind: 'audio' | 'video';
  source: MediaSource;
  right: ProduceRight;
  language: string | null;
  paused: boolean;
  pausedByModerator: boolean;
}

export interface MediaSettings {
  sessionId: string;
  delegateVideo: boolean;
}

export interface MediaCapabilitiesAck {
  sessionId: string;
  rtpCapabilities: RtpCapabilitiesInput;
  producers: ProducerInfo[];
  activeSpeaker: ActiveSpeakerMessage | null;
  settings: MediaSettings;
  /** What this caller may send right now (a delegate: only while holding the floor). */
  you: { panel: boolean; interpretationLanguages: string[]; moderator: boolean; /** A sign-language interpreter: may publish a camera. */ sign?: boolean };
  /** At most this many video consumers per connection (MEDIA_LAST_N): the client picks pinned, floor holder, active speaker. */
  lastN: number;
}

export interface WebRtcTransportAck {
  transportId: string;
  /** TURN servers with time-limited credentials, when the server has TURN configured (RTCIceServer). */
  iceServers?: { urls: string[]; username: string; credential: string }[];
  type: 'webrtc';
  direction: 'send' | 'recv';
  iceParameters: { usernameFragment: string; password: string; iceLite?: boolean };
  iceCandidates: {
    foundation: string;
    priority: number;
    address: string;
    ip?: string;
    protocol: 'udp' | 'tcp';
    port: number;
    type: 'host' | 'srflx' | 'prflx' | 'relay';
    tcpType?: 'passive' | 'active' | 'so';
  }[];
  dtlsParameters: DtlsParametersInput;
}

export interface PlainTransportAck {
  transportId: string;
  type: 'plain';
  direction: 'send' | 'recv';
  ip: string;
  port: number;
  srtpParameters: SrtpParametersInput;
}

export type CreateTransportAck = WebRtcTransportAck | PlainTransportAck;

export interface ConsumeAck {
  consumerId: string;
  producerId: string;
  kind: 'audio' | 'video';
  rtpParameters: RtpParametersInput;
  type: 'simple' | 'simulcast' | 'svc' | 'pipe';
  /** Consumers start paused: resume once the track is wired up. */
  paused: boolean;
  producerPaused: boolean;
  producer: ProducerInfo;
}

export interface NewProducerMessage {
  sessionId: string;
  producer: ProducerInfo;
}

export type ProducerClosedReason = 'closed' | 'moderator' | 'floor-ended' | 'session-ended' | 'disconnected' | 'rights-changed' | 'replaced' | 'worker-died';

export interface ProducerClosedMessage {
  sessionId: string;
  producerId: string;
  participantId: string;
  reason: ProducerClosedReason;
}

export interface ProducerPausedMessage {
  sessionId: string;
  producerId: string;
  paused: boolean;
  pausedByModerator: boolean;
}

export interface ActiveSpeakerMessage {
  sessionId: string;
  producerId: string;
  participantId: string;
}

export interface RejoinMessage {
  sessionId: string;
  reason: 'worker-died' | 'closed';
}

export const mediaServerEvents = {
  newProducer: 'media:new-producer',
  producerClosed: 'media:producer-closed',
  producerPaused: 'media:producer-paused',
  activeSpeaker: 'media:active-speaker',
  settings: 'media:settings',
  rejoin: 'media:rejoin',
} as const;
