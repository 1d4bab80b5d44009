import { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Localized } from './programme.ts';
import { protocolRank, sortByProtocol, type ProtocolOrder, type ProtocolRank } from './running-order-protocol.ts';
import type { StatementMeta } from './statements.ts';
import { hasStarted } from './run-item-started.ts';

export { hasStarted };

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
  /**
   * The stage copy: transcoded once, at upload, to the one format the stage
   * plays (VP8/Opus WebM at a fixed size and rate), so playback only copies
   * packets. Absent on videos uploaded before transcoding existed: those are
   * encoded while they play, as before.
   */
  stage?: RunStage;
}

export interface RunStage {
  status: 'processing' | 'ready' | 'failed';
  /** 0 to 1, while processing. */
  progress: number;
  /** The transcoded file under the data directory, once ready. */
  file?: string;
  /** Why it failed, for the organiser (ffmpeg's last words are in the log). */
  error?: string;
}

/**
 * A pre-recorded statement's playback on the stage. `at` is when it entered
 * this state, so a playing statement's position is `positionMs` plus the
 * time since `at`: every process (and a restarted one) can tell where it is.
 * `interrupted`: the process playing it stopped (a restart); the moderator
 * resumes it from `positionMs`.
 */
export type PlaybackState = 'playing' | 'paused' | 'interrupted' | 'stopped' | 'ended';
export interface RunPlayback {
  state: PlaybackState;
  positionMs: number;
  at: string;
}
export const playbackActions = ['pause', 'resume', 'stop'] as const;
export type PlaybackAction = (typeof playbackActions)[number];

export interface RunItem {
  id: string;
  kind: RunItemKind;
  title: string;
  /** Who speaks (a name, or a placeholder such as "Head of State of …"). */
  speaker?: string;
  /** The speaker as a participant of the event, when known. */
  speakerId?: string;
  prerecorded?: boolean;
  /** The speaker's protocol rank (statements listed in advance), for sorting in protocol order. */
  protocol?: ProtocolRank;
  plannedMs: number;
  languages?: string[];
  status: RunItemStatus;
  startedAt?: string;
  endedAt?: string;
  actualMs: number;
  recording?: RunRecording;
  playback?: RunPlayback;
  /** The statement's text for the interpreters (PDF or plain text; the bytes are stored apart, services/running-order-service.ts). */
  text?: StatementMeta;
  /**
   * The title and speaker in several languages (the seeded orders: Chinese,
   * English and the seed's own French and Spanish); `title` and `speaker`
   * are the English. Dropped when an editor changes the title or speaker,
   * since the translations would no longer say the same.
   */
  localized?: RunItemLocalized;
}

export interface RunItemLocalized {
  title: Localized;
  speaker?: Localized;
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

const localizedText = z.strictObject({
  zh: z.string().trim().min(1).max(300),
  en: z.string().trim().min(1).max(300),
  ar: z.string().trim().min(1).max(300).optional(),
  fr: z.string().trim().min(1).max(300).optional(),
  ru: z.string().trim().min(1).max(300).optional(),
  es: z.string().trim().min(1).max(300).optional(),
});

/** What an editor sends for one item (PUT …/running-order). */
export const runItemInput = z.strictObject({
  id: z.string().regex(runItemIdPattern, 'must be letters, digits, _ or - (at most 64)'),
  kind: z.enum(runItemKinds),
  title: z.string().trim().min(1).max(300),
  speaker: z.string().trim().min(1).max(200).optional(),
  speakerId: z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/).optional(),
  prerecorded: z.boolean().optional(),
  protocol: protocolRank.optional(),
  plannedMs: z.number().int().min(0).max(maxPlannedMs),
  languages: z.array(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)).max(20).optional(),
  localized: z
    .strictObject({
      title: localizedText,
      speaker: localizedText.optional(),
    })
    .optional(),
});
export type RunItemInput = z.infer<typeof runItemInput>;

