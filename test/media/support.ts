// A Node-side media client for the integration tests. Node has no WebRTC,
// so it drives the server through the same `media:*` signalling as the
// browser, with `type: 'plain'` transports (RTP over UDP with SRTP): its own
// mediasoup worker plays the client's media stack. Sending: a
// DirectTransport producer (RTP built here, with an audio level header so
// the server's active speaker observer hears it) → a local SRTP plain
// transport → the server's send transport. Receiving: the server's consumer
// → a local SRTP plain transport → a DirectTransport consumer that counts
// packets.
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import dgram from 'node:dgram';
import * as mediasoup from 'mediasoup';
import type { Consumer, DirectTransport, PlainTransport, Producer, Router, RtpParameters, Worker } from 'mediasoup/types';
import type { Socket } from 'socket.io-client';
import type { Plenary, StartOptions } from '../../server/plenary.ts';
import { resolveWorkerBinary } from '../../server/media/worker-binary.ts';
import type { ConsumeAck, MediaCapabilitiesAck, PlainTransportAck } from '../../server/protocol/media-events.ts';
import { connect, ok } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const IP = '127.0.0.1';
const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const AUDIO_LEVEL_ID = 1;

/** A free base port with `count` consecutive UDP and TCP ports, for the WebRtcServers. */
export async function freePortBase(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 41000 + Math.floor(Math.random() * 1500) * 10;
    const checks = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (checks.every(Boolean)) return base;
  }
  throw new Error('no free port range for the media workers');
}

async function portFree(port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, IP, () => server.close(() => resolve(true)));
  });
  if (!tcp) return false;
  return new Promise<boolean>((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, IP, () => socket.close(() => resolve(true)));
  });
}

/** A real server with media on: `workers` mediasoup workers on free ports. */
export async function startMediaServer(overrides: Record<string, string> = {}, options: StartOptions = {}): Promise<Plenary> {
  const workers = Number(overrides.MEDIA_WORKERS ?? '1');
  const base = await freePortBase(workers);
  return startTestServer({
    MEDIA_ENABLED: 'true',
    MEDIA_WORKERS: String(workers),
    MEDIA_LISTEN_IP: IP,
    MEDIA_RTC_MIN_PORT: String(base),
    MEDIA_RTC_MAX_PORT: String(base + 9),
    ...overrides,
  }, options);
}

/** The test's own mediasoup worker: the "client side" media stack. */
export async function clientWorker(): Promise<Worker> {
  const bin = await resolveWorkerBinary(mediasoup.version);
  return mediasoup.createWorker({ logLevel: 'error', ...(bin.path ? { workerBin: bin.path } : {}) });
}

interface Link {
  serverTransportId: string;
  local: PlainTransport;
}

export interface Sending {
  producerId: string;
  sent(): number;
  stop(): void;
}

export interface Receiving {
  consumerId: string;
  producerId: string;
  ack: ConsumeAck;
  packets(): number;
}

export class NodeMediaClient {
  readonly socket: Socket;
  readonly sessionId: string;
  caps!: MediaCapabilitiesAck;
  private readonly router: Router;
  private direct!: DirectTransport;
  private send?: Link;
  private recv?: Link;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(socket: Socket, sessionId: string, router: Router) {
    this.socket = socket;
    this.sessionId = sessionId;
    this.router = router;
  }

