import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, Browser, eventId, invite, signInCookie, uniqueEmail } from '../support/identity.ts';
import { getJson, startTestServer, waitFor } from '../support/server.ts';
import { startSmtp, type TestSmtp } from '../support/smtp.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

describe('CSRF on cookie-authenticated requests', () => {
  let server: Plenary;
  let organizer: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    organizer = new Browser(await signInCookie(server.organizerLinks[0]?.link ?? ''));
  });
  afterAll(async () => {
    await server.close();
  });

  const registerOther = async () =>
    (
      await getJson<{ participant: { id: string } }>(`${server.url}/api/events/${eventId}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Waiting', email: uniqueEmail('csrf'), organization: 'NGO', country: 'FR', group: 'other' }),
      })
    ).body.participant.id;

  it('refuses a form post without its CSRF token (403 csrf_invalid), and changes nothing', async () => {
    const id = await registerOther();
    const res = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/${id}/status`, { status: 'approved' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('This form has expired or did not come from this site');
    const json = await organizer.fetch(`${server.url}/events/${eventId}/console/participants/${id}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'status=approved',
    });
    expect(json.status).toBe(403);
    const after = await getJson<{ participant: { status: string } }>(`${server.url}/api/events/${eventId}/participants/${id}`, { headers: asOrganizer });
    expect(after.body.participant.status).toBe('pending');
  });

  it('refuses a token minted for another browser session', async () => {
    const id = await registerOther();
    const other = new Browser(await signInCookie((await invite(server, { name: 'Other Browser' })).link));
    const foreign = (await other.page(`${server.url}/events/${eventId}`)).csrf;
    const res = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/${id}/status`, { _csrf: foreign, status: 'approved' });
    expect(res.status).toBe(403);
  });

  it('accepts the form with its token, and JSON from the page with the x-csrf-token header', async () => {
    const id = await registerOther();
    const { csrf } = await organizer.page(`${server.url}/events/${eventId}/console/participants`);
    const res = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/${id}/status`, { _csrf: csrf, status: 'approved' });
    expect(res.status).toBe(201); // the new link is shown once
    const withoutHeader = await organizer.fetch(`${server.url}/api/events/${eventId}/participants/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ organizer: true }),
    });
    expect(withoutHeader.status).toBe(403);
    expect(((await withoutHeader.json()) as ErrorBody).error.code).toBe('csrf_invalid');
    const withHeader = await organizer.fetch(`${server.url}/api/events/${eventId}/participants/${id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ roles: [{ sessionId: 'closing', role: 'panelist' }] }),
    });
    expect(withHeader.status).toBe(200);
  });

  it('marks a Head of State or Government from the console, and unmarks them', async () => {
    const p = await invite(server, { name: 'President Example' });
    const { csrf } = await organizer.page(`${server.url}/events/${eventId}/console/participants`);
    const mark = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/${p.participant.id}/head-of-state`, { _csrf: csrf, headOfState: 'true' });
    expect(mark.status).toBe(303);
    const page = await (await organizer.fetch(`${server.url}${mark.headers.get('location')}&lang=en`, { headers: { accept: 'text/html' } })).text();
    expect(page).toMatch(/President Example<\/a> <span class="badge badge-info">Head of State or Government<\/span>/);
    const api = await fetch(`${server.url}/api/events/${eventId}/participants/${p.participant.id}`, { headers: asOrganizer });
    expect(((await api.json()) as { participant: { headOfState: boolean } }).participant.headOfState).toBe(true);
    await organizer.postForm(`${server.url}/events/${eventId}/console/participants/${p.participant.id}/head-of-state`, { _csrf: csrf, headOfState: 'false' });
    const after = await fetch(`${server.url}/api/events/${eventId}/participants/${p.participant.id}`, { headers: asOrganizer });
    expect(((await after.json()) as { participant: { headOfState: boolean } }).participant.headOfState).toBe(false);
  });

  it('exempts bearer-token requests, which a cross-site page cannot make', async () => {
    const p = await invite(server, { name: 'App Client' });
    const res = await fetch(`${server.url}/api/events/${eventId}/bookmarks/opening`, { method: 'PUT', headers: { authorization: `Bearer ${p.token}` } });
    expect(res.status).toBe(200);
  });
});

