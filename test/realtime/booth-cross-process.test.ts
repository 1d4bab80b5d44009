// Booths and captions across server processes (issue 13), three real
// Plenary processes with media, sharing Redis and one store: the two
// interpreters of the French booth are connected to different processes
// (A and B) and the listener to a third (C), so every channel the listener
// hears is piped between processes. Claims racing on two processes end
// with one interpreter live; a request made on B reaches the live
// interpreter on A, who hands over; booth:state is the same everywhere; the
// listener hears the first interpreter, then the second, the first one's
// producer closed by the server; notes reach only the booth, a relay set on
// B is seen on A and C. Caption lines sent on A reach delegates on B and C
// in order, numbered once, and each final line is in the transcript once.
// Last, the process of a live interpreter is killed: the partner elsewhere
// takes the booth (told to try again, never an internal error, until the
// crash is noticed) and the listener hears them.
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoothStateMessage, CaptionLineMessage, JoinAck } from '../../server/protocol/events.ts';
import type { NewProducerMessage, ProducerClosedMessage } from '../../server/protocol/media-events.ts';
import { clientWorker, NodeMediaClient, startMediaCluster, type MediaCluster } from '../media/support.ts';
import { hasRedis } from '../support/processes.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, record, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, waitFor } from '../support/server.ts';

const sessionId = 'thematic-3';
type BoothAck = { booths: BoothStateMessage };
const fr = (s: BoothStateMessage) => s.booths.find((b) => b.language === 'fr');

