import { createRequire } from 'node:module';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { createParticipant } from '../support/realtime.ts';
import { asOrganizer } from '../support/identity.ts';
import { getJson, startTestServer } from '../support/server.ts';

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const eventId = 'global-forum-2022';

/** axe-core's WCAG 2.1 A/AA rules on the rendered page; the serious and critical findings. */
async function audit(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    type Violation = { id: string; impact: string | null; help: string; nodes: { target: string[] }[] };
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

const inView = (locator: Locator) => locator.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; });

/**
 * Issue 17, the organiser consoles in headless Chromium: the participants
 * table's live search, filters, sorting and bulk approval; confirmation
 * before destructive actions; feedback where the organiser is looking; a
 * session text edited in French reaching the French programme and keeping
 * the other languages (issue 15); and every console and report page
 * without sideways scrolling at 360 px and without serious axe findings.
 */
describe.skipIf(!hasChromium)('organiser consoles (headless Chromium)', () => {
  let server: Plenary;
  let browser: Browser;
  let organiserLink: string;
  let someone: string;

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    const organiser = await createParticipant(server, { name: 'Organiser Person', organizer: true });
    organiserLink = `${server.url}/i/${organiser.token}`;
    someone = (await createParticipant(server, { name: 'Jean-Pierre Müller', group: 'employers', country: 'FR' })).id;
    await createParticipant(server, { name: 'Li Wei', group: 'workers', country: 'CN', roles: [{ sessionId: 'opening', role: 'interpreter', language: 'zh' }] });
    for (const name of ['Waiting Alpha', 'Waiting Beta', 'Waiting Gamma']) {
      await getJson(`${server.url}/api/events/${eventId}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, email: `${name.replace(' ', '.').toLowerCase()}@example.org`, organization: 'Academy of Somewhere', country: 'BR', group: 'other' }),
      });
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function organiserPage(width = 1366, height = 768, options: { bypassCSP?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, timezoneId: 'Asia/Tokyo', locale: 'en-GB', ...options });
    const page = await context.newPage();
    await page.goto(organiserLink);
    return page;
  }

  const rowNames = (page: Page) => page.locator('tr.participant:not([hidden]) th.col-name > a').allInnerTexts();

  it('filters the participants as one types, sorts by a column, and approves a selection in bulk with the outcome in view', async () => {
    const page = await organiserPage();
    await page.goto(`${server.url}/events/${eventId}/console/participants?lang=en`);
    const all = (await rowNames(page)).length;
    expect(all).toBeGreaterThanOrEqual(6);

    // Live search: by country name, accents ignored; the count follows.
    await page.getByRole('searchbox', { name: 'Search' }).fill('france');
    await expect.poll(() => rowNames(page), { timeout: 10_000 }).toEqual(['Jean-Pierre Müller']);
    expect(await page.getByTestId('shown-count').innerText()).toBe(`Showing 1 of ${all}`);
    await page.getByRole('searchbox', { name: 'Search' }).fill('muller');
    await expect.poll(() => rowNames(page), { timeout: 10_000 }).toEqual(['Jean-Pierre Müller']);
    await page.getByRole('searchbox', { name: 'Search' }).fill('');
    await page.getByRole('combobox', { name: 'Role' }).selectOption('interpreter');
    await expect.poll(() => rowNames(page), { timeout: 10_000 }).toEqual(['Li Wei']);
    await page.getByRole('combobox', { name: 'Role' }).selectOption('');

    // Filter by status on the server (the same form without a script), then sort by name, descending.
    await page.getByRole('combobox', { name: 'Status' }).selectOption('pending');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/status=pending/);
    expect(await rowNames(page)).toEqual(['Waiting Alpha', 'Waiting Beta', 'Waiting Gamma']);
    await page.getByRole('link', { name: /^Name/ }).click();
    await page.waitForURL(/dir=desc/);
    expect(await rowNames(page)).toEqual(['Waiting Gamma', 'Waiting Beta', 'Waiting Alpha']);
    expect(await page.locator('th[aria-sort="descending"]').innerText()).toContain('Name');

    // Bulk approval: nothing to press before a selection; the count follows the boxes.
    const approve = page.getByTestId('bulk-approve');
    expect(await approve.isDisabled()).toBe(true);
    await page.getByRole('checkbox', { name: 'Select Waiting Gamma' }).check();
    await page.getByRole('checkbox', { name: 'Select Waiting Alpha' }).check();
    expect(await page.locator('[data-testid="selected-count"] output').innerText()).toBe('2');
    expect(await approve.isDisabled()).toBe(false);
    await approve.click();
    const feedback = page.getByTestId('bulk-feedback');
    await feedback.waitFor();
    expect(await feedback.innerText()).toContain('2 participants approved.');
    expect(await inView(feedback)).toBe(true);
    const statuses = (await getJson<{ participants: { name: string; status: string }[] }>(`${server.url}/api/events/${eventId}/participants`, { headers: asOrganizer })).body.participants;
    expect(Object.fromEntries(statuses.filter((p) => p.name.startsWith('Waiting')).map((p) => [p.name, p.status]))).toEqual({ 'Waiting Alpha': 'approved', 'Waiting Beta': 'pending', 'Waiting Gamma': 'approved' });

    // "Select all shown" ticks only the rows the filter shows.
    await page.goto(`${server.url}/events/${eventId}/console/participants?lang=en`);
    await page.getByRole('searchbox', { name: 'Search' }).fill('waiting');
    await page.getByRole('checkbox', { name: 'Select all shown' }).check();
    expect(await page.locator('[data-testid="selected-count"] output').innerText()).toBe('3');
    expect(await page.locator('input[name="ids"]:checked').count()).toBe(3);
    await page.context().close();
  });

  it('opens a participant from the table in a dialog whose forms answer inside it; Escape returns to the row', async () => {
    const page = await organiserPage();
    await page.goto(`${server.url}/events/${eventId}/console/participants?lang=fr`);
    const manage = page.locator('tr.participant').filter({ hasText: 'Li Wei' }).getByTestId('manage');
    await manage.click();
    const dialog = page.getByTestId('participant-dialog');
    await dialog.getByRole('heading', { name: 'Li Wei' }).waitFor();
    expect(await page.evaluate(() => (document.querySelector('[data-testid="participant-dialog"]') as HTMLDialogElement).open)).toBe(true);
    expect(page.url()).toContain('/console/participants?lang=fr');
    // The interpreter's language from a list of names in the page's language; the answer shows in the dialog.
    await dialog.getByLabel('Séance', { exact: true }).selectOption('closing');
    await dialog.getByLabel('Fonction', { exact: true }).selectOption('captioner');
    await dialog.locator('select[name="language"]').selectOption('es');
    expect(await dialog.locator('select[name="language"] option[value="es"]').innerText()).toBe('espagnol (es)');
    await dialog.getByRole('button', { name: 'Ajouter une fonction' }).click();
    const notice = dialog.getByTestId('console-notice');
    await notice.waitFor();
    expect(await notice.innerText()).toContain('Li Wei');
    expect(await inView(notice)).toBe(true);
    expect(await dialog.innerText()).toContain('Sous-titrage (espagnol)');
    await page.keyboard.press('Escape');
    await page.waitForLoadState('load');
    await expect.poll(() => page.locator('tr.participant').filter({ hasText: 'Li Wei' }).innerText(), { timeout: 10_000 }).toContain('Sous-titrage (espagnol)');
    await page.context().close();
  });

  it('works without JavaScript: filters by the form, manages a participant on their page, shows every language of a session', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false, locale: 'en-GB' });
    const page = await context.newPage();
    await page.goto(organiserLink);
    await page.goto(`${server.url}/events/${eventId}/console/participants?lang=en`);
    await page.getByRole('combobox', { name: 'Constituent group' }).first().selectOption('employers');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/group=employers/);
    expect(await rowNames(page)).toEqual(['Jean-Pierre Müller']);
    await page.getByRole('link', { name: 'Manage Jean-Pierre Müller' }).click();
    await page.waitForURL(new RegExp(`/console/participants/${someone}`));
    await page.getByLabel('Session', { exact: true }).selectOption('thematic-4');
    await page.getByLabel('Role', { exact: true }).selectOption('panelist');
    await page.getByRole('button', { name: 'Add role' }).click();
    await page.waitForURL(/notice=roles/);
    expect(await inView(page.getByTestId('console-notice'))).toBe(true);
    expect(await page.locator('main').innerText()).toContain('Panelist · A just transition');

    await page.goto(`${server.url}/events/${eventId}/console/sessions/opening?lang=en`);
    expect(await page.getByRole('tab').count()).toBe(0);
    for (const l of ['ar', 'zh', 'en', 'fr', 'ru', 'es']) expect(await page.locator(`input[name="title_${l}"]`).isVisible()).toBe(true);
    await context.close();
  });

  it('asks before revoking or rejecting a participant and before deleting an event; each action reports in view', async () => {
    const page = await organiserPage(390, 844);
    await page.goto(`${server.url}/events/${eventId}/console/participants/${someone}?lang=zh`);
    const revoke = page.getByTestId('revoke');
    const reject = page.getByTestId('reject');
    expect(await revoke.isVisible()).toBe(false);
    expect(await reject.isVisible()).toBe(false);
    // The buttons that open a confirmation are drawn as destructive.
    expect(await page.getByTestId('revoke-open').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(180, 35, 24)');
    await page.getByTestId('reject-open').click();
    expect(await reject.isVisible()).toBe(true);
    await page.getByLabel('理由（将发送给本人）').fill('Outside the scope');
    await reject.click();
    await page.waitForURL(/notice=rejected/);
    const notice = page.getByTestId('console-notice');
    expect(await notice.innerText()).toContain('Jean-Pierre Müller');
    expect(await inView(notice)).toBe(true);

    await page.goto(`${server.url}/events/${eventId}/console/event?lang=en`);
    // Saving the event's settings reports at the top of the page it comes back to.
    await page.getByTestId('save-event').click();
    await page.waitForURL(/notice=saved/);
    expect(await inView(page.getByTestId('console-notice'))).toBe(true);
    const confirmDelete = page.getByRole('button', { name: 'Yes, delete the event' });
    expect(await confirmDelete.isVisible()).toBe(false);
    await page.getByText('Delete the event…').click();
    await confirmDelete.click();
    // An event with sessions is not deleted: the refusal is at the top, in view.
    const error = page.getByTestId('console-error');
    await error.waitFor();
    expect(await inView(error)).toBe(true);
    await page.context().close();
  });

  it('edits a session text in French under its language tab: the French programme shows it, the other languages stay', async () => {
    const before = (await getJson<{ session: { title: Record<string, string> } }>(`${server.url}/api/events/${eventId}/sessions/thematic-3`)).body.session.title;
    const page = await organiserPage();
    await page.goto(`${server.url}/events/${eventId}/console/sessions?lang=fr`);
    await page.locator('#session-thematic-3').getByTestId('edit-session').click();
    await page.waitForURL(/\/console\/sessions\/thematic-3/);
    await page.getByRole('tab').first().waitFor();
    // The page's language is the tab shown first; the others are one key press away.
    const tabs = page.getByRole('tab');
    expect(await tabs.count()).toBe(6);
    expect(await page.getByRole('tab', { selected: true }).innerText()).toContain('Français');
    const frTitle = page.locator('input[name="title_fr"]');
    expect(await frTitle.isVisible()).toBe(true);
    expect(await page.locator('input[name="title_en"]').isVisible()).toBe(false);
    await page.getByRole('tab', { selected: true }).press('ArrowRight');
    expect(await page.getByRole('tab', { selected: true }).innerText()).toContain('Русский');
    await page.getByRole('tab', { name: /Français/ }).click();
    await frTitle.fill('Protéger les travailleurs et soutenir les entreprises (révisé)');
    await page.getByTestId('save-session').click();
    await page.waitForURL(/notice=updated/);
    const notice = page.getByTestId('console-notice');
    expect(await inView(notice)).toBe(true);

    const after = (await getJson<{ session: { title: Record<string, string> } }>(`${server.url}/api/events/${eventId}/sessions/thematic-3`)).body.session.title;
    expect(after).toEqual({ ...before, fr: 'Protéger les travailleurs et soutenir les entreprises (révisé)' });
    await page.goto(`${server.url}/events/${eventId}?lang=fr`);
    expect(await page.locator('main').textContent()).toContain('Protéger les travailleurs et soutenir les entreprises (révisé)');
    await page.goto(`${server.url}/events/${eventId}?lang=en`);
    expect(await page.locator('main').textContent()).toContain(before.en);

    // In Arabic the tabs run right to left: the left arrow moves on to the next language.
    await page.goto(`${server.url}/events/${eventId}/console/sessions/thematic-3?lang=ar`);
    const selected = page.getByRole('tab', { selected: true });
    expect(await selected.innerText()).toContain('العربية');
    await selected.press('ArrowLeft');
    expect(await page.getByRole('tab', { selected: true }).innerText()).toContain('中文');
    expect(await page.locator('input[name="title_zh"]').isVisible()).toBe(true);
    await page.context().close();
  });

  const consolePages = (): [string, string][] => [
    ['events', '/console/events'],
    ['event settings', `/events/${eventId}/console/event`],
    ['sessions', `/events/${eventId}/console/sessions`],
    ['session', `/events/${eventId}/console/sessions/opening`],
    ['new session', `/events/${eventId}/console/sessions/new`],
    ['participants', `/events/${eventId}/console/participants`],
    ['participant', `/events/${eventId}/console/participants/${someone}`],
    ['attendance', `/events/${eventId}/console/attendance`],
    ['speaking time', `/events/${eventId}/console/speaking-time`],
    ['records', `/events/${eventId}/console/records`],
    ['record', `/events/${eventId}/console/sessions/opening/record`],
    ['recordings', `/events/${eventId}/console/recordings`],
  ];

  for (const lang of ['zh', 'en', 'ar'] as const) {
    it(`no console or report page scrolls sideways at 360 px, and each marks its place in the navigation (${lang})`, async () => {
      const page = await organiserPage(360, 740);
      const overflowing: string[] = [];
      for (const [name, path] of consolePages()) {
        await page.goto(`${server.url}${path}?lang=${lang}`);
        const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
        if (scrollWidth > innerWidth) overflowing.push(`${name}: ${scrollWidth} px`);
        expect(await page.locator('[data-testid="console-nav"] a[aria-current="page"]').count(), name).toBe(1);
      }
      expect(overflowing).toEqual([]);
      await page.context().close();
    }, 120_000);
  }

  it('the participant dialog open over the table has no serious axe finding (ar)', async () => {
    const page = await organiserPage(1366, 768, { bypassCSP: true });
    await page.goto(`${server.url}/events/${eventId}/console/participants?lang=ar`);
    await page.locator('tr.participant').first().getByTestId('manage').click();
    await page.getByTestId('participant-dialog').locator('h1').waitFor();
    expect(await audit(page)).toEqual([]);
    await page.context().close();
  }, 60_000);

  for (const lang of ['en', 'ar'] as const) {
    it(`every console and report page has no serious axe finding (${lang})`, async () => {
      // The pages' CSP would refuse the injected axe script.
      const page = await organiserPage(1366, 768, { bypassCSP: true });
      const found: string[] = [];
      for (const [name, path] of consolePages()) {
        await page.goto(`${server.url}${path}?lang=${lang}`);
        for (const finding of await audit(page)) found.push(`${name}: ${finding}`);
      }
      expect(found).toEqual([]);
      await page.context().close();
    }, 180_000);
  }
});
