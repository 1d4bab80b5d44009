import type { ConstituentGroup } from '../domain/participants.ts';
import type { Logger } from '../logger.ts';
import type { PresenceMessage } from '../protocol/presence.ts';
import type { PlenaryServer } from '../protocol/socket-types.ts';
import type { AttendanceService } from '../services/attendance-service.ts';
import { moderatorRoom, sessionRoom } from './rooms.ts';

interface Held {
  participantId: string;
  eventId: string;
  sessionId: string;
}

const sessionRoomPattern = /^s:([^/]+)\/([^:]+)$/;
const moderatorRoomPattern = /^s:([^/]+)\/([^:]+):mod$/;

/**
 * Records attendance from the session rooms themselves: a socket entering
 * a session's room (session:join, a role change that lets it back in, a
 * connection recovered with its rooms) is a join; leaving it (session:leave,
 * being removed, a disconnect, which leaves every room) is a leave. The
 * adapter announces both for this process's sockets, whatever put them
 * there, so membership.ts needs no hooks and nothing is missed.
 *
 * Moderators also hear `session:presence` (who is in the room, by group,
 * on every process), after joins and leaves, at most once a second per
 * session from each process.
 */
export function attachAttendance(io: PlenaryServer, attendance: AttendanceService, logger: Logger, options: { presenceDelayMs?: number } = {}): { stop(): Promise<void> } {
  const adapter = io.of('/').adapter;
  const held = new Map<string, Held>(); // `${socketId} ${room}`
  const due = new Map<string, NodeJS.Timeout>();
  const delay = options.presenceDelayMs ?? 1000;

  const schedulePresence = (eventId: string, sessionId: string): void => {
    const key = `${eventId}/${sessionId}`;
    if (due.has(key)) return;
    due.set(
      key,
      setTimeout(() => {
        due.delete(key);
        presence(io, eventId, sessionId).then(
          (message) => io.to(moderatorRoom(eventId, sessionId)).emit('session:presence', message),
          (error: unknown) => logger.warn({ err: error, eventId, sessionId }, 'could not count who is present'),
        );
      }, delay).unref(),
    );
  };

  const onJoin = (room: string, socketId: string): void => {
    const mod = moderatorRoomPattern.exec(room);
    if (mod) {
      schedulePresence(mod[1]!, mod[2]!);
      return;
    }
    const match = sessionRoomPattern.exec(room);
    if (!match) return;
    const socket = io.of('/').sockets.get(socketId);
    const caller = socket?.data.caller;
    if (caller?.kind !== 'participant') return; // the organiser token is nobody: not an attendee
    if (isProjector(socket?.handshake.auth)) return; // a screen in the hall, not its account's attendance
    const entry: Held = { participantId: caller.participant.id, eventId: match[1]!, sessionId: match[2]! };
    held.set(`${socketId} ${room}`, entry);
    void attendance.joined(caller.participant, entry.eventId, entry.sessionId, socketId);
    schedulePresence(entry.eventId, entry.sessionId);
  };

  const onLeave = (room: string, socketId: string): void => {
    const entry = held.get(`${socketId} ${room}`);
    if (!entry) return;
    held.delete(`${socketId} ${room}`);
    void attendance.left(entry.participantId, entry.eventId, entry.sessionId, socketId);
    schedulePresence(entry.eventId, entry.sessionId);
  };

  adapter.on('join-room', onJoin);
  adapter.on('leave-room', onLeave);

  return {
    /** A clean stop: every connection this process holds is recorded as left, before the sockets close. */
    async stop() {
      adapter.off('join-room', onJoin);
      adapter.off('leave-room', onLeave);
      for (const timer of due.values()) clearTimeout(timer);
      due.clear();
      const open = [...held.entries()].map(([key, h]) => ({ ...h, connection: key.slice(0, key.indexOf(' ')) }));
      held.clear();
      await attendance.stop(open);
    },
  };
}

/** Who is in the session room now, on every process, each participant once. */
export async function presence(io: PlenaryServer, eventId: string, sessionId: string): Promise<PresenceMessage> {
  const sockets = await io.in(sessionRoom(eventId, sessionId)).fetchSockets();
  const groups = new Map<string, ConstituentGroup>();
  for (const s of sockets) {
    const caller = s.data.caller;
    if (caller?.kind === 'participant' && !isProjector(s.handshake.auth)) groups.set(caller.participant.id, caller.participant.group);
  }
  const byGroup: PresenceMessage['byGroup'] = {};
  for (const group of groups.values()) byGroup[group] = (byGroup[group] ?? 0) + 1;
  return { sessionId, total: groups.size, byGroup, at: new Date().toISOString() };
}

/**
 * The projector view (client/projector.entry.ts) says so when it connects:
 * it is a screen in the hall showing the session, opened with a
 * moderator's or organiser's account, so neither attendance nor presence
 * counts it. Only a socket that says so is left out, and only itself.
 */
function isProjector(auth: unknown): boolean {
  return typeof auth === 'object' && auth !== null && (auth as { view?: unknown }).view === 'projector';
}
