import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Language } from '../domain/programme.ts';
import { defaultLanguage, htmlLang, inLanguage, isLang, languageChoices, languages, shownLanguage, textDirection } from '../i18n/languages.ts';
import { translate } from '../i18n/translate.ts';
import { warmLanguage } from '../i18n/warm.ts';
import { iconMarkup } from './icon-set.ts';

export interface PageContext {
  lang: Language;
  title: string;
  [key: string]: unknown;
}

/**
 * Handlebars pages and partials from templates/. Every `{{value}}` is
 * HTML-escaped by Handlebars; templates never use triple braces on user text.
 */
export class Views {
  private readonly hbs = Handlebars.create();
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();
  private readonly dir: string;

  constructor(templatesDir: string) {
    this.dir = templatesDir;
    this.registerHelpers();
    // Partials are registered compiled, not as source: Handlebars compiles a
    // source partial into the render's partials object, which is a new one
    // whenever a render passes partials of its own (the render cache's holes),
    // so a source partial would be compiled again on every such render.
    const partialsDir = path.join(templatesDir, 'partials');
    for (const file of fs.readdirSync(partialsDir)) {
      if (file.endsWith('.hbs')) this.hbs.registerPartial(file.slice(0, -4), this.hbs.compile(fs.readFileSync(path.join(partialsDir, file), 'utf8')));
    }
    this.warmSoon();
  }

  /**
   * Compiles every page, partial and the layout soon after start-up, one
   * per event-loop turn, instead of on each one's first render: compiling
   * the session room page and its partials took about 140 ms of one turn,
   * which landed in the first visitors' rush and delayed the floor's
   * broadcasts (issue #10). Pages people open first go first. Handlebars
   * compiles lazily; `_setup`, the first step of every render, compiles a
   * template without rendering it. A page rendered before its turn is
   * compiled then, as before. Then each language's messages and date
   * formatters (i18n/warm.ts), the default language first: a language's
   * first render did that in one turn too.
   */
  private warmSoon(): void {
    const force = (template: unknown): void => {
      const setup = (template as { _setup?: (options: object) => unknown } | undefined)?._setup;
      if (typeof setup === 'function') setup.call(template, {});
    };
    const first = ['session', 'programme', 'agenda', 'events'];
    const pages = fs.readdirSync(path.join(this.dir, 'pages')).filter((f) => f.endsWith('.hbs')).map((f) => f.slice(0, -4));
    pages.sort((a, b) => (first.indexOf(a) + 1 || 99) - (first.indexOf(b) + 1 || 99));
    const steps: (() => void)[] = [
      () => force(this.layout()),
      ...Object.values(this.hbs.partials).map((partial) => () => force(partial)),
      ...pages.map((page) => () => force(this.page(page))),
      ...[defaultLanguage, ...languages.filter((l) => l !== defaultLanguage)].map((lang) => () => warmLanguage(lang)),
    ];
    const next = (): void => {
      const step = steps.shift();
      if (!step) return;
      try {
        step();
      } catch {
        // A template that does not compile fails at its render, as it would have without warming.
      }
      setImmediate(next).unref();
    };
    setImmediate(next).unref();
  }

  private page(page: string): Handlebars.TemplateDelegate {
    let template = this.pages.get(page);
    if (!template) {
      template = this.hbs.compile(fs.readFileSync(path.join(this.dir, 'pages', `${page}.hbs`), 'utf8'), { strict: false });
      this.pages.set(page, template);
    }
    return template;
  }

  /** `runtime` may override partials for this render (the render cache puts holes where a viewer's own parts go). */
  render(page: string, context: PageContext, runtime?: Handlebars.RuntimeOptions): string {
    const body = this.page(page)(context, runtime);
    return this.layout()({ ...context, body: new Handlebars.SafeString(body) }, runtime);
  }

