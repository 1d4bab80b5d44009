// Provides the mediasoup C++ worker binary (mediasoup-worker) without relying
// on mediasoup's npm postinstall, which downloads a prebuilt binary from the
// internet and, failing that, builds one after downloading the worker's C++
// dependencies: neither works on a machine that only reaches the npm registry
// and Debian's package archive.
//
//   import { ensureMediasoupWorker } from './scripts/mediasoup-worker.mjs';
//   const bin = await ensureMediasoupWorker({ rootDir, log });
//   // then MEDIASOUP_WORKER_BIN=bin (read by mediasoup's postinstall, which
//   // then skips its download, and by mediasoup when it is first imported),
//   // or mediasoup.createWorker({ workerBin: bin }).
//
// CLI: `node scripts/mediasoup-worker.mjs [--root DIR]` logs progress on stderr
// and prints the binary's absolute path as the last line of stdout.
//
// The binary is for the mediasoup version locked in ROOT/package-lock.json and
// is cached at ${XDG_CACHE_HOME:-~/.cache}/plenary/mediasoup-worker/<version>/
// mediasoup-worker. When it is not there yet:
//   1. MEDIASOUP_WORKER_BIN, if set to an existing file, is returned as is.
//   2. mediasoup's own prebuilt binary is downloaded from the URL its
//      npm-scripts.mjs postinstall uses (15 s timeout; skipped when
//      MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD is set), checked to run, and
//      cached.
//   3. Otherwise the worker is built from the mediasoup npm package's own
//      sources (`npm pack`, integrity checked against package-lock.json)
//      against Debian's libraries: the shim subprojects and patches in
//      scripts/mediasoup-worker/ stand in for the dependencies meson would
//      download (see the header of each). This takes several minutes.
//
// Plain JavaScript with no npm dependencies: it must run under Node 20 and 24,
// before `npm ci`. System tools used: tar, patch, python3 with pip (for meson
// and ninja, installed into ${cache}/plenary/pytools), a C/C++ toolchain,
// pkg-config and the Debian -dev packages listed in DEBIAN_PACKAGES, which are
// installed with apt-get when running as root.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RECIPE_DIR = path.join(HERE, 'mediasoup-worker');
const DEFAULT_ROOT = path.resolve(HERE, '..');

/**
 * Debian packages the source build needs. Tools count as present when their
 * command is on PATH (whatever package provides it); libraries must be
 * installed as these packages.
 */
export const DEBIAN_PACKAGES = [
	{ pkg: 'g++', command: 'g++' },
	{ pkg: 'pkg-config', command: 'pkg-config' },
	{ pkg: 'patch', command: 'patch' },
	{ pkg: 'python3-pip', check: () => pythonWithPip() !== null },
	{ pkg: 'libssl-dev' },
	{ pkg: 'libuv1-dev' },
	{ pkg: 'libabsl-dev' },
	{ pkg: 'libflatbuffers-dev' },
	{ pkg: 'flatbuffers-compiler', command: 'flatc' },
	{ pkg: 'libsrtp2-dev' },
];

// Shim subprojects, named like mediasoup's worker/subprojects/<name>.wrap.
const SHIMS = ['libuv', 'openssl', 'libsrtp3', 'flatbuffers', 'abseil-cpp', 'unordered-dense'];

const PREBUILT_TIMEOUT_MS = 15_000;
const LOCK_STALE_MS = 60 * 60 * 1000;
const LOCK_WAIT_MS = 60 * 60 * 1000;
const WORKER_NO_VERSION_EXIT_CODE = 41; // main.cpp exits with 41 without MEDIASOUP_VERSION.

export function cacheRoot() {
	const xdg = process.env.XDG_CACHE_HOME;

	return path.join(xdg && xdg.trim() ? xdg : path.join(os.homedir(), '.cache'), 'plenary');
}

export function lockedMediasoupVersion(rootDir = DEFAULT_ROOT) {
	const lock = JSON.parse(fs.readFileSync(path.join(rootDir, 'package-lock.json'), 'utf8'));
	const entry = lock.packages?.['node_modules/mediasoup'];

	if (!entry?.version) {
		throw new Error(`mediasoup is not in ${path.join(rootDir, 'package-lock.json')}`);
	}

	return { version: entry.version, integrity: entry.integrity };
}

