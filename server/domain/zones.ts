import { DateTime, IANAZone } from 'luxon';
import { AppError } from '../errors.ts';

/** Every IANA zone this runtime knows, for the zone picker. */
export function listTimeZones(): string[] {
  const zones = new Set(Intl.supportedValuesOf('timeZone'));
  zones.add('UTC');
  // Offer only what the parser accepts back.
  return [...zones].filter(isTimeZone).sort();
}

// Intl (and so luxon) also takes forms that are not IANA zone names: UTC
// offsets ("+05:30", "UTC+3"), POSIX-style and legacy names ("EST5EDT",
// "SystemV/AST4", "US/Eastern"). A stored zone must be one an iCalendar
// VTIMEZONE, other programs and the zone picker understand, so only these
// shapes pass: "UTC", "Etc/…", and Area/Location under the ten IANA areas.
const ianaName =
  /^(?:UTC|Etc\/[A-Za-z0-9+-]{1,14}|(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)(?:\/[A-Za-z][A-Za-z0-9_+-]*){1,2})$/i;

// luxon answers isValidZone by building an Intl.DateTimeFormat, which cost a
// third of a cached programme request's time; the runtime's zone data does
// not change while it runs, so each answer is kept. Only names that pass the
// shape test are asked (at most the few hundred real zones are kept).
const knownZones = new Map<string, boolean>();

/** An IANA zone name (Area/Location, UTC or Etc/…) that this runtime knows. */
export function isTimeZone(zone: string): boolean {
  if (zone.length === 0 || zone.length > 64 || !ianaName.test(zone)) return false;
  let valid = knownZones.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    if (knownZones.size < 2000) knownZones.set(zone, valid);
  }
  return valid;
}

/** Canonical spelling of a zone the caller gave us, or `invalid_time_zone`. */
export function parseTimeZone(zone: string): string {
  if (!isTimeZone(zone)) {
    throw new AppError('invalid_time_zone', `"${zone.slice(0, 64)}" is not an IANA time zone (for example Europe/Zurich or Asia/Tokyo).`);
  }
  return IANAZone.create(zone).name;
}

// Intl only names a zone's offset ("CET", "EST", "NZDT", "IST") in the
// locales where that name is customary, so ask those in turn and fall back
// to the GMT offset ("GMT+5:45") where no locale has a name.
const abbreviationLocales = ['en-US', 'en-GB', 'en-AU', 'en-IN', 'en-NZ', 'en-CA', 'en-ZA', 'en-IE', 'ja-JP'];
const abbreviationCache = new Map<string, string>();

export function zoneAbbreviation(dt: DateTime): string {
  const key = `${dt.zoneName}|${dt.offset}`;
  const cached = abbreviationCache.get(key);
  if (cached !== undefined) return cached;
  let fallback = '';
  let found: string | undefined;
  for (const locale of abbreviationLocales) {
    const name = dt.setLocale(locale).offsetNameShort ?? '';
    if (!fallback) fallback = name;
    if (name && !/^(GMT|UTC)[+-−]/.test(name)) {
      found = name;
      break;
    }
  }
  const result = found ?? (fallback || dt.toFormat('ZZ'));
  abbreviationCache.set(key, result);
  return result;
}
