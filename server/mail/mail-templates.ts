import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Language } from '../domain/programme.ts';
import { htmlLang, textDirection } from '../i18n/languages.ts';

export type MailName = 'invitation' | 'approval' | 'rejection' | 'schedule-change';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/**
 * E-mail templates in templates/email/<lang>/<name>.{subject,text,html}.hbs,
 * the HTML wrapped in templates/email/layout.html.hbs. Subject and text are
 * plain text (not HTML-escaped); the HTML part escapes every value.
 */
export class MailTemplates {
  private readonly dir: string;
  private readonly html = Handlebars.create();
  private readonly plain = Handlebars.create();
  private readonly cache = new Map<string, Handlebars.TemplateDelegate>();

  constructor(emailDir: string) {
    this.dir = emailDir;
    for (const hbs of [this.html, this.plain]) hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    // The HTML layout's `<html lang dir>` (Arabic mails are right to left).
    this.html.registerHelper('htmlLang', (lang: Language) => htmlLang(lang));
    this.html.registerHelper('dir', (lang: Language) => textDirection(lang));
  }

  render(name: MailName, lang: Language, context: Record<string, unknown>): RenderedMail {
    const ctx = { ...context, lang };
    const subject = this.template('plain', `${lang}/${name}.subject.hbs`)(ctx).replace(/[\r\n]+/g, ' ').trim();
    const text = this.template('plain', `${lang}/${name}.text.hbs`)(ctx);
    const body = this.template('html', `${lang}/${name}.html.hbs`)(ctx);
    const html = this.template('html', 'layout.html.hbs')({ ...ctx, subject, body: new Handlebars.SafeString(body) });
    return { subject, text, html };
  }

  private template(kind: 'plain' | 'html', file: string): Handlebars.TemplateDelegate {
    const key = `${kind}:${file}`;
    let template = this.cache.get(key);
    if (!template) {
      const source = fs.readFileSync(path.join(this.dir, file), 'utf8');
      template = kind === 'plain' ? this.plain.compile(source, { noEscape: true, strict: false }) : this.html.compile(source, { strict: false });
      this.cache.set(key, template);
    }
    return template;
  }
}
