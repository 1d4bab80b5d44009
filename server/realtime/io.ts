import type http from 'node:http';
import { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, PlenaryServer, ServerToClientEvents, SocketData } from '../protocol/socket-types.ts';
import type { Logger } from '../logger.ts';

export interface RealtimeServer {
  io: PlenaryServer;
  /** True when rooms span processes (REDIS_URL): server-side events then reach the others. */
  shared: boolean;
  close(): Promise<void>;
}

/**
 * One Socket.IO namespace for the whole forum. Connection state recovery
 * replays what a briefly disconnected client missed; clients still resync
 * from a versioned snapshot on every reconnect (see realtime/session-handlers.ts).
 * With REDIS_URL, rooms span processes through the Redis Streams adapter.
 */
export async function createRealtimeServer(
  httpServer: http.Server,
  options: { redisUrl: string | undefined; allowedOrigins: string[] | undefined; logger: Logger },
): Promise<RealtimeServer> {
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(httpServer, {
    serveClient: false,
    maxHttpBufferSize: 64 * 1024,
    connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
    cors: options.allowedOrigins ? { origin: options.allowedOrigins, credentials: true } : undefined,
    // Messages are small (queue:state ~1 KB): compressing each costs more CPU and memory per socket than it saves.
    perMessageDeflate: false,
  });
  // Socket.IO's memory-usage advice: drop each connection's first HTTP
  // request once the socket is connected. Everything read from it later
  // (Origin, cookie, address in realtime/auth.ts and rate-limit.ts) was
  // copied into socket.handshake when the socket connected.
  io.on('connection', (socket) => {
    (socket.conn as unknown as { request: unknown }).request = null;
  });
  let closeRedis: (() => Promise<void>) | undefined;
  if (options.redisUrl) {
    const { createClient } = await import('redis');
    const { createAdapter } = await import('@socket.io/redis-streams-adapter');
    const client = createClient({ url: options.redisUrl });
    client.on('error', (error: unknown) => options.logger.error({ err: error }, 'redis client error'));
    await client.connect();
    // A short blocking read lets a closing server's stream reader notice within a second or two.
    io.adapter(createAdapter(client, { blockTimeInMs: 2_000 }));
    await subscribed(client, `socket.io#/#${(io.of('/').adapter as unknown as { uid: string }).uid}#`);
    options.logger.info('socket.io rooms shared through the Redis Streams adapter');
    closeRedis = async () => {
      await client.quit().catch((error: unknown) => options.logger.warn({ err: error }, 'redis quit failed'));
    };
  }
  return {
    io,
    shared: closeRedis !== undefined,
    // Close transports without a disconnect packet: clients then reconnect
    // (to this server restarted, or to another process) and resync.
    close: async () => {
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await closeRedis?.();
    },
  };
}

/**
 * Started means rooms are shared: wait until the adapter's own channel has
 * its subscriber. A process that took sockets before that would miss what
 * the others send it, and one closed before it (a failed start) would leave
 * the adapter's subscription to fail unhandled.
 */
async function subscribed(client: { PUBSUB_NUMSUB(channels: string): Promise<Record<string, number>> }, channel: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (((await client.PUBSUB_NUMSUB(channel))[channel] ?? 0) >= 1) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the Socket.IO Redis adapter did not subscribe to ${channel} within 10 s`);
}
