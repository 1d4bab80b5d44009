import crypto from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Request, Response } from 'express';
import type Handlebars from 'handlebars';
import { sessionCookieOf } from '../identity/authentication.ts';
import type { Logger } from '../logger.ts';
import { callerView, type CallerView } from './caller.ts';
import type { Views } from './views.ts';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Bodies smaller than this are sent as they are (compression would not pay). */
const compressFrom = 1024;

/** One rendered response, with its validators and its compressed variants. */
export interface Rendered {
  body: Buffer;
  /** Strong ETag from the bytes (quoted). */
  etag: string;
  type: string;
  br: Buffer | undefined;
  gzip: Buffer | undefined;
  /** Whole seconds (ms), for Last-Modified. */
  lastModified: number | undefined;
}

export interface RenderSource {
  text: string;
  type: string;
  /** Newest change the body reflects (ISO or ms), for Last-Modified. */
  lastModified?: number;
  /** The body is only right until then (the programme's timing labels follow the clock). */
  validUntil?: number;
}

interface Entry {
  value: Promise<unknown>;
  expiresAt: number;
}

export interface RenderCacheOptions {
  /** The clock the programme's timing follows (tests move it). */
  clock?: () => Date;
  maxEntries?: number;
  /** Safety net for a missed invalidation (another process, Redis down): entries are re-rendered after this. */
  maxAgeMs?: number;
  logger?: Logger;
}

const channel = 'plenary:render-cache';

/**
 * Render once, serve many: what the programme API, the programme and session
 * pages and the calendar feeds produce, kept per key (what a response depends
 * on: event, its generation, zone, language, base URL, the viewer's role
 * class) with a strong ETag and brotli/gzip variants made once, off the
 * event loop (zlib's thread pool).
 *
 * Invalidation bumps the event's generation, which is part of every key, so
 * a render that started before the change is never served after it. With
 * Redis (REDIS_URL) the invalidation is published to the other processes.
 * Entries also expire at the next timing boundary a render reports
 * (`validUntil`) and after `maxAgeMs`.
 */
export class RenderCache {
  private readonly entries = new Map<string, Entry>();
  private readonly generations = new Map<string, number>();
  private readonly clock: () => Date;
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly logger: Logger | undefined;
  private readonly id = crypto.randomUUID();
  private publish: ((message: string) => void) | undefined;
  /** Sentinel marker for holes in page templates: unguessable, so content cannot forge one. */
  readonly holeMark = `\u0001${crypto.randomBytes(6).toString('hex')}:`;
  /** Per-viewer compressed pages, keyed by their ETag. */
  private readonly personal = new Map<string, Rendered>();
  /** Which entry each cached value came from (the lean path asks whether it is still current). */
  private readonly origins = new WeakMap<object, { key: string; entry: Entry }>();
  /** Told after an invalidation (the lean path drops what it keeps of stale values). */
  private readonly invalidated = new Set<() => void>();

  constructor(options: RenderCacheOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.maxEntries = options.maxEntries ?? 2000;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.logger = options.logger;
  }

  generation(eventId: string): number {
    return this.generations.get(eventId) ?? 0;
  }

  /** The event's cached responses are stale (programme edit, status change, role change); on every process. */
  invalidate(eventId: string, why: string): void {
    this.invalidateLocal(eventId);
    this.logger?.debug({ eventId, why }, 'render cache invalidated');
    this.publish?.(JSON.stringify({ from: this.id, eventId }));
  }

  private invalidateLocal(eventId: string): void {
    this.generations.set(eventId, this.generation(eventId) + 1);
    const prefix = `${eventId}\u0000`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
    for (const listener of this.invalidated) listener();
  }

  /** Calls `listener` after every invalidation, on this process or heard from another. */
  onInvalidate(listener: () => void): void {
    this.invalidated.add(listener);
  }