export const runningOrderInput = z.strictObject({
  /** The version the editor started from: refused with running_order_changed when someone saved since. */
  version: z.number().int().min(0).optional(),
  items: z.array(runItemInput).max(200),
  /** `protocol`: the ranked statements are put in the event's protocol order first (domain/running-order-protocol.ts). */
  sort: z.enum(['protocol']).optional(),
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
export function editRunningOrder(order: RunningOrder, input: RunningOrderInput, knownSpeaker: (id: string) => boolean, protocol?: ProtocolOrder): RunningOrder {
  if (input.version !== undefined && input.version !== order.version) {
    throw new AppError('running_order_changed', 'Someone changed the running order since you opened it; reload it and edit again.', { version: order.version });
  }
  const seen = new Set<string>();
  for (const item of input.items) {
    if (seen.has(item.id)) throw new AppError('invalid_running_order', `Two items have the id ${item.id}.`);
    seen.add(item.id);
    if (item.prerecorded && item.kind !== 'statement') throw new AppError('invalid_running_order', 'Only a statement can be pre-recorded.');
    if (item.protocol && item.kind !== 'statement') throw new AppError('invalid_running_order', 'Only a statement’s speaker has a protocol rank.');
    if (item.speakerId && !knownSpeaker(item.speakerId)) throw new AppError('unknown_speaker', `There is no participant ${item.speakerId} in this event.`);
  }
  if (order.currentItemId && !seen.has(order.currentItemId)) {
    throw new AppError('invalid_running_order', 'The item in progress cannot be removed; advance past it first.');
  }
  const before = new Map(order.items.map((i) => [i.id, i]));
  const listed = input.sort === 'protocol' ? sortByProtocol(input.items, protocol) : input.items;
  const items = listed.map((next): RunItem => {
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
      ...(next.protocol ? { protocol: next.protocol } : {}),
      ...(next.languages ? { languages: next.languages } : {}),
      ...(old?.startedAt ? { startedAt: old.startedAt } : {}),
      ...(old?.endedAt ? { endedAt: old.endedAt } : {}),
      // A recording belongs to a pre-recorded statement; unflagging it drops the video.
      ...(old?.recording && next.prerecorded ? { recording: old.recording } : {}),
      ...(old?.recording && old.playback && next.prerecorded ? { playback: old.playback } : {}),
      ...(old?.text && next.kind === 'statement' ? { text: old.text } : {}),
      ...localizedOf(next, old),
    };
    return item;
  });
  return { ...order, version: order.version + 1, items };
}

/** The translations sent, else the ones kept while the title and speaker stay as they were. */
function localizedOf(next: RunItemInput, old: RunItem | undefined): { localized?: RunItemLocalized } {
  if (next.localized) return { localized: next.localized.speaker ? { title: next.localized.title, speaker: next.localized.speaker } : { title: next.localized.title } };
  if (old?.localized && old.title === next.title && old.speaker === next.speaker) return { localized: old.localized };
  return {};
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
    if (item.id === order.currentItemId) return finish(item, now, 'stopped');
    if (item.id === itemId) {
      // Going (back) to a pre-recorded statement plays it from the start, if it can be played; one the session's end
      // interrupted (endRun) plays on from where it was, so a reopened session resumes it.
      const { endedAt: _ended, playback: _playback, ...rest } = item;
      return { ...rest, status: 'current', startedAt: at, ...(playable(item) ? { playback: { state: 'playing', positionMs: resumeFrom(item), at } } : {}) };
    }
    return item;
  });
  return { ...order, version: order.version + 1, currentItemId: itemId, items };
}

/** Where advancing to an item plays its video from: where the session's end interrupted it, else the start. */
function resumeFrom(item: RunItem): number {
  const p = item.playback;
  if (p?.state !== 'interrupted') return 0;
  return item.recording && p.positionMs >= item.recording.durationMs ? 0 : p.positionMs;
}

/** The running item ends now: its span added to its actual time; a statement video still going is left at its position. */
function finish(item: RunItem, now: Date, state: 'stopped' | 'ended' | 'interrupted'): RunItem {
  const at = now.toISOString();
  const span = item.startedAt ? Math.max(0, now.getTime() - Date.parse(item.startedAt)) : 0;
  const ended: RunItem = { ...item, status: 'done', endedAt: at, actualMs: item.actualMs + span };
  if (!item.playback) return ended;
  if (item.playback.state === 'stopped' || item.playback.state === 'ended') return ended;
  const positionMs = state === 'ended' ? (item.recording?.durationMs ?? positionOf(item, now)) : positionOf(item, now);
  return { ...ended, playback: { state, positionMs, at } };
}

/** Whether an item's video may go on the stage: approved, and its stage copy ready (or made before stage copies existed). */
export function playable(item: RunItem): boolean {
  const r = item.recording;
  return Boolean(item.kind === 'statement' && item.prerecorded && r?.approvedAt && (!r.stage || r.stage.status === 'ready'));
}

/** Where a statement's video is (ms into it) at `now`, never beyond its end. */
export function positionOf(item: RunItem, now: Date): number {
  const p = item.playback;
  if (!p) return 0;
  const running = p.state === 'playing' ? Math.max(0, now.getTime() - Date.parse(p.at)) : 0;
  const position = p.positionMs + running;
  return item.recording ? Math.min(position, item.recording.durationMs) : position;
}

