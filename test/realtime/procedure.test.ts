import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QueueStateMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { startTestServer, tempDir } from '../support/server.ts';

/**
 * Rules of procedure over Socket.IO: points of order, the list of speakers
 * opened and closed by the chair, and speaking time per constituent group,
 * kept across a restart.
 */
describe('rules of procedure', () => {
  const dir = tempDir();
  // The server's clock, moved forward so that speakers really speak.
  let ahead = 0;
  const clock = (): Date => new Date(Date.now() + ahead);
  let server: Plenary;
  let chair: TestParticipant;
  const delegates: Record<string, TestParticipant> = {};
  const sockets: Socket[] = [];

  const open = async (p: TestParticipant, sessionId: string): Promise<Socket> => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return socket;
  };
  const queueOf = async (socket: Socket, sessionId: string): Promise<QueueStateMessage> => (await ok<JoinAck>(socket, 'session:join', { sessionId })).queue;

  beforeAll(async () => {
    server = await startTestServer({ PLENARY_DATA_DIR: dir }, { clock });
    chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId: 'thematic-1', role: 'moderator' }, { sessionId: 'thematic-2', role: 'moderator' }] });
    delegates.gov = await createParticipant(server, { name: 'Minister Ruiz', group: 'government', country: 'CL' });
    delegates.emp = await createParticipant(server, { name: 'Ms Ito', group: 'employers', country: 'JP' });
    delegates.wrk = await createParticipant(server, { name: 'Mr Mensah', group: 'workers', country: 'GH' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('a point of order overtakes waiting statements, and is accepted while the list is closed', async () => {
    const sessionId = 'thematic-1';
    const mod = await open(chair, sessionId);
    await ok(mod, 'session:open', { sessionId });
    const [gov, emp, wrk] = await Promise.all([open(delegates.gov!, sessionId), open(delegates.emp!, sessionId), open(delegates.wrk!, sessionId)]);
    await ok(gov, 'queue:request', { sessionId });
    await ok(emp, 'queue:request', { sessionId });

    const closed = nextEvent<QueueStateMessage>(wrk, 'queue:state', (m) => m.sessionId === sessionId && !m.listOpen);
    await ok(mod, 'queue:list', { sessionId, open: false });
    expect((await closed).listOpen).toBe(false);
    expect(await emit(wrk, 'queue:request', { sessionId })).toMatchObject({ ok: false, error: { code: 'list_closed' } });

    // The workers' delegate raises a point of order: it goes first, and is proposed.
    await ok(wrk, 'queue:request', { sessionId, kind: 'point_of_order' });
    const queue = await queueOf(mod, sessionId);
    const waiting = queue.entries.filter((e) => e.status === 'waiting');
    expect(waiting.map((e) => [e.name, e.kind])).toEqual([['Mr Mensah', 'point_of_order'], ['Minister Ruiz', 'statement'], ['Ms Ito', 'statement']]);
    expect(queue.proposedEntryId).toBe(waiting[0]?.id);

    // A right of reply is still accepted on a closed list; a delegate already queued may raise a point of order too.
    await ok(gov, 'queue:request', { sessionId, kind: 'point_of_order' });
    expect((await queueOf(mod, sessionId)).entries.filter((e) => e.status === 'waiting').map((e) => e.name)).toEqual(['Mr Mensah', 'Minister Ruiz', 'Minister Ruiz', 'Ms Ito']);

    // Only the chair opens or closes the list.
    expect(await emit(gov, 'queue:list', { sessionId, open: true })).toMatchObject({ ok: false, error: { code: 'not_moderator' } });
    await ok(mod, 'queue:list', { sessionId, open: true });
    expect((await queueOf(mod, sessionId)).listOpen).toBe(true);
  });

  it('group budgets go down with speaking time, show the overrun, and survive a restart', async () => {
    const sessionId = 'thematic-2';
    const mod = await open(chair, sessionId);
    await ok(mod, 'session:open', { sessionId });
    const gov = await open(delegates.gov!, sessionId);
    await ok(mod, 'queue:rules', { sessionId, mode: 'tripartite', groupBudgetsMs: { government: 10 * 60_000, employers: 10 * 60_000, workers: 10 * 60_000 } });
    const { entryId } = await ok<{ entryId: string }>(gov, 'queue:request', { sessionId });
    await ok(mod, 'queue:give-floor', { sessionId, entryId });
    ahead += 4 * 60_000;
    const speaking = (await queueOf(mod, sessionId)).groups.find((g) => g.group === 'government');
    expect(speaking?.usedMs).toBeGreaterThanOrEqual(4 * 60_000);
    expect(speaking?.leftMs).toBeLessThanOrEqual(6 * 60_000);
    ahead += 8 * 60_000;
    await ok(mod, 'queue:end-floor', { sessionId });
    const after = (await queueOf(mod, sessionId)).groups;
    expect(after.find((g) => g.group === 'government')).toMatchObject({ budgetMs: 600_000 });
    expect(after.find((g) => g.group === 'government')?.overrunMs).toBeGreaterThanOrEqual(2 * 60_000);
    expect(after.find((g) => g.group === 'workers')).toMatchObject({ usedMs: 0, leftMs: 600_000 });

    // A restart on the same data directory keeps budgets and time used.
    for (const s of sockets.splice(0)) s.close();
    await server.close();
    server = await startTestServer({ PLENARY_DATA_DIR: dir }, { clock });
    const again = await open(chair, sessionId);
    expect((await queueOf(again, sessionId)).groups).toEqual(after);

    // Clearing the budgets removes them from the queue's state.
    await ok(again, 'queue:rules', { sessionId, mode: 'tripartite', groupBudgetsMs: null });
    expect((await queueOf(again, sessionId)).groups).toEqual([]);
  });
});
