import fs from 'node:fs';
import path from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Language } from '../domain/programme.ts';
import type { ErrorCode } from '../errors.ts';
import { MailTemplates, type MailName } from '../mail/mail-templates.ts';
import { calendarMessages } from './catalogs/calendar.ts';
import { consoleText } from './catalogs/console.ts';
import { consoleMessages } from './catalogs/consoles.ts';
import { errorMessages } from './catalogs/errors.ts';
import { eventMessages } from './catalogs/events.ts';
import { delegateMessages } from './catalogs/delegate.ts';
import { identityMessages } from './catalogs/identity.ts';
import { mailMessages } from './catalogs/mail.ts';
import { pageMessages } from './catalogs/pages.ts';
import { recordMessages } from './catalogs/record.ts';
import { recordingMessages } from './catalogs/recordings.ts';
import { accessMessages } from './catalogs/access.ts';
import { roomStateMessages } from './catalogs/room-state.ts';
import { roomMessages } from './catalogs/room.ts';
import { stageMessages } from './catalogs/stage.ts';
import { interpolate, messageLocale } from './format.ts';
import { dateLocale, htmlLang, inLanguage, languages, pickLanguage, shownLanguage, textDirection, type Lang } from './languages.ts';
import { sharedCatalogs, translate } from './translate.ts';

/** Every catalog of every area: the UI's, the e-mails', the calendars' and the refusals'. */
const catalogs: Record<string, Record<Lang, Record<string, string>>> = {
  pages: pageMessages,
  room: roomMessages,
  stage: stageMessages,
  identity: identityMessages,
  calendar: calendarMessages,
  mail: mailMessages,
  events: eventMessages,
  consoles: consoleMessages,
  delegate: delegateMessages,
  record: recordMessages,
  recordings: recordingMessages,
  access: accessMessages,
  roomState: roomStateMessages,
  console: Object.fromEntries(languages.map((l) => [l, consoleText(l)])) as unknown as Record<Lang, Record<string, string>>,
  errors: errorMessages,
};

// Element types of FormatJS's ICU AST (@formatjs/icu-messageformat-parser TYPE).
const ARGUMENT = 1;
const NUMBER = 2;
const SELECT = 5;
const PLURAL = 6;
type AstNode = { type: number; value?: string; options?: Record<string, { value: AstNode[] }> };

/** The arguments a message takes, by kind: plural/number arguments need numbers, select ones a keyword. */
function argumentsOf(nodes: AstNode[], into = new Map<string, 'text' | 'number' | 'select'>()): Map<string, 'text' | 'number' | 'select'> {
  for (const node of nodes) {
    if (node.type === ARGUMENT && node.value && !into.has(node.value)) into.set(node.value, 'text');
    if ((node.type === NUMBER || node.type === PLURAL) && node.value) into.set(node.value, 'number');
    if (node.type === SELECT && node.value) into.set(node.value, 'select');
    for (const option of Object.values(node.options ?? {})) argumentsOf(option.value, into);
  }
  return into;
}

const parse = (message: string, lang: Lang) => new IntlMessageFormat(message, messageLocale(lang), undefined, { ignoreTag: true });
/** The arguments a caller must give; a `select` (a gender) may appear only in the languages that mark it, and its caller always passes it. */
const signature = (message: string, lang: Lang) =>
  [...argumentsOf(parse(message, lang).getAst() as AstNode[])].filter(([, kind]) => kind !== 'select').map(([name]) => name).sort();

