import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /**
   * Human-readable lines (pino-pretty) instead of JSON. By default: when
   * nothing else is given as the destination and stdout is a terminal
   * (`npm start` in a shell); JSON whenever stdout is a pipe, a file or a
   * journal, as in production.
   */
  pretty?: boolean;
}

/**
 * pino-pretty's stream, synchronous and in this process (no worker thread,
 * so nothing is lost when the process exits); writes to `destination` or
 * stdout. Null when pino-pretty is not installed (it is a development
 * dependency: an image built without those keeps JSON).
 */
function prettyStream(destination?: DestinationStream): DestinationStream | null {
  try {
    const require = createRequire(import.meta.url);
    const build = require('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
    return build({
      colorize: destination === undefined && Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      singleLine: false,
      sync: true,
      ...(destination ? { destination } : {}),
    });
  } catch {
    return null;
  }
}

/**
 * Structured logs: JSON, or readable lines in a terminal (LoggerOptions).
 * Tokens, links with tokens and cookies are redacted wherever they appear,
 * in both forms.
 */
export function createLogger(level: string, destination?: DestinationStream, loggerOptions: LoggerOptions = {}): Logger {
  const options = {
    level,
    base: { service: 'plenary' },
    redact: {
      paths: [
        'token',
        '*.token',
        'link',
        '*.link',
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: '[redacted]',
    },
  };
  const pretty = loggerOptions.pretty ?? (destination === undefined && Boolean(process.stdout.isTTY));
  const stream = pretty ? prettyStream(destination) : null;
  if (stream) return pino(options, stream);
  return destination ? pino(options, destination) : pino(options);
}

/** A request path fit for logs: the secret in /i/<token> and /calendar/agenda/<token>.ics is cut out. */
export function loggablePath(path: string): string {
  return path.replace(/^\/i\/[^/]+/, '/i/[redacted]').replace(/^\/calendar\/agenda\/[^/]+/, '/calendar/agenda/[redacted]');
}
