import { systemActor, type Actor } from '../domain/actor.ts';
import {
  advance, approveRecording, attachRecording, attachText, controlPlayback, editRunningOrder, emptyRunningOrder, endRun, playbackEnded, playbackInterrupted, updateStage, viewOfItem,
  type PlaybackAction, type RunningOrder, type RunningOrderInput, type RunRecording, type RunStage,
} from '../domain/running-order.ts';
import type { StatementMeta } from '../domain/statements.ts';
import { defaultProtocolOrder, type ProtocolOrder } from '../domain/running-order-protocol.ts';
import { withoutTexts } from '../domain/running-order-texts.ts';
import type { RunStateMessage } from '../protocol/events.ts';
import { writes, type DocumentStore, type Stored, type WriteOp } from '../store/port.ts';
import type { AuditLog } from './audit-log.ts';
import type { LiveServiceDeps } from './idempotency.ts';
import { retryOnConflict } from './retry.ts';

export interface RunningOrderServiceDeps extends LiveServiceDeps {
  store: DocumentStore;
  audit: AuditLog;
  /** Whether a participant id belongs to the event (a statement's named speaker). */
  isParticipant: (eventId: string, participantId: string) => Promise<boolean>;
}

type RunningOrderDoc = RunningOrder & { id: string };
/** A statement's text for the interpreters, one document per item. */
type RunTextDoc = StatementMeta & { id: string; eventId: string; sessionId: string; itemId: string; data: string };
export const runTextCollection = 'running_order_texts';
const textCollection = runTextCollection;
const protocolCollection = 'protocol_orders';

/** A change: the order before and after (the same object when nothing changed). */
export interface RunChange {
  before: RunningOrder;
  after: RunningOrder;
}

export const runningOrderCollection = 'running_orders';
const collection = runningOrderCollection;
export const runningOrderKey = (eventId: string, sessionId: string): string => `${eventId}/${sessionId}`;
const key = runningOrderKey;

/**
 * A session's running order in the store (domain/running-order.ts): one
 * document per session; every change is decided under the session's lock
 * in this process on a fresh read and written with compare-and-set, so a
 * change racing another process's conflicts, re-reads and is decided again
 * (retryOnConflict): an advance happens once whichever process takes it.
 * Each change and its audit entry are one atomic write. Advancing to the
 * item already running changes nothing, so a resent advance (a lost ack)
 * is harmless without an idempotency key; an edit names the version it
 * started from. The running item and its start are stored, so a restart
 * carries on with the elapsed time.
 */
export class RunningOrderService {
  private readonly deps: RunningOrderServiceDeps;

  constructor(deps: RunningOrderServiceDeps) {
    this.deps = deps;
  }

  async get(eventId: string, sessionId: string): Promise<RunningOrder> {
    const doc = await this.deps.store.get<RunningOrderDoc>(collection, key(eventId, sessionId));
    return doc ? strip(doc) : emptyRunningOrder(eventId, sessionId);
  }

  async message(eventId: string, sessionId: string): Promise<RunStateMessage> {
    return messageOf(await this.get(eventId, sessionId));
  }

  async edit(eventId: string, sessionId: string, input: RunningOrderInput, actor: Actor): Promise<RunChange> {
    const ids = [...new Set(input.items.flatMap((i) => (i.speakerId ? [i.speakerId] : [])))];
    const known = new Set<string>();
    for (const id of ids) if (await this.deps.isParticipant(eventId, id)) known.add(id);
    const protocol = input.sort === 'protocol' ? await this.protocolOrder(eventId) : undefined;
    return this.change(eventId, sessionId, actor, 'run.edit', (order) => editRunningOrder(order, input, (id) => known.has(id), protocol), (before, after) => ({
      before: { version: before.version, items: before.items.map((i) => i.id) },
      after: { version: after.version, items: after.items.map((i) => ({ id: i.id, kind: i.kind, title: i.title, plannedMs: i.plannedMs })) },
    }));
  }

  advance(eventId: string, sessionId: string, itemId: string | null, actor: Actor): Promise<RunChange> {
    return this.change(eventId, sessionId, actor, 'run.advance', (order, now) => advance(order, itemId, now), (before, after) => ({
      before: { currentItemId: before.currentItemId },
      after: { currentItemId: after.currentItemId },
    }));
  }

