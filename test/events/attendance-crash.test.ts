// Attendance when a process crashes (issue 15): process A holds some
// delegates' sockets and is killed (SIGKILL: no leave is ever recorded),
// process B keeps running. Once A has missed three heartbeats, the report
// (read from B) ends those delegates' presence at A's last heartbeat, not
// "still present" and not "now"; when A is started again and they rejoin,
// each is still one attendee whose time adds both stays and not the outage.
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'socket.io-client';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, hasRedis, redisServerPath, startProcess, stopProcess } from '../support/processes.ts';
import { connect, createParticipant, eventId, ok, type TestParticipant } from '../support/realtime.ts';
import { getJson, organizerToken, tempDir, waitFor } from '../support/server.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const sessionId = 'thematic-2';
// Short enough for a test, long enough that a loaded machine does not miss three beats of a live process.
const heartbeatMs = 1000;

interface Row {
  participantId: string;
  name: string;
  firstJoin: string;
  lastLeave: string | null;
  present: boolean;
  seconds: number;
}
interface SessionReport {
  attendees: Row[];
  totals: { attendees: number };
  byGroup: { key: string; attendees: number }[];
  presentNow: number;
  peak: { count: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasRedis)('attendance when a process holding delegates crashes (issue 15)', () => {
  const children: ChildProcess[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.close();
    for (const c of children.reverse()) await stopProcess(c);
  });

  it('ends the crashed process’s presences at its last heartbeat, and counts them once with their stay after the restart', async () => {
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
        ATTENDANCE_HEARTBEAT_MS: String(heartbeatMs),
      });
      children.push(server.child);
      return { child: server.child, url: await waitFor(() => /running at (http:\/\/\S+)/.exec(server.output())?.[1], { timeout: 60_000 }) };
    };
    let a = await startServer();
    const b = await startServer();

    const onA: TestParticipant[] = [];
    for (const [name, group] of [['Ama (crashes)', 'government'], ['Bao (crashes)', 'workers']] as const) onA.push(await createParticipant({ url: b.url }, { name, group, country: 'GH' }));
    const stayer = await createParticipant({ url: b.url }, { name: 'Cruz (on B)', group: 'employers', country: 'MX' });

    const report = async (): Promise<SessionReport> => {
      const res = await getJson<{ sessions: SessionReport[] }>(`${b.url}/api/events/${eventId}/reports/attendance?sessionId=${sessionId}`, { headers: { authorization: `Bearer ${organizerToken}` } });
      expect(res.status).toBe(200);
      return res.body.sessions[0]!;
    };
    const rowOf = (r: SessionReport, p: TestParticipant): Row => r.attendees.find((x) => x.participantId === p.id)!;

    const crashing = await Promise.all(onA.map((p) => connect(a.url, { token: p.token }, { reconnection: false })));
    const staying = await connect(b.url, { token: stayer.token }, { reconnection: false });
    sockets.push(...crashing, staying);
    await Promise.all([...crashing, staying].map((s) => ok(s, 'session:join', { sessionId })));
    await waitFor(async () => (await report()).presentNow === 3, { timeout: 10_000 });
    // Long enough for a few heartbeats of A after the joins.
    await sleep(4 * heartbeatMs);

    const killedAt = Date.now();
    a.child.kill('SIGKILL');
    await new Promise((resolve) => a.child.once('exit', resolve));

    // Until A has missed three beats they may still count as present; after that, never.
    const afterCrash = await waitFor(async () => {
      const r = await report();
      return onA.every((p) => !rowOf(r, p).present) ? r : null;
    }, { timeout: 20 * heartbeatMs + 5000, interval: heartbeatMs / 2 });
    expect(rowOf(afterCrash, stayer)).toMatchObject({ present: true, lastLeave: null });
    expect(afterCrash.presentNow).toBe(1);
    for (const p of onA) {
      const row = rowOf(afterCrash, p);
      const lastLeave = Date.parse(row.lastLeave!);
      // Ended at A's last heartbeat: after they joined, no later than the kill, at most about one beat before it.
      expect(lastLeave, p.name).toBeGreaterThan(Date.parse(row.firstJoin));
      expect(lastLeave, p.name).toBeLessThanOrEqual(killedAt);
      expect(lastLeave, p.name).toBeGreaterThan(killedAt - 3 * heartbeatMs);
    }
    // Read again later: a crashed presence does not keep growing.
    await sleep(2 * heartbeatMs);
    const later = await report();
    for (const p of onA) expect(rowOf(later, p)).toEqual(rowOf(afterCrash, p));

    // A starts again; the two rejoin there, stay, and leave cleanly.
    await sleep(2 * heartbeatMs); // an outage they must not be credited with
    a = await startServer();
    const back = await Promise.all(onA.map((p) => connect(a.url, { token: p.token }, { reconnection: false })));
    sockets.push(...back);
    const rejoinedAt = Date.now();
    await Promise.all(back.map((s) => ok(s, 'session:join', { sessionId })));
    await sleep(2000);
    await Promise.all(back.map((s) => ok(s, 'session:leave', { sessionId })));
    const leftAt = Date.now();

    const final = await waitFor(async () => {
      const r = await report();
      return onA.every((p) => rowOf(r, p).lastLeave && Date.parse(rowOf(r, p).lastLeave!) >= rejoinedAt) ? r : null;
    }, { timeout: 10_000 });
    // Three attendees, each once; by group too; the peak was the three of them before the crash.
    expect(final.totals.attendees).toBe(3);
    expect(Object.fromEntries(final.byGroup.map((g) => [g.key, g.attendees]))).toEqual({ government: 1, workers: 1, employers: 1 });
    expect(final.peak.count).toBe(3);
    expect(final.presentNow).toBe(1);
    for (const p of onA) {
      const before = rowOf(afterCrash, p);
      const row = rowOf(final, p);
      expect(row.firstJoin).toBe(before.firstJoin);
      expect(row.present).toBe(false);
      const firstStay = (Date.parse(before.lastLeave!) - Date.parse(before.firstJoin)) / 1000;
      const secondStayAtMost = (leftAt - rejoinedAt) / 1000;
      // Both stays, and not the outage between them (rounded to whole seconds).
      expect(row.seconds, p.name).toBeGreaterThanOrEqual(Math.floor(firstStay + 2) - 1);
      expect(row.seconds, p.name).toBeLessThanOrEqual(Math.ceil(firstStay + secondStayAtMost) + 1);
      expect(row.seconds, p.name).toBeLessThan((Date.parse(row.lastLeave!) - Date.parse(row.firstJoin)) / 1000 - 1);
    }
  }, 240_000);
});
