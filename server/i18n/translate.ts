import { languages, type Lang } from './languages.ts';
import { interpolate } from './format.ts';
import { calendarMessages } from './catalogs/calendar.ts';
import { identityMessages } from './catalogs/identity.ts';
import { pageMessages } from './catalogs/pages.ts';
import { roomMessages } from './catalogs/room.ts';
import { eventMessages } from './catalogs/events.ts';
import { stageMessages } from './catalogs/stage.ts';
import { consoleMessages } from './catalogs/consoles.ts';
import { delegateMessages } from './catalogs/delegate.ts';
import { recordingMessages } from './catalogs/recordings.ts';
import { accessMessages } from './catalogs/access.ts';
import { roomStateMessages } from './catalogs/room-state.ts';

/**
 * The table behind templates' `{{t "key"}}` and `translate()`: the catalogs
 * whose keys pages use by name, merged (their keys never overlap; see
 * i18n/catalogs.test.ts). The session console, e-mails and refusals have
 * their own catalogs, used directly.
 */
export const sharedCatalogs = { pages: pageMessages, room: roomMessages, identity: identityMessages, calendar: calendarMessages, events: eventMessages, stage: stageMessages, delegate: delegateMessages, consoles: consoleMessages, recordings: recordingMessages, access: accessMessages, roomState: roomStateMessages } as const;

export type MessageKey = {
  [K in keyof typeof sharedCatalogs]: keyof (typeof sharedCatalogs)[K]['en'];
}[keyof typeof sharedCatalogs];

function merge(lang: Lang): Record<string, string> {
  return Object.assign({}, ...Object.values(sharedCatalogs).map((catalog) => catalog[lang])) as Record<string, string>;
}

const tables = Object.fromEntries(languages.map((lang) => [lang, merge(lang)])) as Record<Lang, Record<string, string>>;

/** A message by key in `lang` (else English, else the key itself), formatted as ICU MessageFormat with `vars` (plurals by `lang`'s rules). */
export function translate(lang: Lang, key: MessageKey | (string & {}), vars: Record<string, string | number> = {}): string {
  const template = tables[lang][key] ?? tables.en[key] ?? key;
  return interpolate(template, vars, lang);
}
