import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { repoRoot } from '../../server/http/app.ts';
import { createParticipant, eventId } from '../support/realtime.ts';
import { getJson, organizerToken, startTestServer, tempDir } from '../support/server.ts';

/** Runs scripts/<name>.ts as `npm run <name>` would (the launcher only adds Node and dependencies). */
function script(name: 'backup' | 'restore', args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', `${name}.ts`), ...args], { cwd: repoRoot, env: { ...process.env, MONGODB_URI: '' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** Every document of a store file, by collection and id, as stored. */
function documents(file: string): Map<string, string> {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db.prepare('SELECT collection, id, rev, data FROM documents').all() as { collection: string; id: string; rev: number; data: string }[];
    return new Map(rows.map((r) => [`${r.collection}/${r.id}`, `${r.rev} ${r.data}`]));
  } finally {
    db.close();
  }
}

const asOrganiser = { authorization: `Bearer ${organizerToken}` };

describe('npm run backup / npm run restore (embedded store)', () => {
  let server: Plenary;
  let dataDir: string;
  const work = tempDir('plenary-backup-');
  const started: Plenary[] = [];

  beforeAll(async () => {
    dataDir = tempDir();
    server = await startTestServer({ PLENARY_DATA_DIR: dataDir });
    started.push(server);
  });
  afterAll(async () => {
    for (const s of started) await s.close();
  });

  it('takes a consistent backup while the server runs with writes in flight, and restores it into a fresh data directory', async () => {
    for (let i = 0; i < 5; i += 1) await createParticipant(server);
    // Writes in flight for the whole backup: participants invited one after another.
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await createParticipant(server);
        written += 1;
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const file = path.join(work, 'during.sqlite');
    const during = await script('backup', ['--data-dir', dataDir, '--out', file]);
    await new Promise((r) => setTimeout(r, 100));
    writing = false;
    await writer;
    expect(during.code, during.out).toBe(0);
    expect(during.out).toMatch(/backed up .*during\.sqlite: \d+ documents/);
    expect(written).toBeGreaterThan(0);

    // A snapshot: every document in it is exactly as the live store has it now, or an older revision of it
    // (participants are written once, so they are equal), and it holds at least what existed before.
    const snapshot = documents(file);
    const live = documents(path.join(dataDir, 'plenary.sqlite'));
    const participants = [...snapshot.keys()].filter((k) => k.startsWith('participants/'));
    expect(participants.length).toBeGreaterThanOrEqual(6); // the five, and the first-start organiser
    for (const key of participants) expect(snapshot.get(key)).toBe(live.get(key));
    expect(new DatabaseSync(file, { readOnly: true }).prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });

    // With the writes done, a backup restored into a fresh directory serves exactly the same data.
    const quiet = path.join(work, 'quiet.sqlite');
    expect((await script('backup', ['--data-dir', dataDir, '--out', quiet])).code).toBe(0);
    const fresh = tempDir();
    const restored = await script('restore', [quiet, '--data-dir', fresh]);
    expect(restored.code, restored.out).toBe(0);
    expect(documents(path.join(fresh, 'plenary.sqlite'))).toEqual(documents(path.join(dataDir, 'plenary.sqlite')));

    const copy = await startTestServer({ PLENARY_DATA_DIR: fresh, PLENARY_SEED: 'never' });
    started.push(copy);
    for (const url of [`/api/events/${eventId}/participants`, `/api/events/${eventId}/programme`, '/api/events']) {
      const [a, b] = await Promise.all([getJson(`${server.url}${url}`, { headers: asOrganiser }), getJson(`${copy.url}${url}`, { headers: asOrganiser })]);
      expect(b.status).toBe(200);
      expect(b.body).toEqual(a.body);
    }
  });

  it('refuses to restore under a running server unless --force, keeping the store that was there', async () => {
    const file = path.join(work, 'refused.sqlite');
    expect((await script('backup', ['--data-dir', dataDir, '--out', file])).code).toBe(0);
    const refused = await script('restore', [file, '--data-dir', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/running process \(pid \d+.*--force/);
    const forced = await script('restore', [file, '--data-dir', dataDir, '--force']);
    expect(forced.code, forced.out).toBe(0);
    expect(forced.out).toMatch(/restart the server now/);

    const target = tempDir();
    const other = await startTestServer({ PLENARY_DATA_DIR: target });
    await other.close();
    const replaced = await script('restore', [file, '--data-dir', target]);
    expect(replaced.code, replaced.out).toBe(0);
    const kept = fs.readdirSync(target).filter((f) => f.startsWith('plenary.sqlite.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(replaced.out).toContain(kept[0]);

    expect((await script('restore', [path.join(work, 'missing.sqlite'), '--data-dir', target])).out).toMatch(/does not exist/);
    const bogus = path.join(work, 'bogus.sqlite');
    fs.writeFileSync(bogus, 'not a database');
    expect((await script('restore', [bogus, '--data-dir', target])).code).toBe(1);
  });
});
