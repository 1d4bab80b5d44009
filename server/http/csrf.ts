import type { Request, RequestHandler, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { AppError } from '../errors.ts';
import { sessionCookieName, sessionCookieOf } from '../identity/authentication.ts';
import { bearerToken } from '../identity/resolve.ts';

export interface CsrfOptions {
  /** Server secret for the HMAC (kept in the store, shared by all processes). */
  secret: string;
  /** Cookies only over HTTPS (PUBLIC_URL is https). */
  secure: boolean;
}

export interface Csrf {
  /** Checks unsafe requests; puts `res.locals.csrfToken` on page requests. */
  middleware: RequestHandler;
  tokenFor(req: Request, res: Response): string;
  /** After signing this browser in during the request: a token for the new session, for the page being rendered. */
  rebind(req: Request, res: Response, sessionId: string): void;
}

/**
 * CSRF protection for cookie-authenticated requests: csrf-csrf's double
 * submit (an HMAC-signed token in an httpOnly cookie, echoed in the `_csrf`
 * form field or the `x-csrf-token` header), bound to the browser session,
 * so a token from one session is worthless in another.
 *
 * Checked on every unsafe request that carries the session cookie, unless
 * it also carries `Authorization: Bearer` (then the bearer token alone
 * decides who is calling, and a cross-site page cannot add that header).
 * A request without the session cookie acts as nobody, so there is nothing
 * to forge: the policy answers it with 401. Every form still carries the
 * token, so it keeps working once the browser is signed in.
 */
export function csrfProtection(options: CsrfOptions): Csrf {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => options.secret,
    getSessionIdentifier: (req) => sessionCookieOf(req.headers.cookie) ?? '',
    cookieName: options.secure ? '__Host-plenary.x-csrf-token' : 'plenary.x-csrf-token',
    cookieOptions: { sameSite: 'lax', path: '/', secure: options.secure, httpOnly: true },
    getCsrfTokenFromRequest: (req) => {
      const header = req.headers['x-csrf-token'];
      if (typeof header === 'string') return header;
      const body = req.body as Record<string, unknown> | undefined;
      return typeof body?._csrf === 'string' ? body._csrf : undefined;
    },
    skipCsrfProtection: (req) => bearerToken(req.headers) !== undefined || !sessionCookieOf(req.headers.cookie),
  });

  const middleware: RequestHandler = (req, res, next) => {
    // Without a session there is no token to check, but a cross-site form
    // could still sign this browser in as someone else (registration signs
    // in): refuse unsafe requests that the browser marks as cross-site.
    if (isUnsafe(req) && !bearerToken(req.headers) && !sessionCookieOf(req.headers.cookie) && isCrossSite(req)) {
      next(new AppError('csrf_invalid', 'This form did not come from this site.'));
      return;
    }
    // csrf-csrf reads req.cookies; request-context has parsed them already.
    (req as Request & { cookies: Record<string, string | undefined> }).cookies = req.ctx.cookies;
    doubleCsrfProtection(req, res, (error?: unknown) => {
      if (error) {
        next(new AppError('csrf_invalid', 'This form has expired or did not come from this site. Reload the page and try again.'));
        return;
      }
      // Made when a page reads it: a page with no form for this viewer
      // (cached pages for a browser without a session) sets no cookie.
      if (wantsPage(req)) {
        let token: string | undefined;
        Object.defineProperty(res.locals, 'csrfToken', {
          configurable: true,
          enumerable: true,
          get: () => (token ??= generateCsrfToken(req, res)),
          set: (value: string) => {
            token = value;
          },
        });
      }
      next();
    });
  };
  const rebind = (req: Request, res: Response, sessionId: string): void => {
    const others = (req.headers.cookie ?? '').split(/;\s*/).filter((c) => c && !c.startsWith(`${sessionCookieName}=`));
    req.headers.cookie = [...others, `${sessionCookieName}=${sessionId}`].join('; ');
    res.locals.csrfToken = generateCsrfToken(req, res, { overwrite: true });
  };
  return { middleware, tokenFor: (req, res) => generateCsrfToken(req, res, { overwrite: false }), rebind };
}

function isUnsafe(req: Request): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
}

/** Fetch metadata first (every current browser sends it), then the Origin header. */
function isCrossSite(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  // With Referrer-Policy: no-referrer, browsers send `Origin: null` even on
  // same-origin form posts, so when fetch metadata is there it decides alone.
  if (typeof site === 'string') return site === 'cross-site' || site === 'same-site';
  const origin = req.headers.origin;
  if (!origin) return false;
  if (origin === 'null') return true;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

function wantsPage(req: Request): boolean {
  if (req.method !== 'GET' && req.method !== 'POST') return false;
  if (/^\/(api|assets|calendar|i)\//.test(req.path) || req.path === '/healthz') return false;
  return Boolean(req.accepts('html'));
}
