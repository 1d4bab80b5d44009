import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const helper = path.join(import.meta.dirname, '../../scripts/bench-children.ts');

/** Whether a process with this pid still runs (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs a bench-like script that starts a long-lived child, says its pid, then ends the way `ending` says. */
async function childAfter(ending: string): Promise<{ pid: number; code: number | null }> {
  const script = `
    import { spawn } from 'node:child_process';
    import { owned } from ${JSON.stringify(helper)};
    const child = owned(spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }));
    console.log(child.pid);
    setTimeout(() => { ${ending} }, 200);
  `;
  const bench = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  bench.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const code = await new Promise<number | null>((resolve) => bench.once('exit', (c) => resolve(c)));
  return { pid: Number(out.trim()), code };
}

describe('the bench’s children (scripts/bench-children.ts)', () => {
  it('are killed when a part of the bench crashes with an unhandled rejection', async () => {
    const { pid, code } = await childAfter("Promise.reject(new Error('rate_limited'));");
    expect(code).toBe(1);
    expect(pid).toBeGreaterThan(0);
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
  });

  it('are killed when the bench is interrupted (SIGINT, as Ctrl-C)', async () => {
    const { pid, code } = await childAfter("process.kill(process.pid, 'SIGINT');");
    expect(code).toBe(130);
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
  });
});
