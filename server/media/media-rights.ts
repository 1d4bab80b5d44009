import { AppError } from '../errors.ts';
import type { SessionStatus } from '../domain/programme.ts';
import type { Caller } from '../identity/caller.ts';
import { decide } from '../identity/policy.ts';
import type { MediaSource, ProduceRight } from '../protocol/media-events.ts';
import type { MediaTier } from './media-limits.ts';

/**
 * Who may send what on a session's stage, decided on the server from the
 * caller's roles, the session status and who holds the floor. Pure: the
 * media service gathers the facts and asks.
 *
 * - Panelists and moderators (and organisers): microphone, camera and screen
 *   while the session is live.
 * - Interpreters: one audio channel in their role's language.
 * - Any other delegate: the microphone (and the camera, when the moderator
 *   allows delegates' video) only while holding the floor.
 */
export interface ProduceRequest {
  caller: Caller;
  eventId: string;
  sessionId: string;
  status: SessionStatus;
  /** The participant holding the floor now, if anyone. */
  floorHolder: string | null;
  kind: 'audio' | 'video';
  source: MediaSource;
  language?: string | undefined;
  delegateVideo: boolean;
}

const kindOf: Record<MediaSource, 'audio' | 'video'> = { mic: 'audio', interpretation: 'audio', camera: 'video', screen: 'video' };

/** The right under which the caller may send this; throws the coded refusal otherwise. */
export function produceRight(r: ProduceRequest): ProduceRight {
  if (r.caller.kind === 'anonymous') throw new AppError('unauthenticated', 'Sign in first: open your invitation link or send your token.');
  if (r.caller.kind !== 'participant') throw new AppError('forbidden', 'Only a participant can send on the stage; sign in with an invitation.');
  if (r.status !== 'live') throw new AppError('session_not_live', 'The session is not live: its moderator opens it before anyone sends.');
  if (kindOf[r.source] !== r.kind) throw new AppError('bad_request', `A ${r.source} producer carries ${kindOf[r.source]}, not ${r.kind}.`);
  const scope = { eventId: r.eventId, sessionId: r.sessionId };
  if (r.source === 'interpretation') {
    if (!r.language) throw new AppError('bad_request', 'An interpretation channel names its language (appData.language).');
    const decision = decide(r.caller, 'media.produce-interpretation', { ...scope, language: r.language });
    if (!decision.allowed) throw new AppError(decision.code, decision.message);
    return 'interpretation';
  }
  const panel = decide(r.caller, 'media.produce-panel', scope);
  if (panel.allowed) return 'panel';
  if (panel.code !== 'not_panelist') throw new AppError(panel.code, panel.message);
  // A sign-language interpreter's camera, shown (and pinnable) beside the speaker.
  if (r.source === 'camera' && decide(r.caller, 'media.produce-sign', scope).allowed) return 'sign';
  if (r.source === 'screen') throw new AppError('not_panelist', 'Only panelists share their screen on the stage.');
  if (r.floorHolder !== r.caller.participant.id) {
    throw new AppError('not_on_floor', 'You can speak once the moderator gives you the floor.');
  }
  if (r.source === 'camera' && !r.delegateVideo) {
    throw new AppError('video_not_allowed', 'In this session delegates on the floor are heard, not seen.');
  }
  return 'floor';
}

/**
 * Whether the caller may open a send transport now: some source is allowed
 * (a delegate: only while holding the floor). Same refusals as produceRight.
 */
export function mayOpenSendTransport(r: Omit<ProduceRequest, 'kind' | 'source' | 'language'>): void {
  if (r.caller.kind === 'participant') {
    const sessionId = r.sessionId;
    const languages = r.caller.participant.roles.filter((x) => x.sessionId === sessionId && x.role === 'interpreter').map((x) => x.language);
    const language = languages.find((l) => l);
    if (language) {
      try {
        produceRight({ ...r, kind: 'audio', source: 'interpretation', language });
        return;
      } catch {
        // Not live, or an interpreter who is also something else: ask as a speaker.
      }
    }
    if (r.caller.participant.roles.some((x) => x.sessionId === sessionId && x.role === 'sign_interpreter')) {
      try {
        produceRight({ ...r, kind: 'video', source: 'camera' });
        return;
      } catch {
        // Not live: refused below as anyone else would be.
      }
    }
  }
  produceRight({ ...r, kind: 'audio', source: 'mic' });
}

/** The languages this caller interprets into in the session. */
export function interpretationLanguages(caller: Caller, sessionId: string): string[] {
  if (caller.kind !== 'participant') return [];
  return caller.participant.roles.filter((x) => x.sessionId === sessionId && x.role === 'interpreter' && x.language).map((x) => x.language as string);
}

/** How a caller's transports are rationed in the session (see media-limits.ts). */
export function mediaTier(caller: Caller, eventId: string, sessionId: string): MediaTier {
  if (caller.kind === 'organizer-token') return 'automation';
  if (caller.kind !== 'participant') return 'audience';
  // Organisers, moderators and panelists all hold the panel right.
  if (decide(caller, 'media.produce-panel', { eventId, sessionId }).allowed) return 'staff';
  const interpreter = caller.participant.roles.some((r) => r.sessionId === sessionId && (r.role === 'interpreter' || r.role === 'sign_interpreter'));
  return interpreter && decide(caller, 'media.consume', { eventId, sessionId }).allowed ? 'staff' : 'audience';
}

export interface TransportRequest extends Omit<ProduceRequest, 'kind' | 'source' | 'language'> {
  direction: 'send' | 'recv';
  type: 'webrtc' | 'plain';
}

/**
 * Whether the caller may open this transport now; returns the tier its
 * transports are rationed under. A send transport needs a right to send
 * (mayOpenSendTransport; for a recv one the floor facts are not read). Plain
 * RTP is for tools (encoders, recorders, SIP gateways) and takes a UDP port
 * each, so the audience gets none for receiving (browsers use WebRTC, which
 * shares the worker's one port); sending on plain RTP needs the send right
 * checked first, which for the audience means holding the floor.
 */
export function transportRight(r: TransportRequest): MediaTier {
  if (r.direction === 'send') mayOpenSendTransport(r);
  const tier = mediaTier(r.caller, r.eventId, r.sessionId);
  if (r.type === 'plain' && r.direction === 'recv' && tier === 'audience') {
    throw new AppError('forbidden', 'Plain RTP transports are for the session’s moderators, panelists, interpreters and organisers’ tools; receive over WebRTC.');
  }
  return tier;
}
