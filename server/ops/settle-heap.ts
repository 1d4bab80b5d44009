import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * How much V8 lets the old generation grow past what a full collection
 * left live before it starts the next one: 50 %. V8's own factor on a
 * server of this size stayed near 1.1, so while 2,000 delegates joined
 * within 30 s (their sockets are about 25 MB that stay) it ran eight
 * mark-compacts, each with a pause of 7-17 ms plus marking steps of up
 * to 12 ms on the main thread; a floor change that met one was late by
 * that much (issue #10's rush). At 50 % the same rush ran two or three,
 * and the memory per 1,000 sockets stayed within the bench's spread
 * (27-31 MB as found, 17 MB after a collection).
 */
export const heapGrowingPercent = 50;

/**
 * Prepares V8's heap once the server has started (seeded, templates and
 * languages prepared), before it takes traffic: sets the growing factor
 * above, then runs one full garbage collection.
 *
 * Start-up leaves the old generation full of start-up garbage and close
 * to the limit V8 set when the heap was small. Nothing allocates while the
 * server waits for its first delegates, so incremental marking never
 * starts, and the first burst of traffic (the rush before an opening) hit
 * that limit and paid a non-incremental mark-compact of about 32 ms, in
 * the turn that carried a floor change. Collected here, the limit is set
 * from what is really live, and later collections start early enough to
 * mark incrementally.
 *
 * The flag is set here rather than on the command line because Node does
 * not accept it in NODE_OPTIONS (the image's way); V8 reads it at each
 * collection. `gc` is reached the way Jest's leak detector does, without
 * exposing it to the application's global scope.
 */
export function settleHeap(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${heapGrowingPercent}`);
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
}
