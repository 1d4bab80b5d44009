import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QueueStateMessage } from '../../server/protocol/events.ts';
import { TurnGate } from '../../server/services/turn-gate.ts';
import { connect, createParticipant, ok } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const sessionId = 'thematic-2';

/** One event-loop turn further: an immediate set now runs after the I/O polled in between. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('the turn gate of joins', () => {
  it('lets a fixed number through per event-loop turn, in arrival order, with I/O handled between turns', async () => {
    const gate = new TurnGate(20);
    const order: number[] = [];
    const passed = Array.from({ length: 45 }, (_, i) => gate.pass().then(() => order.push(i)));
    // A message through a MessageChannel arrives by I/O, not as a microtask or an immediate.
    const channel = new MessageChannel();
    let ioAfter = -1;
    channel.port2.onmessage = () => {
      ioAfter = order.length;
      channel.port2.close();
    };
    channel.port1.postMessage('io');
    await Promise.resolve();
    expect(order.length).toBe(20);
    expect(gate.queued).toBe(25);
    await nextTurn();
    await nextTurn();
    await Promise.all(passed);
    expect(order).toEqual(Array.from({ length: 45 }, (_, i) => i));
    // The message was handled after the first batch and before the last one.
    expect(ioAfter).toBeGreaterThanOrEqual(20);
    expect(ioAfter).toBeLessThan(45);
    channel.port1.close();
  });

  it('lets callers through at once again when the earlier ones are done', async () => {
    const gate = new TurnGate(2);
    await Promise.all([gate.pass(), gate.pass(), gate.pass()]);
    await nextTurn();
    await nextTurn();
    let through = false;
    const pass = gate.pass().then(() => (through = true));
    await Promise.resolve();
    expect(through).toBe(true);
    await pass;
  });
});

describe('a rush of 200 joins and a floor change in the same moment', () => {
  let server: Plenary;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  it('gives every join a snapshot no older than any floor its socket was already sent, and the change reaches everyone in the room', async () => {
    const chair = await createParticipant(server, { name: 'Turn Chair', roles: [{ sessionId, role: 'moderator' }] });
    // Ten sockets a person (below the cap of 16 per participant).
    const people = await Promise.all(Array.from({ length: 21 }, (_, i) => createParticipant(server, { name: `Turn delegate ${i}` })));
    const mod = await connect(server.url, { token: chair.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const observers = await Promise.all(Array.from({ length: 10 }, (_, i) => connect(server.url, { token: people[20]!.token }).then((s) => (sockets.push(s), s))));
    await Promise.all(observers.map((s) => ok(s, 'session:join', { sessionId })));
    const joiners = await Promise.all(Array.from({ length: 200 }, (_, i) => connect(server.url, { token: people[i % 20]!.token }).then((s) => (sockets.push(s), s))));

    // Each socket's queue states and join ack, in the order they arrived.
    const heard = new Map<Socket, { version: number; ack: boolean }[]>();
    for (const s of [...observers, ...joiners]) {
      const log: { version: number; ack: boolean }[] = [];
      heard.set(s, log);
      s.on('queue:state', (m: QueueStateMessage) => log.push({ version: m.version, ack: false }));
    }
    // All in one go from this process: the 200 joins and the change reach the server together.
    // The ack is logged in its callback, before any packet that arrived after it is handled.
    const acks = joiners.map(
      (s) =>
        new Promise<void>((resolve, reject) => {
          s.timeout(20_000).emit('session:join', { sessionId }, (error: Error | null, ack: { ok: boolean } & Partial<JoinAck>) => {
            if (error || !ack.ok || !ack.queue) {
              reject(error ?? new Error(`join refused: ${JSON.stringify(ack)}`));
              return;
            }
            heard.get(s)!.push({ version: ack.queue.version, ack: true });
            resolve();
          });
        }),
    );
    const changed = ok<{ version: number }>(mod, 'queue:rules', { sessionId, mode: 'tripartite' });
    const [{ version }] = await Promise.all([changed, ...acks]);
    // The change's broadcast has gone out by its ack; a later change flushes what is in flight to everyone.
    const flushed = await ok<{ version: number }>(mod, 'queue:rules', { sessionId, mode: 'order' });
    await Promise.all([...heard.keys()].map((s) => waitFor(() => heard.get(s)!.some((h) => h.version >= flushed.version))));

    for (const s of joiners) {
      const log = heard.get(s)!;
      const at = log.findIndex((h) => h.ack);
      const ack = log[at]!;
      // No queue state sent to the socket before its ack is newer than the ack's.
      for (const before of log.slice(0, at)) expect(before.version).toBeLessThanOrEqual(ack.version);
      // The ack, with what came after it, ends at the floor as changed: the change is never lost.
      expect(Math.max(...log.slice(at).map((h) => h.version))).toBeGreaterThanOrEqual(version);
    }
    // Those already in the room heard the change itself.
    for (const s of observers) expect(heard.get(s)!.map((h) => h.version)).toContain(version);
  }, 60_000);
});

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}
