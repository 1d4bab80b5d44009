import { Router, type Request } from 'express';
import { AppError } from '../errors.ts';
import { runItemIdPattern, runningOrderInput, timings, type RunItem } from '../domain/running-order.ts';
import { checkStatement, type StatementMeta } from '../domain/statements.ts';
import { protocolOrderInput } from '../domain/running-order-protocol.ts';
import { authorize, decide } from '../identity/policy.ts';
import type { Caller } from '../identity/caller.ts';
import { drain, type RecordedStatements } from '../services/recorded-statements.ts';
import { actorOf } from '../services/audit-log.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import type { StageCopies } from '../services/stage-copies.ts';
import { messageOf, type RunChange, type RunningOrderService } from '../services/running-order-service.ts';
import { callerOf } from './caller.ts';
import { readStatementBody } from './statements.ts';
import { parseId, parseInput } from './validate.ts';

export const runningOrderPath = '/api/events/:eventId/sessions/:sessionId/running-order';
export const protocolOrderPath = '/api/events/:eventId/protocol-order';

export interface RunningOrderRoutesDeps {
  programme: ProgrammeService;
  running: RunningOrderService;
  /** The order changed: to the room (run:state) and the playback. */
  onChange: (eventId: string, change: RunChange) => void;
  recordings: RecordedStatements;
  /** Transcodes each upload to the stage format in the background; without it, videos are encoded while they play. */
  stageCopies?: StageCopies;
  clock?: () => Date;
}

export function sessionParams(req: Request): { eventId: string; sessionId: string } {
  return { eventId: parseId(req.params.eventId, 'eventId'), sessionId: parseId(req.params.sessionId, 'sessionId') };
}

export function itemParam(req: Request): string {
  const itemId = req.params.itemId;
  if (typeof itemId !== 'string' || !runItemIdPattern.test(itemId)) throw new AppError('invalid_id', 'That is not a running-order item id.');
  return itemId;
}

/**
 * `GET …/running-order` (everyone in the session: delegates read it) and
 * `PUT` (the session's moderators and organisers: the whole list, with the
 * version it was edited from), as run:state's shape plus each item's
 * planned and actual time and overrun.
 */
