import path from 'node:path';
import express, { type Express, type RequestHandler, type Router } from 'express';
import helmet, { strictTransportSecurity } from 'helmet';
import { AppError } from '../errors.ts';
import { loggablePath, type Logger } from '../logger.ts';
import { errorHandler, notFoundApi, toAppError } from './error-handler.ts';
import { renderErrorPage } from './pages.ts';
import { accessLog } from './access-log.ts';
import { attachCaller } from './caller.ts';
import { requestContext } from './request-context.ts';
import type { LeanPath } from './lean-path.ts';
import type { CallerResolver } from '../identity/resolve.ts';
import type { Views } from './views.ts';

export interface AppParts {
  logger: Logger;
  views: Views;
  /** Routers in the order they are mounted. */
  routers: Router[];
  callers: CallerResolver;
  /** Cached public GETs answered before everything else (lean-path.ts); it keeps its own metrics and access log. */
  lean?: LeanPath;
  /** Run first, before anything else (request metrics, which time the whole request). */
  first?: RequestHandler[];
  /** Run after the caller is resolved, before the routers (CSRF protection). */
  middleware?: RequestHandler[];
  /** Number of reverse-proxy hops to trust for the client's address. */
  trustProxy?: number;
  /** The public URL is https (PUBLIC_URL): every response carries HSTS. */
  https?: boolean;
}

/** The Express application: security headers, parsing, routers, and the one error mapping. */
export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  // Express's own request parsing stays lazy; the lean path reads headers and the URL only.
  if (parts.lean) app.use(parts.lean.middleware);
  for (const handler of parts.first ?? []) app.use(handler);
  app.use(accessLog(parts.logger));
  if (parts.trustProxy) app.set('trust proxy', parts.trustProxy);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'script-src': ["'self'"],
          'style-src': ["'self'"],
          'img-src': ["'self'", 'data:'],
          // CSP3 'self' covers ws:/wss: to this same host; other hosts stay refused.
          'connect-src': ["'self'"],
          'media-src': ["'self'", 'blob:'],
          'form-action': ["'self'"],
          'frame-ancestors': ["'none'"],
          'upgrade-insecure-requests': null,
        },
      },
      crossOriginEmbedderPolicy: false,
      strictTransportSecurity: false,
    }),
  );
  // HSTS (helmet's defaults: a year, subdomains) once the site is served
  // over https: configured so (PUBLIC_URL), or as this request shows it
  // (TLS, or X-Forwarded-Proto from a trusted proxy). Never on plain http,
  // where it is meaningless and would pin a local http:// deployment.
  const hsts = strictTransportSecurity();
  app.use((req, res, next) => {
    if (parts.https || req.secure) hsts(req, res, next);
    else next();
  });
  app.use(express.json({ limit: '64kb' }));
  app.use(express.urlencoded({ extended: false, limit: '64kb' }));
  app.use(requestContext);
  app.use(attachCaller(parts.callers));
  for (const handler of parts.middleware ?? []) app.use(handler);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  for (const router of parts.routers) app.use(router);

  app.use(['/api', '/calendar'], notFoundApi);
  const jsonErrors = errorHandler(parts.logger);
  app.use(((error, req, res, next) => {
    if (req.path.startsWith('/api/') || req.path.startsWith('/calendar/') || req.path === '/healthz' || !req.accepts('html')) {
      jsonErrors(error, req, res, next);
      return;
    }
    const appError = toAppError(error);
    if (appError.status >= 500) parts.logger.error({ err: error, path: loggablePath(req.path) }, 'page failed');
    renderErrorPage(parts.views, req, res, appError);
  }) as express.ErrorRequestHandler);
  app.use((req, res) => {
    const error = new AppError('not_found', `There is no page at ${req.path}.`);
    if (req.accepts('html')) renderErrorPage(parts.views, req, res, error);
    else res.status(404).json({ error: { code: error.code, message: error.message } });
  });
  return app;
}

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');