describe.skipIf(!hasRedis)('booths and captions across three server processes', () => {
  let cluster: MediaCluster;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  let chair: TestParticipant;
  let anna: TestParticipant;
  let bo: TestParticipant;
  let listener: TestParticipant;
  let captioner: TestParticipant;
  let delegateB: TestParticipant;
  let delegateC: TestParticipant;

  const join = async (url: string, p: TestParticipant): Promise<{ socket: Socket; ack: JoinAck }> => {
    const socket = await connect(url, { token: p.token });
    sockets.push(socket);
    return { socket, ack: await ok<JoinAck>(socket, 'session:join', { sessionId }) };
  };
  const media = async (socket: Socket): Promise<NodeMediaClient> => {
    const client = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(client);
    await waitFor(async () => client.join().then(() => true, () => false), { timeout: 10_000 });
    return client;
  };

  beforeAll(async () => {
    cluster = await startMediaCluster(3);
    worker = await clientWorker();
    const url = { url: cluster.urls[0]! };
    chair = await createParticipant(url, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    anna = await createParticipant(url, { name: 'Anna (fr booth, on A)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    bo = await createParticipant(url, { name: 'Bo (fr booth, on B)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    // Listens on plain RTP, which Node can read: staff of another booth.
    listener = await createParticipant(url, { name: 'Listener (on C)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'es' }] });
    captioner = await createParticipant(url, { name: 'Captioner (on A)', group: 'international_organization', roles: [{ sessionId, role: 'captioner', language: 'en' }] });
    delegateB = await createParticipant(url, { name: 'Delegate on B', group: 'workers', country: 'KE' });
    delegateC = await createParticipant(url, { name: 'Delegate on C', group: 'employers', country: 'CL' });
  }, 120_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    await cluster?.stop();
  });

  it('a claim race has one winner; a request on B reaches A, the handover is seen alike everywhere, and the listener on C hears both interpreters', async () => {
    const [urlA, urlB, urlC] = cluster.urls as [string, string, string];
    const m = await join(urlA, chair);
    await ok(m.socket, 'session:open', { sessionId });
    const a = await join(urlA, anna);
    const b = await join(urlB, bo);
    const l = await join(urlC, listener);

    // Both claim at once, on different processes: exactly one is live, the other is told booth_taken.
    const [claimA, claimB] = await Promise.all([emit<BoothAck>(a.socket, 'booth:claim', { sessionId, language: 'fr' }), emit<BoothAck>(b.socket, 'booth:claim', { sessionId, language: 'fr' })]);
    expect([claimA.ok, claimB.ok].filter(Boolean)).toHaveLength(1);
    const loser = claimA.ok ? claimB : claimA;
    expect(loser).toMatchObject({ ok: false, error: { code: 'booth_taken' } });
    // Anna should be live for the rest: if Bo won, the chair gives the booth to her.
    if (!claimA.ok) await ok(m.socket, 'booth:handover', { sessionId, language: 'fr', to: anna.id });
    const liveEverywhere = async (who: string): Promise<BoothStateMessage[]> =>
      waitFor(async () => {
        const states = await Promise.all([a, b, l].map(async (x) => (await ok<JoinAck>(x.socket, 'session:join', { sessionId })).booths));
        return states.every((s) => fr(s)?.live === who) ? states : null;
      }, { timeout: 15_000 });
    await liveEverywhere(anna.id);

    // Anna publishes on A; the listener on C hears her through a pipe.
    const annaMedia = await media(a.socket);
    const listenerMedia = await media(l.socket);
    const bMedia = await media(b.socket);
    const announcedOnC = nextEvent<NewProducerMessage>(l.socket, 'media:new-producer', (x) => x.producer.participantId === anna.id && x.producer.language === 'fr', 10_000);
    const first = await annaMedia.produceAudio({ source: 'interpretation', language: 'fr' });
    expect((await announcedOnC).producer.producerId).toBe(first.producerId);
    // Bo, on B, may not send the channel while Anna is live on A.
    await expect(bMedia.produceAudio({ source: 'interpretation', language: 'fr' })).rejects.toThrow(/booth_taken/);
    const hearing = await listenerMedia.consume(first.producerId);
    await waitFor(() => hearing.packets() > 20, { timeout: 15_000 });

    // Bo asks on B; Anna sees the request on A.
    const asked = nextEvent<BoothStateMessage>(a.socket, 'booth:state', (s) => fr(s)?.requestedBy === bo.id, 10_000);
    await ok(b.socket, 'booth:handover', { sessionId, language: 'fr', to: bo.id });
    await asked;

    // Anna accepts on A: every process hears the new state, the listener on C is told Anna's channel closed.
    const seen = [a, b, l].map((x) => nextEvent<BoothStateMessage>(x.socket, 'booth:state', (s) => fr(s)?.live === bo.id, 10_000));
    const closedOnC = nextEvent<ProducerClosedMessage>(l.socket, 'media:producer-closed', (x) => x.producerId === first.producerId, 10_000);
    const boOnC = nextEvent<NewProducerMessage>(l.socket, 'media:new-producer', (x) => x.producer.participantId === bo.id && x.producer.language === 'fr', 10_000);
    const handed = await ok<BoothAck>(a.socket, 'booth:handover', { sessionId, language: 'fr', to: bo.id });
    const states = await Promise.all(seen);
    for (const s of states) expect(s).toEqual(handed.booths);
    expect(fr(handed.booths)).toMatchObject({ live: bo.id, requestedBy: null });
    const again = await liveEverywhere(bo.id);
    for (const s of again) expect(s.version).toBe(handed.booths.version);

    // Bo starts sending on B; the listener on C consumes it as announced (what the room's client does) and hears him.
    const second = await bMedia.produceAudio({ source: 'interpretation', language: 'fr' });
    expect((await boOnC).producer.producerId).toBe(second.producerId);
    expect((await closedOnC).reason).toBe('rights-changed');
    const next = await listenerMedia.consume(second.producerId);
    await waitFor(() => next.packets() > 20, { timeout: 15_000 });
    // Anna's channel no longer reaches the listener: its count stands still.
    const stopped = hearing.packets();
    await waitFor(() => next.packets() > 60, { timeout: 15_000 });
    expect(hearing.packets()).toBe(stopped);
    // And Anna, on A, cannot come back on air while Bo is live on B.
    await expect(annaMedia.produceAudio({ source: 'interpretation', language: 'fr' })).rejects.toThrow(/booth_taken/);

    // A note from Anna on A reaches her partner on B, and not the Spanish booth's interpreter on C.
    const notesOnC = record(l.socket, ['booth:note']);
    const noted = nextEvent<{ text: string; from: { participantId: string } }>(b.socket, 'booth:note', (x) => x.text === 'Next speaker reads fast.', 10_000);
    expect(await ok<{ delivered: number }>(a.socket, 'booth:note', { sessionId, language: 'fr', text: 'Next speaker reads fast.' })).toMatchObject({ delivered: 2 });
    expect((await noted).from.participantId).toBe(anna.id);
    // Relay set on B (Bo works from the Spanish channel) is what A and C see.
    const relayOnA = nextEvent<BoothStateMessage>(a.socket, 'booth:state', (s) => fr(s)?.source === 'es', 10_000);
    const relayOnC = nextEvent<BoothStateMessage>(l.socket, 'booth:state', (s) => fr(s)?.source === 'es', 10_000);
    await ok(b.socket, 'booth:source', { sessionId, language: 'fr', source: 'es' });
    await Promise.all([relayOnA, relayOnC]);
    expect(notesOnC['booth:note']).toEqual([]);
  }, 90_000);

  it('caption lines sent on A reach delegates on B and C in order, numbered once, and land once in the transcript', async () => {
    const [urlA, urlB, urlC] = cluster.urls as [string, string, string];
    const c = await join(urlA, captioner);
    const onB = await join(urlB, delegateB);
    const onC = await join(urlC, delegateC);
    const seenB = record(onB.socket, ['caption:line']);
    const seenC = record(onC.socket, ['caption:line']);

    const texts = ['Good morn', 'Good morning, delegates.', 'The sitting', 'The sitting is open.', 'We turn to item 3.'];
    const finals = [false, true, false, true, true];
    const acks: number[] = [];
    for (const [i, text] of texts.entries()) acks.push((await ok<{ seq: number }>(c.socket, 'caption:line', { sessionId, language: 'en', text, final: finals[i] })).seq);
    // A second captioner socket on another process, sending at the same time, shares the numbering.
    const c2 = await join(urlB, captioner);
    const racing = await Promise.all([
      ok<{ seq: number }>(c.socket, 'caption:line', { sessionId, language: 'en', text: 'From A.', final: true }),
      ok<{ seq: number }>(c2.socket, 'caption:line', { sessionId, language: 'en', text: 'From B.', final: true }),
    ]);
    acks.push(...racing.map((r) => r.seq));
    expect(new Set(acks).size).toBe(acks.length);
    for (let i = 1; i < texts.length; i++) expect(acks[i]).toBeGreaterThan(acks[i - 1]!);

    for (const seen of [seenB, seenC]) {
      await waitFor(() => seen['caption:line']!.length === acks.length, { timeout: 15_000 });
      const lines = seen['caption:line'] as CaptionLineMessage[];
      // The lines sent one after another arrive in that order with their numbers; nothing twice.
      expect(lines.slice(0, texts.length).map((x) => [x.text, x.final, x.seq])).toEqual(texts.map((t, i) => [t, finals[i], acks[i]]));
      expect(new Set(lines.map((x) => x.seq)).size).toBe(lines.length);
    }

    const transcript = await getJson<{ lines: { text: string; seq: number }[] }>(`${urlC}/api/events/${eventId}/sessions/${sessionId}/captions?language=en`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(transcript.status).toBe(200);
    const finalTexts = ['Good morning, delegates.', 'The sitting is open.', 'We turn to item 3.'];
    const racedTexts = ['From A.', 'From B.'].sort((x, y) => acks[texts.length + ['From A.', 'From B.'].indexOf(x)]! - acks[texts.length + ['From A.', 'From B.'].indexOf(y)]!);
    expect(transcript.body.lines.map((x) => x.text)).toEqual([...finalTexts, ...racedTexts]);
    expect(transcript.body.lines.map((x) => x.seq)).toEqual([...transcript.body.lines.map((x) => x.seq)].sort((x, y) => x - y));
  }, 60_000);

  it('when the process of the live interpreter crashes, the partner on another process takes the booth and the listener hears them', async () => {
    const [urlA, urlB, urlC] = cluster.urls as [string, string, string];
    const dmitri = await createParticipant({ url: urlB }, { name: 'Dmitri (ru booth, on A)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'ru' }] });
    const elena = await createParticipant({ url: urlB }, { name: 'Elena (ru booth, on B)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'ru' }] });
    const d = await join(urlA, dmitri);
    const e = await join(urlB, elena);
    const l = await join(urlC, listener);
    const dMedia = await media(d.socket);
    const eMedia = await media(e.socket);
    const lMedia = await media(l.socket);
    const ru = (s: BoothStateMessage) => s.booths.find((b) => b.language === 'ru');

    const channel = await dMedia.produceAudio({ source: 'interpretation', language: 'ru' });
    expect(ru((await ok<JoinAck>(l.socket, 'session:join', { sessionId })).booths)?.live).toBe(dmitri.id);
    const hearing = await lMedia.consume(channel.producerId);
    await waitFor(() => hearing.packets() > 20, { timeout: 15_000 });
    expect(await emit(e.socket, 'booth:claim', { sessionId, language: 'ru' })).toMatchObject({ ok: false, error: { code: 'booth_taken' } });

    // Process A dies without a word. The listener on C is told the channel is gone; Elena can take the booth.
    const gone = nextEvent<ProducerClosedMessage>(l.socket, 'media:producer-closed', (x) => x.producerId === channel.producerId, 60_000);
    cluster.kill(0);
    const refusals: string[] = [];
    const claimed = await waitFor(async () => {
      const ack = await emit<BoothAck>(e.socket, 'booth:claim', { sessionId, language: 'ru' }, 10_000).catch((error: unknown) => ({ ok: false as const, error: { code: String(error), message: '' } }));
      if (ack.ok) return ack;
      refusals.push(ack.error.code);
      return null;
    }, { timeout: 60_000, interval: 500 });
    console.log(`booth after a crash: claim refusals before it was free: ${JSON.stringify(refusals)}`);
    // While the crashed process is not yet known to be gone, Elena is told so, never given an internal error.
    for (const code of refusals) expect(['booth_taken', 'booth_unconfirmed']).toContain(code);
    expect(ru(claimed.booths)?.live).toBe(elena.id);
    await gone;
    // The listener on C consumes Elena's channel once it is announced there (what the room's client does):
    // consuming before C has heard of a producer on B is refused with media_not_found.
    const announced = nextEvent<NewProducerMessage>(l.socket, 'media:new-producer', (x) => x.producer.participantId === elena.id && x.producer.language === 'ru', 30_000);
    const next = await eMedia.produceAudio({ source: 'interpretation', language: 'ru' });
    expect((await announced).producer.producerId).toBe(next.producerId);
    const again = await lMedia.consume(next.producerId);
    await waitFor(() => again.packets() > 20, { timeout: 15_000 });
    expect(ru((await ok<JoinAck>(l.socket, 'session:join', { sessionId })).booths)?.live).toBe(elena.id);
  }, 120_000);
});
