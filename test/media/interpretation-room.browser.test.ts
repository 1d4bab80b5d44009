// The room's interpretation and access features in headless Chromium with
// fake devices, against a real mediasoup worker (issue 13):
// - a sign-language interpreter goes live from the room (camera only) and a
//   viewer's page decodes their video;
// - a delegate requests the floor saying the language they will speak and
//   attaches a statement; the interpreter's console shows the next speaker
//   with that language and a link to the statement, which downloads;
// - the interpreter's console meters their own channel and carries a note
//   line to the booth;
// - a listener keeps the original underneath at reduced volume, and the
//   listening choice comes back after a reload.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { startMediaServer } from './support.ts';

const sessionId = 'thematic-2';
const poll = { timeout: 30_000, interval: 200 };

interface Row {
  participantId: string;
  kind: 'audio' | 'video';
  source: string;
  packetsReceived: number;
  framesDecoded: number;
}

describe.skipIf(!hasChromium)('interpretation and sign language in the room (headless Chromium, real mediasoup worker)', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  const openRoom = (p: TestParticipant): Promise<Page> =>
    visitRoom(browser, { url: server.url, participant: p, eventId, sessionId, timezoneId: 'Europe/Zurich', media: true, contexts, errors });
  const rows = (page: Page): Promise<Row[]> => page.evaluate(async () => (await window.plenaryMedia?.stats()) ?? []);
  const row = async (page: Page, participantId: string, kind: 'audio' | 'video'): Promise<Row | undefined> =>
    (await rows(page)).find((r) => r.participantId === participantId && r.kind === kind);

  beforeAll(async () => {
    server = await startMediaServer({ MEDIA_WORKERS: '1' });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    while (contexts.length) await contexts.pop()?.close();
    await browser?.close();
    await server?.close();
  });

  it('sign interpreter on stage, speaker language and statement in the console, level and notes, original underneath remembered', async () => {
    const chair = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const panelist = await createParticipant(server, { name: 'Panelist Ana', group: 'workers', roles: [{ sessionId, role: 'panelist' }] });
    const signer = await createParticipant(server, { name: 'Signer Sam', group: 'international_organization', roles: [{ sessionId, role: 'sign_interpreter' }] });
    const interpreter = await createParticipant(server, { name: 'Anna (zh)', group: 'international_organization', roles: [{ sessionId, role: 'interpreter', language: 'zh' }] });
    const speaker = await createParticipant(server, { name: 'Delegate Ruiz', group: 'government', country: 'ES' });
    const viewer = await createParticipant(server, { name: 'Viewer Li', group: 'employers', country: 'CN' });
    const mod = await connect(server.url, { token: chair.token });
    await ok(mod, 'session:join', { sessionId });
    await ok(mod, 'session:open', { sessionId });

    const pan = await openRoom(panelist);
    const sign = await openRoom(signer);
    const int = await openRoom(interpreter);
    const del = await openRoom(speaker);
    const view = await openRoom(viewer);

    // The panelist and the sign interpreter go live from the room; the sign interpreter sends a camera only.
    await pan.getByTestId('publish').click();
    await expect.poll(() => pan.getByTestId('publish').getAttribute('aria-pressed'), poll).toBe('true');
    await sign.getByTestId('publish').waitFor({ state: 'visible', timeout: 30_000 });
    expect(await sign.getByTestId('mic-select').isVisible()).toBe(false);
    await sign.getByTestId('publish').click();
    await expect.poll(() => sign.getByTestId('publish').getAttribute('aria-pressed'), poll).toBe('true');
    const signTile = view.locator(`[data-testid="stage-tile"][data-participant-id="${signer.id}"]`);
    await signTile.waitFor({ state: 'visible', timeout: 30_000 });
    await signTile.scrollIntoViewIfNeeded();
    await expect.poll(async () => (await row(view, signer.id, 'video'))?.framesDecoded ?? 0, poll).toBeGreaterThan(10);
    expect(await row(view, signer.id, 'audio')).toBeUndefined();

    // The interpreter takes the booth: the console meters their own channel (Chromium's fake microphone beeps).
    await int.getByTestId('booth-claim').click();
    await expect.poll(() => int.getByTestId('booth-status').innerText(), poll).toBe('You are on air.');
    await int.getByTestId('booth-level').waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(async () => Number((await int.getByTestId('booth-level').getAttribute('data-level')) ?? 0), poll).toBeGreaterThan(0.01);
    // A note to the booth: it comes back in the console's log (the only partner present here is the sender).
    await int.getByTestId('booth-note-input').fill('Speaker reads fast, take the statement.');
    await int.getByTestId('booth-note-send').click();
    await expect.poll(() => int.getByTestId('booth-notes').innerText(), poll).toContain('You: Speaker reads fast, take the statement.');
    expect(await view.getByTestId('booth-notes').count()).toBe(0);

    // The delegate says they will speak Spanish, requests the floor, and attaches a text statement.
    await del.getByTestId('request-language').selectOption('es');
    await del.getByTestId('request-floor').click();
    await del.getByTestId('statement-file').waitFor({ state: 'visible', timeout: 30_000 });
    await del.getByTestId('statement-file').setInputFiles({ name: 'statement.txt', mimeType: 'text/plain', buffer: Buffer.from('Señor Presidente: la declaración de España.\n') });
    await expect.poll(() => del.getByTestId('statement-status').innerText(), poll).toMatch(/^Statement attached/);
    // A binary file is refused with the coded message.
    await del.getByTestId('statement-file').setInputFiles({ name: 'photo.txt', mimeType: 'text/plain', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]) });
    await expect.poll(() => del.locator('#room-error').innerText(), poll).toBe('A statement must be a PDF or a plain text file (UTF-8).');
    // The language is remembered for the next request.
    expect(await del.evaluate(() => localStorage.getItem('plenary.speakLanguage'))).toBe('es');

    // The interpreter's console: next speaker, their language, and the statement to download.
    const next = int.getByTestId('booth-speaker').filter({ hasText: 'Next: Delegate Ruiz (Spanish)' });
    await expect.poll(() => next.count(), poll).toBe(1);
    const href = await next.getByTestId('statement-link').getAttribute('href');
    expect(href).toMatch(/\/queue\/[A-Za-z0-9_-]+\/statement$/);
    expect(await int.evaluate(async (url) => { const r = await fetch(url); return [r.status, await r.text()]; }, href!)).toEqual([200, 'Señor Presidente: la declaración de España.\n']);
    // Another delegate may not read it.
    expect(await view.evaluate(async (url) => (await fetch(url)).status, href!)).toBe(403);

    // A listener chooses Chinese with the original underneath: the panel's audio keeps playing at reduced volume.
    const select = view.getByTestId('language-select');
    await expect.poll(() => select.locator('option[value="zh"]').count(), poll).toBe(1);
    await select.selectOption('zh');
    await view.getByTestId('original-under').check();
    await expect.poll(() => view.locator('#stage-audio audio[data-source="mic"]').evaluate((a: HTMLAudioElement) => a.volume), poll).toBeCloseTo(0.2);
    expect(await view.locator('#stage-audio audio[data-source="interpretation"]').evaluate((a: HTMLAudioElement) => a.volume)).toBe(1);
    const floorPackets = async (): Promise<number> => (await row(view, panelist.id, 'audio'))?.packetsReceived ?? 0;
    const before = await floorPackets();
    await expect.poll(floorPackets, poll).toBeGreaterThan(before + 20);
    await expect.poll(async () => (await row(view, interpreter.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(20);

    // After a reload the choice comes back: Chinese, original underneath.
    await view.reload();
    await view.locator('#live-room').waitFor({ state: 'visible' });
    await expect.poll(() => view.getByTestId('language-select').inputValue(), poll).toBe('zh');
    await expect.poll(() => view.getByTestId('original-under').isChecked(), poll).toBe(true);
    await expect.poll(async () => (await row(view, interpreter.id, 'audio'))?.packetsReceived ?? 0, poll).toBeGreaterThan(20);

    // Switching the original off is remembered too.
    await view.getByTestId('original-under').uncheck();
    await expect.poll(() => view.evaluate(() => localStorage.getItem('plenary.listening')), poll).toBe(JSON.stringify({ language: 'zh', underneath: false }));
    mod.close();
    expect(errors).toEqual([]);
  }, 180_000);
});
