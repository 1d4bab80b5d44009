// A session that has ended or was cancelled takes no more requests for the floor, points of order, questions
// or votes: each is refused with `session_ended` (not "not live yet", which would promise it will open), also
// after a restart. Before it opens, questions are taken (asked in advance) and the floor says `session_not_live`.
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QuestionMessageBody } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer, tempDir } from '../support/server.ts';

const ended = { ok: false, error: { code: 'session_ended' } };

describe('a session that is over refuses the floor, questions and votes (session_ended)', () => {
  const dataDir = tempDir('plenary-ended-');
  let server: Plenary;
  let chair: TestParticipant;
  let delegate: TestParticipant;
  let voter: TestParticipant;
  const sockets: Socket[] = [];

  const join = async (p: TestParticipant, sessionId: string): Promise<Socket> => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok<JoinAck>(socket, 'session:join', { sessionId });
    return socket;
  };

  beforeAll(async () => {
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId: 'thematic-4', role: 'moderator' }, { sessionId: 'closing', role: 'moderator' }] });
    delegate = await createParticipant(server, { name: 'Delegate', group: 'workers', country: 'KE' });
    voter = await createParticipant(server, { name: 'Voter', group: 'employers', country: 'FR' });
  });
  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('takes them while live, refuses each once the chair ends the session, and still after a restart', async () => {
    const sessionId = 'thematic-4';
    const mod = await join(chair, sessionId);
    const del = await join(delegate, sessionId);
    const other = await join(voter, sessionId);
    await ok(mod, 'qna:mode', { sessionId, mode: 'open' });

    // Before it opens: a question in advance is taken; the floor is not open yet (and says so).
    const early = await ok<{ question: QuestionMessageBody }>(del, 'qna:ask', { sessionId, text: 'Asked before the session opens' });
    expect(await emit(del, 'queue:request', { sessionId, kind: 'statement' })).toMatchObject({ ok: false, error: { code: 'session_not_live' } });

    await ok(mod, 'session:open', { sessionId });
    await ok(del, 'queue:request', { sessionId, kind: 'statement' });
    await ok(other, 'qna:vote', { sessionId, questionId: early.question.id });
    await ok(mod, 'session:end', { sessionId });

    const refusedAll = async (d: Socket, o: Socket, m: Socket): Promise<void> => {
      expect(await emit(o, 'queue:request', { sessionId, kind: 'statement' }), 'request the floor').toMatchObject(ended);
      expect(await emit(o, 'queue:request', { sessionId, kind: 'point_of_order' }), 'point of order').toMatchObject(ended);
      expect(await emit(d, 'qna:ask', { sessionId, text: 'Asked after the end' }), 'ask').toMatchObject(ended);
      expect(await emit(d, 'qna:vote', { sessionId, questionId: early.question.id }), 'vote').toMatchObject(ended);
      expect(await emit(m, 'queue:add', { sessionId, participantId: voter.id }), 'add a speaker').toMatchObject(ended);
      const entryId = (await ok<JoinAck>(m, 'session:join', { sessionId })).queue.entries[0]?.id ?? 'none';
      expect(await emit(m, 'queue:give-floor', { sessionId, entryId }), 'give the floor').toMatchObject(ended);
    };
    await refusedAll(del, other, mod);
    // Nothing slipped in: one question, its one vote.
    const after = await ok<JoinAck>(mod, 'session:join', { sessionId });
    expect(after.qna.questions.map((q) => [q.text, q.votes])).toEqual([['Asked before the session opens', 1]]);
    // Withdrawing and the chair's moderation are still possible: they close things rather than open them.
    await ok(del, 'queue:withdraw', { sessionId });
    await ok(mod, 'qna:moderate', { sessionId, questionId: early.question.id, action: 'answer' });

    // The status is stored: after a restart, the same refusals.
    for (const s of sockets.splice(0)) s.close();
    await server.close();
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    await refusedAll(await join(delegate, sessionId), await join(voter, sessionId), await join(chair, sessionId));
  });

  it('refuses them in a cancelled session', async () => {
    const sessionId = 'closing';
    const del = await join(delegate, sessionId);
    const cancelled = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}`, { method: 'DELETE', headers: { authorization: `Bearer ${organizerToken}` } });
    expect(cancelled.status).toBeLessThan(300);
    expect(await emit(del, 'qna:ask', { sessionId, text: 'Is it still on?' })).toMatchObject(ended);
    expect(await emit(del, 'queue:request', { sessionId, kind: 'point_of_order' })).toMatchObject(ended);
    const mod = await join(chair, sessionId);
    expect(await emit(mod, 'queue:add', { sessionId, participantId: delegate.id })).toMatchObject(ended);
  });
});
