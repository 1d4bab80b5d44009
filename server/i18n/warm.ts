import { DateTime } from 'luxon';
import { compile, isPlainMessage, messageLocale } from './format.ts';
import { dateLocale, type Lang } from './languages.ts';
import { sharedCatalogs } from './translate.ts';

const names = new Map<Lang, Intl.DisplayNames>();

/** Languages named in `lang` (the pages' notes about which language a text is shown in), made once per language. */
export function languageNames(lang: Lang): Intl.DisplayNames {
  let made = names.get(lang);
  if (!made) {
    made = new Intl.DisplayNames([dateLocale(lang)], { type: 'language' });
    names.set(lang, made);
  }
  return made;
}

/**
 * Does ahead of time what a language's first page render would do: parses
 * its ICU messages (plurals, selects) and makes the Intl formatters the
 * pages' dates and language names use. The first render in each language
 * did this in one turn of about 10-15 ms, in the first visitors' rush,
 * where the floor's broadcasts waited behind it (issue #10). Run one
 * language per event-loop turn (server/http/views.ts).
 */
export function warmLanguage(lang: Lang): void {
  const locale = messageLocale(lang);
  for (const catalog of Object.values(sharedCatalogs)) {
    for (const message of Object.values(catalog[lang] as Record<string, string>)) {
      if (!isPlainMessage(message)) compile(message, locale);
    }
  }
  languageNames(lang).of('en');
  const day = DateTime.now().setLocale(dateLocale(lang));
  day.toLocaleString(DateTime.DATE_HUGE);
  day.toLocaleString({ weekday: 'short', day: 'numeric', month: 'short' });
}
