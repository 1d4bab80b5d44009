import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QnaQuestionMessage, QuestionMessageBody } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, nextEvent, ok, record, type TestParticipant } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const sessionId = 'thematic-2';

describe('audience Q&A over Socket.IO', () => {
  let server: Plenary;
  let moderator: TestParticipant;
  let alice: TestParticipant;
  let bob: TestParticipant;
  const sockets: Socket[] = [];

  async function join(p: TestParticipant): Promise<{ socket: Socket; ack: JoinAck }> {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    return { socket, ack: await ok<JoinAck>(socket, 'session:join', { sessionId }) };
  }

  beforeAll(async () => {
    server = await startTestServer();
    moderator = await createParticipant(server, { name: 'Moderator', roles: [{ sessionId, role: 'moderator' }] });
    alice = await createParticipant(server, { name: 'Alice', group: 'workers', country: 'ZA' });
    bob = await createParticipant(server, { name: 'Bob', group: 'employers', country: 'JP' });
  });
  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
  });
  afterAll(async () => {
    await server.close();
  });

  it('holds a question for approval, hides an anonymous author from delegates but not from moderators', async () => {
    const { socket: mod } = await join(moderator);
    const { socket: a, ack } = await join(alice);
    const { socket: b } = await join(bob);
    expect(ack.qna.mode).toBe('pre-moderated');
    const bobSaw = record(b, ['qna:question']);

    const modSaw = nextEvent<QnaQuestionMessage>(mod, 'qna:question');
    const asked = await ok<{ question: QuestionMessageBody; version: number }>(a, 'qna:ask', { sessionId, text: 'How will the Global Accelerator be financed?', anonymous: true });
    expect(asked.question).toMatchObject({ status: 'pending', mine: true, author: { id: alice.id, name: 'Alice' } });
    const toModerator = await modSaw;
    expect(toModerator.question).toMatchObject({ id: asked.question.id, status: 'pending', author: { name: 'Alice' } });
    expect(toModerator.version).toBe(asked.version);

    // Bob sees nothing until approval, then sees the question without its author.
    expect((await ok<JoinAck>(b, 'session:join', { sessionId })).qna.questions).toEqual([]);
    const approved = nextEvent<QnaQuestionMessage>(b, 'qna:question');
    await ok(mod, 'qna:moderate', { sessionId, questionId: asked.question.id, action: 'approve' });
    const seen = await approved;
    expect(seen.question).toMatchObject({ id: asked.question.id, status: 'approved', anonymous: true });
    expect(seen.question.author).toBeUndefined();
    expect(bobSaw['qna:question']).toHaveLength(1);
    const modView = (await ok<JoinAck>(mod, 'session:join', { sessionId })).qna.questions.find((q) => q.id === asked.question.id);
    expect(modView?.author?.name).toBe('Alice');
  });

  it('counts one vote per delegate (toggle) and never doubles a retried vote or question', async () => {
    const { socket: mod } = await join(moderator);
    const { socket: a } = await join(alice);
    const { socket: b } = await join(bob);
    await ok(mod, 'qna:mode', { sessionId, mode: 'open' });

    const key = 'ask-key-0001';
    const first = await ok<{ question: QuestionMessageBody; replayed: boolean }>(a, 'qna:ask', { sessionId, text: 'Social protection floors: how fast?', idempotencyKey: key });
    const retry = await ok<{ question: QuestionMessageBody; replayed: boolean }>(a, 'qna:ask', { sessionId, text: 'Social protection floors: how fast?', idempotencyKey: key });
    expect(first.question.status).toBe('approved');
    expect(retry.replayed).toBe(true);
    expect(retry.question.id).toBe(first.question.id);

    const questionId = first.question.id;
    const vote = { sessionId, questionId, idempotencyKey: 'vote-key-0001' };
    expect(await ok(b, 'qna:vote', vote)).toMatchObject({ voted: true, votes: 1 });
    expect(await ok(b, 'qna:vote', vote)).toMatchObject({ voted: true, votes: 1, replayed: true });
    expect(await ok(b, 'qna:vote', { sessionId, questionId, idempotencyKey: 'vote-key-0002' })).toMatchObject({ voted: false, votes: 0 });
    expect(await ok(b, 'qna:vote', { sessionId, questionId, vote: true })).toMatchObject({ voted: true, votes: 1 });
    expect(await ok(a, 'qna:vote', { sessionId, questionId })).toMatchObject({ voted: true, votes: 2 });

    const snapshot = (await ok<JoinAck>(b, 'session:join', { sessionId })).qna;
    expect(snapshot.questions.filter((q) => q.text === 'Social protection floors: how fast?')).toHaveLength(1);
    expect(snapshot.questions.find((q) => q.id === questionId)).toMatchObject({ votes: 2, votedByMe: true });
  });

  it('pins, answers and hides, and keeps a moderation log with reasons', async () => {
    const { socket: mod } = await join(moderator);
    const { socket: a } = await join(alice);
    const { socket: b } = await join(bob);
    const { question } = await ok<{ question: QuestionMessageBody }>(a, 'qna:ask', { sessionId, text: 'A question to hide' });
    await ok(mod, 'qna:moderate', { sessionId, questionId: question.id, action: 'pin' });
    const hidden = nextEvent<QnaQuestionMessage>(b, 'qna:question', (m) => m.question.id === question.id && m.question.status === 'hidden');
    await ok(mod, 'qna:moderate', { sessionId, questionId: question.id, action: 'hide', reason: 'off topic' });
    expect((await hidden).question.text).toBe('');
    expect((await ok<JoinAck>(b, 'session:join', { sessionId })).qna.questions.some((q) => q.id === question.id)).toBe(false);
    expect(await emit(b, 'qna:vote', { sessionId, questionId: question.id })).toMatchObject({ ok: false, error: { code: 'question_not_open' } });
    const log = await server.live.qna.moderationLog('global-forum-2022', sessionId);
    expect(log.filter((l) => l.questionId === question.id).map((l) => [l.action, l.reason, l.byName])).toEqual([
      ['pin', null, 'Moderator'],
      ['hide', 'off topic', 'Moderator'],
    ]);
  });

  it('refuses empty, over-long and unknown questions with stable codes', async () => {
    const { socket: a } = await join(alice);
    expect(await emit(a, 'qna:ask', { sessionId, text: '   ' })).toMatchObject({ ok: false, error: { code: 'invalid_question' } });
    expect(await emit(a, 'qna:ask', { sessionId, text: 'x'.repeat(501) })).toMatchObject({ ok: false, error: { code: 'invalid_question' } });
    expect(await emit(a, 'qna:vote', { sessionId, questionId: 'nope' })).toMatchObject({ ok: false, error: { code: 'question_not_found' } });
  });

  it('decides votes arriving together in one write, each answered on its own, twins of one request once, with one broadcast', async () => {
    const { socket: mod } = await join(moderator);
    const { socket: a } = await join(alice);
    const { socket: b } = await join(bob);
    const asked = await ok<{ question: QuestionMessageBody }>(a, 'qna:ask', { sessionId, text: 'Votes that arrive together' });
    await ok(mod, 'qna:moderate', { sessionId, questionId: asked.question.id, action: 'approve' });
    const heard = record(mod, ['qna:question']);
    // Alice toggles twice with one key (a resend racing its first copy), Bob votes, all at once.
    const [first, twin, bobs] = await Promise.all([
      ok<{ voted: boolean; replayed: boolean; votes: number }>(a, 'qna:vote', { sessionId, questionId: asked.question.id, idempotencyKey: 'same-key-0001' }),
      ok<{ voted: boolean; replayed: boolean; votes: number }>(a, 'qna:vote', { sessionId, questionId: asked.question.id, idempotencyKey: 'same-key-0001' }),
      ok<{ voted: boolean; replayed: boolean; votes: number }>(b, 'qna:vote', { sessionId, questionId: asked.question.id, vote: true }),
    ]);
    expect([first.voted, twin.voted, bobs.voted]).toEqual([true, true, true]);
    expect([first.replayed, twin.replayed].sort()).toEqual([false, true]);
    const snapshot = (await ok<JoinAck>(mod, 'session:join', { sessionId })).qna.questions.find((q) => q.id === asked.question.id);
    expect(snapshot?.votes).toBe(2);
    await new Promise((r) => setTimeout(r, 200));
    // One change of the question reached the room per decision, not one per vote.
    const changes = (heard['qna:question'] as QnaQuestionMessage[]).filter((m) => m.question.id === asked.question.id);
    expect(changes.length).toBeGreaterThanOrEqual(1);
    expect(changes.length).toBeLessThan(3);
    expect(changes.at(-1)?.question.votes).toBe(2);
  });
});