export function workerCachePath(version) {
	return path.join(cacheRoot(), 'mediasoup-worker', version, 'mediasoup-worker');
}

/** Hash of the build recipe (shims + patches), stored next to built binaries. */
export function recipeHash() {
	const hash = createHash('sha256');
	const files = listFiles(RECIPE_DIR).filter(
		file => file.endsWith('.patch') || path.relative(RECIPE_DIR, file).startsWith(`shims${path.sep}`)
	);

	for (const file of files.sort()) {
		hash.update(path.relative(RECIPE_DIR, file));
		hash.update('\0');
		hash.update(fs.readFileSync(file));
		hash.update('\0');
	}

	return hash.digest('hex').slice(0, 16);
}

/**
 * Returns the absolute path of a mediasoup-worker binary for the mediasoup
 * version locked in rootDir/package-lock.json, fetching or building it first
 * if needed (see the header of this file).
 */
export async function ensureMediasoupWorker({ rootDir = DEFAULT_ROOT, log = defaultLog } = {}) {
	rootDir = path.resolve(rootDir);

	const envBin = process.env.MEDIASOUP_WORKER_BIN;

	if (envBin && isFile(envBin)) {
		return path.resolve(envBin);
	}

	const { version, integrity } = lockedMediasoupVersion(rootDir);
	const dest = workerCachePath(version);

	if (cachedBinaryIsCurrent(dest, log)) {
		return dest;
	}

	fs.mkdirSync(path.dirname(dest), { recursive: true });

	const release = await acquireLock(`${path.dirname(dest)}.lock`, log, () =>
		cachedBinaryIsCurrent(dest, () => {})
	);

	if (!release) {
		// Another process produced it while we waited.
		return dest;
	}

	try {
		if (cachedBinaryIsCurrent(dest, () => {})) {
			return dest;
		}

		if (!process.env.MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD) {
			if (await tryPrebuilt({ rootDir, version, dest, log })) {
				return dest;
			}
		}

		await buildFromSource({ rootDir, version, integrity, dest, log });

		return dest;
	} finally {
		release();
	}
}

/* ---------------------------------------------------------------- cache -- */

function cachedBinaryIsCurrent(dest, log) {
	if (!isFile(dest)) {
		return false;
	}

	const info = readJson(`${dest}.json`);

	if (info?.source === 'source-build' && info.recipe !== recipeHash()) {
		log(
			`mediasoup-worker: cached ${dest} was built with an older recipe (${info.recipe}), rebuilding`
		);

		return false;
	}

	return true;
}

async function installIntoCache(file, dest, info) {
	const tmp = `${dest}.tmp-${process.pid}`;

	fs.copyFileSync(file, tmp);
	fs.chmodSync(tmp, 0o755);
	fs.writeFileSync(`${dest}.json.tmp-${process.pid}`, `${JSON.stringify(info, null, 2)}\n`);
	fs.renameSync(`${dest}.json.tmp-${process.pid}`, `${dest}.json`);
	fs.renameSync(tmp, dest);
}

/* ----------------------------------------------------------------- lock -- */

async function acquireLock(lockDir, log, isDone) {
	const started = Date.now();
	let announced = false;

	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(
				path.join(lockDir, 'owner.json'),
				JSON.stringify({ pid: process.pid, host: os.hostname(), since: Date.now() })
			);

			let released = false;
			const release = () => {
				if (!released) {
					released = true;
					fs.rmSync(lockDir, { recursive: true, force: true });
				}
			};
			const onExit = () => release();

			process.once('exit', onExit);

			return () => {
				process.removeListener('exit', onExit);
				release();
			};
		} catch (error) {
			if (error.code !== 'EEXIST') {
				throw error;
			}
		}

		if (isDone()) {
			return null;
		}

		if (lockIsStale(lockDir)) {
			log(`mediasoup-worker: removing stale lock ${lockDir}`);
			fs.rmSync(lockDir, { recursive: true, force: true });
			continue;
		}

		if (!announced) {
			log(`mediasoup-worker: another process is preparing the worker (lock ${lockDir}), waiting`);
			announced = true;
		}

		if (Date.now() - started > LOCK_WAIT_MS) {
			throw new Error(`timed out waiting for lock ${lockDir}`);
		}

		await sleep(2000);
	}
}

