import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck, QueueStateMessage, QueueTimerMessage } from '../../server/protocol/events.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'thematic-1';
const otherSession = 'thematic-2';

describe('the speaker queue over Socket.IO', () => {
  let server: Plenary;
  let moderator: TestParticipant;
  let otherModerator: TestParticipant;
  let gov: TestParticipant;
  let emp: TestParticipant;
  let wrk: TestParticipant;
  const sockets: Socket[] = [];

  async function join(p: TestParticipant | 'organiser', session = sessionId): Promise<{ socket: Socket; ack: JoinAck }> {
    const socket = await connect(server.url, p === 'organiser' ? { token: organizerToken, eventId } : { token: p.token });
    sockets.push(socket);
    const ack = await ok<JoinAck>(socket, 'session:join', { sessionId: session });
    return { socket, ack };
  }

  beforeAll(async () => {
    server = await startTestServer();
    moderator = await createParticipant(server, { name: 'Moderator', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    otherModerator = await createParticipant(server, { name: 'Other moderator', roles: [{ sessionId: otherSession, role: 'moderator' }] });
    gov = await createParticipant(server, { name: 'Kenya Government', group: 'government', country: 'KE' });
    emp = await createParticipant(server, { name: 'Brazil Employers', group: 'employers', country: 'BR' });
    wrk = await createParticipant(server, { name: 'France Workers', group: 'workers', country: 'FR' });
  });
  afterEach(() => {
    while (sockets.length) sockets.pop()?.close();
  });
  afterAll(async () => {
    await server.close();
  });

  it('refuses requests until the session is opened, then queues and broadcasts versioned state', async () => {
    const { socket: mod } = await join(moderator);
    const { socket: delegate } = await join(gov);
    const early = await emit(delegate, 'queue:request', { sessionId });
    expect(early).toMatchObject({ ok: false, error: { code: 'session_not_live' } });

    const liveSeen = nextEvent<{ status: string }>(delegate, 'session:state');
    await ok(mod, 'session:open', { sessionId });
    expect((await liveSeen).status).toBe('live');

    const stateSeen = nextEvent<QueueStateMessage>(mod, 'queue:state');
    const ack = await ok<{ entryId: string; version: number }>(delegate, 'queue:request', { sessionId, kind: 'statement' });
    const state = await stateSeen;
    expect(state.sessionId).toBe(sessionId);
    expect(state.version).toBe(ack.version);
    expect(state.entries).toEqual([expect.objectContaining({ id: ack.entryId, participantId: gov.id, name: 'Kenya Government', group: 'government', country: 'KE', kind: 'statement', status: 'waiting' })]);
    expect(state.floor).toBeNull();

    await ok(delegate, 'queue:withdraw', { sessionId });
    const again = await ok<JoinAck>(delegate, 'session:join', { sessionId });
    expect(again.queue.entries[0]?.status).toBe('withdrawn');
  });

  it('proposes the tripartite rotation, gives and ends the floor with a running timer, and refuses a second statement', async () => {
    const { socket: mod } = await join(moderator);
    await ok(mod, 'session:open', { sessionId });
    await ok(mod, 'queue:rules', { sessionId, mode: 'tripartite', budgetsMs: { default: 300_000, reply: 120_000 } });
    const clients = await Promise.all([join(wrk), join(emp), join(gov)]);
    for (const { socket } of clients) await ok(socket, 'queue:request', { sessionId });
    const state = (await ok<JoinAck>(mod, 'session:join', { sessionId })).queue;
    const waiting = state.entries.filter((e) => e.status === 'waiting');
    const govEntry = waiting.find((e) => e.participantId === gov.id);
    expect(state.proposedEntryId).toBe(govEntry?.id);

    const floorSeen = nextEvent<QueueStateMessage>(clients[0]!.socket, 'queue:state', (s) => s.floor !== null);
    await ok(mod, 'queue:give-floor', { sessionId, entryId: govEntry!.id });
    const withFloor = await floorSeen;
    expect(withFloor.floor).toMatchObject({ entryId: govEntry!.id, budgetMs: 300_000, paused: false });
    expect(withFloor.floor!.remainingMs).toBeLessThanOrEqual(300_000);
    expect(withFloor.proposedEntryId).toBe(waiting.find((e) => e.participantId === emp.id)?.id);

    await ok(mod, 'queue:end-floor', { sessionId });
    const govSocket = clients[2]!.socket;
    expect(await emit(govSocket, 'queue:request', { sessionId, kind: 'statement' })).toMatchObject({ ok: false, error: { code: 'second_statement' } });
    await ok(govSocket, 'queue:request', { sessionId, kind: 'reply' });
  });

  it('lets the moderator reorder, and refuses a stale order', async () => {
    const { socket: mod, ack } = await join(moderator);
    const waiting = ack.queue.entries.filter((e) => e.status === 'waiting').map((e) => e.id);
    expect(waiting.length).toBeGreaterThanOrEqual(2);
    const reversed = [...waiting].reverse();
    await ok(mod, 'queue:reorder', { sessionId, entryIds: reversed });
    const after = await ok<JoinAck>(mod, 'session:join', { sessionId });
    expect(after.queue.entries.filter((e) => e.status === 'waiting').map((e) => e.id)).toEqual(reversed);
    expect(await emit(mod, 'queue:reorder', { sessionId, entryIds: reversed.slice(1) })).toMatchObject({ ok: false, error: { code: 'invalid_order' } });
  });

  it('signals one minute left and time up', async () => {
    const { socket: mod, ack } = await join(moderator);
    const { socket: watcher } = await join(wrk);
    await ok(mod, 'queue:rules', { sessionId, mode: 'order', budgetsMs: { default: 61_000 } });
    const next = ack.queue.entries.find((e) => e.status === 'waiting');
    const warning = nextEvent<QueueTimerMessage>(watcher, 'queue:timer', (m) => m.phase === 'warning', 10_000);
    await ok(mod, 'queue:give-floor', { sessionId, entryId: next!.id });
    const w = await warning;
    expect(w).toMatchObject({ sessionId, entryId: next!.id, phase: 'warning' });
    expect(w.remainingMs).toBeLessThanOrEqual(60_000);
    const expired = nextEvent<QueueTimerMessage>(watcher, 'queue:timer', (m) => m.phase === 'expired', 10_000);
    await ok(mod, 'queue:timer', { sessionId, action: 'add', ms: -59_000 });
    expect((await expired).remainingMs).toBeLessThanOrEqual(0);
    await ok(mod, 'queue:end-floor', { sessionId });
    const done = (await ok<JoinAck>(mod, 'session:join', { sessionId })).queue.entries.find((e) => e.id === next!.id);
    expect(done?.status).toBe('done');
    expect(done?.overrunMs).toBeGreaterThan(0);
  });

  it('refuses every moderator event from an anonymous socket, a delegate and another session’s moderator', async () => {
    const { socket: delegate, ack } = await join(gov);
    const { socket: stranger } = await join(otherModerator);
    const anonymous = await connect(server.url, {});
    sockets.push(anonymous);
    const entryId = ack.queue.entries[0]?.id ?? 'x';
    const attempts: [string, Record<string, unknown>][] = [
      ['session:open', { sessionId }],
      ['session:end', { sessionId }],
      ['queue:add', { sessionId, participantId: gov.id }],
      ['queue:roster', { sessionId, query: 'Kenya' }],
      ['queue:reorder', { sessionId, entryIds: [entryId] }],
      ['queue:give-floor', { sessionId, entryId }],
      ['queue:end-floor', { sessionId }],
      ['queue:timer', { sessionId, action: 'pause' }],
      ['queue:rules', { sessionId, mode: 'order' }],
      ['qna:moderate', { sessionId, questionId: 'q', action: 'approve' }],
      ['qna:mode', { sessionId, mode: 'open' }],
    ];
    for (const [event, payload] of attempts) {
      for (const socket of [delegate, stranger]) {
        const reply = await emit(socket, event, payload);
        expect(reply, `${event} as ${socket === delegate ? 'delegate' : 'other moderator'}`).toMatchObject({ ok: false, error: { code: 'not_moderator' } });
      }
      expect(await emit(anonymous, event, payload), `${event} as anonymous`).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    }
  });

  it('refuses anonymous sockets and answers malformed payloads with an error ack, unharmed', async () => {
    const anon = await connect(server.url, {});
    sockets.push(anon);
    expect(await emit(anon, 'session:join', { sessionId })).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });

    const { socket } = await join(gov);
    const malformed: [string, unknown][] = [
      ['queue:request', undefined],
      ['queue:request', 'not an object'],
      ['queue:request', { sessionId: 42 }],
      ['queue:request', { sessionId, kind: 'filibuster' }],
      ['queue:reorder', { sessionId, entryIds: 'all' }],
      ['qna:ask', { sessionId, text: { $gt: '' } }],
      ['session:join', { sessionId: '../../etc/passwd' }],
      ['session:join', { sessionId: 'no-such-session' }],
    ];
    for (const [event, payload] of malformed) {
      const reply = await emit(socket, event, payload);
      expect(reply.ok, `${event} ${JSON.stringify(payload)}`).toBe(false);
      if (!reply.ok) expect(['bad_request', 'session_not_found']).toContain(reply.error.code);
    }
    expect((await emit(socket, 'session:join', { sessionId })).ok).toBe(true);
  });

  it('rate-limits a flood from one socket', async () => {
    const { socket } = await join(emp);
    const replies = await Promise.all(Array.from({ length: 60 }, () => emit(socket, 'session:join', { sessionId })));
    const limited = replies.filter((r) => !r.ok && r.error.code === 'rate_limited');
    expect(limited.length).toBeGreaterThan(0);
    expect(replies.filter((r) => r.ok).length).toBeGreaterThan(0);
  });

  it('keeps one speaker per group per State, with a Head of State beyond the quota', async () => {
    const { socket: mod } = await join(moderator);
    await ok(mod, 'queue:rules', { sessionId, mode: 'tripartite' });
    const first = await createParticipant(server, { name: 'Chile Government', group: 'government', country: 'CL' });
    const second = await createParticipant(server, { name: 'Chile Government 2', group: 'government', country: 'CL' });
    const president = await createParticipant(server, { name: 'President of Chile', group: 'government', country: 'CL', headOfState: true });
    const [a, b, c] = await Promise.all([join(first), join(second), join(president)]);
    await ok(a.socket, 'queue:request', { sessionId });
    expect(await emit(b.socket, 'queue:request', { sessionId })).toMatchObject({ ok: false, error: { code: 'group_quota' } });
    await ok(c.socket, 'queue:request', { sessionId });
    const state = (await ok<JoinAck>(mod, 'session:join', { sessionId })).queue;
    expect(state.entries.filter((e) => e.country === 'CL' && e.status === 'waiting').map((e) => [e.name, e.headOfState])).toEqual([
      ['Chile Government', false],
      ['President of Chile', true],
    ]);
  });

  it('lets a moderator find approved participants and add one on their behalf', async () => {
    const ghana = await createParticipant(server, { name: 'Ghana Government', group: 'government', country: 'GH' });
    const { socket: mod } = await join(moderator);
    const found = await ok<{ participants: { participantId: string; name: string; country: string }[] }>(mod, 'queue:roster', { sessionId, query: 'ghana' });
    expect(found.participants).toEqual([expect.objectContaining({ participantId: ghana.id, name: 'Ghana Government', country: 'GH' })]);
    expect((await ok<{ participants: unknown[] }>(mod, 'queue:roster', { sessionId, query: 'nobody-by-this-name' })).participants).toEqual([]);
    await ok(mod, 'queue:add', { sessionId, participantId: ghana.id, kind: 'reply' });
    const after = (await ok<JoinAck>(mod, 'session:join', { sessionId })).queue;
    expect(after.entries.at(-1)).toMatchObject({ participantId: ghana.id, kind: 'reply', status: 'waiting' });
    expect(await emit(mod, 'queue:add', { sessionId, participantId: ghana.id })).toMatchObject({ ok: false, error: { code: 'already_in_queue' } });
    expect(await emit(mod, 'queue:add', { sessionId, participantId: 'no-such-person' })).toMatchObject({ ok: false, error: { code: 'participant_not_found' } });
  });

  it('lets an organiser (token) moderate any session', async () => {
    const { socket: org, ack } = await join('organiser', otherSession);
    expect(ack.you.moderator).toBe(true);
    await ok(org, 'session:open', { sessionId: otherSession });
    await ok(org, 'queue:add', { sessionId: otherSession, participantId: wrk.id });
    const state = (await ok<JoinAck>(org, 'session:join', { sessionId: otherSession })).queue;
    expect(state.entries.map((e) => e.participantId)).toEqual([wrk.id]);
  });
});
