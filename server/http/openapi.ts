import { Router, type Express } from 'express';
import { z } from 'zod';
import { invitationInput, participantPatch, registrationInput } from '../identity/schemas.ts';
import { sessionDraftSchema, sessionPatchSchema } from './session-input.ts';
import { eventDraftSchema, eventPatchSchema } from './event-input.ts';
import { runningOrderInput } from '../domain/running-order.ts';
import { protocolOrderInput } from '../domain/running-order-protocol.ts';

/**
 * The OpenAPI 3.1 description of the REST API, served at GET /api/openapi.json.
 *
 * Request bodies are the zod schemas the routes validate with (as their
 * input JSON Schema, z.toJSONSchema with io: 'input'); responses are
 * described here with zod too, loosely (more fields are welcome, as the
 * contract says). The paths come from the Express app itself, so every
 * registered /api route is in the document: one this table does not
 * describe yet is listed with a generic answer and `x-plenary-undocumented`.
 */

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Access = 'public' | 'signed-in' | 'participant' | 'moderator' | 'organiser';

interface Operation {
  summary: string;
  tag: 'programme' | 'sessions' | 'participants' | 'agenda' | 'reports' | 'meta';
  access: Access;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A raw (non-JSON) request body in one of these media types, e.g. a file upload. */
  rawBody?: readonly string[];
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);
const localized = z.record(z.string(), z.string()).describe('Text per language: zh and en, and ar, fr, ru, es where written (the seeded forum has fr and es).');
const instant = z.string().describe('ISO 8601 instant or wall clock with offset.');

const runItem = z.looseObject({
  id: z.string(),
  kind: z.enum(['statement', 'panel', 'floor', 'break']),
  title: z.string(),
  speaker: z.string().optional(),
  prerecorded: z.boolean().optional(),
  plannedMs: z.number().int(),
  status: z.enum(['pending', 'current', 'done']),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  actualMs: z.number().int(),
  recording: z
    .looseObject({
      durationMs: z.number().int(),
      approved: z.boolean(),
      stage: z.looseObject({ status: z.enum(['processing', 'ready', 'failed']), progress: z.number().min(0).max(1), error: z.string().optional() }).optional(),
    })
    .optional(),
  playback: z.looseObject({ state: z.enum(['playing', 'paused', 'interrupted', 'stopped', 'ended']), positionMs: z.number().int(), at: z.string() }).optional(),
  text: z.looseObject({ type: z.enum(['application/pdf', 'text/plain']), bytes: z.number().int(), uploadedAt: z.string() }).optional(),
});
const runState = z
  .looseObject({
    sessionId: id,
    version: z.number().int(),
    currentItemId: z.string().nullable(),
    items: z.array(runItem),
    timings: z.array(z.looseObject({ id: z.string(), plannedMs: z.number().int(), actualMs: z.number().int(), overrunMs: z.number().int() })),
  })
  .meta({ id: 'RunningOrder', description: 'A session’s running order, as run:state carries it, with planned against actual time per item.' });

const errorBody = z
  .object({ error: z.looseObject({ code: z.string(), message: z.string() }) })
  .meta({ id: 'Error', description: 'Every refusal: a stable code and a message.' });

const event = z
  .looseObject({ id, zone: z.string(), title: localized, organizer: localized.optional(), description: localized.optional() })
  .meta({ id: 'Event' });

const zoned = z.looseObject({ start: instant, end: instant, date: z.string() });
const programmeSession = z
  .looseObject({
    id,
    eventId: id,
    kind: z.string(),
    title: localized,
    status: z.enum(['scheduled', 'live', 'ended', 'cancelled']),
    timing: z.string(),
    sequence: z.number().int(),
    startUtc: instant,
    endUtc: instant,
    durationMinutes: z.number(),
    eventZone: zoned,
    viewerZone: zoned,
  })
  .meta({ id: 'ProgrammeSession', description: 'A session with its times in the event zone and in the viewer zone.' });