function lockIsStale(lockDir) {
	const owner = readJson(path.join(lockDir, 'owner.json'));

	if (!owner) {
		// Being created right now, or left half-written by a killed process.
		try {
			return Date.now() - fs.statSync(lockDir).mtimeMs > 60_000;
		} catch {
			return false;
		}
	}

	if (Date.now() - owner.since > LOCK_STALE_MS) {
		return true;
	}

	if (owner.host === os.hostname()) {
		try {
			process.kill(owner.pid, 0);
		} catch (error) {
			return error.code === 'ESRCH';
		}
	}

	return false;
}

/* ------------------------------------------------------------- prebuilt -- */

// Same URL as mediasoup's npm-scripts.mjs (downloadPrebuiltWorker() and
// getWorkerPrebuildTarName()): <repository>/releases/download/<version>/
// mediasoup-worker-<version>-<platform>-<arch>[-kernel<major>].tgz, the base
// overridable with MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL.
function prebuiltUrl(repositoryUrl, version) {
	const releaseBase =
		process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL ||
		`${repositoryUrl.replace(/^git\+/, '').replace(/\.git$/, '')}/releases/download`;
	let name = `mediasoup-worker-${version}-${os.platform()}-${os.arch()}`;

	if (os.platform() === 'linux') {
		name += `-kernel${Number(os.release().split('.')[0])}`;
	}

	return `${releaseBase}/${version}/${name}.tgz`;
}

function mediasoupRepositoryUrl(rootDir, version) {
	const pkg = readJson(path.join(rootDir, 'node_modules', 'mediasoup', 'package.json'));

	if (pkg?.version === version && pkg.repository?.url) {
		return pkg.repository.url;
	}

	const res = spawnSync(npmCommand(), ['view', `mediasoup@${version}`, 'repository.url'], {
		encoding: 'utf8',
		timeout: 60_000,
		cwd: os.tmpdir(),
	});
	const url = res.status === 0 ? res.stdout.trim() : '';

	return url || null;
}

async function tryPrebuilt({ rootDir, version, dest, log }) {
	if (typeof fetch !== 'function') {
		return false;
	}

	const repositoryUrl = mediasoupRepositoryUrl(rootDir, version);

	if (!repositoryUrl) {
		log('mediasoup-worker: cannot tell where mediasoup prebuilt binaries live, skipping download');

		return false;
	}

	const url = prebuiltUrl(repositoryUrl, version);
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-mediasoup-prebuilt-'));

	log(`mediasoup-worker: trying mediasoup's prebuilt binary ${url}`);

	try {
		const res = await fetch(url, { signal: AbortSignal.timeout(PREBUILT_TIMEOUT_MS) });

		if (!res.ok) {
			log(`mediasoup-worker: no prebuilt binary (HTTP ${res.status})`);

			return false;
		}

		const body = Buffer.from(await res.arrayBuffer());
		const tgz = path.join(tmp, 'worker.tgz');

		fs.writeFileSync(tgz, body);
		run('tar', ['-xzf', tgz, '-C', tmp]);

		const bin = path.join(tmp, 'mediasoup-worker');

		if (!isFile(bin)) {
			log('mediasoup-worker: prebuilt tarball has no mediasoup-worker binary');

			return false;
		}

		fs.chmodSync(bin, 0o755);

		if (!workerBinaryRuns(bin)) {
			log('mediasoup-worker: prebuilt binary does not run on this host');

			return false;
		}

		await installIntoCache(bin, dest, {
			version,
			source: 'prebuilt',
			url,
			date: new Date().toISOString(),
		});
		log(`mediasoup-worker: using mediasoup's prebuilt binary, cached at ${dest}`);

		return true;
	} catch (error) {
		log(`mediasoup-worker: prebuilt download failed (${error?.message ?? error})`);

		return false;
	} finally {
		fs.rmSync(tmp, { recursive: true, force: true });
	}
}

/** The worker exits with 41 when started without MEDIASOUP_VERSION. */
function workerBinaryRuns(bin) {
	const res = spawnSync(bin, [], { env: {}, stdio: 'ignore', timeout: 10_000 });

	return res.status === WORKER_NO_VERSION_EXIT_CODE;
}

/* --------------------------------------------------------- source build -- */

