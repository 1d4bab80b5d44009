import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, eventId, invite, uniqueEmail } from '../support/identity.ts';
import { getJson, startTestServer, waitFor } from '../support/server.ts';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../support/smtp.ts';

describe('mail through SMTP', () => {
  let smtp: TestSmtp;
  let server: Plenary;
  beforeAll(async () => {
    smtp = await startSmtp();
    server = await startTestServer({ SMTP_URL: smtp.url, MAIL_FROM: 'Forum <forum@example.org>' });
  });
  afterAll(async () => {
    await server.close();
    await smtp.close();
  });

  const mailTo = (address: string, subject?: RegExp): Promise<ReceivedMail> =>
    waitFor(() => smtp.messages.find((m) => m.to.includes(address) && (!subject || subject.test(m.subject))), { timeout: 5000 });

  it('sends an English invitation with the sign-in link in text and HTML', async () => {
    const email = uniqueEmail('mail-en');
    const invited = await invite(server, { name: 'Mail Person', email, language: 'en', roles: [{ sessionId: 'opening', role: 'panelist' }] });
    const mail = await mailTo(email);
    expect(mail.from).toBe('forum@example.org');
    expect(mail.subject).toBe('Invitation: Global Forum for a Human-centred Recovery');
    expect(mail.text).toContain('Dear Mail Person');
    expect(mail.text).toContain(invited.link);
    expect(mail.text).toContain('Panelist: ');
    expect(mail.html).toContain(`href="${invited.link}"`);
  });

  it('writes in Chinese to a participant who chose Chinese', async () => {
    const email = uniqueEmail('mail-zh');
    const invited = await invite(server, { name: '王芳', email, language: 'zh', country: 'CN' });
    const mail = await mailTo(email);
    expect(mail.subject).toMatch(/^邀请函：/);
    expect(mail.text).toContain('王芳，您好');
    expect(mail.text).toContain(invited.link);
  });

  it('escapes names in the HTML part and keeps them plain in the text part', async () => {
    const email = uniqueEmail('mail-xss');
    await invite(server, { name: 'Eve <img src=x onerror=alert(1)>', email });
    const mail = await mailTo(email);
    expect(mail.html).toContain('Eve &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.text).toContain('Dear Eve <img src=x onerror=alert(1)>');
  });

  it('confirms a constituent registration, and mails approval (with a working link) and rejection (with the reason)', async () => {
    const confirmed = uniqueEmail('mail-reg');
    const reg = await getJson<{ link: string }>(`${server.url}/api/events/${eventId}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Registered', email: confirmed, organization: 'Union', country: 'ZA', group: 'workers' }),
    });
    const confirmation = await mailTo(confirmed);
    expect(confirmation.subject).toBe('Your registration for Global Forum for a Human-centred Recovery');
    expect(confirmation.text).toContain(reg.body.link);

    const approvedEmail = uniqueEmail('mail-ok');
    const rejectedEmail = uniqueEmail('mail-no');
    const ids: string[] = [];
    for (const email of [approvedEmail, rejectedEmail]) {
      const res = await getJson<{ participant: { id: string } }>(`${server.url}/api/events/${eventId}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Other Actor', email, organization: 'Think tank', country: 'DE', group: 'other' }),
      });
      ids.push(res.body.participant.id);
    }
    // Nothing is sent while they wait.
    await server.mailer.idle();
    expect(smtp.messages.some((m) => m.to.includes(approvedEmail) || m.to.includes(rejectedEmail))).toBe(false);

    const patch = (id: string, body: unknown) =>
      getJson<{ token?: string; link?: string }>(`${server.url}/api/events/${eventId}/participants/${id}`, {
        method: 'PATCH',
        headers: { ...asOrganizer, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const approved = await patch(ids[0] ?? '', { status: 'approved' });
    const approval = await mailTo(approvedEmail);
    expect(approval.subject).toBe('Registration approved: Global Forum for a Human-centred Recovery');
    const link = /http:\/\/\S+\/i\/[A-Za-z0-9_-]{43}/.exec(approval.text)?.[0];
    expect(link).toBe(approved.body.link);
    expect((await fetch(link ?? '', { redirect: 'manual' })).status).toBe(303);

    await patch(ids[1] ?? '', { status: 'rejected', reason: 'The forum is limited to constituents & partners.' });
    const rejection = await mailTo(rejectedEmail);
    expect(rejection.subject).toBe('Your registration for Global Forum for a Human-centred Recovery');
    expect(rejection.text).toContain('The forum is limited to constituents & partners.');
    expect(rejection.html).toContain('constituents &amp; partners');
    expect(rejection.text).not.toMatch(/\/i\//);
  });

  it('mails a fresh link when a rejected participant is approved again, and retires the old one', async () => {
    const email = uniqueEmail('mail-again');
    const reg = await getJson<{ participant: { id: string }; token: string }>(`${server.url}/api/events/${eventId}/registrations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Second Chance', email, organization: 'Union', country: 'PH', group: 'workers' }),
    });
    const id = reg.body.participant.id;
    const patch = (body: unknown) =>
      getJson<{ link?: string }>(`${server.url}/api/events/${eventId}/participants/${id}`, {
        method: 'PATCH',
        headers: { ...asOrganizer, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await patch({ status: 'rejected', reason: 'Duplicate delegation' });
    await mailTo(email, /registration/i);
    const again = await patch({ status: 'approved' });
    const approval = await mailTo(email, /approved/);
    expect(again.body.link).toBeDefined();
    expect(approval.text).toContain(again.body.link);
    // The link from before the rejection no longer signs anyone in; the new one does.
    const old = await getJson<{ caller: { kind: string } }>(`${server.url}/api/me`, { headers: { authorization: `Bearer ${reg.body.token}` } });
    expect(old.body.caller.kind).toBe('anonymous');
    const token = again.body.link?.split('/i/')[1] ?? '';
    const fresh = await getJson<{ caller: { kind: string } }>(`${server.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(fresh.body.caller.kind).toBe('participant');
  });

  it('tells bookmarkers and role holders when a session moves, in their own time zone', async () => {
    const bookmarker = await invite(server, { name: 'Bookmarker', email: uniqueEmail('bm'), timeZone: 'Asia/Tokyo' });
    const moderator = await invite(server, { name: 'Moderator', email: uniqueEmail('mod'), roles: [{ sessionId: 'thematic-3', role: 'moderator' }] });
    const bystander = await invite(server, { name: 'Bystander', email: uniqueEmail('by') });
    const put = await fetch(`${server.url}/api/events/${eventId}/bookmarks/thematic-3`, { method: 'PUT', headers: { authorization: `Bearer ${bookmarker.token}` } });
    expect(put.status).toBe(200);

    const edit = await fetch(`${server.url}/api/events/${eventId}/sessions/thematic-3`, {
      method: 'PATCH',
      headers: { ...asOrganizer, 'content-type': 'application/json' },
      body: JSON.stringify({ start: '2022-02-23T15:00', end: '2022-02-23T16:30' }),
    });
    expect(edit.status).toBe(200);

    const toBookmarker = await mailTo(bookmarker.participant.email, /^Changed:/);
    expect(toBookmarker.subject).toMatch(/^Changed: .+ \(Global Forum for a Human-centred Recovery\)$/);
    expect(toBookmarker.text).toContain('15:00–16:30 CET (Europe/Zurich)');
    expect(toBookmarker.text).toContain('23:00–00:30');
    expect(toBookmarker.text).toContain('(Asia/Tokyo)');
    await mailTo(moderator.participant.email, /^Changed:/);
    await server.mailer.idle();
    expect(smtp.messages.some((m) => m.to.includes(bystander.participant.email) && m.subject.startsWith('Changed:'))).toBe(false);

    const cancel = await fetch(`${server.url}/api/events/${eventId}/sessions/thematic-3`, { method: 'DELETE', headers: asOrganizer });
    expect(cancel.status).toBe(200);
    const cancelled = await mailTo(moderator.participant.email, /^Cancelled:/);
    expect(cancelled.text).toContain('This session has been cancelled');
  });
});

describe('mail disabled', () => {
  it('says so once at start, and invitations still return their link', async () => {
    const chunks: string[] = [];
    const logger = createLogger(
      'info',
      new Writable({
        write(chunk: Buffer, _enc, done) {
          chunks.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const server = await startTestServer({}, { logger });
    try {
      const invited = await invite(server, { name: 'No Mail' });
      expect(invited.link).toContain('/i/');
      expect(server.mailer.enabled).toBe(false);
      expect(chunks.join('').match(/mail is disabled/g)).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