  /**
   * Attaches a probed video to a pre-recorded statement; `extra` are
   * written in the same write (nothing today, the file is on disk already).
   * Returns the change and the recording it replaced (whose file the caller removes).
   */
  attachRecording(eventId: string, sessionId: string, itemId: string, recording: RunRecording, actor: Actor): Promise<RunChange> {
    return this.change(eventId, sessionId, actor, 'run.recording', (order) => attachRecording(order, itemId, recording), () => ({
      before: null,
      after: { itemId, bytes: recording.bytes, sha256: recording.sha256, durationMs: recording.durationMs, container: recording.container },
    }));
  }

  /**
   * Attaches a statement's text for the interpreters: its bytes (base64,
   * in the store, so every process reads them and backups carry them) in
   * the same write as the order's note of it.
   */
  attachText(eventId: string, sessionId: string, itemId: string, text: StatementMeta, data: Buffer, actor: Actor): Promise<RunChange> {
    const doc: RunTextDoc = { id: `${key(eventId, sessionId)}/${itemId}`, eventId, sessionId, itemId, ...text, data: data.toString('base64') };
    return this.change(eventId, sessionId, actor, 'run.text', (order) => attachText(order, itemId, text), () => ({
      before: null,
      after: { itemId, type: text.type, bytes: text.bytes },
    }), true, [writes.put(textCollection, doc)]);
  }

  /** A statement's text and its bytes, if one is attached. */
  async text(eventId: string, sessionId: string, itemId: string): Promise<{ meta: StatementMeta; data: Buffer } | null> {
    const doc = await this.deps.store.get<RunTextDoc>(textCollection, `${key(eventId, sessionId)}/${itemId}`);
    return doc ? { meta: { type: doc.type, bytes: doc.bytes, uploadedAt: doc.uploadedAt }, data: Buffer.from(doc.data, 'base64') } : null;
  }

  /**
   * The session is over: its statements' texts are deleted, and the order
   * no longer notes them (one write, audited as the system's; a second
   * process doing the same finds nothing left). Returns how many texts there were.
   */
  async deleteTexts(eventId: string, sessionId: string): Promise<{ deleted: number; change: RunChange }> {
    const docs = await this.deps.store.find<RunTextDoc>(textCollection, { eventId, sessionId });
    for (const doc of docs) await this.deps.store.remove(textCollection, doc.id);
    const change = await this.change(eventId, sessionId, systemActor, 'run.texts-deleted', (order) => withoutTexts(order), (before) => ({
      before: { texts: before.items.filter((i) => i.text).map((i) => i.id) },
      after: { texts: [] },
    }));
    return { deleted: docs.length, change };
  }

  /**
   * The session ended or was cancelled at `at`: the item in progress ends
   * then and nothing runs (a statement still playing is interrupted where
   * it was). Every process tries on the status event; the compare-and-set
   * write lets one decide, and the others find nothing running.
   */
  endRun(eventId: string, sessionId: string, at: Date): Promise<RunChange> {
    return this.change(eventId, sessionId, systemActor, 'run.session-ended', (order) => endRun(order, at), (before, after) => ({
      before: { currentItemId: before.currentItemId },
      after: { currentItemId: after.currentItemId, endedAt: at.toISOString() },
    }));
  }

  /** A moderator or organiser clears an uploaded video for the floor. */
  approveRecording(eventId: string, sessionId: string, itemId: string, actor: Actor): Promise<RunChange> {
    return this.change(eventId, sessionId, actor, 'run.approve', (order, now) => approveRecording(order, itemId, actor.id, now), () => ({
      before: null,
      after: { itemId, approved: true },
    }));
  }

  /** The moderator pauses, resumes or stops the statement video in progress. */
  controlPlayback(eventId: string, sessionId: string, itemId: string, action: PlaybackAction, actor: Actor): Promise<RunChange> {
    return this.change(eventId, sessionId, actor, `run.${action}`, (order, now) => controlPlayback(order, itemId, action, now), (before, after) => ({
      before: { itemId, playback: before.items.find((i) => i.id === itemId)?.playback ?? null },
      after: { itemId, currentItemId: after.currentItemId, playback: after.items.find((i) => i.id === itemId)?.playback ?? null },
    }));
  }

  /** The play that began at `startedAt` reached the video's end: the item ends (the system's doing, audited as such). */
  playbackEnded(eventId: string, sessionId: string, itemId: string, startedAt: string): Promise<RunChange> {
    return this.change(eventId, sessionId, systemActor, 'run.ended', (order, now) => playbackEnded(order, itemId, startedAt, now), (_before, after) => ({
      before: null,
      after: { itemId, currentItemId: after.currentItemId },
    }));
  }