async function buildFromSource({ rootDir, version, integrity, dest, log }) {
	const started = Date.now();
	const elapsed = () => formatDuration(Date.now() - started);
	// Hashed now: the recipe files may change while the build runs.
	const recipe = recipeHash();

	log(
		`mediasoup-worker: building mediasoup-worker ${version} from source against Debian's libraries; ` +
			'this is a long build (about 5 minutes on 2 cores), progress follows'
	);

	ensureDebianPackages(log);

	const pytools = ensurePyTools(log);
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-mediasoup-build-'));
	const logFile = path.join(work, 'build.log');
	let ok = false;

	try {
		const pkgDir = fetchSources({ rootDir, version, integrity, work, log });
		const workerDir = path.join(pkgDir, 'worker');

		installShims(workerDir);

		for (const patch of fs.readdirSync(RECIPE_DIR).filter(f => f.endsWith('.patch')).sort()) {
			log(`mediasoup-worker: applying ${patch}`);
			run('patch', ['-p1', '--forward', '--batch', '-i', path.join(RECIPE_DIR, patch)], {
				cwd: pkgDir,
			});
		}

		const buildDir = path.join(work, 'build');
		const env = {
			...process.env,
			PYTHONPATH: [pytools.dir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
			PATH: [path.join(pytools.dir, 'bin'), process.env.PATH].join(path.delimiter),
			NINJA: pytools.ninja,
			PYTHONDONTWRITEBYTECODE: '1',
		};

		log(`mediasoup-worker: meson setup (${elapsed()} elapsed)`);
		await runLogged(
			pytools.python,
			[
				'-m',
				'mesonbuild.mesonmain',
				'setup',
				'--buildtype',
				'release',
				'-Db_ndebug=true',
				'--wrap-mode=nodownload',
				buildDir,
				workerDir,
			],
			{ env, cwd: workerDir, logFile }
		);

		log(`mediasoup-worker: compiling with ninja (${elapsed()} elapsed, build log ${logFile})`);

		let lastStep = '';
		const ticker = setInterval(() => {
			log(`mediasoup-worker: still compiling ${lastStep} (${elapsed()} elapsed)`);
		}, 30_000);

		const ninja = () =>
			runLogged(pytools.ninja, ['-C', buildDir, 'mediasoup-worker'], {
				env,
				logFile,
				onLine: line => {
					const m = /^\[(\d+)\/(\d+)\]/.exec(line);

					if (m) {
						lastStep = `[${m[1]}/${m[2]}]`;
					}
				},
			});

		try {
			try {
				await ninja();
			} catch {
				// Ninja resumes where it stopped: a second run gets past an ordering
				// race between targets (see 03-libwebrtc-wait-for-fbs-headers.patch)
				// and fails the same way on a real compile error.
				log(`mediasoup-worker: ninja failed, retrying once (${elapsed()} elapsed)`);
				await ninja();
			}
		} finally {
			clearInterval(ticker);
		}

		const bin = path.join(buildDir, 'mediasoup-worker');

		if (!workerBinaryRuns(bin)) {
			throw new Error(`the built ${bin} does not run (expected exit code 41 without MEDIASOUP_VERSION)`);
		}

		await installIntoCache(bin, dest, {
			version,
			source: 'source-build',
			recipe,
			date: new Date().toISOString(),
			buildSeconds: Math.round((Date.now() - started) / 1000),
		});
		log(`mediasoup-worker: built in ${elapsed()}, cached at ${dest}`);
		ok = true;
	} catch (error) {
		error.message = `mediasoup-worker build failed: ${error.message} (work dir kept: ${work}, log: ${logFile})`;
		throw error;
	} finally {
		if (ok) {
			fs.rmSync(work, { recursive: true, force: true });
		}
	}
}

function fetchSources({ rootDir, version, integrity, work, log }) {
	const tgzDir = path.join(work, 'pack');

	fs.mkdirSync(tgzDir);
	log(`mediasoup-worker: npm pack mediasoup@${version}`);

	const res = spawnSync(npmCommand(), ['pack', `mediasoup@${version}`, '--silent'], {
		cwd: tgzDir,
		encoding: 'utf8',
		timeout: 5 * 60_000,
	});
	const tgz = fs.readdirSync(tgzDir).find(f => f.endsWith('.tgz'));

	if (res.status === 0 && tgz) {
		const tgzPath = path.join(tgzDir, tgz);

		if (integrity) {
			const [algo] = integrity.split('-');
			const actual = `${algo}-${createHash(algo).update(fs.readFileSync(tgzPath)).digest('base64')}`;

			if (actual !== integrity) {
				throw new Error(
					`npm pack mediasoup@${version}: integrity ${actual} does not match package-lock.json's ${integrity}`
				);
			}
		}

		run('tar', ['-xzf', tgzPath, '-C', work]);

		return path.join(work, 'package');
	}

	// No registry: fall back on the sources npm already installed, if any.
	const installed = path.join(rootDir, 'node_modules', 'mediasoup');

	if (
		readJson(path.join(installed, 'package.json'))?.version === version &&
		isFile(path.join(installed, 'worker', 'meson.build'))
	) {
		log(`mediasoup-worker: npm pack failed (${failure(res)}), using the sources in ${installed}`);

		const pkgDir = path.join(work, 'package');

		copyDir(path.join(installed, 'worker'), path.join(pkgDir, 'worker'), name =>
			!['out', 'prebuild', 'pip_invoke', 'pip_meson_ninja'].includes(name)
		);

		return pkgDir;
	}

	throw new Error(`npm pack mediasoup@${version} failed (${failure(res)})`);
}

function failure(res) {
	const detail = (res.stderr || '').trim().split('\n').slice(-3).join(' ');

	return [res.error?.message ?? `exit ${res.status ?? res.signal}`, detail].filter(Boolean).join(': ');
}

function installShims(workerDir) {
	for (const shim of SHIMS) {
		const wrap = path.join(workerDir, 'subprojects', `${shim}.wrap`);
		const m = /^\s*directory\s*=\s*(\S+)\s*$/m.exec(fs.readFileSync(wrap, 'utf8'));

		if (!m) {
			throw new Error(`no "directory =" in ${wrap}`);
		}

		const target = path.join(workerDir, 'subprojects', m[1]);

		fs.rmSync(target, { recursive: true, force: true });
		copyDir(path.join(RECIPE_DIR, 'shims', shim), target);
	}
}

function ensureDebianPackages(log) {
	if (!hasCommand('dpkg-query')) {
		log('mediasoup-worker: not a Debian system, assuming the build dependencies are installed');

		return;
	}

	const needed = DEBIAN_PACKAGES.filter(({ pkg, command, check }) => {
		if (check) {
			return !check();
		}

		if (command) {
			return !hasCommand(command);
		}

		const res = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });

		return !(res.status === 0 && res.stdout.includes('install ok installed'));
	}).map(({ pkg }) => pkg);

	if (needed.length === 0) {
		return;
	}

	const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

	if (!isRoot || !hasCommand('apt-get')) {
		throw new Error(
			`building mediasoup-worker needs these Debian packages: ${needed.join(' ')} ` +
				`(run: sudo apt-get install -y ${needed.join(' ')})`
		);
	}

	log(`mediasoup-worker: apt-get install ${needed.join(' ')}`);

	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	const install = () =>
		spawnSync('apt-get', ['install', '-y', '--no-install-recommends', ...needed], {
			env,
			stdio: ['ignore', 'ignore', 'pipe'],
			encoding: 'utf8',
		});
	let res = install();

	if (res.status !== 0) {
		log('mediasoup-worker: apt-get install failed, running apt-get update first');
		spawnSync('apt-get', ['update'], { env, stdio: 'ignore' });
		res = install();
	}

	if (res.status !== 0) {
		throw new Error(`apt-get install ${needed.join(' ')} failed: ${res.stderr.trim()}`);
	}
}

