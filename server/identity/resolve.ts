import crypto from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { anonymous, type Caller } from './caller.ts';

/**
 * Turns what a request or socket presents into a Caller. The identity
 * service implements it for participants (tokens, session cookies); the
 * organiser token from the environment is always honoured.
 */
export interface CallerResolver {
  /** A secret token from `Authorization: Bearer`, Socket.IO `auth.token`, or an invitation link. */
  fromToken(token: string): Promise<Caller>;
  /** Everything a browser or client sends: bearer header first, then the session cookie. */
  fromHeaders(headers: IncomingHttpHeaders): Promise<Caller>;
}

export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

export function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** Only the standing organiser token; used until participants exist, and as the base of the full resolver. */
export function organizerTokenResolver(organizerToken: string | undefined): CallerResolver {
  const fromToken = async (token: string): Promise<Caller> =>
    organizerToken && sameSecret(token, organizerToken) ? { kind: 'organizer-token' } : anonymous;
  return {
    fromToken,
    fromHeaders: async (headers) => {
      const token = bearerToken(headers);
      return token ? fromToken(token) : anonymous;
    },
  };
}
