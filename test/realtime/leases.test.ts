// Leases on cluster-wide work (issue 18: a statement played, an upload
// transcoded), against a real redis-server: a holder that renews is never
// taken over, however many beats the others run; one that stops renewing
// (a crash) is taken over by exactly one of the processes racing for it,
// with the last state it renewed; a holder that comes back after losing its
// lease learns so and cannot undo the new holder's; orphans found in the
// store are adopted once and taken over unless a holder claims them.
import type { ChildProcess } from 'node:child_process';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import { Leases, type LeaseState } from '../../server/services/leases.ts';
import { freePort, hasRedis, redisServerPath, startProcess, stopProcess } from '../support/processes.ts';
import { waitFor } from '../support/server.ts';

const expireAfterMs = 400;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const logger = createLogger('silent');

describe.skipIf(!hasRedis)('leases in Redis (who does a piece of cluster-wide work, and who takes it over)', () => {
  let redis: ChildProcess;
  let client: ReturnType<typeof createClient>;
  const open: Leases[] = [];
  let n = 0;

  beforeAll(async () => {
    const port = await freePort();
    const server = startProcess(redisServerPath, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
    redis = server.child;
    await waitFor(() => /Ready to accept connections/i.test(server.output()), { timeout: 10_000 });
    client = createClient({ url: `redis://127.0.0.1:${port}` });
    await client.connect();
  });

  afterAll(async () => {
    for (const l of open) await l.close();
    await client?.quit();
    if (redis) await stopProcess(redis);
  });

  /** Processes' lease boards on one prefix; their timers never fire (the test beats them), so a "crashed" one simply stops beating. */
  const processes = (count: number, link = { down: false }, expiry = expireAfterMs): { leases: Leases; taken: { id: string; state: LeaseState }[] }[] => {
    const prefix = `test:lease:${++n}`;
    return Array.from({ length: count }, () => {
      const sendCommand = (args: string[]): Promise<unknown> => (link.down ? Promise.reject(new Error('Redis unreachable')) : client.sendCommand(args));
      const leases = new Leases({ sendCommand }, logger, { renewEveryMs: 3_600_000, expireAfterMs: expiry, prefix });
      open.push(leases);
      const taken: { id: string; state: LeaseState }[] = [];
      leases.onExpired('play', async (id, state) => {
        taken.push({ id, state });
      });
      return { leases, taken };
    });
  };

  it('never takes over a holder that renews, even when it renews late within the expiry', async () => {
    const [a, b, c] = processes(3) as [ReturnType<typeof processes>[0], ReturnType<typeof processes>[0], ReturnType<typeof processes>[0]];
    let position = 0;
    let lost = false;
    const lease = await a.leases.hold('play', 'e/s', () => ({ positionMs: position }), () => (lost = true));
    for (let i = 0; i < 8; i++) {
      await sleep(expireAfterMs * 0.6); // a slow holder: more than one beat late each time, never past the expiry
      position += 240;
      await a.leases.beat();
      await Promise.all([b.leases.beat(), c.leases.beat()]);
    }
    expect(b.taken).toEqual([]);
    expect(c.taken).toEqual([]);
    expect(lost).toBe(false);
    expect(lease.held).toBe(true);
    await lease.release();
  });

  it('hands a crashed holder’s work to exactly one survivor, with the last state it renewed', async () => {
    const [a, ...survivors] = processes(4);
    let position = 1000;
    await a!.leases.hold('play', 'event/session', () => ({ eventId: 'event', positionMs: position }));
    position = 2500;
    await a!.leases.beat(); // the last renewal before the crash
    position = 9999; // never renewed: the process is dead
    // Not yet expired: nobody takes it.
    await Promise.all(survivors.map((s) => s.leases.beat()));
    expect(survivors.flatMap((s) => s.taken)).toEqual([]);
    await sleep(expireAfterMs + 100);
    for (let round = 0; round < 3; round++) await Promise.all(survivors.map((s) => s.leases.beat()));
    expect(survivors.flatMap((s) => s.taken)).toEqual([{ id: 'event/session', state: { eventId: 'event', positionMs: 2500 } }]);
  });

  it('tells a holder that comes back after its lease was taken that it lost it, and its release leaves the new holder’s lease alone', async () => {
    const [a, b, c] = processes(3) as [ReturnType<typeof processes>[0], ReturnType<typeof processes>[0], ReturnType<typeof processes>[0]];
    let lost = 0;
    await b.leases.beat(); // B has been reaching Redis all along
    const old = await a.leases.hold('play', 'x', () => ({ positionMs: 1 }), () => lost++);
    await sleep(expireAfterMs + 100); // a pause longer than the expiry (a stopped process)
    await b.leases.beat();
    expect(b.taken.map((t) => t.id)).toEqual(['x']);
    const renewed = await b.leases.hold('play', 'x', () => ({ positionMs: 2 }));
    await a.leases.beat();
    expect(lost).toBe(1);
    expect(old.held).toBe(false);
    await old.release();
    for (let i = 0; i < 3; i++) {
      await sleep(expireAfterMs / 2);
      await b.leases.beat();
      await Promise.all([a.leases.beat(), c.leases.beat()]);
    }
    expect([...a.taken, ...c.taken]).toEqual([]);
    expect(renewed.held).toBe(true);
    await renewed.release();
  });

  it('after an outage of Redis about as long as the expiry, takes over only the holders that do not come back', async () => {
    const link = { down: false };
    const expiry = 2000; // long enough that the sleeps below stay on their side of it on a loaded machine
    const [a, b, dead] = processes(3, link, expiry) as [ReturnType<typeof processes>[0], ReturnType<typeof processes>[0], ReturnType<typeof processes>[0]];
    const lease = await a.leases.hold('play', 'alive', () => ({ positionMs: 1 }));
    await dead.leases.hold('play', 'dead', () => ({ positionMs: 2 }));
    await b.leases.beat();
    link.down = true;
    await sleep(expiry / 2);
    await Promise.all([a.leases.beat(), b.leases.beat()]); // both fail: Redis is out of reach
    expect(lease.held).toBe(true); // not a whole lease period yet: A keeps its work
    await sleep(expiry / 2 + 300);
    link.down = false;
    // Back: both leases expired in Redis meanwhile. B beats first, yet claims nothing until A has had time to renew.
    await b.leases.beat();
    expect(b.taken).toEqual([]);
    await a.leases.beat();
    for (let i = 0; i < 3; i++) {
      await sleep(expiry / 2);
      await a.leases.beat();
      await b.leases.beat();
    }
    // The one that did not come back is taken over, by whichever of them reached it first.
    expect([...a.taken, ...b.taken]).toEqual([{ id: 'dead', state: { positionMs: 2 } }]);
    expect(lease.held).toBe(true);
    await lease.release();
  });

  it('puts back work whose taking over failed, and hands it over again once it expires', async () => {
    const [a, b] = processes(2) as [ReturnType<typeof processes>[0], ReturnType<typeof processes>[0]];
    const tries: LeaseState[] = [];
    b.leases.onExpired('play', async (_id, state) => {
      tries.push(state);
      if (tries.length === 1) throw new Error('the store refused the write');
    });
    await b.leases.beat();
    await a.leases.hold('play', 'retry', () => ({ positionMs: 3 }));
    await sleep(expireAfterMs + 100); // A died
    await b.leases.beat();
    expect(tries).toEqual([{ positionMs: 3 }]);
    await b.leases.beat(); // put back: not expired yet
    expect(tries).toHaveLength(1);
    await sleep(expireAfterMs + 100);
    await b.leases.beat();
    expect(tries).toEqual([{ positionMs: 3 }, { positionMs: 3 }]);
    await sleep(expireAfterMs + 100);
    await b.leases.beat(); // done the second time: gone
    expect(tries).toHaveLength(2);
  });

  it('shuts down, and releases, without waiting for ever for a Redis that does not answer', async () => {
    const silent = { sendCommand: (): Promise<unknown> => new Promise(() => {}) };
    let quit = false;
    const leases = new Leases(silent, logger, { renewEveryMs: 3_600_000, expireAfterMs }, async () => {
      quit = true;
    });
    void leases.beat(); // a beat stuck on Redis
    await leases.close();
    expect(quit).toBe(true);
    // A holder's release (a clean stop of a play) returns too once Redis stops answering, the lease left to expire.
    let hang = false;
    const holder = new Leases({ sendCommand: (args) => (hang ? new Promise(() => {}) : client.sendCommand(args)) }, logger, { renewEveryMs: 3_600_000, expireAfterMs, prefix: `test:lease:${++n}` });
    open.push(holder);
    const held = await holder.hold('play', 'stuck', () => ({}));
    hang = true;
    await held.release();
    expect(held.held).toBe(false);
  });

  it('takes a lease Redis could not be reached for at the first beat that reaches it, without taking the holder for lost', async () => {
    const link = { down: false };
    const [a, b] = processes(2, link) as [ReturnType<typeof processes>[0], ReturnType<typeof processes>[0]];
    let lost = false;
    await b.leases.beat();
    link.down = true;
    const lease = await a.leases.hold('play', 'late', () => ({ positionMs: 4 }), () => (lost = true));
    link.down = false;
    await a.leases.beat(); // taken now
    for (let i = 0; i < 3; i++) {
      await sleep(expireAfterMs / 2);
      await a.leases.beat();
      await b.leases.beat();
    }
    expect(lost).toBe(false);
    expect(lease.held).toBe(true);
    expect([...a.taken, ...b.taken]).toEqual([]);
    // And it is a real lease: A dies, B takes it over.
    await sleep(expireAfterMs + 100);
    await b.leases.beat();
    expect(b.taken).toEqual([{ id: 'late', state: { positionMs: 4 } }]);
  });

  it('makes a holder cut off from Redis for a whole lease period give its work up, as a survivor takes it over', async () => {
    const prefix = `test:lease:${++n}`;
    const cut = { down: false };
    const a = new Leases({ sendCommand: (args) => (cut.down ? Promise.reject(new Error('cut off')) : client.sendCommand(args)) }, logger, { renewEveryMs: 3_600_000, expireAfterMs, prefix });
    const b = new Leases({ sendCommand: (args) => client.sendCommand(args) }, logger, { renewEveryMs: 3_600_000, expireAfterMs, prefix });
    open.push(a, b);
    const taken: string[] = [];
    b.onExpired('play', async (id) => {
      taken.push(id);
    });
    let lost = 0;
    await b.beat();
    const lease = await a.hold('play', 'cut', () => ({}), () => lost++);
    cut.down = true;
    await sleep(expireAfterMs / 2);
    await a.beat(); // one renewal missed: still its work
    expect(lost).toBe(0);
    await sleep(expireAfterMs / 2 + 100);
    await a.beat(); // a whole lease period without renewing: given up
    expect(lost).toBe(1);
    expect(lease.held).toBe(false);
    await b.beat();
    expect(taken).toEqual(['cut']);
  });

  it('keeps a holder’s work when Redis loses its lease (a restart without persistence): written again at its next beat', async () => {
    const [a, b] = processes(2) as [ReturnType<typeof processes>[0], ReturnType<typeof processes>[0]];
    let lost = false;
    await b.leases.beat();
    const lease = await a.leases.hold('play', 'wiped', () => ({ positionMs: 6 }), () => (lost = true));
    const prefix = `test:lease:${n}:play`;
    await client.sendCommand(['DEL', `${prefix}:expiries`, `${prefix}:tokens`, `${prefix}:states`]);
    await a.leases.beat();
    expect(lost).toBe(false);
    expect(lease.held).toBe(true);
    for (let i = 0; i < 3; i++) {
      await sleep(expireAfterMs / 2);
      await a.leases.beat();
      await b.leases.beat();
    }
    expect(b.taken).toEqual([]);
    // Written again for real: when A then dies, B takes it over with its state.
    await sleep(expireAfterMs + 100);
    await b.leases.beat();
    expect(b.taken).toEqual([{ id: 'wiped', state: { positionMs: 6 } }]);
  });

  it('never takes over a released lease', async () => {
    const [a, b] = processes(2) as [ReturnType<typeof processes>[0], ReturnType<typeof processes>[0]];
    const lease = await a.leases.hold('play', 'done', () => ({}));
    await lease.release();
    await sleep(expireAfterMs + 100);
    await b.leases.beat();
    expect(b.taken).toEqual([]);
  });

  it('adopts an orphan once, hands it over when nobody claims it, and never adopts over a holder', async () => {
    const [a, b, c] = processes(3) as [ReturnType<typeof processes>[0], ReturnType<typeof processes>[0], ReturnType<typeof processes>[0]];
    expect(await b.leases.adopt('play', 'orphan', { positionMs: null })).toBe(true);
    expect(await c.leases.adopt('play', 'orphan', { positionMs: 5 })).toBe(false);
    const lease = await a.leases.hold('play', 'held', () => ({ positionMs: 7 }));
    expect(await b.leases.adopt('play', 'held', { positionMs: null })).toBe(false);
    await sleep(expireAfterMs / 2);
    await a.leases.beat();
    await sleep(expireAfterMs / 2 + 100);
    await a.leases.beat();
    await Promise.all([b.leases.beat(), c.leases.beat()]);
    expect([...a.taken, ...b.taken, ...c.taken]).toEqual([{ id: 'orphan', state: { positionMs: null } }]);
    expect(lease.held).toBe(true);
    await lease.release();
  });
});