describe('catalogs', () => {
  for (const [area, catalog] of Object.entries(catalogs)) {
    it(`${area}: every key in all six languages, none empty, every message compiles as ICU with the same arguments and renders`, () => {
      const keys = Object.keys(catalog.en).sort();
      for (const lang of languages) {
        expect(Object.keys(catalog[lang]).sort(), `${area}/${lang}`).toEqual(keys);
        for (const key of keys) {
          const message = catalog[lang][key] ?? '';
          const where = `${area}/${lang}/${key}`;
          expect(message, where).toBeTruthy();
          expect(() => parse(message, lang), where).not.toThrow();
          expect(signature(message, lang), where).toEqual(signature(catalog.en[key] ?? '', 'en'));
          // Rendered with sample values (every plural category reached by 0, 1, 2, 5, 11, 101): nothing is left unfilled.
          const args = argumentsOf(parse(message, lang).getAst() as AstNode[]);
          for (const n of [0, 1, 2, 5, 11, 101]) {
            for (const gender of ['female', 'male', 'other']) {
              const values = Object.fromEntries([...args].map(([name, kind]) => [name, kind === 'number' ? n : kind === 'select' ? gender : `«${name}»`]));
              const text = interpolate(message, values, lang);
              expect(text, where).not.toMatch(/[{}#]/);
              for (const [name, kind] of args) if (kind === 'text') expect(text, where).toContain(`«${name}»`);
            }
          }
        }
      }
    });
  }

  it('translates every ErrorCode in every language (Record<ErrorCode, string>: the type check fails on a missing one)', () => {
    for (const lang of languages) expectTypeOf(errorMessages[lang]).toEqualTypeOf<Record<ErrorCode, string>>();
    // A few that came with the live layer's rework.
    for (const code of ['floor_changed', 'unknown_event', 'too_many_connections', 'media_limit_reached'] satisfies ErrorCode[]) {
      for (const lang of languages) expect(errorMessages[lang][code]).toBeTruthy();
    }
  });

  it('choose the plural form each language needs (ICU plural through intl-messageformat)', () => {
    const votes = (lang: Lang, n: number) => translate(lang, 'votes', { n });
    expect([1, 2].map((n) => votes('en', n))).toEqual(['1 vote', '2 votes']);
    expect([1, 2, 5, 21, 22, 25, 11].map((n) => votes('ru', n))).toEqual(['1 голос', '2 голоса', '5 голосов', '21 голос', '22 голоса', '25 голосов', '11 голосов']);
    expect([0, 1, 2, 3, 11, 100].map((n) => votes('ar', n))).toEqual(['لا أصوات', 'صوت واحد', 'صوتان', '3 أصوات', '11 صوتًا', '100 صوت']);
    expect([0, 1, 2].map((n) => votes('fr', n))).toEqual(['0 vote', '1 vote', '2 votes']);
    expect(translate('ru', 'minutes', { n: 90 })).toBe('90 минут');
    expect(translate('ru', 'id_count', { n: 3 })).toBe('3 участника');
    expect(translate('es', 'attPresentNow', { count: 1 })).toBe('1 persona presente');
    // Arabic numbers keep Western digits, like times: 1,234 reads the same on every page.
    expect(translate('ar', 'minutes', { n: 1234 })).toBe('1,234 دقيقة');
    // A gender where a language marks it (ICU select): a role line in an invitation.
    expect(interpolate(mailMessages.fr.role_moderator, { gender: 'female' }, 'fr')).toBe('Modératrice');
    expect(interpolate(mailMessages.fr.role_moderator, { gender: 'other' }, 'fr')).toBe('Modération');
    expect(interpolate(mailMessages.en.role_moderator, { gender: 'female' }, 'en')).toBe('Moderator');
  });

  it('share no key between the catalogs behind {{t}}', () => {
    const seen = new Map<string, string>();
    for (const [area, catalog] of Object.entries(sharedCatalogs)) {
      for (const key of Object.keys(catalog.en)) {
        expect(seen.get(key), `${key} is in ${seen.get(key)} and ${area}`).toBeUndefined();
        seen.set(key, area);
      }
    }
  });

  it('have every key the templates ask {{t}} for', () => {
    const dir = path.resolve(import.meta.dirname, '..', '..', 'templates');
    const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.hbs'));
    const missing: string[] = [];
    for (const file of files) {
      const source = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const [, key = ''] of source.matchAll(/[{(]t ["']([\w-]+)["']/g)) {
        for (const lang of languages) if (translate(lang, key) === key) missing.push(`${file}: ${key} (${lang})`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('languages', () => {
  it('are the six UN languages, the languages content is written in', () => {
    expectTypeOf<Lang>().toEqualTypeOf<Language>();
    expect([...languages].sort()).toEqual(['ar', 'en', 'es', 'fr', 'ru', 'zh']);
  });
  it('write Arabic right to left, with BCP 47 tags for <html lang>', () => {
    expect(languages.map((l) => textDirection(l))).toEqual(languages.map((l) => (l === 'ar' ? 'rtl' : 'ltr')));
    expect(languages.map((l) => htmlLang(l))).toEqual(['ar', 'zh-Hans', 'en', 'fr', 'ru', 'es']);
    expect(new Intl.DateTimeFormat(dateLocale('ar'), { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' }).format(Date.UTC(2022, 1, 22, 13, 5))).toBe('13:05');
  });
});

describe('e-mail templates', () => {
  const names: MailName[] = ['invitation', 'approval', 'rejection', 'schedule-change'];
  const templates = new MailTemplates(path.resolve(import.meta.dirname, '..', '..', 'templates', 'email'));
  it('exist in every language and render, the HTML with lang and dir', () => {
    const context = { name: 'N. N.', eventTitle: 'Forum', link: 'https://example.org/s/x', programmeUrl: 'https://example.org/p', registered: true, organizer: true, roles: ['R'], reason: 'r', cancelled: false, sessionTitle: 'S', eventTime: '13:00', yourTime: '21:00' };
    for (const lang of languages) {
      for (const name of names) {
        const mail = templates.render(name, lang, context);
        expect(mail.subject, `${lang}/${name}`).toContain('');
        expect(mail.subject.length, `${lang}/${name}`).toBeGreaterThan(3);
        expect(mail.text, `${lang}/${name}`).toContain(name === 'schedule-change' ? 'S' : 'Forum');
        expect(mail.html, `${lang}/${name}`).toContain(`lang="${htmlLang(lang)}" dir="${textDirection(lang)}"`);
      }
    }
    expect(templates.render('approval', 'ru', context).text).toContain('Уважаемый(ая) N. N.');
    expect(templates.render('approval', 'ar', context).subject).toContain('تمت الموافقة');
  });
});

describe('pickLanguage', () => {
  it('takes an explicit choice that names a language', () => {
    expect(pickLanguage({ requested: 'zh', acceptLanguage: 'en-GB' })).toBe('zh');
    expect(pickLanguage({ requested: 'ar', acceptLanguage: 'zh-CN,zh;q=0.9' })).toBe('ar');
    expect(pickLanguage({ requested: 'de', acceptLanguage: 'zh-CN,zh;q=0.9' })).toBe('zh');
  });
  it('ranks Accept-Language by q, matching primary subtags, then falls back', () => {
    expect(pickLanguage({ acceptLanguage: 'de;q=1, en;q=0.5, zh-Hant;q=0.8' })).toBe('zh');
    expect(pickLanguage({ acceptLanguage: 'zh;q=0, en-US' })).toBe('en');
    expect(pickLanguage({ acceptLanguage: 'fr-CA, en;q=0.8' })).toBe('fr');
    expect(pickLanguage({ acceptLanguage: 'es-419,es;q=0.9' })).toBe('es');
    expect(pickLanguage({ acceptLanguage: 'ru-RU,ru;q=0.9,en-US;q=0.8' })).toBe('ru');
    expect(pickLanguage({ acceptLanguage: 'ar-EG' })).toBe('ar');
    expect(pickLanguage({ acceptLanguage: 'arn, de' })).toBe('en');
    expect(pickLanguage({ acceptLanguage: 'de, it' })).toBe('en');
    expect(pickLanguage({}, languages, 'zh')).toBe('zh');
    expect(pickLanguage({ requested: 'en' }, ['zh'], 'zh')).toBe('zh');
  });
});

describe('inLanguage', () => {
  it('gives the viewer’s language, else English, else Chinese, else any, else nothing', () => {
    expect(inLanguage({ zh: '开幕', en: 'Opening' }, 'zh')).toBe('开幕');
    expect(inLanguage({ zh: '', en: 'Opening' }, 'zh')).toBe('Opening');
    expect(inLanguage({ zh: '开幕', en: '' }, 'en')).toBe('开幕');
    expect(inLanguage({ zh: '开幕', en: 'Opening', fr: 'Ouverture' }, 'fr')).toBe('Ouverture');
    expect(inLanguage({ zh: '开幕', en: 'Opening', fr: 'Ouverture' }, 'ru')).toBe('Opening');
    expect(inLanguage({ zh: '开幕', en: '', fr: 'Ouverture' }, 'ar')).toBe('开幕');
    expect(inLanguage({ zh: '', en: '', es: 'Apertura' }, 'ar')).toBe('Apertura');
    expect(shownLanguage({ zh: '开幕', en: 'Opening', fr: 'Ouverture' }, 'es')).toBe('en');
    expect(inLanguage(null, 'en')).toBe('');
  });
});

describe('interpolate', () => {
  it('fills placeholders once and keeps those without a value', () => {
    expect(interpolate('{name} has the floor ({n})', { name: '{n}', n: 2 })).toBe('{n} has the floor (2)');
    expect(interpolate('Hello {who}', {})).toBe('Hello {who}');
    expect(interpolate('{n, plural, one {# vote} other {# votes}} by {who}', { n: 1, who: '{x}' }, 'en')).toBe('1 vote by {x}');
    // An ICU message missing a value it needs is shown as written rather than failing.
    expect(interpolate('{n, plural, one {# vote} other {# votes}}', {}, 'en')).toBe('{n, plural, one {# vote} other {# votes}}');
  });
});
