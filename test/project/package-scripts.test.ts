import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/http/app.ts';

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** The files an npm script hands to node (scripts/…, server/…): every one must exist. */
function filesNamedBy(command: string): string[] {
  return [...command.matchAll(/(?:^|\s)((?:scripts|server)\/[\w./-]+\.(?:m?js|ts))(?=\s|$)/g)].map((m) => m[1] ?? '');
}

describe('package.json scripts', () => {
  it.each(Object.entries(pkg.scripts))('"%s" names only files that exist', (_name, command) => {
    for (const file of filesNamedBy(command)) expect(fs.existsSync(path.join(repoRoot, file)), file).toBe(true);
  });
});
