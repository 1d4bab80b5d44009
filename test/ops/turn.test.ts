// TURN: with TURN_URLS and TURN_SECRET, WebRTC transport options carry
// time-limited credentials in coturn's shared-secret scheme. Checked against
// the real coturn (Debian's package): the credentials Plenary hands out open
// a relay allocation on it and relayed data flows (turnutils_uclient, coturn's
// own client, over UDP and TCP), and coturn refuses altered or expired ones.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import net from 'node:net';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';
import { turnCredentials } from '../../server/ops/turn.ts';
import type { Plenary } from '../../server/plenary.ts';
import type { MediaCapabilitiesAck, WebRtcTransportAck } from '../../server/protocol/media-events.ts';
import { startMediaServer } from '../media/support.ts';
import { connect, createParticipant, ok } from '../support/realtime.ts';

const secret = 'turn-shared-secret-0123456789abcdef';
const sessionId = 'thematic-1';
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasCoturn = has('turnserver') && has('turnutils_uclient');
if (!hasCoturn) console.warn('SKIPPED: the TURN relay check needs Debian\'s coturn (turnserver, turnutils_uclient).');

describe('TURN credentials (coturn REST scheme)', () => {
  it('are <expiry>:<opaque label> with the base64 HMAC-SHA1 of it under the shared secret', () => {
    const now = new Date('2026-03-01T10:00:00Z');
    const ice = turnCredentials({ urls: ['turn:turn.example.org:3478?transport=udp'], secret, ttlSeconds: 3600 }, 'participant-42', now);
    const [expiry, label, extra] = ice.username.split(':');
    expect(Number(expiry)).toBe(now.getTime() / 1000 + 3600);
    expect(label).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(label).not.toContain('participant');
    expect(extra).toBeUndefined();
    expect(ice.credential).toBe(crypto.createHmac('sha1', secret).update(ice.username).digest('base64'));
    expect(ice.urls).toEqual(['turn:turn.example.org:3478?transport=udp']);
  });

  it('need both TURN_URLS and TURN_SECRET, and turn:/turns: URLs', () => {
    expect(() => loadConfig({ TURN_URLS: 'turn:a.example:3478' })).toThrow(ConfigError);
    expect(() => loadConfig({ TURN_SECRET: secret })).toThrow(/TURN_URLS and TURN_SECRET go together/);
    expect(() => loadConfig({ TURN_URLS: 'https://a.example', TURN_SECRET: secret })).toThrow(/turn: or turns:/);
    expect(loadConfig({ TURN_URLS: 'turn:a.example:3478?transport=udp, turns:a.example:443?transport=tcp', TURN_SECRET: secret }).turn).toEqual({
      urls: ['turn:a.example:3478?transport=udp', 'turns:a.example:443?transport=tcp'],
      secret,
      ttlSeconds: 12 * 3600,
    });
    expect(loadConfig({}).turn).toBeUndefined();
  });
});

describe.skipIf(!hasCoturn)('TURN with coturn', () => {
  let coturn: ChildProcess;
  let turnPort: number;
  let server: Plenary;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    turnPort = await freePort();
    const relayBase = 49400 + Math.floor(Math.random() * 25) * 20;
    coturn = spawn(
      'turnserver',
      [
        '-n',
        '--listening-ip=127.0.0.1',
        '--relay-ip=127.0.0.1',
        `--listening-port=${turnPort}`,
        `--min-port=${relayBase}`,
        `--max-port=${relayBase + 19}`,
        '--use-auth-secret',
        `--static-auth-secret=${secret}`,
        '--realm=plenary.test',
        '--no-tls',
        '--no-dtls',
        '--no-cli',
        '--allow-loopback-peers',
        '--fingerprint',
        '--log-file=stdout',
        '--simple-log',
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(turnPort);
    server = await startMediaServer({ TURN_URLS: `turn:127.0.0.1:${turnPort}?transport=udp,turn:127.0.0.1:${turnPort}?transport=tcp`, TURN_SECRET: secret, TURN_TTL_SECONDS: '600' });
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.close();
    coturn?.kill('SIGTERM');
  });

  /** coturn's own client: allocates with these credentials and relays messages between two of its clients. */
  function relay(username: string, password: string, tcp: boolean): Promise<{ ok: boolean; output: string }> {
    const args = ['-y', '-n', '2', '-m', '1', '-l', '120', '-c', ...(tcp ? ['-t'] : []), '-u', username, '-w', password, '-p', String(turnPort), '127.0.0.1'];
    return new Promise((resolve) => {
      const child = spawn('turnutils_uclient', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', () => {
        clearTimeout(timer);
        const received = /tot_recv_msgs=(\d+)/.exec(output.split('\n').reverse().find((l) => l.includes('tot_recv_msgs=')) ?? '');
        resolve({ ok: !output.includes('Cannot complete Allocation') && Number(received?.[1] ?? 0) > 0 && /Total lost packets 0 /.test(output), output });
      });
    });
  }

  it('hands credentials with WebRTC transport options that open a relay on coturn over UDP and TCP; altered or expired ones are refused', async () => {
    const moderator = await createParticipant(server, { name: 'Moderator', roles: [{ sessionId, role: 'moderator' }] });
    const delegate = await createParticipant(server, { name: 'Delegate behind a firewall' });
    const mod = await connect(server.url, { token: moderator.token });
    const del = await connect(server.url, { token: delegate.token });
    sockets.push(mod, del);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    await ok(del, 'session:join', { sessionId });
    const caps = await ok<MediaCapabilitiesAck>(del, 'media:capabilities', { sessionId });
    const ack = await ok<WebRtcTransportAck>(del, 'media:create-transport', { sessionId, direction: 'recv', type: 'webrtc', rtpCapabilities: caps.rtpCapabilities });

    expect(ack.iceServers).toHaveLength(1);
    const ice = ack.iceServers![0]!;
    expect(ice.urls).toEqual([`turn:127.0.0.1:${turnPort}?transport=udp`, `turn:127.0.0.1:${turnPort}?transport=tcp`]);
    const expiry = Number(ice.username.split(':')[0]);
    expect(expiry * 1000 - Date.now()).toBeGreaterThan(590_000);
    expect(expiry * 1000 - Date.now()).toBeLessThanOrEqual(600_000);

    const expired = turnCredentials({ urls: ice.urls, secret, ttlSeconds: 60 }, 'someone', new Date(Date.now() - 3600_000));
    const [udp, tcp, altered, late] = await Promise.all([
      relay(ice.username, ice.credential, false),
      relay(ice.username, ice.credential, true),
      relay(ice.username, `${ice.credential.slice(0, -2)}AA`, false),
      relay(expired.username, expired.credential, false),
    ]);
    expect(udp.ok, udp.output.slice(-1500)).toBe(true);
    expect(tcp.ok, tcp.output.slice(-1500)).toBe(true);
    expect(altered.ok).toBe(false);
    expect(late.ok).toBe(false);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`coturn did not listen on ${port}`);
}
