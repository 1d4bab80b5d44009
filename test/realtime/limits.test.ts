import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { defaultMaxSocketsPerParticipant } from '../../server/realtime/auth.ts';
import { clientAddress, SocketRateLimiter, type LimitedSocket } from '../../server/realtime/rate-limit.ts';
import { connect, createParticipant, emit, type TestParticipant } from '../support/realtime.ts';
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
