/**
 * Whether an item of a running order has ever run (it is running, ran, or
 * ran and was gone back from): only then has it an actual time to show.
 * An item that never ran has none, rather than an actual time of 0:00.
 * Apart from running-order.ts so the room's script can use it without the
 * order's schemas.
 */
export function hasStarted(item: { status: 'pending' | 'current' | 'done'; startedAt?: string | undefined }): boolean {
  return item.status !== 'pending' || item.startedAt !== undefined;
}
