import type { RequestHandler } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import { AppError } from '../errors.ts';

export interface RateLimit {
  limit: number;
  windowMs: number;
}

export interface RateLimitOptions {
  /** Self-registration (API and form), per client address. */
  registration?: RateLimit;
  /** Failed invitation links (invalid, revoked, used, expired), per client address. */
  signIn?: RateLimit;
}

export interface RateLimiters {
  registration: RequestHandler;
  signIn: RequestHandler;
}

export const defaultRateLimits: Required<RateLimitOptions> = {
  registration: { limit: 20, windowMs: 15 * 60_000 },
  signIn: { limit: 30, windowMs: 15 * 60_000 },
};

/**
 * Refusals are `429 rate_limited` through the one error mapping. Counts are
 * kept in memory (one process), or in a shared store (Redis) when the server
 * runs as several processes, so a client cannot multiply its allowance by
 * the number of processes behind the balancer.
 */
export function rateLimiters(options: RateLimitOptions = {}, store?: (name: string) => Store): RateLimiters {
  const make = (what: string, limit: RateLimit, countOnlyFailures = false): RequestHandler =>
    rateLimit({
      ...(store ? { store: store(what) } : {}),
      windowMs: limit.windowMs,
      limit: limit.limit,
      // A success is taken back off the count once its response is sent.
      skipSuccessfulRequests: countOnlyFailures,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, _res, next) => {
        next(new AppError('rate_limited', `Too many ${what} attempts from your address; wait a few minutes and try again.`));
      },
    });
  return {
    registration: make('registration', options.registration ?? defaultRateLimits.registration),
    // Only links that fail count: a delegation behind one address (a
    // government's NAT) signs in with many valid links, and must not lock
    // itself out; guessing tokens still runs into the limit.
    signIn: make('sign-in', options.signIn ?? defaultRateLimits.signIn, true),
  };
}