/** A new object for the current item changed by `change`, the order's version moved on. */
function withCurrent(order: RunningOrder, change: (item: RunItem) => RunItem, currentItemId: string | null = order.currentItemId): RunningOrder {
  return { ...order, version: order.version + 1, currentItemId, items: order.items.map((i) => (i.id === order.currentItemId ? change(i) : i)) };
}

/**
 * The moderator pauses, resumes or stops the statement video in progress.
 * Pause keeps its position; resume plays on from there (also after an
 * interruption); stop ends the item as the video's end would (its actual
 * time recorded), leaving the next step to the moderator. A resent action
 * (paused twice) changes nothing.
 */
export function controlPlayback(order: RunningOrder, itemId: string, action: PlaybackAction, now: Date): RunningOrder {
  const item = order.items.find((i) => i.id === itemId);
  if (!item) throw new AppError('run_item_not_found', 'There is no such item in the running order.');
  const p = item.playback;
  if (order.currentItemId !== itemId || !p || p.state === 'stopped' || p.state === 'ended') {
    throw new AppError('not_playing', 'No statement video is playing or paused on that item.');
  }
  const at = now.toISOString();
  if (action === 'pause') {
    if (p.state !== 'playing') return order;
    return withCurrent(order, (i) => ({ ...i, playback: { state: 'paused', positionMs: positionOf(i, now), at } }));
  }
  if (action === 'resume') {
    if (p.state === 'playing') return order;
    if (!playable(item)) throw new AppError('recording_not_ready', 'That video cannot be played now.');
    return withCurrent(order, (i) => ({ ...i, playback: { state: 'playing', positionMs: p.positionMs, at } }));
  }
  return withCurrent(order, (i) => finish(i, now, 'stopped'), null);
}

/**
 * The video of the play that began at `startedAt` reached its end: the item
 * ends by itself, with its actual time; the next one waits for the
 * moderator. Anything else since (a pause, a move) makes it stale: no change.
 */
export function playbackEnded(order: RunningOrder, itemId: string, startedAt: string, now: Date): RunningOrder {
  const item = order.items.find((i) => i.id === order.currentItemId);
  if (!item || item.id !== itemId || item.playback?.state !== 'playing' || item.playback.at !== startedAt) return order;
  return withCurrent(order, (i) => finish(i, now, 'ended'), null);
}

/**
 * The process playing the statement stopped (shut down, or its ffmpeg
 * failed): it is marked interrupted at `positionMs` (where it was, when
 * known; else where that play began, so nothing is skipped) for the
 * moderator to resume. Stale (another play since): no change.
 */
export function playbackInterrupted(order: RunningOrder, itemId: string, startedAt: string | null, positionMs: number | null, now: Date): RunningOrder {
  const item = order.items.find((i) => i.id === order.currentItemId);
  const p = item?.playback;
  if (!item || item.id !== itemId || p?.state !== 'playing' || (startedAt !== null && p.at !== startedAt)) return order;
  return withCurrent(order, (i) => ({ ...i, playback: { state: 'interrupted', positionMs: Math.min(positionMs ?? p.positionMs, i.recording?.durationMs ?? Infinity), at: now.toISOString() } }));
}

/**
 * The session ended or was cancelled at `at`: the item in progress ends
 * then (its actual time fixed, so the record stops counting) and nothing
 * runs any more. A statement video still going is marked interrupted at
 * the position it reached, not stopped, so that advancing to it in a
 * reopened session plays on from there. Nothing running: no change (the
 * same object), so every process may try and only the first writes.
 */
export function endRun(order: RunningOrder, at: Date): RunningOrder {
  if (order.currentItemId === null) return order;
  // Never before the item began (a sweep ending it at the session's last update, when no process saw the end).
  return withCurrent(order, (i) => finish(i, i.startedAt && Date.parse(i.startedAt) > at.getTime() ? new Date(i.startedAt) : at, 'interrupted'), null);
}

/**
 * The stage copy of the video with this hash progressed, is ready or
 * failed (a replaced upload's news changes nothing). Ready on the item
 * running, approved: it starts playing.
 */
export function updateStage(order: RunningOrder, itemId: string, sha256: string, stage: RunStage, now: Date): RunningOrder {
  const item = order.items.find((i) => i.id === itemId);
  if (!item?.recording || item.recording.sha256 !== sha256 || item.recording.stage?.status !== 'processing') return order;
  const recording = { ...item.recording, stage };
  const next: RunItem = { ...item, recording };
  const starts = item.id === order.currentItemId && !item.playback && playable(next);
  const changed: RunItem = starts ? { ...next, playback: { state: 'playing', positionMs: 0, at: now.toISOString() } } : next;
  return { ...order, version: order.version + 1, items: order.items.map((i) => (i.id === itemId ? changed : i)) };
}

