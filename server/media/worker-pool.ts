import { EventEmitter } from 'node:events';
import type { Router, TransportListenInfo, WebRtcServer, Worker } from 'mediasoup/types';
import type { Logger } from '../logger.ts';

type Mediasoup = typeof import('mediasoup');

export interface WorkerPoolOptions {
  count: number;
  workerBin: string | undefined;
  listenIp: string;
  announcedAddress: string | undefined;
  /** Worker i's WebRtcServer listens on basePort + i (UDP and TCP). */
  basePort: number;
  /** Plain and pipe transports take ports from here. */
  portRange: { min: number; max: number };
  /** Pipe transports to other processes and hosts (MEDIA_PIPE_LISTEN_IP / MEDIA_PIPE_ANNOUNCED_ADDRESS). */
  pipeListenIp?: string;
  pipeAnnouncedAddress?: string | undefined;
  logger: Logger;
  /** Delay before a dead worker is replaced. */
  respawnDelayMs?: number;
}

/** One mediasoup worker and the WebRtcServer every WebRTC transport on it shares. */
export interface WorkerSlot {
  index: number;
  worker: Worker;
  webRtcServer: WebRtcServer;
  /** Routers open on this worker: the load measure for placing new ones. */
  routers: number;
}

export interface WorkerPoolEvents {
  /** A worker process died; its routers, transports and producers are gone. */
  'worker-died': [{ index: number; pid: number }];
  'worker-replaced': [{ index: number; pid: number }];
}

/**
 * A fixed number of mediasoup workers (MEDIA_WORKERS), each with a
 * WebRtcServer on a fixed port, so a firewall needs only
 * MEDIA_RTC_MIN_PORT…+workers-1 open for WebRTC. A worker that dies is
 * replaced on the same index and port; the media service moves its sessions.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  private readonly mediasoup: Mediasoup;
  private readonly options: WorkerPoolOptions;
  private readonly slots: (WorkerSlot | null)[];
  private closed = false;

  private constructor(mediasoup: Mediasoup, options: WorkerPoolOptions) {
    super();
    this.mediasoup = mediasoup;
    this.options = options;
    this.slots = Array.from({ length: options.count }, () => null);
  }

  static async start(options: WorkerPoolOptions): Promise<WorkerPool> {
    const mediasoup = await import('mediasoup');
    const pool = new WorkerPool(mediasoup, options);
    try {
      for (let i = 0; i < options.count; i += 1) pool.slots[i] = await pool.spawn(i);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.slots.length;
  }

  /** Live workers, for placing routers and for statistics. */
  get workers(): readonly WorkerSlot[] {
    return this.slots.filter((s): s is WorkerSlot => s !== null);
  }

  slot(index: number): WorkerSlot | undefined {
    return this.slots[index] ?? undefined;
  }

  /**
   * The least loaded live worker, preferring those not in `avoid` (workers
   * already holding a router of the same session).
   */
  pick(avoid: ReadonlySet<number> = new Set()): WorkerSlot | undefined {
    const live = this.workers;
    const fresh = live.filter((s) => !avoid.has(s.index));
    const candidates = fresh.length > 0 ? fresh : live;
    return candidates.reduce<WorkerSlot | undefined>((best, s) => (!best || s.routers < best.routers ? s : best), undefined);
  }

  async createRouter(slot: WorkerSlot, mediaCodecs: Parameters<Worker['createRouter']>[0]): Promise<Router> {
    const router = await slot.worker.createRouter(mediaCodecs);
    slot.routers += 1;
    router.observer.once('close', () => {
      slot.routers -= 1;
    });
    return router;
  }

  /** Where plain and pipe transports listen. */
  plainListenInfo(): TransportListenInfo {
    return {
      protocol: 'udp',
      ip: this.options.listenIp,
      ...(this.options.announcedAddress ? { announcedAddress: this.options.announcedAddress } : {}),
      portRange: this.options.portRange,
    };
  }

  /** Pipe transports between this host's workers: loopback, never the announced address. */
  pipeListenInfo(): TransportListenInfo {
    return { protocol: 'udp', ip: '127.0.0.1', portRange: this.options.portRange };
  }

  /** Pipe transports to routers of other processes (and hosts): the host's pipe address. */
  remotePipeListenInfo(): TransportListenInfo {
    const announced = this.options.pipeAnnouncedAddress;
    return {
      protocol: 'udp',
      ip: this.options.pipeListenIp ?? this.options.listenIp,
      ...(announced ? { announcedAddress: announced } : {}),
      portRange: this.options.portRange,
    };
  }

  /** Closes every worker and resolves once their processes have exited. */
  async close(): Promise<void> {
    this.closed = true;
    const live = this.workers;
    for (const slot of live) slot.worker.close();
    await Promise.all(
      live.map((s) => (s.worker.subprocessClosed ? Promise.resolve() : new Promise<void>((resolve) => s.worker.once('subprocessclose', () => resolve())))),
    );
  }

  private async spawn(index: number): Promise<WorkerSlot> {
    const { logger } = this.options;
    const worker = await this.mediasoup.createWorker({
      logLevel: 'warn',
      ...(this.options.workerBin ? { workerBin: this.options.workerBin } : {}),
      appData: { index },
    });
    const port = this.options.basePort + index;
    const announced = this.options.announcedAddress ? { announcedAddress: this.options.announcedAddress } : {};
    let webRtcServer: WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ip: this.options.listenIp, port, ...announced },
          { protocol: 'tcp', ip: this.options.listenIp, port, ...announced },
        ],
      });
    } catch (error) {
      worker.close();
      throw new Error(`mediasoup worker ${index} cannot listen on ${this.options.listenIp}:${port} (udp+tcp): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const slot: WorkerSlot = { index, worker, webRtcServer, routers: 0 };
    worker.on('died', (error) => {
      logger.error({ err: error, index, pid: worker.pid }, 'mediasoup worker died');
      if (this.slots[index] === slot) this.slots[index] = null;
      this.emit('worker-died', { index, pid: worker.pid });
      this.respawn(index);
    });
    logger.info({ index, pid: worker.pid, port }, 'mediasoup worker started');
    return slot;
  }

  private respawn(index: number, attempt = 0): void {
    if (this.closed) return;
    const delay = Math.min(30_000, (this.options.respawnDelayMs ?? 200) * 2 ** attempt);
    setTimeout(() => {
      if (this.closed) return;
      this.spawn(index).then(
        (slot) => {
          if (this.closed) {
            slot.worker.close();
            return;
          }
          this.slots[index] = slot;
          this.emit('worker-replaced', { index, pid: slot.worker.pid });
        },
        (error: unknown) => {
          this.options.logger.error({ err: error, index, attempt }, 'could not replace a mediasoup worker; trying again');
          this.respawn(index, attempt + 1);
        },
      );
    }, delay).unref();
  }
}