describe('the participants console', () => {
  let server: Plenary;
  let organizer: Browser;
  let csrf: string;
  beforeAll(async () => {
    server = await startTestServer();
    organizer = new Browser(await signInCookie(server.organizerLinks[0]?.link ?? ''));
    csrf = (await organizer.page(`${server.url}/events/${eventId}/console/participants`)).csrf;
  });
  afterAll(async () => {
    await server.close();
  });

  const participant = async (id: string) =>
    (await getJson<{ participant: { status: string; statusReason: string | null; roles: unknown[]; organizer: boolean; revokedAt: string | null } }>(`${server.url}/api/events/${eventId}/participants/${id}`, { headers: asOrganizer })).body.participant;

  it('lists pending registrations and approves or rejects them with a reason', async () => {
    const ids: string[] = [];
    for (const name of ['Academic One', 'Academic Two']) {
      const res = await getJson<{ participant: { id: string } }>(`${server.url}/api/events/${eventId}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, email: uniqueEmail('console'), organization: 'University', country: 'IN', group: 'other' }),
      });
      ids.push(res.body.participant.id);
    }
    const page = await organizer.page(`${server.url}/events/${eventId}/console/participants?lang=zh`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('待审批');
    // Names are isolated (<bdi>) so a right-to-left page keeps their order.
    expect(page.html).toMatch(/<li class="pending" data-participant-id="[^"]+">\s*<p><strong><bdi>Academic One<\/bdi><\/strong>/);
    await organizer.page(`${server.url}/events/${eventId}/console/participants?lang=en`);

    const approve = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/${ids[0]}/status`, { _csrf: csrf, status: 'approved' });
    expect(approve.status).toBe(201);
    expect(await approve.text()).toMatch(/data-testid="invitation-link"[^>]*|value="http:\/\/127\.0\.0\.1:\d+\/i\/[A-Za-z0-9_-]{43}"/);
    const reject = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/${ids[1]}/status`, { _csrf: csrf, status: 'rejected', reason: 'Outside the forum’s scope' });
    expect(reject.status).toBe(303);
    expect(reject.headers.get('location')).toBe(`/events/${eventId}/console/participants?notice=rejected&who=${ids[1]}#participant-${ids[1]}`);
    expect(await participant(ids[0] ?? '')).toMatchObject({ status: 'approved' });
    expect(await participant(ids[1] ?? '')).toMatchObject({ status: 'rejected', statusReason: 'Outside the forum’s scope' });
    const after = await organizer.page(`${server.url}/events/${eventId}/console/participants?notice=rejected&who=${ids[1]}`);
    expect(after.html).toContain('role="status">Academic Two was rejected.');
  });

  it('assigns and removes session roles, organiser rights, and revokes', async () => {
    const p = await invite(server, { name: 'Role Holder' });
    const id = p.participant.id;
    const post = (action: string, fields: Record<string, string> = {}) => organizer.postForm(`${server.url}/events/${eventId}/console/participants/${id}/${action}`, { _csrf: csrf, ...fields });

    expect((await post('roles', { op: 'add', sessionId: 'thematic-4', role: 'interpreter', language: 'fr' })).status).toBe(303);
    expect((await post('roles', { op: 'add', sessionId: 'opening', role: 'moderator', language: 'ignored' })).status).toBe(303);
    expect((await participant(id)).roles).toEqual([
      { sessionId: 'thematic-4', role: 'interpreter', language: 'fr' },
      { sessionId: 'opening', role: 'moderator' },
    ]);
    expect((await post('roles', { op: 'remove', sessionId: 'thematic-4', role: 'interpreter', language: 'fr' })).status).toBe(303);
    expect((await participant(id)).roles).toEqual([{ sessionId: 'opening', role: 'moderator' }]);

    const bad = await post('roles', { op: 'add', sessionId: 'thematic-4', role: 'interpreter' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/role="alert">That did not work: .*Language: this is required/);

    expect((await post('organizer', { organizer: 'true' })).status).toBe(303);
    expect((await participant(id)).organizer).toBe(true);
    const asNewOrganizer = await getJson(`${server.url}/api/events/${eventId}/participants`, { headers: { authorization: `Bearer ${p.token}` } });
    expect(asNewOrganizer.status).toBe(200);

    expect((await post('revoke')).status).toBe(303);
    expect((await participant(id)).revokedAt).not.toBeNull();
    expect((await getJson(`${server.url}/api/me`, { headers: { authorization: `Bearer ${p.token}` } })).body).toEqual({ caller: { kind: 'anonymous' } });

    const reissued = await post('invitation');
    expect(reissued.status).toBe(201);
    const link = /data-testid="invitation-link"[^>]*>(http:\/\/[^<]+\/i\/[A-Za-z0-9_-]{43})</.exec(await reissued.text())?.[1] ?? '';
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(303);
  });

  it('invites from the console, showing errors in place', async () => {
    const refused = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/invite`, { _csrf: csrf, name: '', email: 'x', organization: 'O', country: 'CH', group: 'workers' });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('class="error-summary" role="alert"');
    expect(html).toContain('href="#field-name"');
    // The form speaks of the invitee, not of the organiser reading it.
    expect(html).toContain('Their personal sign-in link is sent here.');
    expect(html).not.toContain('Your personal sign-in link');

    const ok = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/invite`, {
      _csrf: csrf,
      name: 'Console Invitee',
      email: uniqueEmail('invitee'),
      organization: 'Employers’ federation',
      country: 'JP',
      group: 'employers',
      language: 'zh',
    });
    expect(ok.status).toBe(201);
    expect(await ok.text()).toContain('Invitation link for Console Invitee');
  });

  it('exports invitation links and the list as CSV that a spreadsheet cannot run', async () => {
    await invite(server, { name: '=HYPERLINK("http://evil.example","click")', organization: '+SUM(1,2)', group: 'workers' });
    const res = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/invitations.csv`, { _csrf: csrf });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toContain(`${eventId}-invitations.csv`);
    const csv = await res.text();
    const lines = csv.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('"name","email","organization","country","group","language","link"');
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(csv).toContain(`"'+SUM(1,2)"`);
    const link = /"(http:\/\/[^"]+\/i\/[A-Za-z0-9_-]{43})"/.exec(lines.find((l) => l.includes('HYPERLINK')) ?? '')?.[1] ?? '';
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(303);

    const list = await fetch(`${server.url}/api/events/${eventId}/participants.csv`, { headers: asOrganizer });
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(text).not.toMatch(/\/i\//);
  });
});

describe('bookmarks and the personal agenda feed', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  const vevents = (ics: string) => ics.split('BEGIN:VEVENT').slice(1);
  const uidOf = (vevent: string) => /UID:(\S+)/.exec(vevent)?.[1];

  it('stars sessions over the API and the feed follows stars, edits and resets', async () => {
    const p = await invite(server, { name: 'Agenda Keeper', language: 'zh' });
    const auth = { authorization: `Bearer ${p.token}` };
    const put = await getJson<{ bookmarks: string[] }>(`${server.url}/api/events/${eventId}/bookmarks/thematic-1`, { method: 'PUT', headers: auth });
    expect(put.body.bookmarks).toEqual(['thematic-1']);
    // Idempotent.
    expect((await getJson<{ bookmarks: string[] }>(`${server.url}/api/events/${eventId}/bookmarks/thematic-1`, { method: 'PUT', headers: auth })).body.bookmarks).toEqual(['thematic-1']);
    const unknown = await getJson<ErrorBody>(`${server.url}/api/events/${eventId}/bookmarks/no-such-session`, { method: 'PUT', headers: auth });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('session_not_found');

    const made = await getJson<{ token: string; url: string; webcal: string }>(`${server.url}/api/events/${eventId}/agenda/calendar-token`, { method: 'POST', headers: auth });
    expect(made.status).toBe(201);
    expect(made.body.url).toBe(`${server.url}/calendar/agenda/${made.body.token}.ics`);
    expect(made.body.webcal).toBe(made.body.url.replace(/^http:/, 'webcal:'));
    expect(made.body.token).not.toBe(p.token);
    // It is no sign-in token.
    expect((await getJson<{ caller: { kind: string } }>(`${server.url}/api/me`, { headers: { authorization: `Bearer ${made.body.token}` } })).body.caller.kind).toBe('anonymous');

    const feed = async (url = made.body.url) => {
      const res = await fetch(url);
      return { status: res.status, type: res.headers.get('content-type'), ics: await res.text() };
    };
    let f = await feed();
    expect(f.status).toBe(200);
    expect(f.type).toBe('text/calendar; charset=utf-8');
    expect(f.ics).toContain('X-WR-CALNAME:我的日程');
    expect(vevents(f.ics).map(uidOf)).toEqual([`thematic-1.${eventId}@plenary`]);
    expect(f.ics).toContain('DTSTART;TZID=Europe/Zurich:20220222T144500');

    await getJson(`${server.url}/api/events/${eventId}/bookmarks/closing`, { method: 'PUT', headers: auth });
    f = await feed();
    expect(vevents(f.ics).map(uidOf)).toEqual([`thematic-1.${eventId}@plenary`, `closing.${eventId}@plenary`]);

    const edit = await fetch(`${server.url}/api/events/${eventId}/sessions/thematic-1`, {
      method: 'PATCH',
      headers: { ...asOrganizer, 'content-type': 'application/json' },
      body: JSON.stringify({ start: '2022-02-22T15:00', end: '2022-02-22T16:30' }),
    });
    expect(edit.status).toBe(200);
    f = await feed();
    const moved = vevents(f.ics).find((v) => uidOf(v) === `thematic-1.${eventId}@plenary`) ?? '';
    expect(moved).toContain('DTSTART;TZID=Europe/Zurich:20220222T150000');
    expect(moved).toContain('SEQUENCE:1');

    await getJson(`${server.url}/api/events/${eventId}/bookmarks/thematic-1`, { method: 'DELETE', headers: auth });
    f = await feed();
    expect(vevents(f.ics).map(uidOf)).toEqual([`closing.${eventId}@plenary`]);

    const reset = await getJson<{ url: string }>(`${server.url}/api/events/${eventId}/agenda/calendar-token`, { method: 'POST', headers: auth });
    expect((await feed()).status).toBe(404);
    expect((await feed(reset.body.url)).status).toBe(200);

    await fetch(`${server.url}/api/events/${eventId}/participants/${p.participant.id}`, { method: 'DELETE', headers: asOrganizer });
    expect((await feed(reset.body.url)).status).toBe(404);
  });

  it('includes the sessions a participant holds a role in', async () => {
    const p = await invite(server, { name: 'Panel Member', roles: [{ sessionId: 'thematic-2', role: 'panelist' }] });
    const made = await getJson<{ url: string }>(`${server.url}/api/events/${eventId}/agenda/calendar-token`, { method: 'POST', headers: { authorization: `Bearer ${p.token}` } });
    const ics = await (await fetch(made.body.url)).text();
    expect(vevents(ics).map(uidOf)).toEqual([`thematic-2.${eventId}@plenary`]);
  });

  it('stars without JavaScript: the form posts, the page comes back pressed, the agenda lists it', async () => {
    const p = await invite(server, { name: 'No Script' });
    const browser = new Browser(await signInCookie(p.link));
    const before = await browser.page(`${server.url}/events/${eventId}`);
    expect(before.html).toMatch(/action="\/events\/global-forum-2022\/bookmarks\/opening"[\s\S]*?aria-pressed="false"/);
    const res = await browser.postForm(`${server.url}/events/${eventId}/bookmarks/opening`, { _csrf: before.csrf, bookmarked: 'true', returnTo: `/events/${eventId}` });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/events/${eventId}#session-opening`);
    const after = await browser.page(`${server.url}/events/${eventId}`);
    expect(after.html).toMatch(/action="\/events\/global-forum-2022\/bookmarks\/opening"[\s\S]*?name="bookmarked" value="false"[\s\S]*?aria-pressed="true"/);
    const agenda = await browser.page(`${server.url}/events/${eventId}/agenda`);
    expect(agenda.status).toBe(200);
    expect(agenda.html).toContain('data-session-id="opening"');
    const link = await browser.postForm(`${server.url}/events/${eventId}/agenda/calendar-link`, { _csrf: agenda.csrf });
    expect(link.status).toBe(200);
    const url = /data-testid="agenda-feed-url"[^>]*>(http:\/\/[^<]+\/calendar\/agenda\/[A-Za-z0-9_-]{43}\.ics)</.exec(await link.text())?.[1] ?? '';
    expect((await fetch(url)).status).toBe(200);
  });
});

