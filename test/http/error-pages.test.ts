import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Plenary } from '../../server/plenary.ts';
import { AppError } from '../../server/errors.ts';
import { parseInput } from '../../server/http/validate.ts';
import { describeError, fieldProblems } from '../../server/i18n/error-text.ts';
import { delegateMessages } from '../../server/i18n/catalogs/delegate.ts';
import { languages } from '../../server/i18n/languages.ts';
import { Browser, eventId, invite, signInCookie } from '../support/identity.ts';
import { startTestServer } from '../support/server.ts';

/** Issue 17: no English developer text inside another language — refusals are said through their codes, field by field. */
function refusal(schema: z.ZodType, value: unknown): AppError {
  try {
    parseInput(schema, value);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('the input was accepted');
}

describe('refused input, in the viewer\'s language', () => {
  const schema = z.object({
    language: z.enum(['zh', 'en']),
    name: z.string().min(1).max(20),
    email: z.email(),
    title: z.object({ en: z.string().max(3) }),
    widget: z.number(),
  });
  const error = refusal(schema, { language: 'xx', name: '', email: 'not-an-address', title: { en: 'too long' }, widget: 'no' });

  it('names each field and its problem in Chinese, with none of the schema\'s English', () => {
    expect(fieldProblems(error, 'zh')).toEqual(['语言：请从提供的选项中选择', '姓名：此项为必填项', '电子邮件：格式不正确', '标题：内容过长', '某项内容：无效']);
    const { text } = describeError(error, 'zh');
    expect(text).not.toMatch(/[A-Za-z]/);
    // The English stays for API clients and logs.
    expect(error.message).toMatch(/^Invalid input: language: /);
  });

  it('says the same in every language from the catalogs', () => {
    for (const lang of languages) {
      const catalog = delegateMessages[lang];
      const lines = fieldProblems(error, lang);
      expect(lines).toHaveLength(5);
      expect(lines[0]).toContain(catalog.dl_field_language);
      expect(lines[0]).toContain(catalog.dl_problem_choice);
      expect(lines[1]).toContain(catalog.dl_problem_required);
    }
  });

  it('has no field lines for a refusal that is not about fields', () => {
    const described = describeError(new AppError('not_found', 'No route for GET /x.'), 'fr');
    expect(described.fields).toEqual([]);
    expect(described.text).toBe(described.summary);
    expect(described.text).not.toContain('No route');
  });
});

describe('error pages in six languages', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function page(path: string, init: RequestInit = {}): Promise<{ status: number; html: string }> {
    const res = await fetch(`${server.url}${path}`, { redirect: 'manual', ...init, headers: { accept: 'text/html', ...init.headers } });
    return { status: res.status, html: await res.text() };
  }

  it.each([...languages])('404 and 401 pages in %s: a translated title, a way back, no English developer text', async (lang) => {
    const catalog = delegateMessages[lang];
    const missing = await page(`/no-such-page?lang=${lang}`);
    expect(missing.status).toBe(404);
    expect(missing.html).toContain(`<h1>${catalog.dl_errorTitle_404}</h1>`);
    expect(missing.html).toContain(`href="/">${catalog.dl_errorBack}</a>`);
    expect(missing.html).not.toContain('There is no page');
    const anonymous = await page(`/events/${eventId}/console/sessions?lang=${lang}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.html).toContain(`<h1>${catalog.dl_errorTitle_401}</h1>`);
    expect(anonymous.html).toContain(catalog.dl_errorSignInHint);
  });

  it('403 for a delegate on an organiser\'s console, in Chinese', async () => {
    const delegate = await invite(server, { name: 'Curious Delegate' });
    const browser = new Browser(await signInCookie(delegate.link));
    const res = await browser.page(`${server.url}/events/${eventId}/console/participants?lang=zh`);
    expect(res.status).toBe(403);
    expect(res.html).toContain(`<h1>${delegateMessages.zh.dl_errorTitle_403}</h1>`);
  });

  it('a refused console action says what was wrong in Chinese, not "Invalid input: status: …"', async () => {
    const organiser = new Browser(await signInCookie(server.organizerLinks[0]?.link ?? ''));
    const someone = await invite(server, { name: 'Status Person' });
    const { csrf } = await organiser.page(`${server.url}/events/${eventId}/console/participants?lang=zh`);
    const res = await organiser.fetch(`${server.url}/events/${eventId}/console/participants/${someone.participant.id}/status?lang=zh`, {
      method: 'POST',
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, status: 'bogus' }).toString(),
    });
    const html = await res.text();
    expect(res.status).toBe(400);
    expect(html).toContain('操作失败');
    expect(html).toContain('状态：请从提供的选项中选择');
    expect(html).not.toContain('Invalid input');
  });
});
