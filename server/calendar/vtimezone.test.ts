import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { offsetAt, parseVtimezone, vtimezoneFor } from './vtimezone.ts';

describe('VTIMEZONE from @touch4it/ical-timezones, checked against the runtime tz database', () => {
  it.each(['Europe/Zurich', 'Europe/London', 'America/New_York', 'Australia/Sydney', 'Asia/Shanghai', 'Asia/Kolkata', 'Asia/Kathmandu'])(
    'reads %s and agrees with luxon every 6 hours through 2021-2026',
    (zone) => {
      const parsed = parseVtimezone(getVtimezoneComponent(zone) ?? '');
      expect(parsed?.tzid).toBe(zone);
      for (let t = Date.UTC(2021, 0, 1); t < Date.UTC(2027, 0, 1); t += 6 * 3600_000) {
        expect(offsetAt(parsed!, t)).toBe(DateTime.fromMillis(t, { zone }).offset);
      }
    },
  );

  it('trusts Zurich for the forum and for a June session', () => {
    expect(vtimezoneFor('Europe/Zurich', ['2022-02-22T12:00:00Z', '2022-06-15T11:00:00Z'])?.vtimezone).toMatch(/^BEGIN:VTIMEZONE\r?\nTZID:Europe\/Zurich/);
  });

  it('refuses a definition that predates a rule change (Mexico City dropped DST in 2022)', () => {
    expect(vtimezoneFor('America/Mexico_City', ['2021-06-01T17:00:00Z'])).not.toBeNull();
    expect(vtimezoneFor('America/Mexico_City', ['2023-06-01T17:00:00Z'])).toBeNull();
  });

  it('refuses a zone the package does not know', () => {
    expect(vtimezoneFor('Europe/Kyiv', ['2023-06-01T12:00:00Z'])).toBeNull();
  });

  it('refuses a wall clock that happens twice (the autumn hour)', () => {
    // 2022-10-30 02:30 in Zurich happens at 00:30Z (CEST) and again at 01:30Z (CET).
    expect(vtimezoneFor('Europe/Zurich', ['2022-10-30T00:30:00Z'])).toBeNull();
    expect(vtimezoneFor('Europe/Zurich', ['2022-10-30T01:30:00Z'])).toBeNull();
    expect(vtimezoneFor('Europe/Zurich', ['2022-10-30T03:30:00Z'])).not.toBeNull();
  });
});
