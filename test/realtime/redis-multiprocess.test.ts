import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinAck, QueueStateMessage, SessionStateMessage } from '../../server/protocol/events.ts';
import { hasRedis, redisServerPath, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { connect, createParticipant, nextEvent, ok } from '../support/realtime.ts';

if (!hasRedis) console.warn(`SKIPPED: the multi-process test needs ${redisServerPath} (Debian package "redis-server").`);

const sessionId = 'thematic-4';

describe.skipIf(!hasRedis)('two server processes sharing rooms through Redis', () => {
  let cluster: ServerCluster;

  beforeAll(async () => {
    cluster = await startServerCluster(2);
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('a delegate on one process receives a moderator’s action taken on the other', async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    expect(urlA).not.toBe(urlB);
    const moderator = await createParticipant({ url: urlA }, { name: 'Moderator A', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant({ url: urlA }, { name: 'Delegate B', group: 'workers', country: 'NG' });

    const mod = await connect(urlA, { token: moderator.token });
    const del = await connect(urlB, { token: delegate.token });
    try {
      await ok(mod, 'session:join', { sessionId });
      await ok<JoinAck>(del, 'session:join', { sessionId });

      const opened = nextEvent<SessionStateMessage>(del, 'session:state', (m) => m.status === 'live');
      await ok(mod, 'session:open', { sessionId });
      await opened;

      const queued = nextEvent<QueueStateMessage>(mod, 'queue:state', (m) => m.entries.some((e) => e.participantId === delegate.id));
      await ok(del, 'queue:request', { sessionId });
      const entryId = (await queued).entries.find((e) => e.participantId === delegate.id)!.id;

      const floor = nextEvent<QueueStateMessage>(del, 'queue:state', (m) => m.floor?.entryId === entryId);
      await ok(mod, 'queue:give-floor', { sessionId, entryId });
      const state = await floor;
      expect(state.entries.find((e) => e.id === entryId)?.status).toBe('speaking');

      // Both processes agree on the stored state.
      const [a, b] = await Promise.all([ok<JoinAck>(mod, 'session:join', { sessionId }), ok<JoinAck>(del, 'session:join', { sessionId })]);
      expect(a.queue.version).toBe(b.queue.version);
      expect(a.queue.entries).toEqual(b.queue.entries);
    } finally {
      mod.close();
      del.close();
    }
  });
});
