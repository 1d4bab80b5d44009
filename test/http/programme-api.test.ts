import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { getJson, startTestServer, tempDir, waitFor } from '../support/server.ts';

interface Zoned { zone: string; start: string; end: string; abbreviation: string; date: string }
interface ProgrammeBody {
  event: { id: string; zone: string; title: { zh: string; en: string } };
  zone: string;
  viewerZone: string;
  sessions: { id: string; title: { zh: string; en: string }; guidingQuestions: unknown[]; eventZone: Zoned; viewerZone: Zoned; dayShift: number }[];
}
interface ErrorBody { error: { code: string; message: string } }

describe('programme API on the seeded forum', () => {
  let server: Plenary;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers /healthz', async () => {
    expect(await getJson(`${server.url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('lists the seeded event', async () => {
    const { status, body } = await getJson<{ events: { id: string; zone: string }[] }>(`${server.url}/api/events`);
    expect(status).toBe(200);
    expect(body.events).toEqual([expect.objectContaining({ id: 'global-forum-2022', zone: 'Europe/Zurich' })]);
  });

  it('serves the six sessions in the event zone by default', async () => {
    const { body } = await getJson<ProgrammeBody>(`${server.url}/api/events/global-forum-2022/programme`);
    expect(body.zone).toBe('Europe/Zurich');
    expect(body.viewerZone).toBe('Europe/Zurich');
    expect(body.sessions.map((s) => [s.id, s.eventZone.start, s.eventZone.end])).toEqual([
      ['opening', '2022-02-22T13:00:00+01:00', '2022-02-22T14:30:00+01:00'],
      ['thematic-1', '2022-02-22T14:45:00+01:00', '2022-02-22T16:15:00+01:00'],
      ['thematic-2', '2022-02-23T13:00:00+01:00', '2022-02-23T14:30:00+01:00'],
      ['thematic-3', '2022-02-23T14:45:00+01:00', '2022-02-23T16:15:00+01:00'],
      ['thematic-4', '2022-02-24T13:00:00+01:00', '2022-02-24T14:30:00+01:00'],
      ['closing', '2022-02-24T14:45:00+01:00', '2022-02-24T16:15:00+01:00'],
    ]);
    expect(body.sessions.every((s) => s.eventZone.abbreviation === 'CET')).toBe(true);
    expect(body.sessions[1]?.title.zh).toBe('体面工作和包容性经济增长');
    expect(body.sessions[1]?.guidingQuestions.length).toBeGreaterThan(0);
  });

  it.each([
    ['Pacific/Auckland', '2022-02-23T01:00:00+13:00', 'NZDT', '2022-02-23', 1],
    ['America/New_York', '2022-02-22T07:00:00-05:00', 'EST', '2022-02-22', 0],
    ['Asia/Shanghai', '2022-02-22T20:00:00+08:00', 'GMT+8', '2022-02-22', 0],
    ['Asia/Kolkata', '2022-02-22T17:30:00+05:30', 'IST', '2022-02-22', 0],
    ['Asia/Kathmandu', '2022-02-22T17:45:00+05:45', 'GMT+5:45', '2022-02-22', 0],
  ])('shows the opening in %s at %s', async (zone, start, abbreviation, date, dayShift) => {
    const { status, body } = await getJson<ProgrammeBody>(`${server.url}/api/events/global-forum-2022/programme?tz=${encodeURIComponent(zone)}`);
    expect(status).toBe(200);
    const opening = body.sessions[0];
    expect(opening?.viewerZone).toMatchObject({ zone, start, abbreviation, date });
    expect(opening?.eventZone.start).toBe('2022-02-22T13:00:00+01:00');
    expect(opening?.dayShift).toBe(dayShift);
  });

  it.each([
    ['an unknown zone', '/api/events/global-forum-2022/programme?tz=Mars%2FOlympus', 400, 'invalid_time_zone'],
    ['an offset instead of a zone', '/api/events/global-forum-2022/programme?tz=UTC%2B1', 400, 'invalid_time_zone'],
    ['two zones', '/api/events/global-forum-2022/programme?tz=UTC&tz=Asia%2FTokyo', 400, 'invalid_query'],
    ['a malformed event id', '/api/events/Global_Forum!/programme', 400, 'invalid_id'],
    ['an unknown event', '/api/events/no-such-event/programme', 404, 'event_not_found'],
    ['an unknown route', '/api/nothing-here', 404, 'not_found'],
  ])('refuses %s with a coded error', async (_what, route, status, code) => {
    const res = await getJson<ErrorBody>(`${server.url}${route}`);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toEqual(expect.any(String));
  });

  it('answers a malformed JSON body with invalid_body, not a 500', async () => {
    const res = await getJson<ErrorBody>(`${server.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"oops":',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_body');
  });

  it('renders the programme page in the zone named by ?tz and remembers it', async () => {
    const res = await fetch(`${server.url}/events/global-forum-2022?tz=Pacific/Auckland&lang=en`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/tz=Pacific%2FAuckland/);
    expect(html).toContain('datetime="2022-02-23T01:00:00+13:00"');
    expect(html).toContain('the next day in your time zone');
    const again = await (await fetch(`${server.url}/events/global-forum-2022`, { headers: { cookie: 'tz=Pacific%2FAuckland' } })).text();
    expect(again).toContain('datetime="2022-02-23T01:00:00+13:00"');
  });

  it('renders Chinese for a Chinese browser, English when asked', async () => {
    const zh = await (await fetch(`${server.url}/events/global-forum-2022`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' } })).text();
    expect(zh).toContain('lang="zh-Hans"');
    expect(zh).toContain('以人为本复苏全球论坛');
    expect(zh).toContain('会议时间');
    const en = await (await fetch(`${server.url}/events/global-forum-2022?lang=en`, { headers: { 'accept-language': 'zh-CN' } })).text();
    expect(en).toContain('Event time');
  });

  it('shows an unknown zone on the page as an error and falls back to event time', async () => {
    const html = await (await fetch(`${server.url}/events/global-forum-2022?tz=Nowhere/Land&lang=en`)).text();
    expect(html).toContain('role="alert"');
    expect(html).toContain('datetime="2022-02-22T13:00:00+01:00"');
  });

  it('answers an unknown page with a 404 page', async () => {
    const res = await fetch(`${server.url}/events/no-such-event`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('<h1>');
  });
});

describe('persistence and seeding', () => {
  it('keeps data across a restart and does not seed twice', async () => {
    const dir = tempDir();
    const first = await startTestServer({ PLENARY_DATA_DIR: dir });
    const session = await first.programme.requireSession('global-forum-2022', 'opening');
    await first.programme.repo.updateSession({ ...session, title: { ...session.title, en: 'Renamed before restart' } });
    await first.close();

    const second = await startTestServer({ PLENARY_DATA_DIR: dir });
    try {
      const { body } = await getJson<ProgrammeBody>(`${second.url}/api/events/global-forum-2022/programme`);
      expect(body.sessions).toHaveLength(6);
      expect(body.sessions[0]?.title.en).toBe('Renamed before restart');
    } finally {
      await second.close();
    }
  });

  it('`npm run seed` is idempotent: the second run creates nothing', async () => {
    const dir = tempDir();
    const root = path.resolve(import.meta.dirname, '..', '..');
    const runSeed = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(root, 'server/seed/cli.ts')], {
          env: { ...process.env, PLENARY_DATA_DIR: dir },
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(out))));
      });
    expect(await runSeed()).toMatch(/event created, 6 session\(s\) created, 0 already present/);
    expect(await runSeed()).toMatch(/event already present, 0 session\(s\) created, 6 already present/);
    const server = await startTestServer({ PLENARY_DATA_DIR: dir });
    try {
      const { body } = await getJson<{ events: unknown[] }>(`${server.url}/api/events`);
      expect(body.events).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('serves /healthz from `node server/main.ts` and stops cleanly on SIGTERM', async () => {
    const root = path.resolve(import.meta.dirname, '..', '..');
    const child = spawn(process.execPath, [path.join(root, 'server/main.ts')], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', PLENARY_DATA_DIR: tempDir(), LOG_LEVEL: 'info', MEDIA_ENABLED: 'false' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Start-up bundles the client: on a loaded 2-core machine it has taken over 15 s.
      const url = await waitFor(() => /running at (http:\/\/\S+)/.exec(out)?.[1], { timeout: 60_000 });
      expect(await getJson(`${url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
      // Access log: one structured line per request, with sign-in secrets masked.
      await fetch(`${url}/i/not-a-real-token-but-secret-looking`, { redirect: 'manual' });
      await getJson(`${url}/api/events`);
      await waitFor(() => out.includes('"path":"/api/events"'));
      expect(out).toMatch(/"method":"GET","path":"\/i\/\[redacted\]","status":\d{3}/);
      expect(out).not.toContain('not-a-real-token-but-secret-looking');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toContain('"msg":"stopped"');
    } finally {
      // A failed start must not leave the server running after the test.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 90_000);

  it('fails fast on a bad variable, naming it', async () => {
    const root = path.resolve(import.meta.dirname, '..', '..');
    const child = spawn(process.execPath, [path.join(root, 'server/main.ts')], { env: { ...process.env, PORT: 'eighty' } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toMatch(/PORT/);
  });
});

describe('programme API for other events in the same zone', () => {
  let server: Plenary;
  const text = (en: string) => ({ zh: en, en });
  beforeAll(async () => {
    server = await startTestServer();
    const { seedForum } = await import('../../server/seed/seed.ts');
    await seedForum(server.programme.repo, {
      event: { id: 'summer-test', zone: 'Europe/Zurich', title: text('Summer test'), organizer: text('ILO'), description: text('') },
      sessions: [{ id: 'june', kind: 'session', start: '2022-06-14T09:00', end: '2022-06-14T10:30', title: text('June'), description: text(''), guidingQuestions: [] }],
    });
    await seedForum(server.programme.repo, {
      event: { id: 'dst-test', zone: 'Europe/Zurich', title: text('Across the March change'), organizer: text('ILO'), description: text('') },
      sessions: [
        { id: 'saturday', kind: 'session', start: '2022-03-26T13:00', end: '2022-03-26T14:00', title: text('Saturday'), description: text(''), guidingQuestions: [] },
        { id: 'overnight', kind: 'session', start: '2022-03-27T01:30', end: '2022-03-27T03:30', title: text('Overnight'), description: text(''), guidingQuestions: [] },
        { id: 'sunday', kind: 'session', start: '2022-03-27T13:00', end: '2022-03-27T14:00', title: text('Sunday'), description: text(''), guidingQuestions: [] },
      ],
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('shows a June event in CEST, +02:00, and converts it for a viewer', async () => {
    const { body } = await getJson<ProgrammeBody>(`${server.url}/api/events/summer-test/programme?tz=America/New_York`);
    expect(body.sessions[0]?.eventZone).toMatchObject({ start: '2022-06-14T09:00:00+02:00', end: '2022-06-14T10:30:00+02:00', abbreviation: 'CEST' });
    expect(body.sessions[0]?.viewerZone).toMatchObject({ start: '2022-06-14T03:00:00-04:00', abbreviation: 'EDT' });
  });

  it('keeps wall-clock times on both sides of the March change, and the real length across it', async () => {
    const { body } = await getJson<ProgrammeBody & { sessions: { durationMinutes: number }[] }>(`${server.url}/api/events/dst-test/programme?tz=Asia/Tokyo`);
    expect(body.sessions.map((s) => [s.id, s.eventZone.start, s.eventZone.abbreviation, s.viewerZone.start])).toEqual([
      ['saturday', '2022-03-26T13:00:00+01:00', 'CET', '2022-03-26T21:00:00+09:00'],
      ['overnight', '2022-03-27T01:30:00+01:00', 'CET', '2022-03-27T09:30:00+09:00'],
      ['sunday', '2022-03-27T13:00:00+02:00', 'CEST', '2022-03-27T20:00:00+09:00'],
    ]);
    expect(body.sessions[1]?.eventZone.end).toBe('2022-03-27T03:30:00+02:00');
    expect(body.sessions[1]?.durationMinutes).toBe(60);
  });
});
