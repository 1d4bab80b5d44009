import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinAck } from '../../server/protocol/events.ts';
import type { ProducerClosedMessage } from '../../server/protocol/media-events.ts';
import { hasRedis, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { connect, createParticipant, nextEvent, ok } from '../support/realtime.ts';
import { waitFor } from '../support/server.ts';
import { clientWorker, freePortBase, NodeMediaClient } from './support.ts';

const sessionId = 'thematic-2';

/**
 * Media lives in each process; the floor is decided wherever the moderator
 * is connected. Ending the floor on one process must close the delegate's
 * microphone on the other.
 */
describe.skipIf(!hasRedis)('the floor closes a microphone on another server process', () => {
  let cluster: ServerCluster;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];

  beforeAll(async () => {
    const bases = [await freePortBase(1)];
    bases.push(await freePortBase(1));
    cluster = await startServerCluster(2, 'warn', (i) => ({
      MEDIA_ENABLED: 'true',
      MEDIA_WORKERS: '1',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_RTC_MIN_PORT: String(bases[i]),
      MEDIA_RTC_MAX_PORT: String((bases[i] ?? 0) + 9),
    }));
    worker = await clientWorker();
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    await cluster?.stop();
  });

  it('ends the floor on process A and the delegate’s producer on process B closes', async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    const moderator = await createParticipant({ url: urlA }, { name: 'Chair on A', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant({ url: urlA }, { name: 'Delegate on B', group: 'workers', country: 'KE' });
    const mod = await connect(urlA, { token: moderator.token });
    const del = await connect(urlB, { token: delegate.token });
    sockets.push(mod, del);
    await ok(mod, 'session:join', { sessionId });
    await ok<JoinAck>(del, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });

    const media = await NodeMediaClient.create(del, sessionId, worker);
    clients.push(media);
    await waitFor(async () => (await media.join().then(() => true, () => false)), { timeout: 10_000 });

    const { entryId } = await ok<{ entryId: string }>(del, 'queue:request', { sessionId });
    await ok(mod, 'queue:give-floor', { sessionId, entryId });
    const mic = await media.produceAudio();

    const closed = nextEvent<ProducerClosedMessage>(del, 'media:producer-closed', (m) => m.producerId === mic.producerId, 10_000);
    await ok(mod, 'queue:end-floor', { sessionId });
    expect(await closed).toMatchObject({ participantId: delegate.id, reason: 'floor-ended' });
  });
});
