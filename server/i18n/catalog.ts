import type { Lang } from './languages.ts';

/**
 * A catalog: the same keys in every language. Messages are ICU
 * MessageFormat (see format.ts): plain text with `{name}` placeholders, or
 * `{n, plural, …}` / `{g, select, …}` where a count or a gender changes the
 * words.
 */
export type Catalog<K extends string> = Record<Lang, Record<K, string>>;

/**
 * Declares a catalog from its English table: every other language must have
 * exactly the same keys (a missing or an extra key fails the type check).
 */
export function defineCatalog<const K extends string>(catalog: { en: Record<K, string> } & Record<Exclude<Lang, 'en'>, NoInfer<Record<K, string>>>): Catalog<K> {
  return catalog;
}
