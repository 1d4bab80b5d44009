// npm 11 skips dependencies' install scripts unless package.json's
// allowScripts covers them, and warns on every install about those it does
// not ("npm warn install-scripts ..."). Every locked package with an install
// script is decided there, approved or denied, so a fresh install is quiet.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;

describe('install scripts', () => {
  it('allowScripts decides every locked package that has one (esbuild and mediasoup approved)', () => {
    const allow = (read('package.json').allowScripts ?? {}) as Record<string, boolean>;
    const packages = read('package-lock.json').packages as Record<string, { hasInstallScript?: boolean; version?: string }>;
    const withScripts = Object.entries(packages)
      .filter(([key, p]) => key.startsWith('node_modules/') && p.hasInstallScript)
      .map(([key, p]) => ({ name: key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length), version: p.version }));
    expect(withScripts.map((p) => p.name).sort()).toEqual(['esbuild', 'mediasoup']);
    for (const p of withScripts) {
      const decided = Object.keys(allow).some((entry) => entry === p.name || entry === `${p.name}@${p.version}`);
      expect(decided, `${p.name}@${p.version} in allowScripts`).toBe(true);
    }
    expect(allow).toMatchObject({ esbuild: true, mediasoup: true });
  });
});