  static async create(socket: Socket, sessionId: string, worker: Worker): Promise<NodeMediaClient> {
    const router = await worker.createRouter({
      mediaCodecs: [
        { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
        { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
      ],
    });
    const client = new NodeMediaClient(socket, sessionId, router);
    client.direct = await router.createDirectTransport();
    return client;
  }

  /** media:capabilities — (re)joins the session's media. */
  async join(): Promise<MediaCapabilitiesAck> {
    this.send?.local.close();
    this.recv?.local.close();
    this.send = undefined;
    this.recv = undefined;
    this.caps = await ok<MediaCapabilitiesAck>(this.socket, 'media:capabilities', { sessionId: this.sessionId });
    return this.caps;
  }

  /** The server-side id of the send transport, opened on first use. */
  async sendTransportId(): Promise<string> {
    return this.send?.serverTransportId ?? this.openSend();
  }

  async openSend(): Promise<string> {
    this.send = await this.link('send');
    return this.send.serverTransportId;
  }

  /** The server-side id of the recv transport (after a consume). */
  recvTransportId(): string | undefined {
    return this.recv?.serverTransportId;
  }

  async openRecv(): Promise<string> {
    this.recv = await this.link('recv');
    return this.recv.serverTransportId;
  }

  /** Produces an Opus-like stream at 50 packets/s with a loud audio level. */
  async produceAudio(options: { source?: 'mic' | 'interpretation'; language?: string; level?: number } = {}): Promise<Sending> {
    if (!this.send) await this.openSend();
    const send = this.send as Link;
    const ssrc = 0x10000000 + Math.floor(Math.random() * 0x0fffffff);
    const source: Producer = await this.direct.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }],
        headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: AUDIO_LEVEL_ID }],
        encodings: [{ ssrc }],
      },
    });
    const out: Consumer = await send.local.consume({ producerId: source.id, rtpCapabilities: this.caps.rtpCapabilities as never });
    const rtpParameters = { ...out.rtpParameters, mid: undefined } as RtpParameters;
    const { producerId } = await ok<{ producerId: string }>(this.socket, 'media:produce', {
      sessionId: this.sessionId,
      transportId: send.serverTransportId,
      kind: 'audio',
      rtpParameters,
      appData: { source: options.source ?? 'mic', ...(options.language ? { language: options.language } : {}) },
    });
    let seq = 1;
    const timer = setInterval(() => {
      if (source.closed) return;
      source.send(audioPacket(seq, ssrc, options.level ?? 10));
      seq += 1;
    }, 20);
    this.timers.add(timer);
    return {
      producerId,
      sent: () => seq - 1,
      stop: () => {
        clearInterval(timer);
        this.timers.delete(timer);
        source.close();
      },
    };
  }

  /** Produces a camera: VP8-like RTP at 30 packets/s (not decodable, enough for consumers and counts). */
  async produceVideo(): Promise<Sending> {
    if (!this.send) await this.openSend();
    const send = this.send as Link;
    const ssrc = 0x20000000 + Math.floor(Math.random() * 0x0fffffff);
    const source: Producer = await this.direct.produce({
      kind: 'video',
      rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc }] },
    });
    const out: Consumer = await send.local.consume({ producerId: source.id, rtpCapabilities: this.caps.rtpCapabilities as never });
    const rtpParameters = { ...out.rtpParameters, mid: undefined } as RtpParameters;
    const { producerId } = await ok<{ producerId: string }>(this.socket, 'media:produce', {
      sessionId: this.sessionId,
      transportId: send.serverTransportId,
      kind: 'video',
      rtpParameters,
      appData: { source: 'camera', height: 360 },
    });
    let seq = 1;
    const timer = setInterval(() => {
      if (source.closed) return;
      const header = Buffer.alloc(12);
      header[0] = 0x80;
      header[1] = 101 | (seq % 3 === 0 ? 0x80 : 0);
      header.writeUInt16BE(seq & 0xffff, 2);
      header.writeUInt32BE((seq * 3000) >>> 0, 4);
      header.writeUInt32BE(ssrc >>> 0, 8);
      // VP8 payload descriptor (S=1, partition 0) and a key-frame-looking first byte.
      source.send(Buffer.concat([header, Buffer.from([0x10, 0x00]), Buffer.alloc(200, seq & 0xff)]));
      seq += 1;
    }, 33);
    this.timers.add(timer);
    return {
      producerId,
      sent: () => seq - 1,
      stop: () => {
        clearInterval(timer);
        this.timers.delete(timer);
        source.close();
      },
    };
  }

  /**
   * Produces real media sent by another program (ffmpeg's RTP muxer) to the
   * returned port: a comedia plain transport on the client side forwards it
   * to the server like a browser's track (decodable, for the webcast tests).
   */
  async produceRtp(kind: 'audio' | 'video', appData: { source: 'mic' | 'camera' | 'interpretation'; language?: string }): Promise<{ producerId: string; port: number; payloadType: number; ssrc: number; stop(): void }> {
    if (!this.send) await this.openSend();
    const send = this.send as Link;
    const ssrc = (kind === 'audio' ? 0x30000000 : 0x40000000) + Math.floor(Math.random() * 0x0fffffff);
    const payloadType = kind === 'audio' ? 100 : 101;
    const input = await this.router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: IP }, rtcpMux: false, comedia: true });
    const source: Producer = await input.produce({
      kind,
      rtpParameters:
        kind === 'audio'
          ? { codecs: [{ mimeType: 'audio/opus', payloadType, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] }
          : { codecs: [{ mimeType: 'video/VP8', payloadType, clockRate: 90000 }], encodings: [{ ssrc }] },
    });
    const out: Consumer = await send.local.consume({ producerId: source.id, rtpCapabilities: this.caps.rtpCapabilities as never });
    const rtpParameters = { ...out.rtpParameters, mid: undefined } as RtpParameters;
    const { producerId } = await ok<{ producerId: string }>(this.socket, 'media:produce', {
      sessionId: this.sessionId,
      transportId: send.serverTransportId,
      kind,
      rtpParameters,
      appData: { ...appData, ...(kind === 'video' ? { height: 180 } : {}) },
    });
    return { producerId, port: input.tuple.localPort, payloadType, ssrc, stop: () => input.close() };
  }

  /** media:consume + media:resume, counting what arrives. */
  async consume(producerId: string): Promise<Receiving> {
    if (!this.recv) await this.openRecv();
    const recv = this.recv as Link;
    const ack = await ok<ConsumeAck>(this.socket, 'media:consume', { sessionId: this.sessionId, transportId: recv.serverTransportId, producerId });
    const incoming = await recv.local.produce({ kind: ack.kind, rtpParameters: { ...ack.rtpParameters, mid: undefined } as RtpParameters });
    const sink = await this.direct.consume({ producerId: incoming.id, rtpCapabilities: this.router.rtpCapabilities });
    let packets = 0;
    sink.on('rtp', () => {
      packets += 1;
    });
    await ok(this.socket, 'media:resume', { sessionId: this.sessionId, consumerId: ack.consumerId });
    return { consumerId: ack.consumerId, producerId, ack, packets: () => packets };
  }

  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.clear();
    this.router.close();
  }

  private async link(direction: 'send' | 'recv'): Promise<Link> {
    const ack = await ok<PlainTransportAck>(this.socket, 'media:create-transport', {
      sessionId: this.sessionId,
      direction,
      type: 'plain',
      ...(direction === 'recv' ? { rtpCapabilities: this.router.rtpCapabilities } : {}),
    });
    const local = await this.router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: IP },
      rtcpMux: true,
      comedia: false,
      enableSrtp: true,
      srtpCryptoSuite: ack.srtpParameters.cryptoSuite,
    });
    await local.connect({ ip: ack.ip, port: ack.port, srtpParameters: ack.srtpParameters });
    await ok(this.socket, 'media:connect-transport', {
      sessionId: this.sessionId,
      transportId: ack.transportId,
      ip: IP,
      port: local.tuple.localPort,
      srtpParameters: local.srtpParameters,
    });
    return { serverTransportId: ack.transportId, local };
  }
}