const role = z.looseObject({ sessionId: id, role: z.string(), language: z.string().optional() });
const participant = z
  .looseObject({
    id,
    eventId: id,
    name: z.string(),
    email: z.string(),
    organization: z.string(),
    country: z.string(),
    group: z.string(),
    language: z.string(),
    status: z.enum(['pending', 'approved', 'rejected']),
    organizer: z.boolean(),
    roles: z.array(role),
    bookmarks: z.array(z.string()),
  })
  .meta({ id: 'Participant' });

const issued = z
  .looseObject({ participant, token: z.string().optional(), link: z.string().optional() })
  .meta({ id: 'IssuedParticipant', description: 'A participant with a fresh sign-in token and invitation link (when one was issued).' });

const sessionEdit = z
  .looseObject({ session: programmeSession, changed: z.boolean() })
  .meta({ id: 'SessionEdit', description: 'The session as the programme shows it, and whether anything changed.' });
const bookmarks = z.object({ bookmarks: z.array(z.string()) });
const anyJson = z.looseObject({});
const csv = { description: 'CSV (UTF-8)', contentType: 'text/csv' };

const eventPath = '/api/events/:eventId';
const refusals = { 400: { description: 'Invalid input', schema: errorBody }, 404: { description: 'Not found', schema: errorBody } };
const guarded = { ...refusals, 401: { description: 'Not signed in', schema: errorBody }, 403: { description: 'Not allowed', schema: errorBody } };

