/**
 * Screenshots of every page (the tour in test/support/page-tour.ts: the
 * programme, registration, sign-in, the room, the consoles and reports, the
 * design page, the error pages) in every UI language, at 1366x768 and
 * 390x844, in headless Chromium against a throwaway server, for a
 * translator's or designer's review by eye.
 *
 *   node scripts/screenshots.ts [out-dir]     (default /tmp/plenary-screenshots)
 *   LANGS=zh,en PAGES=programme,registered node scripts/screenshots.ts
 *
 * Not a test: it only writes PNGs (test/browser/pages.browser.test.ts shoots
 * zh and en and compares them with the previous run).
 */
import fs from 'node:fs';
import path from 'node:path';
import { languages } from '../server/i18n/languages.ts';
import { launchChromium } from '../test/support/browser.ts';
import { pageTour } from '../test/support/page-tour.ts';
import { startTestServer } from '../test/support/server.ts';

const out = path.resolve(process.argv[2] ?? '/tmp/plenary-screenshots');
fs.mkdirSync(out, { recursive: true });
const langs = process.env.LANGS ? process.env.LANGS.split(',') : languages;
const only = process.env.PAGES ? new Set(process.env.PAGES.split(',')) : null;

const server = await startTestServer();
const browser = await launchChromium();
try {
  const tour = await pageTour(server);
  const stops = tour.stops.filter((stop) => !only || only.has(stop.name));
  for (const [width, height] of [[1366, 768], [390, 844]] as const) {
    for (const lang of langs) {
      const contexts = new Map<string, Awaited<ReturnType<typeof tour.context>>>();
      for (const stop of stops) {
        let context = contexts.get(stop.who);
        if (!context) {
          context = await tour.context(browser, stop.who, { width, height });
          contexts.set(stop.who, context);
        }
        const page = await context.newPage();
        const started = performance.now();
        await stop.open(page, lang);
        const file = path.join(out, `${stop.name}-${lang}-${width}.png`);
        await page.screenshot({ path: file, fullPage: false });
        console.log(`${file} (${Math.round(performance.now() - started)} ms)`);
        await page.close();
      }
      for (const context of contexts.values()) await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
