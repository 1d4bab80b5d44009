import { z } from 'zod';
import { AppError } from '../errors.ts';

/**
 * A session's running order (issue 18): its script, an ordered list of
 * items (a statement by a named speaker, live or pre-recorded; a panel;
 * the open floor with the speaker queue; a break), each with a planned
 * duration, and which one is running. Pure: the service
 * (services/running-order-service.ts) stores it under compare-and-set.
 *
 * Planned against actual: each item keeps the time it actually ran
 * (`actualMs`, summed over every span it was current, so going back to an
 * item adds to it), `startedAt` of its current span and `endedAt` of its
 * last; the overrun is what ran beyond the plan.
 */
export const runItemKinds = ['statement', 'panel', 'floor', 'break'] as const;
export type RunItemKind = (typeof runItemKinds)[number];
export type RunItemStatus = 'pending' | 'current' | 'done';

/** A pre-recorded statement's video, once uploaded and probed (the file itself: services/recording-store.ts). */
export interface RunRecording {
  /** The file under the data directory, relative to it. */
  file: string;
  container: 'mp4' | 'webm' | 'mkv';
  bytes: number;
  sha256: string;
  durationMs: number;
  video: boolean;
  audio: boolean;
  uploadedAt: string;
  uploadedBy: string | null;
  /**
   * A moderator or organiser has watched it and cleared it for the floor:
   * only an approved video is played (an upload, or a replacement, starts
   * unapproved).
   */
  approvedAt?: string;
  approvedBy?: string | null;
}

export interface RunItem {
  id: string;
  kind: RunItemKind;
  title: string;
  /** Who speaks (a name, or a placeholder such as "Head of State of …"). */
  speaker?: string;
  /** The speaker as a participant of the event, when known. */
  speakerId?: string;
  prerecorded?: boolean;
  plannedMs: number;
  languages?: string[];
  status: RunItemStatus;
  startedAt?: string;
  endedAt?: string;
  actualMs: number;
  recording?: RunRecording;
}

export interface RunningOrder {
  eventId: string;
  sessionId: string;
  version: number;
  currentItemId: string | null;
  items: RunItem[];
}

const maxPlannedMs = 12 * 3600_000;
export const runItemIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** What an editor sends for one item (PUT …/running-order). */
export const runItemInput = z.strictObject({
  id: z.string().regex(runItemIdPattern, 'must be letters, digits, _ or - (at most 64)'),
  kind: z.enum(runItemKinds),
  title: z.string().trim().min(1).max(300),
  speaker: z.string().trim().min(1).max(200).optional(),
  speakerId: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/).optional(),
  prerecorded: z.boolean().optional(),
  plannedMs: z.number().int().min(0).max(maxPlannedMs),
  languages: z.array(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)).max(20).optional(),
});
export type RunItemInput = z.infer<typeof runItemInput>;

export const runningOrderInput = z.strictObject({
  /** The version the editor started from: refused with running_order_changed when someone saved since. */
  version: z.number().int().min(0).optional(),
  items: z.array(runItemInput).max(200),
});
export type RunningOrderInput = z.infer<typeof runningOrderInput>;

export function emptyRunningOrder(eventId: string, sessionId: string): RunningOrder {
  return { eventId, sessionId, version: 0, currentItemId: null, items: [] };
}

/**
 * The new script: items keep what already happened to them (status,
 * times, recording) when their id stays; the running item cannot be
 * removed; a pre-recorded flag only on statements; a speakerId must be a
 * participant of the event (`knownSpeaker`).
 */
export function editRunningOrder(order: RunningOrder, input: RunningOrderInput, knownSpeaker: (id: string) => boolean): RunningOrder {
  if (input.version !== undefined && input.version !== order.version) {
    throw new AppError('running_order_changed', 'Someone changed the running order since you opened it; reload it and edit again.', { version: order.version });
  }
  const seen = new Set<string>();
  for (const item of input.items) {
    if (seen.has(item.id)) throw new AppError('invalid_running_order', `Two items have the id ${item.id}.`);
    seen.add(item.id);
    if (item.prerecorded && item.kind !== 'statement') throw new AppError('invalid_running_order', 'Only a statement can be pre-recorded.');
    if (item.speakerId && !knownSpeaker(item.speakerId)) throw new AppError('unknown_speaker', `There is no participant ${item.speakerId} in this event.`);
  }
  if (order.currentItemId && !seen.has(order.currentItemId)) {
    throw new AppError('invalid_running_order', 'The item in progress cannot be removed; advance past it first.');
  }
  const before = new Map(order.items.map((i) => [i.id, i]));
  const items = input.items.map((next): RunItem => {
    const old = before.get(next.id);
    const item: RunItem = {
      id: next.id,
      kind: next.kind,
      title: next.title,
      plannedMs: next.plannedMs,
      status: old?.status ?? 'pending',
      actualMs: old?.actualMs ?? 0,
      ...(next.speaker ? { speaker: next.speaker } : {}),
      ...(next.speakerId ? { speakerId: next.speakerId } : {}),
      ...(next.prerecorded ? { prerecorded: true } : {}),
      ...(next.languages ? { languages: next.languages } : {}),
      ...(old?.startedAt ? { startedAt: old.startedAt } : {}),
      ...(old?.endedAt ? { endedAt: old.endedAt } : {}),
      // A recording belongs to a pre-recorded statement; unflagging it drops the video.
      ...(old?.recording && next.prerecorded ? { recording: old.recording } : {}),
    };
    return item;
  });
  return { ...order, version: order.version + 1, items };
}

