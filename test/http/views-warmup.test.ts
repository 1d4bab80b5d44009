import path from 'node:path';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { Views } from '../../server/http/views.ts';
import { isCompiled, isPlainMessage, messageLocale } from '../../server/i18n/format.ts';
import { languages, type Lang } from '../../server/i18n/languages.ts';
import { sharedCatalogs } from '../../server/i18n/translate.ts';
import { warmLanguage } from '../../server/i18n/warm.ts';

// The page warm-up (server/http/views.ts) compiles templates ahead of their
// first render through Handlebars' `_setup`, which is not public API. If a
// Handlebars upgrade removes or changes it, the warm-up would silently stop
// warming: this says so instead.
describe('Handlebars, as the page warm-up relies on it', () => {
  it('compiles a template through _setup without rendering it', () => {
    const hbs = Handlebars.create();
    let rendered = 0;
    hbs.registerHelper('count', () => {
      rendered += 1;
      return '';
    });
    const template = hbs.compile('{{count}} hello {{name}}') as Handlebars.TemplateDelegate & { _setup?: (options: object) => unknown; _child?: unknown };
    expect(typeof template._setup).toBe('function');
    template._setup?.call(template, {});
    expect(rendered).toBe(0);
    expect(template({ name: 'world' })).toBe(' hello world');
    expect(rendered).toBe(1);
  });

  it('reports a template that does not compile from _setup, as its render would', () => {
    const template = Handlebars.create().compile('{{#if}}unclosed') as Handlebars.TemplateDelegate & { _setup?: (options: object) => unknown };
    expect(() => template._setup?.call(template, {})).toThrow();
  });
});

/** A language's messages that need ICU parsing (plurals, selects), which its first render would parse. */
function icuMessages(lang: Lang): string[] {
  return Object.values(sharedCatalogs)
    .flatMap((catalog) => Object.values(catalog[lang] as Record<string, string>))
    .filter((m) => !isPlainMessage(m));
}

describe('the language warm-up (issue #10: a language\'s first render parsed its messages in the first visitors\' rush)', () => {
  it('parses every ICU message of a language ahead of its first render, and only that language', () => {
    const russian = icuMessages('ru');
    expect(russian.length).toBeGreaterThan(0);
    expect(russian.some((m) => isCompiled(m, messageLocale('ru')))).toBe(false);
    warmLanguage('ru');
    expect(russian.filter((m) => !isCompiled(m, messageLocale('ru')))).toEqual([]);
    expect(icuMessages('es').some((m) => isCompiled(m, messageLocale('es')))).toBe(false);
  });

  it('runs for every language soon after the views are made, one step per turn, without a render', async () => {
    const pending = languages.filter((lang) => lang !== 'ru');
    const cold = (lang: Lang) => icuMessages(lang).some((m) => !isCompiled(m, messageLocale(lang)));
    expect(pending.every(cold)).toBe(true);
    new Views(path.resolve(import.meta.dirname, '../../templates'));
    // Each step takes a turn of its own: a turn later, at most one language is done.
    await new Promise((r) => setImmediate(r));
    expect(pending.filter((lang) => !cold(lang)).length).toBeLessThanOrEqual(1);
    for (let turn = 0; turn < 1000 && pending.some(cold); turn++) await new Promise((r) => setImmediate(r));
    expect(pending.filter(cold)).toEqual([]);
  });
});
