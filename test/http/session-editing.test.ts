import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganiser, api, decodeHtml } from '../calendar/support.ts';
import { Browser, invite, signInCookie } from '../support/identity.ts';
import { organizerToken, startTestServer } from '../support/server.ts';

const eventId = 'global-forum-2022';

interface SessionView {
  id: string;
  sequence: number;
  status: string;
  startUtc: string;
  endUtc: string;
  title: { zh: string; en: string };
  description: { zh: string; en: string };
  guidingQuestions: { zh: string; en: string }[];
  eventZone: { start: string; end: string; abbreviation: string };
}
interface Edit {
  session: SessionView;
  changed: boolean;
}
interface ErrorBody {
  error: { code: string; message: string; details?: { issues: { path: string }[] } };
}
interface AuditEntry {
  id: string;
  eventId: string;
  at: string;
  actor: { kind: string; id: string | null; name: string | null };
  action: string;
  target: { type: string; id: string };
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
}

const newSession = {
  start: '2022-02-25T10:00',
  end: '2022-02-25T11:00',
  title: { zh: '青年就业', en: 'Youth employment' },
  description: { zh: '讨论青年就业。', en: 'On youth employment.' },
};

describe('programme editing API', () => {
  let server: Plenary;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer();
    base = `${server.url}/api/events/${eventId}/sessions`;
  });
  afterAll(async () => {
    await server.close();
  });

  describe('authorisation', () => {
    const routes: [string, string, unknown][] = [
      ['POST', '', newSession],
      ['PATCH', '/opening', { title: { en: 'x' } }],
      ['DELETE', '/opening', undefined],
    ];

    it.each(routes)('%s without a token is 401 unauthenticated', async (method, path, body) => {
      const res = await api<ErrorBody>(`${base}${path}`, method, body, { 'content-type': 'application/json' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    });

    it.each(routes)('%s with a wrong token is 401 unauthenticated', async (method, path, body) => {
      const res = await api<ErrorBody>(`${base}${path}`, method, body, { authorization: 'Bearer not-the-organiser-token-at-all', 'content-type': 'application/json' });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    });

    it('refuses before it validates: a bad body from nobody is still 401', async () => {
      const res = await api<ErrorBody>(base, 'POST', { nonsense: true }, { 'content-type': 'application/json' });
      expect(res.status).toBe(401);
    });

    it('keeps the audit log for organisers', async () => {
      expect((await api<ErrorBody>(`${server.url}/api/events/${eventId}/audit`, 'GET', undefined, {})).status).toBe(401);
      expect((await api(`${server.url}/api/events/${eventId}/audit`, 'GET')).status).toBe(200);
    });

    it('leaves the programme untouched after refused calls', async () => {
      const res = await api<{ session: SessionView }>(`${base}/opening`, 'GET');
      expect(res.body.session).toMatchObject({ status: 'scheduled', sequence: 0 });
    });
  });

  describe('validation', () => {
    it.each([
      ['a time in the spring-forward gap', { ...newSession, start: '2022-03-27T02:30', end: '2022-03-27T04:00' }, 'nonexistent_local_time'],
      ['an end before the start', { ...newSession, start: '2022-02-25T11:00', end: '2022-02-25T10:00' }, 'end_before_start'],
      ['an end equal to the start', { ...newSession, end: newSession.start }, 'end_before_start'],
      ['a time that is not a wall clock', { ...newSession, start: '2022-02-25T10:00:00+01:00' }, 'invalid_time'],
      ['an impossible date', { ...newSession, start: '2022-02-30T10:00' }, 'invalid_time'],
      ['no start', { end: newSession.end, title: newSession.title }, 'invalid_body'],
      ['no title', { start: newSession.start, end: newSession.end }, 'invalid_body'],
      ['an empty title in both languages', { ...newSession, title: { zh: ' ', en: '' } }, 'invalid_body'],
      ['an unknown field', { ...newSession, titel: 'typo' }, 'invalid_body'],
      ['an unknown language', { ...newSession, title: { fr: 'Emploi des jeunes' } }, 'invalid_body'],
      ['an unknown status', { ...newSession, status: 'postponed' }, 'invalid_body'],
      ['a malformed id', { ...newSession, id: 'Youth Employment' }, 'invalid_body'],
      ['a control character', { ...newSession, title: { en: 'Youth\u0007' } }, 'invalid_body'],
      ['a very long title', { ...newSession, title: { en: 'x'.repeat(301) } }, 'invalid_body'],
      ['not an object', ['start'], 'invalid_body'],
    ])('refuses %s on POST with %s', async (_what, body, code) => {
      const res = await api<ErrorBody>(base, 'POST', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toEqual(expect.any(String));
    });

    it('names the field at fault', async () => {
      const res = await api<ErrorBody>(base, 'POST', { ...newSession, status: 'postponed' });
      expect(res.body.error.details?.issues.map((i) => i.path)).toEqual(['status']);
    });

    it.each([
      ['the spring-forward gap', { start: '2022-03-27T02:30', end: '2022-03-27T03:30' }, 'nonexistent_local_time'],
      ['a start after the kept end', { start: '2022-02-22T15:00' }, 'end_before_start'],
      ['an empty title', { title: { zh: '', en: '' } }, 'invalid_body'],
      ['malformed JSON', '{"start":', 'invalid_body'],
    ])('refuses %s on PATCH', async (_what, body, code) => {
      const res =
        typeof body === 'string'
          ? await fetch(`${base}/opening`, { method: 'PATCH', headers: asOrganiser, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as ErrorBody }))
          : await api<ErrorBody>(`${base}/opening`, 'PATCH', body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
    });

    it.each([
      ['PATCH', '/no-such-session', { title: { en: 'x' } }, 404, 'session_not_found'],
      ['DELETE', '/no-such-session', undefined, 404, 'session_not_found'],
      ['PATCH', '/Not_An_Id', { title: { en: 'x' } }, 400, 'invalid_id'],
    ])('%s %s is %s %s', async (method, path, body, status, code) => {
      const res = await api<ErrorBody>(`${base}${path}`, method, body);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
    });

    it('answers an unknown event with 404 event_not_found', async () => {
      const res = await api<ErrorBody>(`${server.url}/api/events/no-such-event/sessions`, 'POST', newSession);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('event_not_found');
    });
  });

  describe('changes', () => {
    it('creates a session from event-zone wall clocks, with a generated id', async () => {
      const res = await api<Edit>(base, 'POST', newSession);
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe(`/api/events/${eventId}/sessions/youth-employment`);
      expect(res.body.session).toMatchObject({
        id: 'youth-employment',
        status: 'scheduled',
        sequence: 0,
        startUtc: '2022-02-25T09:00:00Z',
        endUtc: '2022-02-25T10:00:00Z',
        eventZone: { start: '2022-02-25T10:00:00+01:00', abbreviation: 'CET' },
        title: newSession.title,
      });
      const again = await api<Edit>(base, 'POST', newSession);
      expect(again.body.session.id).toBe('youth-employment-2');
    });

    it('takes a chosen id, once', async () => {
      const body = { ...newSession, id: 'side-event', title: { zh: '边会' }, guidingQuestions: [{ en: 'What next?' }] };
      const res = await api<Edit>(base, 'POST', body);
      expect(res.status).toBe(201);
      expect(res.body.session).toMatchObject({ id: 'side-event', title: { zh: '边会', en: '' }, guidingQuestions: [{ zh: '', en: 'What next?' }] });
      const dup = await api<ErrorBody>(base, 'POST', body);
      expect(dup.status).toBe(409);
      expect(dup.body.error.code).toBe('conflict');
    });

    it('reschedules, bumping the sequence once per real change', async () => {
      const moved = await api<Edit>(`${base}/thematic-1`, 'PATCH', { start: '2022-02-22T15:00', end: '2022-02-22T16:30' });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ changed: true, session: { sequence: 1, startUtc: '2022-02-22T14:00:00Z', endUtc: '2022-02-22T15:30:00Z' } });
      const same = await api<Edit>(`${base}/thematic-1`, 'PATCH', { start: '2022-02-22T15:00', end: '2022-02-22T16:30' });
      expect(same.body).toMatchObject({ changed: false, session: { sequence: 1 } });
      const empty = await api<Edit>(`${base}/thematic-1`, 'PATCH', {});
      expect(empty.body).toMatchObject({ changed: false, session: { sequence: 1 } });
    });

    it('merges a text given in one language, and strips CRLF to LF', async () => {
      const res = await api<Edit>(`${base}/thematic-2`, 'PATCH', { title: { en: '  Universal social protection  ' }, description: { en: 'Line one\r\nLine two' } });
      expect(res.body.session.title.en).toBe('Universal social protection');
      expect(res.body.session.title.zh).not.toBe('');
      expect(res.body.session.description.en).toBe('Line one\nLine two');
      expect(res.body.session.sequence).toBe(1);
    });

    it('does not bump the sequence for going live, which calendars do not show', async () => {
      const res = await api<Edit>(`${base}/closing`, 'PATCH', { status: 'live' });
      expect(res.body).toMatchObject({ changed: true, session: { status: 'live', sequence: 0 } });
    });

    it('cancels on DELETE, keeps the session, and a second DELETE changes nothing', async () => {
      const first = await api<Edit>(`${base}/thematic-4`, 'DELETE');
      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ changed: true, session: { id: 'thematic-4', status: 'cancelled', sequence: 1 } });
      const second = await api<Edit>(`${base}/thematic-4`, 'DELETE');
      expect(second.body).toMatchObject({ changed: false, session: { status: 'cancelled', sequence: 1 } });
      const programme = await api<{ sessions: SessionView[] }>(`${server.url}/api/events/${eventId}/programme`, 'GET');
      expect(programme.body.sessions.find((s) => s.id === 'thematic-4')?.status).toBe('cancelled');
    });

    it('lets concurrent edits of one session all land (compare-and-set with retry)', async () => {
      const results = await Promise.all([
        api<Edit>(`${base}/thematic-3`, 'PATCH', { title: { en: 'Protecting workers' } }),
        api<Edit>(`${base}/thematic-3`, 'PATCH', { description: { en: 'Changed concurrently.' } }),
        api<Edit>(`${base}/thematic-3`, 'PATCH', { start: '2022-02-23T14:50' }),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      const final = (await api<{ session: SessionView }>(`${base}/thematic-3`, 'GET')).body.session;
      expect(final).toMatchObject({ sequence: 3, title: { en: 'Protecting workers' }, description: { en: 'Changed concurrently.' }, startUtc: '2022-02-23T13:50:00Z' });
    });

    it('records who changed what, when, before and after', async () => {
      const res = await api<{ entries: AuditEntry[] }>(`${server.url}/api/events/${eventId}/audit`, 'GET');
      const entries = res.body.entries;
      const actions = entries.map((e) => `${e.action} ${e.target.id}`);
      expect(actions).toContain('session.create youth-employment');
      expect(actions).toContain('session.update thematic-1');
      expect(actions).toContain('session.cancel thematic-4');
      // No-op PATCHes and the second DELETE leave no trace.
      expect(actions.filter((a) => a === 'session.update thematic-1')).toHaveLength(1);
      expect(actions.filter((a) => a === 'session.cancel thematic-4')).toHaveLength(1);

      const moved = entries.find((e) => e.action === 'session.update' && e.target.id === 'thematic-1')!;
      expect(moved).toMatchObject({
        eventId,
        actor: { kind: 'organizer-token', id: null, name: 'Organiser (token)' },
        target: { type: 'session', id: 'thematic-1' },
        before: { start: '2022-02-22T13:45:00Z', end: '2022-02-22T15:15:00Z', sequence: 0 },
        after: { start: '2022-02-22T14:00:00Z', end: '2022-02-22T15:30:00Z', sequence: 1 },
      });
      expect(Date.parse(moved.at)).toBeGreaterThan(Date.now() - 60_000);
      expect(Object.keys(moved.before!)).toEqual(['start', 'end', 'sequence']);

      const cancelled = entries.find((e) => e.action === 'session.cancel')!;
      expect(cancelled).toMatchObject({ before: { status: 'scheduled', sequence: 0 }, after: { status: 'cancelled', sequence: 1 } });
      const created = entries.find((e) => e.action === 'session.create' && e.target.id === 'youth-employment')!;
      expect(created.before).toBeNull();
      expect(created.after).toMatchObject({ id: 'youth-employment', start: '2022-02-25T09:00:00Z', sequence: 0 });
      const live = entries.find((e) => e.target.id === 'closing')!;
      expect(live).toMatchObject({ before: { status: 'scheduled' }, after: { status: 'live' } });
      expect(live.after).not.toHaveProperty('sequence');
    });
  });
});

