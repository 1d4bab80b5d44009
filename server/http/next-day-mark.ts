import { DateTime } from 'luxon';
import type { Language } from '../domain/programme.ts';
import { translate } from '../i18n/translate.ts';

/**
 * The mark of a session that ends on a later day than it starts, in the
 * zone it is shown in: 22:45–00:15 reads "(+1 day)", and screen readers
 * hear the end date instead ("ends on Wednesday, 23 February 2022").
 * Empty strings when it ends the day it starts.
 */
export function nextDayMark(shown: { date: string; endDate: string }, lang: Language, dateLabel: (isoDate: string, lang: Language) => string): { plusDays: string; endsOn: string } {
  const days = DateTime.fromISO(shown.endDate).diff(DateTime.fromISO(shown.date), 'days').days;
  if (!(days > 0)) return { plusDays: '', endsOn: '' };
  return { plusDays: translate(lang, 'dl_plusDays', { n: days }), endsOn: translate(lang, 'dl_endsOn', { date: dateLabel(shown.endDate, lang) }) };
}
