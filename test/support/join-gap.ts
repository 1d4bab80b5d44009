import type { Socket } from 'socket.io-client';
import { LiveClient } from '../../client/live-client.ts';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck } from '../../server/protocol/events.ts';
import { connect, createParticipant, ok } from './realtime.ts';

type Emitter = { emitWithAck(event: string, payload: unknown): Promise<unknown> };

/**
 * A delegate's live client whose next `session:join` ack is held back until
 * `gap` has run: the socket is real, so whatever the server broadcasts
 * meanwhile reaches the client ahead of the join's ack, as it can when a
 * change lands between the server's room join and its snapshot read.
 * The socket is pushed onto `sockets` for the caller to close.
 */
export async function clientWithJoinGap(
  server: Plenary,
  sockets: Socket[],
  gap: (socket: Socket, ack: JoinAck) => Promise<void>,
): Promise<{ live: LiveClient; causes: string[]; socket: Socket }> {
  const delegate = await createParticipant(server, { name: `Delegate ${sockets.length}` });
  const socket = await connect(server.url, { token: delegate.token });
  sockets.push(socket);
  const timeout = socket.timeout.bind(socket);
  (socket as unknown as { timeout(ms: number): Emitter }).timeout = (ms: number): Emitter => ({
    async emitWithAck(event, payload) {
      const ack = await (timeout(ms) as unknown as Emitter).emitWithAck(event, payload);
      if (event === 'session:join') await gap(socket, ack as JoinAck);
      return ack;
    },
  });
  const causes: string[] = [];
  return { live: new LiveClient(socket as never, (_id, _view, cause) => causes.push(cause)), causes, socket };
}

/**
 * A moderator's socket in a session it has opened, with questions in open
 * mode (each one broadcast to everyone at once): the chair whose changes the
 * client tests make fall in a join's gap. Pushed onto `sockets` too.
 */
export async function openChair(server: Plenary, sockets: Socket[], sessionId: string, name: string): Promise<Socket> {
  const moderator = await createParticipant(server, { name, roles: [{ sessionId, role: 'moderator' }] });
  const chair = await connect(server.url, { token: moderator.token });
  sockets.push(chair);
  await ok(chair, 'session:join', { sessionId });
  await ok(chair, 'session:open', { sessionId });
  await ok(chair, 'qna:mode', { sessionId, mode: 'open' });
  return chair;
}
