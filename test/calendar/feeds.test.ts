import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { getJson, startTestServer } from '../support/server.ts';
import { api, decodeHtml, eventByUid, fetchFeed, instantOf, offsetOf, tzidOf } from './support.ts';

const eventId = 'global-forum-2022';
const seededIds = ['opening', 'thematic-1', 'thematic-2', 'thematic-3', 'thematic-4', 'closing'];

interface SessionView {
  id: string;
  sequence: number;
  startUtc: string;
  endUtc: string;
  status: string;
  title: { zh: string; en: string };
}
interface ErrorBody {
  error: { code: string; message: string };
}

async function programmeSessions(server: Plenary): Promise<SessionView[]> {
  return (await getJson<{ sessions: SessionView[] }>(`${server.url}/api/events/${eventId}/programme`)).body.sessions;
}

describe('calendar feeds of the seeded forum', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('serves the whole programme as text/calendar with a download name', async () => {
    const feed = await fetchFeed(`${server.url}/calendar/${eventId}.ics`);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
    expect(feed.headers.get('content-disposition')).toBe(`attachment; filename="${eventId}.ics"`);
    expect(feed.events).toHaveLength(6);
    expect(feed.events.map((e) => e.getFirstPropertyValue('uid'))).toEqual(seededIds.map((id) => `${id}.${eventId}@plenary`));
  });

  it('gives every session the instant the programme API gives, in TZID=Europe/Zurich with CET (+01:00)', async () => {
    const feed = await fetchFeed(`${server.url}/calendar/${eventId}.ics`);
    const sessions = await programmeSessions(server);
    expect(sessions).toHaveLength(6);
    for (const s of sessions) {
      const vevent = eventByUid(feed, `${s.id}.${eventId}@plenary`);
      expect(instantOf(vevent, 'dtstart')).toBe(s.startUtc);
      expect(instantOf(vevent, 'dtend')).toBe(s.endUtc);
      expect(tzidOf(vevent, 'dtstart')).toBe('Europe/Zurich');
      expect(tzidOf(vevent, 'dtend')).toBe('Europe/Zurich');
      expect(offsetOf(vevent, 'dtstart')).toBe('+01:00');
      expect(vevent.getFirstPropertyValue('status')).toBe('CONFIRMED');
      expect(vevent.getFirstPropertyValue('sequence')).toBe(0);
      expect(vevent.getFirstPropertyValue('url')).toBe(`${server.url}/events/${eventId}/sessions/${s.id}`);
      for (const property of ['dtstamp', 'last-modified']) {
        expect(vevent.getFirstProperty(property)?.toICALString()).toMatch(/:\d{8}T\d{6}Z$/);
      }
    }
    expect(feed.text).toContain('DTSTART;TZID=Europe/Zurich:20220222T130000\r\n');
    const zones = feed.calendar.getAllSubcomponents('vtimezone');
    expect(zones.map((z) => z.getFirstPropertyValue('tzid'))).toEqual(['Europe/Zurich']);
    const standard = zones[0]!.getFirstSubcomponent('standard')!;
    const daylight = zones[0]!.getFirstSubcomponent('daylight')!;
    expect(standard.getFirstProperty('tzoffsetto')?.toICALString()).toBe('TZOFFSETTO:+0100');
    expect(daylight.getFirstProperty('tzoffsetto')?.toICALString()).toBe('TZOFFSETTO:+0200');
  });

  it('names the calendar, its zone, and how often to refresh', async () => {
    const feed = await fetchFeed(`${server.url}/calendar/${eventId}.ics?lang=en`);
    expect(feed.text).toContain('\r\nNAME:Global Forum for a Human-centred Recovery\r\n');
    expect(feed.text).toContain('\r\nX-WR-CALNAME:Global Forum for a Human-centred Recovery\r\n');
    expect(feed.text).toContain('\r\nX-WR-TIMEZONE:Europe/Zurich\r\n');
    expect(feed.text).toContain('\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n');
    expect(feed.text).toContain('\r\nX-PUBLISHED-TTL:PT1H\r\n');
  });

  it('writes summary and description (with the guiding question) in the language asked for', async () => {
    const sessions = await programmeSessions(server);
    const thematic1 = sessions.find((s) => s.id === 'thematic-1')!;
    const zh = await fetchFeed(`${server.url}/calendar/${eventId}.ics?lang=zh`);
    const vevent = eventByUid(zh, `thematic-1.${eventId}@plenary`);
    expect(vevent.getFirstPropertyValue('summary')).toBe(thematic1.title.zh);
    expect(vevent.getFirstPropertyValue('description')).toContain('指导性问题：');
    const negotiated = await fetchFeed(`${server.url}/calendar/${eventId}.ics`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(eventByUid(negotiated, `thematic-1.${eventId}@plenary`).getFirstPropertyValue('summary')).toBe(thematic1.title.zh);
    const en = await fetchFeed(`${server.url}/calendar/${eventId}.ics?lang=en`, { headers: { 'accept-language': 'zh-CN' } });
    const enEvent = eventByUid(en, `thematic-1.${eventId}@plenary`);
    expect(enEvent.getFirstPropertyValue('summary')).toBe(thematic1.title.en);
    expect(enEvent.getFirstPropertyValue('description')).toContain('Guiding question: ');
    expect(zh.headers.get('etag')).not.toBe(en.headers.get('etag'));
    // French and Spanish: the seed's own translations; Russian and Arabic: the UI's words around the English text.
    const fr = eventByUid(await fetchFeed(`${server.url}/calendar/${eventId}.ics`, { headers: { 'accept-language': 'fr-CH, en;q=0.5' } }), `thematic-1.${eventId}@plenary`);
    expect(fr.getFirstPropertyValue('summary')).toBe('Travail décent et croissance économique inclusive');
    expect(fr.getFirstPropertyValue('description')).toContain('Question directrice : Comment renforcer la solidarité');
    const es = eventByUid(await fetchFeed(`${server.url}/calendar/${eventId}.ics?lang=es`), `thematic-1.${eventId}@plenary`);
    expect(es.getFirstPropertyValue('summary')).toBe('Trabajo decente y crecimiento económico inclusivo');
    const ar = eventByUid(await fetchFeed(`${server.url}/calendar/${eventId}.ics?lang=ar`), `thematic-1.${eventId}@plenary`);
    expect(ar.getFirstPropertyValue('summary')).toBe(thematic1.title.en);
    expect(ar.getFirstPropertyValue('description')).toContain('سؤال توجيهي: ');
  });

  it('serves one session with the same UID as in the whole programme', async () => {
    const feed = await fetchFeed(`${server.url}/calendar/${eventId}/sessions/thematic-2.ics?lang=en`);
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-disposition')).toBe(`attachment; filename="${eventId}-thematic-2.ics"`);
    expect(feed.events).toHaveLength(1);
    expect(feed.events[0]!.getFirstPropertyValue('uid')).toBe(`thematic-2.${eventId}@plenary`);
    expect(instantOf(feed.events[0]!, 'dtstart')).toBe('2022-02-23T12:00:00Z');
    expect(feed.calendar.getAllSubcomponents('vtimezone')).toHaveLength(1);
  });

  it('answers a repeat request with 304 (If-None-Match, If-Modified-Since)', async () => {
    const url = `${server.url}/calendar/${eventId}.ics?lang=en`;
    const first = await fetch(url);
    await first.arrayBuffer();
    const etag = first.headers.get('etag');
    const lastModified = first.headers.get('last-modified');
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(lastModified).toMatch(/GMT$/);
    const byEtag = await fetch(url, { headers: { 'if-none-match': etag! } });
    expect(byEtag.status).toBe(304);
    expect(await byEtag.text()).toBe('');
    const byDate = await fetch(url, { headers: { 'if-modified-since': lastModified! } });
    expect(byDate.status).toBe(304);
    const stale = await fetch(url, { headers: { 'if-none-match': '"something-else"' } });
    expect(stale.status).toBe(200);
    const session = await fetch(`${server.url}/calendar/${eventId}/sessions/opening.ics?lang=en`);
    await session.arrayBuffer();
    expect((await fetch(`${server.url}/calendar/${eventId}/sessions/opening.ics?lang=en`, { headers: { 'if-none-match': session.headers.get('etag')! } })).status).toBe(304);
  });

  it.each([
    ['an unknown event', `/calendar/no-such-event.ics`, 404, 'event_not_found'],
    ['an unknown session', `/calendar/${eventId}/sessions/no-such-session.ics`, 404, 'session_not_found'],
    ['a session of an unknown event', `/calendar/no-such-event/sessions/opening.ics`, 404, 'event_not_found'],
    ['a malformed event id', `/calendar/Global_Forum!.ics`, 400, 'invalid_id'],
    ['a malformed session id', `/calendar/${eventId}/sessions/Opening%20Day.ics`, 400, 'invalid_id'],
    ['an unknown language', `/calendar/${eventId}.ics?lang=de`, 400, 'invalid_query'],
  ])('refuses %s with a coded JSON error', async (_what, path, status, code) => {
    const res = await getJson<ErrorBody>(`${server.url}${path}`);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toEqual(expect.any(String));
  });

  it('keeps UIDs when the server moves, and links to PUBLIC_URL when set', async () => {
    const moved = await startTestServer({ PUBLIC_URL: 'https://forum.example.org/' });
    try {
      const here = await fetchFeed(`${server.url}/calendar/${eventId}.ics`);
      const there = await fetchFeed(`http://127.0.0.1:${moved.port}/calendar/${eventId}.ics`);
      expect(there.events.map((e) => e.getFirstPropertyValue('uid'))).toEqual(here.events.map((e) => e.getFirstPropertyValue('uid')));
      expect(there.events[0]!.getFirstPropertyValue('url')).toBe(`https://forum.example.org/events/${eventId}/sessions/opening`);
    } finally {
      await moved.close();
    }
  });

  it('links the programme page to the feeds, Google and Outlook, with UTC times', async () => {
    const html = decodeHtml(await (await fetch(`${server.url}/events/${eventId}?lang=en`)).text());
    const host = new URL(server.url).host;
    expect(html).toContain(`href="/calendar/${eventId}.ics?lang=en" download>Download (.ics)</a>`);
    expect(html).toContain(`href="webcal://${host}/calendar/${eventId}.ics?lang=en">Subscribe (webcal)</a>`);
    expect(html).toContain(`href="/calendar/${eventId}/sessions/opening.ics?lang=en" download>`);
    expect(html).toContain(`href="webcal://${host}/calendar/${eventId}/sessions/opening.ics?lang=en"`);
    const google = [...html.matchAll(/href="(https:\/\/calendar\.google\.com\/[^"]+)"/g)].map((m) => new URL(m[1]!));
    expect(google).toHaveLength(6);
    expect(google[0]!.searchParams.get('dates')).toBe('20220222T120000Z/20220222T133000Z');
    expect(google[0]!.searchParams.get('location')).toBe(`${server.url}/events/${eventId}/sessions/opening`);
    const outlook = [...html.matchAll(/href="(https:\/\/outlook\.live\.com\/[^"]+)"/g)].map((m) => new URL(m[1]!));
    expect(outlook).toHaveLength(6);
    expect(outlook[5]!.searchParams.get('startdt')).toBe('2022-02-24T13:45:00Z');
    expect(outlook[5]!.searchParams.get('enddt')).toBe('2022-02-24T15:15:00Z');
    expect(html).toContain('Add to Google Calendar');
    const zh = decodeHtml(await (await fetch(`${server.url}/events/${eventId}?lang=zh`)).text());
    expect(zh).toContain('添加到 Google 日历');
    expect(zh).toContain(`href="/calendar/${eventId}.ics?lang=zh" download>下载 (.ics)</a>`);
  });

  it('links the session page to its feed, Google and Outlook', async () => {
    const html = decodeHtml(await (await fetch(`${server.url}/events/${eventId}/sessions/thematic-3?lang=en`)).text());
    expect(html).toContain(`href="/calendar/${eventId}/sessions/thematic-3.ics?lang=en" download>Download (.ics)</a>`);
    expect(html).toMatch(/href="https:\/\/calendar\.google\.com\/calendar\/render\?action=TEMPLATE&text=[^"]*dates=20220223T134500Z%2F20220223T151500Z/);
    expect(html).toContain('https://outlook.live.com/calendar/0/deeplink/compose?subject=');
  });
});

