// The image's build steps run as a script on this machine (no Docker engine
// here): the build stage's COPY instructions are followed into an empty
// directory, its `npm ci --omit=dev` is run there with the worker this
// machine has, and the runtime stage's command starts the server from it
// with the runtime stage's environment. The apt-get steps are not run (they
// would change this machine); deploy.test.ts checks the packages they name.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/http/app.ts';
import { resolveWorkerBinary } from '../../server/media/worker-binary.ts';
import { tempDir, waitFor } from '../support/server.ts';

const dockerfile = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const lines = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const stages: string[][] = [];
for (const line of lines) {
  if (/^FROM\s/i.test(line)) stages.push([]);
  stages.at(-1)?.push(line);
}
const [build = [], runtime = []] = stages;
const mediasoupVersion = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', 'mediasoup', 'package.json'), 'utf8')) as { version: string }).version;
const worker = await resolveWorkerBinary(mediasoupVersion);
const npmOk = spawnSync('npm', ['--version']).status === 0;

describe.skipIf(!worker.path || !npmOk)('the image, built by following its Dockerfile as a script', () => {
  const app = tempDir('plenary-image-');
  const data = tempDir('plenary-image-data-');
  let server: ReturnType<typeof spawn> | undefined;
  afterAll(() => {
    server?.kill('SIGTERM');
    fs.rmSync(app, { recursive: true, force: true });
  });

  it('installs its production dependencies and starts, serving the pages and their client bundles', async () => {
    // The build stage's COPY instructions (from the build context), in order.
    for (const line of build.filter((l) => /^COPY\s/i.test(l) && !/--from=/i.test(l))) {
      const parts = line.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
      const dest = parts.pop() ?? '.';
      for (const src of parts) {
        const from = path.join(repoRoot, src);
        // As Docker does: a directory's contents go into the destination; a file goes into it when it is a directory.
        const intoDir = dest.endsWith('/') || dest === '.' || parts.length > 1;
        const target = fs.statSync(from).isDirectory() ? path.join(app, dest) : intoDir ? path.join(app, dest, path.basename(src)) : path.join(app, dest);
        fs.cpSync(from, target, { recursive: true });
      }
    }
    // Its dependency step, with the worker binary as the image passes it.
    const install = build.find((l) => /npm ci/.test(l));
    expect(install).toMatch(/--omit=dev/);
    const npm = spawnSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: app, env: { ...process.env, MEDIASOUP_WORKER_BIN: worker.path }, encoding: 'utf8', timeout: 240_000 });
    expect(npm.status, npm.stderr).toBe(0);

    // The runtime stage's environment and command.
    const env: Record<string, string> = {};
    const envLine = runtime.find((l) => /^ENV\s/i.test(l)) ?? '';
    for (const [, k, v] of envLine.matchAll(/([A-Z_]+)=(\S+)/g)) if (k && v) env[k] = v;
    const cmd = JSON.parse(/^CMD\s+(\[.*\])$/.exec(runtime.find((l) => /^CMD\s/i.test(l)) ?? '')?.[1] ?? '[]') as string[];
    expect(cmd[0]).toBe('node');
    let out = '';
    server = spawn(process.execPath, cmd.slice(1), {
      cwd: app,
      env: { ...process.env, ...env, MEDIASOUP_WORKER_BIN: worker.path, PLENARY_DATA_DIR: data, PORT: '0', HOST: '127.0.0.1', MEDIA_LISTEN_IP: '127.0.0.1', MEDIA_ENABLED: 'false', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const url = await waitFor(() => /running at (http:\/\/\S+)/.exec(out)?.[1], { timeout: 30_000 }).catch(() => {
      throw new Error(`the image's server did not start:\n${out}`);
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const page = await fetch(`${url}/events/global-forum-2022/sessions/opening`);
    expect(page.status).toBe(200);
    // The browser bundles are made at start-up from client/: their imports must be production dependencies.
    for (const bundle of ['room.js', 'app.js', 'webcast-player.js', 'fonts.css']) {
      const res = await fetch(`${url}/assets/${bundle}`);
      expect(res.status, bundle).toBe(200);
    }
  }, 300_000);
});
