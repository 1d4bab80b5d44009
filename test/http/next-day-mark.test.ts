import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { Browser, eventId, invite, signInCookie } from '../support/identity.ts';
import { startTestServer } from '../support/server.ts';

/** Issue 17: 14:45–16:15 in Geneva is 22:45–00:15 in Tokyo, marked as ending the next day on the programme and on My agenda. */
describe('the next-day mark on server-rendered pages', () => {
  let server: Plenary;
  let delegate: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    const p = await invite(server, { name: 'Tokyo Delegate' });
    delegate = new Browser(await signInCookie(p.link));
    const star = await fetch(`${server.url}/api/events/${eventId}/bookmarks/thematic-1`, { method: 'PUT', headers: { authorization: `Bearer ${p.token}` } });
    expect(star.status).toBeLessThan(300);
  });
  afterAll(async () => {
    await server.close();
  });

  const mark = /22:45<\/time>–<time[^>]*>00:15<\/time>\s*<abbr[^>]*>JST<\/abbr>(<\/bdi>)?\s*<span class="plus-day" data-testid="plus-day"><span aria-hidden="true">\(\+1 day\)<\/span><span class="visually-hidden">ends on Wednesday, 23 February 2022<\/span>/;

  it('on the programme, in Tokyo', async () => {
    const page = await delegate.page(`${server.url}/events/${eventId}?tz=Asia%2FTokyo&lang=en`);
    expect(page.html).toMatch(mark);
    // Each day's second session (14:45 in Geneva) crosses midnight in Tokyo; the first (21:00–22:30 JST) does not.
    const marked = [...page.html.matchAll(/<li class="session-card[^"]*" id="session-([a-z0-9-]+)"[\s\S]*?<\/li>\s*(?=<li class="session-card|<\/ol>)/g)]
      .filter((m) => m[0].includes('data-testid="plus-day"'))
      .map((m) => m[1]);
    expect(marked).toEqual(['thematic-1', 'thematic-3', 'closing']);
  });

  it('on My agenda, in Tokyo, and in Chinese', async () => {
    expect((await delegate.page(`${server.url}/events/${eventId}/agenda?tz=Asia%2FTokyo&lang=en`)).html).toMatch(mark);
    expect((await delegate.page(`${server.url}/events/${eventId}/agenda?tz=Asia%2FTokyo&lang=zh`)).html).toContain('<span aria-hidden="true">(+1天)</span>');
  });

  it('not in Geneva, where the session ends the day it starts', async () => {
    const page = await delegate.page(`${server.url}/events/${eventId}/agenda?tz=Europe%2FZurich&lang=en`);
    expect(page.html).toContain('14:45');
    expect(page.html).not.toContain('data-testid="plus-day"');
  });
});
