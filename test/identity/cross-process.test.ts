import { io as connectClient, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asOrganizer, eventId, invite, uniqueEmail } from '../support/identity.ts';
import { hasRedis, redisServerPath, startServerCluster, type ServerCluster } from '../support/processes.ts';
import { getJson } from '../support/server.ts';

if (!hasRedis) console.warn(`SKIPPED: the cross-process revocation test needs ${redisServerPath} (Debian package "redis-server").`);

describe.skipIf(!hasRedis)('revocation across server processes (Redis Streams adapter)', () => {
  let cluster: ServerCluster;
  let urls: string[] = [];
  let outputs: (() => string)[] = [];

  beforeAll(async () => {
    cluster = await startServerCluster(2, 'info');
    urls = cluster.urls;
    outputs = cluster.outputs;
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('prints the one-time organiser link on the first start only, to stdout and not to the log', () => {
    const first = outputs[0]?.() ?? '';
    const link = /Organiser sign-in for "global-forum-2022" \(one-time link, valid 24 h\):\n\s+(http:\/\/\S+\/i\/([A-Za-z0-9_-]{43}))/.exec(first);
    expect(link).not.toBeNull();
    // The token appears once: on the line printed for the operator, in no log record.
    expect(first.split(link?.[2] ?? '').length - 1).toBe(1);
    expect(outputs[1]?.() ?? '').toContain('Plenary is running at');
  });

  it('cuts a socket on process B when process A revokes the participant', async () => {
    const [urlA, urlB] = urls as [string, string];
    const p = await invite({ url: urlA }, { name: 'Two Processes' });
    const socket: Socket = connectClient(urlB, { auth: { token: p.token }, transports: ['websocket'], reconnection: false });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const gone = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
      const res = await getJson(`${urlA}/api/events/${eventId}/participants/${p.participant.id}`, { method: 'DELETE', headers: asOrganizer });
      expect(res.status).toBe(200);
      expect(await gone).toBe('io server disconnect');
    } finally {
      socket.close();
    }
  });
  it('counts registrations against one shared limit, whichever process answers', async () => {
    const register = (url: string) =>
      getJson(`${url}/api/events/${eventId}/registrations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Registrant', email: uniqueEmail('limit'), organization: 'Org', country: 'CH', group: 'workers' }),
      });
    const statuses: number[] = [];
    // The default allowance is 20 per address per 15 minutes; alternate between the two processes.
    for (let i = 0; i < 21; i++) statuses.push((await register(urls[i % 2]!)).status);
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
    expect(statuses[20]).toBe(429);
  });
});
