import type { Request, RequestHandler } from 'express';
import type { Caller } from '../identity/caller.ts';
import type { CallerResolver } from '../identity/resolve.ts';

declare module 'express-serve-static-core' {
  interface Request {
    caller: Caller;
  }
}

/** Resolves the caller once per request; routes then ask identity/policy.ts. */
export function attachCaller(resolver: CallerResolver): RequestHandler {
  return (req, _res, next) => {
    resolver.fromHeaders(req.headers).then(
      (caller) => {
        req.caller = caller;
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

export function callerOf(req: Request): Caller {
  return req.caller ?? { kind: 'anonymous' };
}
