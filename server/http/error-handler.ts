import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, isAppError, toErrorBody } from '../errors.ts';
import { loggablePath, type Logger } from '../logger.ts';

export const notFoundApi: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
};

/** The one place where failures become HTTP answers. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = toAppError(error);
    if (appError.status >= 500) {
      logger.error({ err: error, method: req.method, path: loggablePath(req.path) }, 'request failed');
    } else {
      logger.debug({ code: appError.code, method: req.method, path: loggablePath(req.path) }, 'request refused');
    }
    if (res.headersSent) return;
    res.status(appError.status).json({ error: toErrorBody(appError) });
  };
}

export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  if (typeof error === 'object' && error !== null) {
    const e = error as { type?: string; status?: number; statusCode?: number };
    // body-parser's errors: malformed JSON and oversized bodies are the caller's fault
    if (e.type === 'entity.too.large') return new AppError('payload_too_large', 'The request body is too large.');
    if (e.type === 'entity.parse.failed') return new AppError('invalid_body', 'The request body is not valid JSON.');
    const status = e.status ?? e.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return new AppError('bad_request', 'The request could not be understood.');
  }
  return new AppError('internal', 'Something went wrong on our side. It has been logged.');
}
