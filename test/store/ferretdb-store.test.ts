// The MongoDB adapter (mongoose) against FerretDB 1.24 with its embedded
// SQLite backend: a MongoDB wire-protocol server built with Go here
// (ops/ferretdb, installed by .ci/run), since no MongoDB server can be
// installed on these machines. It is FerretDB, not MongoDB. What it lacks
// that the adapter uses is stated in the test names and printed.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { MongoStore } from '../../server/store/mongo-store.ts';
import { storeContract } from './contract.ts';
import { tempDir } from '../support/server.ts';

const ferretdbVersion = 'v1.24.2';
const cache = process.env.PLENARY_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'plenary');
const bin = process.env.FERRETDB_BIN ?? path.join(cache, 'ferretdb', ferretdbVersion, 'ferretdb-plenary');
const lacksTransactions = 'FerretDB 1.x has no multi-document transactions: "update: unknown field startTransaction"';

if (!fs.existsSync(bin)) {
  console.warn(`SKIPPED: MongoDB adapter against FerretDB — no FerretDB binary at ${bin} (.ci/run builds it from ops/ferretdb with Go).`);
  describe('MongoDB (mongoose) adapter against FerretDB', () => {
    it.skip('SKIPPED: build FerretDB with `cd ops/ferretdb && go build -o <cache>/plenary/ferretdb/v1.24.2/ferretdb-plenary .`', () => {});
  });
} else {
  let server: ChildProcess | undefined;
  let uri = '';

  beforeAll(async () => {
    const port = await freePort();
    server = spawn(bin, ['-listen', `127.0.0.1:${port}`, '-dir', tempDir('plenary-ferretdb-')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    server.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    await waitForPort(port, () => output);
    uri = `mongodb://127.0.0.1:${port}/`;
    console.log(
      `Store contract against FerretDB ${ferretdbVersion} (SQLite backend) on ${uri}: this is FerretDB, not MongoDB. ` +
        `It lacks multi-document transactions (the adapter's atomic write(ops) needs them: refused here, and tested to write nothing), ` +
        `replica sets and change streams; production runs MongoDB as a replica set.`,
    );
  });
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  storeContract(
    `FerretDB ${ferretdbVersion} (SQLite backend, standing in for MongoDB) through the mongoose adapter:`,
    () => {
      const db = `plenary_contract_${process.pid}_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
      const dbUri = `${uri.replace(/\/$/, '')}/${db}`;
      return {
        open: () => MongoStore.connect(dbUri),
        reopen: () => MongoStore.connect(dbUri),
        cleanup: async () => {
          const mongoose = (await import('mongoose')).default;
          const connection = await mongoose.createConnection(dbUri).asPromise();
          await connection.dropDatabase();
          await connection.close();
        },
      };
    },
    { transactions: lacksTransactions },
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, output: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`FerretDB did not listen on ${port} within ${timeoutMs} ms: ${output()}`);
}
