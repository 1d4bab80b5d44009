import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { LiveClient } from '../../client/live-client.ts';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QnaQuestionMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, eventId, nextEvent, ok } from '../support/realtime.ts';
import { openChair } from '../support/join-gap.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'thematic-2';

type Emitter = { emitWithAck(event: string, payload: unknown): Promise<unknown> };

/**
 * The live client's view is made again from a snapshot in two more cases
 * than a join: the server pushes one when the caller's roles change
 * (session:snapshot), and a rejoin after a reconnect replaces the view while
 * an action may be in flight. What happened after the snapshot was read must
 * survive it. Each gap is made certain with real sockets: the pushed
 * snapshot is handed to the client only after a later question reached it,
 * and the vote is sent only after the rejoin's snapshot was read.
 */
describe('the live client when its view is made again from a snapshot', () => {
  let server: Plenary;
  let chair: Socket;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    chair = await openChair(server, sockets, sessionId, 'Snapshot Chair');
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  /** The organiser makes a participant the session's moderator (the server then pushes them session:snapshot). */
  const promote = async (participantId: string): Promise<void> => {
    const res = await getJson(`${server.url}/api/events/${eventId}/participants/${participantId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roles: [{ sessionId, role: 'moderator' }] }),
    });
    expect(res.status).toBe(200);
  };

  it('keeps a question asked after a role change’s snapshot was read, though it arrived before that snapshot', async () => {
    const delegate = await createParticipant(server, { name: 'Promoted Delegate', group: 'employers', country: 'KE' });
    const socket = await connect(server.url, { token: delegate.token });
    sockets.push(socket);
    // The client's session:snapshot listener gets each pushed snapshot only once `gap` has run.
    let gap: (() => Promise<void>) | null = null;
    const on = socket.on.bind(socket);
    (socket as unknown as { on(event: string, listener: (m: unknown) => void): Socket }).on = (event, listener) =>
      on(event, event === 'session:snapshot' ? (m: unknown) => void (gap ? gap() : Promise.resolve()).then(() => listener(m)) : listener);
    const live = new LiveClient(socket as never);
    await live.join(sessionId);

    let early: QnaQuestionMessage | undefined;
    const promoted = new Promise<void>((resolve) => {
      gap = async () => {
        const received = nextEvent<QnaQuestionMessage>(socket, 'qna:question', (m) => m.question.text.startsWith('Asked after the promotion'));
        await ok(chair, 'qna:ask', { sessionId, text: 'Asked after the promotion was read: who chairs tomorrow?' });
        early = await received;
        resolve();
      };
    });
    const snapshot = nextEvent<JoinAck>(socket, 'session:snapshot', (m) => m.sessionId === sessionId);
    await promote(delegate.id);
    const pushed = await snapshot;
    await promoted;
    await expect.poll(() => live.views.get(sessionId)?.you.moderator).toBe(true);
    expect(pushed.qna.questions.map((q) => q.id)).not.toContain(early!.question.id);
    expect(live.views.get(sessionId)?.questions.get(early!.question.id)?.text).toBe(early!.question.text);
  });

  it('takes a role change pushed while its first join awaited the ack, though the ack was read before the change', async () => {
    const delegate = await createParticipant(server, { name: 'Promoted On Arrival', group: 'government', country: 'CL' });
    const socket = await connect(server.url, { token: delegate.token });
    sockets.push(socket);
    // The join's ack is handed to the client only after the promotion's snapshot has reached it.
    const timeout = socket.timeout.bind(socket);
    let heldAck: JoinAck | undefined;
    (socket as unknown as { timeout(ms: number): Emitter }).timeout = (ms: number): Emitter => ({
      async emitWithAck(event, payload) {
        const ack = await (timeout(ms) as unknown as Emitter).emitWithAck(event, payload);
        if (event === 'session:join' && !heldAck) {
          heldAck = ack as JoinAck;
          const pushed = nextEvent<JoinAck>(socket, 'session:snapshot', (m) => m.sessionId === sessionId);
          await promote(delegate.id);
          expect((await pushed).you.moderator).toBe(true);
        }
        return ack;
      },
    });
    const live = new LiveClient(socket as never);
    const view = await live.join(sessionId);
    expect(heldAck!.you.moderator).toBe(false);
    expect(view.you.moderator).toBe(true);
    expect(live.views.get(sessionId)?.you.moderator).toBe(true);
  });

  it('records a vote acknowledged after a rejoin replaced the view, on the view shown', async () => {
    const delegate = await createParticipant(server, { name: 'Voting Delegate', group: 'workers', country: 'AR' });
    const socket = await connect(server.url, { token: delegate.token });
    sockets.push(socket);
    // The vote leaves only once `release` is called.
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const timeout = socket.timeout.bind(socket);
    (socket as unknown as { timeout(ms: number): Emitter }).timeout = (ms: number): Emitter => ({
      async emitWithAck(event, payload) {
        if (event === 'qna:vote') await released;
        return (timeout(ms) as unknown as Emitter).emitWithAck(event, payload);
      },
    });
    const live = new LiveClient(socket as never);
    await live.join(sessionId);
    const asked = nextEvent<QnaQuestionMessage>(socket, 'qna:question', (m) => m.question.text.startsWith('Worth a vote'));
    await ok(chair, 'qna:ask', { sessionId, text: 'Worth a vote: what of platform workers?' });
    const question = (await asked).question;

    const voting = live.vote(sessionId, question.id, 'vote-across-a-rejoin');
    // A reconnect's rejoin replaces the view, from a snapshot read before the vote was stored.
    const before = live.views.get(sessionId);
    const rejoined = await live.join(sessionId, 'resync');
    expect(rejoined).not.toBe(before);
    expect(rejoined.myVotes.has(question.id)).toBe(false);
    release();
    await voting;
    expect(live.views.get(sessionId)?.myVotes.has(question.id)).toBe(true);
    expect(live.views.get(sessionId)?.questions.get(question.id)?.votedByMe).toBe(true);
  });
});