  /** The process playing it stopped: interrupted at `positionMs` (null: where that play began), for the moderator to resume. */
  playbackInterrupted(eventId: string, sessionId: string, itemId: string, startedAt: string | null, positionMs: number | null): Promise<RunChange> {
    return this.change(eventId, sessionId, systemActor, 'run.interrupted', (order, now) => playbackInterrupted(order, itemId, startedAt, positionMs, now), (_before, after) => ({
      before: null,
      after: { itemId, playback: after.items.find((i) => i.id === itemId)?.playback ?? null },
    }));
  }

  /** The stage copy's progress, or its end (ready or failed), for the upload with this hash. */
  updateStage(eventId: string, sessionId: string, itemId: string, sha256: string, stage: RunStage): Promise<RunChange> {
    return this.change(eventId, sessionId, systemActor, 'run.transcode', (order, now) => updateStage(order, itemId, sha256, stage, now), () => ({
      before: null,
      after: { itemId, status: stage.status, ...(stage.error ? { error: stage.error } : {}) },
    }), stage.status !== 'processing');
  }

  /** The event's protocol order (the default until an organiser sets one). */
  async protocolOrder(eventId: string): Promise<ProtocolOrder> {
    const doc = await this.deps.store.get<ProtocolOrder & { id: string }>(protocolCollection, eventId);
    return doc ? { ranks: doc.ranks } : defaultProtocolOrder;
  }

  /** An organiser sets the event's protocol order (audited with it, in one write). */
  async setProtocolOrder(eventId: string, order: ProtocolOrder, actor: Actor): Promise<ProtocolOrder> {
    const before = await this.protocolOrder(eventId);
    await this.deps.live.commit([
      writes.put(protocolCollection, { id: eventId, ranks: order.ranks }),
      writes.insert('audit', this.deps.audit.entry(eventId, actor, 'run.protocol', { type: 'protocol-order', id: eventId }, before, order)),
    ]);
    return { ranks: order.ranks };
  }

  /** Every session whose running order has a statement marked playing (for the start-up check after a crash). */
  async playing(): Promise<{ eventId: string; sessionId: string; itemId: string; startedAt: string }[]> {
    const docs = await this.deps.store.find<RunningOrderDoc>(collection);
    return docs.flatMap((d) => {
      const item = d.items.find((i) => i.id === d.currentItemId);
      return item?.playback?.state === 'playing' ? [{ eventId: d.eventId, sessionId: d.sessionId, itemId: item.id, startedAt: item.playback.at }] : [];
    });
  }

  /** Every upload whose stage copy is still `processing` (for the start-up check). */
  async processing(): Promise<{ eventId: string; sessionId: string; itemId: string; video: { file: string; sha256: string; durationMs: number } }[]> {
    const docs = await this.deps.store.find<RunningOrderDoc>(collection);
    return docs.flatMap((d) =>
      d.items.flatMap((i) => (i.recording?.stage?.status === 'processing' ? [{ eventId: d.eventId, sessionId: d.sessionId, itemId: i.id, video: i.recording }] : [])),
    );
  }

  private change(
    eventId: string,
    sessionId: string,
    actor: Actor,
    action: string,
    decide: (order: RunningOrder, now: Date) => RunningOrder,
    describe: (before: RunningOrder, after: RunningOrder) => { before: unknown; after: unknown },
    audited = true,
    extra: WriteOp[] = [],
  ): Promise<RunChange> {
    return this.deps.lock.run(`run:${key(eventId, sessionId)}`, () =>
      retryOnConflict(async () => {
        const doc: Stored<RunningOrderDoc> | null = await this.deps.store.get<RunningOrderDoc>(collection, key(eventId, sessionId));
        const before = doc ? strip(doc) : emptyRunningOrder(eventId, sessionId);
        const after = decide(before, this.deps.clock());
        if (after === before) return { before, after };
        const d = describe(before, after);
        const ops: WriteOp[] = [writes.save(collection, { ...after, id: key(eventId, sessionId) }, doc?.rev)];
        // Transcoding progress is not worth an audit entry each step; its outcome is.
        ops.push(...extra);
        if (audited) ops.push(writes.insert('audit', this.deps.audit.entry(eventId, actor, action, { type: 'running-order', id: sessionId }, d.before, d.after)));
        await this.deps.live.commit(ops);
        return { before, after };
      }),
    );
  }
}

export function messageOf(order: RunningOrder): RunStateMessage {
  return { sessionId: order.sessionId, version: order.version, currentItemId: order.currentItemId, items: order.items.map(viewOfItem) };
}

function strip(doc: Stored<RunningOrderDoc>): RunningOrder {
  return { eventId: doc.eventId, sessionId: doc.sessionId, version: doc.version, currentItemId: doc.currentItemId, items: doc.items };
}
