import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, PollStateMessage, QnaModeMessage, QnaQuestionMessage, RunStateMessage, SessionStateMessage } from '../../server/protocol/events.ts';
import { clientWithJoinGap, openChair } from '../support/join-gap.ts';
import { nextEvent, ok } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const sessionId = 'thematic-1';

/**
 * Like queue-before-join-ack.test.ts, for the other versioned broadcasts a
 * view follows (running order, Q&A, session status): the server puts a
 * joining socket in the room before it reads the snapshot, so a change in
 * between reaches the client ahead of the join's ack. The live client keeps
 * what came during the join and merges it into the snapshot's view where it
 * is newer; what the snapshot already covers never undoes it.
 *
 * The gap is made certain: the ack of the join is handed to the client only
 * after a real change has been broadcast and received by its real socket.
 */
describe('the live client and broadcasts that come before its join ack', () => {
  let server: Plenary;
  let chair: Socket;
  const sockets: Socket[] = [];

  /** A delegate's live client whose next join's ack is held back until `gap` has run (test/support/join-gap.ts). */
  const clientWithGap = (gap: (socket: Socket, ack: JoinAck) => Promise<void>) => clientWithJoinGap(server, sockets, gap);

  /** An item of the order other than the current one, and not a pre-recorded statement (which would start a player). */
  const anotherItem = (run: RunStateMessage): string =>
    run.items.find((i) => i.id !== run.currentItemId && i.kind !== 'statement')!.id;

  beforeAll(async () => {
    server = await startTestServer();
    // Open Q&A: a question asked is broadcast to everyone in the room at once.
    chair = await openChair(server, sockets, sessionId, 'Floor Chair');
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('takes a run:state broadcast between the snapshot and the ack: the chair advanced meanwhile', async () => {
    let snapshot: JoinAck | undefined;
    let early: RunStateMessage | undefined;
    const { live, causes } = await clientWithGap(async (socket, ack) => {
      snapshot = ack;
      const itemId = anotherItem(ack.run);
      const received = nextEvent<RunStateMessage>(socket, 'run:state', (m) => m.sessionId === sessionId && m.currentItemId === itemId);
      await ok(chair, 'run:advance', { sessionId, itemId });
      early = await received;
    });
    const view = await live.join(sessionId);
    expect(early!.version).toBeGreaterThan(snapshot!.run.version);
    expect(view.run).toBe(early);
    expect(view.run.currentItemId).not.toBe(snapshot!.run.currentItemId);
    // One change for the join, none for a broadcast with no view yet.
    expect(causes).toEqual(['join']);
  });

  it('takes a question asked between the snapshot and the ack, and keeps following Q&A afterwards', async () => {
    let snapshot: JoinAck | undefined;
    let early: QnaQuestionMessage | undefined;
    const { live, socket } = await clientWithGap(async (s, ack) => {
      snapshot = ack;
      const received = nextEvent<QnaQuestionMessage>(s, 'qna:question', (m) => m.sessionId === sessionId && m.question.text.startsWith('Asked during'));
      await ok(chair, 'qna:ask', { sessionId, text: 'Asked during the join: how are informal workers counted?' });
      early = await received;
    });
    const view = await live.join(sessionId);
    expect(snapshot!.qna.questions.map((q) => q.id)).not.toContain(early!.question.id);
    expect(early!.question.version).toBeGreaterThan(snapshot!.qna.version);
    expect(view.questions.get(early!.question.id)).toMatchObject({ id: early!.question.id, text: early!.question.text, votedByMe: false });
    // Joined: the next question is merged as usual.
    const next = nextEvent<QnaQuestionMessage>(socket, 'qna:question', (m) => m.question.text.startsWith('Asked after'));
    await ok(chair, 'qna:ask', { sessionId, text: 'Asked after the join: and the self-employed?' });
    const after = await next;
    expect(live.views.get(sessionId)?.questions.has(after.question.id)).toBe(true);
  });

  it('leaves out a question broadcast that the snapshot already covers (its version is not newer), however it differs', async () => {
    // A broadcast from before this join's snapshot (delayed on its way from another process), of a question the snapshot leaves out,
    // as a hidden question is left out for a delegate: merged, it would bring the question back.
    const { live } = await clientWithGap(async (socket, ack) => {
      const stale: QnaQuestionMessage = {
        sessionId,
        version: ack.qna.version,
        question: { ...ack.qna.questions[0]!, id: 'hidden-since', text: 'Hidden before the snapshot was read', version: ack.qna.version },
      };
      for (const listener of socket.listeners('qna:question')) (listener as (m: QnaQuestionMessage) => void)(stale);
    });
    const view = await live.join(sessionId);
    expect(view.questions.size).toBeGreaterThan(0);
    expect(view.questions.has('hidden-since')).toBe(false);
  });

  it('takes a poll opened between the snapshot and the ack', async () => {
    let snapshot: JoinAck | undefined;
    let early: PollStateMessage | undefined;
    const { live } = await clientWithGap(async (socket, ack) => {
      snapshot = ack;
      const created = await ok<{ poll: { id: string } }>(chair, 'poll:create', { sessionId, question: 'Opened during the join: adopt the conclusions?', kind: 'yes_no_abstain' });
      const received = nextEvent<PollStateMessage>(socket, 'poll:state', (m) => m.poll.id === created.poll.id && m.poll.status === 'open');
      await ok(chair, 'poll:open', { sessionId, pollId: created.poll.id });
      early = await received;
    });
    const view = await live.join(sessionId);
    expect(snapshot!.polls.polls.map((p) => p.id)).not.toContain(early!.poll.id);
    expect(view.polls.get(early!.poll.id)?.status).toBe('open');
  });

  it('takes a Q&A mode changed between the snapshot and the ack', async () => {
    let snapshot: JoinAck | undefined;
    let early: QnaModeMessage | undefined;
    const { live } = await clientWithGap(async (socket, ack) => {
      snapshot = ack;
      const mode = ack.qna.mode === 'open' ? 'pre-moderated' : 'open';
      const received = nextEvent<QnaModeMessage>(socket, 'qna:mode', (m) => m.sessionId === sessionId && m.mode === mode);
      await ok(chair, 'qna:mode', { sessionId, mode });
      early = await received;
    });
    const view = await live.join(sessionId);
    expect(early!.mode).not.toBe(snapshot!.qna.mode);
    expect(view.qnaMode).toBe(early!.mode);
    // Back as the other tests expect it: questions broadcast to everyone at once.
    await ok(chair, 'qna:mode', { sessionId, mode: 'open' });
  });

  it('takes a session:state broadcast between the snapshot and the ack: the session ended meanwhile', async () => {
    let snapshot: JoinAck | undefined;
    let early: SessionStateMessage | undefined;
    const { live } = await clientWithGap(async (socket, ack) => {
      snapshot = ack;
      const received = nextEvent<SessionStateMessage>(socket, 'session:state', (m) => m.sessionId === sessionId && m.status === 'ended');
      await ok(chair, 'session:end', { sessionId });
      early = await received;
    });
    const view = await live.join(sessionId);
    expect(snapshot!.session.status).toBe('live');
    expect([view.status, view.statusVersion]).toEqual(['ended', early!.version]);
  });
});
