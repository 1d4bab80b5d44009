import type { PlenaryServer } from '../protocol/socket-types.ts';
import { remainingMs, warningBeforeEndMs, type QueueState } from '../domain/queue.ts';
import { serverEvents, type QueueTimerMessage } from '../protocol/events.ts';
import { sessionRoom } from './rooms.ts';

/**
 * The speaking clock's signals: the warning (one minute left) and zero.
 * Every process arms its own timers and tells only its own sockets, so with
 * several processes each client hears each signal once.
 */
export class FloorTimers {
  private readonly timers = new Map<string, NodeJS.Timeout[]>();
  private readonly io: PlenaryServer;
  private readonly clock: () => Date;

  constructor(io: PlenaryServer, clock: () => Date) {
    this.io = io;
    this.clock = clock;
  }

  /** (Re)schedules the signals for the floor in `state`; clears them when nobody has it or the clock is paused. */
  arm(state: QueueState): void {
    const key = `${state.eventId}/${state.sessionId}`;
    this.timers.get(key)?.forEach(clearTimeout);
    this.timers.delete(key);
    const floor = state.floor;
    if (!floor || floor.pausedAt) return;
    const left = remainingMs(floor, this.clock());
    const room = sessionRoom(state.eventId, state.sessionId);
    const signal = (phase: QueueTimerMessage['phase']) => () => {
      // Timers may fire a millisecond early against Date.now(); the signal means what its phase says.
      const limit = phase === 'warning' ? warningBeforeEndMs : 0;
      const message: QueueTimerMessage = { sessionId: state.sessionId, entryId: floor.entryId, phase, remainingMs: Math.min(limit, remainingMs(floor, this.clock())) };
      this.io.local.to(room).emit(serverEvents.queueTimer, message);
    };
    const handles: NodeJS.Timeout[] = [];
    if (left > warningBeforeEndMs) handles.push(setTimeout(signal('warning'), left - warningBeforeEndMs).unref());
    if (left > 0) handles.push(setTimeout(signal('expired'), left).unref());
    if (handles.length) this.timers.set(key, handles);
  }

  close(): void {
    for (const handles of this.timers.values()) handles.forEach(clearTimeout);
    this.timers.clear();
  }
}
