import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck } from '../../server/protocol/events.ts';
import { hasRedis, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

/**
 * The booth views of a join snapshot are made from the event's participants,
 * kept per event between participant changes (issue #10's rush): whatever
 * changes who interprets, the next join sees it, on any process.
 */

const patch = async (url: string, participantId: string, body: Record<string, unknown>): Promise<void> => {
  const res = await getJson(`${url}/api/events/${eventId}/participants/${participantId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
};

const booth = (ack: JoinAck, language: string) => ack.booths.booths.find((b) => b.language === language);
const names = (ack: JoinAck, language: string): string[] => (booth(ack, language)?.interpreters ?? []).map((i) => i.name).sort();

describe('booth views follow participant changes (one process)', () => {
  const sessionId = 'thematic-2';
  let server: Plenary;
  const sockets: Socket[] = [];
  let delegate: Socket;
  const join = () => ok<JoinAck>(delegate, 'session:join', { sessionId });

  beforeAll(async () => {
    server = await startTestServer();
    const d = await createParticipant(server, { name: 'Cache Watcher' });
    delegate = await connect(server.url, { token: d.token });
    sockets.push(delegate);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server.close();
  });

  it('an interpreter invited with the role is in the next join’s booth', async () => {
    // A first join fills what is kept for the event.
    expect(names(await join(), 'pt')).toEqual([]);
    await createParticipant(server, { name: 'Invited Interpreter', roles: [{ sessionId, role: 'interpreter', language: 'pt' }] });
    expect(names(await join(), 'pt')).toEqual(['Invited Interpreter']);
  });

  it('a participant newly assigned as interpreter is in the next join’s booth, and leaves it when the role is taken away', async () => {
    const p = await createParticipant(server, { name: 'Later Interpreter' });
    expect(names(await join(), 'sw')).toEqual([]);
    await patch(server.url, p.id, { roles: [{ sessionId, role: 'interpreter', language: 'sw' }] });
    expect(names(await join(), 'sw')).toEqual(['Later Interpreter']);
    await patch(server.url, p.id, { roles: [{ sessionId, role: 'interpreter', language: 'de' }] });
    const after = await join();
    expect(names(after, 'sw')).toEqual([]);
    expect(names(after, 'de')).toEqual(['Later Interpreter']);
  });

  it('an interpreter no longer approved leaves the booth at the next join, and comes back when approved again', async () => {
    const p = await createParticipant(server, { name: 'Suspended Interpreter', roles: [{ sessionId, role: 'interpreter', language: 'it' }] });
    expect(names(await join(), 'it')).toEqual(['Suspended Interpreter']);
    await patch(server.url, p.id, { status: 'rejected', reason: 'test' });
    expect(names(await join(), 'it')).toEqual([]);
    await patch(server.url, p.id, { status: 'approved' });
    expect(names(await join(), 'it')).toEqual(['Suspended Interpreter']);
  });

  it('joins in between changes read the participants once, not once per join', async () => {
    await join();
    const before = await finds(server);
    for (let i = 0; i < 5; i++) await join();
    expect((await finds(server)) - before).toBe(0);
  });
});

/** How many times the store was asked for the participants collection (the metrics count every call). */
async function finds(server: Plenary): Promise<number> {
  const text = await server.metrics.scrape();
  const line = /^plenary_store_operation_duration_seconds_count\{[^}]*op="find"[^}]*collection="participants"[^}]*\} (\d+)$/m.exec(text);
  return Number(line?.[1] ?? 0);
}

if (!hasRedis) console.warn('SKIPPED: the two-process booth cache test needs redis-server.');

describe.skipIf(!hasRedis)('booth views follow participant changes made on another process', () => {
  const sessionId = 'thematic-4';
  let cluster: ServerCluster;

  beforeAll(async () => {
    cluster = await startServerCluster(2);
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('an interpreter assigned through process B is in the next join on process A, which had kept the participants', async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    const watcher = await createParticipant({ url: urlA }, { name: 'Watcher on A' });
    const p = await createParticipant({ url: urlA }, { name: 'Assigned on B' });
    const socket = await connect(urlA, { token: watcher.token });
    try {
      const join = () => ok<JoinAck>(socket, 'session:join', { sessionId });
      expect(names(await join(), 'ko')).toEqual([]);
      await patch(urlB, p.id, { roles: [{ sessionId, role: 'interpreter', language: 'ko' }] });
      // The invalidation travels through Redis: the next join after it is heard has the interpreter.
      let seen: string[] = [];
      for (let i = 0; i < 50 && seen.length === 0; i++) {
        seen = names(await join(), 'ko');
        if (seen.length === 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen).toEqual(['Assigned on B']);
      // Taken away on B: gone from A's next joins too.
      await patch(urlB, p.id, { roles: [] });
      for (let i = 0; i < 50 && seen.length > 0; i++) {
        seen = names(await join(), 'ko');
        if (seen.length > 0) await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen).toEqual([]);
    } finally {
      socket.close();
    }
  }, 60_000);
});
