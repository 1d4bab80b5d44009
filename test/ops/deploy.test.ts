// The deployment files, checked as far as this machine can without a Docker
// engine: the Dockerfile read (stages, user, health check, what it copies,
// the worker's shared libraries in the runtime stage), docker-compose.yml by
// Compose's own schema (`docker-compose config`, Debian's docker-compose),
// and the nginx configuration by nginx itself (`nginx -t`, Debian's nginx).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/http/app.ts';
import { resolveWorkerBinary } from '../../server/media/worker-binary.ts';
import { tempDir } from '../support/server.ts';

const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const hasCompose = has('docker-compose');
const hasNginx = has('nginx') && has('openssl');
if (!hasCompose) console.warn('SKIPPED: the compose schema check needs Debian\'s docker-compose (apt-get install docker-compose).');
if (!hasNginx) console.warn('SKIPPED: the nginx configuration check needs Debian\'s nginx and libnginx-mod-stream, and openssl.');

const dockerfile = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
/** Instructions with their continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages: string[][] = [];
for (const line of instructions) {
  if (/^FROM\s/i.test(line)) stages.push([]);
  stages.at(-1)?.push(line);
}

const mediasoupVersion = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', 'mediasoup', 'package.json'), 'utf8')) as { version: string }).version;
const worker = await resolveWorkerBinary(mediasoupVersion);
const canList = worker.path !== undefined && has('ldd') && has('dpkg');

describe('Dockerfile', () => {
  it('builds in two stages and runs as a non-root user with a health check', () => {
    expect(stages.length).toBe(2);
    expect(stages[0]![0]).toMatch(/^FROM \S+ AS build$/);
    expect(stages[1]![0]).toMatch(/^FROM \S+-slim AS runtime$/);
    const runtime = stages[1]!;
    const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBe('USER node');
    expect(runtime.some((l) => /^HEALTHCHECK .*\/healthz/.test(l))).toBe(true);
    expect(runtime.some((l) => l.startsWith('CMD ["node", "server/main.ts"]'))).toBe(true);
    expect(runtime.join('\n')).toContain('MEDIASOUP_WORKER_BIN=/opt/plenary/mediasoup-worker');
  });

  it('copies only what exists in the build context, and leaves out what .dockerignore names', () => {
    const ignored = fs.readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8').split('\n').filter(Boolean);
    for (const line of instructions.filter((l) => /^COPY\s/.test(l) && !l.includes('--from='))) {
      const parts = line.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
      for (const source of parts.slice(0, -1)) {
        expect(fs.existsSync(path.join(repoRoot, source)), `${source} (in ${line})`).toBe(true);
        expect(ignored.some((i) => source.replace(/\/$/, '') === i)).toBe(false);
      }
    }
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.git', 'data']));
  });

  // The worker built offline links to Debian's libraries: the runtime stage must install each one's package.
  it.skipIf(!canList)('installs, in the runtime stage, the package of every shared library the offline-built worker needs', () => {
    const ldd = spawnSync('ldd', [worker.path!], { encoding: 'utf8' }).stdout;
    const libs = [...ldd.matchAll(/=>\s+(\/\S+)/g)].map((m) => m[1]!);
    if (!libs.some((l) => l.includes('libuv'))) return; // mediasoup's prebuilt worker: static, needs none of them
    expect(libs.length).toBeGreaterThan(5);
    const runtimeApt = stages[1]!.find((l) => l.includes('apt-get install')) ?? '';
    const needed = new Set<string>();
    for (const lib of libs) {
      const owner = spawnSync('dpkg', ['-S', fs.realpathSync(lib)], { encoding: 'utf8' }).stdout.split(':')[0]?.trim();
      if (!owner || /^(libc6|libstdc\+\+6|libgcc-s1)$/.test(owner)) continue; // in every Debian image
      needed.add(owner);
    }
    const missing = [...needed].filter((pkg) => !new RegExp(`\\s${pkg.replace(/[+.]/g, '\\$&')}(\\s|$)`).test(runtimeApt));
    // libnss3 brings libnspr4 as a dependency.
    expect(missing.filter((m) => m !== 'libnspr4')).toEqual([]);
  });
});

describe('docker-compose.yml', () => {
  it.skipIf(!hasCompose)('is valid by Compose\'s schema, with two replicas behind nginx, Redis, a MongoDB replica set and coturn', () => {
    const env = { ...process.env, PUBLIC_HOST: 'forum.example.org', PLENARY_ORGANIZER_TOKEN: 'x'.repeat(32), TURN_SECRET: 's'.repeat(32), MEDIA_ANNOUNCED_ADDRESS: '203.0.113.10' };
    const result = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { cwd: repoRoot, env, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const text = result.stdout;
    for (const service of ['plenary-1', 'plenary-2', 'nginx', 'redis', 'mongo', 'coturn']) expect(text).toMatch(new RegExp(`^  ${service}:$`, 'm'));
    expect(text).toContain('MONGODB_URI: mongodb://mongo:27017/plenary?replicaSet=rs0');
    expect(text).toContain('REDIS_URL: redis://redis:6379');
    expect(text).toContain('turns:forum.example.org:443?transport=tcp');
    expect(text).toContain('--static-auth-secret=' + 's'.repeat(32));
  });
});

describe('ops/nginx/nginx.conf', () => {
  it.skipIf(!hasNginx)('passes nginx -t (service names pointed at loopback, a throwaway certificate)', () => {
    const dir = tempDir('plenary-nginx-');
    fs.mkdirSync(path.join(dir, 'certs'));
    const cert = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'certs', 'privkey.pem'), '-out', path.join(dir, 'certs', 'fullchain.pem'), '-days', '1', '-subj', '/CN=localhost'], { encoding: 'utf8' });
    expect(cert.status, cert.stderr).toBe(0);
    let conf = fs
      .readFileSync(path.join(repoRoot, 'ops', 'nginx', 'nginx.conf'), 'utf8')
      .replaceAll('/etc/nginx/certs', path.join(dir, 'certs'))
      .replace(/\b(plenary-\d|coturn):/g, '127.0.0.1:')
      .replace('error_log /dev/stderr', `error_log ${path.join(dir, 'error.log')}`)
      .replace('/etc/nginx/mime.types', fs.existsSync('/etc/nginx/mime.types') ? '/etc/nginx/mime.types' : path.join(dir, 'mime.types'));
    if (!fs.existsSync('/etc/nginx/mime.types')) fs.writeFileSync(path.join(dir, 'mime.types'), 'types { text/html html; }\n');
    // Debian builds the stream module as a dynamic module; the nginx image has it built in.
    const streamModule = '/usr/lib/nginx/modules/ngx_stream_module.so';
    if (fs.existsSync(streamModule)) conf = `load_module ${streamModule};\n${conf}`;
    fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
    const result = spawnSync('nginx', ['-t', '-c', path.join(dir, 'nginx.conf'), '-p', dir, '-e', path.join(dir, 'error.log')], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('test is successful');
  });
});
