import { IntlMessageFormat } from 'intl-messageformat';

/**
 * The one formatter of the catalogs. Messages are ICU MessageFormat
 * (https://unicode-org.github.io/icu/userguide/format_parse/messages/):
 * `{name}` is replaced by `values.name`, and
 * `{n, plural, one {# vote} other {# votes}}` chooses the form the
 * language's plural rules ask for (Russian one/few/many, Arabic
 * zero/one/two/few/many/other), as do `select` (genders) and
 * `selectordinal`. Formatting is done by FormatJS's intl-messageformat, on
 * the server and in the browser alike; plural rules come from the runtime's
 * Intl.
 *
 * `locale` is a BCP 47 tag or one of our language codes; without it the
 * page's `<html lang>` is used in a browser, else English. A message with
 * plain `{name}` placeholders only takes a fast path, and a placeholder
 * without a value is left as it is, so a missing value shows up instead of
 * vanishing. Values are not scanned again. Write apostrophes in messages as
 * ’ (U+2019): in ICU an ASCII ' before a brace starts a quoted literal.
 */
export function interpolate(template: string, values: Readonly<Record<string, string | number>> = {}, locale?: string): string {
  if (isPlainMessage(template)) {
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = values[name];
      return value === undefined || value === null ? whole : String(value);
    });
  }
  try {
    const formatted = compile(template, messageLocale(locale)).format(values as Record<string, string | number>);
    return Array.isArray(formatted) ? formatted.join('') : String(formatted);
  } catch {
    // A value the message needs is missing (or the message does not parse): show it as written.
    return template;
  }
}

const simpleMessage = /^[^{}']*(?:\{\w+\}[^{}']*)*$/;

/** A message with plain `{name}` placeholders only, formatted without ICU (nothing to compile). */
export function isPlainMessage(template: string): boolean {
  return simpleMessage.test(template);
}

/** Whether `template` was already parsed for `locale` (tests of the warm-up). */
export function isCompiled(template: string, locale: string): boolean {
  return compiled.has(`${locale}\u0000${template}`);
}

/** The locale used for plural rules and numbers: Arabic with Western (latn) digits, as in UN documents. */
export function messageLocale(locale?: string): string {
  const tag = locale ?? (typeof document === 'undefined' ? undefined : document.documentElement.lang) ?? 'en';
  if (tag === 'ar' || tag.startsWith('ar-')) return tag.includes('-u-') ? tag : `${tag}-u-nu-latn`;
  if (tag === 'zh') return 'zh-CN';
  return tag || 'en';
}

const compiled = new Map<string, IntlMessageFormat>();

/** Parses an ICU message once per locale (throws on a syntax error; the catalog test compiles every message). */
export function compile(template: string, locale: string): IntlMessageFormat {
  const key = `${locale}\u0000${template}`;
  let message = compiled.get(key);
  if (!message) {
    message = new IntlMessageFormat(template, locale, undefined, { ignoreTag: true });
    compiled.set(key, message);
  }
  return message;
}
