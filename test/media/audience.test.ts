// An audience larger than one router: with MEDIA_WORKERS=2 and
// MEDIA_MAX_CONSUMERS_PER_ROUTER=2, the third viewer lands on a router on
// the other worker, fed by pipeToRouter. Then workers die: viewers on the
// audience worker are told to rejoin; when the home worker dies the whole
// session is, and a rejoin restores every consumer on the replaced worker.
// The viewers are interpreters' booths: Node has no WebRTC, and plain RTP
// (a UDP port each) is only for the session's staff and tools.
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { ProducerClosedMessage, RejoinMessage } from '../../server/protocol/media-events.ts';
import { connect, createParticipant, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaServer, type Receiving, type Sending } from './support.ts';

const sessionId = 'thematic-3';

describe('audience routers piped across workers', () => {
  let server: Plenary;
  let worker: Worker;
  let moderator: TestParticipant;
  let panelist: TestParticipant;
  const viewers: TestParticipant[] = [];
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];

  async function joined(p: TestParticipant): Promise<{ socket: Socket; media: NodeMediaClient }> {
    const socket = await connect(server.url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    const media = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(media);
    return { socket, media };
  }

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '2', MEDIA_MAX_CONSUMERS_PER_ROUTER: '2' });
    worker = await clientWorker();
    moderator = await createParticipant(server, { name: 'Moderator', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(server, { name: 'Panelist', roles: [{ sessionId, role: 'panelist' }] });
    for (const language of ['fr', 'es', 'ar']) viewers.push(await createParticipant(server, { name: `Viewer ${language}`, roles: [{ sessionId, role: 'interpreter', language }] }));
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    await server?.close();
    worker?.close();
  });

  it('places viewers past the cap on a router on the other worker, and their media arrives through the pipe', async () => {
    const mod = await joined(moderator);
    await ok(mod.socket, 'session:open', { sessionId });
    const pan = await joined(panelist);
    await pan.media.join();
    const mic: Sending = await pan.media.produceAudio();

    const audience = await Promise.all(viewers.map((v) => joined(v)));
    const received: Receiving[] = [];
    for (const v of audience) {
      await v.media.join();
      received.push(await v.media.consume(mic.producerId));
    }
    for (const r of received) await waitFor(() => r.packets() > 20, { timeout: 15_000 });

    const session = server.media?.stats().sessions.find((s) => s.sessionId === sessionId);
    expect(session?.routers).toHaveLength(2);
    const [home, extra] = session?.routers ?? [];
    expect(home).toMatchObject({ home: true, consumers: 2 });
    expect(extra).toMatchObject({ home: false, consumers: 1 });
    expect(extra?.workerIndex).not.toBe(home?.workerIndex);
    expect(extra?.workerPid).not.toBe(home?.workerPid);

    // Closing the panel's producer reaches the piped viewer too.
    const closed = nextEvent<ProducerClosedMessage>(audience[2]!.socket, 'media:producer-closed');
    mic.stop();
    await ok(pan.socket, 'media:close-producer', { sessionId, producerId: mic.producerId });
    expect(await closed).toMatchObject({ producerId: mic.producerId, reason: 'closed' });
    await waitFor(() => server.media?.stats().sessions[0]?.routers[1]?.consumers === 0);
  });

  it('tells only the piped viewers to rejoin when the audience worker dies, and everyone when the home worker dies', async () => {
    const mod = sockets[0]!;
    const pan = clients[1]!;
    const audience = clients.slice(2);
    const mic = await pan.produceAudio();
    for (const v of audience) await v.consume(mic.producerId);

    const stats = () => server.media!.stats();
    const [home, extra] = stats().sessions[0]!.routers;
    const viewerRejoin = nextEvent<RejoinMessage>(audience[2]!.socket, 'media:rejoin', () => true, 15_000);
    let otherRejoined = false;
    audience[0]!.socket.once('media:rejoin', () => {
      otherRejoined = true;
    });
    process.kill(extra!.workerPid, 'SIGKILL');
    expect(await viewerRejoin).toEqual({ sessionId, reason: 'worker-died' });
    // The pool replaces the worker on the same index.
    await waitFor(() => stats().workers.length === 2 && !stats().workers.some((w) => w.pid === extra!.workerPid), { timeout: 15_000 });
    const rejoined = await audience[2]!.join();
    expect(rejoined.producers.map((p) => p.producerId)).toEqual([mic.producerId]);
    const again = await audience[2]!.consume(mic.producerId);
    await waitFor(() => again.packets() > 20, { timeout: 15_000 });
    expect(otherRejoined).toBe(false);

    // The home worker dies: every client of the session hears it, the producer is gone.
    const everyone = [pan, ...audience].map((c) => nextEvent<RejoinMessage>(c.socket, 'media:rejoin', () => true, 15_000));
    const moderatorHears = nextEvent<RejoinMessage>(mod, 'media:rejoin', () => true, 15_000);
    process.kill(home!.workerPid, 'SIGKILL');
    for (const seen of await Promise.all([...everyone, moderatorHears])) expect(seen).toEqual({ sessionId, reason: 'worker-died' });
    await waitFor(() => stats().workers.length === 2 && !stats().workers.some((w) => w.pid === home!.workerPid), { timeout: 15_000 });

    // Rejoin restores the stage: the panelist publishes again, every viewer receives.
    mic.stop();
    await pan.join();
    const fresh = await pan.produceAudio();
    const restored: Receiving[] = [];
    for (const v of audience) {
      const caps = await v.join();
      expect(caps.producers.map((p) => p.producerId)).toEqual([fresh.producerId]);
      restored.push(await v.consume(fresh.producerId));
    }
    for (const r of restored) await waitFor(() => r.packets() > 20, { timeout: 15_000 });
  });
});
