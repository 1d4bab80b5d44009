import fs from 'node:fs';

/** /proc/<pid>/stat's fields after the command name: state, ppid, … */
function stat(pid: string | number): { comm: string; state: string; ppid: number } | null {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = raw.lastIndexOf(')');
    const [state = '', ppid = '0'] = raw.slice(close + 2).split(' ');
    return { comm: raw.slice(raw.indexOf('(') + 1, close), state, ppid: Number(ppid) };
  } catch {
    return null;
  }
}

/** The running children of a process with this command name (e.g. a server's ffmpeg). */
export function childrenOf(parent: number, comm: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      const s = stat(p);
      return s !== null && s.ppid === parent && s.comm === comm && s.state !== 'Z';
    })
    .map(Number);
}

/** Whether a process still runs (a zombie nobody reaped has stopped running). */
export function running(pid: number): boolean {
  const s = stat(pid);
  return s !== null && s.state !== 'Z';
}

/** Kills whatever still runs with `marker` (a test's temporary directory) in its command line. */
export function killLeftovers(marker: string): void {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}
