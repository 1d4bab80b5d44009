import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

const optionalUrl = z
  .string()
  .trim()
  .min(1)
  .refine((v) => {
    try {
      new URL(v);
      return true;
    } catch {
      return false;
    }
  }, 'must be a URL')
  .optional();

const envSchema = z
  .object({
    PORT: port.default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    PUBLIC_URL: optionalUrl,
    PLENARY_DATA_DIR: z.string().min(1).default('./data'),
    MONGODB_URI: optionalUrl,
    REDIS_URL: optionalUrl,
    PLENARY_ORGANIZER_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    SMTP_URL: optionalUrl,
    MAIL_FROM: z.string().min(3).default('Plenary <no-reply@plenary.local>'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PLENARY_SEED: z.enum(['auto', 'never']).default('auto'),
    ALLOWED_ORIGINS: z.string().optional(),
    TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
    MEDIA_LISTEN_IP: z.string().min(1).default('127.0.0.1'),
    MEDIA_ANNOUNCED_ADDRESS: z.string().min(1).optional(),
    MEDIA_RTC_MIN_PORT: port.default(40000),
    MEDIA_RTC_MAX_PORT: port.default(40999),
    MEDIA_WORKERS: z.coerce.number().int().min(1).max(64).default(os.availableParallelism()),
    MEDIA_MAX_CONSUMERS_PER_ROUTER: z.coerce.number().int().min(1).default(500),
    MEDIA_ENABLED: z.enum(['true', 'false']).default('true'),
    MEDIA_PIPE_LISTEN_IP: z.string().min(1).optional(),
    MEDIA_PIPE_ANNOUNCED_ADDRESS: z.string().min(1).optional(),
    MEDIA_LAST_N: z.coerce.number().int().min(1).max(64).default(4),
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    TURN_URLS: z
      .string()
      .optional()
      .refine((v) => v === undefined || v.split(',').every((u) => /^turns?:[^\s,]+$/.test(u.trim())), 'must be comma-separated turn: or turns: URLs'),
    TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    TURN_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(12 * 3600),
    ATTENDANCE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  })
  .refine((env) => (env.TURN_URLS === undefined) === (env.TURN_SECRET === undefined), {
    path: ['TURN_SECRET'],
    message: 'TURN_URLS and TURN_SECRET go together',
  })
  .refine((env) => env.MEDIA_RTC_MIN_PORT <= env.MEDIA_RTC_MAX_PORT, {
    path: ['MEDIA_RTC_MAX_PORT'],
    message: 'must not be below MEDIA_RTC_MIN_PORT',
  });

export interface Config {
  port: number;
  host: string;
  publicUrl: string | undefined;
  dataDir: string;
  mongodbUri: string | undefined;
  redisUrl: string | undefined;
  organizerToken: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  logLevel: string;
  seed: 'auto' | 'never';
  allowedOrigins: string[] | undefined;
  /** Reverse proxies in front of Plenary whose X-Forwarded-For to believe (rate limits, secure cookies). */
  trustProxy: number;
  /** Bearer token a Prometheus scraper sends for GET /metrics (organisers may scrape with their own). */
  metricsToken: string | undefined;
  /** TURN for browsers behind firewalls: coturn's shared-secret REST credentials, handed out with transport options. */
  turn: { urls: string[]; secret: string; ttlSeconds: number } | undefined;
  /** How often each process records that it is alive; attendance of a process silent for 3 beats ends at its last one. */
  attendanceHeartbeatMs: number;
  media: {
    enabled: boolean;
    listenIp: string;
    announcedAddress: string | undefined;
    rtcMinPort: number;
    rtcMaxPort: number;
    workers: number;
    maxConsumersPerRouter: number;
    /** Where pipe transports between processes (and hosts) listen, and the address other processes reach them at. */
    pipeListenIp: string;
    pipeAnnouncedAddress: string | undefined;
    /** At most this many video tiles per viewer (active speaker, floor holder, pinned). */
    lastN: number;
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; a bad variable fails fast with its name in the message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL?.replace(/\/$/, ''),
    dataDir: path.resolve(e.PLENARY_DATA_DIR),
    mongodbUri: e.MONGODB_URI,
    redisUrl: e.REDIS_URL,
    organizerToken: e.PLENARY_ORGANIZER_TOKEN,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    seed: e.PLENARY_SEED,
    allowedOrigins: e.ALLOWED_ORIGINS?.split(',').map((o) => o.trim()).filter(Boolean),
    trustProxy: e.TRUST_PROXY,
    metricsToken: e.METRICS_TOKEN,
    turn:
      e.TURN_URLS && e.TURN_SECRET
        ? { urls: e.TURN_URLS.split(',').map((u) => u.trim()).filter(Boolean), secret: e.TURN_SECRET, ttlSeconds: e.TURN_TTL_SECONDS }
        : undefined,
    attendanceHeartbeatMs: e.ATTENDANCE_HEARTBEAT_MS,
    media: {
      enabled: e.MEDIA_ENABLED === 'true',
      listenIp: e.MEDIA_LISTEN_IP,
      announcedAddress: e.MEDIA_ANNOUNCED_ADDRESS,
      rtcMinPort: e.MEDIA_RTC_MIN_PORT,
      rtcMaxPort: e.MEDIA_RTC_MAX_PORT,
      workers: e.MEDIA_WORKERS,
      maxConsumersPerRouter: e.MEDIA_MAX_CONSUMERS_PER_ROUTER,
      pipeListenIp: e.MEDIA_PIPE_LISTEN_IP ?? e.MEDIA_LISTEN_IP,
      pipeAnnouncedAddress: e.MEDIA_PIPE_ANNOUNCED_ADDRESS ?? (e.MEDIA_PIPE_LISTEN_IP ? undefined : e.MEDIA_ANNOUNCED_ADDRESS),
      lastN: e.MEDIA_LAST_N,
    },
  };
}