function pythonWithPip() {
	for (const python of ['python3', 'python']) {
		const res = spawnSync(python, ['-m', 'pip', '--version'], { stdio: 'ignore' });

		if (res.status === 0) {
			return python;
		}
	}

	return null;
}

/** meson >= 1.1 and ninja, pip-installed into ${cache}/plenary/pytools. */
function ensurePyTools(log) {
	const dir = path.join(cacheRoot(), 'pytools');
	const python = pythonWithPip() ?? 'python3';
	const tools = { dir, python, ninja: path.join(dir, 'bin', 'ninja') };

	if (mesonVersionOk(tools) && isFile(tools.ninja)) {
		return tools;
	}

	log(`mediasoup-worker: pip install meson ninja into ${dir}`);

	const tmp = `${dir}.tmp-${process.pid}`;

	fs.rmSync(tmp, { recursive: true, force: true });
	run(python, [
		'-m',
		'pip',
		'install',
		'--disable-pip-version-check',
		'--no-warn-script-location',
		'--target',
		tmp,
		'meson>=1.1',
		'ninja',
	]);
	fs.rmSync(dir, { recursive: true, force: true });
	fs.renameSync(tmp, dir);

	if (!mesonVersionOk(tools) || !isFile(tools.ninja)) {
		throw new Error(`pip-installed meson/ninja in ${dir} do not work`);
	}

	return tools;
}

