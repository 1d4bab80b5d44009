// A session that has ended or was cancelled does not run its order again:
// run:advance, and run:playback resuming a play, are refused with
// session_ended (409), with no write and no run:state. Only the stored
// status decides: a past session nobody ended can still be run (a
// rehearsal), and a reopened session runs again.
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, RunStateMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, record, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const organizer = { authorization: `Bearer ${organizerToken}` };
const items = [{ id: 'opening', kind: 'panel', title: 'Opening', plannedMs: 60_000 }, { id: 'floor', kind: 'floor', title: 'Open floor', plannedMs: 600_000 }];

describe('the running order of a session that has ended or was cancelled', () => {
  let server: Plenary;
  let chair: TestParticipant;
  const sockets: Socket[] = [];

  const orderUrl = (sessionId: string) => `${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`;
  const put = async (sessionId: string): Promise<void> => {
    const res = await getJson(orderUrl(sessionId), { method: 'PUT', headers: { ...organizer, 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
    expect(res.status).toBe(200);
  };
  const stored = async (sessionId: string): Promise<RunStateMessage> => (await getJson<RunStateMessage>(orderUrl(sessionId), { headers: organizer })).body;
  const join = async (sessionId: string): Promise<Socket> => {
    const socket = await connect(server.url, { token: chair.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return socket;
  };

  beforeAll(async () => {
    server = await startTestServer();
    chair = await createParticipant(server, { name: 'Chair', roles: ['thematic-1', 'thematic-2', 'thematic-3', 'thematic-4'].map((sessionId) => ({ sessionId, role: 'moderator' })) });
  });
  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses to advance or resume once the chair ended the session, changes nothing, and advances again once reopened', async () => {
    const sessionId = 'thematic-1';
    await put(sessionId);
    const mod = await join(sessionId);
    await ok(mod, 'session:open', { sessionId });
    await ok(mod, 'run:advance', { sessionId, itemId: 'opening' });
    const stopped = nextEvent<RunStateMessage>(mod, 'run:state', (m) => m.sessionId === sessionId && m.currentItemId === null);
    await ok(mod, 'session:end', { sessionId });
    await stopped;
    const before = await stored(sessionId);

    const heard = record(mod, ['run:state']);
    const advance = await emit(mod, 'run:advance', { sessionId, itemId: 'floor' });
    expect(advance).toMatchObject({ ok: false, error: { code: 'session_ended' } });
    // Resuming is refused for the session's end, before asking whether anything is playing.
    const resume = await emit(mod, 'run:playback', { sessionId, itemId: 'opening', action: 'resume' });
    expect(resume).toMatchObject({ ok: false, error: { code: 'session_ended' } });
    // Nothing written, nothing broadcast (a later write would show here, as the reopen below does).
    expect(await stored(sessionId)).toEqual(before);
    expect(heard['run:state']).toEqual([]);

    await ok(mod, 'session:open', { sessionId });
    const resumed = await ok<{ currentItemId: string; version: number }>(mod, 'run:advance', { sessionId, itemId: 'floor' });
    expect(resumed).toMatchObject({ currentItemId: 'floor', version: before.version + 1 });
  });

  it('refuses to advance a cancelled session', async () => {
    const sessionId = 'thematic-2';
    await put(sessionId);
    const mod = await join(sessionId);
    const cancelled = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}`, { method: 'DELETE', headers: organizer });
    expect(cancelled.status).toBeLessThan(300);
    const before = await stored(sessionId);
    expect(await emit(mod, 'run:advance', { sessionId, itemId: 'opening' })).toMatchObject({ ok: false, error: { code: 'session_ended' } });
    expect(await stored(sessionId)).toEqual(before);
  });

  it('stops an advance that the session\'s end overtook: the order does not run after the end', async () => {
    const sessionId = 'thematic-4';
    await put(sessionId);
    const mod = await join(sessionId);
    // The chair's second screen, which ends the session.
    const second = await join(sessionId);
    await ok(mod, 'session:open', { sessionId });
    // The advance reads the session while it is live; the end comes, and is done, before the advance writes.
    const programme = server.programme;
    const read = programme.requireSession.bind(programme);
    programme.requireSession = async (e, s) => {
      const session = await read(e, s);
      if (s === sessionId && session.status === 'live') {
        Reflect.deleteProperty(programme, 'requireSession');
        await ok(second, 'session:end', { sessionId });
      }
      return session;
    };
    const heard = record(mod, ['run:state']);
    try {
      expect(await emit(mod, 'run:advance', { sessionId, itemId: 'opening' })).toMatchObject({ ok: false, error: { code: 'session_ended' } });
    } finally {
      Reflect.deleteProperty(programme, 'requireSession');
    }
    // Stopped again, and the room told so: nothing is on in an ended session.
    expect((await stored(sessionId)).currentItemId).toBeNull();
    await expect.poll(() => (heard['run:state'] as RunStateMessage[]).at(-1)?.currentItemId).toBeNull();
    expect((heard['run:state'] as RunStateMessage[]).map((m) => m.currentItemId)).toEqual(['opening', null]);
  });

  it('advances a past session that nobody ended (a rehearsal): only the stored status decides', async () => {
    const sessionId = 'thematic-3';
    await put(sessionId);
    const mod = await connect(server.url, { token: chair.token });
    sockets.push(mod);
    // The seeded programme is of February 2022: this session's time is long past, and it was never opened or ended.
    const joined = await ok<JoinAck>(mod, 'session:join', { sessionId });
    expect(joined.session.status).toBe('scheduled');
    const advanced = await ok<{ currentItemId: string }>(mod, 'run:advance', { sessionId, itemId: 'opening' });
    expect(advanced.currentItemId).toBe('opening');
  });
});
