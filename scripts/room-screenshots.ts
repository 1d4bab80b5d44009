/**
 * Screenshots of the live room and the projector view (issue 17) with a
 * session in full swing (test/support/room-scene.ts): the room as its
 * moderator and as a delegate, and the projector, in Chinese, English and
 * Arabic (LANGS=... for others), at 1366x768 and 390x844 (the projector also
 * at 1920x1080), then the room again once the chair has ended the session
 * (`ended-*`), in headless Chromium against a throwaway server.
 *
 *   node scripts/room-screenshots.ts [out-dir]     (default /tmp/plenary-room-screenshots)
 *   MEDIA=1 node scripts/room-screenshots.ts       (a real mediasoup worker: a panelist on camera and the
 *                                                   floor holder's microphone, to see the speaker view)
 *
 * Not a test: it only writes PNGs, for a review by eye.
 */
import fs from 'node:fs';
import path from 'node:path';
import { launchChromium, openRoom } from '../test/support/browser.ts';
import { createParticipant, ok } from '../test/support/realtime.ts';
import { setUpRoomScene } from '../test/support/room-scene.ts';
import { startTestServer } from '../test/support/server.ts';
import { startMediaServer } from '../test/media/support.ts';

const out = path.resolve(process.argv[2] ?? '/tmp/plenary-room-screenshots');
fs.mkdirSync(out, { recursive: true });
const langs = process.env.LANGS ? process.env.LANGS.split(',') : ['zh', 'en', 'ar'];
const sessionId = 'thematic-1';

const media = process.env.MEDIA === '1';
const server = media ? await startMediaServer() : await startTestServer();
const browser = await launchChromium();
const scene = await setUpRoomScene(server, sessionId);
const contexts: Awaited<ReturnType<typeof browser.newContext>>[] = [];
try {
  if (media) {
    // A panelist on camera, and the floor holder's page (their microphone goes live with the floor).
    const panelist = await createParticipant(server, { name: 'María Fernández', group: 'employers', country: 'AR', roles: [{ sessionId, role: 'panelist' }] });
    const pan = await openRoom(browser, { url: server.url, participant: panelist, sessionId, media: true, contexts });
    await pan.getByTestId('publish').click();
    await openRoom(browser, { url: server.url, participant: scene.speakers[0]!, sessionId, media: true, contexts });
  }
  const room = `/events/global-forum-2022/sessions/${sessionId}`;
  const live = [
    ['room-moderator', scene.moderator.token, room, [[1366, 768], [390, 844]]],
    ['room-delegate', scene.delegate.token, room, [[1366, 768], [390, 844]]],
    ['projector', scene.moderator.token, `${room}/projector`, [[1920, 1080], [1366, 768]]],
  ] as const;
  // Then the same room once the chair has ended the session (speakers still inscribed are listed as not called).
  const ended = [
    ['ended-room-moderator', scene.moderator.token, room, [[1366, 768], [390, 844]]],
    ['ended-room-delegate', scene.delegate.token, room, [[1366, 768], [390, 844]]],
  ] as const;
  for (const shots of [live, ended]) {
    if (shots === ended) await ok(scene.sockets[0]!, 'session:end', { sessionId });
    for (const [name, token, route, sizes] of shots) {
      for (const [width, height] of sizes) {
        for (const lang of langs) {
          const context = await browser.newContext({ viewport: { width, height }, timezoneId: 'Europe/Zurich', locale: 'en-GB' });
          const page = await context.newPage();
          await page.goto(`${server.url}/i/${token}`);
          await page.goto(`${server.url}${route}?lang=${lang}`);
          await page.locator(name === 'projector' ? '#projector-live' : '#live-room').waitFor({ state: 'visible' });
          await page.waitForTimeout(media ? 3000 : 700);
          const file = path.join(out, `${name}-${lang}-${width}.png`);
          await page.screenshot({ path: file, fullPage: false });
          console.log(file);
          if (name !== 'projector' && width < 1100) {
            // On a phone, the other tabs too.
            for (const tab of ['floor', 'questions', 'chair']) {
              const button = page.locator(`#tab-${tab}`);
              if (!(await button.isVisible())) continue;
              await button.click();
              const tabFile = path.join(out, `${name}-${lang}-${width}-${tab}.png`);
              await page.screenshot({ path: tabFile, fullPage: false });
              console.log(tabFile);
            }
          }
          if (name !== 'projector' && width >= 1100) {
            const fullFile = path.join(out, `${name}-${lang}-${width}-full.png`);
            await page.screenshot({ path: fullFile, fullPage: true });
            console.log(fullFile);
          }
          await context.close();
        }
      }
    }
  }
} finally {
  for (const c of contexts) await c.close();
  scene.close();
  await browser.close();
  await server.close();
}
