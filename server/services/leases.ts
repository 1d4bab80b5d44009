import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.ts';

/** What a holder keeps with its lease (renewed each beat), for whoever takes it over. */
export type LeaseState = Record<string, string | number | null>;

export interface LeasesOptions {
  /** How often holders renew and every process looks for expired leases (default 1 s, the media cluster's heartbeat). */
  renewEveryMs?: number;
  /** A lease not renewed for this long is its holder's death (default 5 s, the media cluster's deadAfterMs). */
  expireAfterMs?: number;
  /** Redis key prefix (tests use their own). */
  prefix?: string;
}

/** The part of a Redis client used here (node-redis's sendCommand). */
export interface LeaseRedis {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface HeldLease {
  /** False once the lease was lost: another process took this holder for dead and took the work over. */
  readonly held: boolean;
  /** Gives the lease up (the work is done or stopped); nothing if it was lost meanwhile. */
  release(): Promise<void>;
}

/** Told when a lease of its kind expired and this process won it (exactly one process does); a rejection puts the work back, to be tried again. */
export type TakeOver = (id: string, state: LeaseState) => Promise<void>;

// Every script decides on Redis's clock (TIME), so the processes' clocks never have to agree.
const now = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
/** KEYS: expiries (sorted set), tokens, states (hashes). ARGV: id, ttl, token, state. */
const holdScript = `${now}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
return 1`;
// Another token (a new holder) or the mark a claim leaves: lost. No token at all: Redis lost it (restarted without
// persistence), so the holder writes it again rather than stop work nobody else will take over.
const renewScript = `local token = redis.call('HGET', KEYS[2], ARGV[1])
if token and token ~= ARGV[3] then return 0 end
${now}
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[4])
return 1`;
/** ARGV: id, token. */
const releaseScript = `if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return 1`;
/** ARGV: id, ttl, state. A lease nobody holds, unless someone does. */
const adoptScript = `if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
${now}
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], '')
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return 1`;
/** ARGV: limit. Takes the expired leases out, in one step: whichever process runs it first gets them, the others nothing. */
const claimScript = `${now}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
local out = {}
for _, id in ipairs(ids) do
  local state = redis.call('HGET', KEYS[3], id)
  redis.call('ZREM', KEYS[1], id)
  redis.call('HSET', KEYS[2], id, 'taken')
  redis.call('HDEL', KEYS[3], id)
  table.insert(out, id)
  table.insert(out, state or '{}')
end
return out`;

/** How long a shutdown waits for Redis. */
const shutdownWaitMs = 2000;

/** `promise`'s outcome, or undefined after `ms` (its rejection, if it comes, is ignored then). */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
    promise.catch(() => undefined);
  }
}

interface Held {
  kind: string;
  id: string;
  token: string;
  state: () => LeaseState;
  onLost: () => void;
  lease: { held: boolean };
  /** Whether the lease is in Redis yet (taking it failed: each beat tries again, rather than renewing what is not there). */
  written: boolean;
  /** When it was last written or renewed (this process's clock). */
  renewedAt: number;
}

/**
 * Leases on work one process does for the whole cluster (issue 18: playing
 * a pre-recorded statement, transcoding an upload), kept in Redis. The
 * holder renews its lease every beat with its latest state (where the play
 * got to); a lease not renewed for `expireAfterMs` means its holder died
 * (SIGKILL, a lost host), and the first process whose beat finds it expired
 * takes it out of Redis in one atomic script, so exactly one process takes
 * the work over, with the last state the holder renewed. A holder that was
 * merely slow keeps its lease as long as it renews within the expiry; one
 * that comes back after losing it learns so at its next renewal (onLost),
 * and one that cannot reach Redis for a whole lease period gives its work
 * up, since another process may have taken it over by then.
 * A process claims nothing until it has reached Redis for a whole lease
 * period: after an outage every lease looks expired, and the holders that
 * are alive need that long to renew.
 *
 * Why not the media cluster's heartbeats or attendance's: those say that a
 * process is gone, to the processes that heard it before (the cluster's are
 * in each process's memory) or after 30 s beats (attendance's, in the
 * store); a lease also carries the work's latest state, is found by a
 * process started after the holder died, and is claimed by one process
 * only. Its timings follow the media cluster's (1 s beats, 5 s to death),
 * so a dead player's producers and its lease go at about the same time.
 */
