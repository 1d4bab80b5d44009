import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QnaQuestionMessage, SessionRemovedMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, record } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'thematic-3';

/** Room membership follows the caller's roles, while their socket stays open. */
describe('membership follows the caller', () => {
  let server: Plenary;
  const sockets: Socket[] = [];

  const patchRoles = async (participantId: string, body: Record<string, unknown>) => {
    const res = await getJson(`${server.url}/api/events/${eventId}/participants/${participantId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
  };
  const open = async (token: string): Promise<Socket> => {
    const socket = await connect(server.url, { token });
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  it('a demoted moderator stops receiving what only moderators see, within a second, and gets a delegate snapshot', async () => {
    const mod = await createParticipant(server, { name: 'Soon Former Moderator', roles: [{ sessionId, role: 'moderator' }] });
    const author = await createParticipant(server, { name: 'Anonymous Author', group: 'workers', country: 'BR' });
    const modSocket = await open(mod.token);
    const authorSocket = await open(author.token);
    expect((await ok<JoinAck>(modSocket, 'session:join', { sessionId })).you.moderator).toBe(true);
    await ok(authorSocket, 'session:join', { sessionId });

    // Before: a pending anonymous question reaches the moderator with its author.
    const before = nextEvent<QnaQuestionMessage>(modSocket, 'qna:question');
    await ok(authorSocket, 'qna:ask', { sessionId, text: 'Question one, before the change', anonymous: true });
    expect((await before).question).toMatchObject({ status: 'pending', author: { name: 'Anonymous Author' } });

    const snapshot = nextEvent<JoinAck>(modSocket, 'session:snapshot', (m) => m.sessionId === sessionId, 1000);
    const demotedAt = Date.now();
    await patchRoles(mod.id, { roles: [] });
    const fresh = await snapshot;
    expect(Date.now() - demotedAt).toBeLessThan(1000);
    expect(fresh.you.moderator).toBe(false);
    expect(fresh.qna.questions.filter((q) => q.status === 'pending')).toEqual([]);

    const seen = record(modSocket, ['qna:question']);
    await ok(authorSocket, 'qna:ask', { sessionId, text: 'Question two, after the change', anonymous: true });
    // The author's own ack proves the broadcast went out; give it time to arrive anywhere.
    await new Promise((r) => setTimeout(r, 300));
    expect(seen['qna:question']).toEqual([]);
    const refused = await emit(modSocket, 'qna:moderate', { sessionId, questionId: fresh.qna.questions[0]?.id ?? 'x', action: 'approve' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'not_moderator' } });
  });

  it('a promoted delegate starts receiving moderator views without rejoining', async () => {
    const delegate = await createParticipant(server, { name: 'Soon Moderator', group: 'employers', country: 'KE' });
    const author = await createParticipant(server, { name: 'Second Author', group: 'government', country: 'PE' });
    const socket = await open(delegate.token);
    const authorSocket = await open(author.token);
    expect((await ok<JoinAck>(socket, 'session:join', { sessionId })).you.moderator).toBe(false);
    await ok(authorSocket, 'session:join', { sessionId });

    const snapshot = nextEvent<JoinAck>(socket, 'session:snapshot', (m) => m.sessionId === sessionId, 1000);
    await patchRoles(delegate.id, { roles: [{ sessionId, role: 'moderator' }] });
    expect((await snapshot).you.moderator).toBe(true);

    const pending = nextEvent<QnaQuestionMessage>(socket, 'qna:question', (m) => m.question.status === 'pending', 1000);
    await ok(authorSocket, 'qna:ask', { sessionId, text: 'A question only moderators see for now', anonymous: true });
    expect((await pending).question.author?.name).toBe('Second Author');
  });

  it('a participant who is suspended is taken out of the session', async () => {
    const delegate = await createParticipant(server, { name: 'Soon Suspended', group: 'workers', country: 'NO' });
    const socket = await open(delegate.token);
    await ok(socket, 'session:join', { sessionId });
    const gone = Promise.race([
      nextEvent<SessionRemovedMessage>(socket, 'session:removed', (m) => m.sessionId === sessionId, 2000).then(() => 'removed'),
      new Promise<string>((resolve) => socket.once('disconnect', () => resolve('disconnected'))),
    ]);
    await patchRoles(delegate.id, { status: 'rejected' });
    // Either way they no longer receive the session's traffic.
    expect(['removed', 'disconnected']).toContain(await gone);
  });
});

describe('a rush of joins', () => {
  let server: Plenary;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  /** How many times the store was asked for a collection's documents (the metrics count every call). */
  const finds = async (collection: string): Promise<number> => {
    const text = await server.metrics.scrape();
    const line = new RegExp(`^plenary_store_operation_duration_seconds_count\\{[^}]*op="find"[^}]*collection="${collection}"[^}]*\\} (\\d+)$`, 'm').exec(text);
    return Number(line?.[1] ?? 0);
  };

  it('shares one read of the session among joins arriving together, and each still sees the change made just before', async () => {
    const chair = await createParticipant(server, { name: 'Rush Chair', roles: [{ sessionId, role: 'moderator' }] });
    const people = await Promise.all(Array.from({ length: 5 }, (_, i) => createParticipant(server, { name: `Rush ${i}` })));
    const mod = await connect(server.url, { token: chair.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const joiners = await Promise.all(Array.from({ length: 20 }, (_, i) => connect(server.url, { token: people[i % people.length]!.token })));
    sockets.push(...joiners);
    const changed = await ok<{ version: number }>(mod, 'queue:rules', { sessionId, mode: 'tripartite' });
    const before = await finds('participants');
    const acks = await Promise.all(joiners.map((s) => ok<JoinAck>(s, 'session:join', { sessionId })));
    const reads = (await finds('participants')) - before;
    // Every join sees the queue as changed, each is answered as its own caller.
    for (const [i, ack] of acks.entries()) {
      expect(ack.queue.version).toBeGreaterThanOrEqual(changed.version);
      expect(ack.you.participantId).toBe(people[i % people.length]!.id);
    }
    // The booths' interpreter names list the event's participants: kept between participant changes, so at most once for the whole batch.
    expect(reads).toBeLessThanOrEqual(1);
    // A change after the batch reaches a socket that joined in it.
    const next = nextEvent<{ version: number }>(joiners[0]!, 'queue:state');
    const later = await ok<{ version: number }>(mod, 'queue:rules', { sessionId, mode: 'order' });
    expect((await next).version).toBe(later.version);
  });
});

describe('unknown events', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('are acked with unknown_event instead of being left to time out', async () => {
    const delegate = await createParticipant(server);
    const socket = await connect(server.url, { token: delegate.token });
    try {
      expect(await emit(socket, 'vote:unknown', { sessionId, question: 'Adopt?' })).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
      // Known events still work on the same socket.
      expect(await emit(socket, 'session:join', { sessionId })).toMatchObject({ ok: true });
    } finally {
      socket.close();
    }
  });
});
