import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttendanceRecord } from '../../server/domain/attendance.ts';
import { attendanceId } from '../../server/domain/attendance.ts';
import type { Participant } from '../../server/domain/participants.ts';
import { createLogger } from '../../server/logger.ts';
import { AttendanceService, attendanceWriteDelayMs } from '../../server/services/attendance-service.ts';
import { SqliteStore } from '../../server/store/sqlite-store.ts';
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
  /** When each attendance write was posted, and in which event-loop turn. */
  const posted: { at: number; turn: number }[] = [];
  let turn = 0;
  let counting = false;
  const tick = (): void => {
    if (!counting) return;
    turn += 1;
    setImmediate(tick);
  };

  beforeAll(async () => {
    store = SqliteStore.inDirectory(tempDir('plenary-attendance-moment-'));
    for (const method of ['insert', 'update'] as const) {
      const original = store[method].bind(store) as (...args: unknown[]) => Promise<unknown>;
      (store as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        if (args[0] === 'attendance') posted.push({ at: performance.now(), turn });
        return original(...args);
      };
    }
    service = new AttendanceService({ store, logger: createLogger('silent') });
    await service.start();
  });
  afterAll(async () => {
    counting = false;
    await service.stop([]);
    await store.close();
  });

  it('writes joins that came in different turns together, once the delay has passed since the first', async () => {
    counting = true;
    tick();
    const firstAt = performance.now();
    const joins: Promise<void>[] = [];
    for (const p of people) {
      joins.push(service.joined(p, 'ev', 's1', `c-${p.id}`));
      await new Promise((r) => setImmediate(r));
    }
    const lastAt = performance.now();
    await Promise.all(joins);
    counting = false;

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
