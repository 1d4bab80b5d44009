// A session that ends or is cancelled stops its running order: the item in progress ends with it (run:state to the
// room, the join snapshot and the record say nothing runs), and its actual time in the draft record stops growing.
// A reopened session's moderator advances again. (A statement video playing then: test/media/playback.test.ts.)
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, RunStateMessage } from '../../server/protocol/events.ts';
import { hasRedis, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { connect, createParticipant, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer, tempDir, waitFor } from '../support/server.ts';

type RecordBody = { runningOrder: { title: string; started: boolean; actualMs: number }[] };
const organizer = { authorization: `Bearer ${organizerToken}` };

describe('the running order stops when its session ends or is cancelled', () => {
  let server: Plenary;
  let chair: TestParticipant;
  const sockets: Socket[] = [];

  const put = async (sessionId: string): Promise<void> => {
    const res = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`, {
      method: 'PUT',
      headers: { ...organizer, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ id: 'opening', kind: 'statement', title: 'Opening', plannedMs: 60_000 }, { id: 'floor', kind: 'floor', title: 'Open floor', plannedMs: 600_000 }] }),
    });
    expect(res.status).toBe(200);
  };
  const join = async (sessionId: string): Promise<Socket> => {
    const socket = await connect(server.url, { token: chair.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return socket;
  };
  const record = async (sessionId: string): Promise<RecordBody> => {
    const res = await getJson<RecordBody>(`${server.url}/api/events/${eventId}/sessions/${sessionId}/record?lang=en`, { headers: organizer });
    expect(res.status).toBe(200);
    return res.body;
  };

  beforeAll(async () => {
    server = await startTestServer();
    chair = await createParticipant(server, { name: 'Chair', roles: ['thematic-1', 'thematic-2'].map((sessionId) => ({ sessionId, role: 'moderator' })) });
  });
  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('ends the item in progress when the chair ends the session; its actual time then stays, and a reopened session advances again', async () => {
    const sessionId = 'thematic-1';
    await put(sessionId);
    const mod = await join(sessionId);
    await ok(mod, 'session:open', { sessionId });
    await ok(mod, 'run:advance', { sessionId, itemId: 'opening' });
    const stopped = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.sessionId === sessionId && m.currentItemId === null);
    await ok(mod, 'session:end', { sessionId });
    const state = await stopped;
    expect(state.items.map((i) => [i.id, i.status, Boolean(i.endedAt)])).toEqual([['opening', 'done', true], ['floor', 'pending', false]]);
    const opening = state.items[0]!;
    const ranMs = Date.parse(opening.endedAt!) - Date.parse(opening.startedAt!);
    expect(opening.actualMs).toBe(ranMs);
    // A late joiner sees nothing running.
    expect((await ok<JoinAck>(mod, 'session:join', { sessionId })).run.currentItemId).toBeNull();
    // The record's actual time is the time it ran until the end, and a later read says the same.
    const first = await record(sessionId);
    expect(first.runningOrder.map((r) => [r.title, r.started, r.actualMs])).toEqual([['Opening', true, ranMs], ['Open floor', false, 0]]);
    await new Promise((r) => setTimeout(r, 250));
    expect((await record(sessionId)).runningOrder).toEqual(first.runningOrder);

    // Reopened, the chair moves on again; the ended item keeps its time.
    await ok(mod, 'session:open', { sessionId });
    const moved = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.sessionId === sessionId && m.currentItemId === 'floor');
    await ok(mod, 'run:advance', { sessionId, itemId: 'floor' });
    expect((await moved).items.find((i) => i.id === 'opening')).toMatchObject({ status: 'done', actualMs: ranMs });
  });

  it('stops it when an organiser cancels the session', async () => {
    await put('thematic-2');
    const mod = await join('thematic-2');
    await ok(mod, 'session:open', { sessionId: 'thematic-2' });
    await ok(mod, 'run:advance', { sessionId: 'thematic-2', itemId: 'floor' });
    const stopped = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.sessionId === 'thematic-2' && m.currentItemId === null);
    const cancelled = await getJson(`${server.url}/api/events/${eventId}/sessions/thematic-2`, { method: 'DELETE', headers: organizer });
    expect(cancelled.status).toBeLessThan(300);
    const floor = (await stopped).items.find((i) => i.id === 'floor')!;
    expect(floor).toMatchObject({ status: 'done', actualMs: Date.parse(floor.endedAt!) - Date.parse(floor.startedAt!) });
    expect((await record('thematic-2')).runningOrder.find((r) => r.title === 'Open floor')?.actualMs).toBe(floor.actualMs);
  });
});

describe.skipIf(!hasRedis)('the running order stops once when its session ends, with two processes', () => {
  let cluster: ServerCluster;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    cluster = await startServerCluster(2);
  }, 120_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await cluster?.stop();
  });

  it('is ended by one process, and a client of the other process hears it', async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    const sessionId = 'thematic-4';
    const put = await getJson(`${urlA}/api/events/${eventId}/sessions/${sessionId}/running-order`, {
      method: 'PUT',
      headers: { ...organizer, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ id: 'panel', kind: 'panel', title: 'Panel', plannedMs: 60_000 }] }),
    });
    expect(put.status).toBe(200);
    const chair = await createParticipant({ url: urlA }, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant({ url: urlA }, { name: 'Delegate', group: 'workers', country: 'FR' });
    const mod = await connect(urlA, { token: chair.token });
    const listener = await connect(urlB, { token: delegate.token });
    sockets.push(mod, listener);
    await ok(mod, 'session:join', { sessionId });
    await ok(listener, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await ok(mod, 'run:advance', { sessionId, itemId: 'panel' });

    const heard = nextEvent<RunStateMessage>(listener, 'run:state', (m) => m.sessionId === sessionId && m.currentItemId === null, 15_000);
    await ok(mod, 'session:end', { sessionId });
    const panel = (await heard).items[0]!;
    expect(panel).toMatchObject({ status: 'done', actualMs: Date.parse(panel.endedAt!) - Date.parse(panel.startedAt!) });
    // Both processes heard the end and tried; one write decided it. (The other's attempt finds nothing running: given a
    // moment to have been made, it must not have written a second end.)
    await new Promise((r) => setTimeout(r, 500));
    const audit = await getJson<{ entries: { action: string; target?: { id?: string } }[] }>(`${urlB}/api/events/${eventId}/audit`, { headers: organizer });
    expect(audit.body.entries.filter((e) => e.action === 'run.session-ended' && e.target?.id === sessionId)).toHaveLength(1);
    expect((await ok<JoinAck>(listener, 'session:join', { sessionId })).run.currentItemId).toBeNull();
  }, 60_000);
});

describe('an order an earlier version left running after its session ended', () => {
  it('is stopped at start-up, at the session’s end, not at the restart', async () => {
    const dir = tempDir();
    const sessionId = 'thematic-3';
    let server = await startTestServer({ PLENARY_DATA_DIR: dir });
    try {
      const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
      const put = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`, {
        method: 'PUT',
        headers: { ...organizer, 'content-type': 'application/json' },
        body: JSON.stringify({ items: [{ id: 'panel', kind: 'panel', title: 'Panel', plannedMs: 60_000 }] }),
      });
      expect(put.status).toBe(200);
      const mod = await connect(server.url, { token: chair.token });
      await ok(mod, 'session:join', { sessionId });
      await ok(mod, 'session:open', { sessionId });
      await ok(mod, 'session:end', { sessionId });
      mod.close();
      const ended = await server.programme.requireSession(eventId, sessionId);
      expect(ended.status).toBe('ended');
      // As a version without this stop left it: the panel still running, begun 30 s before the session ended.
      const key = `${eventId}/${sessionId}`;
      const doc = await server.store.get<{ id: string; currentItemId: string | null; items: { id: string; status: string; startedAt?: string }[] }>('running_orders', key);
      const startedAt = new Date(Date.parse(ended.updatedAt) - 30_000).toISOString();
      await server.store.put('running_orders', { ...doc!, currentItemId: 'panel', items: doc!.items.map((i) => ({ ...i, status: 'current', startedAt })) });
      await server.close();

      server = await startTestServer({ PLENARY_DATA_DIR: dir });
      const read = async () => (await getJson<RunStateMessage>(`${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`, { headers: organizer })).body;
      // The start-up sweep runs beside the server's start.
      await waitFor(async () => ((await read()).currentItemId === null ? true : null), { timeout: 10_000 });
      expect((await read()).items[0]).toMatchObject({ status: 'done', endedAt: ended.updatedAt, actualMs: 30_000 });
    } finally {
      await server.close();
    }
  });
});
