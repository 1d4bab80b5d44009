import { AppError } from '../errors.ts';

/**
 * How much of a session's media one caller may hold. Transports are what a
 * caller can pile up (each costs worker memory and CPU, and a plain one a
 * UDP port from MEDIA_RTC_MIN_PORT..MAX_PORT shared by every session on the
 * process), so they are rationed per socket, per participant over all their
 * sockets, and per session, with room kept back for the people the session
 * cannot run without.
 *
 * - `audience`: any other participant. A browser needs one recv transport,
 *   and one send transport while holding the floor.
 * - `staff`: the session's moderators, panelists and interpreters, and
 *   organisers: they publish, and may run tools on plain RTP.
 * - `automation`: the standing organiser token, shared by every encoder,
 *   recorder and gateway an organiser runs.
 */
export type MediaTier = 'audience' | 'staff' | 'automation';

export interface MediaLimits {
  /** Transports on one socket (a browser tab needs two: send and recv). */
  transportsPerSocket: number;
  /** Transports one participant holds in a session, over all their sockets. */
  transportsPerParticipant: Readonly<Record<MediaTier, number>>;
  /**
   * Plain transports one participant holds in a session: each takes a UDP
   * port. The audience's one is a send transport while holding the floor
   * (a recv one is refused outright, see media-rights.ts).
   */
  plainPerParticipant: Readonly<Record<MediaTier, number>>;
  /** Transports in one session on this process. */
  transportsPerSession: number;
  /** Of transportsPerSession, the part only staff and automation may take, so a full audience never locks out a panelist. */
  staffReserve: number;
}

export const defaultMediaLimits: MediaLimits = {
  transportsPerSocket: 4,
  // Two tabs or devices for a delegate; a panelist's laptop, phone and a tool or two.
  transportsPerParticipant: { audience: 4, staff: 8, automation: 32 },
  plainPerParticipant: { audience: 1, staff: 4, automation: 16 },
  // The interactive tier is hundreds, not thousands (everyone else follows the HLS webcast).
  transportsPerSession: 2000,
  staffReserve: 100,
};

/** What a caller already holds (including transports being made right now). */
export interface TransportUse {
  socket: number;
  participant: number;
  participantPlain: number;
  session: number;
}

/** Throws the coded refusal when one more transport of this type would break a limit. */
export function checkTransportLimits(limits: MediaLimits, tier: MediaTier, type: 'webrtc' | 'plain', use: TransportUse): void {
  if (use.socket >= limits.transportsPerSocket) {
    throw new AppError('media_limit_reached', `At most ${limits.transportsPerSocket} media transports per connection; close one first.`);
  }
  const perParticipant = limits.transportsPerParticipant[tier];
  if (use.participant >= perParticipant) {
    throw new AppError(
      'media_limit_reached',
      `You already hold ${use.participant} media transports in this session, the most one participant may; close another tab or device first.`,
    );
  }
  if (type === 'plain' && use.participantPlain >= limits.plainPerParticipant[tier]) {
    throw new AppError('media_limit_reached', `At most ${limits.plainPerParticipant[tier]} plain RTP transports per participant in a session; close one first.`);
  }
  const sessionCap = tier === 'audience' ? limits.transportsPerSession - limits.staffReserve : limits.transportsPerSession;
  if (use.session >= sessionCap) {
    throw new AppError(
      'media_limit_reached',
      tier === 'audience'
        ? 'The live stage of this session is full; follow it on the webcast, or try again in a while.'
        : 'This session holds as many media transports as this server allows; close unused ones first.',
    );
  }
}

/** Limits from a partial override (a tuned deployment, or a test that wants small numbers). */
export function mediaLimits(override: Partial<MediaLimits> = {}): MediaLimits {
  return {
    ...defaultMediaLimits,
    ...override,
    transportsPerParticipant: { ...defaultMediaLimits.transportsPerParticipant, ...override.transportsPerParticipant },
    plainPerParticipant: { ...defaultMediaLimits.plainPerParticipant, ...override.plainPerParticipant },
  };
}
