import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTimeZone, listTimeZones, parseTimeZone } from '../../server/domain/zones.ts';
import type { Plenary } from '../../server/plenary.ts';
import { eventId, uniqueEmail } from '../support/identity.ts';
import { getJson, startTestServer } from '../support/server.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

/** Forms the runtime's Intl accepts as a time zone although they are not IANA zone names. */
const notIana = ['+05:30', '-03:00', 'UTC+3', 'UTC+01:00', 'GMT+8', 'SystemV/AST4', 'SystemV/EST5EDT', 'EST5EDT', 'US/Eastern', 'GMT', 'Mars/Olympus', 'Europe', 'Europe/Zurich/'];
const iana = ['Europe/Zurich', 'Asia/Kathmandu', 'America/Argentina/Buenos_Aires', 'America/Port-au-Prince', 'UTC', 'Etc/UTC', 'Etc/GMT-14', 'Etc/GMT+12'];

describe('time zones are IANA names only', () => {
  it.each(iana)('accepts %s', (zone) => {
    expect(isTimeZone(zone)).toBe(true);
    expect(parseTimeZone(zone)).toBe(zone);
  });

  it.each(notIana)('refuses %s with invalid_time_zone', (zone) => {
    expect(isTimeZone(zone)).toBe(false);
    expect(() => parseTimeZone(zone)).toThrow(expect.objectContaining({ code: 'invalid_time_zone' }));
  });

  it('offers in the zone picker only zones the parser accepts back', () => {
    const zones = listTimeZones();
    expect(zones.length).toBeGreaterThan(300);
    expect(zones).toEqual(expect.arrayContaining(['UTC', 'Europe/Zurich', 'Asia/Tokyo']));
    expect(zones.filter((z) => !isTimeZone(z))).toEqual([]);
  });
});

describe('time zones at the edges', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(notIana)('the programme API answers 400 invalid_time_zone for tz=%s', async (zone) => {
    const res = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/programme?tz=${encodeURIComponent(zone)}`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_time_zone');
  });

  it('the programme API still answers for an IANA zone', async () => {
    const res = await getJson<{ viewerZone: string }>(`${server.url}/api/events/${eventId}/programme?tz=Asia%2FKathmandu`);
    expect(res.status).toBe(200);
    expect(res.body.viewerZone).toBe('Asia/Kathmandu');
  });

  it('the programme page shows event time and says why for an offset given as a zone', async () => {
    const res = await fetch(`${server.url}/events/${eventId}?tz=${encodeURIComponent('+05:30')}`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('&quot;+05:30&quot; is not a time zone');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('tz=+05'))).toBe(false);
  });

  it('refuses a registration whose time zone is not an IANA name', async () => {
    const res = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Offset Person', email: uniqueEmail('tz'), organization: 'O', country: 'IN', group: 'workers', timeZone: 'UTC+5:30' }),
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_body');
  });
});
