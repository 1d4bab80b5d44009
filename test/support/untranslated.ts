import type { Page } from 'playwright-core';
import { consoleText } from '../../server/i18n/catalogs/console.ts';
import { errorMessages } from '../../server/i18n/catalogs/errors.ts';
import { recordMessages } from '../../server/i18n/catalogs/record.ts';
import { languages, type Lang } from '../../server/i18n/languages.ts';
import { sharedCatalogs } from '../../server/i18n/translate.ts';

/**
 * The untranslated-string scan (issue 17): text a page shows (or gives
 * screen readers: aria-label, title, placeholder, alt) that is an English
 * catalog message while the page is in another language. A message counts
 * only where the other language says it differently (French "Format" is
 * French too), and only if it has words (three letters or more); text
 * marked with another `lang` (an event's own texts shown in English for
 * want of a translation, the design page's notes) is the page saying so,
 * and is not scanned, nor are people's names as they typed them.
 */
type Table = Record<Lang, Record<string, string>>;

const tables: Table[] = [
  ...Object.values(sharedCatalogs as unknown as Record<string, Table>),
  errorMessages as unknown as Table,
  recordMessages as unknown as Table,
  Object.fromEntries(languages.map((l) => [l, consoleText(l)])) as unknown as Table,
];

interface EnglishMessage {
  key: string;
  english: string;
  pattern: RegExp;
}

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

/** An English message as a pattern: its {placeholders} (and ICU plural/select blocks) match any text. */
function patternOf(message: string): RegExp | null {
  let depth = 0;
  let out = '';
  let literal = '';
  for (const ch of message) {
    if (ch === '{') {
      if (depth === 0) {
        out += escape(literal);
        literal = '';
        out += '.+?';
      }
      depth += 1;
    } else if (ch === '}') {
      depth = Math.max(0, depth - 1);
    } else if (depth === 0) {
      literal += ch;
    }
  }
  out += escape(literal);
  // Only what the message fixes counts: a message that is mostly placeholders says nothing English by itself.
  const fixed = message.replace(/\{[^{}]*(\{[^{}]*\}[^{}]*)*\}/g, ' ');
  if (!/[A-Za-z]{3,}/.test(fixed)) return null;
  return new RegExp(`^\\s*${out.replace(/\s+/g, '\\s+')}\\s*$`);
}

function englishFor(lang: Lang): EnglishMessage[] {
  const found: EnglishMessage[] = [];
  for (const table of tables) {
    for (const [key, english] of Object.entries(table.en)) {
      if (typeof english !== 'string') continue;
      const translated = table[lang][key];
      if (translated === undefined || translated.trim() === english.trim()) continue;
      const pattern = patternOf(english);
      if (pattern) found.push({ key, english, pattern });
    }
  }
  return found;
}

const cache = new Map<Lang, EnglishMessage[]>();

/** The texts among `texts` that are English catalog messages in a page in `lang`. */
export function englishLeaks(texts: readonly string[], lang: Lang): { text: string; key: string }[] {
  if (lang === 'en') return [];
  let messages = cache.get(lang);
  if (!messages) {
    messages = englishFor(lang);
    cache.set(lang, messages);
  }
  const leaks: { text: string; key: string }[] = [];
  for (const text of texts) {
    if (!/[A-Za-z]{3,}/.test(text)) continue;
    const hit = messages.find((m) => m.pattern.test(text));
    if (hit) leaks.push({ text, key: hit.key });
  }
  return leaks;
}

/**
 * What a page says in its own language: every rendered text node's text
 * (hidden ones too: a tab panel or a menu not open is still the page), and
 * the accessible attributes, leaving out elements marked with another
 * language and code.
 */
export async function pageTexts(page: Page): Promise<string[]> {
  return page.evaluate((people) => {
    const pageLang = document.documentElement.lang;
    const out: string[] = [];
    const foreign = (el: Element | null): boolean => {
      const marked = el?.closest('[lang]');
      return (!!marked && marked !== document.documentElement && marked.getAttribute('lang') !== pageLang) || !!el?.closest(people);
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest('script, style, code, textarea, template, noscript') || foreign(parent)) continue;
      const text = (node.textContent ?? '').trim();
      if (text) out.push(text);
    }
    for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], img[alt], input[type="submit"][value]')) {
      if (foreign(el)) continue;
      for (const attr of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
        if (attr === 'value' && el.getAttribute('type') !== 'submit') continue;
        const value = el.getAttribute(attr)?.trim();
        if (value) out.push(value);
      }
    }
    // Whole elements too: a message split over inline elements ("Signed in as <b>…</b>") is one text to a reader.
    for (const el of document.body.querySelectorAll('p, li, h1, h2, h3, h4, label, button, a, summary, th, td, legend, dt, dd, figcaption, span.badge')) {
      if (foreign(el) || el.closest('script, style, code, textarea')) continue;
      const text = (el as HTMLElement).innerText?.trim() || el.textContent?.trim();
      if (text && text.length < 400) out.push(text.replace(/\s+/g, ' '));
    }
    return [...new Set(out)];
  }, peopleAsEntered);
}

/** Where pages show what people typed (a participant's name: the seed's organiser is called "Organiser"), which no catalog translates. */
const peopleAsEntered = '.col-name > a, [data-testid="signed-in-as"]';
