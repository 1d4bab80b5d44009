import type { PlenarySocket } from '../protocol/socket-types.ts';
import type { Logger } from '../logger.ts';
import { clientEvents } from '../protocol/events.ts';
import { socketEventObserver } from './ack.ts';

const known: ReadonlySet<string> = new Set(Object.keys(clientEvents));

/**
 * Every client event is acked (design, section 4), so a client never waits
 * out its timeout: an event this server does not know, such as one from a
 * newer client, is answered with `unknown_event`. Known events are left to
 * whoever handles them (the live dispatcher, the media signalling).
 */
export function answerUnknownEvent(socket: PlenarySocket, event: string, args: readonly unknown[], logger: Logger): void {
  if (known.has(event)) return;
  const ack = args.at(-1);
  logger.debug({ event, socket: socket.id }, 'unknown socket event');
  // The name is the client's: not a metrics label.
  socketEventObserver(socket)?.('(unknown)', 'unknown_event');
  if (typeof ack === 'function') {
    (ack as (reply: unknown) => void)({ ok: false, error: { code: 'unknown_event', message: `This server does not know the event "${event}".` } });
  }
}

/** The `onAny` listener that answers unknown events, one for every socket (Socket.IO calls it with the socket as `this`). */
export function unknownEventListener(logger: Logger): (this: PlenarySocket, event: string, ...args: unknown[]) => void {
  return function (this: PlenarySocket, event: string, ...args: unknown[]): void {
    answerUnknownEvent(this, event, args, logger);
  };
}