export class Leases {
  private readonly redis: LeaseRedis;
  private readonly logger: Logger;
  private readonly renewEveryMs: number;
  private readonly expireAfterMs: number;
  private readonly prefix: string;
  private readonly held = new Map<string, Held>();
  private readonly takers = new Map<string, TakeOver>();
  private readonly timer: NodeJS.Timeout;
  private beating: Promise<void> | null = null;
  /** Since when every call to Redis has succeeded (null: the last one failed, or none was made yet). */
  private healthySince: number | null = null;
  private closed = false;
  private readonly quit: () => Promise<void>;

  constructor(redis: LeaseRedis, logger: Logger, options: LeasesOptions = {}, quit: () => Promise<void> = async () => {}) {
    this.redis = redis;
    this.quit = quit;
    this.logger = logger;
    this.renewEveryMs = options.renewEveryMs ?? 1000;
    this.expireAfterMs = options.expireAfterMs ?? 5000;
    this.prefix = options.prefix ?? 'plenary:lease';
    this.timer = setInterval(() => void this.beat(), this.renewEveryMs);
    this.timer.unref();
  }

  /** Its own Redis connection, closed with the leases. */
  static async connect(url: string, logger: Logger, options: LeasesOptions = {}): Promise<Leases> {
    const { createClient } = await import('redis');
    const client = createClient({ url });
    client.on('error', (error: unknown) => logger.error({ err: error }, 'redis (leases) error'));
    await client.connect();
    return new Leases({ sendCommand: (args) => client.sendCommand(args) }, logger, options, async () => {
      // Waits for what is pending, but not for ever: with Redis out of reach, commands would wait for it.
      const closed = await within(shutdownWaitMs, client.close().then(() => true, () => false));
      if (!closed) client.destroy();
    });
  }

  /**
   * This process takes the work `id` of this kind (a new play, a new copy):
   * any earlier holder's lease is replaced. Never refused: with Redis out of
   * reach, it is taken at the first beat that reaches it.
   */
  async hold(kind: string, id: string, state: () => LeaseState, onLost: () => void = () => {}): Promise<HeldLease> {
    const entry: Held = { kind, id, token: randomUUID(), state, onLost, lease: { held: true }, written: false, renewedAt: Date.now() };
    const key = `${kind}\n${id}`;
    const previous = this.held.get(key);
    if (previous) previous.lease.held = false;
    this.held.set(key, entry);
    try {
      await this.run(holdScript, kind, [id, String(this.expireAfterMs), entry.token, JSON.stringify(state())]);
      entry.written = true;
      entry.renewedAt = Date.now();
    } catch (error) {
      // Redis out of reach for a moment: the work goes on, and each beat tries to take the lease again.
      this.logger.warn({ err: error, kind, id }, 'could not take a lease yet; trying again at each beat');
    }
    const release = async (): Promise<void> => {
      if (this.held.get(key) === entry) this.held.delete(key);
      if (!entry.lease.held) return;
      entry.lease.held = false;
      // Not waited for beyond a while (a shutdown with Redis out of reach): a release done late, or never, is harmless (the lease expires).
      await within(shutdownWaitMs, this.run(releaseScript, kind, [id, entry.token]));
    };
    return {
      get held() {
        return entry.lease.held;
      },
      release,
    };
  }

  /**
   * Work found in the store with nobody known to do it (at start-up): a
   * lease without a holder, which expires unless a holder claims it meanwhile
   * (one that had just started it); then one process takes it over.
   */
  async adopt(kind: string, id: string, state: LeaseState): Promise<boolean> {
    return (await this.run(adoptScript, kind, [id, String(this.expireAfterMs), JSON.stringify(state)])) === 1;
  }

