// A pre-recorded statement survives a restart of the process playing it
// (issue 18, item 4), with a real server process and a real mediasoup
// worker: the item in progress keeps its start (so its elapsed time), and
// the statement is marked interrupted at the position it reached (a clean
// stop) or where its play began (a crash, nothing skipped); the moderator
// resumes it from there and it is played into the session again.
import { spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Socket } from 'socket.io-client';
import type { Worker } from 'mediasoup/types';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunStateMessage } from '../../server/protocol/events.ts';
import type { NewProducerMessage } from '../../server/protocol/media-events.ts';
import { startProcess, stopProcess } from '../support/processes.ts';
import { connect, createParticipant, emit, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { stageReady } from '../support/running-order.ts';
import { getJson, organizerToken, postFresh, tempDir, waitFor } from '../support/server.ts';
import { clientWorker, freePortBase, NodeMediaClient } from './support.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const sessionId = 'thematic-2';
const base = `/api/events/${eventId}/sessions/${sessionId}/running-order`;
const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;

type Order = RunStateMessage & { timings: { id: string; actualMs: number }[] };

describe.skipIf(!hasFfmpeg)('a pre-recorded statement across a restart of its process (real process, real worker)', () => {
  const dataDir = tempDir();
  const children: ChildProcess[] = [];
  const sockets: Socket[] = [];
  const clients: NodeMediaClient[] = [];
  let worker: Worker | undefined;

  afterAll(async () => {
    for (const c of clients) c.close();
    for (const s of sockets) s.close();
    for (const c of children.reverse()) await stopProcess(c);
    worker?.close();
  });

  const startServer = async (): Promise<{ child: ChildProcess; url: string }> => {
    const ports = await freePortBase(10);
    const server = startProcess(process.execPath, [path.join(root, 'server/main.ts')], {
      PORT: '0',
      HOST: '127.0.0.1',
      PLENARY_DATA_DIR: dataDir,
      PLENARY_ORGANIZER_TOKEN: organizerToken,
      LOG_LEVEL: 'warn',
      MEDIA_ENABLED: 'true',
      MEDIA_WORKERS: '1',
      MEDIA_LISTEN_IP: '127.0.0.1',
      MEDIA_RTC_MIN_PORT: String(ports),
      MEDIA_RTC_MAX_PORT: String(ports + 9),
      RECORDING_STAGE_SIZE: '160x90',
    });
    children.push(server.child);
    return { child: server.child, url: await waitFor(() => /running at (http:\/\/\S+)/.exec(server.output())?.[1], { timeout: 30_000 }) };
  };
  const read = async (url: string): Promise<Order> => (await getJson<Order>(`${url}${base}`, { headers: { authorization: `Bearer ${organizerToken}` } })).body;
  const statement = (order: RunStateMessage) => order.items.find((i) => i.id === 'hos-1')!;
  /** The moderator in the room with a media client that hears played statements announced. */
  const enter = async (url: string, moderator: TestParticipant): Promise<{ socket: Socket; played: NewProducerMessage[] }> => {
    const socket = await connect(url, { token: moderator.token });
    sockets.push(socket);
    await ok(socket, 'session:join', { sessionId });
    await emit(socket, 'session:open', { sessionId }); // live already after the restart: refused harmlessly
    worker ??= await clientWorker();
    const media = await NodeMediaClient.create(socket, sessionId, worker);
    clients.push(media);
    await media.join();
    const played: NewProducerMessage[] = [];
    socket.on('media:new-producer', (m: NewProducerMessage) => {
      if (m.producer.right === 'playback') played.push(m);
    });
    return { socket, played };
  };

  it('keeps the item and its elapsed time; the statement is interrupted where it got to and resumes from there', async () => {
    const video = path.join(tempDir('plenary-restart-'), 'statement.mp4');
    const made = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x90:rate=25:duration=60', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=60', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', video]);
    expect(made.status).toBe(0);

    let server = await startServer();
    const moderator = await createParticipant(server, { name: 'Chair', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });
    const items = [
      { id: 'hos-1', kind: 'statement', title: 'Statement', speaker: 'Head of State', prerecorded: true, plannedMs: 60_000 },
      { id: 'panel', kind: 'panel', title: 'Interactive panel', plannedMs: 600_000 },
    ];
    const headers = { authorization: `Bearer ${organizerToken}` };
    expect((await getJson(`${server.url}${base}`, { method: 'PUT', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ items }) })).status).toBe(200);
    expect((await postFresh(`${server.url}${base}/hos-1/recording`, { ...headers, 'content-type': 'video/mp4' }, new Uint8Array(fs.readFileSync(video)))).status).toBe(201);
    await stageReady(server.url, base, 'hos-1');
    expect((await getJson(`${server.url}${base}/hos-1/recording/approve`, { method: 'POST', headers })).status).toBe(200);

    let room = await enter(server.url, moderator);
    await ok(room.socket, 'run:advance', { sessionId, itemId: 'hos-1' });
    await waitFor(() => room.played.length === 2, { timeout: 15_000 });
    const before = statement(await read(server.url));
    await new Promise((r) => setTimeout(r, 1500)); // let it play a little

    // A clean restart (SIGTERM): the play is marked interrupted where it got to.
    room.socket.close();
    await stopProcess(server.child);
    server = await startServer();
    let order = await read(server.url);
    expect(order.currentItemId).toBe('hos-1');
    expect(statement(order)).toMatchObject({ status: 'current', startedAt: before.startedAt, playback: { state: 'interrupted' } });
    const cut = statement(order).playback!.positionMs;
    expect(cut).toBeGreaterThanOrEqual(1000);
    expect(cut).toBeLessThan(60_000);
    // The item's elapsed time counts from its start, across the restart.
    expect(order.timings[0]!.actualMs).toBeGreaterThanOrEqual(1500);

    // The moderator resumes it: played again, from where it was.
    room = await enter(server.url, moderator);
    const resumed = await ok<{ playback: { state: string; positionMs: number } }>(room.socket, 'run:playback', { sessionId, itemId: 'hos-1', action: 'resume' });
    expect(resumed.playback).toMatchObject({ state: 'playing', positionMs: cut });
    await waitFor(() => room.played.length === 2, { timeout: 15_000 });
    expect(room.played.every((m) => m.producer.name === 'Head of State')).toBe(true);

    // A crash (SIGKILL): nothing is written on the way out; at start-up the play is marked interrupted where it began.
    room.socket.close();
    server.child.kill('SIGKILL');
    await new Promise((r) => server.child.once('exit', r));
    server = await startServer();
    order = await read(server.url);
    expect(statement(order)).toMatchObject({ status: 'current', startedAt: before.startedAt, playback: { state: 'interrupted', positionMs: cut } });
  }, 300_000);
});
