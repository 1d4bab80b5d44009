import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, Browser, eventId, invite, signInCookie, type Invited } from '../support/identity.ts';
import { getJson, startTestServer } from '../support/server.ts';

interface Me {
  caller: { kind: string; participant?: { id: string } };
}

/** The links of an invitations CSV, by e-mail address. */
function linksByEmail(csv: string): Map<string, string> {
  const rows = csv.replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
  const links = new Map<string, string>();
  for (const row of rows) {
    const cells = [...row.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1] ?? '');
    links.set(cells[1] ?? '', cells[6] ?? '');
  }
  return links;
}

/**
 * A revocation ends every way in for a participant. Exporting invitation
 * links (the API's invitations.csv and the console's CSV button) must not
 * hand a revoked participant a fresh, working link.
 */
describe('exporting invitations after a revocation', () => {
  let server: Plenary;
  let organizer: Browser;
  let revoked: Invited;
  let kept: Invited;

  beforeAll(async () => {
    server = await startTestServer();
    organizer = new Browser(await signInCookie(server.organizerLinks[0]?.link ?? ''));
    revoked = await invite(server, { name: 'Revoked Delegate' });
    kept = await invite(server, { name: 'Kept Delegate' });
    const res = await getJson(`${server.url}/api/events/${eventId}/participants/${revoked.participant.id}`, { method: 'DELETE', headers: asOrganizer });
    expect(res.status).toBe(200);
  });
  afterAll(async () => {
    await server.close();
  });

  const callerOfLink = async (link: string): Promise<Me['caller']> => {
    const res = await fetch(link, { redirect: 'manual' });
    if (res.status !== 303) return { kind: `refused ${res.status}` };
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('plenary_session='))?.split(';')[0] ?? '';
    return (await getJson<Me>(`${server.url}/api/me`, { headers: { cookie } })).body.caller;
  };

  it('leaves the revoked participant out of the API export, and every exported link signs in its own person', async () => {
    const res = await fetch(`${server.url}/api/events/${eventId}/invitations.csv`, { method: 'POST', headers: asOrganizer });
    expect(res.status).toBe(200);
    const links = linksByEmail(await res.text());
    expect(links.has(revoked.participant.email)).toBe(false);
    expect(links.has(kept.participant.email)).toBe(true);
    for (const link of links.values()) {
      expect((await callerOfLink(link)).participant?.id).not.toBe(revoked.participant.id);
    }
    expect((await callerOfLink(links.get(kept.participant.email) ?? '')).participant?.id).toBe(kept.participant.id);
  });

  it("leaves the revoked participant out of the console's CSV too", async () => {
    const page = await organizer.page(`${server.url}/events/${eventId}/console/participants`);
    expect(page.status).toBe(200);
    const res = await organizer.postForm(`${server.url}/events/${eventId}/console/participants/invitations.csv`, { _csrf: page.csrf });
    expect(res.status).toBe(200);
    const links = linksByEmail(await res.text());
    expect(links.has(revoked.participant.email)).toBe(false);
    expect(links.has(kept.participant.email)).toBe(true);
  });

  it('keeps the revoked participant out after the exports: the old token and link still fail', async () => {
    const bearer = await getJson<Me>(`${server.url}/api/me`, { headers: { authorization: `Bearer ${revoked.token}` } });
    expect(bearer.body.caller.kind).toBe('anonymous');
    expect((await fetch(revoked.link, { redirect: 'manual' })).status).toBe(401);
  });

  it('lets only a deliberate reissue bring the participant back, after which exports include them again', async () => {
    const again = await getJson<{ link: string }>(`${server.url}/api/events/${eventId}/participants/${revoked.participant.id}/invitation`, { method: 'POST', headers: asOrganizer });
    expect(again.status).toBe(201);
    const res = await fetch(`${server.url}/api/events/${eventId}/invitations.csv`, { method: 'POST', headers: asOrganizer });
    const link = linksByEmail(await res.text()).get(revoked.participant.email);
    expect(link).toBeDefined();
    expect((await callerOfLink(link ?? '')).participant?.id).toBe(revoked.participant.id);
  });
});
