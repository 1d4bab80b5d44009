import type { ChildProcess } from 'node:child_process';

// The bench's children (servers, relays, load generators, ffmpeg senders)
// must not outlive it, however it ends: a part that crashes skips its own
// `finally`, and its server and relay would keep running, holding ports and
// a core, under the next part's figures.

const children = new Set<ChildProcess>();
let installed = false;

/** A child of the bench, killed when the bench's process exits for any reason (a crash, Ctrl-C included). */
export function owned<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (!installed) {
    installed = true;
    process.once('exit', () => {
      for (const c of children) c.kill('SIGKILL');
    });
    // A signal's default action ends the process without 'exit': exit instead, so the children go too.
    process.once('SIGINT', () => process.exit(130));
    process.once('SIGTERM', () => process.exit(143));
  }
  return child;
}
