import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, eventId } from '../support/identity.ts';
import { getJson, startTestServer } from '../support/server.ts';

const titleOf = (html: string): string => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '(no title element)';

describe('page titles when a session is titled in one language only', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
    for (const [id, title] of [
      ['english-only', { en: 'Only in English' }],
      ['chinese-only', { zh: '仅中文标题' }],
    ] as const) {
      const res = await getJson(`${server.url}/api/events/${eventId}/sessions`, {
        method: 'POST',
        headers: { ...asOrganizer, 'content-type': 'application/json' },
        body: JSON.stringify({ id, start: '2022-02-23T09:00', end: '2022-02-23T10:00', title }),
      });
      if (res.status !== 201) throw new Error(`session create failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
  });
  afterAll(async () => {
    await server.close();
  });

  const page = async (path: string, lang: 'zh' | 'en'): Promise<string> => {
    const res = await fetch(`${server.url}${path}?lang=${lang}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    return res.text();
  };

  it.each([
    ['english-only', 'zh', 'Only in English'],
    ['english-only', 'en', 'Only in English'],
    ['chinese-only', 'en', '仅中文标题'],
    ['chinese-only', 'zh', '仅中文标题'],
  ] as const)('the %s session page in %s is titled in the language it has', async (id, lang, title) => {
    const html = await page(`/events/${eventId}/sessions/${id}`, lang);
    expect(titleOf(html)).toBe(`${title} · Plenary`);
    // A title shown in another language than the page's says so (lang, dir), for screen readers and right-to-left pages.
    const shown = title === 'Only in English' ? 'en' : 'zh';
    expect(html).toContain(shown === lang ? `<h1>${title}</h1>` : `<h1 lang="${shown === 'zh' ? 'zh-Hans' : 'en'}" dir="ltr">${title}</h1>`);
  });
});