describe('feeds follow programme edits', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('shows a June session in CEST (+02:00) with the same zone', async () => {
    const created = await api<{ session: SessionView }>(`${server.url}/api/events/${eventId}/sessions`, 'POST', {
      id: 'june-follow-up',
      start: '2022-06-15T13:00',
      end: '2022-06-15T14:30',
      title: { zh: '六月后续会议', en: 'June follow-up' },
      description: { en: 'Taking stock.' },
    });
    expect(created.status).toBe(201);
    expect(created.body.session.startUtc).toBe('2022-06-15T11:00:00Z');
    const feed = await fetchFeed(`${server.url}/calendar/${eventId}.ics`);
    expect(feed.events).toHaveLength(7);
    const june = eventByUid(feed, `june-follow-up.${eventId}@plenary`);
    expect(tzidOf(june, 'dtstart')).toBe('Europe/Zurich');
    expect(feed.text).toContain('DTSTART;TZID=Europe/Zurich:20220615T130000\r\n');
    expect(offsetOf(june, 'dtstart')).toBe('+02:00');
    expect(instantOf(june, 'dtstart')).toBe('2022-06-15T11:00:00Z');
    expect(instantOf(june, 'dtend')).toBe('2022-06-15T12:30:00Z');
    expect(offsetOf(eventByUid(feed, `opening.${eventId}@plenary`), 'dtstart')).toBe('+01:00');
  });

  it('keeps the UID and bumps SEQUENCE by one when a session is rescheduled', async () => {
    const url = `${server.url}/calendar/${eventId}.ics?lang=en`;
    const before = await fetchFeed(url);
    const etag = before.headers.get('etag')!;
    const old = eventByUid(before, `thematic-4.${eventId}@plenary`);
    const oldSequence = Number(old.getFirstPropertyValue('sequence'));

    const patched = await api<{ session: SessionView; changed: boolean }>(`${server.url}/api/events/${eventId}/sessions/thematic-4`, 'PATCH', {
      start: '2022-02-24T13:30',
      end: '2022-02-24T15:00',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.changed).toBe(true);

    const stale = await fetch(url, { headers: { 'if-none-match': etag } });
    expect(stale.status).toBe(200);
    const after = await fetchFeed(url);
    const moved = eventByUid(after, `thematic-4.${eventId}@plenary`);
    expect(moved.getFirstPropertyValue('sequence')).toBe(oldSequence + 1);
    expect(instantOf(moved, 'dtstart')).toBe('2022-02-24T12:30:00Z');
    expect(instantOf(moved, 'dtstart')).toBe(patched.body.session.startUtc);
    expect(instantOf(moved, 'dtend')).toBe(patched.body.session.endUtc);
    const lastModified = (moved.getFirstPropertyValue('last-modified') as { toJSDate(): Date }).toJSDate().getTime();
    expect(lastModified).toBeGreaterThan((old.getFirstPropertyValue('last-modified') as { toJSDate(): Date }).toJSDate().getTime() - 1);
    expect(after.headers.get('etag')).not.toBe(etag);

    // The same values again are no change: no new SEQUENCE, same feed.
    const again = await api<{ changed: boolean }>(`${server.url}/api/events/${eventId}/sessions/thematic-4`, 'PATCH', { start: '2022-02-24T13:30', end: '2022-02-24T15:00' });
    expect(again.body.changed).toBe(false);
    expect((await fetch(url, { headers: { 'if-none-match': after.headers.get('etag')! } })).status).toBe(304);
  });

  it('keeps a deleted session in the feeds as STATUS:CANCELLED', async () => {
    const deleted = await api<{ session: SessionView }>(`${server.url}/api/events/${eventId}/sessions/thematic-3`, 'DELETE');
    expect(deleted.status).toBe(200);
    expect(deleted.body.session.status).toBe('cancelled');
    const feed = await fetchFeed(`${server.url}/calendar/${eventId}.ics?lang=en`);
    expect(feed.events).toHaveLength(7);
    const cancelled = eventByUid(feed, `thematic-3.${eventId}@plenary`);
    expect(cancelled.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(cancelled.getFirstPropertyValue('sequence')).toBe(1);
    expect(cancelled.getFirstPropertyValue('summary')).toMatch(/^Cancelled: /);
    const single = await fetchFeed(`${server.url}/calendar/${eventId}/sessions/thematic-3.ics`);
    expect(single.events[0]!.getFirstPropertyValue('status')).toBe('CANCELLED');
    const html = await (await fetch(`${server.url}/events/${eventId}?lang=en`)).text();
    expect([...html.matchAll(/calendar\.google\.com/g)]).toHaveLength(6); // 7 sessions, the cancelled one not offered
  });

  it('folds long Chinese lines at 75 octets without splitting a character, and unfolds to the stored text', async () => {
    const paragraph = '国际劳工组织的三方成员——政府、雇主和工人——承诺采取强有力和协调一致的全球应对行动；论坛将讨论“全球加速器”，以及🌍可持续、包容和有韧性的复苏。';
    const description = `${paragraph.repeat(6)}\n\nCafé, Genève; 第二段：${paragraph}`;
    const created = await api<{ session: SessionView }>(`${server.url}/api/events/${eventId}/sessions`, 'POST', {
      id: 'long-chinese',
      start: '2022-02-25T09:00',
      end: '2022-02-25T10:00',
      title: { zh: `关于${paragraph}` },
      description: { zh: description.replace(/\n/g, '\r\n') },
    });
    expect(created.status).toBe(201);

    const feed = await fetchFeed(`${server.url}/calendar/${eventId}/sessions/long-chinese.ics?lang=zh`);
    const lines: Buffer[] = [];
    let from = 0;
    for (let i = feed.raw.indexOf('\r\n'); i >= 0; i = feed.raw.indexOf('\r\n', from)) {
      lines.push(feed.raw.subarray(from, i));
      from = i + 2;
    }
    expect(from).toBe(feed.raw.length); // ends with CRLF
    expect(lines.length).toBeGreaterThan(20);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(75);
      expect(line.includes(0x0a)).toBe(false);
      expect(() => decoder.decode(line)).not.toThrow();
    }
    const vevent = feed.events[0]!;
    expect(vevent.getFirstPropertyValue('description')).toBe(`${description}\n\n进入会议室：${server.url}/events/${eventId}/sessions/long-chinese`);
    expect(vevent.getFirstPropertyValue('summary')).toBe(`关于${paragraph}`);
  });
});
