import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { createParticipant, eventId, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

const sessionId = 'thematic-1';

/** The running order in the room (issue 18, item 4), by keyboard: the chair advances and adds an item; a delegate in Chinese follows. */
describe.skipIf(!hasChromium)('the running order in the room, by keyboard', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const openRoom = (p: TestParticipant, locale: string): Promise<Page> =>
    visitRoom(browser, { url: server.url, participant: p, eventId, sessionId, locale, timezoneId: 'Europe/Paris', query: locale.startsWith('zh') ? '?lang=zh' : '', contexts });

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const items = [
      { id: 'opening', kind: 'statement', title: 'Opening remarks', speaker: 'ILO Director-General', plannedMs: 300_000 },
      { id: 'hos-1', kind: 'statement', title: 'Statement by a Head of State', prerecorded: true, plannedMs: 180_000 },
    ];
    const put = await getJson(`${server.url}/api/events/${eventId}/sessions/${sessionId}/running-order`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ items }),
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('shows the items to everyone, marks the current one, and lets the chair advance and edit with the keyboard', async () => {
    const chairP = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const delegateP = await createParticipant(server, { name: 'Ms Wang', group: 'workers', country: 'CN' });
    const chair = await openRoom(chairP, 'en-GB');
    const delegate = await openRoom(delegateP, 'zh-CN');

    await expect.poll(() => delegate.getByTestId('run-item').count()).toBe(2);
    expect(await delegate.getByRole('heading', { name: '议程顺序' }).count()).toBe(1);
    // Delegates read; they get no controls.
    expect(await delegate.getByTestId('run-next').isVisible()).toBe(false);
    expect(await delegate.getByTestId('run-go').count()).toBe(0);

    // The chair starts the order by keyboard.
    await chair.getByTestId('run-next').focus();
    await chair.keyboard.press('Enter');
    const first = delegate.locator('[data-item-id="opening"]');
    await expect.poll(() => first.getAttribute('aria-current')).toBe('step');
    await expect.poll(() => delegate.getByTestId('run-now').innerText()).toBe('当前：Opening remarks');
    // Go to the second item with its own button (named after the item for screen readers).
    await chair.getByRole('button', { name: 'Go to this item: Statement by a Head of State' }).focus();
    await chair.keyboard.press('Enter');
    await expect.poll(() => delegate.locator('[data-item-id="hos-1"]').getAttribute('aria-current')).toBe('step');
    expect(await first.getAttribute('aria-current')).toBeNull();

    // The chair adds a break: type, Enter adds it to the draft, then save.
    await chair.getByTestId('running-order').getByLabel('Title').focus();
    await chair.keyboard.type('Coffee break');
    await chair.getByTestId('running-order').getByLabel('Kind').selectOption('break');
    await chair.getByTestId('running-order').getByLabel('Title').press('Enter');
    await chair.getByTestId('run-save').focus();
    await chair.keyboard.press('Enter');
    await expect.poll(() => delegate.getByTestId('run-item').count()).toBe(3);
    expect(await delegate.locator('[data-item-id^="item-"]').innerText()).toContain('Coffee break');
    await expect.poll(() => chair.locator('#announcer').innerText()).toBe('Running order saved.');

    // The chair attaches the statement's text for the interpreters; a link to it appears, for moderators only.
    await chair.getByLabel('Attach the text for the interpreters: Statement by a Head of State').setInputFiles({ name: 'statement.txt', mimeType: 'text/plain', buffer: Buffer.from('Excellencies, ladies and gentlemen.\n') });
    const link = chair.getByRole('link', { name: 'Statement text: Statement by a Head of State' });
    await link.waitFor({ state: 'visible' });
    const text = await chair.evaluate(async (href) => (await fetch(href, { credentials: 'same-origin' })).text(), (await link.getAttribute('href')) ?? '');
    expect(text).toBe('Excellencies, ladies and gentlemen.\n');
    expect(await delegate.getByTestId('run-text').count()).toBe(0);
  });

  it('shows the seeded running order in the page’s language (the seed’s translations), English where it has none', async () => {
    const reader = await createParticipant(server, { name: 'Lector', group: 'employers', country: 'AR' });
    const page = (locale: string, lang: string) => visitRoom(browser, { url: server.url, participant: reader, eventId, sessionId: 'thematic-4', locale, timezoneId: 'Europe/Paris', query: `?lang=${lang}`, contexts });
    const zh = await page('zh-CN', 'zh');
    await expect.poll(() => zh.getByTestId('run-item').count()).toBe(5);
    expect(await zh.locator('[data-item-id="hos-1"] .run-speaker').innerText()).toBe('国家元首或政府首脑（1）');
    expect(await zh.locator('[data-item-id="panel"] .run-title strong').innerText()).toBe('互动小组讨论');
    const es = await page('es-ES', 'es');
    await expect.poll(() => es.locator('[data-item-id="panel"] .run-title strong').innerText()).toBe('Mesa redonda interactiva');
    const ru = await page('ru-RU', 'ru');
    await expect.poll(() => ru.locator('[data-item-id="panel"] .run-title strong').innerText()).toBe('Interactive panel discussion');
  });

  it('lets the chair give a speaker a protocol rank and sort the order by protocol, by keyboard; the seed’s ranks survive a save', async () => {
    const chairP = await createParticipant(server, { name: 'Chair Three', roles: [{ sessionId: 'thematic-3', role: 'moderator' }] });
    const chair = await visitRoom(browser, { url: server.url, participant: chairP, eventId, sessionId: 'thematic-3', locale: 'en-GB', timezoneId: 'Europe/Paris', contexts });
    const order = () => chair.getByTestId('run-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-item-id')));
    await expect.poll(() => chair.getByTestId('run-item').count()).toBe(5);
    const panel = chair.getByTestId('running-order');
    await panel.getByLabel('Title').fill('Statement');
    await panel.getByLabel('Speaker').fill('Prime Minister of Norway');
    await panel.getByLabel('Protocol rank').selectOption('head_of_government');
    await panel.getByLabel('Title').press('Enter');
    await expect.poll(() => chair.getByTestId('run-item').count()).toBe(6);
    // Moved by hand to the top, and saved: the order sent stands.
    const added = chair.locator('[data-testid="run-item"]').last();
    const id = await added.getAttribute('data-item-id');
    await added.getByTestId('run-up').focus();
    for (let i = 0; i < 5; i++) await chair.keyboard.press('Enter');
    await chair.getByTestId('run-save').focus();
    await chair.keyboard.press('Enter');
    await expect.poll(() => chair.locator('#announcer').innerText()).toBe('Running order saved.');
    expect(await order()).toEqual([id, 'hos-1', 'hos-2', 'hos-3', 'hos-4', 'panel']);
    // Sorted by protocol: the Heads of State (the seed's placeholders kept their rank through the save) come first.
    await chair.getByTestId('run-sort-protocol').focus();
    await chair.keyboard.press('Enter');
    await expect.poll(() => chair.locator('#announcer').innerText()).toBe('Sorted by protocol order and saved.');
    expect(await order()).toEqual(['hos-1', 'hos-2', 'hos-3', 'hos-4', id, 'panel']);
    const saved = await getJson<{ items: { id: string; protocol?: string }[] }>(`${server.url}/api/events/${eventId}/sessions/thematic-3/running-order`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(saved.body.items.map((i) => i.protocol)).toEqual(['head_of_state', 'head_of_state', 'head_of_state', 'head_of_state', 'head_of_government', undefined]);
  });
});
