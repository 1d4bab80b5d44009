import fs from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import * as esbuild from 'esbuild';

export interface ClientAssets {
  router: Router;
}

/**
 * Bundles the browser scripts in client/ once at start-up (esbuild, in
 * memory), so a fresh clone needs no separate build step and the served
 * script always matches the source.
 */
export async function buildClientAssets(clientDir: string): Promise<ClientAssets> {
  const entries = fs
    .readdirSync(clientDir)
    .filter((f) => f.endsWith('.entry.ts'))
    .map((f) => path.join(clientDir, f));
  const result = await esbuild.build({
    entryPoints: entries,
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    write: false,
    outdir: '/assets',
    entryNames: '[name]',
    minify: process.env.NODE_ENV === 'production',
    sourcemap: false,
    logLevel: 'silent',
    legalComments: 'none',
  });
  const files = new Map<string, string>();
  for (const out of result.outputFiles) {
    files.set(path.basename(out.path).replace('.entry.js', '.js'), out.text);
  }
  files.set('styles.css', fs.readFileSync(path.join(clientDir, 'styles.css'), 'utf8'));

  const router = Router();
  router.get('/assets/:file', (req, res, next) => {
    const body = files.get(req.params.file);
    if (body === undefined) {
      next();
      return;
    }
    res.type(req.params.file.endsWith('.css') ? 'text/css' : 'text/javascript');
    res.setHeader('Cache-Control', 'no-cache');
    res.send(body);
  });
  return { router };
}
