import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttendanceRecord } from '../../server/domain/attendance.ts';
import { attendanceId } from '../../server/domain/attendance.ts';
import type { Participant } from '../../server/domain/participants.ts';
import { createLogger } from '../../server/logger.ts';
import { AttendanceService } from '../../server/services/attendance-service.ts';
import { SqliteStore } from '../../server/store/sqlite-store.ts';
import { tempDir } from '../support/server.ts';

/**
 * Each process writes a record on the copy it last wrote (no read first):
 * another process's writes in between must not be lost, whichever order
 * the two processes' joins and leaves come in (compare-and-set sends the
 * stale writer back to the store).
 */
describe('attendance records written by two processes on one store', () => {
  let store: SqliteStore;
  const services: AttendanceService[] = [];
  const who = { id: 'p-kept', name: 'Kept Record', group: 'workers', country: 'FR', gender: null } as unknown as Participant;
  const id = attendanceId('ev', 's1', who.id);

  beforeAll(async () => {
    store = SqliteStore.inDirectory(tempDir('plenary-attendance-kept-'));
    for (let i = 0; i < 2; i++) {
      const service = new AttendanceService({ store, logger: createLogger('silent') });
      await service.start();
      services.push(service);
    }
  });
  afterAll(async () => {
    for (const s of services) await s.stop([]);
    await store.close();
  });

  it('keeps every connection of both processes as they alternate, and closes each on its leave', async () => {
    const [a, b] = services as [AttendanceService, AttendanceService];
    // A writes and keeps its copy; B writes the same record; A's next write starts from its stale copy.
    await a.joined(who, 'ev', 's1', 'a1');
    await b.joined(who, 'ev', 's1', 'b1');
    await a.joined(who, 'ev', 's1', 'a2');
    await b.joined(who, 'ev', 's1', 'b2');
    let record = await store.get<AttendanceRecord>('attendance', id);
    expect(Object.keys(record!.open).sort()).toEqual(['a1', 'a2', 'b1', 'b2']);

    await a.left(who.id, 'ev', 's1', 'a1');
    await b.left(who.id, 'ev', 's1', 'b2');
    await a.left(who.id, 'ev', 's1', 'a2');
    record = await store.get<AttendanceRecord>('attendance', id);
    expect(Object.keys(record!.open)).toEqual(['b1']);
    expect(record!.intervals.length).toBeGreaterThan(0);

    // Both at once, many times: nothing of either is lost.
    await Promise.all(Array.from({ length: 10 }, (_, i) => [a.joined(who, 'ev', 's1', `a-${i}`), b.joined(who, 'ev', 's1', `b-${i}`)]).flat());
    await Promise.all([a.flush(), b.flush()]);
    record = await store.get<AttendanceRecord>('attendance', id);
    expect(Object.keys(record!.open)).toHaveLength(21);
  });

  it('a record removed from the store behind its back is written afresh, not lost', async () => {
    const [a] = services as [AttendanceService];
    const other = attendanceId('ev', 's2', who.id);
    await a.joined(who, 'ev', 's2', 'x1');
    await store.remove('attendance', other);
    await a.joined(who, 'ev', 's2', 'x2');
    const record = await store.get<AttendanceRecord>('attendance', other);
    expect(Object.keys(record!.open)).toEqual(['x2']);
  });
});
