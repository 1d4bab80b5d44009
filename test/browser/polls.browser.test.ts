import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom as visitRoom } from '../support/browser.ts';
import { createParticipant, type TestParticipant } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const sessionId = 'thematic-3';

/** The votes panel in headless Chromium, by keyboard only: the chair creates, opens and closes a vote; a delegate votes in Chinese. */
describe.skipIf(!hasChromium)('votes in the room, by keyboard', () => {
  let server: Plenary;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const openRoom = (p: TestParticipant, locale: string): Promise<Page> =>
    visitRoom(browser, { url: server.url, participant: p, sessionId, locale, timezoneId: 'Europe/Paris', query: locale.startsWith('zh') ? '?lang=zh' : '', contexts });

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('creates, opens, votes and closes with the keyboard, and reads the results by group', async () => {
    const chairP = await createParticipant(server, { name: 'Chair', roles: [{ sessionId, role: 'moderator' }] });
    const delegateP = await createParticipant(server, { name: 'Ms Wang', group: 'workers', country: 'CN' });
    const chair = await openRoom(chairP, 'en-GB');
    const delegate = await openRoom(delegateP, 'zh-CN');

    // The chair: question, Tab to the kind (yes/no/abstain by default), create.
    await chair.getByTestId('poll-create').getByLabel('Question to vote on').focus();
    await chair.keyboard.type('Adopt the conclusions?');
    await chair.getByTestId('poll-create-submit').focus();
    await chair.keyboard.press('Enter');
    await chair.getByTestId('poll-open').waitFor();
    // A draft is not shown to delegates.
    expect(await delegate.getByTestId('polls-list').locator('li').count()).toBe(0);
    await chair.getByTestId('poll-open').focus();
    await chair.keyboard.press('Enter');

    // The delegate hears that voting opened, in Chinese, and votes with the arrow keys and Enter.
    await expect.poll(() => delegate.locator('#announcer').innerText()).toBe('开始投票：Adopt the conclusions?');
    const fieldset = delegate.getByRole('group', { name: 'Adopt the conclusions?' });
    await fieldset.getByLabel('赞成').focus();
    await delegate.keyboard.press('ArrowDown');
    expect(await fieldset.getByLabel('反对').isChecked()).toBe(true);
    await delegate.keyboard.press('Enter');
    await expect.poll(() => delegate.getByTestId('poll-mine').innerText()).toBe('您的投票：反对');
    await expect.poll(() => delegate.locator('#announcer').innerText()).toBe('您的投票已记录。');
    // Changing one's mind replaces the vote, and says so.
    await fieldset.getByLabel('弃权').check();
    await delegate.keyboard.press('Enter');
    await expect.poll(() => delegate.locator('#announcer').innerText()).toBe('您的新投票已取代先前的投票。');
    await expect.poll(() => chair.getByTestId('poll-meta').innerText()).toContain('Ballots cast: 1');

    await chair.getByTestId('poll-close').focus();
    await chair.keyboard.press('Enter');
    const table = delegate.getByRole('table', { name: '按三方群体统计的结果' });
    await table.waitFor();
    const row = await table.getByRole('row', { name: /弃权/ }).innerText();
    expect(row.replace(/\s+/g, ' ').trim()).toBe('弃权 1 0 0 1');
    expect(await delegate.getByTestId('poll-validity').innerText()).toBe('表决有效。');
    // The chair has the draft record a click away.
    expect(await chair.getByTestId('draft-record').getAttribute('href')).toBe(`/events/global-forum-2022/console/sessions/${sessionId}/record`);
    expect(await delegate.getByTestId('draft-record').isVisible()).toBe(false);
  }, 60_000);
});
