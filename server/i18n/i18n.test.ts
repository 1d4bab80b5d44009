import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Language } from '../domain/programme.ts';
import type { ErrorCode } from '../errors.ts';
import { calendarMessages } from './catalogs/calendar.ts';
import { consoleText } from './catalogs/console.ts';
import { errorMessages } from './catalogs/errors.ts';
import { identityMessages } from './catalogs/identity.ts';
import { mailMessages } from './catalogs/mail.ts';
import { pageMessages } from './catalogs/pages.ts';
import { roomMessages } from './catalogs/room.ts';
import { interpolate } from './format.ts';
import { inLanguage, languages, pickLanguage, type Lang } from './languages.ts';
import { sharedCatalogs, translate } from './translate.ts';

const catalogs: Record<string, Record<Lang, Record<string, string>>> = {
  pages: pageMessages,
  room: roomMessages,
  identity: identityMessages,
  calendar: calendarMessages,
  mail: mailMessages,
  console: { zh: consoleText('zh'), en: consoleText('en') },
  errors: errorMessages,
};

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? '').sort();

describe('catalogs', () => {
  for (const [area, catalog] of Object.entries(catalogs)) {
    it(`${area}: the same keys in every language, none empty, the same placeholders`, () => {
      const keys = Object.keys(catalog.en).sort();
      for (const lang of languages) {
        expect(Object.keys(catalog[lang]).sort(), `${area}/${lang}`).toEqual(keys);
        for (const key of keys) {
          expect(catalog[lang][key], `${area}/${lang}/${key}`).toBeTruthy();
          expect(placeholders(catalog[lang][key] ?? ''), `${area}/${lang}/${key}`).toEqual(placeholders(catalog.en[key] ?? ''));
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
  it('are the languages content is written in', () => {
    expectTypeOf<Lang>().toEqualTypeOf<Language>();
  });
});

describe('pickLanguage', () => {
  it('takes an explicit choice that names a language', () => {
    expect(pickLanguage({ requested: 'zh', acceptLanguage: 'en-GB' })).toBe('zh');
    expect(pickLanguage({ requested: 'fr', acceptLanguage: 'zh-CN,zh;q=0.9' })).toBe('zh');
  });
  it('ranks Accept-Language by q, then falls back', () => {
    expect(pickLanguage({ acceptLanguage: 'fr;q=1, en;q=0.5, zh-Hant;q=0.8' })).toBe('zh');
    expect(pickLanguage({ acceptLanguage: 'zh;q=0, en-US' })).toBe('en');
    expect(pickLanguage({ acceptLanguage: 'fr, de' })).toBe('en');
    expect(pickLanguage({}, languages, 'zh')).toBe('zh');
    expect(pickLanguage({ requested: 'en' }, ['zh'], 'zh')).toBe('zh');
  });
});

describe('inLanguage', () => {
  it('gives the viewer’s language, else the other, else nothing', () => {
    expect(inLanguage({ zh: '开幕', en: 'Opening' }, 'zh')).toBe('开幕');
    expect(inLanguage({ zh: '', en: 'Opening' }, 'zh')).toBe('Opening');
    expect(inLanguage({ zh: '开幕', en: '' }, 'en')).toBe('开幕');
    expect(inLanguage(null, 'en')).toBe('');
  });
});

describe('interpolate', () => {
  it('fills placeholders once and keeps those without a value', () => {
    expect(interpolate('{name} has the floor ({n})', { name: '{n}', n: 2 })).toBe('{n} has the floor (2)');
    expect(interpolate('Hello {who}', {})).toBe('Hello {who}');
  });
});
