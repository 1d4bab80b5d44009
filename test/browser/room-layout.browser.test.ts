// The live room's layout and question cards (issue 17) in headless Chromium, against a session in full swing
// (test/support/room-scene.ts): the speakers and the chair's console beside the stage on a wide screen, tabs on
// a phone, the floor holder and the clock on the stage, questions as cards with Popular / Recent / Review and
// their counts, live; no sideways scrolling at 360 px; no serious axe findings.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import type { JoinAck } from '../../server/protocol/events.ts';
import { pageMessages } from '../../server/i18n/catalogs/pages.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { createParticipant, ok, type TestParticipant } from '../support/realtime.ts';
import { setUpRoomScene, type RoomScene } from '../support/room-scene.ts';
import { startTestServer } from '../support/server.ts';

const sessionId = 'thematic-1';
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Live updates arrive when they arrive: on a loaded machine that may take seconds (vitest's default wait is 1 s). */
const eventually = <T>(probe: () => T | Promise<T>) => expect.poll(probe, { timeout: 15_000, interval: 100 });

interface Violation { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }

async function seriousFindings(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

describe.skipIf(!hasChromium)('the live room’s layout and questions (headless Chromium)', () => {
  let server: Plenary;
  let browser: Browser;
  let scene: RoomScene;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];

  async function visit(p: TestParticipant, width: number, height: number, options: { lang?: string; path?: string; axe?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, locale: 'en-GB', timezoneId: 'Europe/Zurich', ...(options.axe ? { bypassCSP: true } : {}) });
    contexts.push(context);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`${p.name}: ${e.message}`));
    await page.goto(`${server.url}/i/${p.token}`);
    await page.goto(`${server.url}${options.path ?? `/events/global-forum-2022/sessions/${sessionId}`}?lang=${options.lang ?? 'en'}`);
    await page.locator('#live-room').waitFor({ state: 'visible' });
    return page;
  }
  const box = async (page: Page, selector: string) => {
    const b = await page.locator(selector).boundingBox();
    if (!b) throw new Error(`${selector} is not shown`);
    return b;
  };
  const sideways = (page: Page): Promise<number> => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const moderatorSocket = (): Socket => scene.sockets[0]!;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    scene = await setUpRoomScene(server, sessionId);
  }, 60_000);
  afterAll(async () => {
    scene?.close();
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  it('puts the speakers and the chair’s console beside the stage at 1366 px, in the first screen, mirrored in Arabic', async () => {
    const page = await visit(scene.moderator, 1366, 768);
    expect(await page.getByTestId('room-tabs').isVisible()).toBe(false);
    const stage = await box(page, '#stage');
    const speakers = await box(page, '#pane-floor');
    expect(speakers.x).toBeGreaterThanOrEqual(stage.x + stage.width);
    // Beside the stage, not under it: both start in the first screen.
    expect(speakers.y).toBeLessThan(stage.y + stage.height);
    expect(speakers.y).toBeLessThan(768);
    expect(await page.locator('#queue li').count()).toBe(3);
    expect(await page.locator('#moderator-controls').isVisible()).toBe(true);
    const chair = await box(page, '#moderator-controls');
    expect(chair.x).toBe(speakers.x);
    expect(chair.y).toBeGreaterThan(speakers.y);
    // No tab roles where there are no tabs.
    expect(await page.locator('[role="tabpanel"].room-pane').count()).toBe(0);

    const arabic = await visit(scene.moderator, 1366, 768, { lang: 'ar' });
    const arStage = await box(arabic, '#stage');
    const arSpeakers = await box(arabic, '#pane-floor');
    expect(arSpeakers.x + arSpeakers.width).toBeLessThanOrEqual(arStage.x);
  }, 120_000);

  it('shows the floor holder, their group and country, the next speaker and a big clock on the stage', async () => {
    const page = await visit(scene.delegate, 1366, 768);
    await eventually(() => page.getByTestId('floor-speaker').innerText()).toBe('Sipho Ndlovu has the floor');
    expect(await page.getByTestId('floor-holder-meta').innerText()).toBe('Workers · South Africa');
    expect(await page.getByTestId('floor-next').innerText()).toBe('Next: 王芳');
    await eventually(async () => /^\d+:\d\d$/.test(await page.getByTestId('floor-timer').innerText())).toBe(true);
    const clockSize = await page.getByTestId('floor-timer').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    const nameSize = await page.getByTestId('floor-speaker').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(clockSize).toBeGreaterThan(nameSize);
    expect(clockSize).toBeGreaterThanOrEqual(36);
    // Delegates get no chair's controls on the stage, and no projector link.
    expect(await page.getByTestId('end-floor').isVisible()).toBe(false);
    expect(await page.getByTestId('projector-link').isVisible()).toBe(false);
  });

  it('is tabs at 390 px, the stage first, by keyboard (arrow keys, mirrored in Arabic, End), with the chair’s tab for moderators only', async () => {
    const page = await visit(scene.delegate, 390, 844);
    const tabs = page.getByTestId('room-tabs');
    expect(await tabs.isVisible()).toBe(true);
    expect(await tabs.getAttribute('role')).toBe('tablist');
    expect(await page.locator('#tab-stage').getAttribute('aria-selected')).toBe('true');
    expect(await page.locator('#stage').isVisible()).toBe(true);
    expect(await page.locator('#queue').isVisible()).toBe(false);
    expect(await page.locator('#pane-floor').getAttribute('role')).toBe('tabpanel');
    expect(await page.locator('#pane-floor').getAttribute('aria-labelledby')).toBe('tab-floor');
    expect(await page.locator('#tab-chair').isVisible()).toBe(false);
    // Three people wait: the Speakers tab says so.
    expect(await page.locator('#tab-floor .tab-count').innerText()).toBe('3');

    await page.locator('#tab-stage').focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.locator('#tab-floor').getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-floor');
    expect(await page.locator('#queue').isVisible()).toBe(true);
    expect(await page.locator('#stage').isVisible()).toBe(false);
    expect(await page.locator('#tab-stage').getAttribute('tabindex')).toBe('-1');
    // End: the last tab a delegate has, the running order (there is one in this session).
    await page.keyboard.press('End');
    expect(await page.locator('#tab-order').getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('running-order').isVisible()).toBe(true);

    // In Arabic the tabs run right to left: the left arrow moves to the next one.
    const arabic = await visit(scene.delegate, 390, 844, { lang: 'ar' });
    await arabic.locator('#tab-stage').focus();
    await arabic.keyboard.press('ArrowLeft');
    expect(await arabic.locator('#tab-floor').getAttribute('aria-selected')).toBe('true');
    const [stageTab, floorTab] = [await box(arabic, '#tab-stage'), await box(arabic, '#tab-floor')];
    expect(floorTab.x).toBeLessThan(stageTab.x);

    const chair = await visit(scene.moderator, 390, 844);
    await chair.locator('#tab-chair').click();
    expect(await chair.locator('#moderator-controls').isVisible()).toBe(true);
    expect(await chair.locator('#stage').isVisible()).toBe(false);
    // Widening the window turns the tabs back into columns.
    await chair.setViewportSize({ width: 1366, height: 768 });
    await eventually(() => chair.getByTestId('room-tabs').isVisible()).toBe(false);
    expect(await chair.locator('#stage').isVisible()).toBe(true);
    expect(await chair.locator('#moderator-controls').isVisible()).toBe(true);
  }, 120_000);

  it('shows questions as cards: Popular and Recent, votes in words and counts, answered marked, approved unlabelled; Review counts what waits, live', async () => {
    const delegate = await visit(scene.delegate, 1366, 768);
    const chair = await visit(scene.moderator, 1366, 768);
    const cards = delegate.locator('#questions li');
    await eventually(() => cards.count()).toBe(3);
    // Popular: most votes first, the answered one last.
    expect(await cards.nth(0).locator('.question-text').innerText()).toContain('Global Accelerator');
    expect(await cards.nth(0).getByTestId('vote-count').innerText()).toBe('2');
    expect(await cards.nth(0).locator('.question-meta').innerText()).toContain('2 votes');
    expect(await cards.nth(1).locator('.question-meta').innerText()).toContain('1 vote');
    expect(await cards.nth(1).locator('.question-meta').innerText()).not.toContain('1 votes');
    expect(await cards.nth(2).getByTestId('answered-badge').innerText()).toContain('Answered');
    expect(await cards.nth(2).getAttribute('data-status')).toBe('answered');
    expect(await delegate.locator('#questions').innerText()).not.toContain('Open');
    // Recent: newest first.
    await delegate.getByTestId('qna-tab-recent').click();
    expect(await delegate.getByTestId('qna-tab-recent').getAttribute('aria-selected')).toBe('true');
    expect(await cards.nth(0).locator('.question-text').innerText()).toContain('small enterprises');
    // Delegates have no Review tab.
    expect(await delegate.getByTestId('qna-tab-review').isVisible()).toBe(false);

    // One question waits for review; a delegate's new one makes two, on the moderator's tab, at once.
    await eventually(() => chair.getByTestId('qna-review-count').innerText()).toBe('1');
    await delegate.locator('#question-text').fill('How will the forum follow up on its outcome?');
    await delegate.getByTestId('ask-question').click();
    await eventually(() => chair.getByTestId('qna-review-count').innerText()).toBe('2');
    const mine = delegate.locator('#questions li', { hasText: 'follow up on its outcome' });
    await eventually(() => mine.locator('.badge').innerText()).toBe('Waiting for approval');
    expect(await mine.getByTestId('vote').count()).toBe(0);
    // The moderator reviews it by keyboard: arrow to the Review tab, approve.
    await chair.getByTestId('qna-tab-popular').focus();
    await chair.keyboard.press('ArrowRight');
    await chair.keyboard.press('ArrowRight');
    expect(await chair.getByTestId('qna-tab-review').getAttribute('aria-selected')).toBe('true');
    expect(await chair.locator('#questions-pane').getAttribute('aria-labelledby')).toBe('qna-tab-review');
    await eventually(() => chair.locator('#questions li').count()).toBe(2);
    await chair.locator('#questions li', { hasText: 'follow up on its outcome' }).getByTestId('qna-approve').click();
    await eventually(() => chair.getByTestId('qna-review-count').innerText()).toBe('1');
    await eventually(() => mine.locator('.badge').count()).toBe(0);
    // A vote on it shows on the moderator's Popular list, in a count and in words.
    await mine.getByTestId('vote').click();
    await eventually(() => mine.getByTestId('vote').getAttribute('aria-pressed')).toBe('true');
    await chair.getByTestId('qna-tab-popular').click();
    const seen = chair.locator('#questions li', { hasText: 'follow up on its outcome' });
    await eventually(() => seen.getByTestId('vote-count').innerText()).toBe('1');
    expect(await seen.locator('.question-meta').innerText()).toContain('1 vote');
    expect(await seen.getByTestId('vote').innerText()).toContain('1');
    expect(await seen.getByRole('button', { name: 'Vote for this question: 1', exact: true }).count()).toBe(1);
    // Answered from the card: marked for the delegate.
    await seen.getByTestId('qna-answer').click();
    await eventually(() => mine.getByTestId('answered-badge').count()).toBe(1);
  }, 120_000);

  it('says the same about a session’s status as the programme: a past session that nobody opened reads Ended in both', async () => {
    const page = await visit(scene.delegate, 1366, 768, { path: '/events/global-forum-2022/sessions/opening' });
    // The room's script has rendered the session's live status by now (the live room shows after the join).
    await eventually(() => page.getByTestId('session-status').innerText()).toBe(pageMessages.en.timing_ended);
    await page.goto(`${server.url}/events/global-forum-2022?lang=en`);
    expect((await page.locator('#session-opening .badge').first().textContent())?.trim()).toBe(pageMessages.en.timing_ended);
  });

  it('scrolls no page sideways at 360 px, in any tab, in Chinese and English', async () => {
    for (const lang of ['zh', 'en']) {
      for (const who of [scene.moderator, scene.delegate]) {
        const page = await visit(who, 360, 740, { lang });
        for (const tab of ['stage', 'floor', 'questions', 'polls', 'order', 'chair']) {
          const button = page.locator(`#tab-${tab}`);
          if (!(await button.isVisible())) continue;
          await button.click();
          expect(`${lang} ${who.name} ${tab}: ${await sideways(page)}`).toBe(`${lang} ${who.name} ${tab}: 0`);
        }
      }
    }
  }, 120_000);

  it('has no serious axe findings, as tabs (moderator, 390 px) and as columns (delegate, Arabic, 1366 px)', async () => {
    const tabs = await visit(scene.moderator, 390, 844, { axe: true });
    expect(await seriousFindings(tabs)).toEqual([]);
    await tabs.locator('#tab-questions').click();
    await tabs.getByTestId('qna-tab-review').click();
    expect(await seriousFindings(tabs)).toEqual([]);
    const columns = await visit(scene.delegate, 1366, 768, { lang: 'ar', axe: true });
    expect(await seriousFindings(columns)).toEqual([]);
  }, 120_000);

  it('shows a refusal in view where the delegate acted (the Speakers tab on a phone, scrolled down), and takes a delegate given the floor to the stage', async () => {
    const late = await createParticipant(server, { name: 'Omar Haddad', group: 'workers', country: 'JO' });
    const page = await visit(late, 390, 700);
    await page.locator('#tab-floor').click();
    await ok(moderatorSocket(), 'queue:list', { sessionId, open: false });
    await eventually(() => page.getByTestId('list-closed').isVisible()).toBe(true);
    const kind = page.getByTestId('request-kind');
    await kind.selectOption('statement');
    // Scrolled down to the bottom of the page (the session's description), the delegate presses Ask for the floor
    // where it is, without the page moving to it first.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    expect(await page.getByTestId('request-floor').evaluate((el) => el.getBoundingClientRect().bottom < 0)).toBe(true);
    await page.getByTestId('request-floor').evaluate((el) => (el as HTMLButtonElement).click());
    const error = page.locator('#room-error');
    await eventually(() => error.innerText()).toContain('The list of speakers is closed');
    expect(await error.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);
    // Dismissed, it goes.
    await page.getByRole('button', { name: 'Dismiss' }).click();
    expect(await error.isVisible()).toBe(false);
    await ok(moderatorSocket(), 'queue:list', { sessionId, open: true });

    // Listed once the list reopens, then given the floor while reading the Questions tab: the phone shows the stage.
    await page.getByTestId('request-floor').click();
    await eventually(() => page.getByTestId('my-position').innerText()).toContain('4');
    await page.locator('#tab-questions').click();
    const ack = await ok<JoinAck>(moderatorSocket(), 'session:join', { sessionId });
    const entry = ack.queue.entries.find((e) => e.participantId === late.id && e.status === 'waiting');
    await ok(moderatorSocket(), 'queue:give-floor', { sessionId, entryId: entry?.id });
    await eventually(() => page.locator('#tab-stage').getAttribute('aria-selected')).toBe('true');
    expect(await page.getByTestId('floor-speaker').isVisible()).toBe(true);
    expect(await page.getByTestId('floor-speaker').innerText()).toBe('Omar Haddad has the floor');
  }, 120_000);

  it('hides the Intervention selector while the delegate waits for or holds the floor; with the floor free, names the running order’s current statement', async () => {
    const newcomer = await createParticipant(server, { name: 'Ana Souza', group: 'employers', country: 'PT' });
    const page = await visit(newcomer, 1366, 768);
    expect(await page.getByTestId('request-kind').isVisible()).toBe(true);
    await page.getByTestId('request-floor').click();
    await eventually(() => page.getByTestId('my-position').innerText()).toContain('4');
    expect(await page.getByTestId('request-kind').isVisible()).toBe(false);
    expect(await page.getByTestId('request-language').isVisible()).toBe(false);
    // Given the floor: still hidden; the stage names her as the floor holder.
    const ack = await ok<JoinAck>(moderatorSocket(), 'session:join', { sessionId });
    const entry = ack.queue.entries.find((e) => e.participantId === newcomer.id && e.status === 'waiting');
    await ok(moderatorSocket(), 'queue:give-floor', { sessionId, entryId: entry?.id });
    await eventually(() => page.getByTestId('floor-speaker').innerText()).toBe('Ana Souza has the floor');
    expect(await page.getByTestId('request-kind').isVisible()).toBe(false);
    // The floor ended, she may ask again, choosing the kind.
    await ok(moderatorSocket(), 'queue:end-floor', { sessionId });
    await eventually(() => page.getByTestId('request-kind').isVisible()).toBe(true);
    // With the floor free, the stage names the running order's current statement and its speaker.
    await eventually(() => page.getByTestId('floor-speaker').innerText()).toBe('President of the Republic');
    expect(await page.getByTestId('floor-holder-meta').innerText()).toBe('Statements by Heads of State and Government');
    await ok(moderatorSocket(), 'run:advance', { sessionId, itemId: 'panel' });
    await eventually(() => page.getByTestId('floor-speaker').innerText()).toBe('Nobody has the floor.');
    expect(errors).toEqual([]);
  });
});