/**
 * The moderator moves to `itemId` (forward or back), or stops (null): the
 * item that ran ends now and adds its span to its actual time; the new one
 * starts now. Moving to the item already running changes nothing (the same
 * object is returned), so a resent advance is harmless.
 */
export function advance(order: RunningOrder, itemId: string | null, now: Date): RunningOrder {
  if (itemId === order.currentItemId) return order;
  if (itemId !== null && !order.items.some((i) => i.id === itemId)) throw new AppError('run_item_not_found', 'There is no such item in the running order.');
  const at = now.toISOString();
  const items = order.items.map((item): RunItem => {
    if (item.id === order.currentItemId) {
      const span = item.startedAt ? Math.max(0, now.getTime() - Date.parse(item.startedAt)) : 0;
      return { ...item, status: 'done', endedAt: at, actualMs: item.actualMs + span };
    }
    if (item.id === itemId) {
      const { endedAt: _ended, ...rest } = item;
      return { ...rest, status: 'current', startedAt: at };
    }
    return item;
  });
  return { ...order, version: order.version + 1, currentItemId: itemId, items };
}

/** Attaches (or replaces) a pre-recorded statement's video. */
export function attachRecording(order: RunningOrder, itemId: string, recording: RunRecording): RunningOrder {
  const item = order.items.find((i) => i.id === itemId);
  if (!item) throw new AppError('run_item_not_found', 'There is no such item in the running order.');
  if (item.kind !== 'statement' || !item.prerecorded) throw new AppError('not_prerecorded', 'Only a pre-recorded statement takes a video.');
  if (item.id === order.currentItemId) throw new AppError('invalid_running_order', 'The statement is playing; advance past it before replacing its video.');
  return { ...order, version: order.version + 1, items: order.items.map((i) => (i.id === itemId ? { ...i, recording } : i)) };
}

/** Clears a pre-recorded statement's video for the floor (again: nothing changes). */
export function approveRecording(order: RunningOrder, itemId: string, by: string | null, now: Date): RunningOrder {
  const item = order.items.find((i) => i.id === itemId);
  if (!item) throw new AppError('run_item_not_found', 'There is no such item in the running order.');
  if (!item.recording) throw new AppError('not_prerecorded', 'This statement has no video to approve yet.');
  if (item.recording.approvedAt) return order;
  const recording = { ...item.recording, approvedAt: now.toISOString(), approvedBy: by };
  return { ...order, version: order.version + 1, items: order.items.map((i) => (i.id === itemId ? { ...i, recording } : i)) };
}

/** Time an item has run so far: its finished spans and, if it is running, the current one. */
export function elapsedMs(item: RunItem, now: Date): number {
  const running = item.status === 'current' && item.startedAt ? Math.max(0, now.getTime() - Date.parse(item.startedAt)) : 0;
  return item.actualMs + running;
}

/** Planned against actual per item, and the overrun (what ran beyond the plan; 0 if none), for the moderator and the record. */
export function timings(order: RunningOrder, now: Date): { id: string; title: string; plannedMs: number; actualMs: number; overrunMs: number; status: RunItemStatus }[] {
  return order.items.map((item) => {
    const actualMs = elapsedMs(item, now);
    return { id: item.id, title: item.title, plannedMs: item.plannedMs, actualMs, overrunMs: Math.max(0, actualMs - item.plannedMs), status: item.status };
  });
}

/** run:state's view of an item: no file path, only what a viewer needs of the recording. */
export interface RunItemView {
  id: string;
  kind: RunItemKind;
  title: string;
  speaker?: string;
  prerecorded?: boolean;
  plannedMs: number;
  languages?: string[];
  status: RunItemStatus;
  startedAt?: string;
  endedAt?: string;
  actualMs: number;
  recording?: { durationMs: number; video: boolean; audio: boolean; uploadedAt: string; approved: boolean };
}

export function viewOfItem(item: RunItem): RunItemView {
  const { recording, speakerId: _speakerId, ...rest } = item;
  return recording
    ? { ...rest, recording: { durationMs: recording.durationMs, video: recording.video, audio: recording.audio, uploadedAt: recording.uploadedAt, approved: Boolean(recording.approvedAt) } }
    : rest;
}
