import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * One full garbage collection, run once the server has started (seeded,
 * templates and languages prepared) and before it takes traffic.
 *
 * Start-up leaves V8's old generation full of start-up garbage and close
 * to the limit V8 set when the heap was small. Nothing allocates while the
 * server waits for its first delegates, so incremental marking never
 * starts, and the first burst of traffic (the rush before an opening) hit
 * that limit and paid a non-incremental mark-compact of about 32 ms, in
 * the turn that carried a floor change (issue #10's rush). Collected
 * here, the limit is set from what is really live, and later collections
 * start early enough to mark incrementally.
 *
 * `gc` is reached the way Jest's leak detector does, without exposing it
 * to the application's global scope.
 */
export function settleHeap(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
}
