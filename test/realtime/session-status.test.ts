import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QueueStateMessage, SessionStateMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'opening';

describe('session status from the organiser’s programme edits', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const patch = (status: string) =>
    getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status }),
    });

  it('opens the room when an organiser sets the session live, and closes the floor when it ends', async () => {
    const delegate = await createParticipant(server, { name: 'Delegate', group: 'workers', country: 'AR' });
    const socket = await connect(server.url, { token: delegate.token });
    try {
      const joined = await ok<JoinAck>(socket, 'session:join', { sessionId });
      expect(joined.session.status).toBe('scheduled');

      const live = nextEvent<SessionStateMessage>(socket, 'session:state', (m) => m.status === 'live');
      expect((await patch('live')).status).toBe(200);
      expect((await live).version).toBeGreaterThan(joined.session.version);
      await ok(socket, 'queue:request', { sessionId });

      const organiser = await connect(server.url, { token: organizerToken, eventId });
      const queue = (await ok<JoinAck>(organiser, 'session:join', { sessionId })).queue;
      await ok(organiser, 'queue:give-floor', { sessionId, entryId: queue.entries[0]!.id });
      organiser.close();

      const ended = nextEvent<SessionStateMessage>(socket, 'session:state', (m) => m.status === 'ended');
      const floorClosed = nextEvent<QueueStateMessage>(socket, 'queue:state', (m) => m.floor === null && m.entries.some((e) => e.status === 'done'));
      expect((await patch('ended')).status).toBe(200);
      await ended;
      await floorClosed;
      expect(await emit(socket, 'queue:request', { sessionId, kind: 'reply' })).toMatchObject({ ok: false, error: { code: 'session_ended' } });
    } finally {
      socket.close();
    }
  });
});