describe('organiser console for sessions', () => {
  let server: Plenary;
  let page: string;
  const organiser = { authorization: `Bearer ${organizerToken}` };
  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    redirect: 'manual' as const,
    headers: { ...organiser, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const openingFields = {
    _csrf: 'test',
    title_zh: '加强多边合作和三方合作，推进以人为本的复苏',
    title_en: 'Opening',
    description_zh: '',
    description_en: '',
    start: '2022-02-22T13:15',
    end: '2022-02-22T14:45',
    status: 'scheduled',
  };

  beforeAll(async () => {
    server = await startTestServer();
    page = `${server.url}/events/${eventId}/console/sessions`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('shows a clear 401 page to a browser that is not signed in', async () => {
    const res = await fetch(page, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(401);
    const html = await res.text();
    expect(html).toContain('<h1>Please sign in</h1>');
    expect(html).toContain('Sign in with your invitation link first.');
    const post = await fetch(page, { ...form({ title_en: 'x' }), headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' } });
    expect(post.status).toBe(401);
  });

  it('lists the sessions by day in a table, in the event zone, each with its status and links to edit it', async () => {
    const res = await fetch(`${page}?lang=en`, { headers: organiser });
    expect(res.status).toBe(200);
    const html = decodeHtml(await res.text());
    expect(html).toContain('<h2 id="day-0">Tuesday, 22 February 2022</h2>');
    expect(html).toMatch(/<tr id="session-opening" data-session-id="opening">\s*<td class="time"><bdi dir="ltr" class="time-range">13:00–14:30<\/bdi> <span class="muted">CET<\/span>/);
    expect(html).toContain('href="/events/global-forum-2022/console/sessions/opening" aria-label="Edit “Advancing a human-centred recovery');
    expect(html).toContain('<span class="badge badge-scheduled">Scheduled</span>');
    // The list itself has no form to fill in: one page per session.
    expect(html.slice(html.indexOf('<article')).match(/<form method="post"/g)).toBeNull();
    const zh = await (await fetch(`${page}?lang=zh`, { headers: organiser })).text();
    expect(zh).toContain('2022年2月22日星期二');
    const programme = await (await fetch(`${server.url}/events/${eventId}?lang=en`, { headers: organiser })).text();
    expect(programme).toContain(`/events/${eventId}/console/sessions`);
    const anonymous = await (await fetch(`${server.url}/events/${eventId}?lang=en`)).text();
    expect(anonymous).not.toContain('/console/sessions');
  });

  it('edits a session on its own page: times in the event zone, texts in the six languages, and a CSRF field', async () => {
    const res = await fetch(`${page}/opening?lang=en`, { headers: organiser });
    expect(res.status).toBe(200);
    const html = decodeHtml(await res.text());
    expect(html).toContain('<label for="s-start">Starts (Europe/Zurich)</label>');
    expect(html).toContain('id="s-start" name="start" type="datetime-local" value="2022-02-22T13:00"');
    expect(html).toContain('<option value="scheduled" selected>Scheduled</option>');
    for (const l of ['ar', 'zh', 'en', 'fr', 'ru', 'es']) expect(html).toContain(`name="title_${l}"`);
    // The seed's French title is in the form, in its own language.
    expect(html).toMatch(/<fieldset data-language="fr" lang="fr" dir="ltr">\s*<legend>Français<\/legend>[\s\S]*?name="title_fr" value="[^"]+"/);
    expect(html).toMatch(/<fieldset data-language="ar" lang="ar" dir="rtl">/);
    expect(html).toContain('action="/events/global-forum-2022/console/sessions/opening/cancel"');
    expect(html.match(/name="_csrf"/g)?.length).toBeGreaterThanOrEqual(2);
    expect((await fetch(`${page}/no-such-session`, { headers: { ...organiser, accept: 'text/html' } })).status).toBe(404);
  });

  it('saves an edit and comes back to the session with a notice', async () => {
    const res = await fetch(`${page}/opening`, form(openingFields));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/events/${eventId}/console/sessions/opening?notice=updated`);
    const html = decodeHtml(await (await fetch(`${server.url}${res.headers.get('location')}&lang=en`, { headers: organiser })).text());
    expect(html).toMatch(/role="status"[^>]*>Saved “Opening”\. Calendars will show the change \(revision 1\)\.</);
    expect(html).toContain('value="2022-02-22T13:15"');
    const session = (await api<{ session: SessionView }>(`${server.url}/api/events/${eventId}/sessions/opening`, 'GET')).body.session;
    expect(session).toMatchObject({ startUtc: '2022-02-22T12:15:00Z', title: { en: 'Opening' }, sequence: 1 });
  });

  it('says when a form changed nothing', async () => {
    const res = await fetch(`${page}/opening`, form(openingFields));
    expect(res.headers.get('location')).toContain('notice=unchanged');
  });

  it('shows a refused time in an alert at the top, keeping what was typed', async () => {
    const res = await fetch(`${page}/opening?lang=en`, form({ ...openingFields, title_en: 'Kept title', start: '2022-03-27T02:30', end: '2022-03-27T03:30' }));
    expect(res.status).toBe(400);
    const html = decodeHtml(await res.text());
    expect(html).toMatch(/<div class="feedback-error" role="alert" id="session-error"/);
    expect(html).toContain('That time does not exist in the event zone');
    expect(html).toContain('value="Kept title"');
    expect(html).toContain('value="2022-03-27T02:30"');
    expect(html).toContain('aria-describedby="session-error"');
    const session = (await api<{ session: SessionView }>(`${server.url}/api/events/${eventId}/sessions/opening`, 'GET')).body.session;
    expect(session.title.en).toBe('Opening');
    // In Chinese, the refusal is told in Chinese only (no English detail line).
    const zh = decodeHtml(await (await fetch(`${page}/opening?lang=zh`, form({ ...openingFields, start: '2022-03-27T02:30', end: '2022-03-27T03:30' }))).text());
    expect(zh).toMatch(/role="alert" id="session-error"[^>]*>\s*<p><strong>未保存:<\/strong> [^<]+<\/p>\s*<\/div>/);
  });

  it('creates a session from its page', async () => {
    const blank = await fetch(`${page}/new?lang=en`, { headers: organiser });
    expect(blank.status).toBe(200);
    expect(await blank.text()).toContain('name="id"');
    const res = await fetch(page, form({ _csrf: 't', title_en: 'Closing reception', description_en: 'Drinks.', start: '2022-02-24T17:00', end: '2022-02-24T18:00', status: 'scheduled', id: '' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/events/${eventId}/console/sessions/closing-reception?notice=created`);
    const refused = await fetch(`${page}?lang=en`, form({ _csrf: 't', title_zh: '', title_en: '', start: '2022-02-24T17:00', end: '2022-02-24T18:00', status: 'scheduled' }));
    expect(refused.status).toBe(400);
    const html = decodeHtml(await refused.text());
    expect(html).toMatch(/role="alert" id="session-error"/);
    // In Chinese the refused field is named in Chinese, with no English from the schema.
    const zh = decodeHtml(await (await fetch(`${page}?lang=zh`, form({ _csrf: 't', title_zh: '', title_en: '', start: '2022-02-24T17:00', end: '2022-02-24T18:00', status: 'scheduled' }))).text());
    const alert = (/role="alert" id="session-error"[^>]*>([\s\S]*?)<\/div>/.exec(zh)?.[1] ?? '').replace(/<[^>]+>/g, ' ');
    expect(alert).toContain('标题：');
    expect(alert).not.toMatch(/[A-Za-z]{3,}/);
  });

  it('cancels from the session page, and the session stays listed as cancelled', async () => {
    const res = await fetch(`${page}/thematic-2/cancel`, form({ _csrf: 't' }));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/events/${eventId}/console/sessions/thematic-2?notice=cancelled`);
    const html = decodeHtml(await (await fetch(`${page}?lang=en`, { headers: organiser })).text());
    expect(html).toMatch(/id="session-thematic-2"[\s\S]*?badge-cancelled/);
    const own = decodeHtml(await (await fetch(`${page}/thematic-2?lang=en`, { headers: organiser })).text());
    expect(own).not.toContain('action="/events/global-forum-2022/console/sessions/thematic-2/cancel"');
    const audit = (await api<{ entries: AuditEntry[] }>(`${server.url}/api/events/${eventId}/audit`, 'GET')).body.entries;
    expect(audit.map((e) => `${e.action} ${e.target.id}`)).toEqual(['session.update opening', 'session.create closing-reception', 'session.cancel thematic-2']);
  });

  it('edits the guiding questions and format in several languages, pairing paragraphs, and keeps the languages a form leaves out', async () => {
    const fields = {
      ...openingFields,
      title_zh: '开幕会议',
      title_en: 'Opening (questions)',
      format_zh: '高级别发言',
      format_en: 'High-level statements',
      format_fr: 'Déclarations de haut niveau',
      questions_zh: '第一个问题？\r\n\r\n第二个问题？',
      questions_en: 'First question?\n\nSecond question?',
      questions_fr: 'Première question ?\n\nDeuxième question ?',
    };
    const url = `${server.url}/api/events/${eventId}/sessions/thematic-4`;
    const before = (await api<{ session: Omit<SessionView, 'title' | 'guidingQuestions'> & { title: Record<string, string>; guidingQuestions: Record<string, string>[] } }>(url, 'GET')).body.session;
    // The seed has the questions in Spanish too; the form below leaves Spanish out.
    const spanish = before.guidingQuestions.map((q) => q.es);
    expect(spanish.length).toBeGreaterThan(0);
    expect((await fetch(`${page}/thematic-4`, form(fields))).status).toBe(303);
    const after = (await api<{ session: Omit<SessionView, 'title' | 'guidingQuestions'> & { guidingQuestions: unknown[]; format: unknown; title: Record<string, string> } }>(url, 'GET')).body.session;
    expect(after.guidingQuestions).toEqual([
      { zh: '第一个问题？', en: 'First question?', fr: 'Première question ?', ...(spanish[0] ? { es: spanish[0] } : {}) },
      { zh: '第二个问题？', en: 'Second question?', fr: 'Deuxième question ?', ...(spanish[1] ? { es: spanish[1] } : {}) },
    ]);
    expect(after.format).toMatchObject({ zh: '高级别发言', en: 'High-level statements', fr: 'Déclarations de haut niveau' });
    // The form named Chinese and English titles only: the seed's French and Spanish titles stay.
    expect(after.title.fr).toBe(before.title.fr);
    expect(after.title.es).toBe(before.title.es);
    const { format_zh: _a, format_en: _b, format_fr: _e, questions_zh: _c, questions_en: _d, questions_fr: _f, ...withoutThem } = fields;
    expect((await fetch(`${page}/thematic-4`, form({ ...withoutThem, title_en: 'Opening' }))).status).toBe(303);
    const kept = (await api<{ session: SessionView & { guidingQuestions: unknown[]; format: unknown } }>(url, 'GET')).body.session;
    expect(kept.guidingQuestions).toHaveLength(2);
    expect(kept.format).toMatchObject({ zh: '高级别发言', en: 'High-level statements' });
    // A French edit alone keeps the Chinese and English questions.
    expect((await fetch(`${page}/thematic-4`, form({ ...withoutThem, questions_fr: 'Une seule question ?' }))).status).toBe(303);
    const french = (await api<{ session: SessionView & { guidingQuestions: unknown[] } }>(url, 'GET')).body.session;
    expect(french.guidingQuestions).toEqual([
      { zh: '第一个问题？', en: 'First question?', fr: 'Une seule question ?', ...(spanish[0] ? { es: spanish[0] } : {}) },
      { zh: '第二个问题？', en: 'Second question?', ...(spanish[1] ? { es: spanish[1] } : {}) },
    ]);
  });
});

describe('organiser console in a signed-in browser (cookie + CSRF)', () => {
  let server: Plenary;
  let page: string;
  let organiser: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    page = `${server.url}/events/${eventId}/console/sessions`;
    organiser = new Browser(await signInCookie(server.organizerLinks[0]?.link ?? ''));
  });
  afterAll(async () => {
    await server.close();
  });

  const fields = { title_zh: '', title_en: 'Opening (moved)', description_zh: '', description_en: '', start: '2022-02-22T13:30', end: '2022-02-22T15:00', status: 'scheduled' };

  it('renders the session page with the session’s CSRF token in every form', async () => {
    const { status, html, csrf } = await organiser.page(`${page}/opening?lang=en`);
    expect(status).toBe(200);
    expect(csrf).not.toBe('');
    const article = html.slice(html.indexOf('<article class="console'));
    const tokens = [...article.matchAll(/name="_csrf" value="([^"]*)"/g)].map((m) => m[1]);
    expect(tokens).toHaveLength(2); // edit and cancel
    expect(new Set(tokens)).toEqual(new Set([csrf]));
  });

  it('refuses a form without its token (403 csrf_invalid) and saves one with it', async () => {
    const forged = await organiser.postForm(`${page}/opening`, fields);
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('<h1>You may not open this page</h1>');
    expect((await api<{ session: SessionView }>(`${server.url}/api/events/${eventId}/sessions/opening`, 'GET')).body.session.sequence).toBe(0);

    const { csrf } = await organiser.page(page);
    const saved = await organiser.postForm(`${page}/opening`, { ...fields, _csrf: csrf });
    expect(saved.status).toBe(303);
    expect((await api<{ session: SessionView }>(`${server.url}/api/events/${eventId}/sessions/opening`, 'GET')).body.session).toMatchObject({ sequence: 1, startUtc: '2022-02-22T12:30:00Z' });
    const audit = (await api<{ entries: AuditEntry[] }>(`${server.url}/api/events/${eventId}/audit`, 'GET')).body.entries;
    expect(audit.at(-1)?.actor).toMatchObject({ kind: 'participant', id: expect.any(String) });
  });

  it('answers a delegate with 403', async () => {
    const delegate = await invite(server);
    const browser = new Browser(await signInCookie(delegate.link));
    const res = await browser.fetch(page, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('Only an organiser');
    const api403 = await api<ErrorBody>(`${server.url}/api/events/${eventId}/sessions/opening`, 'PATCH', { title: { en: 'x' } }, { authorization: `Bearer ${delegate.token}`, 'content-type': 'application/json' });
    expect(api403.status).toBe(403);
    expect(api403.body.error.code).toBe('not_organizer');
  });
});
