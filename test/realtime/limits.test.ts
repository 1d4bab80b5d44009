import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { defaultMaxSocketsPerParticipant } from '../../server/realtime/auth.ts';
import { clientAddress, SocketRateLimiter, type LimitedSocket } from '../../server/realtime/rate-limit.ts';
import { clientEvents } from '../../server/protocol/events.ts';
import { sessionRoom } from '../../server/realtime/rooms.ts';
import { connect, createParticipant, emit, eventId, type TestParticipant } from '../support/realtime.ts';
import { startTestServer, waitFor } from '../support/server.ts';

const sessionId = 'thematic-3';

const fakeSocket = (id: string, participantId: string | null, address = '203.0.113.7', clientAddr?: string): LimitedSocket => ({
  id,
  handshake: { address },
  data: {
    caller: participantId ? { kind: 'participant', participant: { id: participantId } } : { kind: 'anonymous' },
    ...(clientAddr ? { clientAddress: clientAddr } : {}),
  },
});

describe('socket rate limits (unit)', () => {
  it('counts a participant’s sockets together, and other participants apart', () => {
    const limiter = new SocketRateLimiter(5, 1, { perParticipant: { capacity: 8, perSecond: 1 } });
    const now = 1_000_000;
    const a1 = fakeSocket('a1', 'A');
    const a2 = fakeSocket('a2', 'A');
    const b1 = fakeSocket('b1', 'B');
    const passed = (s: LimitedSocket, n: number) => Array.from({ length: n }, () => limiter.admit(s, now)).filter(Boolean).length;
    expect(passed(a1, 10)).toBe(5); // its own socket's bucket
    expect(passed(a2, 10)).toBe(3); // what is left of A's
    expect(passed(b1, 10)).toBe(5); // B is untouched
    // Refused events cost nothing: after a second A has one more, not fewer.
    expect(limiter.admit(a1, now + 1000)).toBe(true);
    expect(limiter.admit(a2, now + 1000)).toBe(false);
  });

  it('counts every socket of one client address together', () => {
    const limiter = new SocketRateLimiter(5, 1, { perAddress: { capacity: 7, perSecond: 1 } });
    const now = 1_000_000;
    let passed = 0;
    for (let i = 0; i < 4; i++) for (let j = 0; j < 5; j++) if (limiter.admit(fakeSocket(`s${i}`, null), now)) passed++;
    expect(passed).toBe(7);
    expect(limiter.admit(fakeSocket('other', null, '198.51.100.1'), now)).toBe(true);
    // The address resolved at the handshake (through trusted proxies) is the one that counts.
    expect(limiter.admit(fakeSocket('proxied', null, '203.0.113.7', '192.0.2.9'), now)).toBe(true);
  });

  it('believes X-Forwarded-For only as far as TRUST_PROXY says', () => {
    const headers = { 'x-forwarded-for': '198.51.100.23, 10.0.0.5' };
    expect(clientAddress('127.0.0.1', headers, 0)).toBe('127.0.0.1');
    expect(clientAddress('127.0.0.1', headers, 1)).toBe('10.0.0.5');
    expect(clientAddress('127.0.0.1', headers, 2)).toBe('198.51.100.23');
    expect(clientAddress('127.0.0.1', headers, 5)).toBe('198.51.100.23');
    expect(clientAddress('127.0.0.1', {}, 1)).toBe('127.0.0.1');
  });
});

describe('one participant cannot flood the server (real server, default limits)', () => {
  let server: Plenary;
  const sockets: Socket[] = [];
  const open = async (p: TestParticipant): Promise<Socket> => {
    const socket = await connect(server.url, { token: p.token }, { reconnection: false });
    sockets.push(socket);
    return socket;
  };
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('refuses a socket beyond the per-participant cap with too_many_connections', async () => {
    const flooder = await createParticipant(server, { name: 'Many tabs' });
    const other = await createParticipant(server, { name: 'Neighbour' });
    const mine = await Promise.all(Array.from({ length: defaultMaxSocketsPerParticipant }, () => open(flooder)));
    const refused = await open(flooder).then(
      () => null,
      (error: Error & { data?: { code?: string } }) => error,
    );
    expect(refused?.data?.code).toBe('too_many_connections');
    // Someone else connects as usual.
    await open(other);
    // Closing one makes room again.
    mine[0]!.close();
    await waitFor(() => server.socketAuth.socketsOf(flooder.id).length < defaultMaxSocketsPerParticipant);
    await open(flooder);
  });

  it('holds no listener per event on a connected socket, and still answers every kind of event', async () => {
    const delegate = await createParticipant(server, { name: 'Lean socket' });
    const [a, b] = await Promise.all([open(delegate), open(await createParticipant(server, { name: 'Other socket' }))]);
    const onServer = server.io.of('/').sockets.get(a!.id ?? '');
    const other = server.io.of('/').sockets.get(b!.id ?? '');
    expect(onServer && other).toBeTruthy();
    // Memory per socket (issue #10): every client event has one listener, the same function on every socket.
    const events = Object.keys(clientEvents);
    for (const event of events) {
      const mine = onServer!.listeners(event as never);
      expect(mine, event).toHaveLength(1);
      expect(other!.listeners(event as never), event).toEqual(mine);
    }
    expect(onServer!.listenersAny()).toEqual(other!.listenersAny());
    // Two sockets' joins at once: each answered for its own caller.
    const [joinA, joinB] = await Promise.all([emit(a!, 'session:join', { sessionId }), emit(b!, 'session:join', { sessionId })]);
    expect(joinA).toMatchObject({ ok: true, you: { participantId: delegate.id } });
    expect(joinB).toMatchObject({ ok: true });
    expect((joinB as unknown as { you: { participantId: string } }).you.participantId).not.toBe(delegate.id);
    expect(onServer!.rooms.has(sessionRoom(eventId, sessionId))).toBe(true);
    expect(await emit(a!, 'session:join', { sessionId: 'no-such-session' })).toMatchObject({ ok: false, error: { code: 'session_not_found' } });
    expect(await emit(a!, 'queue:request', { sessionId: 42 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(a!, 'no:such-event', {})).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
    // The test server runs without media: the media dispatcher answers for it.
    expect(await emit(a!, 'media:capabilities', { sessionId })).toMatchObject({ ok: false, error: { code: 'media_disabled' } });
  });

  it('limits one participant’s events across all their sockets, while another participant’s pass', async () => {
    const spammer = await createParticipant(server, { name: 'Spammer' });
    const calm = await createParticipant(server, { name: 'Calm' });
    const theirs = await Promise.all(Array.from({ length: 4 }, () => open(spammer)));
    const started = Date.now();
    const acks = await Promise.all(theirs.flatMap((s) => Array.from({ length: 40 }, () => emit(s, 'session:join', { sessionId }))));
    const seconds = (Date.now() - started) / 1000;
    const passed = acks.filter((a) => a.ok).length;
    const limited = acks.filter((a) => !a.ok && a.error.code === 'rate_limited').length;
    expect(passed + limited).toBe(160);
    // Per socket alone would let 4 × 30 through; together they get the participant's 60 (plus what refilled meanwhile).
    expect(passed).toBeLessThan(120);
    expect(passed).toBeLessThanOrEqual(60 + Math.ceil(20 * seconds) + 1);
    expect(limited).toBeGreaterThan(0);

    const calmSocket = await open(calm);
    const calmAcks = await Promise.all(Array.from({ length: 10 }, () => emit(calmSocket, 'session:join', { sessionId })));
    expect(calmAcks.every((a) => a.ok)).toBe(true);
  });
});
