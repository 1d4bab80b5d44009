import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveClient, idempotencyKey } from '../../client/live-client.ts';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QuestionMessageBody } from '../../server/protocol/events.ts';
import { connect, createParticipant, ok } from '../support/realtime.ts';
import { startTestServer, waitFor } from '../support/server.ts';

const sessionId = 'thematic-3';

describe('a client whose ack is lost resends with the same idempotency key', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('asks once and queues once, though the first ack of each was lost', async () => {
    const moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant(server, { name: 'Unlucky delegate', group: 'workers', country: 'BD' });
    const mod = await connect(server.url, { token: moderator.token });
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await ok(mod, 'qna:mode', { sessionId, mode: 'open' });

    // The server handles the first copy of each event, but its ack is lost on the way back.
    const dropped = new Set<string>();
    server.io.on('connection', (socket) => {
      socket.use((packet, next) => {
        const [event] = packet;
        const last = packet.length - 1;
        if ((event === 'qna:ask' || event === 'queue:request') && !dropped.has(event) && typeof packet[last] === 'function') {
          dropped.add(event);
          packet[last] = () => {};
        }
        next();
      });
    });

    const socket = connectClient(server.url, { auth: { token: delegate.token }, transports: ['websocket'], reconnectionDelay: 50, reconnectionDelayMax: 100 });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const client = new LiveClient(socket);
    await client.join(sessionId);

    const asked = await client.request<{ question: QuestionMessageBody; replayed: boolean }>('qna:ask', { sessionId, text: 'Asked twice, counted once', idempotencyKey: idempotencyKey() });
    expect(asked.replayed).toBe(true);
    const queued = await client.request<{ entryId: string; replayed: boolean }>('queue:request', { sessionId, idempotencyKey: idempotencyKey() });
    expect(queued.replayed).toBe(true);
    expect([...dropped].sort()).toEqual(['qna:ask', 'queue:request']);

    const truth = await ok<JoinAck>(mod, 'session:join', { sessionId });
    expect(truth.qna.questions.filter((q) => q.text === 'Asked twice, counted once')).toHaveLength(1);
    expect(truth.queue.entries.filter((e) => e.participantId === delegate.id)).toEqual([expect.objectContaining({ id: queued.entryId, status: 'waiting' })]);
    await waitFor(() => client.views.get(sessionId)?.queue.version === truth.queue.version);
    socket.close();
    mod.close();
  });
});
