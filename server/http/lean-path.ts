import type { OutgoingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Request, RequestHandler } from 'express';
import { loggablePath, type Logger } from '../logger.ts';
import { notModified, pickEncoding, sharedResponseHook, type Rendered, type RenderCache } from './render-cache.ts';

/** Observes one request answered on the lean path (metrics: same labels as the general path). */
export type LeanObserver = (method: string, route: string, status: number, seconds: number) => void;

export interface LeanPathOptions {
  cache: RenderCache;
  logger: Logger;
  observe?: LeanObserver;
  /** Distinct requests remembered (least recently used go first). */
  maxEntries?: number;
}

interface LeanEntry {
  rendered: Rendered;
  /** The render-cache value the response came from: the entry is served while that value is current. */
  origin: object;
  route: string;
  /** Flat header lists for writeHead, one per variant. */
  identity: string[];
  br: string[] | undefined;
  gzip: string[] | undefined;
  notModified: string[];
}

/** Headers of the general path that the lean path sets per variant (or Node sets itself). */
const perVariant = new Set(['content-type', 'content-length', 'content-encoding', 'date', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * The lean path for cached public GETs (issue #10): an anonymous request
 * (no cookie, no Authorization) whose exact twin (same URL, Host,
 * Accept-Language, forwarded scheme and host, TLS or not) was answered
 * from the render cache is answered here, before the middleware stack,
 * with the headers the full stack sent that twin (helmet's, HSTS, ETag,
 * Cache-Control, Vary ...), a 304 on a matching conditional GET, and the
 * compressed variant the client accepts. The entry is served only while
 * the render-cache value it came from is current (same generation, not
 * expired), so an edit, status or role change sends the next request
 * through the full stack again.
 *
 * Only responses sent by `sendRendered` for content shared by every
 * anonymous viewer are offered, and only when the full stack set no
 * cookie: nothing personal can be replayed. Everything else (signed-in
 * viewers, first visits, misses) takes the general path unchanged.
 */
export class LeanPath {
  private readonly entries = new Map<string, LeanEntry>();
  private readonly cache: RenderCache;
  private readonly logger: Logger;
  private readonly observe: LeanObserver | undefined;
  private readonly maxEntries: number;

  constructor(options: LeanPathOptions) {
    this.cache = options.cache;
    this.logger = options.logger;
    this.observe = options.observe;
    this.maxEntries = options.maxEntries ?? 500;
    // Stale entries would keep their bodies alive until pushed out: drop them when the cache changes.
    this.cache.onInvalidate(() => {
      for (const [key, entry] of this.entries) if (!this.cache.isCurrent(entry.origin)) this.entries.delete(key);
    });
  }

  /** Entries held (for tests and the bench). */
  get size(): number {
    return this.entries.size;
  }

  readonly middleware: RequestHandler = (req, res, next) => {
    const key = leanKey(req);
    if (key === undefined) {
      next();
      return;
    }
    const entry = this.entries.get(key);
    if (entry && this.cache.isCurrent(entry.origin)) {
      const started = process.hrtime.bigint();
      let status: number;
      if (notModified(req, entry.rendered.etag, entry.rendered.lastModified)) {
        status = 304;
        res.writeHead(304, entry.notModified);
        res.end();
      } else {
        status = 200;
        const encoding = entry.br || entry.gzip ? pickEncoding(req.headers['accept-encoding']) : undefined;
        if (encoding === 'br' && entry.br) {
          res.writeHead(200, entry.br);
          res.end(entry.rendered.br);
        } else if (encoding === 'gzip' && entry.gzip) {
          res.writeHead(200, entry.gzip);
          res.end(entry.rendered.gzip);
        } else {
          res.writeHead(200, entry.identity);
          res.end(entry.rendered.body);
        }
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.observe?.(req.method, entry.route, status, seconds);
      if (this.logger.isLevelEnabled('info')) {
        this.logger.info({ method: req.method, path: loggablePath(req.path), status, ms: Math.round(seconds * 1e4) / 10, lean: true }, 'request');
      }
      return;
    }
    if (entry) this.entries.delete(key);
    (req as LeanRequest)[sharedResponseHook] = (rendered, origin, headers) => this.remember(key, req, rendered, origin, headers);
    next();
  };

  private remember(key: string, req: Request, rendered: Rendered, origin: object, headers: OutgoingHttpHeaders): void {
    // A response that set a cookie (a remembered ?lang or ?tz, a CSRF cookie) is not the same for the next visitor.
    if (headers['set-cookie'] !== undefined) return;
    const pattern: unknown = req.route?.path;
    const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : '(unmatched)';
    const base: string[] = [];
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined || perVariant.has(name)) continue;
      for (const v of Array.isArray(value) ? value : [value]) base.push(name, String(v));
    }
    const variant = (body: Buffer, encoding?: string): string[] => [
      ...base,
      'Content-Type', rendered.type,
      ...(encoding ? ['Content-Encoding', encoding] : []),
      'Content-Length', String(body.length),
    ];
    this.entries.delete(key);
    this.entries.set(key, {
      rendered,
      origin,
      route,
      identity: variant(rendered.body),
      br: rendered.br ? variant(rendered.br, 'br') : undefined,
      gzip: rendered.gzip ? variant(rendered.gzip, 'gzip') : undefined,
      notModified: base,
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

type LeanRequest = Request & { [sharedResponseHook]?: (rendered: Rendered, origin: object, headers: OutgoingHttpHeaders) => void };

/**
 * What an anonymous GET's shared response can depend on, as one string;
 * undefined when the request is not for the lean path (not a GET, carries
 * a cookie or credentials, or an overlong URL).
 */
function leanKey(req: Request): string | undefined {
  if (req.method !== 'GET') return undefined;
  const h = req.headers;
  if (h.cookie !== undefined || h.authorization !== undefined) return undefined;
  const url = req.url;
  if (url.length > 2048) return undefined;
  const tls = (req.socket as Partial<TLSSocket>).encrypted ? 's' : '';
  return `${url}\u0000${h.host ?? ''}\u0000${h['accept-language'] ?? ''}\u0000${String(h['x-forwarded-proto'] ?? '')}\u0000${String(h['x-forwarded-host'] ?? '')}\u0000${tls}`;
}
