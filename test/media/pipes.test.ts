// Any process serves any session: three real processes sharing a real
// redis-server, media on 127.0.0.1, 127.0.0.2 and 127.0.0.3. A panelist
// publishes on one process; viewers connected to the others receive the
// RTP through PipeTransports between the session's routers, coordinated
// through Redis (server/media/media-cluster.ts). Plain RTP (NodeMediaClient)
// is for staff: the viewers here are interpreters' booths and moderators.
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { NewProducerMessage, ProducerClosedMessage, ProducerPausedMessage } from '../../server/protocol/media-events.ts';
import { hasRedis, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, waitFor } from '../support/server.ts';
import { clientWorker, freePortBase, NodeMediaClient, sleep, type Receiving } from './support.ts';

const sessionId = 'thematic-3';
const ips = ['127.0.0.1', '127.0.0.2', '127.0.0.3'];

describe.skipIf(!hasRedis)('media piped between server processes (3 processes, one Redis)', () => {
  let cluster: ServerCluster;
  let worker: Worker;
  let urls: [string, string, string];
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];

  async function joined(url: string, p: TestParticipant): Promise<{ socket: Socket; media: NodeMediaClient }> {
    const socket = await connect(url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    const media = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(media);
    return { socket, media };
  }

  beforeAll(async () => {
    const bases: number[] = [];
    for (let i = 0; i < 3; i++) bases.push(await freePortBase(10));
    cluster = await startServerCluster(3, 'info', (i) => ({
      MEDIA_ENABLED: 'true',
      MEDIA_WORKERS: '1',
      MEDIA_LISTEN_IP: ips[i] ?? '127.0.0.1',
      MEDIA_RTC_MIN_PORT: String(bases[i]),
      MEDIA_RTC_MAX_PORT: String((bases[i] ?? 0) + 9),
    }));
    urls = cluster.urls as [string, string, string];
    worker = await clientWorker();
  }, 90_000);

  afterEach(async () => {
    while (clients.length) clients.pop()?.close();
    while (sockets.length) sockets.pop()?.close();
    const organiser = await connect(urls[0], { token: organizerToken, eventId });
    await ok(organiser, 'session:join', { sessionId });
    await ok(organiser, 'session:end', { sessionId });
    organiser.close();
  });

  afterAll(async () => {
    worker?.close();
    await cluster?.stop();
  });

  it('a panelist on process A is heard by viewers on B and C; closing the producer reaches them; the pipes close after the last consumer', async () => {
    const [urlA, urlB, urlC] = urls;
    const moderator = await createParticipant({ url: urlA }, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant({ url: urlA }, { name: 'Panelist on A', roles: [{ sessionId, role: 'panelist' }] });
    const boothB = await createParticipant({ url: urlA }, { name: 'Booth on B', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const boothC = await createParticipant({ url: urlA }, { name: 'Booth on C', roles: [{ sessionId, role: 'interpreter', language: 'es' }] });

    const mod = await joined(urlC, moderator);
    await ok(mod.socket, 'session:open', { sessionId });
    const pan = await joined(urlA, panelist);
    const b = await joined(urlB, boothB);
    const c = await joined(urlC, boothC);
    await waitFor(async () => pan.media.join().then(() => true, () => false), { timeout: 10_000 });
    await b.media.join();
    await c.media.join();

    // B and C hear of the new producer through Redis.
    const heardB = nextEvent<NewProducerMessage>(b.socket, 'media:new-producer', (m) => m.producer.participantId === panelist.id, 10_000);
    const heardC = nextEvent<NewProducerMessage>(c.socket, 'media:new-producer', (m) => m.producer.participantId === panelist.id, 10_000);
    const mic = await pan.media.produceAudio();
    expect((await heardB).producer).toMatchObject({ producerId: mic.producerId, kind: 'audio', source: 'mic', right: 'panel', name: 'Panelist on A' });
    await heardC;

    // A viewer joining later on another process lists it at once.
    expect((await mod.media.join()).producers.map((p) => p.producerId)).toContain(mic.producerId);

    // Consuming on B and C pipes the producer in from A: its RTP arrives.
    const atB = await b.media.consume(mic.producerId);
    const atC = await c.media.consume(mic.producerId);
    expect(atB.ack.producer).toMatchObject({ participantId: panelist.id, kind: 'audio' });
    await waitFor(() => atB.packets() > 25 && atC.packets() > 25, { timeout: 10_000 });
    expect(cluster.outputs[1]?.()).toContain('media pipe opened from another process');

    // A moderator on C mutes the panelist held on A: every process hears it and B's packets stop.
    const pausedB = nextEvent<ProducerPausedMessage>(b.socket, 'media:producer-paused', (m) => m.producerId === mic.producerId && m.paused, 10_000);
    await ok(mod.socket, 'media:pause-producer', { sessionId, producerId: mic.producerId });
    expect(await pausedB).toMatchObject({ pausedByModerator: true });
    await sleep(300);
    const still = atB.packets();
    await sleep(500);
    expect(atB.packets()).toBe(still);
    const resumedB = nextEvent<ProducerPausedMessage>(b.socket, 'media:producer-paused', (m) => m.producerId === mic.producerId && !m.paused, 10_000);
    await ok(mod.socket, 'media:resume-producer', { sessionId, producerId: mic.producerId });
    await resumedB;
    await waitFor(() => atB.packets() > still + 20, { timeout: 10_000 });

    // The last consumer on C leaves: C's pipe from A closes; B still receives.
    c.media.close();
    c.socket.close();
    await waitFor(() => /media pipe closed: no consumer/.test(cluster.outputs[2]?.() ?? ''), { timeout: 10_000 });
    const atBNow = atB.packets();
    await waitFor(() => atB.packets() > atBNow + 20, { timeout: 10_000 });

    // The panelist stops: the producer closes on B too.
    const closedB = nextEvent<ProducerClosedMessage>(b.socket, 'media:producer-closed', (m) => m.producerId === mic.producerId, 10_000);
    await ok(pan.socket, 'media:close-producer', { sessionId, producerId: mic.producerId });
    expect(await closedB).toMatchObject({ participantId: panelist.id, reason: 'closed' });
    expect((await b.media.join()).producers.map((p) => p.producerId)).not.toContain(mic.producerId);
  }, 90_000);

  it('the floor opens a delegate’s microphone on one process, staff on the others hear it, and ending the floor closes it everywhere', async () => {
    const [urlA, urlB, urlC] = urls;
    const moderator = await createParticipant({ url: urlA }, { name: 'Chair 2', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant({ url: urlA }, { name: 'Delegate on B', group: 'workers', country: 'KE' });
    const booth = await createParticipant({ url: urlA }, { name: 'Booth on C', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });

    const mod = await joined(urlA, moderator);
    await ok(mod.socket, 'session:open', { sessionId });
    const del = await joined(urlB, delegate);
    const listener = await joined(urlC, booth);
    await waitFor(async () => del.media.join().then(() => true, () => false), { timeout: 10_000 });
    await listener.media.join();
    await mod.media.join();

    const { entryId } = await ok<{ entryId: string }>(del.socket, 'queue:request', { sessionId });
    const heard = nextEvent<NewProducerMessage>(listener.socket, 'media:new-producer', (m) => m.producer.participantId === delegate.id, 10_000);
    await ok(mod.socket, 'queue:give-floor', { sessionId, entryId });
    const mic = await waitFor(async () => del.media.produceAudio().catch(() => undefined), { timeout: 10_000 });
    expect((await heard).producer).toMatchObject({ producerId: mic.producerId, right: 'floor' });
    const atC = await listener.media.consume(mic.producerId);
    const atA = await mod.media.consume(mic.producerId);
    await waitFor(() => atC.packets() > 25 && atA.packets() > 25, { timeout: 10_000 });

    const closedC = nextEvent<ProducerClosedMessage>(listener.socket, 'media:producer-closed', (m) => m.producerId === mic.producerId, 10_000);
    const closedA = nextEvent<ProducerClosedMessage>(mod.socket, 'media:producer-closed', (m) => m.producerId === mic.producerId, 10_000);
    await ok(mod.socket, 'queue:end-floor', { sessionId });
    expect(await closedC).toMatchObject({ participantId: delegate.id, reason: 'floor-ended' });
    expect(await closedA).toMatchObject({ reason: 'floor-ended' });
    await sleep(300);
    const stopped = atC.packets();
    await sleep(500);
    expect(atC.packets()).toBe(stopped);
  }, 90_000);

  it('last N: a viewer of a 6-camera panel spread over two processes holds at most 4 video consumers; closing one frees its place', async () => {
    const [urlA, urlB, urlC] = urls;
    const moderator = await createParticipant({ url: urlA }, { name: 'Chair 3', roles: [{ sessionId, role: 'moderator' }] });
    const mod = await joined(urlA, moderator);
    await ok(mod.socket, 'session:open', { sessionId });
    const cameras: string[] = [];
    for (let i = 0; i < 6; i++) {
      const p = await createParticipant({ url: urlA }, { name: `Panelist ${i}`, roles: [{ sessionId, role: 'panelist' }] });
      const pan = await joined(i % 2 === 0 ? urlA : urlB, p);
      await waitFor(async () => pan.media.join().then(() => true, () => false), { timeout: 10_000 });
      cameras.push((await pan.media.produceVideo()).producerId);
    }
    const booth = await createParticipant({ url: urlA }, { name: 'Booth 3', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const viewer = await joined(urlC, booth);
    const caps = await viewer.media.join();
    expect(caps.lastN).toBe(4);
    await waitFor(async () => (await viewer.media.join()).producers.filter((p) => p.kind === 'video').length === 6, { timeout: 10_000 });

    const taken: Receiving[] = [];
    for (const producerId of cameras.slice(0, 4)) taken.push(await viewer.media.consume(producerId));
    const fifth = await emit(viewer.socket, 'media:consume', { sessionId, transportId: viewer.media.recvTransportId(), producerId: cameras[4] });
    expect(fifth).toMatchObject({ ok: false, error: { code: 'media_limit_reached' } });
    await waitFor(() => taken.every((t) => t.packets() > 5), { timeout: 10_000 });

    await ok(viewer.socket, 'media:close-consumer', { sessionId, consumerId: taken[0]?.consumerId });
    const now = await viewer.media.consume(cameras[4] as string);
    await waitFor(() => now.packets() > 5, { timeout: 10_000 });
  }, 90_000);
});
