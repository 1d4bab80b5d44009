import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QueueStateMessage } from '../../server/protocol/events.ts';
import { clientWithJoinGap } from '../support/join-gap.ts';
import { connect, createParticipant, nextEvent, ok } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const sessionId = 'thematic-1';

/**
 * The server puts a joining socket in the session's room before it reads
 * the snapshot, so a floor change made in between (by another process, say)
 * reaches the client as queue:state ahead of the join's ack, whose snapshot
 * may be older. The live client keeps that broadcast and, once the ack is
 * there, holds whichever of the two is newer by version.
 *
 * The gap is made certain rather than hoped for: the client's socket is a
 * real one, but the ack of its join is handed to the client only after a
 * real floor change has been broadcast and received by that socket.
 */
describe('the live client and a queue:state that comes before its join ack', () => {
  let server: Plenary;
  let chair: Socket;
  const sockets: Socket[] = [];

  /** A delegate's live client whose next join's ack is held back until `gap` has run (test/support/join-gap.ts). */
  const clientWithGap = (gap: (socket: Socket, ack: JoinAck) => Promise<void>) => clientWithJoinGap(server, sockets, gap);

  /** The chair closes or opens the list; resolves once `socket` has received the resulting queue:state. */
  async function floorChange(socket: Socket, open: boolean): Promise<QueueStateMessage> {
    const received = nextEvent<QueueStateMessage>(socket, 'queue:state', (m) => m.sessionId === sessionId && m.listOpen === open);
    await ok(chair, 'queue:list', { sessionId, open });
    return received;
  }

  beforeAll(async () => {
    server = await startTestServer();
    const moderator = await createParticipant(server, { name: 'Floor Chair', roles: [{ sessionId, role: 'moderator' }] });
    chair = await connect(server.url, { token: moderator.token });
    sockets.push(chair);
    await ok(chair, 'session:join', { sessionId });
    await ok(chair, 'session:open', { sessionId });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('takes a floor change broadcast between the snapshot and the ack, newer than the snapshot', async () => {
    let snapshot: JoinAck | undefined;
    let early: QueueStateMessage | undefined;
    const { live, causes } = await clientWithGap(async (socket, ack) => {
      snapshot = ack;
      early = await floorChange(socket, !ack.queue.listOpen);
    });
    const view = await live.join(sessionId);
    expect(early!.version).toBeGreaterThan(snapshot!.queue.version);
    expect(view.queue).toBe(early);
    expect(view.queue.listOpen).toBe(!snapshot!.queue.listOpen);
    // One change for the join, none for a broadcast with no view yet.
    expect(causes).toEqual(['join']);
  });

  it('keeps the snapshot when what came before the ack is older, then follows broadcasts as usual', async () => {
    // A broadcast from before this join's snapshot (delayed on its way from another process) is older than the snapshot.
    const { live } = await clientWithGap(async (socket, ack) => {
      const stale = { ...ack.queue, version: ack.queue.version - 1, listOpen: !ack.queue.listOpen };
      for (const listener of socket.listeners('queue:state')) (listener as (m: QueueStateMessage) => void)(stale);
    });
    const view = await live.join(sessionId);
    const snapshotQueue = view.snapshot.queue;
    expect(view.queue).toBe(snapshotQueue);
    // Joined: the next broadcast is applied as usual.
    const socket = sockets.at(-1)!;
    const next = await floorChange(socket, !view.queue.listOpen);
    expect(live.views.get(sessionId)?.queue).toBe(next);
  });
});
