// Access services in headless Chromium against a real mediasoup worker
// (issue 13). Captions: a captioner types lines into the room's captions
// panel (and sends interim lines over the socket, as a captioning tool
// would); a delegate turns captions on, picks the language, reads the lines
// in a polite live region, interim text replaced by the final line, and the
// choice is remembered. The cough key: while the interpreter holds it, the
// delegate listening to that channel receives nothing (its RTP packets and
// decoded audio energy, read from the delegate's own RTCPeerConnection
// getStats, stand still) and hears it again once released. Relay: the
// interpreter's booth set to work from another booth's channel makes her
// page receive that channel. The console links the texts attached to the
// running order's current and next statements.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken } from '../support/server.ts';
import { startMediaServer } from './support.ts';

const poll = { timeout: 30_000, interval: 100 };

/** Keeps every RTCPeerConnection the page makes, so the test reads the page's own inbound audio figures. */
const keepPeerConnections = (): void => {
  const Original = window.RTCPeerConnection;
  const kept: RTCPeerConnection[] = [];
  (window as unknown as { testPeerConnections: RTCPeerConnection[] }).testPeerConnections = kept;
  window.RTCPeerConnection = new Proxy(Original, {
    construct(target, args: ConstructorParameters<typeof RTCPeerConnection>) {
      const pc = new target(...args);
      kept.push(pc);
      return pc;
    },
  });
};

interface Inbound {
  packets: number;
  energy: number;
}

/** Sum of the page's inbound audio: packets received and total audio energy. */
const inboundAudio = (page: Page): Promise<Inbound> =>
  page.evaluate(async () => {
    const total = { packets: 0, energy: 0 };
    for (const pc of (window as unknown as { testPeerConnections: RTCPeerConnection[] }).testPeerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; packetsReceived?: number; totalAudioEnergy?: number }) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
        total.packets += s.packetsReceived ?? 0;
        total.energy += s.totalAudioEnergy ?? 0;
      });
    }
    return total;
  });

/** What arrived over the next `ms`. */
const arrivals = async (page: Page, ms: number): Promise<Inbound> => {
  const before = await inboundAudio(page);
  await page.waitForTimeout(ms);
  const after = await inboundAudio(page);
  return { packets: after.packets - before.packets, energy: after.energy - before.energy };
};