  /** What this process does with an expired lease of this kind that it won. */
  onExpired(kind: string, takeOver: TakeOver): void {
    this.takers.set(kind, takeOver);
  }

  /** One beat now (tests; the timer does it every `renewEveryMs`). */
  beat(): Promise<void> {
    this.beating ??= this.renewAndClaim().finally(() => (this.beating = null));
    return this.beating;
  }

  private async renewAndClaim(): Promise<void> {
    if (this.closed) return;
    for (const entry of [...this.held.values()]) {
      try {
        if (!entry.written) {
          await this.run(holdScript, entry.kind, [entry.id, String(this.expireAfterMs), entry.token, JSON.stringify(entry.state())]);
          entry.written = true;
          entry.renewedAt = Date.now();
          continue;
        }
        const renewed = await this.run(renewScript, entry.kind, [entry.id, String(this.expireAfterMs), entry.token, JSON.stringify(entry.state())]);
        if (renewed === 1) entry.renewedAt = Date.now();
        if (renewed === 1 || !entry.lease.held) continue;
        this.lose(entry, 'another process took this work over');
      } catch (error) {
        this.logger.warn({ err: error, kind: entry.kind, id: entry.id }, 'could not renew a lease');
        // Not renewed for a whole lease period: another process may have taken the work over by now, so this one gives it up.
        if (entry.written && entry.lease.held && Date.now() - entry.renewedAt > this.expireAfterMs) this.lose(entry, 'could not renew it for a whole lease period');
      }
    }
    if (this.held.size === 0) await this.call(['PING']).catch(() => undefined);
    // After an outage of Redis (or of this process's link to it) every lease may have expired meanwhile:
    // a process claims only once it has reached Redis for a whole lease period, time enough for live holders to renew.
    if (this.healthySince === null || Date.now() - this.healthySince < this.expireAfterMs) return;
    for (const [kind, takeOver] of this.takers) {
      if (this.closed) return;
      let claimed: unknown;
      try {
        claimed = await this.run(claimScript, kind, ['20']);
      } catch (error) {
        this.logger.warn({ err: error, kind }, 'could not look for expired leases');
        continue;
      }
      const flat = Array.isArray(claimed) ? claimed.map(String) : [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const id = flat[i] as string;
        let state: LeaseState = {};
        try {
          state = JSON.parse(flat[i + 1] as string) as LeaseState;
        } catch {
          // an unreadable state: the taker still hears of the id
        }
        this.logger.warn({ kind, id, state }, 'lease expired: taking the work over from a process that stopped renewing it');
        try {
          await takeOver(id, state);
        } catch (error) {
          // Claimed but not done (the store refused, say): back as an orphan, for a process to try again once it expires.
          this.logger.error({ err: error, kind, id }, 'could not take over expired work; it will be tried again');
          await this.adopt(kind, id, state).catch((e: unknown) => this.logger.error({ err: e, kind, id }, 'could not put back work that was not taken over'));
        }
      }
    }
  }

  private lose(entry: Held, why: string): void {
    entry.lease.held = false;
    if (this.held.get(`${entry.kind}\n${entry.id}`) === entry) this.held.delete(`${entry.kind}\n${entry.id}`);
    this.logger.warn({ kind: entry.kind, id: entry.id, why }, 'lease lost: this process stops the work');
    entry.onLost();
  }

  private run(script: string, kind: string, args: string[]): Promise<unknown> {
    const k = `${this.prefix}:${kind}`;
    return this.call(['EVAL', script, '3', `${k}:expiries`, `${k}:tokens`, `${k}:states`, ...args]);
  }

  private async call(args: string[]): Promise<unknown> {
    try {
      const reply = await this.redis.sendCommand(args);
      this.healthySince ??= Date.now();
      return reply;
    } catch (error) {
      this.healthySince = null;
      throw error;
    }
  }

  /** Stops beating (holders that stop cleanly release their own leases first); leases still held expire and are taken over. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await within(shutdownWaitMs, this.beating ?? Promise.resolve());
    await this.quit();
  }
}