/** Attaches (or replaces) a pre-recorded statement's video. */
export function attachRecording(order: RunningOrder, itemId: string, recording: RunRecording): RunningOrder {
  const item = order.items.find((i) => i.id === itemId);
  if (!item) throw new AppError('run_item_not_found', 'There is no such item in the running order.');
  if (item.kind !== 'statement' || !item.prerecorded) throw new AppError('not_prerecorded', 'Only a pre-recorded statement takes a video.');
  if (item.id === order.currentItemId) throw new AppError('invalid_running_order', 'The statement is playing; advance past it before replacing its video.');
  const replace = (i: RunItem): RunItem => {
    const { playback: _old, ...rest } = i;
    return { ...rest, recording };
  };
  return { ...order, version: order.version + 1, items: order.items.map((i) => (i.id === itemId ? replace(i) : i)) };
}

/** Attaches (or replaces) a statement's text for the interpreters: any statement, live or pre-recorded. */
export function attachText(order: RunningOrder, itemId: string, text: StatementMeta): RunningOrder {
  const item = order.items.find((i) => i.id === itemId);
  if (!item) throw new AppError('run_item_not_found', 'There is no such item in the running order.');
  if (item.kind !== 'statement') throw new AppError('invalid_running_order', 'Only a statement takes a text.');
  return { ...order, version: order.version + 1, items: order.items.map((i) => (i.id === itemId ? { ...i, text } : i)) };
}

/** Clears a pre-recorded statement's video for the floor (again: nothing changes). */
export function approveRecording(order: RunningOrder, itemId: string, by: string | null, now: Date): RunningOrder {
  const item = order.items.find((i) => i.id === itemId);
  if (!item) throw new AppError('run_item_not_found', 'There is no such item in the running order.');
  if (!item.recording) throw new AppError('not_prerecorded', 'This statement has no video to approve yet.');
  if (item.recording.approvedAt) return order;
  const recording = { ...item.recording, approvedAt: now.toISOString(), approvedBy: by };
  const next: RunItem = { ...item, recording };
  // Approving the statement running starts it (once its stage copy is ready).
  const starts = item.id === order.currentItemId && !item.playback && playable(next);
  const changed: RunItem = starts ? { ...next, playback: { state: 'playing', positionMs: 0, at: now.toISOString() } } : next;
  return { ...order, version: order.version + 1, items: order.items.map((i) => (i.id === itemId ? changed : i)) };
}

/** Time an item has run so far: its finished spans and, if it is running, the current one. */
export function elapsedMs(item: RunItem, now: Date): number {
  const running = item.status === 'current' && item.startedAt ? Math.max(0, now.getTime() - Date.parse(item.startedAt)) : 0;
  return item.actualMs + running;
}

/** Planned against actual per item, and the overrun (what ran beyond the plan; 0 if none), for the moderator and the record; `started` says whether the actual time means anything yet. */
export function timings(order: RunningOrder, now: Date): { id: string; title: string; plannedMs: number; actualMs: number; overrunMs: number; status: RunItemStatus; started: boolean }[] {
  return order.items.map((item) => {
    const actualMs = elapsedMs(item, now);
    return { id: item.id, title: item.title, plannedMs: item.plannedMs, actualMs, overrunMs: Math.max(0, actualMs - item.plannedMs), status: item.status, started: hasStarted(item) };
  });
}

/** run:state's view of an item: no file path, only what a viewer needs of the recording. */
export interface RunItemView {
  id: string;
  kind: RunItemKind;
  title: string;
  speaker?: string;
  prerecorded?: boolean;
  protocol?: ProtocolRank;
  plannedMs: number;
  languages?: string[];
  status: RunItemStatus;
  startedAt?: string;
  endedAt?: string;
  actualMs: number;
  recording?: { durationMs: number; video: boolean; audio: boolean; uploadedAt: string; approved: boolean; stage?: { status: RunStage['status']; progress: number; error?: string } };
  playback?: RunPlayback;
  /** That a text for the interpreters is attached (read at …/running-order/:itemId/text by interpreters and moderators). */
  text?: StatementMeta;
  localized?: RunItemLocalized;
}

export function viewOfItem(item: RunItem): RunItemView {
  const { recording, speakerId: _speakerId, ...rest } = item;
  return recording
    ? {
      ...rest,
      recording: {
        durationMs: recording.durationMs, video: recording.video, audio: recording.audio, uploadedAt: recording.uploadedAt, approved: Boolean(recording.approvedAt),
        ...(recording.stage ? { stage: { status: recording.stage.status, progress: recording.stage.progress, ...(recording.stage.error ? { error: recording.stage.error } : {}) } } : {}),
      },
    }
    : rest;
}