  /** Drops everything (a reconnect to Redis may have missed invalidations). */
  clear(): void {
    for (const eventId of this.generations.keys()) this.generations.set(eventId, this.generation(eventId) + 1);
    this.entries.clear();
    this.personal.clear();
    for (const listener of this.invalidated) listener();
  }

  /** The cached response for `parts` of `eventId`, made by `make` on a miss (once, however many ask at the same time). */
  get(eventId: string, parts: readonly string[], make: () => Promise<RenderSource>): Promise<Rendered> {
    return this.memo(eventId, ['r', ...parts], async () => {
      const source = await make();
      const rendered = await prepare(Buffer.from(source.text), source.type, source.lastModified);
      return { value: rendered, validUntil: source.validUntil };
    });
  }

  /** Any value derived from the event (a page template with holes), cached and invalidated like responses. */
  memo<T>(eventId: string, parts: readonly string[], make: () => Promise<{ value: T; validUntil?: number | undefined }>): Promise<T> {
    const key = `${eventId}\u0000${this.generation(eventId)}\u0000${parts.join('\u0000')}`;
    const now = this.clock().getTime();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) {
      // LRU: most recently used last.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value as Promise<T>;
    }
    const entry: Entry = { value: Promise.resolve(undefined), expiresAt: now + this.maxAgeMs };
    const value = (async () => {
      const made = await make();
      if (made.validUntil !== undefined) entry.expiresAt = Math.min(entry.expiresAt, made.validUntil);
      if (typeof made.value === 'object' && made.value !== null) this.origins.set(made.value, { key, entry });
      return made.value;
    })();
    entry.value = value;
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return value;
  }

  /**
   * The cached value (as returned by `get` or `memo`) is still what a new
   * request would get: its event was not invalidated since, it has not
   * expired, and it was not evicted.
   */
  isCurrent(value: object): boolean {
    const origin = this.origins.get(value);
    if (!origin) return false;
    return this.entries.get(origin.key) === origin.entry && origin.entry.expiresAt > this.clock().getTime();
  }

  /**
   * A per-viewer response (a page filled with the viewer's name, CSRF token,
   * stars): kept by its ETag, so a viewer's reloads cost no compression;
   * only the encoding asked for is made, at a fast level (many viewers, one body each).
   */
  async personalised(text: string, type: string, encoding: 'br' | 'gzip' | undefined): Promise<Rendered> {
    const body = Buffer.from(text);
    const etag = etagOf(body);
    let rendered = this.personal.get(etag);
    if (rendered) {
      this.personal.delete(etag);
    } else {
      rendered = { body, etag, type, br: undefined, gzip: undefined, lastModified: undefined };
      while (this.personal.size >= 1000) {
        const oldest = this.personal.keys().next().value;
        if (oldest === undefined) break;
        this.personal.delete(oldest);
      }
    }
    this.personal.set(etag, rendered);
    if (body.length >= compressFrom) {
      if (encoding === 'br' && !rendered.br) rendered.br = await brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
      if (encoding === 'gzip' && !rendered.gzip) rendered.gzip = await gzip(body, { level: 6 });
    }
    return rendered;
  }

  /** Shares invalidations with the other processes through Redis pub/sub. */
  async connectRedis(url: string): Promise<() => Promise<void>> {
    const { createClient } = await import('redis');
    const publisher = createClient({ url });
    const subscriber = publisher.duplicate();
    const onError = (error: unknown): void => this.logger?.error({ err: error }, 'render cache: redis error');
    publisher.on('error', onError);
    subscriber.on('error', onError);
    // After a reconnect, invalidations sent meanwhile are lost: start afresh.
    subscriber.on('ready', () => this.clear());
    await publisher.connect();
    await subscriber.connect();
    await subscriber.subscribe(channel, (message) => {
      try {
        const { from, eventId } = JSON.parse(message) as { from?: string; eventId?: string };
        if (from !== this.id && typeof eventId === 'string') this.invalidateLocal(eventId);
      } catch {
        // not ours
      }
    });
    this.publish = (message) => {
      publisher.publish(channel, message).catch(onError);
    };
    return async () => {
      this.publish = undefined;
      await subscriber.quit().catch(onError);
      await publisher.quit().catch(onError);
    };
  }
}