/** What this module describes, by "METHOD express-path". */
export const operations: Record<string, Operation> = {
  'get /api/events': { summary: 'Upcoming, live and past events (archived ones for organisers with ?archived=include|only)', tag: 'programme', access: 'public', query: z.object({ archived: z.enum(['include', 'only']).optional() }), responses: { 200: { description: 'Events', schema: z.object({ events: z.array(event) }) } } },
  [`get ${eventPath}`]: { summary: 'One event', tag: 'programme', access: 'public', responses: { 200: { description: 'The event', schema: z.object({ event }) }, ...refusals } },
  [`get ${eventPath}/programme`]: {
    summary: 'The programme in the event zone and the viewer zone',
    tag: 'programme',
    access: 'public',
    query: z.object({ tz: z.string().min(1).max(64).optional().describe('IANA time zone of the viewer; default the event zone; unknown is 400 invalid_time_zone') }),
    responses: {
      200: { description: 'The programme', schema: z.looseObject({ event, zone: z.string(), viewerZone: z.string(), sessions: z.array(programmeSession) }) },
      ...refusals,
    },
  },
  [`get ${eventPath}/sessions/:sessionId`]: { summary: 'One session of the programme', tag: 'sessions', access: 'public', responses: { 200: { description: 'The session', schema: z.object({ session: programmeSession }) }, ...refusals } },
  [`post ${eventPath}/sessions`]: { summary: 'Add a session (wall-clock times in the event zone)', tag: 'sessions', access: 'organiser', body: sessionDraftSchema, responses: { 201: { description: 'Created', schema: sessionEdit }, ...guarded, 409: { description: 'Conflict', schema: errorBody } } },
  [`patch ${eventPath}/sessions/:sessionId`]: { summary: 'Change a session (bumps its calendar SEQUENCE)', tag: 'sessions', access: 'organiser', body: sessionPatchSchema, responses: { 200: { description: 'Changed', schema: sessionEdit }, ...guarded } },
  [`delete ${eventPath}/sessions/:sessionId`]: { summary: 'Cancel a session (STATUS:CANCELLED in feeds)', tag: 'sessions', access: 'organiser', responses: { 200: { description: 'Cancelled', schema: sessionEdit }, ...guarded } },
  [`get ${eventPath}/audit`]: { summary: 'The programme editing audit log', tag: 'sessions', access: 'organiser', responses: { 200: { description: 'Entries', schema: z.object({ entries: z.array(anyJson) }) }, ...guarded } },
  'get /api/me': { summary: 'Who is calling', tag: 'meta', access: 'public', responses: { 200: { description: 'The caller', schema: z.object({ caller: z.looseObject({ kind: z.enum(['anonymous', 'organizer-token', 'participant']), participant: participant.optional() }) }) } } },
  [`post ${eventPath}/registrations`]: { summary: 'Self-registration (the four constituent groups are approved at once)', tag: 'participants', access: 'public', body: registrationInput, responses: { 201: { description: 'Registered', schema: issued }, ...refusals, 429: { description: 'Rate limited', schema: errorBody } } },
  [`get ${eventPath}/participants`]: { summary: 'Participants', tag: 'participants', access: 'organiser', query: z.object({ status: z.enum(['pending', 'approved', 'rejected']).optional() }), responses: { 200: { description: 'Participants', schema: z.object({ participants: z.array(participant) }) }, ...guarded } },
  [`post ${eventPath}/participants`]: { summary: 'Invite a participant (returns the token and invitation link)', tag: 'participants', access: 'organiser', body: invitationInput, responses: { 201: { description: 'Invited', schema: issued }, ...guarded, 409: { description: 'E-mail taken', schema: errorBody } } },
  [`get ${eventPath}/participants.csv`]: { summary: 'Participants as CSV', tag: 'participants', access: 'organiser', responses: { 200: csv, ...guarded } },
  [`post ${eventPath}/invitations.csv`]: { summary: 'Fresh invitation links for every approved participant, as CSV', tag: 'participants', access: 'organiser', responses: { 200: csv, ...guarded } },
  [`get ${eventPath}/participants/:participantId`]: { summary: 'One participant', tag: 'participants', access: 'organiser', responses: { 200: { description: 'The participant', schema: z.object({ participant }) }, ...guarded } },
  [`patch ${eventPath}/participants/:participantId`]: { summary: 'Change status and roles', tag: 'participants', access: 'organiser', body: participantPatch, responses: { 200: { description: 'Changed', schema: issued }, ...guarded } },
  [`delete ${eventPath}/participants/:participantId`]: { summary: 'Revoke the participant’s tokens', tag: 'participants', access: 'organiser', responses: { 200: { description: 'Revoked', schema: z.looseObject({ participant, revoked: z.literal(true) }) }, ...guarded } },
  [`post ${eventPath}/participants/:participantId/invitation`]: { summary: 'Issue a new invitation link', tag: 'participants', access: 'organiser', responses: { 201: { description: 'Issued', schema: issued }, ...guarded } },
  [`get ${eventPath}/bookmarks`]: { summary: 'The caller’s bookmarked sessions', tag: 'agenda', access: 'participant', responses: { 200: { description: 'Bookmarks', schema: bookmarks }, ...guarded } },
  [`put ${eventPath}/bookmarks/:sessionId`]: { summary: 'Bookmark a session', tag: 'agenda', access: 'participant', responses: { 200: { description: 'Bookmarks', schema: bookmarks }, ...guarded } },
  [`delete ${eventPath}/bookmarks/:sessionId`]: { summary: 'Remove a bookmark', tag: 'agenda', access: 'participant', responses: { 200: { description: 'Bookmarks', schema: bookmarks }, ...guarded } },
  [`post ${eventPath}/agenda/calendar-token`]: {
    summary: 'A new personal agenda feed address (the old one stops working)',
    tag: 'agenda',
    access: 'participant',
    responses: { 201: { description: 'Feed links', schema: z.looseObject({ token: z.string(), url: z.string(), webcal: z.string() }) }, ...guarded },
  },
  [`get ${eventPath}/sessions/:sessionId/logs`]: { summary: 'Floor decisions and question moderation of a session', tag: 'reports', access: 'moderator', responses: { 200: { description: 'Logs', schema: z.looseObject({ floor: z.array(anyJson), moderation: z.array(anyJson) }) }, ...guarded } },
  [`get ${eventPath}/sessions/:sessionId/captions`]: {
    summary: 'The session’s live-caption transcript (final lines); ?format=txt|vtt downloads it as text or WebVTT',
    tag: 'reports',
    access: 'organiser',
    query: z.object({ format: z.enum(['json', 'txt', 'vtt']).optional(), language: z.string().optional().describe('One language (BCP 47), else all') }),
    responses: { 200: { description: 'Transcript', schema: z.looseObject({ eventId: id, sessionId: id, lines: z.array(z.looseObject({ language: z.string(), text: z.string(), seq: z.number().int(), at: z.string() })) }) }, ...guarded },
  },
  [`get ${eventPath}/sessions/:sessionId/recordings`]: {
    summary: 'The session’s recordings (composed video and every language’s audio in one Matroska file, a chapter per floor); the one being recorded has status "recording"',
    tag: 'reports',
    access: 'organiser',
    responses: {
      200: {
        description: 'Recordings, newest first',
        schema: z.object({
          recordings: z.array(
            z.looseObject({
              id,
              url: z.string().nullable(),
              status: z.enum(['recording', 'processing', 'ready', 'failed']),
              startedAt: z.string(),
              endedAt: z.string().nullable(),
              durationMs: z.number().int().nullable(),
              tracks: z.array(z.looseObject({ kind: z.enum(['video', 'audio']), language: z.string().optional(), name: z.string() })),
            }),
          ),
        }),
      },
      ...guarded,
    },
  },
  [`get ${eventPath}/sessions/:sessionId/recordings/:recordingId/:file`]: {
    summary: 'Download a ready recording (file: "file", Matroska, HTTP range requests) or its chapters ("chapters.vtt", WebVTT)',
    tag: 'reports',
    access: 'organiser',
    responses: { 200: { description: 'The recording', contentType: 'video/x-matroska' }, 206: { description: 'The requested range', contentType: 'video/x-matroska' }, ...guarded, 404: { description: 'No such recording, or not ready', schema: errorBody } },
  },
  [`put ${eventPath}/sessions/:sessionId/queue/:entryId/statement`]: {
    summary: 'Attach a statement to the caller’s own queue entry, for the interpreters: the raw bytes as application/pdf or text/plain (UTF-8), at most 5 MB, the type checked against the bytes; replaces an earlier one',
    tag: 'sessions',
    access: 'participant',
    rawBody: ['application/pdf', 'text/plain'],
    responses: {
      201: { description: 'Attached', schema: z.looseObject({ entryId: z.string(), statement: z.looseObject({ type: z.enum(['application/pdf', 'text/plain']), bytes: z.number().int(), uploadedAt: z.string() }), version: z.number().int() }) },
      ...guarded,
      409: { description: 'The entry is over', schema: errorBody },
      413: { description: 'statement_too_large', schema: errorBody },
      415: { description: 'statement_type: not a PDF or UTF-8 text, or not what Content-Type says', schema: errorBody },
    },
  },
  [`get ${eventPath}/sessions/:sessionId/queue/:entryId/statement`]: {
    summary: 'Download a speaker’s statement (the session’s interpreters and moderators, organisers, and the speaker)',
    tag: 'sessions',
    access: 'signed-in',
    responses: { 200: { description: 'The statement as uploaded', contentType: 'application/pdf' }, ...guarded, 404: { description: 'No statement (statements are deleted when the session ends or is cancelled)', schema: errorBody } },
  },
  [`get ${eventPath}/sessions/:sessionId/running-order`]: {
    summary: 'The session’s running order (its script), the current item, and each item’s planned and actual time and overrun',
    tag: 'sessions',
    access: 'signed-in',
    responses: { 200: { description: 'The running order', schema: runState }, ...guarded },
  },
  [`put ${eventPath}/sessions/:sessionId/running-order`]: {
    summary: 'Replace the running order (moderators and organisers); items keep their times and recordings by id; `version` is the one edited from (409 running_order_changed if someone saved since); bad kinds or durations are 400 invalid_running_order, a speakerId not in the event 400 unknown_speaker; `sort: "protocol"` puts each run of ranked statements in the event’s protocol order',
    tag: 'sessions',
    access: 'moderator',
    body: runningOrderInput,
    responses: { 200: { description: 'The new running order', schema: runState }, ...guarded, 409: { description: 'running_order_changed, or the item in progress removed', schema: errorBody } },
  },
  [`post ${eventPath}/sessions/:sessionId/running-order/:itemId/recording`]: {
    summary: 'Upload a pre-recorded statement’s video (moderators, organisers, or the statement’s speaker): the raw bytes, MP4, WebM or Matroska judged by the bytes, at most RECORDING_MAX_BYTES (500 MB), probed with ffprobe and its first seconds decoded; replaces an earlier one',
    tag: 'sessions',
    access: 'moderator',
    rawBody: ['video/mp4', 'video/webm', 'video/x-matroska'],
    responses: {
      201: { description: 'Attached (its stage copy is then made in the background: recording.stage goes from processing to ready or failed); the running order with the item', schema: runState.extend({ item: runItem }) },
      ...guarded,
      409: { description: 'not_prerecorded, or the statement is playing', schema: errorBody },
      413: { description: 'recording_too_large', schema: errorBody },
      415: { description: 'recording_type: not MP4, WebM or Matroska', schema: errorBody },
      422: { description: 'recording_undecodable: no playable stream, or damaged', schema: errorBody },
    },
  },
  [`get ${eventPath}/protocol-order`]: {
    summary: 'The event’s protocol order: the speakers’ ranks in the order they speak (Heads of State first by default), used when a running order is sorted by protocol',
    tag: 'sessions',
    access: 'signed-in',
    responses: { 200: { description: 'The ranks, in order', schema: protocolOrderInput }, ...guarded },
  },
  [`put ${eventPath}/protocol-order`]: {
    summary: 'Set the event’s protocol order (organisers): every rank once, in the order they speak; bad bodies are 400 invalid_running_order',
    tag: 'sessions',
    access: 'organiser',
    body: protocolOrderInput,
    responses: { 200: { description: 'The ranks, in order', schema: protocolOrderInput }, ...guarded },
  },
  [`put ${eventPath}/sessions/:sessionId/running-order/:itemId/text`]: {
    summary: 'Attach a statement item’s text for the interpreters (moderators, organisers, or the statement’s speaker): the raw bytes as application/pdf or text/plain (UTF-8), at most 5 MB, the type checked against the bytes; replaces an earlier one',
    tag: 'sessions',
    access: 'moderator',
    rawBody: ['application/pdf', 'text/plain'],
    responses: {
      201: { description: 'Attached', schema: z.looseObject({ itemId: z.string(), text: z.looseObject({ type: z.enum(['application/pdf', 'text/plain']), bytes: z.number().int(), uploadedAt: z.string() }), version: z.number().int() }) },
      ...guarded,
      400: { description: 'invalid_running_order: the item is not a statement', schema: errorBody },
      404: { description: 'run_item_not_found', schema: errorBody },
      413: { description: 'statement_too_large', schema: errorBody },
      415: { description: 'statement_type: not a PDF or UTF-8 text, or not what Content-Type says', schema: errorBody },
    },
  },
  [`get ${eventPath}/sessions/:sessionId/running-order/:itemId/text`]: {
    summary: 'Download a statement item’s text (the session’s interpreters and moderators, organisers, and the statement’s speaker)',
    tag: 'sessions',
    access: 'signed-in',
    responses: { 200: { description: 'The text as uploaded', contentType: 'application/pdf' }, ...guarded, 404: { description: 'No such item, or no text attached', schema: errorBody } },
  },
  [`post ${eventPath}/sessions/:sessionId/running-order/:itemId/recording/approve`]: {
    summary: 'Approve a pre-recorded statement’s uploaded video for the floor (moderators and organisers): only an approved video is played when its item starts; a new upload needs approving again',
    tag: 'sessions',
    access: 'moderator',
    responses: { 200: { description: 'The running order with the item', schema: runState.extend({ item: runItem }) }, ...guarded, 409: { description: 'not_prerecorded: no video uploaded', schema: errorBody } },
  },
  [`get ${eventPath}/reports/speaking-time`]: { summary: 'Speaking time by group, gender and country', tag: 'reports', access: 'organiser', query: z.object({ sessionId: id.optional() }), responses: { 200: { description: 'Report', schema: anyJson }, ...guarded } },
  [`get ${eventPath}/reports/speaking-time.csv`]: { summary: 'Speaking time as CSV', tag: 'reports', access: 'organiser', query: z.object({ sessionId: id.optional() }), responses: { 200: csv, ...guarded } },
  'post /api/events': {
    summary: 'Create an event (organisers of any event, or the standing token); a participant creator becomes its first organiser and gets a sign-in link for it',
    tag: 'programme',
    access: 'organiser',
    body: eventDraftSchema,
    responses: { 201: { description: 'Created', schema: z.looseObject({ event, organizer: issued.optional() }) }, ...guarded, 409: { description: 'event_exists', schema: errorBody } },
  },
  [`patch ${eventPath}`]: { summary: 'Change an event (texts, zone, languages, registration, webcast, archived)', tag: 'programme', access: 'organiser', body: eventPatchSchema, responses: { 200: { description: 'Changed', schema: z.looseObject({ event, changed: z.boolean() }) }, ...guarded, 409: { description: 'Conflict', schema: errorBody } } },
  [`delete ${eventPath}`]: { summary: 'Delete an event without sessions (one with sessions is refused with event_has_sessions: archive it)', tag: 'programme', access: 'organiser', responses: { 200: { description: 'Deleted', schema: z.object({ deleted: z.literal(true), eventId: id }) }, ...guarded, 409: { description: 'event_has_sessions', schema: errorBody } } },
  [`get ${eventPath}/reports/attendance`]: {
    summary: 'Attendance per session: who, first join, last leave, minutes present, totals by group, country and gender, peak concurrent',
    tag: 'reports',
    access: 'organiser',
    query: z.object({ sessionId: id.optional() }),
    responses: { 200: { description: 'Report', schema: z.looseObject({ eventId: id, sessions: z.array(z.looseObject({ sessionId: id, attendees: z.array(anyJson), peak: z.looseObject({}) })) }) }, ...guarded },
  },
  [`get ${eventPath}/reports/attendance.csv`]: { summary: 'Attendance as CSV (one row per participant and session)', tag: 'reports', access: 'organiser', query: z.object({ sessionId: id.optional() }), responses: { 200: csv, ...guarded } },
  'get /api/openapi.json': { summary: 'This document', tag: 'meta', access: 'public', responses: { 200: { description: 'OpenAPI 3.1' } } },
};

