// The live panel against a real mediasoup worker, through the media:*
// signalling a browser uses (with plain SRTP transports on the Node side,
// see support.ts): who may send, what viewers receive, and what the floor,
// the moderator and the session's end do to the senders. Plain RTP is only
// for the session's staff and tools (a delegate's browser receives over
// WebRTC, which Node lacks), so the listener measuring packets here is an
// interpreter's booth.
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck } from '../../server/protocol/events.ts';
import type { ActiveSpeakerMessage, ConsumeAck, NewProducerMessage, ProducerClosedMessage, ProducerPausedMessage } from '../../server/protocol/media-events.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { organizerToken, waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaServer } from './support.ts';

const sessionId = 'thematic-2';

describe('the live panel over media:* signalling (real mediasoup worker)', () => {
  let server: Plenary;
  let worker: Worker;
  let moderator: TestParticipant;
  let panelist: TestParticipant;
  let interpreter: TestParticipant;
  let delegate: TestParticipant;
  let viewer: TestParticipant;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];

  async function joined(p: TestParticipant | 'organiser'): Promise<{ socket: Socket; media: NodeMediaClient; ack: JoinAck }> {
    const socket = await connect(server.url, p === 'organiser' ? { token: organizerToken, eventId } : { token: p.token });
    sockets.push(socket);
    const ack = await ok<JoinAck>(socket, 'session:join', { sessionId });
    const media = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(media);
    return { socket, media, ack };
  }

  async function setStatus(socket: Socket, status: 'open' | 'end'): Promise<void> {
    await ok(socket, `session:${status}`, { sessionId });
  }

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    worker = await clientWorker();
    moderator = await createParticipant(server, { name: 'Moderator', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(server, { name: 'Panelist', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    interpreter = await createParticipant(server, { name: 'Interpreter', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    delegate = await createParticipant(server, { name: 'Ghana Government', group: 'government', country: 'GH' });
    // Listens to the floor on plain RTP, as a booth (or a recorder) does.
    viewer = await createParticipant(server, { name: 'Viewer', group: 'employers', country: 'JP', roles: [{ sessionId, role: 'interpreter', language: 'es' }] });
  }, 60_000);

  afterEach(async () => {
    while (clients.length) clients.pop()?.close();
    while (sockets.length) sockets.pop()?.close();
    // Every test starts from a session that is not live.
    const organiser = await connect(server.url, { token: organizerToken, eventId });
    await ok(organiser, 'session:join', { sessionId });
    await ok(organiser, 'session:end', { sessionId });
    organiser.close();
  });

  afterAll(async () => {
    await server?.close();
    worker?.close();
  });

  it('keeps the stage closed until the session is live, then a panelist sends and a delegate receives', async () => {
    const mod = await joined(moderator);
    const pan = await joined(panelist);
    const early = await emit(pan.socket, 'media:capabilities', { sessionId });
    expect(early).toMatchObject({ ok: false, error: { code: 'session_not_live' } });

    await setStatus(mod.socket, 'open');
    const caps = await pan.media.join();
    expect(caps.you).toEqual({ panel: true, interpretationLanguages: [], moderator: false });
    expect(caps.rtpCapabilities.codecs?.map((c) => c.mimeType)).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/VP9', 'video/H264']));

    const del = await joined(delegate);
    const delCaps = await del.media.join();
    expect(delCaps.you.panel).toBe(false);
    const announced = nextEvent<NewProducerMessage>(del.socket, 'media:new-producer');
    const speaking = nextEvent<ActiveSpeakerMessage>(del.socket, 'media:active-speaker', () => true, 15_000);
    const mic = await pan.media.produceAudio();
    const message = await announced;
    expect(message).toMatchObject({ sessionId, producer: { producerId: mic.producerId, participantId: panelist.id, name: 'Panelist', kind: 'audio', source: 'mic', right: 'panel', paused: false } });

    // The delegate receives over WebRTC (the consumer is granted; Node cannot complete the DTLS to hear it)...
    const webrtc = await ok<{ transportId: string }>(del.socket, 'media:create-transport', { sessionId, direction: 'recv', type: 'webrtc', rtpCapabilities: delCaps.rtpCapabilities });
    const consumed = await ok<ConsumeAck>(del.socket, 'media:consume', { sessionId, transportId: webrtc.transportId, producerId: mic.producerId });
    expect(consumed).toMatchObject({ kind: 'audio', producerPaused: false, producer: { participantId: panelist.id } });
    // ...and gets no plain RTP transport: each takes one of the server's UDP ports.
    expect(await emit(del.socket, 'media:create-transport', { sessionId, direction: 'recv', type: 'plain', rtpCapabilities: delCaps.rtpCapabilities })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    // A late joiner (a booth, on plain RTP) finds the producer in its capabilities ack, and hears it.
    const late = await joined(viewer);
    const lateCaps = await late.media.join();
    expect(lateCaps.producers.map((p) => p.producerId)).toEqual([mic.producerId]);
    const received = await late.media.consume(mic.producerId);
    expect(received.ack).toMatchObject({ kind: 'audio', producerPaused: false, producer: { participantId: panelist.id } });
    await waitFor(() => received.packets() > 20, { timeout: 15_000 });
    // The active speaker observer heard the panelist's audio level.
    expect(await speaking).toMatchObject({ sessionId, producerId: mic.producerId, participantId: panelist.id });
  });

  it('refuses senders without the right with stable codes', async () => {
    const mod = await joined(moderator);
    const del = await joined(delegate);
    const pan = await joined(panelist);
    const interp = await joined(interpreter);
    await setStatus(mod.socket, 'open');
    await del.media.join();
    await pan.media.join();
    await interp.media.join();

    // A delegate without the floor cannot even open a send transport.
    const send = await emit(del.socket, 'media:create-transport', { sessionId, direction: 'send', type: 'plain' });
    expect(send).toMatchObject({ ok: false, error: { code: 'not_on_floor' } });

    // The panelist opens one, but a panel seat does not make an interpreter.
    const transportId = await pan.media.openSend();
    const wrongBooth = await emit(pan.socket, 'media:produce', {
      sessionId, transportId, kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1 }] },
      appData: { source: 'interpretation', language: 'fr' },
    });
    expect(wrongBooth).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // Malformed payloads never reach mediasoup.
    const malformed = await emit(pan.socket, 'media:produce', { sessionId, transportId, kind: 'audio', rtpParameters: { codecs: [] }, appData: { source: 'mic' } });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const mismatched = await emit(pan.socket, 'media:produce', {
      sessionId, transportId, kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000 }] }, appData: { source: 'camera' },
    });
    expect(mismatched).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    // The interpreter publishes their language, and only theirs.
    const french = await interp.media.produceAudio({ source: 'interpretation', language: 'fr' });
    expect(interp.media.caps.you.interpretationLanguages).toEqual(['fr']);
    const producers = (await del.media.join()).producers;
    expect(producers).toEqual([expect.objectContaining({ producerId: french.producerId, source: 'interpretation', language: 'fr', right: 'interpretation' })]);
    await expect(interp.media.produceAudio({ source: 'interpretation', language: 'es' })).rejects.toThrow(/forbidden/);

    // Not signed in at all: refused before anything else.
    const stranger = await connect(server.url, {});
    sockets.push(stranger);
    expect(await emit(stranger, 'media:capabilities', { sessionId, eventId })).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    // Signed in but not in the session's room.
    const outsider = await connect(server.url, { token: viewer.token });
    sockets.push(outsider);
    expect(await emit(outsider, 'media:capabilities', { sessionId })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
  });

  it('opens a delegate’s microphone with the floor and closes it the moment the floor ends', async () => {
    const mod = await joined(moderator);
    const del = await joined(delegate);
    const view = await joined(viewer);
    await setStatus(mod.socket, 'open');
    await Promise.all([del.media.join(), view.media.join()]);

    const { entryId } = await ok<{ entryId: string }>(del.socket, 'queue:request', { sessionId });
    await ok(mod.socket, 'queue:give-floor', { sessionId, entryId });
    const mic = await del.media.produceAudio();
    const info = (await view.media.join()).producers.find((p) => p.producerId === mic.producerId);
    expect(info).toMatchObject({ participantId: delegate.id, right: 'floor', source: 'mic' });
    // The floor does not extend to the camera unless the moderator allows delegates' video.
    const camera = await emit(del.socket, 'media:produce', {
      sessionId, transportId: await transportOf(del.media), kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 22 }] }, appData: { source: 'camera' },
    });
    expect(camera).toMatchObject({ ok: false, error: { code: 'video_not_allowed' } });
    const screen = await emit(del.socket, 'media:produce', {
      sessionId, transportId: await transportOf(del.media), kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 23 }] }, appData: { source: 'screen' },
    });
    expect(screen).toMatchObject({ ok: false, error: { code: 'not_panelist' } });

    const received = await view.media.consume(mic.producerId);
    await waitFor(() => received.packets() > 20, { timeout: 15_000 });

    const closedForViewer = nextEvent<ProducerClosedMessage>(view.socket, 'media:producer-closed');
    const closedForSpeaker = nextEvent<ProducerClosedMessage>(del.socket, 'media:producer-closed');
    await ok(mod.socket, 'queue:end-floor', { sessionId });
    expect(await closedForViewer).toEqual({ sessionId, producerId: mic.producerId, participantId: delegate.id, reason: 'floor-ended' });
    expect((await closedForSpeaker).reason).toBe('floor-ended');
    expect(server.media?.stats().sessions[0]?.producers).toBe(0);

    // Nothing flows any more (after what was already on the wire), and the delegate cannot send again without the floor.
    await new Promise((r) => setTimeout(r, 300));
    const after = received.packets();
    await new Promise((r) => setTimeout(r, 500));
    expect(received.packets()).toBe(after);
    const again = await emit(del.socket, 'media:produce', {
      sessionId, transportId: await transportOf(del.media), kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 24 }] }, appData: { source: 'mic' },
    });
    expect(again).toMatchObject({ ok: false, error: { code: 'not_on_floor' } });
  });

  it('lets the moderator mute (hard) and stop any sender, and closes the stage when the session ends', async () => {
    const mod = await joined(moderator);
    const pan = await joined(panelist);
    const view = await joined(viewer);
    await setStatus(mod.socket, 'open');
    const modCaps = await mod.media.join();
    expect(modCaps.you.moderator).toBe(true);
    await Promise.all([pan.media.join(), view.media.join()]);
    const mic = await pan.media.produceAudio();
    const received = await view.media.consume(mic.producerId);
    await waitFor(() => received.packets() > 10, { timeout: 15_000 });

    // A viewer may not touch someone else's producer.
    expect(await emit(view.socket, 'media:pause-producer', { sessionId, producerId: mic.producerId })).toMatchObject({ ok: false, error: { code: 'not_moderator' } });

    const paused = nextEvent<ProducerPausedMessage>(view.socket, 'media:producer-paused');
    await ok(mod.socket, 'media:pause-producer', { sessionId, producerId: mic.producerId });
    expect(await paused).toEqual({ sessionId, producerId: mic.producerId, paused: true, pausedByModerator: true });
    await new Promise((r) => setTimeout(r, 300));
    const whilePaused = received.packets();
    await new Promise((r) => setTimeout(r, 500));
    expect(received.packets()).toBe(whilePaused);
    // The panelist cannot lift the moderator's mute; the moderator can.
    expect(await emit(pan.socket, 'media:resume-producer', { sessionId, producerId: mic.producerId })).toMatchObject({ ok: false, error: { code: 'muted_by_moderator' } });
    await ok(mod.socket, 'media:resume-producer', { sessionId, producerId: mic.producerId });
    await waitFor(() => received.packets() > whilePaused + 10, { timeout: 15_000 });
    // The owner mutes and unmutes themselves freely.
    await ok(pan.socket, 'media:pause-producer', { sessionId, producerId: mic.producerId });
    await ok(pan.socket, 'media:resume-producer', { sessionId, producerId: mic.producerId });

    const stopped = nextEvent<ProducerClosedMessage>(pan.socket, 'media:producer-closed');
    await ok(mod.socket, 'media:close-producer', { sessionId, producerId: mic.producerId });
    expect(await stopped).toMatchObject({ producerId: mic.producerId, participantId: panelist.id, reason: 'moderator' });

    const second = await pan.media.produceAudio();
    const ended = nextEvent<ProducerClosedMessage>(view.socket, 'media:producer-closed');
    await setStatus(mod.socket, 'end');
    expect(await ended).toMatchObject({ producerId: second.producerId, reason: 'session-ended' });
    expect(server.media?.stats().sessions).toEqual([]);
    expect(await emit(view.socket, 'media:consume', { sessionId, transportId: received.ack.consumerId, producerId: second.producerId })).toMatchObject({ ok: false, error: { code: 'not_joined' } });
  });

  it('lets the moderator allow delegates’ video on the floor, and closes it when withdrawn', async () => {
    const mod = await joined(moderator);
    // A delegate who has not spoken yet (a second statement is refused by the queue's rules).
    const seen = await createParticipant(server, { name: 'Chile Workers', group: 'workers', country: 'CL' });
    const del = await joined(seen);
    await setStatus(mod.socket, 'open');
    await Promise.all([mod.media.join(), del.media.join()]);
    expect(await emit(del.socket, 'media:settings', { sessionId, delegateVideo: true })).toMatchObject({ ok: false, error: { code: 'not_moderator' } });
    const announced = nextEvent<{ sessionId: string; delegateVideo: boolean }>(del.socket, 'media:settings');
    await ok(mod.socket, 'media:settings', { sessionId, delegateVideo: true });
    expect(await announced).toEqual({ sessionId, delegateVideo: true });

    const { entryId } = await ok<{ entryId: string }>(del.socket, 'queue:request', { sessionId });
    await ok(mod.socket, 'queue:give-floor', { sessionId, entryId });
    const camera = await ok<{ producerId: string }>(del.socket, 'media:produce', {
      sessionId, transportId: await del.media.sendTransportId(), kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc: 4242 }] }, appData: { source: 'camera' },
    });
    const closed = nextEvent<ProducerClosedMessage>(mod.socket, 'media:producer-closed');
    await ok(mod.socket, 'media:settings', { sessionId, delegateVideo: false });
    expect(await closed).toMatchObject({ producerId: camera.producerId, participantId: seen.id, reason: 'moderator' });
  });

  it('closes a panelist’s producers when an organiser takes the panel role away', async () => {
    const mod = await joined(moderator);
    const former = await createParticipant(server, { name: 'Former panelist', roles: [{ sessionId, role: 'panelist' }] });
    const pan = await joined(former);
    await setStatus(mod.socket, 'open');
    await Promise.all([mod.media.join(), pan.media.join()]);
    const mic = await pan.media.produceAudio();
    const closed = nextEvent<ProducerClosedMessage>(mod.socket, 'media:producer-closed');
    const res = await fetch(`${server.url}/api/events/${eventId}/participants/${former.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ roles: [] }),
    });
    expect(res.status).toBe(200);
    expect(await closed).toMatchObject({ producerId: mic.producerId, participantId: former.id, reason: 'rights-changed' });
    expect(await emit(pan.socket, 'media:create-transport', { sessionId, direction: 'send', type: 'plain' })).toMatchObject({ ok: false, error: { code: 'not_on_floor' } });
  });

  it('closes a disconnected panelist’s producers and tells everyone', async () => {
    const mod = await joined(moderator);
    const pan = await joined(panelist);
    await setStatus(mod.socket, 'open');
    await Promise.all([pan.media.join(), mod.media.join()]);
    const mic = await pan.media.produceAudio();
    const gone = nextEvent<ProducerClosedMessage>(mod.socket, 'media:producer-closed');
    pan.socket.disconnect();
    expect(await gone).toMatchObject({ producerId: mic.producerId, reason: 'disconnected' });
  });

  it('picks a simulcast layer from the tile size, pauses hidden tiles, and restarts ICE', async () => {
    const mod = await joined(moderator);
    const pan = await joined(panelist);
    const view = await joined(viewer);
    await setStatus(mod.socket, 'open');
    await Promise.all([pan.media.join(), view.media.join()]);
    // A three-layer VP8 camera as a browser announces it (no media needs to flow for the choice).
    const { producerId } = await ok<{ producerId: string }>(pan.socket, 'media:produce', {
      sessionId,
      transportId: await pan.media.sendTransportId(),
      kind: 'video',
      rtpParameters: {
        codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] }],
        encodings: [
          { ssrc: 1111, scaleResolutionDownBy: 4, maxBitrate: 150_000 },
          { ssrc: 2222, scaleResolutionDownBy: 2, maxBitrate: 500_000 },
          { ssrc: 3333, scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
        ],
        rtcp: { cname: 'camera' },
      },
      appData: { source: 'camera', height: 720 },
    });
    const received = await view.media.consume(producerId);
    expect(received.ack.type).toBe('simulcast');
    const layers = (width: number, height: number) =>
      ok<{ layers: { spatialLayer: number; temporalLayer: number } }>(view.socket, 'media:set-preferred-layers', { sessionId, consumerId: received.consumerId, width, height });
    expect((await layers(320, 180)).layers).toEqual({ spatialLayer: 0, temporalLayer: 2 });
    expect((await layers(640, 360)).layers).toEqual({ spatialLayer: 1, temporalLayer: 2 });
    expect((await layers(1920, 1080)).layers).toEqual({ spatialLayer: 2, temporalLayer: 2 });
    expect((await layers(160, 90)).layers).toEqual({ spatialLayer: 0, temporalLayer: 0 });
    await ok(view.socket, 'media:pause-consumer', { sessionId, consumerId: received.consumerId });
    await ok(view.socket, 'media:resume', { sessionId, consumerId: received.consumerId });
    // Someone else's consumer is not ours to steer.
    expect(await emit(pan.socket, 'media:pause-consumer', { sessionId, consumerId: received.consumerId })).toMatchObject({ ok: false, error: { code: 'media_not_found' } });

    // A WebRTC transport restarts ICE with fresh credentials; a plain one has no ICE.
    const webrtc = await ok<{ transportId: string; iceParameters: { usernameFragment: string } }>(view.socket, 'media:create-transport', {
      sessionId, direction: 'recv', type: 'webrtc', rtpCapabilities: view.media.caps.rtpCapabilities,
    });
    const restarted = await ok<{ iceParameters: { usernameFragment: string; password: string } }>(view.socket, 'media:restart-ice', { sessionId, transportId: webrtc.transportId });
    expect(restarted.iceParameters.usernameFragment).toEqual(expect.any(String));
    expect(restarted.iceParameters.usernameFragment).not.toBe(webrtc.iceParameters.usernameFragment);
    expect(await emit(view.socket, 'media:restart-ice', { sessionId, transportId: await pan.media.sendTransportId() })).toMatchObject({ ok: false, error: { code: 'media_not_found' } });
  });

  it('refuses every media event with media_disabled when MEDIA_ENABLED=false', async () => {
    const { startTestServer } = await import('../support/server.ts');
    const plain = await startTestServer();
    try {
      expect(plain.media).toBeNull();
      const socket = await connect(plain.url, { token: organizerToken, eventId });
      sockets.push(socket);
      expect(await emit(socket, 'media:capabilities', { sessionId })).toMatchObject({ ok: false, error: { code: 'media_disabled' } });
    } finally {
      await plain.close();
    }
  });

  const transportOf = (media: NodeMediaClient): Promise<string> => media.sendTransportId();
});

