import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Tokens, links with tokens and cookies are redacted wherever they appear. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
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
  return destination ? pino(options, destination) : pino(options);
}

/** A request path fit for logs: the secret in /i/<token> and /calendar/agenda/<token>.ics is cut out. */
export function loggablePath(path: string): string {
  return path.replace(/^\/i\/[^/]+/, '/i/[redacted]').replace(/^\/calendar\/agenda\/[^/]+/, '/calendar/agenda/[redacted]');
}
