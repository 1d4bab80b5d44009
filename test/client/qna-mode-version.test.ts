import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import { LiveClient } from '../../client/live-client.ts';
import type { SessionView } from '../../client/session-state.ts';
import type { Plenary } from '../../server/plenary.ts';
import { connect, createParticipant, nextEvent } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const sessionId = 'thematic-2';

interface ModeMessage {
  sessionId: string;
  mode: SessionView['qnaMode'];
  version: number;
}

/**
 * The client merges `qna:mode` by version like every other broadcast, so a
 * late or replayed older mode (Socket.IO's recovery replays packets; two
 * processes may deliver out of order) never undoes a newer one.
 */
describe('the live client and qna:mode versions', () => {
  let server: Plenary;
  let socket: Socket;
  let live: LiveClient;
  const changes: string[] = [];

  /** Delivers a broadcast to the client as if the server had sent it (late, replayed...). */
  const deliver = (message: ModeMessage): void => {
    for (const listener of socket.listeners('qna:mode')) (listener as (m: ModeMessage) => void)(message);
  };
  const mode = (): SessionView['qnaMode'] | undefined => live.views.get(sessionId)?.qnaMode;

  beforeAll(async () => {
    server = await startTestServer();
    const moderator = await createParticipant(server, { name: 'Q&A Chair', roles: [{ sessionId, role: 'moderator' }] });
    socket = await connect(server.url, { token: moderator.token });
    live = new LiveClient(socket, (_id, _view, cause) => changes.push(cause));
    await live.join(sessionId);
  });
  afterAll(async () => {
    socket?.close();
    await server?.close();
  });

  it('follows a newer mode from the server', async () => {
    expect(mode()).toBe('pre-moderated');
    const broadcast = nextEvent<ModeMessage>(socket, 'qna:mode');
    await live.request('qna:mode', { sessionId, mode: 'open' });
    await broadcast;
    expect(mode()).toBe('open');
  });

  it('ignores an older mode that arrives late, and a replay of the current one', async () => {
    const current = live.views.get(sessionId);
    expect(current).toBeDefined();
    const version = current?.qnaVersion ?? 0;
    const before = changes.length;
    deliver({ sessionId, mode: 'pre-moderated', version: 0 });
    expect(mode()).toBe('open');
    const broadcast = nextEvent<ModeMessage>(socket, 'qna:mode');
    await live.request('qna:mode', { sessionId, mode: 'pre-moderated' });
    const latest = await broadcast;
    expect(latest.version).toBeGreaterThan(version);
    expect(mode()).toBe('pre-moderated');
    const afterLatest = changes.length;
    deliver({ sessionId, mode: 'open', version: latest.version - 1 });
    deliver({ sessionId, mode: 'open', version: latest.version });
    expect(mode()).toBe('pre-moderated');
    expect(changes.length).toBe(afterLatest);
    expect(afterLatest).toBeGreaterThan(before);
  });

  it('keeps a mode newer than a resync snapshot, and takes a snapshot newer than the mode it holds', async () => {
    const latest = await (async () => {
      const broadcast = nextEvent<ModeMessage>(socket, 'qna:mode');
      await live.request('qna:mode', { sessionId, mode: 'open' });
      return broadcast;
    })();
    // A broadcast from "the future" (another process got ahead of this one's snapshot).
    deliver({ sessionId, mode: 'pre-moderated', version: latest.version + 100 });
    await live.join(sessionId, 'resync');
    expect(mode()).toBe('pre-moderated');

    // A fresh client has nothing newer: the snapshot's mode holds.
    const other = new LiveClient(socket);
    await other.join(sessionId);
    expect(other.views.get(sessionId)?.qnaMode).toBe('open');
  });
});