describe('participants console: the table (search, filters, sorting, bulk actions) and a page per participant', () => {
  let server: Plenary;
  let organizer: Browser;
  let csrf: string;
  const base = () => `${server.url}/events/${eventId}/console/participants`;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    server = await startTestServer();
    organizer = new Browser(await signInCookie(server.organizerLinks[0]?.link ?? ''));
    csrf = (await organizer.page(base())).csrf;
    ids.muller = (await invite(server, { name: 'Jean-Pierre Müller', country: 'FR', group: 'employers', organization: 'Mouvement des entreprises' })).participant.id;
    ids.li = (await invite(server, { name: 'Li Wei', country: 'CN', group: 'workers', roles: [{ sessionId: 'opening', role: 'interpreter', language: 'zh' }] })).participant.id;
    for (const name of ['Waiting Alpha', 'Waiting Beta', 'Waiting Gamma']) {
      const res = await getJson<{ participant: { id: string } }>(`${server.url}/api/events/${eventId}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, email: uniqueEmail('bulk'), organization: 'Academy', country: 'BR', group: 'other' }),
      });
      ids[name] = res.body.participant.id;
    }
  });
  afterAll(async () => {
    await server.close();
  });

  /** The names in the table's rows, in order. */
  const tableNames = (html: string) => [...html.matchAll(/<th scope="row" class="col-name"><a href="[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);
  const bulk = (fields: [string, string][]) =>
    organizer.fetch(`${base()}/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams([['_csrf', csrf], ...fields]).toString(),
    });
  const status = async (id: string) => (await getJson<{ participant: { status: string } }>(`${server.url}/api/events/${eventId}/participants/${id}`, { headers: asOrganizer })).body.participant.status;

  it('searches by name, e-mail, organisation or country name without JavaScript, and says how many are shown', async () => {
    const byCountry = await organizer.page(`${base()}?lang=en&q=france`);
    expect(tableNames(byCountry.html)).toEqual(['Jean-Pierre Müller']);
    expect(byCountry.html).toMatch(/data-testid="shown-count"[^>]*>Showing 1 of \d+</);
    expect(byCountry.html).toContain('value="france"');
    // In Chinese, the country's Chinese name finds the same person; accents are ignored.
    expect(tableNames((await organizer.page(`${base()}?lang=zh&q=${encodeURIComponent('法国')}`)).html)).toEqual(['Jean-Pierre Müller']);
    expect(tableNames((await organizer.page(`${base()}?q=muller`)).html)).toEqual(['Jean-Pierre Müller']);
    const none = await organizer.page(`${base()}?lang=en&q=nobody-here`);
    expect(tableNames(none.html)).toEqual([]);
    expect(none.html).toMatch(/<p class="no-match" data-testid="no-match">No participant matches these filters\.<\/p>/);
  });

  it('filters by group, role and status, and sorts by a column either way (aria-sort says which)', async () => {
    expect(tableNames((await organizer.page(`${base()}?group=workers`)).html)).toEqual(['Li Wei']);
    expect(tableNames((await organizer.page(`${base()}?role=interpreter`)).html)).toEqual(['Li Wei']);
    expect(tableNames((await organizer.page(`${base()}?status=pending`)).html)).toEqual(['Waiting Alpha', 'Waiting Beta', 'Waiting Gamma']);
    const desc = await organizer.page(`${base()}?lang=en&status=pending&sort=name&dir=desc`);
    desc.html = desc.html.replaceAll('&#x3D;', '=');
    expect(tableNames(desc.html)).toEqual(['Waiting Gamma', 'Waiting Beta', 'Waiting Alpha']);
    expect(desc.html).toMatch(/<th scope="col" aria-sort="descending"><a href="[^"]*sort=name&amp;dir=asc"/);
    // The sort links keep the filters.
    expect(desc.html).toContain('status=pending&amp;sort=country&amp;dir=asc');
    const refused = await organizer.fetch(`${base()}?sort=password`, { headers: { accept: 'application/json' } });
    expect(refused.status).toBe(400);
  });

  it('approves a selection at once, showing the links when mail is off, and refuses an empty selection in place', async () => {
    const empty = await bulk([['action', 'approve']]);
    expect(empty.status).toBe(400);
    expect(await empty.text()).toMatch(/class="feedback-error" role="alert" id="bulk-feedback"[^>]*>\s*<p>Select at least one participant first\.<\/p>/);

    const res = await bulk([['action', 'approve'], ['ids', ids['Waiting Alpha']!], ['ids', ids['Waiting Beta']!], ['ids', ids.li!]]);
    expect(res.status).toBe(200);
    const html = await res.text();
    // Li Wei was approved already: two approvals, each with a fresh link to hand over.
    expect(html).toMatch(/role="status" id="bulk-feedback"[^>]*>\s*<p>2 participants approved\.<\/p>/);
    expect(html.match(/data-testid="invitation-link"/g)).toHaveLength(2);
    expect(await status(ids['Waiting Alpha']!)).toBe('approved');
    expect(await status(ids['Waiting Beta']!)).toBe('approved');
    expect(await status(ids['Waiting Gamma']!)).toBe('pending');
  });

  it('exports only the selection as CSV, and invitation links only for the selected approved participants', async () => {
    const csv = await bulk([['action', 'export'], ['ids', ids.muller!], ['ids', ids['Waiting Gamma']!]]);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await csv.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['"Jean-Pierre Müller"', '"Waiting Gamma"']);

    const links = await bulk([['action', 'links'], ['ids', ids.muller!], ['ids', ids['Waiting Gamma']!]]);
    const rows = (await links.text()).replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^"Jean-Pierre Müller",.*\/i\/[A-Za-z0-9_-]{43}"$/);
    const forged = await organizer.fetch(`${base()}/bulk`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `action=approve&ids=${ids['Waiting Gamma']}` });
    expect(forged.status).toBe(403);
  });

  it('edits one participant on their own page: actions come back there with the notice at the top', async () => {
    const page = await organizer.page(`${base()}/${ids.muller}?lang=en`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<h1>Jean-Pierre Müller');
    // The interpreter's language is picked from a list, named in the UI language.
    expect(page.html).toMatch(/<select id="role-language" name="language"[^>]*><option value="">No language<\/option><option value="ar">Arabic \(ar\)<\/option>/);
    // Destructive actions sit behind a disclosure that names them, the confirming button inside.
    expect(page.html).toMatch(/<summary class="button button-danger-outline" data-testid="revoke-open">(?:<svg[^>]*>[\s\S]*?<\/svg>)?Revoke sign-in…<\/summary>\s*<form class="confirm-body"/);

    const added = await organizer.postForm(`${base()}/${ids.muller}/roles`, { _csrf: csrf, from: 'detail', op: 'add', sessionId: 'thematic-1', role: 'interpreter', language: 'fr' });
    expect(added.status).toBe(303);
    expect(added.headers.get('location')).toBe(`/events/${eventId}/console/participants/${ids.muller}?notice=roles`);
    const after = await organizer.page(`${server.url}${added.headers.get('location')}&lang=en`);
    expect(after.html).toMatch(/<p class="notice" role="status" data-testid="console-notice">The roles of Jean-Pierre Müller were updated\.<\/p>/);
    expect(after.html).toContain('Interpreter (French) · <bdi>Decent work and inclusive economic growth</bdi>');

    const refused = await organizer.postForm(`${base()}/${ids.muller}/roles?lang=en`, { _csrf: csrf, from: 'detail', op: 'add', sessionId: 'thematic-1', role: 'captioner' });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/<h1>Jean-Pierre Müller[\s\S]*role="alert" data-testid="console-error">That did not work:/);

    const missing = await organizer.fetch(`${base()}/no-such-person`, { headers: { accept: 'text/html' } });
    expect(missing.status).toBe(404);
  });
});

