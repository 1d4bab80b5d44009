/**
 * Screenshots of the main pages in every UI language, for a translator's or
 * designer's review by eye: home, programme and a session room (as its
 * moderator, so the live controls show), the organiser consoles and the
 * design-system page, at 1366x768 and 390x844, in
 * headless Chromium against a throwaway server.
 *
 *   node scripts/screenshots.ts [out-dir]     (default /tmp/plenary-screenshots)
 *
 * Not a test: it only writes PNGs. Chinese and Arabic glyphs need fonts on
 * the machine (Debian: fonts-noto-cjk fonts-noto-core).
 */
import fs from 'node:fs';
import path from 'node:path';
import { languages } from '../server/i18n/languages.ts';
import { launchChromium } from '../test/support/browser.ts';
import { createParticipant } from '../test/support/realtime.ts';
import { startTestServer } from '../test/support/server.ts';

const out = path.resolve(process.argv[2] ?? '/tmp/plenary-screenshots');
fs.mkdirSync(out, { recursive: true });
const only = process.env.LANGS ? process.env.LANGS.split(',') : languages;

const server = await startTestServer();
const browser = await launchChromium();
try {
  // The moderator is also an organiser, so the consoles can be shot too (issue 17).
  const moderator = await createParticipant(server, { name: 'Amina Diallo', organizer: true, roles: [{ sessionId: 'thematic-1', role: 'moderator' }] });
  const pages = [
    ['home', '/'],
    ['programme', '/events/global-forum-2022'],
    ['room', '/events/global-forum-2022/sessions/thematic-1'],
    ['console-sessions', '/events/global-forum-2022/console/sessions'],
    ['console-participants', '/events/global-forum-2022/console/participants'],
    ['design', '/design'],
  ] as const;
  for (const [width, height] of [[1366, 768], [390, 844]] as const) {
    for (const lang of only) {
      const context = await browser.newContext({ viewport: { width, height }, timezoneId: 'Europe/Zurich', locale: 'en-GB' });
      const page = await context.newPage();
      await page.goto(`${server.url}/i/${moderator.token}`);
      for (const [name, route] of pages) {
        await page.goto(`${server.url}${route}?lang=${lang}`);
        if (name === 'room') await page.locator('#live-room').waitFor({ state: 'visible' });
        const file = path.join(out, `${name}-${lang}-${width}.png`);
        await page.screenshot({ path: file, fullPage: false });
        console.log(file);
      }
      await context.close();
    }
  }
} finally {
  await browser.close();
  await server.close();
}