function mesonVersionOk({ dir, python }) {
	if (!fs.existsSync(path.join(dir, 'mesonbuild'))) {
		return false;
	}

	const res = spawnSync(python, ['-m', 'mesonbuild.mesonmain', '--version'], {
		env: { ...process.env, PYTHONPATH: dir },
		encoding: 'utf8',
	});
	const [major, minor] = (res.stdout || '').trim().split('.').map(Number);

	return res.status === 0 && (major > 1 || (major === 1 && minor >= 1));
}

/* -------------------------------------------------------------- helpers -- */

function npmCommand() {
	const besideNode = path.join(path.dirname(process.execPath), 'npm');

	return hasCommand('npm') ? 'npm' : besideNode;
}

function hasCommand(cmd) {
	return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args, options = {}) {
	const res = spawnSync(cmd, args, { encoding: 'utf8', ...options });

	if (res.status !== 0) {
		const output = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');

		throw new Error(`${cmd} ${args.join(' ')} failed (${res.error?.message ?? `exit ${res.status}`})\n${output}`);
	}

	return res;
}

/** Runs a command, appending its output to logFile; rejects with the log's tail. */
function runLogged(cmd, args, { env, cwd, logFile, onLine }) {
	return new Promise((resolve, reject) => {
		const out = fs.openSync(logFile, 'a');

		fs.writeSync(out, `\n$ ${cmd} ${args.join(' ')}\n`);

		const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
		let partial = '';
		const onData = chunk => {
			fs.writeSync(out, chunk);

			if (onLine) {
				const lines = (partial + chunk.toString('utf8')).split('\n');

				partial = lines.pop();
				lines.forEach(onLine);
			}
		};

		child.stdout.on('data', onData);
		child.stderr.on('data', onData);
		child.on('error', error => {
			fs.closeSync(out);
			reject(error);
		});
		child.on('close', (code, signal) => {
			fs.closeSync(out);

			if (code === 0) {
				resolve();

				return;
			}

			const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n');

			reject(new Error(`${path.basename(cmd)} ${args[0]} exited with ${code ?? signal}:\n${tail}`));
		});
	});
}

function copyDir(from, to, filter = () => true) {
	fs.mkdirSync(to, { recursive: true });

	for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
		if (!filter(entry.name)) {
			continue;
		}

		const src = path.join(from, entry.name);
		const dst = path.join(to, entry.name);

		if (entry.isDirectory()) {
			copyDir(src, dst);
		} else if (entry.isSymbolicLink()) {
			fs.symlinkSync(fs.readlinkSync(src), dst);
		} else {
			fs.copyFileSync(src, dst);
		}
	}
}

function listFiles(dir) {
	return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
		const full = path.join(dir, entry.name);

		return entry.isDirectory() ? listFiles(full) : [full];
	});
}

function isFile(file) {
	try {
		return fs.statSync(file).isFile();
	} catch {
		return false;
	}
}

function readJson(file) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return null;
	}
}

function sleep(ms) {
	return new Promise(resolve => setTimeout(resolve, ms));
}

function formatDuration(ms) {
	const s = Math.round(ms / 1000);

	return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function defaultLog(message) {
	process.stderr.write(`${message}\n`);
}

/* ------------------------------------------------------------------ CLI -- */

function isMain() {
	if (!process.argv[1]) {
		return false;
	}

	try {
		return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
	} catch {
		return false;
	}
}

if (isMain()) {
	const args = process.argv.slice(2);
	const rootIndex = args.indexOf('--root');
	const rootDir = rootIndex >= 0 ? path.resolve(args[rootIndex + 1]) : DEFAULT_ROOT;

	ensureMediasoupWorker({ rootDir })
		.then(bin => {
			process.stdout.write(`${bin}\n`);
		})
		.catch(error => {
			process.stderr.write(`${error?.stack ?? error}\n`);
			process.exit(1);
		});
}