describe('participants console with mail on: e-mailing new invitations to a selection', () => {
  let smtp: TestSmtp;
  let server: Plenary;
  let organizer: Browser;
  let csrf: string;
  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startTestServer({ SMTP_URL: smtp.url, MAIL_FROM: 'Forum <forum@example.org>' });
    organizer = new Browser(await signInCookie(server.organizerLinks[0]?.link ?? ''));
    csrf = (await organizer.page(`${server.url}/events/${eventId}/console/participants`)).csrf;
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  it('sends a fresh link to each selected approved participant, retires their old one, and skips those not approved', async () => {
    const approved = await invite(server, { name: 'Mailed Delegate', email: uniqueEmail('bulk-mail') });
    const waiting = await getJson<{ participant: { id: string; email: string } }>(`${server.url}/api/events/${eventId}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Waiting Academic', email: uniqueEmail('bulk-wait'), organization: 'Academy', country: 'BR', group: 'other' }),
    });
    const page = await organizer.page(`${server.url}/events/${eventId}/console/participants?lang=en`);
    expect(page.html).toContain('data-testid="bulk-send"');
    const before = smtp.messages.length;
    const res = await organizer.fetch(`${server.url}/events/${eventId}/console/participants/bulk?lang=en`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams([['_csrf', csrf], ['action', 'send'], ['ids', approved.participant.id], ['ids', waiting.body.participant.id]]).toString(),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/id="bulk-feedback"[^>]*>\s*<p>1 new invitation sent; the earlier link no longer works\.<\/p>/);
    await waitFor(() => smtp.messages.slice(before).find((m) => m.to.includes(approved.participant.email)), { timeout: 5000 });
    expect(smtp.messages.slice(before).some((m) => m.to.includes(waiting.body.participant.email))).toBe(false);
    // The link held before no longer signs in.
    expect((await getJson(`${server.url}/api/me`, { headers: { authorization: `Bearer ${approved.token}` } })).body).toEqual({ caller: { kind: 'anonymous' } });
  });
});
