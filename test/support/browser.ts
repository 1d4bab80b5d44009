import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = fs.existsSync(chromiumPath);

if (!hasChromium) {
  console.warn(`SKIPPED: browser tests need Chromium at ${chromiumPath} (Debian package "chromium"); none found.`);
}

/** Debian's headless Chromium, with the flags this closed network needs and fake media devices (`extra`: e.g. a file for the fake microphone). */
export async function launchChromium(extra: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--allow-loopback-in-peer-connection',
      ...extra,
    ],
  });
}

export interface RoomVisit {
  /** The server's base URL. */
  url: string;
  participant: { token: string; name: string };
  eventId?: string;
  sessionId: string;
  locale?: string;
  timezoneId?: string;
  /** Grant camera and microphone (the stage's tests). */
  media?: boolean;
  /** Appended to the room's URL (e.g. `?lang=zh`, `?ice=relay`). */
  query?: string;
  /** Every context made is added here, for the test to close. */
  contexts: BrowserContext[];
  /** Page errors are collected here, named after the participant. */
  errors?: string[];
  /** Run in the page before its own scripts (e.g. to hold back a browser API at a chosen moment). */
  initScript?: string;
  /** Called with the page before it navigates (e.g. to watch its WebSocket frames). */
  onPage?: (page: Page) => void;
}

/** A participant's browser signed in by their invitation link, in the session room, once the live room shows. */
export async function openRoom(browser: Browser, visit: RoomVisit): Promise<Page> {
  const context = await browser.newContext({
    locale: visit.locale ?? 'en-GB',
    ...(visit.timezoneId ? { timezoneId: visit.timezoneId } : {}),
    ...(visit.media ? { permissions: ['camera', 'microphone'] } : {}),
  });
  visit.contexts.push(context);
  if (visit.initScript) await context.addInitScript({ content: visit.initScript });
  const page = await context.newPage();
  visit.onPage?.(page);
  const errors = visit.errors;
  if (errors) page.on('pageerror', (e) => errors.push(`${visit.participant.name}: ${e.message}`));
  await page.goto(`${visit.url}/i/${visit.participant.token}`);
  await page.goto(`${visit.url}/events/${visit.eventId ?? 'global-forum-2022'}/sessions/${visit.sessionId}${visit.query ?? ''}`);
  await page.locator('#live-room').waitFor({ state: 'visible' });
  return page;
}