async function prepare(body: Buffer, type: string, lastModified: number | undefined, etag = etagOf(body)): Promise<Rendered> {
  let br: Buffer | undefined;
  let gz: Buffer | undefined;
  if (body.length >= compressFrom) {
    [br, gz] = await Promise.all([
      brotli(body, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 9,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
          [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        },
      }),
      gzip(body, { level: 9 }),
    ]);
  }
  return {
    body,
    etag,
    type,
    br,
    gzip: gz,
    lastModified: lastModified === undefined || !Number.isFinite(lastModified) ? undefined : Math.floor(lastModified / 1000) * 1000,
  };
}

/** A response made per request (nothing to share): validators, no compressed variants. */
export function uncompressed(text: string, type: string, lastModified: number | undefined): Rendered {
  const body = Buffer.from(text);
  return { body, etag: etagOf(body), type, br: undefined, gzip: undefined, lastModified: lastModified === undefined ? undefined : Math.floor(lastModified / 1000) * 1000 };
}

export function etagOf(body: Buffer | string): string {
  return `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/** The newest of some ISO instants, in ms (undefined when none parses). */
export function newest(instants: readonly string[]): number | undefined {
  const ms = Math.max(...instants.map((r) => Date.parse(r)).filter((n) => Number.isFinite(n)));
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison),
 * else If-Modified-Since. Express's req.fresh is not used: it answers 200
 * to any request with "Cache-Control: no-cache", which fetch() and some
 * calendar clients add to every conditional request.
 */
export function notModified(req: Request, etag: string, lastModified: number | undefined): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined || lastModified === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return Number.isFinite(since) && lastModified <= since;
}

/** `br`, `gzip` or identity, from Accept-Encoding (q-values honoured; q=0 refuses). */
export function pickEncoding(header: string | undefined): 'br' | 'gzip' | undefined {
  if (!header) return undefined;
  let br = -1;
  let gz = -1;
  let star = -1;
  for (const item of header.split(',')) {
    const [name = '', ...params] = item.trim().toLowerCase().split(';');
    let q = 1;
    for (const p of params) {
      const m = /^\s*q=([0-9.]+)\s*$/.exec(p);
      if (m) q = Number(m[1]);
    }
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gz = q;
    else if (name === '*') star = q;
  }
  if (br < 0) br = star;
  if (gz < 0) gz = star;
  if (br > 0 && br >= gz) return 'br';
  if (gz > 0) return 'gzip';
  return undefined;
}

export interface SendOptions {
  /** e.g. `public, no-cache` or `private, no-cache`. */
  cacheControl: string;
  /** Request headers the body depends on besides Accept-Encoding. */
  vary?: string[];
  headers?: Record<string, string>;
  /**
   * The response is the same for every anonymous viewer, and comes from
   * this render-cache value (`get`'s result, or the `memo` value it was
   * derived from): the lean path (lean-path.ts) may replay it while the
   * value is current.
   */
  sharedFrom?: object;
}

/** Set on a request by the lean path: hears shared responses sent through the general path, with their headers. */
export const sharedResponseHook = Symbol('plenary.sharedResponse');
type SharedResponseHook = (rendered: Rendered, origin: object, headers: OutgoingHttpHeaders) => void;

/** Sends a rendered response: ETag, Last-Modified, 304 on a matching conditional GET, the variant the client accepts. */
export function sendRendered(req: Request, res: Response, rendered: Rendered, options: SendOptions): void {
  res.setHeader('ETag', rendered.etag);
  res.setHeader('Cache-Control', options.cacheControl);
  res.setHeader('Vary', [...(options.vary ?? []), 'Accept-Encoding'].join(', '));
  if (rendered.lastModified !== undefined) res.setHeader('Last-Modified', new Date(rendered.lastModified).toUTCString());
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  if (options.sharedFrom) (req as Request & { [sharedResponseHook]?: SharedResponseHook })[sharedResponseHook]?.(rendered, options.sharedFrom, res.getHeaders());
  if (notModified(req, rendered.etag, rendered.lastModified)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  const encoding = rendered.br || rendered.gzip ? pickEncoding(req.headers['accept-encoding']) : undefined;
  const body = encoding === 'br' ? rendered.br : encoding === 'gzip' ? rendered.gzip : undefined;
  res.setHeader('Content-Type', rendered.type);
  if (body && encoding) {
    res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    res.end(body);
    return;
  }
  res.setHeader('Content-Length', rendered.body.length);
  res.end(rendered.body);
}

/**
 * A page rendered once with holes where the viewer's own values go (their
 * name, CSRF token, starred sessions), filled per request by string joins.
 * `text` holds `${holeMark}name\u0001` markers; `variants` holds, per hole
 * that is a choice (a star button on or off), the pieces to choose from.
 */
export interface PageTemplate {
  parts: readonly string[];
  variants: ReadonlyMap<string, { on: readonly string[]; off: readonly string[] }>;
}

export interface ViewerValues {
  name: string | null;
  csrfToken: string | undefined;
  bookmarks: readonly string[];
}

/** Splits a rendered page at its holes: even indexes are text, odd ones hole names. */
export function splitHoles(text: string, holeMark: string): string[] {
  const parts: string[] = [];
  let at = 0;
  for (;;) {
    const start = text.indexOf(holeMark, at);
    if (start < 0) break;
    const end = text.indexOf('\u0001', start + holeMark.length);
    if (end < 0) break;
    parts.push(text.slice(at, start), text.slice(start + holeMark.length, end));
    at = end + 1;
  }
  parts.push(text.slice(at));
  return parts;
}

const htmlEscapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '`': '&#x60;', '=': '&#x3D;' };
/** Handlebars' escaping, for values put into holes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`=]/g, (c) => htmlEscapes[c] ?? c);
}

export function fillPage(template: PageTemplate, viewer: ViewerValues): string {
  const out: string[] = [];
  const bookmarks = new Set(viewer.bookmarks);
  const fill = (parts: readonly string[]): void => {
    for (let i = 0; i < parts.length; i += 1) {
      const part = parts[i] as string;
      if (i % 2 === 0) {
        out.push(part);
        continue;
      }
      if (part === 'name') out.push(escapeHtml(viewer.name ?? ''));
      else if (part === 'csrf') out.push(escapeHtml(viewer.csrfToken ?? ''));
      else if (part.startsWith('bm:')) {
        const variant = template.variants.get(part);
        if (variant) fill(bookmarks.has(part.slice(3)) ? variant.on : variant.off);
      }
    }
  };
  fill(template.parts);
  return out.join('');
}

/** What a page render needs to know about the viewer (pages.ts takes it instead of reading the request). */
export interface PageViewer {
  caller: CallerView;
  csrfToken: string | undefined;
}

export interface PageRender {
  html: string;
  /** Decorated sessions whose star button may appear (each with `id`): both states are rendered once. */
  bookmarkable: readonly { id: string }[];
  validUntil?: number | undefined;
}

interface CachedPage {
  template: PageTemplate;
  /** The page has no holes for this role class: one response for everyone in it. */
  whole: Rendered | undefined;
  /**
   * Its holes filled for a viewer with no name, token or stars (every anonymous
   * visitor): made on first use, then one shared response like `whole`.
   */
  anonymous?: Promise<Rendered>;
}

const htmlType = 'text/html; charset=utf-8';

/**
 * Sends a page from the cache: rendered once per (page, language, zone,
 * base URL, role class) with holes for the viewer's name, CSRF token and
 * stars; filled per request. A viewer with no personal part (no session
 * cookie: no CSRF token to carry) gets the one shared response, public;
 * others get theirs, private. Personal values never enter the shared render.
 */
export async function sendCachedPage(
  cache: RenderCache,
  views: Views,
  req: Request,
  res: Response,
  eventId: string,
  render: (viewer: PageViewer, runtime: Handlebars.RuntimeOptions) => Promise<PageRender>,
): Promise<void> {
  const viewer = callerView(req);
  // A session cookie means forms that need the CSRF token; without one nothing on these pages posts.
  const carriesToken = Boolean(sessionCookieOf(req.headers.cookie)) || viewer.participantId !== null;
  const mark = cache.holeMark;
  const roleClass = [viewer.signedIn, viewer.organizer, viewer.status, viewer.eventId, viewer.name !== null, viewer.participantId !== null, carriesToken];
  const key = ['page', req.path, req.ctx.lang, req.ctx.zone ?? '', req.ctx.zoneSource, `${req.protocol}://${req.get('host') ?? ''}`, JSON.stringify(roleClass)];
  const page = await cache.memo<CachedPage>(eventId, key, async () => {
    const shared: PageViewer = {
      caller: { ...viewer, name: viewer.name === null ? null : `${mark}name\u0001`, participantId: viewer.participantId === null ? null : 'viewer', bookmarks: [] },
      csrfToken: carriesToken ? `${mark}csrf\u0001` : undefined,
    };
    const runtime: Handlebars.RuntimeOptions = {
      partials: { 'bookmark-button': ((context: { id: string }) => `${mark}bm:${context.id}\u0001`) as unknown as Handlebars.Template },
    };
    const made = await render(shared, runtime);
    const parts = splitHoles(made.html, mark);
    const variants = new Map<string, { on: string[]; off: string[] }>();
    if (parts.some((p, i) => i % 2 === 1 && p.startsWith('bm:'))) {
      const root = { lang: req.ctx.lang, title: '', csrfToken: shared.csrfToken, caller: shared.caller };
      for (const session of made.bookmarkable) {
        variants.set(`bm:${session.id}`, {
          on: splitHoles(views.renderPartial('bookmark-button', { ...session, bookmarked: true }, root), mark),
          off: splitHoles(views.renderPartial('bookmark-button', { ...session, bookmarked: false }, root), mark),
        });
      }
    }
    const whole = parts.length === 1 ? await prepare(Buffer.from(made.html), htmlType, undefined) : undefined;
    return { value: { template: { parts, variants }, whole }, validUntil: made.validUntil };
  });
  if (page.whole) {
    sendRendered(req, res, page.whole, { cacheControl: 'public, no-cache', vary: ['Cookie', 'Accept-Language'], sharedFrom: page });
    return;
  }
  const token: unknown = res.locals.csrfToken;
  if (viewer.name === null && typeof token !== 'string' && viewer.bookmarks.length === 0) {
    page.anonymous ??= prepare(Buffer.from(fillPage(page.template, { name: null, csrfToken: undefined, bookmarks: [] })), htmlType, undefined);
    sendRendered(req, res, await page.anonymous, { cacheControl: 'public, no-cache', vary: ['Cookie', 'Accept-Language'], sharedFrom: page });
    return;
  }
  const text = fillPage(page.template, { name: viewer.name, csrfToken: typeof token === 'string' ? token : undefined, bookmarks: viewer.bookmarks });
  const rendered = await cache.personalised(text, htmlType, pickEncoding(req.headers['accept-encoding']));
  sendRendered(req, res, rendered, { cacheControl: 'private, no-cache', vary: ['Cookie', 'Accept-Language'] });
}

/** The next instant a programme's timing labels change by the clock alone (a scheduled session starts or ends). */
export function nextTimingChange(sessions: readonly { status: string; start: string; end: string }[], now: number): number | undefined {
  let next: number | undefined;
  for (const s of sessions) {
    if (s.status !== 'scheduled') continue;
    for (const t of [Date.parse(s.start), Date.parse(s.end)]) if (t > now && (next === undefined || t < next)) next = t;
  }
  return next;
}
