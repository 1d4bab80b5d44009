import { Router, type Request } from 'express';
import { AppError } from '../errors.ts';
import { checkStatement, maxStatementBytes, type StatementMeta, type StatementType } from '../domain/statements.ts';
import type { Caller } from '../identity/caller.ts';
import { authorize, decide } from '../identity/policy.ts';
import type { FloorChange, FloorService } from '../services/floor-service.ts';
import type { ProgrammeService } from '../services/programme-service.ts';
import { statementCollection } from '../services/statement-retention.ts';
import { writes, type DocumentStore } from '../store/port.ts';
import { callerOf } from './caller.ts';
import { parseId } from './validate.ts';

/** The stored bytes of one statement (base64), keyed by its queue entry. */
interface StatementDoc extends StatementMeta {
  id: string;
  eventId: string;
  sessionId: string;
  entryId: string;
  participantId: string;
  data: string;
}

const collection = statementCollection;
const entryIdPattern = /^[A-Za-z0-9_-]{1,100}$/;
const statementKey = (eventId: string, sessionId: string, entryId: string): string => `${eventId}/${sessionId}/${entryId}`;

export const statementPath = '/api/events/:eventId/sessions/:sessionId/queue/:entryId/statement';

/**
 * The request body, up to the limit: beyond it the rest is read and
 * dropped (so the client gets the answer rather than a reset connection)
 * and the upload is refused with statement_too_large.
 */
export async function readStatementBody(req: Request): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxStatementBytes) {
    req.resume();
    throw new AppError('statement_too_large', `A statement may be at most ${maxStatementBytes} bytes.`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total <= maxStatementBytes) chunks.push(chunk);
  }
  if (total > maxStatementBytes) throw new AppError('statement_too_large', `A statement may be at most ${maxStatementBytes} bytes.`);
  return Buffer.concat(chunks, total);
}

/** Who may read a statement: its speaker, the session's interpreters and moderators, and organisers. */
function mayRead(caller: Caller, scope: { eventId: string; sessionId: string }, owner: string): boolean {
  if (caller.kind === 'participant' && caller.participant.id === owner) return true;
  return decide(caller, 'booth.interpret', scope).allowed || decide(caller, 'queue.moderate', scope).allowed;
}

export interface StatementDeps {
  programme: ProgrammeService;
  floor: FloorService;
  store: DocumentStore;
  /** The queue changed (the entry now notes its statement): broadcast it. */
  onChange: (change: FloorChange) => void;
}

/**
 * Statements attached to queue entries (issue 13), a raw body, no
 * multipart: `PUT …/queue/:entryId/statement` with Content-Type
 * application/pdf or text/plain (UTF-8), at most 5 MB, the type checked
 * against the bytes; by the entry's speaker while it waits or speaks.
 * `GET` the same path downloads it, for the interpreters and moderators of
 * the session (and organisers and the speaker); anyone else is refused.
 *
 * The bytes are kept in the store (not the data directory), in the same
 * write as the entry's note: every server process reads the same store,
 * whereas a file under one replica's data directory would be missing on
 * the others; and store backups carry them.
 */
export function statements(deps: StatementDeps): Router {
  const router = Router();
  const params = (req: Request): { eventId: string; sessionId: string; entryId: string } => {
    const entryId = req.params.entryId;
    if (typeof entryId !== 'string' || !entryIdPattern.test(entryId)) throw new AppError('invalid_id', 'That is not a queue entry id.');
    return { eventId: parseId(req.params.eventId, 'eventId'), sessionId: parseId(req.params.sessionId, 'sessionId'), entryId };
  };

  router.put(statementPath, async (req, res) => {
    const { eventId, sessionId, entryId } = params(req);
    const caller = callerOf(req);
    authorize(caller, 'queue.request', { eventId, sessionId });
    if (caller.kind !== 'participant') throw new AppError('forbidden', 'Only the speaker may attach a statement to their queue entry.');
    await deps.programme.requireSession(eventId, sessionId);
    const bytes = await readStatementBody(req);
    const type: StatementType = checkStatement(bytes, req.headers['content-type']);
    const meta: StatementMeta = { type, bytes: bytes.byteLength, uploadedAt: new Date().toISOString() };
    const doc: StatementDoc = {
      id: statementKey(eventId, sessionId, entryId),
      eventId,
      sessionId,
      entryId,
      participantId: caller.participant.id,
      data: bytes.toString('base64'),
      ...meta,
    };
    const change = await deps.floor.attachStatement(eventId, sessionId, entryId, caller.participant.id, meta, writes.put(collection, doc));
    deps.onChange(change);
    res.status(201).json({ entryId, statement: meta, version: change.after.version });
  });

  router.get(statementPath, async (req, res) => {
    const { eventId, sessionId, entryId } = params(req);
    const caller = callerOf(req);
    authorize(caller, 'session.join', { eventId, sessionId });
    const doc = await deps.store.get<StatementDoc>(collection, statementKey(eventId, sessionId, entryId));
    if (!mayRead(caller, { eventId, sessionId }, doc?.participantId ?? '')) {
      throw new AppError('forbidden', 'Only the interpreters and moderators of this session may read a speaker’s statement.');
    }
    if (!doc) throw new AppError('not_found', 'This queue entry has no statement.');
    res.set('cache-control', 'private, no-store');
    res.type(doc.type === 'text/plain' ? 'text/plain; charset=utf-8' : 'application/pdf');
    res.attachment(`statement-${entryId}.${doc.type === 'text/plain' ? 'txt' : 'pdf'}`);
    res.send(Buffer.from(doc.data, 'base64'));
  });
  return router;
}
