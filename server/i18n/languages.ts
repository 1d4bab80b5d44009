/**
 * The UI languages and the one way to choose among them. Browser-safe (no
 * node: imports): the room's client script uses it as well as the server.
 */
export const languages = ['zh', 'en'] as const;
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
 * else the best-ranked Accept-Language tag that starts with one of them,
 * else `fallback`.
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
    const match = available.find((lang) => tag.startsWith(lang));
    if (match) return match;
  }
  return fallback;
}

/** Languages to try for a text, in order: the viewer's, then the others. */
function preference(lang: Lang): Lang[] {
  return [lang, ...languages.filter((l) => l !== lang)];
}

/**
 * A text written per language (a title, a description, a guiding question)
 * in the viewer's language, else in another one: content may be written in
 * one language only, and a page, e-mail or calendar must not show it empty.
 */
export function inLanguage(text: Partial<Record<Lang, string>> | null | undefined, lang: Lang): string {
  if (!text) return '';
  for (const l of preference(lang)) {
    const value = text[l];
    if (value) return value;
  }
  return '';
}

/** How each language names itself in a language picker (`lang` is the BCP 47 tag of the label). */
export const languageChoices: Record<Lang, { label: string; lang: string }> = {
  zh: { label: '中文', lang: 'zh-Hans' },
  en: { label: 'English', lang: 'en' },
};

/** The locale used for dates and times written in a language. */
export function dateLocale(lang: Lang): string {
  return lang === 'zh' ? 'zh-CN' : 'en-GB';
}
