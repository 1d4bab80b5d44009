import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Tokens and cookies are redacted wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'plenary' },
    redact: {
      paths: [
        'token',
        '*.token',
        'req.headers.authorization',
        'req.headers.cookie',
        'headers.authorization',
        'headers.cookie',
      ],
      censor: '[redacted]',
    },
  });
}
