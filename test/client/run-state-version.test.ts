import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { LiveClient } from '../../client/live-client.ts';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, RunStateMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, eventId, nextEvent } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'thematic-3';

/**
 * The room's one copy of the running order (client/session-state.ts): taken
 * from the join snapshot, then from run:state by version (never back to an
 * older one; a repeat of the current version is taken, as playback and
 * stage-copy changes may repeat it), and kept over a reconnect's snapshot
 * when what the client holds is newer. The snapshot itself stays on the view
 * for the booth and captions panels.
 */
describe('the live client and the running order', () => {
  let server: Plenary;
  let socket: Socket;
  let live: LiveClient;
  const causes: string[] = [];

  const deliver = (message: RunStateMessage): void => {
    for (const listener of socket.listeners('run:state')) (listener as (m: RunStateMessage) => void)(message);
  };
  const run = (): RunStateMessage | undefined => live.views.get(sessionId)?.run;

  beforeAll(async () => {
    server = await startTestServer();
    const put = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items: [{ id: 'opening', kind: 'statement', title: 'Opening', plannedMs: 60_000 }, { id: 'floor', kind: 'floor', title: 'Open floor', plannedMs: 60_000 }] }),
    });
    expect(put.status).toBe(200);
    const chair = await createParticipant(server, { name: 'Run Chair', roles: [{ sessionId, role: 'moderator' }] });
    socket = await connect(server.url, { token: chair.token });
    live = new LiveClient(socket, (_id, _view, cause) => causes.push(cause));
    await live.join(sessionId);
  });
  afterAll(async () => {
    socket?.close();
    await server?.close();
  });

  it('holds the join snapshot’s running order, and the snapshot itself', () => {
    expect(run()?.items.map((i) => i.id)).toEqual(['opening', 'floor']);
    expect(live.views.get(sessionId)?.snapshot.run).toBe(run());
    expect(live.views.get(sessionId)?.snapshot.booths.sessionId).toBe(sessionId);
  });

  it('follows run:state from the server, announcing it as a run change', async () => {
    await live.request('session:open', { sessionId });
    const broadcast = nextEvent<RunStateMessage>(socket, 'run:state');
    await live.request('run:advance', { sessionId, itemId: 'opening' });
    const sent = await broadcast;
    expect(run()?.currentItemId).toBe('opening');
    expect(run()?.version).toBe(sent.version);
    expect(causes.at(-1)).toBe('run');
  });

  it('never goes back to an older state that arrives late; takes a repeat of the current version', () => {
    const held = run();
    if (!held) throw new Error('no running order');
    const before = causes.length;
    deliver({ ...held, version: held.version - 1, currentItemId: null });
    expect(run()).toBe(held);
    expect(causes.length).toBe(before);
    const repeat = { ...held, items: held.items.map((i) => ({ ...i })) };
    deliver(repeat);
    expect(run()).toBe(repeat);
    deliver({ ...held, sessionId: 'another-session', version: held.version + 5 });
    expect(run()).toBe(repeat);
  });

  it('keeps a newer running order over an older snapshot after a reconnect', async () => {
    const held = run();
    if (!held) throw new Error('no running order');
    const newer = { ...held, version: held.version + 10, currentItemId: 'floor' };
    deliver(newer);
    // A snapshot (as a reconnect or a role change brings) that is older than what the client holds.
    const ack = await live.request<JoinAck, 'session:join'>('session:join', { sessionId });
    for (const listener of socket.listeners('session:snapshot')) (listener as (m: JoinAck) => void)(ack);
    expect(run()).toBe(newer);
    expect(live.views.get(sessionId)?.snapshot).toBe(ack);
  });
});
