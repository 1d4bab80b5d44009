import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttendanceRecord } from '../../server/domain/attendance.ts';
import { attendanceId } from '../../server/domain/attendance.ts';
import type { Participant } from '../../server/domain/participants.ts';
import { createLogger } from '../../server/logger.ts';
import { AttendanceService, attendanceChangesPerTurn } from '../../server/services/attendance-service.ts';
import { SqliteStore } from '../../server/store/sqlite-store.ts';
import { watchAttendanceWrites } from '../support/attendance-writes.ts';
import { tempDir } from '../support/server.ts';

/**
 * Thousands of sockets leaving at once (every client cut off) used to make
 * and post all their attendance writes in one event-loop turn, about 100 ms
 * for 2,000 in a profile (issue #10), with the floor's broadcasts waiting
 * behind. A burst of changes is now spread over turns, and each is still
 * written, in order.
 */
describe('a burst of attendance changes', () => {
  let store: SqliteStore;
  let service: AttendanceService;
  const people = Array.from({ length: 4 * attendanceChangesPerTurn }, (_, i) => ({ id: `p-burst-${i}`, name: `Burst ${i}`, group: 'workers', country: 'FR', gender: null }) as unknown as Participant);
  let writes: ReturnType<typeof watchAttendanceWrites>;

  beforeAll(async () => {
    store = SqliteStore.inDirectory(tempDir('plenary-attendance-turns-'));
    writes = watchAttendanceWrites(store);
    service = new AttendanceService({ store, logger: createLogger('silent') });
    await service.start();
  });
  afterAll(async () => {
    writes.stop();
    await service.stop([]);
    await store.close();
  });

  it(`makes at most ${attendanceChangesPerTurn} per turn when everyone joins, then leaves, at once; every record is written, each leave after its join`, async () => {
    writes.start();
    const joins = people.map((p) => service.joined(p, 'ev', 's1', `c-${p.id}`));
    const leaves = people.map((p) => service.left(p.id, 'ev', 's1', `c-${p.id}`));
    await Promise.all([...joins, ...leaves]);
    await service.flush();
    writes.stop();

    const writesPerTurn = new Map<number, number>();
    for (const { turn } of writes.posted) writesPerTurn.set(turn, (writesPerTurn.get(turn) ?? 0) + 1);
    const counts = [...writesPerTurn.values()];
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2 * people.length);
    expect(Math.max(...counts)).toBeLessThanOrEqual(attendanceChangesPerTurn);
    for (const p of people) {
      const record = await store.get<AttendanceRecord>('attendance', attendanceId('ev', 's1', p.id));
      expect(record?.open).toEqual({});
      expect(record?.intervals).toHaveLength(1);
    }
  });
});