/** RTP with the ssrc-audio-level one-byte header extension (RFC 6464); level in -dBov, 0 loudest. */
function audioPacket(seq: number, ssrc: number, level: number): Buffer {
  const header = Buffer.alloc(12);
  header[0] = 0x90; // V=2, X=1
  header[1] = 100;
  header.writeUInt16BE(seq & 0xffff, 2);
  header.writeUInt32BE((seq * 960) >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  const extension = Buffer.from([0xbe, 0xde, 0x00, 0x01, (AUDIO_LEVEL_ID << 4) | 0, 0x80 | (level & 0x7f), 0x00, 0x00]);
  const payload = Buffer.alloc(60, seq & 0xff);
  return Buffer.concat([header, extension, payload]);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface MediaCluster {
  urls: string[];
  outputs: (() => string)[];
  /** SIGKILLs process i (a crash: no goodbye to the others). */
  kill(index: number): void;
  /** The processes' ids, in order (to find their children, e.g. a webcast's ffmpeg). */
  pids: number[];
  /** The Redis they share. */
  redisUrl: string;
  stop(): Promise<void>;
}

/**
 * A real redis-server and `count` Plenary processes with media on, process i
 * listening for media on 127.0.0.(i+1): like startServerCluster, but the
 * test may crash a process. `envOf(i)` adds to process i's environment only
 * (e.g. the webcast on for one process: the suite has it off).
 */
export async function startMediaCluster(
  count: number,
  logLevel = 'warn',
  extraEnv: Record<string, string> = {},
  envOf: (index: number) => Record<string, string> = () => ({}),
): Promise<MediaCluster> {
  const { freePort, redisServerPath, startProcess, stopProcess } = await import('../support/processes.ts');
  const { organizerToken, tempDir, waitFor } = await import('../support/server.ts');
  const path = await import('node:path');
  const root = path.resolve(import.meta.dirname, '..', '..');
  const children: import('node:child_process').ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of [...children].reverse()) await stopProcess(child);
  };
  try {
    const redisPort = await freePort();
    const redis = startProcess(redisServerPath, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
    children.push(redis.child);
    await waitFor(() => /Ready to accept connections/i.test(redis.output()), { timeout: 10_000 });
    const dataDir = tempDir();
    const urls: string[] = [];
    const outputs: (() => string)[] = [];
    const servers: import('node:child_process').ChildProcess[] = [];
    for (let i = 0; i < count; i++) {
      const base = await freePortBase(10);
      const server = startProcess(process.execPath, [path.join(root, 'server/main.ts')], {
        PORT: '0',
        HOST: '127.0.0.1',
        PLENARY_DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PLENARY_ORGANIZER_TOKEN: organizerToken,
        LOG_LEVEL: logLevel,
        MEDIA_ENABLED: 'true',
        MEDIA_WORKERS: '1',
        MEDIA_LISTEN_IP: `127.0.0.${i + 1}`,
        MEDIA_RTC_MIN_PORT: String(base),
        MEDIA_RTC_MAX_PORT: String(base + 9),
        ...extraEnv,
        ...envOf(i),
      });
      children.push(server.child);
      servers.push(server.child);
      outputs.push(server.output);
      urls.push(await waitFor(() => /running at (http:\/\/\S+)/.exec(server.output())?.[1], { timeout: 60_000 }));
    }
    return { urls, outputs, stop, kill: (index) => servers[index]?.kill('SIGKILL'), pids: servers.map((c) => c.pid ?? -1), redisUrl: `redis://127.0.0.1:${redisPort}` };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * A TCP load balancer on a free loopback port: each connection goes to the
 * first backend in `order()` that accepts it (a crashed process refuses, so
 * its clients land on the next one when they reconnect).
 */
export async function startBalancer(order: () => string[]): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    const targets = order().map((u) => new URL(u));
    const attempt = (i: number): void => {
      const target = targets[i];
      if (!target) {
        client.destroy();
        return;
      }
      const upstream = net.connect(Number(target.port), target.hostname);
      let connected = false;
      upstream.once('error', () => {
        if (!connected) attempt(i + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * What a media test opens and must close together: participants' sockets,
 * their Node media clients and the ffmpeg processes sending their media.
 * `at` says where the server is and which worker plays the clients' side
 * (read at each join: a test may restart its server).
 */
export class MediaPeople {
  readonly sockets: Socket[] = [];
  readonly clients: NodeMediaClient[] = [];
  readonly senders: ChildProcess[] = [];
  private readonly at: () => { url: string; worker: Worker };
  private readonly sessionId: string;

  constructor(sessionId: string, at: () => { url: string; worker: Worker }) {
    this.sessionId = sessionId;
    this.at = at;
  }

  /** A participant's socket in the session (opened first with `open`), with a Node media client, joined to the media unless `joinMedia` is false. */
  async joined(token: string, options: { open?: boolean; joinMedia?: boolean } = {}): Promise<{ socket: Socket; media: NodeMediaClient }> {
    const { url, worker } = this.at();
    const socket = await connect(url, { token });
    this.sockets.push(socket);
    await ok(socket, 'session:join', { sessionId: this.sessionId });
    if (options.open) await ok(socket, 'session:open', { sessionId: this.sessionId });
    const media = await NodeMediaClient.create(socket, this.sessionId, worker);
    this.clients.push(media);
    if (options.joinMedia ?? true) await media.join();
    return { socket, media };
  }

  close(): void {
    for (const child of this.senders) child.kill('SIGKILL');
    while (this.clients.length) this.clients.pop()?.close();
    while (this.sockets.length) this.sockets.pop()?.close();
  }
}
