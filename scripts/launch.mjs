#!/usr/bin/env node
// Plenary's launcher: `npm start` and `npm test` on a fresh clone, with no
// internet and whatever Node the machine has. Plain JavaScript with no
// dependencies, because it runs before anything is installed and possibly
// under a Node too old for the project (it then fetches a newer one).
//
//   node scripts/launch.mjs start|test|seed|bench|backup|restore [args...]
//
// Steps, each skipped when already done:
//   1. Node >= 22: else install the npm package node-<os>-<arch>@24 into the
//      cache and re-run this script under it (saying so).
//   2. The mediasoup worker: cached by version; built from mediasoup's own
//      sources when its prebuilt binary cannot be downloaded.
//   3. Dependencies: `npm ci` when node_modules is missing or older than the
//      lockfile, with MEDIASOUP_WORKER_BIN set so mediasoup's postinstall
//      does not try to download.
//   4. For tests: Debian packages the browser and multi-process tests need.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const MIN_NODE_MAJOR = 22;
const NODE_PACKAGE_RANGE = '24';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheRoot = process.env.PLENARY_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'plenary');
const [command = 'start', ...rest] = process.argv.slice(2);

function log(message) {
  process.stderr.write(`[plenary] ${message}\n`);
}

function fail(message) {
  log(message);
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function nodeMajor(version = process.versions.node) {
  return Number(version.split('.')[0]);
}

/** Re-runs this launcher under a Node >= 22, installing one from the npm registry when needed. */
function ensureNode() {
  if (nodeMajor() >= MIN_NODE_MAJOR) return;
  const pkg = `node-${process.platform}-${process.arch}`;
  const prefix = path.join(cacheRoot, `node-${NODE_PACKAGE_RANGE}`);
  const bin = path.join(prefix, 'node_modules', pkg, 'bin');
  const nodeBin = path.join(bin, process.platform === 'win32' ? 'node.exe' : 'node');
  if (!fs.existsSync(nodeBin)) {
    log(`Node ${process.version} is older than ${MIN_NODE_MAJOR}; installing Node ${NODE_PACKAGE_RANGE} (npm package ${pkg}@${NODE_PACKAGE_RANGE}) into ${prefix} ...`);
    fs.mkdirSync(prefix, { recursive: true });
    const status = run('npm', ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${pkg}@${NODE_PACKAGE_RANGE}`], {
      cwd: prefix,
    });
    if (status !== 0 || !fs.existsSync(nodeBin)) fail(`Could not install ${pkg}@${NODE_PACKAGE_RANGE}. Install Node ${MIN_NODE_MAJOR} or newer and try again.`);
  }
  const version = spawnSync(nodeBin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  log(`re-running under Node ${version} from ${bin}`);
  const env = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
    // Native addons must build against this Node's headers, not the system one's.
    npm_config_nodedir: path.join(prefix, 'node_modules', pkg),
  };
  const child = spawn(nodeBin, [fileURLToPath(import.meta.url), command, ...rest], { stdio: 'inherit', env, cwd: root });
  forwardSignals(child);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return 'reexec';
}

function forwardSignals(child) {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
}

async function ensureMediasoupWorker() {
  const helper = path.join(root, 'scripts', 'mediasoup-worker.mjs');
  if (!fs.existsSync(helper)) return undefined;
  const { ensureMediasoupWorker: ensure } = await import(pathToFileURL(helper).href);
  const bin = await ensure({ rootDir: root, log });
  if (bin) process.env.MEDIASOUP_WORKER_BIN = bin;
  return bin;
}

function dependenciesFresh() {
  const hidden = path.join(root, 'node_modules', '.package-lock.json');
  const lock = path.join(root, 'package-lock.json');
  if (!fs.existsSync(hidden)) return false;
  // npm's own heuristic: the hidden lockfile is rewritten on every install.
  return fs.statSync(hidden).mtimeMs >= fs.statSync(lock).mtimeMs;
}

function ensureDependencies() {
  if (dependenciesFresh()) return;
  log('installing dependencies (npm ci) ...');
  const status = run('npm', ['ci', '--no-audit', '--no-fund'], { env: process.env });
  if (status !== 0) fail('npm ci failed; see the output above.');
}

/** Debian packages the tests use; installed when missing and we may (root with apt-get). */
function ensureTestPackages() {
  const wanted = [
    { bin: '/usr/bin/chromium', pkg: 'chromium' },
    { bin: '/usr/bin/redis-server', pkg: 'redis-server' },
    // Deployment checks (test/ops/deploy.test.ts): nginx -t, Compose's schema.
    { bin: '/usr/sbin/nginx', pkg: 'nginx' },
    { bin: '/usr/lib/nginx/modules/ngx_stream_module.so', pkg: 'libnginx-mod-stream' },
    { bin: '/usr/bin/docker-compose', pkg: 'docker-compose' },
    // TURN relay test (test/ops/turn.test.ts).
    { bin: '/usr/bin/turnserver', pkg: 'coturn' },
    // The webcast encoder and its test (server/media/webcast, test/media/webcast.test.ts); a font for the names.
    { bin: '/usr/bin/ffmpeg', pkg: 'ffmpeg' },
    { bin: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf', pkg: 'fonts-dejavu-core' },
    // Names in Arabic, Chinese, Japanese and Korean (server/media/webcast/fonts.ts finds them with fc-match).
    { bin: '/usr/bin/fc-match', pkg: 'fontconfig' },
    { bin: '/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf', pkg: 'fonts-noto-core' },
    { bin: '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc', pkg: 'fonts-noto-cjk' },
  ];
  const missing = wanted.filter((w) => !fs.existsSync(w.bin)).map((w) => w.pkg);
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !fs.existsSync('/usr/bin/apt-get')) {
    log(`missing ${missing.join(', ')}: the browser or multi-process tests will say they were skipped. Install them with your package manager.`);
    return;
  }
  log(`installing Debian packages for the tests: ${missing.join(', ')} ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], { env });
  if (run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env }) !== 0) {
    log(`could not install ${missing.join(', ')}; the tests that need them will say they were skipped.`);
  }
}

