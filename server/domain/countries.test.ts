import { describe, expect, it } from 'vitest';
import { countryCodes, countryName, countryOptions, normalizeCountry } from './countries.ts';
import { identityMessages } from '../i18n/catalogs/identity.ts';

describe('countries', () => {
  it('holds the 249 assigned ISO 3166-1 alpha-2 codes, each named by Intl in both languages', () => {
    expect(countryCodes).toHaveLength(249);
    expect(new Set(countryCodes).size).toBe(249);
    for (const code of countryCodes) {
      expect(countryName(code, 'en')).not.toBe(code);
      expect(countryName(code, 'zh')).not.toBe(code);
    }
  });

  it.each([
    ['ch', 'CH'],
    [' cn ', 'CN'],
    ['EU', null],
    ['UN', null],
    ['ZZ', null],
    ['CHE', null],
    ['', null],
  ])('normalizes %j to %j', (input, expected) => {
    expect(normalizeCountry(input)).toBe(expected);
  });

  it('sorts the picker by name in the viewer’s language', () => {
    expect(countryOptions('en')[0]).toEqual({ code: 'AF', name: 'Afghanistan' });
    expect(countryOptions('zh').find((c) => c.code === 'CH')?.name).toBe('瑞士');
  });
});

describe('identity strings', () => {
  it('exist in Chinese for every English key, and the other way round', () => {
    expect(Object.keys(identityMessages.zh).sort()).toEqual(Object.keys(identityMessages.en).sort());
  });
});
