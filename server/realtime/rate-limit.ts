import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from '../identity/caller.ts';

/** A token bucket: `capacity` events at once, refilled at `perSecond`. */
export interface BucketLimit {
  capacity: number;
  perSecond: number;
}

export interface SocketLimitOptions {
  /** Every socket of one participant together (default: twice the per-socket limit). */
  perParticipant?: BucketLimit;
  /**
   * Every socket from one client address together (default: a hundred times
   * the per-socket limit: a venue's or a government's NAT puts many
   * delegates behind one address, so this is a backstop, not a quota).
   */
  perAddress?: BucketLimit;
}

/** What the limiter reads of a socket (a Socket.IO server socket fits). */
export interface LimitedSocket {
  id: string;
  data: unknown;
  handshake: { address: string };
}

type Bucket = { tokens: number; at: number; limit: BucketLimit };

/** Sweep buckets that have refilled (they are the same as none) once this many exist. */
const sweepAbove = 10_000;

/**
 * Token buckets for socket events: per socket, per participant (all their
 * sockets together, so opening more sockets buys no more) and per client
 * address. Bursts are fine (a moderator dragging several entries, a
 * browser joining from a few tabs); a flood is refused with `rate_limited`
 * acks. An event passes only when every bucket it counts against has a
 * token, and then takes one from each.
 */
export class SocketRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perSocket: BucketLimit;
  private readonly perParticipant: BucketLimit;
  private readonly perAddress: BucketLimit;

  constructor(capacity = 30, perSecond = 10, options: SocketLimitOptions = {}) {
    this.perSocket = { capacity, perSecond };
    this.perParticipant = options.perParticipant ?? { capacity: capacity * 2, perSecond: perSecond * 2 };
    this.perAddress = options.perAddress ?? { capacity: capacity * 100, perSecond: perSecond * 100 };
  }

  /** One event of `socket`: false when it, its participant or its address is over the limit. */
  admit(socket: LimitedSocket, now = Date.now()): boolean {
    const caller = (socket.data as { caller?: Caller } | undefined)?.caller;
    const keys: [string, BucketLimit][] = [[`s:${socket.id}`, this.perSocket]];
    if (caller?.kind === 'participant') keys.push([`p:${caller.participant.id}`, this.perParticipant]);
    keys.push([`a:${clientAddressOf(socket)}`, this.perAddress]);
    return this.takeAll(keys, now);
  }

  /** One event counted against `key` alone, with the per-socket limit. */
  take(key: string, now = Date.now()): boolean {
    return this.takeAll([[`s:${key}`, this.perSocket]], now);
  }

  /** A socket is gone: its own bucket goes (participant and address buckets refill and are swept). */
  forget(socketId: string): void {
    this.buckets.delete(`s:${socketId}`);
  }

  private takeAll(keys: [string, BucketLimit][], now: number): boolean {
    if (this.buckets.size > sweepAbove) this.sweep(now);
    const buckets = keys.map(([key, limit]) => this.refill(key, limit, now));
    if (!buckets.every((b) => b.tokens >= 1)) return false;
    for (const b of buckets) b.tokens -= 1;
    return true;
  }

  private refill(key: string, limit: BucketLimit, now: number): Bucket {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: limit.capacity, at: now, limit };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(limit.capacity, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * limit.perSecond);
    bucket.at = now;
    return bucket;
  }

  private sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + (Math.max(0, now - b.at) / 1000) * b.limit.perSecond >= b.limit.capacity) this.buckets.delete(key);
    }
  }
}

/**
 * The client's address: the one socket authentication resolved (through
 * trusted proxies, see clientAddress), else the peer of the connection.
 */
export function clientAddressOf(socket: LimitedSocket): string {
  const resolved = (socket.data as { clientAddress?: unknown } | undefined)?.clientAddress;
  return typeof resolved === 'string' && resolved ? resolved : socket.handshake.address;
}

/**
 * The client's address behind `trustProxy` reverse proxies, as Express
 * computes `req.ip` for a numeric `trust proxy` (TRUST_PROXY): walk
 * X-Forwarded-For from the right, one entry per trusted hop.
 */
export function clientAddress(peer: string, headers: IncomingHttpHeaders, trustProxy: number): string {
  if (trustProxy <= 0) return peer;
  const header = headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const chain = [peer, ...forwarded.reverse()];
  return chain[Math.min(trustProxy, chain.length - 1)] ?? peer;
}
