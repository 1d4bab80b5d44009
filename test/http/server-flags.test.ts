// Production's Node options (scripts/server-flags.mjs) are the ones `npm
// start` runs the server with and the image sets, so the memory the bench
// measures with them is what a deployment gets.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serverNodeFlags } from '../../scripts/server-flags.mjs';
import { startProcess, stopProcess } from '../support/processes.ts';
import { tempDir, waitFor } from '../support/server.ts';

const root = path.resolve(import.meta.dirname, '..', '..');

describe('production Node options', () => {
  const started: ReturnType<typeof startProcess>[] = [];
  afterAll(async () => {
    for (const p of started) await stopProcess(p.child);
  });

  it('are set by the Dockerfile for the runtime image', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const options = /\bNODE_OPTIONS=("[^"]*"|\S+)/.exec(runtime)?.[1]?.replace(/^"|"$/g, '');
    expect(options?.split(' ')).toEqual([...serverNodeFlags]);
  });

  it('are passed to the server by `npm start` (scripts/launch.mjs start)', async () => {
    const launcher = startProcess(process.execPath, [path.join(root, 'scripts', 'launch.mjs'), 'start'], {
      PORT: '0',
      HOST: '127.0.0.1',
      PLENARY_DATA_DIR: tempDir('plenary-flags-'),
      MEDIA_ENABLED: 'false',
      LOG_LEVEL: 'info',
    });
    started.push(launcher);
    await waitFor(() => /running at http/.test(launcher.output()), { timeout: 60_000 });
    const pid = launcher.child.pid!;
    const children = fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean));
    const commands = children.map((child) => fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0'));
    const server = commands.find((args) => args.some((a) => a.endsWith(path.join('server', 'main.ts'))));
    expect(server, launcher.output()).toBeDefined();
    // The options come before the script: Node's own, not the server's arguments.
    const script = server!.findIndex((a) => a.endsWith(path.join('server', 'main.ts')));
    expect(server!.slice(1, script)).toEqual(expect.arrayContaining([...serverNodeFlags]));
  }, 90_000);
});
