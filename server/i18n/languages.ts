/**
 * The UI languages and the one way to choose among them. Browser-safe (no
 * node: imports): the room's client script uses it as well as the server.
 */
export const languages = ['ar', 'zh', 'en', 'fr', 'ru', 'es'] as const;
export type Lang = (typeof languages)[number];

/** What a viewer gets when nothing they send names a language we have. */
export const defaultLanguage: Lang = 'en';

export function isLang(value: unknown): value is Lang {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

export interface LanguageRequest {
  /** An explicit choice (`?lang=`, a remembered cookie, a participant's setting), used when it names an available language. */
  requested?: string | null | undefined;
  /** The Accept-Language header, ranked by q. */
  acceptLanguage?: string | null | undefined;
}

/**
 * The viewer's language: an explicit choice when it is one of `available`,
 * else the best-ranked Accept-Language tag whose primary subtag is one of
 * them (`fr-CA` → fr, `zh-Hant-TW` → zh), else `fallback`.
 */
export function pickLanguage(
  request: LanguageRequest,
  available: readonly Lang[] = languages,
  fallback: Lang = defaultLanguage,
): Lang {
  const { requested, acceptLanguage } = request;
  if (requested && available.includes(requested as Lang)) return requested as Lang;
  if (!acceptLanguage) return fallback;
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    const primary = tag.split('-')[0];
    const match = available.find((lang) => lang === primary);
    if (match) return match;
  }
  return fallback;
}

/**
 * Languages to try for a text, in order: the viewer's, then English (the
 * translation most viewers of another language read), then Chinese (the
 * seeded forum's original), then the others.
 */
export function textPreference(lang: Lang): Lang[] {
  return [...new Set<Lang>([lang, 'en', 'zh', ...languages])];
}

/**
 * A text written per language (a title, a description, a guiding question)
 * in the viewer's language, else in English, else in Chinese, else in any
 * other: content may be written in some languages only (the seed has
 * Chinese, English, French and Spanish), and a page, e-mail or calendar must
 * not show it empty.
 */
export function inLanguage(text: Partial<Record<Lang, string>> | null | undefined, lang: Lang): string {
  if (!text) return '';
  for (const l of textPreference(lang)) {
    const value = text[l];
    if (value) return value;
  }
  return '';
}

/** How each language names itself in a language picker (`lang` is the BCP 47 tag of the label). */
export const languageChoices: Record<Lang, { label: string; lang: string }> = {
  ar: { label: 'العربية', lang: 'ar' },
  zh: { label: '中文', lang: 'zh-Hans' },
  en: { label: 'English', lang: 'en' },
  fr: { label: 'Français', lang: 'fr' },
  ru: { label: 'Русский', lang: 'ru' },
  es: { label: 'Español', lang: 'es' },
};

/** The BCP 47 tag written in `<html lang>` and `lang` attributes. */
export function htmlLang(lang: Lang): string {
  return languageChoices[lang].lang;
}

/** Writing direction of a language: Arabic right to left, the others left to right. */
export function textDirection(lang: Lang): 'rtl' | 'ltr' {
  return lang === 'ar' ? 'rtl' : 'ltr';
}

/**
 * The locale used for dates, times and numbers written in a language.
 * Arabic keeps Western digits (latn), as UN Arabic documents do, so times
 * and numbers read the same in every language.
 */
export function dateLocale(lang: Lang): string {
  return { ar: 'ar-u-nu-latn', zh: 'zh-CN', en: 'en-GB', fr: 'fr-FR', ru: 'ru-RU', es: 'es-ES' }[lang];
}

/** The language a per-language text is shown in by inLanguage (undefined when it has none). */
export function shownLanguage(text: Partial<Record<Lang, string>> | null | undefined, lang: Lang): Lang | undefined {
  if (!text) return undefined;
  return textPreference(lang).find((l) => Boolean(text[l]));
}
