// Booth handover in headless Chromium with fake microphones, against a real
// mediasoup worker (issue 13): two interpreters of the Chinese booth, a
// delegate listening to Chinese. The first takes the booth from the
// interpreter console (which starts their channel), the partner asks to take
// over, the first hands over; the partner's console starts the new channel,
// the server closes the first one's, and the delegate's page, with no action
// on its side, keeps receiving Chinese across the switch. The longest stall
// in the packets received is measured from getStats and printed.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { startMediaServer } from './support.ts';

const sessionId = 'thematic-3';
const poll = { timeout: 30_000, interval: 100 };

interface Row {
  producerId: string;
  participantId: string;
  kind: 'audio' | 'video';
  source: string;
  packetsReceived: number;
}

describe.skipIf(!hasChromium)('booth handover in headless Chromium (real mediasoup worker)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  const openRoom = (p: TestParticipant): Promise<Page> =>
    visitRoom(browser, { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, contexts, errors });
  const rows = (page: Page): Promise<Row[]> => page.evaluate(async () => (await window.plenaryMedia?.stats()) ?? []);
  const packets = async (page: Page, participantId: string): Promise<number> =>
    (await rows(page)).find((r) => r.participantId === participantId && r.kind === 'audio')?.packetsReceived ?? 0;

  /** A moderator's socket in the session, opened unless an earlier test left it live. */
  const liveSession = async (chairName: string): Promise<Socket> => {
    const chair = await createParticipant(server, { name: chairName, roles: [{ sessionId, role: 'moderator' }] });
    const mod = await connect(server.url, { token: chair.token });
    const joined = await ok<{ session: { status: string } }>(mod, 'session:join', { sessionId });
    if (joined.session.status !== 'live') await ok(mod, 'session:open', { sessionId });
    return mod;
  };

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    while (contexts.length) await contexts.pop()?.close();
    await browser?.close();
    await server?.close();
  });

  it('two interpreters of one booth hand over while a delegate keeps hearing the channel', async () => {
    const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const anna = await createParticipant(server, { name: 'Anna (zh)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'zh' }] });
    const bo = await createParticipant(server, { name: 'Bo (zh)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'zh' }] });
    const delegate = await createParticipant(server, { name: 'Delegate Li', group: 'employers', country: 'CN' });
    const mod = await connect(server.url, { token: chair.token });
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });

    const a = await openRoom(anna);
    const b = await openRoom(bo);
    const d = await openRoom(delegate);

    // Anna takes the idle booth from her console: her channel starts.
    await a.getByTestId('booth-claim').click();
    await expect.poll(() => a.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');
    await expect.poll(() => b.getByTestId('booth-status').innerText(), poll).toBe('On air: Anna (zh)');
    await a.getByTestId('booth-cough').waitFor({ state: 'visible', timeout: 30_000 });
    // Her microphone goes out unprocessed (a headset: no echo to cancel, no gain riding her voice).
    const sent = await a.evaluate(() => window.plenaryMedia?.sending() ?? []);
    expect(sent.map((x) => ({ source: x.source, echo: x.settings.echoCancellation, noise: x.settings.noiseSuppression, gain: x.settings.autoGainControl })))
      .toEqual([{ source: 'interpretation', echo: false, noise: false, gain: false }]);

    // The delegate chooses Chinese and hears Anna.
    const select = d.getByTestId('language-select');
    await expect.poll(() => select.locator('option[value="zh"]').count(), poll).toBe(1);
    await select.selectOption('zh');
    await expect.poll(() => packets(d, anna.id), poll).toBeGreaterThan(20);

    // Sample what the delegate's page receives on the channel, every 50 ms, through the switch.
    await d.evaluate(() => {
      const w = window as unknown as { samples: [number, number][]; sampler: number };
      w.samples = [];
      w.sampler = window.setInterval(() => {
        void window.plenaryMedia?.stats().then((all) => {
          const sum = all.filter((r) => r.source === 'interpretation').reduce((n, r) => n + r.packetsReceived, 0);
          w.samples.push([performance.now(), sum]);
        });
      }, 50);
    });
    await expect.poll(() => d.evaluate(() => (window as unknown as { samples: unknown[] }).samples.length), poll).toBeGreaterThan(10);

    // Bo asks; Anna sees the request and hands over.
    await b.getByTestId('booth-request').click();
    await expect.poll(() => a.getByTestId('booth-requested').innerText(), poll).toBe('Bo (zh) asks to take over.');
    await a.getByTestId('booth-handover').click();
    await expect.poll(() => b.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');
    await expect.poll(() => a.getByTestId('booth-status').innerText(), poll).toBe('On air: Bo (zh)');

    // The delegate did nothing: Bo's channel arrives and Anna's is gone (closed by the server).
    await expect.poll(() => packets(d, bo.id), poll).toBeGreaterThan(50);
    await expect.poll(async () => (await rows(d)).some((r) => r.participantId === anna.id), poll).toBe(false);
    expect(await select.inputValue()).toBe('zh');
    const samples = await d.evaluate(() => {
      const w = window as unknown as { samples: [number, number][]; sampler: number };
      window.clearInterval(w.sampler);
      return w.samples;
    });
    // The longest stretch in which no channel packet arrived (the sum also drops when Anna's consumer closes: count that as no arrival).
    let stall = 0;
    let since = samples[0]![0];
    for (let i = 1; i < samples.length; i++) {
      if (samples[i]![1] > samples[i - 1]![1]) since = samples[i]![0];
      stall = Math.max(stall, samples[i]![0] - since);
    }
    console.log(`booth handover: longest stall in the delegate's channel ${Math.round(stall)} ms over ${samples.length} samples`);
    expect(stall).toBeLessThan(2000);
    // Anna's console no longer sends: her cough key is gone.
    await expect.poll(() => a.getByTestId('booth-cough').count(), poll).toBe(0);
    mod.close();
    expect(errors).toEqual([]);
  }, 180_000);

  it('an interpreter who reloads the page while on air is back on air with no action, and delegates hear the channel again', async () => {
    const dana = await createParticipant(server, { name: 'Dana (fr)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'fr' }] });
    const delegate = await createParticipant(server, { name: 'Delegate Diop', group: 'workers', country: 'SN' });
    const mod = await liveSession('Chair Two');

    const a = await openRoom(dana);
    const d = await openRoom(delegate);
    await a.getByTestId('booth-claim').click();
    await expect.poll(() => a.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');
    const select = d.getByTestId('language-select');
    await expect.poll(() => select.locator('option[value="fr"]').count(), poll).toBe(1);
    await select.selectOption('fr');
    await expect.poll(() => packets(d, dana.id), poll).toBeGreaterThan(20);
    const before = (await rows(d)).find((r) => r.participantId === dana.id)?.producerId;

    // The page reloads (a crash, a slip of the finger): the booth is still hers, so the channel starts again by itself.
    await a.reload();
    await a.locator('#live-room').waitFor({ state: 'visible' });
    await expect.poll(() => a.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');
    await expect.poll(async () => (await a.evaluate(() => window.plenaryMedia?.sending() ?? [])).map((x) => x.source), poll).toEqual(['interpretation']);
    await expect.poll(async () => {
      const r = (await rows(d)).find((x) => x.participantId === dana.id);
      return r && r.producerId !== before ? r.packetsReceived : 0;
    }, poll).toBeGreaterThan(20);
    expect(await select.inputValue()).toBe('fr');
    mod.close();
    expect(errors).toEqual([]);
  }, 180_000);

  it('an interpreter whose page was away too long to be replayed what it missed shows the booth as it is now', async () => {
    const emil = await createParticipant(server, { name: 'Emil (de)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'de' }] });
    const frida = await createParticipant(server, { name: 'Frida (de)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'de' }] });
    const mod = await liveSession('Chair Three');
    const e = await openRoom(emil);
    await expect.poll(() => e.getByTestId('booth-status').innerText(), poll).not.toBe('');
    const idle = await e.getByTestId('booth-status').innerText();

    // Emil's page loses its connection, and cannot come back for a while.
    const socketsOf = (id: string) => [...server.io.sockets.sockets.values()].filter((x) => (x.data as { caller?: { participant?: { id: string } } }).caller?.participant?.id === id);
    await e.context().setOffline(true);
    for (const x of socketsOf(emil.id)) x.conn.close();
    // Meanwhile Frida takes the booth, and what Emil's page missed is no longer kept for it (as after two minutes away).
    const fridaSocket = await connect(server.url, { token: frida.token });
    await ok(fridaSocket, 'session:join', { sessionId });
    await ok(fridaSocket, 'booth:claim', { sessionId, language: 'de' });
    (server.io.of('/').adapter as unknown as { sessions: Map<string, unknown> }).sessions.clear();
    await e.context().setOffline(false);

    // The page joins afresh: its console takes the new snapshot.
    await expect.poll(() => e.getByTestId('booth-status').innerText(), poll).toBe('On air: Frida (de)');
    expect(idle).not.toBe('On air: Frida (de)');
    fridaSocket.close();
    mod.close();
    expect(errors).toEqual([]);
  }, 180_000);
});
