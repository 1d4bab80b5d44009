import { io as connectClient, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../server/identity/caller.ts';
import type { Plenary } from '../../server/plenary.ts';
import { asOrganizer, Browser, eventId, invite, signInCookie } from '../support/identity.ts';
import { getJson, startTestServer, waitFor } from '../support/server.ts';

const open: Socket[] = [];

function client(url: string, options: { token?: string; headers?: Record<string, string> } = {}): Socket {
  const socket = connectClient(url, {
    auth: options.token ? { token: options.token } : {},
    extraHeaders: options.headers ?? {},
    transports: ['websocket'],
    reconnection: false,
    timeout: 5000,
  });
  open.push(socket);
  return socket;
}

function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });
}

function refused(socket: Socket): Promise<{ message: string; data?: { code: string } }> {
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('connected, but should have been refused')));
    socket.once('connect_error', (error) => resolve(error as Error & { data?: { code: string } }));
  });
}

function disconnected(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

/** The caller the server attached to this participant's open socket(s). */
function serverCallers(server: Plenary, participantId: string): Caller[] {
  return server.socketAuth.socketsOf(participantId).map((s) => (s.data as { caller: Caller }).caller);
}

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

describe('Socket.IO authentication', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('resolves auth.token into socket.data.caller', async () => {
    const p = await invite(server, { name: 'Socket Bearer' });
    await connected(client(server.url, { token: p.token }));
    expect(serverCallers(server, p.participant.id)).toEqual([expect.objectContaining({ kind: 'participant', participant: expect.objectContaining({ id: p.participant.id }) })]);
  });

  it('resolves the browser session cookie when no token is given', async () => {
    const p = await invite(server, { name: 'Socket Cookie' });
    const cookie = await signInCookie(p.link);
    await connected(client(server.url, { headers: { cookie } }));
    expect(serverCallers(server, p.participant.id)).toHaveLength(1);
  });

  it('lets nobody connect as nobody (the policy refuses their events), but refuses a token that does not work', async () => {
    await connected(client(server.url));
    const error = await refused(client(server.url, { token: 'A'.repeat(43) }));
    expect(error.data?.code).toBe('unauthenticated');
  });

  it('refuses sockets from a foreign Origin and accepts its own', async () => {
    const p = await invite(server, { name: 'Origin' });
    const error = await refused(client(server.url, { token: p.token, headers: { origin: 'https://evil.example' } }));
    expect(error.data?.code).toBe('origin_not_allowed');
    await connected(client(server.url, { token: p.token, headers: { origin: server.url } }));
  });

  it('disconnects an open socket the moment the participant is revoked, and refuses it afterwards', async () => {
    const p = await invite(server, { name: 'Revoked Live' });
    const socket = client(server.url, { token: p.token });
    await connected(socket);
    const cookieSocket = client(server.url, { headers: { cookie: await signInCookie(p.link) } });
    await connected(cookieSocket);
    expect(serverCallers(server, p.participant.id)).toHaveLength(2);

    const gone = disconnected(socket);
    const goneToo = disconnected(cookieSocket);
    const started = Date.now();
    const res = await getJson(`${server.url}/api/events/${eventId}/participants/${p.participant.id}`, { method: 'DELETE', headers: asOrganizer });
    expect(res.status).toBe(200);
    // Server-side disconnects: the client does not reconnect by itself.
    expect(await gone).toBe('io server disconnect');
    expect(await goneToo).toBe('io server disconnect');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(server.socketAuth.socketsOf(p.participant.id)).toHaveLength(0);

    const again = await refused(client(server.url, { token: p.token }));
    expect(again.data?.code).toBe('token_revoked');
  });

  it('gives open sockets the new roles at once, and cuts them when the participant is rejected', async () => {
    const p = await invite(server, { name: 'Promoted', group: 'other' });
    const socket = client(server.url, { token: p.token });
    await connected(socket);
    await getJson(`${server.url}/api/events/${eventId}/participants/${p.participant.id}`, {
      method: 'PATCH',
      headers: { ...asOrganizer, 'content-type': 'application/json' },
      body: JSON.stringify({ roles: [{ sessionId: 'thematic-2', role: 'moderator' }] }),
    });
    const [caller] = serverCallers(server, p.participant.id);
    expect(caller?.kind === 'participant' && caller.participant.roles).toEqual([{ sessionId: 'thematic-2', role: 'moderator' }]);

    const gone = disconnected(socket);
    await getJson(`${server.url}/api/events/${eventId}/participants/${p.participant.id}`, {
      method: 'PATCH',
      headers: { ...asOrganizer, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'rejected', reason: 'test' }),
    });
    expect(await gone).toBe('io server disconnect');
  });

  it('signing out ends the sockets of that browser only', async () => {
    const p = await invite(server, { name: 'Two Devices' });
    const browser = new Browser(await signInCookie(p.link));
    const fromBrowser = client(server.url, { headers: { cookie: browser.header() } });
    await connected(fromBrowser);
    const fromApp = client(server.url, { token: p.token });
    await connected(fromApp);

    const gone = disconnected(fromBrowser);
    const page = await browser.page(`${server.url}/events/${eventId}`);
    await browser.postForm(`${server.url}/signout`, { _csrf: page.csrf });
    expect(await gone).toBe('io server disconnect');
    await waitFor(() => server.socketAuth.socketsOf(p.participant.id).length === 1);
    expect(fromApp.connected).toBe(true);
  });
});

describe('Socket.IO with ALLOWED_ORIGINS', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer({ ALLOWED_ORIGINS: 'https://forum.example.org, https://app.example.org' });
  });
  afterAll(async () => {
    await server.close();
  });

  it('accepts only the configured origins', async () => {
    const p = await invite(server, { name: 'Configured Origins' });
    await connected(client(server.url, { token: p.token, headers: { origin: 'https://app.example.org' } }));
    for (const origin of [server.url, 'https://evil.example', 'https://forum.example.org.evil.example']) {
      const error = await refused(client(server.url, { token: p.token, headers: { origin } }));
      expect(error.data?.code).toBe('origin_not_allowed');
    }
  });
});
