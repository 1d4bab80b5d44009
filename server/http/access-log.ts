import type { RequestHandler } from 'express';
import { loggablePath, type Logger } from '../logger.ts';

/**
 * One structured line per request (method, path with secrets masked,
 * status, duration). Static assets and health checks log at debug level so
 * they do not drown the rest.
 */
export function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const quiet = req.path === '/healthz' || req.path.startsWith('/assets/');
      const entry = { method: req.method, path: loggablePath(req.path), status: res.statusCode, ms: Math.round(ms * 10) / 10 };
      if (quiet) logger.debug(entry, 'request');
      else logger.info(entry, 'request');
    });
    next();
  };
}