/** FerretDB for the MongoDB adapter's contract tests: built from ops/ferretdb with Go when Go is there, cached by version. */
function ensureFerretdb() {
  const bin = path.join(cacheRoot, 'ferretdb', 'v1.24.2', 'ferretdb-plenary');
  if (!fs.existsSync(bin)) {
    if (spawnSync('go', ['version'], { stdio: 'ignore' }).status !== 0) {
      log('no Go: the MongoDB adapter tests against FerretDB will say they were skipped.');
      return;
    }
    log(`building FerretDB v1.24.2 (MongoDB wire protocol, SQLite backend) into ${bin} ...`);
    if (run('go', ['build', '-trimpath', '-o', bin, '.'], { cwd: path.join(root, 'ops', 'ferretdb') }) !== 0) {
      log('could not build FerretDB; its tests will say they were skipped.');
      return;
    }
  }
  process.env.FERRETDB_BIN = bin;
}

function exec(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { stdio: 'inherit', cwd: root, env });
  forwardSignals(child);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function runTests() {
  const report = path.join(root, '.vitest-report.json');
  fs.rmSync(report, { force: true });
  const vitest = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const code = await exec(process.execPath, [vitest, 'run', '--config', path.join(root, 'test', 'vitest.config.ts'), '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...rest]);
  if (fs.existsSync(report)) {
    const totals = JSON.parse(fs.readFileSync(report, 'utf8'));
    const skipped = (totals.numPendingTests ?? 0) + (totals.numTodoTests ?? 0);
    process.stdout.write(`\n${totals.numPassedTests} passed, ${totals.numFailedTests} failed, ${skipped} skipped\n`);
  } else {
    process.stdout.write('\n0 passed, 1 failed\n');
    log('the test runner wrote no report; see the output above.');
  }
  return code;
}

async function main() {
  if (ensureNode() === 'reexec') return;
  const known = ['start', 'test', 'seed', 'bench', 'setup', 'backup', 'restore'];
  if (!known.includes(command)) fail(`unknown command "${command}"; use one of ${known.join(', ')}`);
  // Backup and restore need only Node's own node:sqlite: no worker, no dependencies.
  if (command === 'backup' || command === 'restore') {
    process.exit(await exec(process.execPath, [path.join(root, 'scripts', `${command}.ts`), ...rest]));
  }

  await ensureMediasoupWorker();
  ensureDependencies();
  if (command === 'test') {
    ensureTestPackages();
    ensureFerretdb();
  }

  let code = 0;
  switch (command) {
    case 'start': {
      // Production's Node options (scripts/server-flags.mjs; the Dockerfile sets the same in NODE_OPTIONS).
      const { serverNodeFlags } = await import(pathToFileURL(path.join(root, 'scripts', 'server-flags.mjs')).href);
      code = await exec(process.execPath, [...serverNodeFlags, path.join(root, 'server', 'main.ts'), ...rest]);
      break;
    }
    case 'seed':
      code = await exec(process.execPath, [path.join(root, 'server', 'seed', 'cli.ts'), ...rest]);
      break;
    case 'bench':
      code = await exec(process.execPath, [path.join(root, 'scripts', 'bench.ts'), ...rest]);
      break;
    case 'test':
      code = await runTests();
      break;
    case 'setup':
      log('ready.');
      break;
  }
  process.exit(code);
}

main().catch((error) => fail(error instanceof Error ? (error.stack ?? error.message) : String(error)));
