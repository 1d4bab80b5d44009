import { AppError, isAppError } from '../errors.ts';

/**
 * The one translation of mediasoup's failures into coded errors. Every call
 * into mediasoup in the media layer goes through `viaMediasoup`, so a
 * client never sees `internal` for something the media server refused or
 * ran out of, while a bug in our own code (not inside such a call) still
 * surfaces as `internal`.
 *
 * mediasoup 3.27 rejects with: TypeError (invalid parameters, from its
 * Node side or the worker), UnsupportedError (e.g. a codec the router does
 * not have), NotFoundError (the transport, producer or router is gone in
 * the worker), WorkerClosedError (the worker process ended), and a plain
 * Error for anything else the worker threw, such as running out of ports.
 */
const portTrouble = /no more available ports|uv_(udp|tcp)_bind\(\) failed|uv_listen\(\) failed|EADDRINUSE/i;

export function mediaFailure(error: unknown): AppError {
  if (isAppError(error)) return error;
  const name = error instanceof Error ? error.name : '';
  const reason = error instanceof Error ? error.message : String(error);
  let mapped: AppError;
  if (name === 'WorkerClosedError') {
    mapped = new AppError('media_unavailable', 'The media server behind this session stopped; join the stage again in a moment.');
  } else if (name === 'NotFoundError') {
    mapped = new AppError('media_not_found', 'That transport, producer or consumer closed meanwhile; join the session’s media again.');
  } else if (name === 'UnsupportedError' || error instanceof TypeError) {
    mapped = new AppError('bad_request', `The media server cannot take these parameters: ${reason}`);
  } else if (portTrouble.test(reason)) {
    mapped = new AppError(
      'media_unavailable',
      'This server has no network port free for more media right now; try again later (its operators can widen MEDIA_RTC_MIN_PORT..MEDIA_RTC_MAX_PORT).',
    );
  } else {
    mapped = new AppError('media_unavailable', 'The media server could not do that right now; try again in a moment.');
  }
  // Kept for the log (realtime/ack.ts logs 5xx with the error); never sent to the client.
  mapped.cause = error;
  return mapped;
}

/** Runs one mediasoup call; whatever it throws comes out coded (see mediaFailure). */
export async function viaMediasoup<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw mediaFailure(error);
  }
}
