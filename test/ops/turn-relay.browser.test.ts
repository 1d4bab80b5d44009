// TURN end to end (issue 16): Debian's coturn with the shared secret, a
// Plenary with TURN_URLS/TURN_SECRET and a real mediasoup worker, a panelist
// live in one headless Chromium, and a viewer in another whose transports
// may use relayed candidates only (`?ice=relay`: iceTransportPolicy
// 'relay', as a browser behind a firewall that lets only the TURN server
// through). The viewer decodes the panel's video and hears its audio, and
// the selected ICE pair's local candidate is a relay one, i.e. every packet
// went through coturn with the time-limited credentials Plenary handed out.
// A viewer without the parameter connects directly (host), for contrast.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { startMediaServer } from '../media/support.ts';

const secret = 'turn-shared-secret-relay-0123456789';
const sessionId = 'thematic-4';
const poll = { timeout: 30_000, interval: 250 };
const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasCoturn = has('turnserver');
if (!hasCoturn) console.warn('SKIPPED: the TURN browser test needs Debian\'s coturn (turnserver).');

interface Row {
  participantId: string;
  kind: 'audio' | 'video';
  packetsReceived: number;
  framesDecoded: number;
  candidateType?: string;
}

describe.skipIf(!hasChromium || !hasCoturn)('a relay-only Chromium receives the panel through coturn', () => {
  let coturn: ChildProcess;
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  let coturnLog = '';

  const openRoom = (p: TestParticipant, query = ''): Promise<Page> =>
    visitRoom(browser, { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, query, contexts, errors });
  const rows = (page: Page): Promise<Row[]> => page.evaluate(async () => (await window.plenaryMedia?.stats()) ?? []);

  beforeAll(async () => {
    const turnPort = await freePort();
    const relayBase = 49700 + Math.floor(Math.random() * 25) * 20;
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
        // The media server is on loopback here, as coturn's peer.
        '--allow-loopback-peers',
        '--fingerprint',
        '--log-file=stdout',
        '--simple-log',
        '--verbose',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    coturn.stdout?.on('data', (d: Buffer) => (coturnLog += d.toString()));
    coturn.stderr?.on('data', (d: Buffer) => (coturnLog += d.toString()));
    await waitForPort(turnPort);
    server = await startMediaServer({ MEDIA_WORKERS: '1', TURN_URLS: `turn:127.0.0.1:${turnPort}?transport=udp,turn:127.0.0.1:${turnPort}?transport=tcp`, TURN_SECRET: secret });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    while (contexts.length) await contexts.pop()?.close();
    await browser?.close();
    await server?.close();
    coturn?.kill('SIGTERM');
  });

  it('decodes the panelist’s video and audio over relayed candidates only', async () => {
    const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Panelist Ana', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    const remote = await createParticipant(server, { name: 'Delegate behind a firewall', group: 'government', country: 'CH' });
    const local = await createParticipant(server, { name: 'Delegate on site', group: 'employers', country: 'CH' });
    const mod = await connect(server.url, { token: chair.token });
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });

    const pan = await openRoom(panelist);
    await pan.getByTestId('publish').click();
    await expect.poll(() => pan.getByTestId('publish').getAttribute('aria-pressed'), poll).toBe('true');

    const relayed = await openRoom(remote, '?ice=relay');
    const direct = await openRoom(local);
    for (const page of [relayed, direct]) {
      const tile = page.locator(`[data-testid="stage-tile"][data-participant-id="${panelist.id}"]`);
      await tile.waitFor({ state: 'visible', timeout: 30_000 });
      await tile.scrollIntoViewIfNeeded();
    }
    const video = async (page: Page): Promise<Row | undefined> => (await rows(page)).find((r) => r.participantId === panelist.id && r.kind === 'video');
    const audio = async (page: Page): Promise<Row | undefined> => (await rows(page)).find((r) => r.participantId === panelist.id && r.kind === 'audio');
    await expect.poll(async () => (await video(relayed))?.framesDecoded ?? 0, poll).toBeGreaterThan(30);
    await expect.poll(async () => (await audio(relayed))?.packetsReceived ?? 0, poll).toBeGreaterThan(50);
    expect((await video(relayed))?.candidateType, coturnLog.slice(-2000)).toBe('relay');
    expect((await audio(relayed))?.candidateType).toBe('relay');
    // coturn saw the allocation made with Plenary's credentials (<expiry>:<label>).
    expect(coturnLog).toMatch(/user <\d+:[A-Za-z0-9_-]{16}>/);

    await expect.poll(async () => (await video(direct))?.framesDecoded ?? 0, poll).toBeGreaterThan(10);
    expect((await video(direct))?.candidateType).not.toBe('relay');
    mod.close();
    expect(errors).toEqual([]);
  }, 120_000);
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
