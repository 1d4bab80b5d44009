import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import type { Lang } from '../../server/i18n/languages.ts';
import { audit } from '../support/axe-audit.ts';
import { hasChromium, launchChromium } from '../support/browser.ts';
import { pageTour, type Tour, type TourStop, type Viewer } from '../support/page-tour.ts';
import { diffPngs } from '../support/screenshot-diff.ts';
import { startTestServer } from '../support/server.ts';
import { englishLeaks, pageTexts } from '../support/untranslated.ts';

/**
 * Issue 17's "done when", for every page of the tour (test/support/page-tour.ts):
 *
 * - Screenshots in Chinese and English at 1366x768 and 390x844, kept as test
 *   artefacts in test-artifacts/screenshots/ (git-ignored; SCREENSHOT_DIR
 *   moves them). "Compared on change": each shot is compared with the one the
 *   previous run left there; pages whose pixels moved (more than 0.5 % of the
 *   pixels by more than a little) are listed in report.md / report.json with
 *   a picture of what changed (<shot>.diff.png). A change is not a failure —
 *   the pages are meant to change — it is what a reviewer looks at; the first
 *   run has nothing to compare and says so.
 * - No page scrolls sideways on a 360 px phone, in Chinese and English.
 * - No English catalog text on a page in another language (all five).
 * - No serious or critical axe-core (WCAG 2.1 AA) finding on any page, in zh and en.
 */
const outDir = path.resolve(process.env.SCREENSHOT_DIR ?? 'test-artifacts/screenshots');
const changeThreshold = 0.005;

describe.skipIf(!hasChromium)('every page, shot, measured and scanned in headless Chromium', () => {
  let server: Plenary;
  let browser: Browser;
  let tour: Tour;
  let differ: Page;
  const report: { shot: string; status: 'new' | 'same' | 'changed'; changedPercent?: number; sizeChanged?: boolean }[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    tour = await pageTour(server);
    differ = await browser.newPage();
    fs.mkdirSync(outDir, { recursive: true });
  });
  afterAll(async () => {
    if (report.length > 0) writeReport(report);
    await browser?.close();
    await server?.close();
  });

  /** Visits every stop in `lang` at `viewport`, one signed-in context per viewer, calling `look` on each page. */
  async function walk(lang: string, viewport: { width: number; height: number }, look: (stop: TourStop, page: Page) => Promise<void>, options: { bypassCSP?: boolean } = {}): Promise<string[]> {
    const problems: string[] = [];
    const contexts = new Map<Viewer, BrowserContext>();
    try {
      for (const stop of tour.stops) {
        let context = contexts.get(stop.who);
        if (!context) {
          context = await tour.context(browser, stop.who, viewport, options);
          contexts.set(stop.who, context);
        }
        const page = await context.newPage();
        page.on('pageerror', (e) => problems.push(`${stop.name}: ${e.message}`));
        await stop.open(page, lang);
        expect(await page.locator('html').getAttribute('lang'), stop.name).toMatch(new RegExp(`^${lang}`));
        await look(stop, page);
        await page.close();
      }
    } finally {
      for (const context of contexts.values()) await context.close();
    }
    return problems;
  }

  const shots = (['zh', 'en'] as const).flatMap((lang) => ([[1366, 768], [390, 844]] as const).map(([width, height]) => ({ lang, width, height })));
  it.each(shots)('$lang at $width x $height: every page shot and compared with the previous run; on phones none scrolls sideways at 360 px; in Chinese no English catalog text; at 1366 px no serious axe finding', async ({ lang, width, height }) => {
    const overflowing: string[] = [];
    const leaks: string[] = [];
    const findings: string[] = [];
    const problems = await walk(lang, { width, height }, async (stop, page) => {
      // A page with nothing on it is not a screenshot worth keeping.
      expect((await page.locator('main').innerText()).trim().length, stop.name).toBeGreaterThan(0);
      await page.evaluate(() => document.fonts.ready);
      const shot = `${stop.name}-${lang}-${width}`;
      const file = path.join(outDir, `${shot}.png`);
      // One-time links differ on every run: masked, so a new token is not a changed page.
      const png = await page.screenshot({ fullPage: false, mask: [page.locator('.secret-link')] });
      const previous = fs.existsSync(file) ? fs.readFileSync(file) : null;
      fs.rmSync(path.join(outDir, `${shot}.diff.png`), { force: true });
      if (!previous) {
        report.push({ shot, status: 'new' });
      } else {
        const diff = await diffPngs(differ, previous, png);
        const changed = !diff.sameSize || diff.ratio > changeThreshold;
        if (changed && diff.diffPng) fs.writeFileSync(path.join(outDir, `${shot}.diff.png`), diff.diffPng);
        report.push({ shot, status: changed ? 'changed' : 'same', changedPercent: Math.round(diff.ratio * 10000) / 100, ...(diff.sameSize ? {} : { sizeChanged: true }) });
      }
      fs.writeFileSync(file, png);
      if (width < 400) {
        await page.setViewportSize({ width: 360, height: 740 });
        const wide = await overflowAt360(page);
        if (wide) overflowing.push(`${stop.name}: ${wide}`);
      }
      if (lang !== 'en' && width > 1000) {
        for (const leak of englishLeaks(await pageTexts(page), lang)) leaks.push(`${stop.name}: "${leak.text}" (${leak.key})`);
      }
      if (width > 1000) for (const finding of await audit(page)) findings.push(`${stop.name}: ${finding}`);
    }, { bypassCSP: width > 1000 });
    expect(problems).toEqual([]);
    expect(overflowing).toEqual([]);
    expect(leaks).toEqual([]);
    expect(findings).toEqual([]);
  }, 300_000);

  it.each(['ar', 'fr', 'ru', 'es'] as const)('no English catalog text on any page in %s', async (lang: Lang) => {
    const leaks: string[] = [];
    await walk(lang, { width: 1366, height: 768 }, async (stop, page) => {
      for (const leak of englishLeaks(await pageTexts(page), lang)) leaks.push(`${stop.name}: "${leak.text}" (${leak.key})`);
    });
    expect(leaks).toEqual([]);
  }, 240_000);
});

/** The page's width and its widest element when it is wider than a 360 px phone, else null. */
async function overflowAt360(page: Page): Promise<string | null> {
  const { scrollWidth, widest } = await page.evaluate(() => {
    let widest = '';
    let right = window.innerWidth;
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.right > right + 1 && getComputedStyle(el).position !== 'fixed') {
        right = box.right;
        widest = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')} (${Math.round(box.right)} px)`;
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, widest };
  });
  return scrollWidth > 360 ? `${scrollWidth} px, widest ${widest}` : null;
}

function writeReport(report: { shot: string; status: string; changedPercent?: number; sizeChanged?: boolean }[]): void {
  fs.writeFileSync(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  const changed = report.filter((r) => r.status === 'changed');
  const fresh = report.filter((r) => r.status === 'new');
  const lines = [
    '# Screenshots compared with the previous run',
    '',
    `${report.length} shots: ${changed.length} changed, ${fresh.length} new (no previous shot), ${report.length - changed.length - fresh.length} the same.`,
    '',
    ...changed.map((r) => `- changed: ${r.shot} (${r.sizeChanged ? 'size changed' : `${r.changedPercent} % of pixels`}; see ${r.shot}.diff.png)`),
    ...fresh.map((r) => `- new: ${r.shot}`),
    '',
  ];
  fs.writeFileSync(path.join(outDir, 'report.md'), lines.join('\n'));
}
