import { describe, expect, it } from 'vitest';
import { englishLeaks } from '../support/untranslated.ts';

/** The scan behind pages.browser.test.ts: it must catch English catalog text, and only that. */
describe('untranslated-string scan', () => {
  it('finds an English catalog message on a Chinese page, with or without its placeholders filled', () => {
    expect(englishLeaks(['进入会议室', 'Enter the session room'], 'zh')).toEqual([{ text: 'Enter the session room', key: 'joinSession' }]);
    expect(englishLeaks(['Times are shown for Asia/Tokyo.'], 'zh').map((l) => l.key)).toEqual(['detectedZone']);
  });

  it('lets through the translation, names, codes and English that the language shares', () => {
    expect(englishLeaks(['进入会议室', 'Plenary', 'Europe/Zurich', 'CET', '13:00–14:30', 'Lucía Fernández'], 'zh')).toEqual([]);
    // French "Format" is French too: the same word in both catalogs is no leak.
    expect(englishLeaks(['Format'], 'fr')).toEqual([]);
    // An English page is English.
    expect(englishLeaks(['Enter the session room'], 'en')).toEqual([]);
  });
});
