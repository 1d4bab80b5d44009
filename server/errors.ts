/**
 * Coded errors. Every failure that reaches a user carries a stable `code`
 * (for programs and tests) and a human `message`; HTTP and socket acks map
 * them in exactly one place each (http/error-handler.ts, realtime/ack.ts).
 */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_body'
  | 'invalid_query'
  | 'invalid_id'
  | 'invalid_time_zone'
  | 'invalid_time'
  | 'nonexistent_local_time'
  | 'end_before_start'
  | 'not_found'
  | 'event_not_found'
  | 'session_not_found'
  | 'participant_not_found'
  | 'event_exists'
  | 'event_has_sessions'
  | 'registration_closed'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_organizer'
  | 'not_moderator'
  | 'not_panelist'
  | 'not_approved'
  | 'not_on_floor'
  | 'token_revoked'
  | 'csrf_invalid'
  | 'origin_not_allowed'
  | 'duplicate_registration'
  | 'conflict'
  | 'session_not_live'
  | 'session_ended'
  | 'rate_limited'
  | 'too_many_connections'
  | 'payload_too_large'
  | 'already_in_queue'
  | 'second_statement'
  | 'group_quota'
  | 'invalid_order'
  | 'floor_changed'
  | 'list_closed'
  | 'unknown_event'
  | 'invalid_question'
  | 'question_not_found'
  | 'question_not_open'
  | 'invalid_poll'
  | 'invalid_choice'
  | 'poll_not_found'
  | 'poll_not_open'
  | 'poll_closed'
  | 'not_eligible'
  | 'not_joined'
  | 'media_disabled'
  | 'media_unavailable'
  | 'media_limit_reached'
  | 'media_not_found'
  | 'cannot_consume'
  | 'video_not_allowed'
  | 'muted_by_moderator'
  | 'booth_taken'
  | 'booth_unconfirmed'
  | 'booth_idle'
  | 'not_booth_live'
  | 'not_booth_partner'
  | 'not_interpreter'
  | 'invalid_relay'
  | 'not_captioner'
  | 'invalid_caption'
  | 'statement_too_large'
  | 'statement_type'
  | 'webcast_not_started'
  | 'webcast_unavailable'
  | 'invalid_running_order'
  | 'unknown_speaker'
  | 'running_order_changed'
  | 'run_item_not_found'
  | 'not_prerecorded'
  | 'recording_too_large'
  | 'recording_type'
  | 'recording_undecodable'
  | 'not_playing'
  | 'recording_not_ready'
  | 'internal';

const statusByCode: Partial<Record<ErrorCode, number>> = {
  not_found: 404,
  event_not_found: 404,
  session_not_found: 404,
  participant_not_found: 404,
  event_exists: 409,
  event_has_sessions: 409,
  registration_closed: 403,
  unauthenticated: 401,
  token_revoked: 401,
  forbidden: 403,
  not_organizer: 403,
  not_moderator: 403,
  not_panelist: 403,
  not_approved: 403,
  not_on_floor: 403,
  csrf_invalid: 403,
  origin_not_allowed: 403,
  duplicate_registration: 409,
  conflict: 409,
  session_not_live: 409,
  session_ended: 409,
  rate_limited: 429,
  too_many_connections: 429,
  payload_too_large: 413,
  already_in_queue: 409,
  second_statement: 409,
  group_quota: 409,
  invalid_order: 409,
  floor_changed: 409,
  list_closed: 409,
  unknown_event: 400,
  question_not_found: 404,
  question_not_open: 409,
  poll_not_found: 404,
  poll_not_open: 409,
  poll_closed: 409,
  not_eligible: 403,
  not_joined: 409,
  media_disabled: 409,
  media_unavailable: 503,
  media_limit_reached: 409,
  media_not_found: 404,
  cannot_consume: 409,
  video_not_allowed: 403,
  muted_by_moderator: 403,
  booth_taken: 409,
  booth_unconfirmed: 503,
  booth_idle: 409,
  not_booth_live: 403,
  not_booth_partner: 409,
  not_interpreter: 403,
  not_captioner: 403,
  statement_too_large: 413,
  statement_type: 415,
  webcast_not_started: 404,
  webcast_unavailable: 503,
  running_order_changed: 409,
  run_item_not_found: 404,
  not_prerecorded: 409,
  recording_too_large: 413,
  recording_type: 415,
  recording_undecodable: 422,
  not_playing: 409,
  recording_not_ready: 409,
  internal: 500,
};

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = statusByCode[code] ?? 400;
    this.details = details;
  }
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export function toErrorBody(error: AppError): ErrorBody {
  return error.details === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, details: error.details };
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
