import type { ConstituentGroup } from '../domain/participants.ts';

/**
 * `session:presence`, to a session's moderators: how many participants are
 * in the room now (each once, however many sockets, on every process), by
 * constituent group. Sent when someone joins or leaves (at most once a
 * second per session and process) and when a moderator comes in.
 */
export interface PresenceMessage {
  sessionId: string;
  total: number;
  byGroup: Partial<Record<ConstituentGroup, number>>;
  at: string;
}
