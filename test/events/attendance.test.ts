import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { PresenceMessage } from '../../server/protocol/presence.ts';
import { freePort, hasRedis, redisServerPath, startProcess, stopProcess } from '../support/processes.ts';
import { connect, createParticipant, emit, eventId, nextEvent, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, tempDir, waitFor } from '../support/server.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const sessionId = 'thematic-3';

interface Row {
  participantId: string;
  name: string;
  group: string;
  country: string;
  gender: string | null;
  firstJoin: string;
  lastLeave: string | null;
  present: boolean;
  minutes: number;
  seconds: number;
}
interface Report {
  sessions: { sessionId: string; attendees: Row[]; totals: { attendees: number }; byGroup: { key: string; attendees: number }[]; byCountry: { key: string; attendees: number }[]; byGender: { key: string; attendees: number }[]; peak: { count: number; at: string | null }; presentNow: number }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasRedis)('attendance over two processes, with a restart between (issue 15)', () => {
  const children: ChildProcess[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of children.reverse()) await stopProcess(c);
  });

  it('joins and leaves on both processes, before and after one restarts, add up per participant, group, country and gender', async () => {
    const redisPort = await freePort();
    const redis = startProcess(redisServerPath, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {});
    children.push(redis.child);
    await waitFor(() => /Ready to accept connections/i.test(redis.output()), { timeout: 10_000 });
    const dataDir = tempDir();
    const startServer = async (): Promise<{ child: ChildProcess; url: string }> => {
      const server = startProcess(process.execPath, [path.join(root, 'server/main.ts')], {
        PORT: '0',
        HOST: '127.0.0.1',
        PLENARY_DATA_DIR: dataDir,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PLENARY_ORGANIZER_TOKEN: organizerToken,
        MEDIA_ENABLED: 'false',
        LOG_LEVEL: 'warn',
        // A stop that overruns stopProcess's 5 s on a loaded machine ends in SIGKILL: its presences then end 3 beats later, not 90 s.
        ATTENDANCE_HEARTBEAT_MS: '2000',
      });
      children.push(server.child);
      return { child: server.child, url: await waitFor(() => /running at (http:\/\/\S+)/.exec(server.output())?.[1], { timeout: 60_000 }) };
    };
    const a = await startServer();
    let b = await startServer();

    const people: [string, string, string, string][] = [
      ['Ana (gov, BR, f)', 'government', 'BR', 'female'],
      ['Ben (emp, FR, m)', 'employers', 'FR', 'male'],
      ['Chen (wrk, CN, f)', 'workers', 'CN', 'female'],
      ['Dana (gov, BR, f)', 'government', 'BR', 'female'],
      ['Eli (wrk, KE, m)', 'workers', 'KE', 'male'],
      ['Fay (emp, FR, n)', 'employers', 'FR', 'non_binary'],
    ];
    const delegates: TestParticipant[] = [];
    for (const [name, group, country, gender] of people) delegates.push(await createParticipant({ url: a.url }, { name, group, country, gender }));
    const chair = await createParticipant({ url: a.url }, { name: 'Chair', group: 'international_organization', roles: [{ sessionId, role: 'moderator' }] });

    // The chair watches the room from process A.
    const mod = await connect(a.url, { token: chair.token });
    sockets.push(mod);
    await ok(mod, 'session:join', { sessionId });

    // Three delegates on A, three on B.
    const first = await Promise.all(delegates.map((d, i) => connect(i < 3 ? a.url : b.url, { token: d.token }, { reconnection: false })));
    sockets.push(...first);
    const fullRoom = nextEvent<PresenceMessage>(mod, 'session:presence', (m) => m.sessionId === sessionId && m.total === 7, 10_000);
    await Promise.all(first.map((s) => ok(s, 'session:join', { sessionId })));
    // The moderator sees who is present by group, delegates on both processes counted.
    expect(await fullRoom).toMatchObject({ total: 7, byGroup: { government: 2, employers: 2, workers: 2, international_organization: 1 } });
    await sleep(1200);

    // Ana leaves on A, Dana leaves on B, Ben's connection drops on A.
    await ok(first[0]!, 'session:leave', { sessionId });
    await ok(first[3]!, 'session:leave', { sessionId });
    first[1]!.close();
    await sleep(300);

    // Process B restarts: Eli and Fay were still in the room there.
    await stopProcess(b.child);
    b = await startServer();
    await sleep(300);

    // Ana comes back on the restarted B, Eli on A; both leave again.
    const again = [await connect(b.url, { token: delegates[0]!.token }, { reconnection: false }), await connect(a.url, { token: delegates[4]!.token }, { reconnection: false })];
    sockets.push(...again);
    await Promise.all(again.map((s) => ok(s, 'session:join', { sessionId })));
    await sleep(1000);
    await Promise.all(again.map((s) => ok(s, 'session:leave', { sessionId })));

    // Read from either process: the same report.
    const read = async (url: string) =>
      getJson<Report>(`${url}/api/events/${eventId}/reports/attendance?sessionId=${sessionId}`, { headers: { authorization: `Bearer ${organizerToken}` } });
    const fromA = await waitFor(async () => {
      const res = await read(a.url);
      const s = res.body.sessions[0]!;
      return s.attendees.filter((r) => !r.present).length === 5 ? res.body : null;
    }, { timeout: 30_000, interval: 250 });
    const fromB = (await read(b.url)).body;
    const report = fromA.sessions[0]!;
    expect(report.sessionId).toBe(sessionId);
    // Six delegates and the chair (still present); each counted once however often they came.
    expect(report.totals.attendees).toBe(7);
    expect(report.presentNow).toBe(2);
    expect(report.peak.count).toBe(7);
    const byName = new Map(report.attendees.map((r) => [r.name, r]));
    expect(byName.get('Chair')).toMatchObject({ present: true, lastLeave: null });
    // Chen is still in the room on A.
    expect(byName.get(people[2]![0])).toMatchObject({ present: true, lastLeave: null });
    for (const [name] of people.filter((_, i) => i !== 2)) {
      const row = byName.get(name)!;
      expect(row.present, name).toBe(false);
      expect(Date.parse(row.lastLeave!)).toBeGreaterThan(Date.parse(row.firstJoin));
      expect(row.seconds, name).toBeGreaterThanOrEqual(1);
    }
    // Ana and Eli came twice: first join before the restart, last leave after it, and present for both stays but not the gap.
    const ana = byName.get(people[0]![0])!;
    const dana = byName.get(people[3]![0])!;
    const eli = byName.get(people[4]![0])!;
    expect(Date.parse(ana.lastLeave!)).toBeGreaterThan(Date.parse(dana.lastLeave!));
    expect(ana.seconds).toBeLessThan((Date.parse(ana.lastLeave!) - Date.parse(ana.firstJoin)) / 1000);
    expect(ana.seconds).toBeGreaterThan(dana.seconds);
    expect(eli.seconds).toBeGreaterThan(dana.seconds);
    // Totals by group, country and gender.
    const totals = (rows: { key: string; attendees: number }[]) => Object.fromEntries(rows.map((r) => [r.key, r.attendees]));
    expect(totals(report.byGroup)).toEqual({ government: 2, employers: 2, workers: 2, international_organization: 1 });
    expect(totals(report.byCountry)).toMatchObject({ BR: 2, FR: 2, CN: 1, KE: 1 });
    expect(totals(report.byGender)).toMatchObject({ female: 3, male: 2, non_binary: 1 });
    // Both processes read the same durable records.
    expect(fromB.sessions[0]!.attendees.map((r) => [r.participantId, r.firstJoin, r.lastLeave])).toEqual(report.attendees.map((r) => [r.participantId, r.firstJoin, r.lastLeave]));

    // CSV: one row per participant, and delegates may not read the report.
    const csv = await fetch(`${a.url}/api/events/${eventId}/reports/attendance.csv?sessionId=${sessionId}`, { headers: { authorization: `Bearer ${organizerToken}` } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines).toHaveLength(8);
    expect(lines[0]).toContain('"minutes_present"');
    const refused = await emit(first[2]!, 'session:leave', { sessionId });
    expect(refused.ok).toBe(true);
    expect((await getJson(`${a.url}/api/events/${eventId}/reports/attendance`, { headers: { authorization: `Bearer ${delegates[2]!.token}` } })).status).toBe(403);
  }, 240_000);
});