  /** One partial alone, with `root` as the page context its `@root` and helpers see. */
  renderPartial(name: string, context: unknown, root: PageContext): string {
    let template = this.partialTemplates.get(name);
    if (!template) {
      const source = this.hbs.partials[name] as string | Handlebars.TemplateDelegate | undefined;
      if (source === undefined) throw new Error(`no partial ${name}`);
      template = typeof source === 'string' ? this.hbs.compile(source) : source;
      this.partialTemplates.set(name, template);
    }
    return template(context, { data: { root } });
  }

  private readonly partialTemplates = new Map<string, Handlebars.TemplateDelegate>();

  renderFragment(name: string, context: Record<string, unknown>): string {
    const template = this.hbs.compile(fs.readFileSync(path.join(this.dir, name), 'utf8'));
    return template(context);
  }

  private layoutTemplate: Handlebars.TemplateDelegate | undefined;
  private layout(): Handlebars.TemplateDelegate {
    this.layoutTemplate ??= this.hbs.compile(fs.readFileSync(path.join(this.dir, 'layout.hbs'), 'utf8'));
    return this.layoutTemplate;
  }

  private registerHelpers(): void {
    const hbs = this.hbs;
    hbs.registerHelper('t', function (this: unknown, key: string, options: Handlebars.HelperOptions) {
      const root = options.data?.root as { lang?: Language } | undefined;
      return translate(root?.lang ?? defaultLanguage, key, options.hash as Record<string, string>);
    });
    // Picks the viewer's language from a {zh, en} text, falling back to the other.
    hbs.registerHelper('l', function (value: unknown, options: Handlebars.HelperOptions) {
      const root = options.data?.root as { lang?: Language } | undefined;
      if (value && typeof value === 'object') return inLanguage(value as Partial<Record<Language, string>>, root?.lang ?? defaultLanguage);
      return '';
    });
    // `<html lang="{{htmlLang lang}}" dir="{{dir lang}}">`: the BCP 47 tag and the writing direction of a UI language.
    hbs.registerHelper('htmlLang', (lang: unknown) => htmlLang(isLang(lang) ? lang : defaultLanguage));
    hbs.registerHelper('dir', (lang: unknown) => textDirection(isLang(lang) ? lang : defaultLanguage));
    // The language switcher's entries: every UI language named in itself, the current one marked.
    hbs.registerHelper('languageChoices', (current: unknown) =>
      languages.map((code) => ({ code, ...languageChoices[code], direction: textDirection(code), current: code === current })),
    );
    // ` lang="en" dir="ltr"` for an element whose per-language text is shown in another language than the page's
    // (inLanguage's fallback): screen readers switch voice, and English stays left to right on an Arabic page.
    hbs.registerHelper('textLang', function (value: unknown, options: Handlebars.HelperOptions) {
      const page = (options.data?.root as { lang?: Language } | undefined)?.lang ?? defaultLanguage;
      if (!value || typeof value !== 'object') return '';
      const shown = shownLanguage(value as Partial<Record<Language, string>>, page);
      if (!shown || shown === page) return '';
      return new Handlebars.SafeString(` lang="${htmlLang(shown)}" dir="${textDirection(shown)}"`);
    });
    // `{{icon "mic"}}`: a decorative inline SVG (client/icons.ts); an unknown name fails the render instead of showing nothing.
    hbs.registerHelper('icon', (name: unknown) => new Handlebars.SafeString(iconMarkup(String(name))));
    hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    hbs.registerHelper('ne', (a: unknown, b: unknown) => a !== b);
    hbs.registerHelper('gt', (a: number, b: number) => a > b);
    hbs.registerHelper('lt', (a: number, b: number) => a < b);
    hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
    // Paragraphs of a stored text, each escaped.
    hbs.registerHelper('paragraphs', (text: unknown) => {
      if (typeof text !== 'string' || !text) return '';
      const html = text
        .split(/\n{2,}/)
        .map((p) => `<p>${Handlebars.escapeExpression(p)}</p>`)
        .join('');
      return new Handlebars.SafeString(html);
    });
    hbs.registerHelper('json', (value: unknown) => new Handlebars.SafeString(
      JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026'),
    ));
  }
}
