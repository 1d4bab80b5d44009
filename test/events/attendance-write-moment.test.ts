import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttendanceRecord } from '../../server/domain/attendance.ts';
import { attendanceId } from '../../server/domain/attendance.ts';
import type { Participant } from '../../server/domain/participants.ts';
import { createLogger } from '../../server/logger.ts';
import { AttendanceService, attendanceWriteDelayMs } from '../../server/services/attendance-service.ts';
import { SqliteStore } from '../../server/store/sqlite-store.ts';
import { watchAttendanceWrites } from '../support/attendance-writes.ts';
import { tempDir } from '../support/server.ts';

/**
 * A rush's joins arrive one or a few per event-loop turn. Each used to be a commit
 * (and an fsync) of its own, and a floor change written behind one waited
 * for it (issue #10). Changes now gather for `attendanceWriteDelayMs` and
 * reach the store in one turn, which the embedded store commits as one
 * transaction.
 */
describe('attendance changes of one moment', () => {
  let store: SqliteStore;
  let service: AttendanceService;
  const people = Array.from({ length: 30 }, (_, i) => ({ id: `p-moment-${i}`, name: `Moment ${i}`, group: 'employers', country: 'JP', gender: null }) as unknown as Participant);
  let writes: ReturnType<typeof watchAttendanceWrites>;

  beforeAll(async () => {
    store = SqliteStore.inDirectory(tempDir('plenary-attendance-moment-'));
    writes = watchAttendanceWrites(store);
    service = new AttendanceService({ store, logger: createLogger('silent') });
    await service.start();
  });
  afterAll(async () => {
    writes.stop();
    await service.stop([]);
    await store.close();
  });

  it('writes joins that came in different turns together, once the delay has passed since the first', async () => {
    writes.start();
    const firstAt = performance.now();
    const joins: Promise<void>[] = [];
    for (const p of people) {
      joins.push(service.joined(p, 'ev', 's1', `c-${p.id}`));
      await new Promise((r) => setImmediate(r));
    }
    const lastAt = performance.now();
    await Promise.all(joins);
    writes.stop();
    const { posted } = writes;

    expect(lastAt - firstAt).toBeLessThan(attendanceWriteDelayMs);
    expect(posted).toHaveLength(people.length);
    expect(new Set(posted.map((p) => p.turn)).size).toBe(1);
    expect(posted[0]!.at - firstAt).toBeGreaterThanOrEqual(attendanceWriteDelayMs - 5);
    for (const p of people) {
      const record = await store.get<AttendanceRecord>('attendance', attendanceId('ev', 's1', p.id));
      expect(Object.keys(record?.open ?? {})).toEqual([`c-${p.id}`]);
    }
  });
});
