// Interpretation booths over Socket.IO (issue 13): claim, refusal while a
// partner is live, a partner's request and the live one's handover, relay
// sources, authorisation, the join snapshot; and, against a real mediasoup
// worker, that only the live interpreter sends the channel and that a
// listener hears the new interpreter after a handover while the previous
// one's producer is closed by the server.
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { BoothStateMessage, JoinAck } from '../../server/protocol/events.ts';
import type { NewProducerMessage, ProducerClosedMessage } from '../../server/protocol/media-events.ts';
import { clientWorker, NodeMediaClient, startMediaServer } from '../media/support.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer, waitFor } from '../support/server.ts';

type BoothAck = { booths: BoothStateMessage };

describe('interpretation booths over Socket.IO', () => {
  const sessionId = 'thematic-3';
  let server: Plenary;
  let anna: TestParticipant;
  let bo: TestParticipant;
  let cheng: TestParticipant;
  let chair: TestParticipant;
  let delegate: TestParticipant;
  const sockets: Socket[] = [];
  const open = async (p: TestParticipant): Promise<{ socket: Socket; ack: JoinAck }> => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    return { socket, ack: await ok<JoinAck>(socket, 'session:join', { sessionId }) };
  };

  beforeAll(async () => {
    server = await startTestServer();
    anna = await createParticipant(server, { name: 'Anna (zh booth)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'zh' }] });
    bo = await createParticipant(server, { name: 'Bo (zh booth)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'zh' }] });
    cheng = await createParticipant(server, { name: 'Cheng (en booth)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'en' }] });
    chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    delegate = await createParticipant(server, { name: 'Delegate', group: 'workers', country: 'BR' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
  });

  it('claims an idle booth, refuses a partner while live, hands over on request, relays, and says it all in booth:state', async () => {
    const a = await open(anna);
    const b = await open(bo);
    const c = await open(cheng);
    const d = await open(delegate);
    const m = await open(chair);
    // The join snapshot lists the booths and the caller's access roles.
    expect(a.ack.booths.booths.map((x) => [x.language, x.live, x.interpreters.map((i) => i.name)])).toEqual([
      ['en', null, ['Cheng (en booth)']],
      ['zh', null, ['Anna (zh booth)', 'Bo (zh booth)']],
    ]);
    expect(a.ack.access).toEqual({ interpreterLanguages: ['zh'], captionLanguages: [], signInterpreter: false });
    expect(d.ack.access).toEqual({ interpreterLanguages: [], captionLanguages: [], signInterpreter: false });

    // Anna takes the zh booth; the delegate's room hears it.
    const seen = nextEvent<BoothStateMessage>(d.socket, 'booth:state', (s) => s.booths.some((x) => x.language === 'zh' && x.live === anna.id));
    const claimed = await ok<BoothAck>(a.socket, 'booth:claim', { sessionId, language: 'zh' });
    expect(claimed.booths.booths.find((x) => x.language === 'zh')).toMatchObject({ live: anna.id, liveName: 'Anna (zh booth)', source: 'floor' });
    expect((await seen).sessionId).toBe(sessionId);
    // Claiming again changes nothing; Bo is refused while Anna is live.
    expect((await ok<BoothAck>(a.socket, 'booth:claim', { sessionId, language: 'zh' })).booths.version).toBe(claimed.booths.version);
    expect(await emit(b.socket, 'booth:claim', { sessionId, language: 'zh' })).toMatchObject({ ok: false, error: { code: 'booth_taken' } });
    // Not their booth, not an interpreter, bad payloads.
    expect(await emit(c.socket, 'booth:claim', { sessionId, language: 'zh' })).toMatchObject({ ok: false, error: { code: 'not_interpreter' } });
    expect(await emit(d.socket, 'booth:claim', { sessionId, language: 'zh' })).toMatchObject({ ok: false, error: { code: 'not_interpreter' } });
    expect(await emit(a.socket, 'booth:claim', { sessionId, language: 'not a language' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await emit(b.socket, 'booth:handover', { sessionId, language: 'zh', to: anna.id })).toMatchObject({ ok: false, error: { code: 'not_booth_live' } });
    expect(await emit(a.socket, 'booth:handover', { sessionId, language: 'zh', to: cheng.id })).toMatchObject({ ok: false, error: { code: 'not_booth_partner' } });

    // Bo asks for the booth; Anna sees the request and hands over.
    const asked = nextEvent<BoothStateMessage>(a.socket, 'booth:state', (s) => s.booths.some((x) => x.language === 'zh' && x.requestedBy === bo.id));
    await ok(b.socket, 'booth:handover', { sessionId, language: 'zh', to: bo.id });
    await asked;
    const passed = nextEvent<BoothStateMessage>(d.socket, 'booth:state', (s) => s.booths.some((x) => x.language === 'zh' && x.live === bo.id));
    const handed = await ok<BoothAck>(a.socket, 'booth:handover', { sessionId, language: 'zh', to: bo.id });
    expect(handed.booths.booths.find((x) => x.language === 'zh')).toMatchObject({ live: bo.id, requestedBy: null });
    await passed;
    expect(await emit(a.socket, 'booth:claim', { sessionId, language: 'zh' })).toMatchObject({ ok: false, error: { code: 'booth_taken' } });

    // Relay: the zh booth works from the en channel; its own channel or an unstaffed language is refused.
    const relayed = await ok<BoothAck>(b.socket, 'booth:source', { sessionId, language: 'zh', source: 'en' });
    expect(relayed.booths.booths.find((x) => x.language === 'zh')?.source).toBe('en');
    expect(await emit(b.socket, 'booth:source', { sessionId, language: 'zh', source: 'zh' })).toMatchObject({ ok: false, error: { code: 'invalid_relay' } });
    expect(await emit(b.socket, 'booth:source', { sessionId, language: 'zh', source: 'es' })).toMatchObject({ ok: false, error: { code: 'invalid_relay' } });
    expect(await emit(d.socket, 'booth:source', { sessionId, language: 'zh', source: 'floor' })).toMatchObject({ ok: false, error: { code: 'not_interpreter' } });

    // A late joiner gets it all in the snapshot.
    const late = await open(delegate);
    expect(late.ack.booths.booths.find((x) => x.language === 'zh')).toMatchObject({ live: bo.id, source: 'en' });

    // The chair may hand over or release a booth; the live one who left the session no longer blocks a claim.
    await ok(m.socket, 'booth:handover', { sessionId, language: 'zh', to: null });
    await ok(a.socket, 'booth:claim', { sessionId, language: 'zh' });
    a.socket.close();
    await waitFor(async () => (await emit(b.socket, 'booth:claim', { sessionId, language: 'zh' })).ok);

    // Every decision is in the audit log.
    const audit = await getJson<{ entries: { action: string; target: { type: string; id: string } }[] }>(`${server.url}/api/events/${eventId}/audit`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(audit.body.entries.filter((e) => e.target.type === 'booth').map((e) => e.action)).toEqual([
      'booth.claim', 'booth.handover', 'booth.handover', 'booth.source', 'booth.handover', 'booth.claim', 'booth.claim',
    ]);
  });
});

describe('the booth decides who sends the channel (real mediasoup worker)', () => {
  const sessionId = 'thematic-2';
  let server: Plenary;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const joined = async (p: TestParticipant) => {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    const media = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(media);
    await media.join();
    return { socket, media };
  };

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    worker = await clientWorker();
  }, 60_000);
  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    await server?.close();
    worker?.close();
  });

  it('lets only the live interpreter publish; at handover the server closes the previous channel and the listener hears the new one', async () => {
    const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const anna = await createParticipant(server, { name: 'Anna', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const bo = await createParticipant(server, { name: 'Bo', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    // The listener receives on plain RTP, which Node can read: an interpreter of another booth (staff).
    const listener = await createParticipant(server, { name: 'Listener', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'es' }] });
    const mod = await connect(server.url, { token: chair.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });

    const a = await joined(anna);
    const b = await joined(bo);
    const l = await joined(listener);
    // Publishing claims the idle booth.
    const first = await a.media.produceAudio({ source: 'interpretation', language: 'fr' });
    const state = await ok<JoinAck>(l.socket, 'session:join', { sessionId });
    expect(state.booths.booths.find((x) => x.language === 'fr')?.live).toBe(anna.id);
    // The partner cannot publish the channel while Anna is live.
    await expect(b.media.produceAudio({ source: 'interpretation', language: 'fr' })).rejects.toThrow(/booth_taken/);

    const hearing = await l.media.consume(first.producerId);
    await waitFor(() => hearing.packets() > 20, { timeout: 15_000 });

    // Handover: Bo starts sending as soon as the booth is his; Anna's producer is closed by the server.
    const closed = nextEvent<ProducerClosedMessage>(l.socket, 'media:producer-closed', (m) => m.producerId === first.producerId, 10_000);
    const announced = nextEvent<NewProducerMessage>(l.socket, 'media:new-producer', (m) => m.producer.participantId === bo.id && m.producer.language === 'fr', 10_000);
    await ok(a.socket, 'booth:handover', { sessionId, language: 'fr', to: bo.id });
    const second = await b.media.produceAudio({ source: 'interpretation', language: 'fr' });
    expect((await announced).producer.producerId).toBe(second.producerId);
    // The listener consumes the new producer as it is announced (what the browser client does on its own).
    const next = await l.media.consume(second.producerId);
    expect((await closed).reason).toBe('rights-changed');
    await waitFor(() => next.packets() > 20, { timeout: 15_000 });
    // And Anna cannot come back on air while Bo is live.
    await expect(a.media.produceAudio({ source: 'interpretation', language: 'fr' })).rejects.toThrow(/booth_taken/);
  }, 60_000);
});
