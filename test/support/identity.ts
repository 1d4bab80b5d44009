import type { Plenary } from '../../server/plenary.ts';
import { getJson, organizerToken } from './server.ts';

export const eventId = 'global-forum-2022';
export const asOrganizer = { authorization: `Bearer ${organizerToken}` };

let counter = 0;

export interface Invited {
  participant: { id: string; name: string; email: string; status: string; roles: unknown[]; organizer: boolean };
  token: string;
  link: string;
}

export function uniqueEmail(prefix = 'person'): string {
  counter += 1;
  return `${prefix}${counter}.${process.pid}@example.org`;
}

/** An organiser (standing token) invites someone; returns the participant with token and link. */
export async function invite(server: Pick<Plenary, 'url'>, fields: Record<string, unknown> = {}): Promise<Invited> {
  const res = await getJson<Invited>(`${server.url}/api/events/${eventId}/participants`, {
    method: 'POST',
    headers: { ...asOrganizer, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Invitee', email: uniqueEmail(), organization: 'Ministry of Labour', country: 'CH', group: 'government', ...fields }),
  });
  if (res.status !== 201) throw new Error(`invite failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Opens an invitation link like a browser: returns the session cookie it set ("name=value"). */
export async function signInCookie(link: string): Promise<string> {
  const res = await fetch(link, { redirect: 'manual' });
  if (res.status !== 303) throw new Error(`sign-in failed: ${res.status}`);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('plenary_session='));
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0] ?? '';
}

/** A cookie jar for one "browser" over fetch: keeps Set-Cookie values. */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(cookie?: string) {
    if (cookie) this.take([cookie]);
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  take(setCookies: string[]): void {
    for (const c of setCookies) {
      const [pair = '', ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.header();
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { redirect: 'manual', ...init, headers });
    this.take(res.headers.getSetCookie());
    return res;
  }

  /** GETs a page and returns its HTML and the CSRF token its forms carry. */
  async page(url: string): Promise<{ status: number; html: string; csrf: string }> {
    const res = await this.fetch(url, { headers: { accept: 'text/html' } });
    const html = await res.text();
    const csrf = /<meta name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? '';
    return { status: res.status, html, csrf };
  }

  /** Posts a form (urlencoded) like a browser without JavaScript. */
  postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}
