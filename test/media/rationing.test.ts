// Media resources are rationed (issue 9): a delegate gets no plain RTP
// transport (each takes a UDP port from the server's small range), cannot
// take more than its share of WebRTC transports however many sockets it
// opens, the audience fills a session only up to the staff's reserve, and
// when the port range is exhausted everyone gets a coded refusal, never
// `internal`. One server with a deliberately tiny port range: one port for
// the worker's WebRtcServer, three for plain transports.
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { CreateTransportAck, MediaCapabilitiesAck } from '../../server/protocol/media-events.ts';
import { connect, createParticipant, emit, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, waitFor } from '../support/server.ts';
import { freePortBase, startMediaServer } from './support.ts';

const sessionId = 'thematic-1';
const plainPorts = 3;

type Ack = { ok: true } | { ok: false; error: { code: string; message: string } };
const codeOf = (ack: Ack): string => (ack.ok ? 'ok' : ack.error.code);

describe('media transports are rationed', () => {
  let server: Plenary;
  let chair: Socket;
  let panelist: TestParticipant;
  let moderator: TestParticipant;
  const sockets: Socket[] = [];

  /** A socket in the session's room and its media. */
  async function member(p: TestParticipant | 'organiser'): Promise<{ socket: Socket; caps: MediaCapabilitiesAck }> {
    const socket = await connect(server.url, p === 'organiser' ? { token: organizerToken, eventId } : { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    const caps = await ok<MediaCapabilitiesAck>(socket, 'media:capabilities', { sessionId });
    return { socket, caps };
  }

  const transport = (m: { socket: Socket; caps: MediaCapabilitiesAck }, direction: 'send' | 'recv', type: 'webrtc' | 'plain') =>
    emit<CreateTransportAck>(m.socket, 'media:create-transport', { sessionId, direction, type, ...(direction === 'recv' ? { rtpCapabilities: m.caps.rtpCapabilities } : {}) }) as Promise<Ack>;

  beforeAll(async () => {
    const base = await freePortBase(1 + plainPorts);
    server = await startMediaServer({ MEDIA_WORKERS: '1', MEDIA_RTC_MIN_PORT: String(base), MEDIA_RTC_MAX_PORT: String(base + plainPorts) });
    moderator = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(server, { name: 'Panelist', roles: [{ sessionId, role: 'panelist' }] });
    chair = await connect(server.url, { token: moderator.token });
    await ok(chair, 'session:join', { sessionId });
    await ok(chair, 'session:open', { sessionId });
  }, 60_000);

  afterEach(async () => {
    while (sockets.length) sockets.pop()?.close();
    // Their transports (and plain ports) are released before the next test counts.
    await waitFor(() => (server.media?.stats().sessions ?? []).every((s) => s.peers === 0));
  });

  afterAll(async () => {
    chair?.close();
    await server?.close();
  });

  it('gives a delegate no plain transport, and no more than its share of WebRTC ones over many sockets; the panelist’s stay open', async () => {
    const delegate = await createParticipant(server, { name: 'Probe', group: 'workers', country: 'NO' });
    const tabs = await Promise.all(Array.from({ length: 5 }, () => member(delegate)));

    // Plain RTP: refused for receiving, and for sending without the floor.
    expect(codeOf(await transport(tabs[0]!, 'recv', 'plain'))).toBe('forbidden');
    expect(codeOf(await transport(tabs[0]!, 'send', 'plain'))).toBe('not_on_floor');

    // Every tab asks for four WebRTC transports at once: the participant gets four in all.
    const acks = await Promise.all(tabs.flatMap((tab) => Array.from({ length: 4 }, () => transport(tab, 'recv', 'webrtc'))));
    const codes = acks.map(codeOf);
    expect(codes.filter((c) => c === 'ok')).toHaveLength(server.media!.limits.transportsPerParticipant.audience);
    expect(new Set(codes.filter((c) => c !== 'ok'))).toEqual(new Set(['media_limit_reached']));
    const refusal = acks.find((a) => !a.ok);
    expect(refusal && !refusal.ok && refusal.error.message).toMatch(/tab or device/);

    // The panelist's plain transports (encoder in, monitor out) still find ports.
    const pan = await member(panelist);
    expect(codeOf(await transport(pan, 'send', 'plain'))).toBe('ok');
    expect(codeOf(await transport(pan, 'recv', 'plain'))).toBe('ok');
  });

  it('lets the audience fill a session only up to the reserve kept for its staff', async () => {
    const before = server.media!.limits;
    server.media!.setLimits({ transportsPerSession: 6, staffReserve: 2 });
    try {
      const delegates = await Promise.all(['SE', 'FI', 'DK'].map((country) => createParticipant(server, { name: `Delegate ${country}`, group: 'government', country })));
      const [first, second, third] = await Promise.all(delegates.map((d) => member(d)));
      for (const m of [first!, second!]) {
        expect(codeOf(await transport(m, 'recv', 'webrtc'))).toBe('ok');
        expect(codeOf(await transport(m, 'recv', 'webrtc'))).toBe('ok');
      }
      // Four of six taken by the audience: the rest is the staff's.
      const full = await transport(third!, 'recv', 'webrtc');
      expect(codeOf(full)).toBe('media_limit_reached');
      expect(!full.ok && full.error.message).toMatch(/webcast/);
      const pan = await member(panelist);
      expect(codeOf(await transport(pan, 'send', 'webrtc'))).toBe('ok');
      expect(codeOf(await transport(pan, 'recv', 'webrtc'))).toBe('ok');
      // And then the session is full for everyone.
      const recorder = await member('organiser');
      expect(codeOf(await transport(recorder, 'recv', 'webrtc'))).toBe('media_limit_reached');
    } finally {
      server.media!.setLimits(before);
    }
  });

  it('answers an exhausted port range with media_unavailable, never internal, and recovers when a port is freed', async () => {
    // An organiser's tools take every plain port there is.
    const tools = await Promise.all([member('organiser'), member('organiser')]);
    const taken: Ack[] = [];
    for (let i = 0; i < plainPorts; i += 1) taken.push(await transport(tools[i % 2]!, 'recv', 'plain'));
    expect(taken.map(codeOf)).toEqual(Array.from({ length: plainPorts }, () => 'ok'));
    const exhausted = await transport(tools[1]!, 'recv', 'plain');
    expect(codeOf(exhausted)).toBe('media_unavailable');
    expect(!exhausted.ok && exhausted.error.message).toMatch(/port/);

    // The panelist is told the same, clearly; WebRTC (the worker's one shared port) still works.
    const pan = await member(panelist);
    expect(codeOf(await transport(pan, 'send', 'plain'))).toBe('media_unavailable');
    expect(codeOf(await transport(pan, 'send', 'webrtc'))).toBe('ok');

    // One tool leaves: its ports are free again, and the panelist gets one.
    await ok(tools[0]!.socket, 'media:leave', { sessionId });
    expect(codeOf(await transport(pan, 'send', 'plain'))).toBe('ok');
  });
});