export function runningOrderRoutes(deps: RunningOrderRoutesDeps): Router {
  const router = Router();
  const clock = deps.clock ?? (() => new Date());
  const answer = (order: Parameters<typeof messageOf>[0]) => ({ ...messageOf(order), timings: timings(order, clock()) });

  router.get(runningOrderPath, async (req, res) => {
    const { eventId, sessionId } = sessionParams(req);
    authorize(callerOf(req), 'session.join', { eventId, sessionId });
    await deps.programme.requireSession(eventId, sessionId);
    res.set('cache-control', 'private, no-store');
    res.json(answer(await deps.running.get(eventId, sessionId)));
  });

  router.put(runningOrderPath, async (req, res) => {
    const { eventId, sessionId } = sessionParams(req);
    const caller = callerOf(req);
    authorize(caller, 'run.moderate', { eventId, sessionId });
    await deps.programme.requireSession(eventId, sessionId);
    const input = parseInput(runningOrderInput, req.body, 'invalid_running_order');
    const change = await deps.running.edit(eventId, sessionId, input, actorOf(caller));
    deps.onChange(eventId, change);
    res.json(answer(change.after));
  });

  /** The item an upload is for, once the caller may upload to it: the session's moderators and organisers, or the statement's own speaker. */
  async function uploadTarget(caller: Caller, eventId: string, sessionId: string, itemId: string): Promise<RunItem> {
    authorize(caller, 'session.join', { eventId, sessionId });
    await deps.programme.requireSession(eventId, sessionId);
    const item = (await deps.running.get(eventId, sessionId)).items.find((i) => i.id === itemId);
    const isSpeaker = caller.kind === 'participant' && item?.speakerId === caller.participant.id;
    if (!isSpeaker) authorize(caller, 'run.moderate', { eventId, sessionId });
    if (!item) throw new AppError('run_item_not_found', 'There is no such item in the running order.');
    return item;
  }

  /**
   * A pre-recorded statement's video, the raw bytes (no multipart): the
   * session's moderators and organisers, or the statement's own speaker
   * (speakerId). Checked by its bytes and ffprobe (RecordedStatements),
   * then attached under compare-and-set; a replaced video's files are
   * removed. Its stage copy is made in the background (StageCopies).
   */
  router.post(`${runningOrderPath}/:itemId/recording`, async (req, res) => {
    const { eventId, sessionId } = sessionParams(req);
    const itemId = itemParam(req);
    const caller = callerOf(req);
    try {
      const item = await uploadTarget(caller, eventId, sessionId, itemId);
      if (item.kind !== 'statement' || !item.prerecorded) throw new AppError('not_prerecorded', 'Only a pre-recorded statement takes a video.');
    } catch (error) {
      await drain(req);
      throw error;
    }
    const video = await deps.recordings.accept(req, { eventId, sessionId, itemId }, req.headers['content-length'] ? Number(req.headers['content-length']) : undefined);
    const actor = actorOf(caller);
    let change: RunChange;
    try {
      const stage = deps.stageCopies ? { stage: { status: 'processing' as const, progress: 0 } } : {};
      change = await deps.running.attachRecording(eventId, sessionId, itemId, { ...video, uploadedAt: clock().toISOString(), uploadedBy: actor.id, ...stage }, actor);
    } catch (error) {
      await deps.recordings.remove(video.file);
      throw error;
    }
    const replaced = change.before.items.find((i) => i.id === itemId)?.recording;
    if (replaced && replaced.file !== video.file) {
      await deps.recordings.remove(replaced.file);
      if (replaced.stage?.file) await deps.recordings.remove(replaced.stage.file);
    }
    deps.onChange(eventId, change);
    // Answered at once with status processing; run:state follows the progress, then ready or failed.
    void deps.stageCopies?.start(eventId, sessionId, itemId, video);
    const view = messageOf(change.after);
    res.status(201).json({ ...view, item: view.items.find((i) => i.id === itemId) });
  });

  /**
   * A statement's text for the interpreters (issue 18, item 3): PDF or
   * plain UTF-8 text, at most 5 MB, its type decided by the bytes as for
   * the speakers' own statements (domain/statements.ts); by the session's
   * moderators and organisers or the statement's own speaker.
   */
  router.put(`${runningOrderPath}/:itemId/text`, async (req, res) => {
    const { eventId, sessionId } = sessionParams(req);
    const itemId = itemParam(req);
    const caller = callerOf(req);
    let bytes: Buffer;
    try {
      await uploadTarget(caller, eventId, sessionId, itemId);
      bytes = await readStatementBody(req);
    } catch (error) {
      await drain(req);
      throw error;
    }
    const type = checkStatement(bytes, req.headers['content-type']);
    const meta: StatementMeta = { type, bytes: bytes.byteLength, uploadedAt: clock().toISOString() };
    const change = await deps.running.attachText(eventId, sessionId, itemId, meta, bytes, actorOf(caller));
    deps.onChange(eventId, change);
    res.status(201).json({ itemId, text: meta, version: change.after.version });
  });

  /** The text, for the session's interpreters, moderators and organisers, and the statement's speaker; anyone else is refused. */
  router.get(`${runningOrderPath}/:itemId/text`, async (req, res) => {
    const { eventId, sessionId } = sessionParams(req);
    const itemId = itemParam(req);
    const caller = callerOf(req);
    authorize(caller, 'session.join', { eventId, sessionId });
    await deps.programme.requireSession(eventId, sessionId);
    const item = (await deps.running.get(eventId, sessionId)).items.find((i) => i.id === itemId);
    const scope = { eventId, sessionId };
    const isSpeaker = caller.kind === 'participant' && item?.speakerId !== undefined && item.speakerId === caller.participant.id;
    if (!isSpeaker && !decide(caller, 'booth.interpret', scope).allowed && !decide(caller, 'run.moderate', scope).allowed) {
      throw new AppError('forbidden', 'Only the interpreters and moderators of this session may read a statement’s text.');
    }
    if (!item) throw new AppError('run_item_not_found', 'There is no such item in the running order.');
    const text = await deps.running.text(eventId, sessionId, itemId);
    if (!text || !item.text) throw new AppError('not_found', 'This statement has no text attached.');
    res.set('cache-control', 'private, no-store');
    res.type(text.meta.type === 'text/plain' ? 'text/plain; charset=utf-8' : 'application/pdf');
    res.attachment(`statement-${itemId}.${text.meta.type === 'text/plain' ? 'txt' : 'pdf'}`);
    res.send(text.data);
  });

  /**
   * The event's protocol order: the ranks of speakers in the order they
   * speak, used when an editor sorts a running order by protocol
   * (PUT …/running-order with sort: "protocol"). Read by the event's
   * participants, set by its organisers.
   */
  router.get(protocolOrderPath, async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    authorize(callerOf(req), 'event.attend', { eventId });
    await deps.programme.requireEvent(eventId);
    res.set('cache-control', 'private, no-store');
    res.json(await deps.running.protocolOrder(eventId));
  });

  router.put(protocolOrderPath, async (req, res) => {
    const eventId = parseId(req.params.eventId, 'eventId');
    const caller = callerOf(req);
    authorize(caller, 'event.manage', { eventId });
    await deps.programme.requireEvent(eventId);
    const input = parseInput(protocolOrderInput, req.body, 'invalid_running_order');
    res.json(await deps.running.setProtocolOrder(eventId, input, actorOf(caller)));
  });

  /** Clears an uploaded video for the floor: only an approved one is played. */
  router.post(`${runningOrderPath}/:itemId/recording/approve`, async (req, res) => {
    const { eventId, sessionId } = sessionParams(req);
    const itemId = itemParam(req);
    const caller = callerOf(req);
    authorize(caller, 'run.moderate', { eventId, sessionId });
    await deps.programme.requireSession(eventId, sessionId);
    const change = await deps.running.approveRecording(eventId, sessionId, itemId, actorOf(caller));
    deps.onChange(eventId, change);
    const view = messageOf(change.after);
    res.json({ ...view, item: view.items.find((i) => i.id === itemId) });
  });
  return router;
}
