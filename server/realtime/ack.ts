import type { PlenarySocket } from '../protocol/socket-types.ts';
import type { z } from 'zod';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { clientEvents, type Ack, type ClientEventName, type ClientPayload } from '../protocol/events.ts';
import { toAppError } from '../http/error-handler.ts';
import type { SocketRateLimiter } from './rate-limit.ts';

type Handler<E extends ClientEventName> = (payload: ClientPayload<E>) => Promise<object>;

/** Hears every client event's outcome ("ok" or the refusal code) and, for known events, its handling time. */
export type SocketEventObserver = (event: string, outcome: string, seconds?: number) => void;
const observers = new WeakMap<object, SocketEventObserver>();

/** Metrics (server/ops/metrics.ts) observe the events of one Socket.IO server. */
export function observeSocketEvents(io: object, observer: SocketEventObserver): void {
  observers.set(io, observer);
}

/** The observer of the socket's server, if any. */
export function socketEventObserver(socket: PlenarySocket): SocketEventObserver | undefined {
  return observers.get(socket.nsp.server);
}

/**
 * The one way a socket event is handled: rate limit (per socket,
 * participant and address) → parse the payload by
 * its schema → run the handler (which authorises, then calls a service) →
 * ack `{ ok: true, ... }` or `{ ok: false, error: { code, message } }`.
 * Nothing a client sends can throw past this point.
 */
export function on<E extends ClientEventName>(
  socket: PlenarySocket,
  event: E,
  deps: { logger: Logger; limiter: SocketRateLimiter },
  handler: Handler<E>,
): void {
  const listener = async (...args: unknown[]): Promise<void> => {
    const last = args.at(-1);
    const ack = typeof last === 'function' ? (last as (reply: Ack) => void) : undefined;
    const raw = typeof args[0] === 'function' ? undefined : args[0];
    const started = process.hrtime.bigint();
    const observe = (outcome: string): void => socketEventObserver(socket)?.(event, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    try {
      if (!deps.limiter.admit(socket)) {
        throw new AppError('rate_limited', 'Too many requests; slow down and try again in a moment.');
      }
      const schema = clientEvents[event] as unknown as z.ZodType<ClientPayload<E>>;
      const parsed = schema.safeParse(raw ?? {});
      if (!parsed.success) {
        const summary = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
        throw new AppError('bad_request', `Invalid ${event} payload: ${summary}`);
      }
      const result = await handler(parsed.data);
      ack?.({ ok: true, ...result });
      observe('ok');
    } catch (error) {
      const appError = toAppError(error);
      if (appError.status >= 500) deps.logger.error({ err: error, event, socket: socket.id }, 'socket event failed');
      else deps.logger.debug({ code: appError.code, event, socket: socket.id }, 'socket event refused');
      ack?.({ ok: false, error: { code: appError.code, message: appError.message } });
      observe(appError.code);
    }
  };
  // Registered under the widened name: any listener taking (payload, ack) fits every client event.
  const name: ClientEventName = event;
  socket.on(name, listener);
}
