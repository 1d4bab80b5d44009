import { io as connectClient, type Socket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { JoinAck, QuestionMessageBody } from '../../server/protocol/events.ts';
import { LiveClient } from '../../client/live-client.ts';
import { floorRemainingMs } from '../../client/session-state.ts';
import { connect, createParticipant, ok, type TestParticipant } from '../support/realtime.ts';
import { startTestServer, tempDir, waitFor } from '../support/server.ts';

const sessionId = 'thematic-3';

/** What a fresh client would be told now: the server's state. */
async function serverTruth(url: string, p: TestParticipant): Promise<JoinAck> {
  const socket = await connect(url, { token: p.token });
  try {
    return await ok<JoinAck>(socket, 'session:join', { sessionId });
  } finally {
    socket.close();
  }
}

function summary(view: { queue: JoinAck['queue']; questions: Map<string, QuestionMessageBody> | QuestionMessageBody[] }) {
  const questions = Array.isArray(view.questions) ? view.questions : [...view.questions.values()];
  return {
    version: view.queue.version,
    entries: view.queue.entries.map((e) => [e.id, e.status]),
    floor: view.queue.floor?.entryId ?? null,
    questions: questions.map((q) => [q.id, q.status, q.votes, q.pinned]).sort(),
  };
}

describe('reconnects and restarts', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()?.();
  });

  async function setup(dir = tempDir(), port = '0') {
    const server = await startTestServer({ PLENARY_DATA_DIR: dir, PORT: port });
    return server;
  }

  it('a client cut off for a while ends with exactly the server’s state', async () => {
    const server = await setup();
    cleanup.push(() => server.close());
    const moderator = await createParticipant(server, { name: 'Moderator', roles: [{ sessionId, role: 'moderator' }] });
    const delegates = await Promise.all(['a', 'b', 'c'].map((n, i) => createParticipant(server, { name: n, group: ['government', 'employers', 'workers'][i], country: 'IT' })));
    const mod = await connect(server.url, { token: moderator.token });
    cleanup.push(() => void mod.close());
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await ok(mod, 'qna:mode', { sessionId, mode: 'open' });

    const watcherSocket = connectClient(server.url, { auth: { token: delegates[0]!.token }, transports: ['websocket'], reconnectionDelay: 1500, reconnectionDelayMax: 1500 });
    cleanup.push(() => void watcherSocket.close());
    const watcher = new LiveClient(watcherSocket);
    await new Promise<void>((resolve) => watcherSocket.once('connect', () => resolve()));
    await watcher.join(sessionId);

    // Cut the watcher's connection from the server side; it stays away ~1.5 s.
    const serverSide = [...server.io.sockets.sockets.values()].find((s) => s.id === watcherSocket.id);
    expect(serverSide).toBeDefined();
    serverSide!.conn.close();
    await waitFor(() => !watcherSocket.connected);

    const others: Socket[] = [];
    for (const d of delegates) {
      const s = await connect(server.url, { token: d.token });
      others.push(s);
      cleanup.push(() => void s.close());
      await ok(s, 'session:join', { sessionId });
      await ok(s, 'queue:request', { sessionId });
    }
    const asked = await ok<{ question: QuestionMessageBody }>(others[1]!, 'qna:ask', { sessionId, text: 'Asked while the watcher was away' });
    await ok(others[2]!, 'qna:vote', { sessionId, questionId: asked.question.id });
    const truthBefore = await serverTruth(server.url, moderator);
    await ok(mod, 'queue:give-floor', { sessionId, entryId: truthBefore.queue.entries.find((e) => e.status === 'waiting')!.id });
    await ok(mod, 'qna:moderate', { sessionId, questionId: asked.question.id, action: 'pin' });

    await waitFor(() => watcherSocket.connected, { timeout: 10_000 });
    const truth = await serverTruth(server.url, delegates[0]!);
    await waitFor(() => watcher.views.get(sessionId)?.queue.version === truth.queue.version && watcher.views.get(sessionId)?.questions.get(asked.question.id)?.pinned, { timeout: 5000 });
    expect(summary(watcher.views.get(sessionId)!)).toEqual(summary({ queue: truth.queue, questions: truth.qna.questions }));
  });

  it('a server restart loses no queue entry, question or vote, and the speaking clock keeps running', async () => {
    const dir = tempDir();
    const first = await setup(dir);
    const moderator = await createParticipant(first, { name: 'Moderator', roles: [{ sessionId, role: 'moderator' }] });
    const speaker = await createParticipant(first, { name: 'Speaker', group: 'workers', country: 'SN' });
    const voter = await createParticipant(first, { name: 'Voter', group: 'employers', country: 'SN' });
    const mod = await connect(first.url, { token: moderator.token });
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    const sp = await connect(first.url, { token: speaker.token });
    const vo = await connect(first.url, { token: voter.token });
    await ok(sp, 'session:join', { sessionId });
    await ok(vo, 'session:join', { sessionId });
    await ok(vo, 'queue:request', { sessionId });
    await ok(sp, 'queue:request', { sessionId });
    const entry = (await ok<JoinAck>(mod, 'session:join', { sessionId })).queue.entries.find((e) => e.participantId === speaker.id)!;
    await ok(mod, 'queue:give-floor', { sessionId, entryId: entry.id });
    const q = await ok<{ question: QuestionMessageBody }>(sp, 'qna:ask', { sessionId, text: 'Will this survive a restart?' });
    await ok(mod, 'qna:moderate', { sessionId, questionId: q.question.id, action: 'approve' });
    await ok(vo, 'qna:vote', { sessionId, questionId: q.question.id });
    const before = await serverTruth(first.url, moderator);
    for (const s of [mod, sp, vo]) s.close();
    await first.close();

    await new Promise((r) => setTimeout(r, 1200));
    const second = await setup(dir);
    cleanup.push(() => second.close());
    const after = await serverTruth(second.url, moderator);
    expect(summary({ queue: after.queue, questions: after.qna.questions })).toEqual(summary({ queue: before.queue, questions: before.qna.questions }));
    expect(after.session.status).toBe('live');
    expect(after.queue.floor).toMatchObject({ entryId: entry.id, startedAt: before.queue.floor!.startedAt, budgetMs: 300_000 });
    // Counted from the persisted start, not restarted: at least the 1.2 s we waited has gone.
    expect(after.queue.floor!.remainingMs).toBeLessThanOrEqual(300_000 - 1200);
    expect(after.queue.floor!.remainingMs).toBeGreaterThan(300_000 - 60_000);
    expect(after.qna.questions.find((x) => x.id === q.question.id)).toMatchObject({ votes: 1, status: 'approved' });
  });

  it('a client resyncs from a snapshot when recovery is impossible (the server restarted)', async () => {
    const dir = tempDir();
    const first = await setup(dir);
    const port = String(first.port);
    const moderator = await createParticipant(first, { name: 'Moderator', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant(first, { name: 'Delegate', group: 'government', country: 'PE' });
    const socket = connectClient(first.url, { auth: { token: delegate.token }, transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 300 });
    cleanup.push(() => void socket.close());
    const client = new LiveClient(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    await client.join(sessionId);
    await first.close();

    const second = await setup(dir, port);
    cleanup.push(() => second.close());
    const mod = await connect(second.url, { token: moderator.token });
    cleanup.push(() => void mod.close());
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await ok(mod, 'queue:add', { sessionId, participantId: delegate.id });
    await waitFor(() => socket.connected, { timeout: 10_000 });
    const truth = await serverTruth(second.url, delegate);
    await waitFor(() => client.views.get(sessionId)?.queue.version === truth.queue.version, { timeout: 5000 });
    const view = client.views.get(sessionId)!;
    expect(view.status).toBe('live');
    expect(summary(view)).toEqual(summary({ queue: truth.queue, questions: truth.qna.questions }));
    expect(floorRemainingMs(view)).toBeNull();
  });
});
