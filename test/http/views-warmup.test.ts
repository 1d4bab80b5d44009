import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';

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