describe.skipIf(!hasChromium)('captions panel and cough key in headless Chromium (real mediasoup worker)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const sockets: Socket[] = [];
  const errors: string[] = [];

  const openRoom = async (p: TestParticipant, sessionId: string, media = false): Promise<Page> => {
    const page = await visitRoom(browser, { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media, contexts, errors });
    return page;
  };
  const openLive = async (sessionId: string): Promise<Socket> => {
    const chair = await createParticipant(server, { name: `Chair of ${sessionId}`, roles: [{ sessionId, role: 'moderator' }] });
    const mod = await connect(server.url, { token: chair.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });
    return mod;
  };

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    while (contexts.length) await contexts.pop()?.close();
    for (const s of sockets) s.close();
    await browser?.close();
    await server?.close();
  });

  it('shows a captioner’s lines to a delegate who turns captions on, in the chosen language, interim text replaced by the final line', async () => {
    const sessionId = 'thematic-1';
    await openLive(sessionId);
    const captionerEn = await createParticipant(server, { name: 'Captioner EN', group: 'international_organization', roles: [{ sessionId, role: 'captioner', language: 'en' }] });
    const captionerFr = await createParticipant(server, { name: 'Captioner FR', group: 'international_organization', roles: [{ sessionId, role: 'captioner', language: 'fr' }] });
    const delegate = await createParticipant(server, { name: 'Delegate Okafor', group: 'workers', country: 'NG' });
    const tool = await connect(server.url, { token: captionerFr.token });
    sockets.push(tool);
    await ok(tool, 'session:join', { sessionId });

    const c = await openRoom(captionerEn, sessionId);
    const d = await openRoom(delegate, sessionId);
    const panel = d.getByTestId('captions-panel');
    const log = d.getByTestId('captions');
    const lines = () => log.locator('p').allInnerTexts();
    // The live region is polite and announces additions, not the whole log.
    expect(await log.getAttribute('role')).toBe('log');
    expect(await log.getAttribute('aria-live')).toBe('polite');

    // The captioner types a line in the panel and sends it with Enter.
    const input = c.getByTestId('captions-input');
    await input.waitFor({ state: 'visible', timeout: 30_000 });
    await input.fill('Good morning, delegates.');
    await input.press('Enter');
    await expect.poll(() => input.inputValue(), poll).toBe('');

    // Captions are off until the delegate turns them on; the language the lines came in is offered.
    await panel.waitFor({ state: 'visible', timeout: 30_000 });
    const toggle = d.getByTestId('captions-toggle');
    expect(await toggle.isChecked()).toBe(false);
    expect(await log.isVisible()).toBe(false);
    // A line being typed before captions are turned on shows once they are.
    const toolEn = await connect(server.url, { token: captionerEn.token });
    sockets.push(toolEn);
    await ok(toolEn, 'session:join', { sessionId });
    await ok(toolEn, 'caption:line', { sessionId, language: 'en', text: 'The sitt', final: false });
    await toggle.check();
    const language = d.getByTestId('captions-language');
    await expect.poll(() => language.inputValue(), poll).toBe('en');
    await expect.poll(lines, poll).toEqual(['Good morning, delegates.']);
    await expect.poll(() => panel.locator('.caption-interim').innerText(), poll).toBe('The sitt');
    // Each line says its language and takes its own direction (English in an Arabic room reads left to right).
    expect(await log.locator('p').first().evaluate((p) => [p.getAttribute('lang'), p.getAttribute('dir')])).toEqual(['en', 'auto']);

    // Interim text shows under the lines (hidden from screen readers) and gives way to the final line.
    await ok(tool, 'caption:line', { sessionId, language: 'fr', text: 'Bonjour', final: false });
    await input.fill('The sitting is open.');
    await input.press('Enter');
    await expect.poll(lines, poll).toEqual(['Good morning, delegates.', 'The sitting is open.']);

    // French: the delegate switches; the French interim line shows, then the final line replaces it.
    await expect.poll(() => language.locator('option[value="fr"]').count(), poll).toBe(1);
    await language.selectOption('fr');
    await expect.poll(lines, poll).toEqual([]);
    await ok(tool, 'caption:line', { sessionId, language: 'fr', text: 'Bonjour à toutes', final: false });
    const interim = panel.locator('.caption-interim');
    await expect.poll(() => interim.innerText(), poll).toBe('Bonjour à toutes');
    expect(await interim.getAttribute('aria-hidden')).toBe('true');
    await ok(tool, 'caption:line', { sessionId, language: 'fr', text: 'Bonjour à toutes et à tous.', final: true });
    await expect.poll(lines, poll).toEqual(['Bonjour à toutes et à tous.']);
    await expect.poll(() => interim.innerText(), poll).toBe('');
    // English lines do not show while French is chosen.
    await input.fill('Item 3 is before us.');
    await input.press('Enter');
    await ok(tool, 'caption:line', { sessionId, language: 'fr', text: 'Le point 3 est devant nous.', final: true });
    await expect.poll(lines, poll).toEqual(['Bonjour à toutes et à tous.', 'Le point 3 est devant nous.']);
    expect(await log.getAttribute('aria-live')).toBe('polite');

    // Remembered: after a reload captions are on, in French, with the last lines said before it (from the join snapshot).
    await d.reload();
    await d.locator('#live-room').waitFor({ state: 'visible' });
    await expect.poll(() => d.getByTestId('captions-toggle').isChecked(), poll).toBe(true);
    await expect.poll(() => d.getByTestId('captions-language').inputValue(), poll).toBe('fr');
    const again = () => d.getByTestId('captions').locator('p').allInnerTexts();
    await expect.poll(again, poll).toEqual(['Bonjour à toutes et à tous.', 'Le point 3 est devant nous.']);
    await ok(tool, 'caption:line', { sessionId, language: 'fr', text: 'La séance est levée.', final: true });
    await expect.poll(again, poll).toEqual(['Bonjour à toutes et à tous.', 'Le point 3 est devant nous.', 'La séance est levée.']);

    // A delegate has no line to type into.
    expect(await d.getByTestId('captions-input').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 120_000);

  it('silences the channel a delegate listens to while the interpreter holds the cough key, and only then', async () => {
    const sessionId = 'thematic-2';
    const chairSocket = await openLive(sessionId);
    const anna = await createParticipant(server, { name: 'Anna (zh)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'zh' }] });
    const delegate = await createParticipant(server, { name: 'Delegate Wang', group: 'employers', country: 'CN' });

    const a = await openRoom(anna, sessionId, true);
    // The delegate's page keeps its peer connections for the test to read (set before the page's scripts run).
    const d = await openRoom(delegate, sessionId, true);
    await d.context().addInitScript(keepPeerConnections);
    await d.reload();
    await d.locator('#live-room').waitFor({ state: 'visible' });

    await a.getByTestId('booth-claim').click();
    await expect.poll(() => a.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');
    const cough = a.getByTestId('booth-cough');
    await cough.waitFor({ state: 'visible', timeout: 30_000 });

    const select = d.getByTestId('language-select');
    await expect.poll(() => select.locator('option[value="zh"]').count(), poll).toBe(1);
    await select.selectOption('zh');
    // Anna's channel arrives, with sound in it (Chromium's fake microphone beeps).
    await expect.poll(async () => (await arrivals(d, 500)).packets, poll).toBeGreaterThan(10);
    let speaking = 0;
    await expect.poll(async () => (speaking = (await arrivals(d, 1500)).energy), poll).toBeGreaterThan(0);

    // Anna holds the cough key (keyboard: Space held down on the focused button).
    await cough.focus();
    await a.keyboard.down('Space');
    await expect.poll(() => cough.getAttribute('aria-pressed'), poll).toBe('true');
    // The server paused her producer: nothing reaches the delegate, no packets and no sound.
    await expect.poll(async () => (await arrivals(d, 600)).packets, poll).toBe(0);
    // (What the receiver plays out fades to silence: its concealment leaves a trace of energy, far below speech.)
    const held = await arrivals(d, 1500);
    console.log(`cough key: audio energy received over 1.5 s, on air ${speaking.toExponential(2)}, held ${held.energy.toExponential(2)}`);
    expect(held.packets).toBe(0);
    expect(held.energy).toBeLessThan(speaking / 100);

    // Released: the channel and its sound come back.
    await a.keyboard.up('Space');
    await expect.poll(() => cough.getAttribute('aria-pressed'), poll).toBe('false');
    await expect.poll(async () => (await arrivals(d, 500)).packets, poll).toBeGreaterThan(10);
    await expect.poll(async () => (await arrivals(d, 1500)).energy, poll).toBeGreaterThan(0);

    // The pointer too: held down on the key, then released.
    await cough.hover();
    await a.mouse.down();
    await expect.poll(async () => (await arrivals(d, 600)).packets, poll).toBe(0);
    await a.mouse.up();
    await expect.poll(async () => (await arrivals(d, 500)).packets, poll).toBeGreaterThan(10);

    // Relay: the English interpreter goes on air; Anna's booth works from the English channel, so her page receives it, and not after going back to the floor.
    const cheng = await createParticipant(server, { name: 'Cheng (en)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'en' }] });
    const c = await openRoom(cheng, sessionId, true);
    await c.getByTestId('booth-claim').click();
    await expect.poll(() => c.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');
    const hears = async (page: Page, participantId: string): Promise<number> =>
      ((await page.evaluate(async () => (await window.plenaryMedia?.stats()) ?? [])) as { participantId: string; kind: string; packetsReceived: number }[])
        .filter((r) => r.participantId === participantId && r.kind === 'audio')
        .reduce((n, r) => n + r.packetsReceived, 0);
    expect(await hears(a, cheng.id)).toBe(0);
    await a.getByTestId('booth-source').selectOption('en');
    await expect.poll(() => hears(a, cheng.id), poll).toBeGreaterThan(20);
    await a.getByTestId('booth-source').selectOption('floor');
    await expect.poll(async () => (await a.evaluate(async () => (await window.plenaryMedia?.stats()) ?? [])).some((r) => r.participantId === cheng.id), poll).toBe(false);

    // The running order's statements with a text for the interpreters: the console links the current one and the next.
    const orderUrl = `${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`;
    const asOrganiser = { authorization: `Bearer ${organizerToken}` };
    const items = [
      { id: 'hos-1', kind: 'statement', title: 'Statement by a Head of State', speaker: 'President of Ruritania', prerecorded: true, plannedMs: 180_000 },
      { id: 'hos-2', kind: 'statement', title: 'Statement by a Head of Government', prerecorded: true, plannedMs: 180_000 },
    ];
    expect((await getJson(orderUrl, { method: 'PUT', headers: { ...asOrganiser, 'content-type': 'application/json' }, body: JSON.stringify({ items }) })).status).toBe(200);
    const texts = { 'hos-1': 'Mr President, 主席先生, the recovery must be human-centred.\n', 'hos-2': 'Madam Chair, we stand ready.\n' };
    for (const [itemId, text] of Object.entries(texts)) {
      expect((await fetch(`${orderUrl}/${itemId}/text`, { method: 'PUT', headers: { ...asOrganiser, 'content-type': 'text/plain; charset=utf-8' }, body: text })).status).toBe(201);
    }
    await ok(chairSocket, 'run:advance', { sessionId, itemId: 'hos-1' });
    const runLines = a.getByTestId('booth-run-statement');
    await expect.poll(() => runLines.allInnerTexts(), poll).toEqual([
      'Now: Statement by a Head of State (President of Ruritania) Statement text',
      'Next item: Statement by a Head of Government Statement text',
    ]);
    // The link opens the text as the interpreter (her own session).
    const href = await runLines.first().getByTestId('run-text').getAttribute('href');
    expect(await a.evaluate(async (u) => (await fetch(u)).text(), href!)).toBe(texts['hos-1']);
    await ok(chairSocket, 'run:advance', { sessionId, itemId: 'hos-2' });
    await expect.poll(() => runLines.allInnerTexts(), poll).toEqual(['Now: Statement by a Head of Government Statement text']);
    expect(errors).toEqual([]);
  }, 180_000);
});
