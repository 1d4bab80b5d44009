import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { DateTime } from 'luxon';

/**
 * VTIMEZONE blocks come from @touch4it/ical-timezones (tzurl's generated
 * Outlook-compatible definitions), never written by hand. Its data is a
 * tzdata snapshot, so before a feed relies on a block we check that the
 * block gives every instant in the feed the same UTC offset as the runtime's
 * own (current) tz database. A zone the package lacks (Europe/Kyiv), or one
 * whose rules changed after its snapshot (America/Mexico_City dropped DST in
 * 2022), fails the check and the feed falls back to UTC times: correct in
 * every client, merely without the event zone attached.
 */
export interface ZoneDefinition {
  tzid: string;
  vtimezone: string;
}

export function vtimezoneFor(zone: string, instants: readonly string[]): ZoneDefinition | null {
  let vtimezone: string | null;
  try {
    vtimezone = getVtimezoneComponent(zone);
  } catch {
    vtimezone = null;
  }
  if (!vtimezone) return null;
  const definition = parseVtimezone(vtimezone);
  if (!definition || definition.tzid !== zone) return null;
  for (const instant of instants) {
    const dt = DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone);
    if (!dt.isValid) return null;
    if (offsetAt(definition, dt.toMillis()) !== dt.offset) return null;
    // A wall clock that happens twice (the autumn hour) cannot be said with TZID alone.
    if (isAmbiguous(dt)) return null;
  }
  return { tzid: zone, vtimezone: vtimezone.trim() };
}

interface Observance {
  offsetFrom: number;
  offsetTo: number;
  start: { year: number; month: number; day: number; seconds: number };
  /** FREQ=YEARLY;BYMONTH=m;BYDAY=nDD — the only rule form the generator emits. */
  rule: { month: number; week: number; weekday: number } | null;
}

interface ParsedZone {
  tzid: string;
  observances: Observance[];
}

const weekdays = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** Reads the subset of VTIMEZONE that the generator writes; anything else is "cannot verify" (null). */
export function parseVtimezone(text: string): ParsedZone | null {
  const lines = text.replace(/\r\n[ \t]/g, '').split(/\r?\n/).filter(Boolean);
  let tzid: string | undefined;
  const observances: Observance[] = [];
  let current: Partial<Observance> | undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (line === 'BEGIN:STANDARD' || line === 'BEGIN:DAYLIGHT') current = { rule: null };
    else if (line === 'END:STANDARD' || line === 'END:DAYLIGHT') {
      if (!current || current.offsetFrom === undefined || current.offsetTo === undefined || !current.start) return null;
      observances.push(current as Observance);
      current = undefined;
    } else if (name === 'TZID' && !current) tzid = value;
    else if (current) {
      if (name === 'TZOFFSETFROM' || name === 'TZOFFSETTO') {
        const offset = parseOffset(value);
        if (offset === null) return null;
        if (name === 'TZOFFSETFROM') current.offsetFrom = offset;
        else current.offsetTo = offset;
      } else if (name === 'DTSTART') {
        const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})$/.exec(value);
        if (!m) return null;
        const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
        current.start = { year: y!, month: mo!, day: d!, seconds: h! * 3600 + mi! * 60 + s! };
      } else if (name === 'RRULE') {
        const m = /^FREQ=YEARLY;BYMONTH=(\d{1,2});BYDAY=(-1|[1-4])(SU|MO|TU|WE|TH|FR|SA)$/.exec(value);
        if (!m) return null;
        current.rule = { month: Number(m[1]), week: Number(m[2]), weekday: weekdays.indexOf(m[3]!) };
      } else if (name !== 'TZNAME' && !name.startsWith('X-')) {
        return null; // RDATE, EXDATE, COMMENT...: a form this check does not evaluate
      }
    }
  }
  if (!tzid || observances.length === 0) return null;
  return { tzid, observances };
}

function parseOffset(value: string): number | null {
  const m = /^([+-])(\d{2})(\d{2})(\d{2})?$/.exec(value);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3]) + Number(m[4] ?? 0) / 60;
  return m[1] === '-' ? -minutes : minutes;
}

/** The UTC offset (minutes) the definition gives at `ms`, or NaN when it says nothing for that time. */
export function offsetAt(zone: ParsedZone, ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  let best: { onset: number; offset: number } | undefined;
  for (const o of zone.observances) {
    const years = o.rule ? [year - 1, year, year + 1].filter((y) => y >= o.start.year) : [o.start.year];
    for (const y of years) {
      const day = o.rule ? nthWeekday(y, o.rule.month, o.rule.week, o.rule.weekday) : o.start.day;
      const month = o.rule ? o.rule.month : o.start.month;
      const onset = Date.UTC(y, month - 1, day) + o.start.seconds * 1000 - o.offsetFrom * 60_000;
      if (onset <= ms && (!best || onset > best.onset)) best = { onset, offset: o.offsetTo };
    }
  }
  return best ? best.offset : Number.NaN;
}

function nthWeekday(year: number, month: number, week: number, weekday: number): number {
  if (week > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    return 1 + ((weekday - first + 7) % 7) + (week - 1) * 7;
  }
  const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const last = new Date(Date.UTC(year, month - 1, length)).getUTCDay();
  return length - ((last - weekday + 7) % 7);
}

function isAmbiguous(dt: DateTime): boolean {
  const before = dt.minus({ hours: 26 }).offset;
  const after = dt.plus({ hours: 26 }).offset;
  if (before === after) return false;
  const wall = dt.toFormat("yyyy-MM-dd'T'HH:mm:ss");
  for (const offset of [before, after]) {
    if (offset === dt.offset) continue;
    const other = DateTime.fromMillis(dt.toMillis() + (dt.offset - offset) * 60_000, { zone: dt.zone });
    if (other.toFormat("yyyy-MM-dd'T'HH:mm:ss") === wall) return true;
  }
  return false;
}