export interface ApiRoute {
  method: Method;
  /** Express pattern, e.g. /api/events/:eventId */
  path: string;
}

/** The /api routes registered in an Express app (routers mounted at the root, as createApp does). */
export function apiRoutes(app: Express): ApiRoute[] {
  const found: ApiRoute[] = [];
  interface Layer {
    route?: { path: unknown; methods: Record<string, boolean> };
    handle?: { stack?: Layer[] };
  }
  const walk = (stack: readonly Layer[]): void => {
    for (const layer of stack) {
      if (layer.route && typeof layer.route.path === 'string') {
        const path = layer.route.path;
        if (!path.startsWith('/api/')) continue;
        for (const [method, on] of Object.entries(layer.route.methods)) {
          if (on && ['get', 'post', 'put', 'patch', 'delete'].includes(method)) found.push({ method: method as Method, path });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  const seen = new Set<string>();
  return found.filter((r) => (seen.has(`${r.method} ${r.path}`) ? false : (seen.add(`${r.method} ${r.path}`), true)));
}

/** /api/events/:eventId → /api/events/{eventId} */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

const accessText: Record<Access, string> = {
  public: 'Anyone.',
  'signed-in': 'A signed-in caller.',
  participant: 'A signed-in, approved participant of the event (not the organiser token).',
  moderator: 'A moderator of the session, or an organiser.',
  organiser: 'An organiser of the event, or PLENARY_ORGANIZER_TOKEN.',
};

/** The document for these routes (all of the app's when given), with what this module describes. */
export function openApiDocument(routes: readonly ApiRoute[], options: { serverUrl?: string; version?: string } = {}): Record<string, unknown> {
  // Named schemas (.meta({ id })) go to components and are referenced.
  const components: Record<string, unknown> = {};
  const toSchema = (schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> => {
    const json = z.toJSONSchema(schema, {
      io,
      unrepresentable: 'any',
      target: 'draft-2020-12',
      reused: 'inline',
    }) as Record<string, unknown>;
    const { $schema: _s, $defs, ...rest } = json as Record<string, unknown> & { $defs?: Record<string, unknown> };
    if ($defs) for (const [name, def] of Object.entries($defs)) components[name] = rewriteRefs(def);
    return rewriteRefs(rest) as Record<string, unknown>;
  };

  const paths: Record<string, Record<string, unknown>> = {};
  const all = [...routes];
  for (const key of Object.keys(operations)) {
    const [method, path] = key.split(' ') as [Method, string];
    if (routes.length === 0 || path === '/api/openapi.json') {
      if (!all.some((r) => r.method === method && r.path === path)) all.push({ method, path });
    }
  }
  for (const route of all) {
    const op = operations[`${route.method} ${route.path}`];
    const params = [...route.path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      // Queue entries have opaque ids; everything else named in a path is a lowercase id.
      schema: { type: 'string', pattern: m[1] === 'entryId' ? '^[A-Za-z0-9_-]{1,100}$' : '^[a-z0-9][a-z0-9-]{0,63}$' },
    }));
    const entry: Record<string, unknown> = { operationId: operationId(route), parameters: params };
    if (op) {
      entry.summary = op.summary;
      entry.tags = [op.tag];
      entry.description = `Who: ${accessText[op.access]}`;
      if (op.access !== 'public') entry.security = [{ bearer: [] }, { session: [] }];
      if (op.query) {
        const shape = op.query.shape as Record<string, z.ZodType>;
        for (const [name, schema] of Object.entries(shape)) {
          params.push({ name, in: 'query', required: !schema.safeParse(undefined).success, schema: toSchema(schema, 'input') as never });
        }
      }
      if (op.body) entry.requestBody = { required: true, content: { 'application/json': { schema: toSchema(op.body, 'input') } } };
      if (op.rawBody) entry.requestBody = { required: true, content: Object.fromEntries(op.rawBody.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }])) };
      entry.responses = Object.fromEntries(
        Object.entries(op.responses).map(([status, r]) => [
          status,
          {
            description: r.description,
            ...(r.contentType
              ? { content: { [r.contentType]: { schema: { type: 'string' } } } }
              : r.schema
                ? { content: { 'application/json': { schema: toSchema(r.schema, 'output') } } }
                : {}),
          },
        ]),
      );
    } else {
      entry.summary = 'Not described yet';
      entry['x-plenary-undocumented'] = true;
      entry.responses = { default: { description: 'See the README and shared/design.md' } };
    }
    (paths[openApiPath(route.path)] ??= {})[route.method] = entry;
  }

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Plenary REST API',
      version: options.version ?? '0.1.0',
      description:
        'Programme, sessions, participants and agendas of a Plenary forum. Errors are `{ "error": { "code", "message" } }` with a 4xx status. Live features (speaker queue, Q&A, polls, media) are Socket.IO events, not described here.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [
      { name: 'programme' },
      { name: 'sessions' },
      { name: 'participants' },
      { name: 'agenda' },
      { name: 'reports' },
      { name: 'meta' },
    ],
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: components,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A participant’s token or PLENARY_ORGANIZER_TOKEN.' },
        session: { type: 'apiKey', in: 'cookie', name: 'plenary_session', description: 'A browser session from an invitation link.' },
      },
    },
  };
}

function operationId(route: ApiRoute): string {
  const words = route.path
    .replace(/^\/api\//, '')
    .split(/[/.]/)
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? `by-${w.slice(1)}` : w));
  return [route.method, ...words].join('-').replace(/-([a-zA-Z])/g, (_m, c: string) => c.toUpperCase());
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : rewriteRefs(v)]),
    );
  }
  return value;
}

/** GET /api/openapi.json: the document of the app that serves it, made on first request. */
export function openApiRouter(options: { publicUrl?: string } = {}): Router {
  const router = Router();
  let cached: string | undefined;
  router.get('/api/openapi.json', (req, res) => {
    cached ??= JSON.stringify(openApiDocument(apiRoutes(req.app as Express), { serverUrl: options.publicUrl }));
    res.type('application/json').set('Cache-Control', 'no-cache').send(cached);
  });
  return router;
}
