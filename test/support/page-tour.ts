import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Plenary } from '../../server/plenary.ts';
import { eventId } from './identity.ts';
import { createParticipant } from './realtime.ts';

/**
 * Every page of Plenary a person can land on, with who looks at it and how
 * to get there (issue 17): the screenshot, overflow and untranslated-text
 * tests and scripts/screenshots.ts walk this one list, so a new page added
 * here is shot, measured and scanned everywhere.
 */
/** `registrant` is anonymous too, in a context of its own: registering signs that browser in. */
export type Viewer = 'anonymous' | 'registrant' | 'delegate' | 'moderator' | 'organiser';

export interface TourStop {
  name: string;
  who: Viewer;
  /** Opens the page in `lang` (a plain GET, or a form filled and sent) and waits until it is ready to look at. */
  open: (page: Page, lang: string) => Promise<void>;
}

export interface Tour {
  stops: TourStop[];
  /** A browser context signed in as `who` (nothing for anonymous), at the given viewport, in Geneva's zone. */
  context: (browser: Browser, who: Viewer, viewport: { width: number; height: number }, options?: { javaScriptEnabled?: boolean; bypassCSP?: boolean }) => Promise<BrowserContext>;
}

const withLang = (path: string, lang: string) => `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;

export async function pageTour(server: Plenary): Promise<Tour> {
  const organiser = await createParticipant(server, { name: 'Amina Diallo', organizer: true });
  const moderator = await createParticipant(server, { name: 'Chen Jing', roles: [{ sessionId: 'thematic-1', role: 'moderator' }] });
  const delegate = await createParticipant(server, { name: 'Lucía Fernández', country: 'MX' });
  const other = await createParticipant(server, { name: 'Pablo Other', country: 'AR' });
  const tokens: Record<Exclude<Viewer, 'anonymous' | 'registrant'>, string> = { organiser: organiser.token, moderator: moderator.token, delegate: delegate.token };
  let registrations = 0;

  const get = (path: string) => async (page: Page, lang: string) => {
    await page.goto(`${server.url}${withLang(path, lang)}`, { waitUntil: 'load' });
  };
  const register = (group: 'government' | 'other') => async (page: Page, lang: string) => {
    registrations += 1;
    await page.goto(`${server.url}/events/${eventId}/register?lang=${lang}`);
    const form = page.locator('form.participant-form');
    await form.locator('input[name="name"]').fill(group === 'other' ? 'Wei Zhang' : 'Fatima Haddad');
    await form.locator('input[name="email"]').fill(`registrant${registrations}@example.org`);
    await form.locator('input[name="organization"]').fill(group === 'other' ? 'Tsinghua University' : 'Ministry of Labour');
    await form.locator('select[name="country"]').selectOption(group === 'other' ? 'CN' : 'MA');
    await form.locator(`input[name="group"][value="${group}"]`).check();
    // Wait for the answer page itself: the URL is the same before and after the post.
    const navigated = page.waitForEvent('framenavigated', (frame) => frame === page.mainFrame());
    await form.locator('button[type="submit"]').last().click();
    await navigated;
    await page.waitForLoadState('load');
  };
  const room = (path: string) => async (page: Page, lang: string) => {
    await get(path)(page, lang);
    await page.locator('#live-room').waitFor({ state: 'visible', timeout: 15_000 });
  };

  const stops: TourStop[] = [
    { name: 'home', who: 'anonymous', open: get('/') },
    { name: 'programme', who: 'delegate', open: get(`/events/${eventId}`) },
    { name: 'agenda', who: 'delegate', open: get(`/events/${eventId}/agenda`) },
    { name: 'register', who: 'anonymous', open: get(`/events/${eventId}/register`) },
    { name: 'registered-pending', who: 'registrant', open: register('other') },
    { name: 'registered', who: 'registrant', open: register('government') },
    { name: 'sign-in-failed', who: 'anonymous', open: get(`/i/${'x'.repeat(43)}`) },
    { name: 'sign-in-switch', who: 'delegate', open: get(`/i/${other.token}`) },
    { name: 'room-delegate', who: 'delegate', open: room(`/events/${eventId}/sessions/thematic-1`) },
    { name: 'room-moderator', who: 'moderator', open: room(`/events/${eventId}/sessions/thematic-1`) },
    { name: 'console-sessions', who: 'organiser', open: get(`/events/${eventId}/console/sessions`) },
    { name: 'console-session-new', who: 'organiser', open: get(`/events/${eventId}/console/sessions/new`) },
    { name: 'console-participants', who: 'organiser', open: get(`/events/${eventId}/console/participants`) },
    { name: 'console-event', who: 'organiser', open: get(`/events/${eventId}/console/event`) },
    { name: 'console-events', who: 'organiser', open: get('/console/events') },
    { name: 'attendance', who: 'organiser', open: get(`/events/${eventId}/console/attendance`) },
    { name: 'speaking-time', who: 'organiser', open: get(`/events/${eventId}/console/speaking-time`) },
    { name: 'records', who: 'organiser', open: get(`/events/${eventId}/console/records`) },
    { name: 'design', who: 'anonymous', open: get('/design') },
    { name: 'error-404', who: 'anonymous', open: get('/no-such-page') },
    { name: 'error-401', who: 'anonymous', open: get(`/events/${eventId}/console/sessions`) },
    { name: 'error-403', who: 'delegate', open: get(`/events/${eventId}/console/participants`) },
  ];

  return {
    stops,
    async context(browser, who, viewport, options = {}) {
      const context = await browser.newContext({ viewport, timezoneId: 'Europe/Zurich', locale: 'en-GB', ...options });
      if (who !== 'anonymous' && who !== 'registrant') {
        const page = await context.newPage();
        await page.goto(`${server.url}/i/${tokens[who]}`);
        await page.close();
      }
      return context;
    },
  };
}
