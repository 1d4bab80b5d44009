import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { createParticipant, eventId as seededEventId } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer } from '../support/server.ts';

type ErrorBody = { error: { code: string; message: string } };
type EventBody = { event: Record<string, unknown> & { id: string; zone: string; phase: string; archived: boolean } };

describe('organisers create and edit events (issue 15)', () => {
  let server: Plenary;
  const asOrganizer = { authorization: `Bearer ${organizerToken}`, 'content-type': 'application/json' };
  const send = <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = asOrganizer) =>
    getJson<T>(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  beforeAll(async () => {
    server = await startTestServer({}, { clock: () => new Date('2030-01-01T00:00:00Z') });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('an event created in America/Sao_Paulo with a session at 09:00 shows it at 21:00 in Tokyo', async () => {
    const created = await send<EventBody>('POST', '/api/events', {
      id: 'sao-paulo-2030',
      title: { en: 'Regional meeting of the Americas', zh: '美洲区域会议' },
      description: { en: 'Tripartite regional meeting.' },
      zone: 'America/Sao_Paulo',
      languages: { ui: ['es', 'en'], interpretation: ['pt', 'es', 'en'] },
      registration: { open: true, admission: { other: 'closed' } },
      webcast: { public: true },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.event).toMatchObject({
      id: 'sao-paulo-2030',
      zone: 'America/Sao_Paulo',
      languages: { ui: ['es', 'en'], interpretation: ['pt', 'es', 'en'] },
      registration: { open: true, admission: { government: 'automatic', other: 'closed' } },
      webcast: { public: true },
      archived: false,
      phase: 'upcoming',
    });
    // The standing token stays the organiser: no participant record is made for it.
    expect(created.body).not.toHaveProperty('organizer');

    const session = await send('POST', '/api/events/sao-paulo-2030/sessions', { id: 'opening', start: '2030-03-10T09:00', end: '2030-03-10T10:30', title: { en: 'Opening' } });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    const programme = await getJson<{ sessions: { id: string; eventZone: { start: string; startTime: string }; viewerZone: { start: string; startTime: string; date: string } }[] }>(
      `${server.url}/api/events/sao-paulo-2030/programme?tz=Asia/Tokyo`,
    );
    expect(programme.status).toBe(200);
    const opening = programme.body.sessions.find((s) => s.id === 'opening')!;
    expect(opening.eventZone.start).toBe('2030-03-10T09:00:00-03:00');
    expect(opening.viewerZone.start).toBe('2030-03-10T21:00:00+09:00');
    expect(opening.viewerZone.startTime).toBe('21:00');

    const list = await getJson<{ events: { id: string; phase: string; start: string | null }[] }>(`${server.url}/api/events`);
    expect(list.body.events.find((e) => e.id === 'sao-paulo-2030')).toMatchObject({ phase: 'upcoming', start: '2030-03-10T12:00:00Z' });
    expect(list.body.events.find((e) => e.id === seededEventId)).toMatchObject({ phase: 'past' });
  });

  it('takes event and session texts in the other UN languages too, and a PATCH in one language keeps the others', async () => {
    const created = await send<EventBody>('POST', '/api/events', {
      id: 'geneve-2031',
      title: { en: 'Forum on decent work', zh: '体面劳动论坛', fr: 'Forum sur le travail décent', es: 'Foro sobre el trabajo decente', ar: 'منتدى العمل اللائق', ru: 'Форум по достойному труду' },
      zone: 'Europe/Zurich',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const session = await send('POST', '/api/events/geneve-2031/sessions', {
      id: 'ouverture', start: '2031-06-10T09:00', end: '2031-06-10T10:00', title: { en: 'Opening', fr: 'Ouverture', es: 'Apertura' },
    });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    expect((await send('PATCH', '/api/events/geneve-2031/sessions/ouverture', { title: { fr: 'Séance d’ouverture' } })).status).toBe(200);
    const programme = await getJson<{ event: { title: Record<string, string> }; sessions: { id: string; title: Record<string, string> }[] }>(`${server.url}/api/events/geneve-2031/programme`);
    expect(programme.body.event.title).toMatchObject({ fr: 'Forum sur le travail décent', ar: 'منتدى العمل اللائق', ru: 'Форум по достойному труду' });
    expect(programme.body.sessions.find((s) => s.id === 'ouverture')?.title).toMatchObject({ en: 'Opening', fr: 'Séance d’ouverture', es: 'Apertura' });
    // A language the API does not know is refused, like any unknown field.
    expect((await send('POST', '/api/events/geneve-2031/sessions', { start: '2031-06-10T11:00', end: '2031-06-10T12:00', title: { en: 'X', de: 'Y' } })).status).toBe(400);
    // The French page shows the French title.
    const page = await fetch(`${server.url}/events/geneve-2031`, { headers: { 'accept-language': 'fr' } }).then((r) => r.text());
    expect(page).toContain('Séance d’ouverture');
  });

  it('refuses bad bodies with stable codes', async () => {
    const base = { id: 'bad-event', title: { en: 'Bad' }, zone: 'Europe/Zurich' };
    const cases: [unknown, number, string][] = [
      [{ ...base, zone: 'UTC+3' }, 400, 'invalid_time_zone'],
      [{ ...base, zone: 'Mars/Olympus' }, 400, 'invalid_time_zone'],
      [{ ...base, id: 'Not A Slug' }, 400, 'invalid_body'],
      [{ ...base, title: {} }, 400, 'invalid_body'],
      [{ ...base, title: { de: 'Treffen' } }, 400, 'invalid_body'],
      [{ ...base, languages: { ui: ['de'] } }, 400, 'invalid_body'],
      [{ ...base, languages: { ui: [] } }, 400, 'invalid_body'],
      [{ ...base, languages: { interpretation: ['not a tag'] } }, 400, 'invalid_body'],
      [{ ...base, registration: { admission: { workers: 'maybe' } } }, 400, 'invalid_body'],
      [{ ...base, webcast: { public: 'yes' } }, 400, 'invalid_body'],
      [{ ...base, extra: 1 }, 400, 'invalid_body'],
      [{ ...base, id: seededEventId }, 409, 'event_exists'],
      ['not json object', 400, 'invalid_body'],
    ];
    for (const [body, status, code] of cases) {
      const res = await send<ErrorBody>('POST', '/api/events', body);
      expect([res.status, res.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
    }
    const patch = await send<ErrorBody>('PATCH', `/api/events/${seededEventId}`, { zone: 'EST5EDT' });
    expect([patch.status, patch.body.error.code]).toEqual([400, 'invalid_time_zone']);
    const unknown = await send<ErrorBody>('PATCH', '/api/events/no-such-event', { archived: true });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'event_not_found']);
  });

  it('only organisers create and edit; a participant organiser becomes the first organiser of the event they create', async () => {
    const body = { id: 'by-participant', title: { en: 'Created by a participant organiser' }, zone: 'Asia/Tokyo' };
    const anonymous = await send<ErrorBody>('POST', '/api/events', body, { 'content-type': 'application/json' });
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'unauthenticated']);
    const delegate = await createParticipant(server, { name: 'Plain delegate' });
    const refused = await send<ErrorBody>('POST', '/api/events', body, { authorization: `Bearer ${delegate.token}`, 'content-type': 'application/json' });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'not_organizer']);
    const patchRefused = await send<ErrorBody>('PATCH', `/api/events/${seededEventId}`, { archived: true }, { authorization: `Bearer ${delegate.token}`, 'content-type': 'application/json' });
    expect([patchRefused.status, patchRefused.body.error.code]).toEqual([403, 'not_organizer']);

    const organiser = await createParticipant(server, { name: 'Ms Organiser', organizer: true });
    const created = await send<EventBody & { organizer: { participant: { eventId: string; organizer: boolean; name: string }; token: string } }>('POST', '/api/events', body, {
      authorization: `Bearer ${organiser.token}`,
      'content-type': 'application/json',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.organizer.participant).toMatchObject({ eventId: 'by-participant', organizer: true, name: 'Ms Organiser' });
    // The new record's token manages the new event.
    const newToken = { authorization: `Bearer ${created.body.organizer.token}`, 'content-type': 'application/json' };
    const edited = await send<EventBody & { changed: boolean }>('PATCH', '/api/events/by-participant', { title: { zh: '参会者创建的活动' }, registration: { open: false } }, newToken);
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toMatchObject({ changed: true, event: { title: { en: 'Created by a participant organiser', zh: '参会者创建的活动' }, registration: { open: false } } });
    // Registration is closed: self-registration is refused with a code.
    const reg = await send<ErrorBody>('POST', '/api/events/by-participant/registrations', { name: 'Late', email: 'late@example.org', organization: 'X', country: 'JP', group: 'workers' }, { 'content-type': 'application/json' });
    expect([reg.status, reg.body.error.code]).toEqual([403, 'registration_closed']);
    // Audited.
    const audit = await send<{ entries: { action: string }[] }>('GET', '/api/events/by-participant/audit', undefined, newToken);
    expect(audit.body.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['event.create', 'participant.invite', 'event.update']));
  });

  it('deleting an event with sessions is refused; archiving hides it; an empty event may be deleted', async () => {
    await send('POST', '/api/events', { id: 'to-archive', title: { en: 'To archive' }, zone: 'Europe/Paris' });
    await send('POST', '/api/events/to-archive/sessions', { start: '2030-06-01T10:00', end: '2030-06-01T11:00', title: { en: 'Only session' } });
    const refused = await send<ErrorBody>('DELETE', '/api/events/to-archive');
    expect([refused.status, refused.body.error.code]).toEqual([409, 'event_has_sessions']);
    const archived = await send<EventBody>('PATCH', '/api/events/to-archive', { archived: true });
    expect(archived.body.event.archived).toBe(true);
    const publicList = await getJson<{ events: { id: string }[] }>(`${server.url}/api/events`);
    expect(publicList.body.events.map((e) => e.id)).not.toContain('to-archive');
    const home = await (await fetch(`${server.url}/`)).text();
    expect(home).not.toContain('To archive');
    const organiserList = await send<{ events: { id: string }[] }>('GET', '/api/events?archived=only');
    expect(organiserList.body.events.map((e) => e.id)).toEqual(['to-archive']);
    // Still reachable directly (its record and reports stay).
    expect((await getJson(`${server.url}/api/events/to-archive`)).status).toBe(200);

    await send('POST', '/api/events', { id: 'empty-event', title: { en: 'Empty' }, zone: 'Africa/Nairobi' });
    const deleted = await send<{ deleted: boolean }>('DELETE', '/api/events/empty-event');
    expect([deleted.status, deleted.body.deleted]).toEqual([200, true]);
    expect((await getJson(`${server.url}/api/events/empty-event`)).status).toBe(404);
  });
});

describe('the event console (issue 15)', () => {
  let server: Plenary;
  const bearer = { authorization: `Bearer ${organizerToken}` };
  const form = (fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of [v].flat()) body.append(k, x);
    return { method: 'POST', headers: { ...bearer, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body, redirect: 'manual' as const };
  };
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('lists events, creates one from labelled fields, refuses a bad zone with an alert, and saves edits', async () => {
    const list = await fetch(`${server.url}/console/events?lang=en`, { headers: { ...bearer, accept: 'text/html' } });
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain('<label for="ev-zone">');
    expect(html).toContain('href="/events/global-forum-2022/console/event"');

    const bad = await fetch(`${server.url}/console/events?lang=en`, form({ id: 'console-made', title_en: 'Made in the console', zone: 'GMT+8', ui: ['zh', 'en'] }));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/role="alert"[\s\S]*not a time zone/);

    const created = await fetch(`${server.url}/console/events?lang=zh`, form({ id: 'console-made', title_en: 'Made in the console', title_zh: '控制台创建', zone: 'Asia/Shanghai', ui: ['zh', 'en'], interpretation: 'fr, es', registration_open: 'on', admission_other: 'closed' }));
    expect(created.status).toBe(201);
    expect(await created.text()).toContain('活动已创建。');
    const event = (await getJson<EventBody>(`${server.url}/api/events/console-made`)).body.event;
    expect(event).toMatchObject({ zone: 'Asia/Shanghai', languages: { ui: ['zh', 'en'], interpretation: ['fr', 'es'] }, registration: { open: true, admission: { other: 'closed', workers: 'automatic' } }, webcast: { public: false } });

    const edit = await fetch(`${server.url}/events/console-made/console/event`, form({ title_en: 'Made in the console', title_zh: '控制台创建', zone: 'Asia/Shanghai', ui: 'en', registration_open: 'on', webcast_public: 'on', archived: 'on' }));
    expect(edit.status).toBe(303);
    expect((await getJson<EventBody>(`${server.url}/api/events/console-made`)).body.event).toMatchObject({ languages: { ui: ['en'] }, webcast: { public: true }, archived: true });
  });

  it('takes the texts in all six UN languages, and an edit keeps the languages a form leaves out', async () => {
    const list = await (await fetch(`${server.url}/console/events?lang=en`, { headers: { ...bearer, accept: 'text/html' } })).text();
    for (const l of ['ar', 'zh', 'en', 'fr', 'ru', 'es']) expect(list).toContain(`name="title_${l}"`);
    expect(list).toMatch(/<fieldset data-language="ar" lang="ar" dir="rtl">\s*<legend>العربية<\/legend>/);
    // Interpretation languages are picked by name; other tags may still be typed.
    expect(list).toMatch(/<input type="checkbox" name="interpretation" value="fr"> French<\/label>/);
    const created = await fetch(`${server.url}/console/events?lang=en`, form({ id: 'six-languages', title_en: 'Six languages', title_fr: 'Six langues', title_ar: 'ست لغات', description_es: 'Descripción', zone: 'Europe/Paris', ui: ['fr', 'en'], interpretation: ['fr', 'ar'], interpretation_other: 'pt', registration_open: 'on' }));
    expect(created.status).toBe(201);
    const event = (await getJson<{ event: { title: Record<string, string>; description: Record<string, string>; languages: { interpretation: string[] } } }>(`${server.url}/api/events/six-languages`)).body.event;
    expect(event.title).toMatchObject({ en: 'Six languages', fr: 'Six langues', ar: 'ست لغات' });
    expect(event.description.es).toBe('Descripción');
    expect(event.languages.interpretation).toEqual(['fr', 'ar', 'pt']);
    // A form with only the English and Chinese fields (an older page) keeps the French and Arabic titles.
    const edit = await fetch(`${server.url}/events/six-languages/console/event`, form({ title_en: 'Six languages, renamed', title_zh: '', zone: 'Europe/Paris', ui: ['fr', 'en'], interpretation: 'fr, ar, pt', registration_open: 'on' }));
    expect(edit.status).toBe(303);
    const after = (await getJson<{ event: { title: Record<string, string> } }>(`${server.url}/api/events/six-languages`)).body.event;
    expect(after.title).toMatchObject({ en: 'Six languages, renamed', fr: 'Six langues', ar: 'ست لغات' });
    const page = await (await fetch(`${server.url}/events/six-languages/console/event?lang=fr`, { headers: { ...bearer, accept: 'text/html' } })).text();
    expect(page).toContain('name="title_fr" value="Six langues"');
    // Deleting asks first: the confirming button sits inside a disclosure.
    expect(page).toMatch(/<details class="confirm">\s*<summary class="button button-danger-outline">(?:<svg[^>]*>[\s\S]*?<\/svg>)?[^<]+…<\/summary>\s*<form class="confirm-body" method="post" action="\/events\/six-languages\/console\/event\/delete">/);
  });

  it('shows the attendance console page to organisers only', async () => {
    const page = await fetch(`${server.url}/events/global-forum-2022/console/attendance?lang=en`, { headers: { ...bearer, accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Nobody has joined this session yet.');
    expect(html).toContain('href="/api/events/global-forum-2022/reports/attendance.csv"');
    expect((await fetch(`${server.url}/events/global-forum-2022/console/attendance`, { headers: { accept: 'text/html' } })).status).toBe(401);
  });
});
