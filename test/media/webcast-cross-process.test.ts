// The webcast's subtitles across server processes (issue 13, item 4): two
// real Plenary processes with media, sharing Redis and one store, the
// webcast encoder on process A only. A panelist on A publishes a tone (so
// A encodes the session); a captioner sends final lines on B, then on A.
// Read as a player reads A's English subtitle rendition, each final line
// is a cue exactly once (relayed to A from B, not echoed back to A from A),
// and an interim line never is.
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedis } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { waitFor } from '../support/server.ts';
import { clientWorker, NodeMediaClient, startMediaCluster, type MediaCluster } from './support.ts';
import { hasFfmpeg, sendRtp, subtitleCue } from './webcast-support.ts';

const sessionId = 'thematic-3';
const occurrences = (text: string, part: string): number => text.split(part).length - 1;

describe.skipIf(!hasRedis || !hasFfmpeg)('webcast subtitles from captioners on any process', () => {
  let cluster: MediaCluster;
  let worker: Worker;
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  const senders: ChildProcess[] = [];
  let moderator: TestParticipant;
  let panelist: TestParticipant;
  let captioner: TestParticipant;
  let viewer: TestParticipant;

  const join = async (url: string, p: TestParticipant): Promise<Socket> => {
    const socket = await connect(url, { token: p.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    return socket;
  };

  beforeAll(async () => {
    // Small, slow frames: the encoder on A is the only heavy part.
    cluster = await startMediaCluster(2, 'warn', { WEBCAST_FPS: '10', WEBCAST_LIST_SIZE: '6', WEBCAST_SEGMENT_SECONDS: '1' }, (i): Record<string, string> => (i === 0 ? { WEBCAST_ENABLED: 'true' } : {}));
    worker = await clientWorker();
    const url = { url: cluster.urls[0]! };
    moderator = await createParticipant(url, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    panelist = await createParticipant(url, { name: 'Panelist (on A)', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    captioner = await createParticipant(url, { name: 'Captioner (on B, then A)', group: 'international_organization', roles: [{ sessionId, role: 'captioner', language: 'en' }] });
    viewer = await createParticipant(url, { name: 'Viewer', group: 'government', country: 'GH' });
  }, 120_000);

  afterAll(async () => {
    for (const child of senders) child.kill('SIGKILL');
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    worker?.close();
    await cluster?.stop();
  });

  it("a final line sent on B is a cue of A's webcast, once; a line sent on A too", async () => {
    const [urlA, urlB] = cluster.urls as [string, string];
    const mod = await join(urlA, moderator);
    await ok(mod, 'session:open', { sessionId });
    const pan = await NodeMediaClient.create(await join(urlA, panelist), sessionId, worker);
    clients.push(pan);
    await waitFor(async () => pan.join().then(() => true, () => false), { timeout: 10_000 });
    const mic = await pan.produceRtp('audio', { source: 'mic' });
    senders.push(sendRtp(null, { port: mic.port, pt: mic.payloadType, ssrc: mic.ssrc, freq: 440 }));

    // A encodes the session; its master playlist offers English subtitles (a captioner of English is assigned).
    const master = `${urlA}/webcast/${eventId}/${sessionId}/index.m3u8`;
    const headers = { authorization: `Bearer ${viewer.token}` };
    const body = await waitFor(
      async () => {
        const res = await fetch(master, { headers });
        const text = res.ok ? await res.text() : '';
        return text.includes('URI="subs-en.m3u8"') ? text : null;
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(body).toMatch(/#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en"/);
    const subs = master.replace('index.m3u8', 'subs-en.m3u8');

    // The captioner writes on B, where no encoder runs.
    const onB = await join(urlB, captioner);
    await ok(onB, 'caption:line', { sessionId, language: 'en', text: 'Social dialogue, still typing', final: false });
    await ok(onB, 'caption:line', { sessionId, language: 'en', text: 'Social dialogue across processes', final: true });
    const fromB = await subtitleCue(subs, viewer.token, 'Social dialogue across processes');
    expect(fromB.vtt).toMatch(/\n\d\d:\d\d:\d\d\.\d{3} --> \d\d:\d\d:\d\d\.\d{3}\nSocial dialogue across processes\n/);
    expect(occurrences(fromB.vtt, 'Social dialogue across processes')).toBe(1);
    expect(fromB.vtt).not.toContain('still typing');

    // The same captioner moves to A (the encoder's process): the line is a cue once there too, not also relayed back.
    const onA = await join(urlA, captioner);
    await ok(onA, 'caption:line', { sessionId, language: 'en', text: 'And on the same process', final: true });
    const fromA = await subtitleCue(subs, viewer.token, 'And on the same process');
    expect(occurrences(fromA.vtt, 'And on the same process')).toBe(1);
  }, 120_000);
});
