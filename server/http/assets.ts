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
  files.set('styles.css', stylesheet(clientDir));
  const fonts = selfHostedFonts(path.join(clientDir, '..', 'node_modules', '@fontsource'));
  files.set('fonts.css', fonts.css);

  const router = Router();
  // Font files never change under a versioned path: a year's cache, immutable.
  router.get('/assets/fonts/:version/:file', (req, res, next) => {
    const file = fonts.files.get(req.params.file);
    if (file === undefined || req.params.version !== fonts.version) {
      next();
      return;
    }
    res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
    res.type('font/woff2');
    res.sendFile(file);
  });
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

/**
 * One stylesheet for every page: client/styles.css (tokens, base, shared
 * components) followed by client/styles/*.css in name order, so each area
 * (room, consoles, projector) keeps its rules in its own file while pages
 * still load a single cached file.
 */
export function stylesheet(clientDir: string): string {
  const partsDir = path.join(clientDir, 'styles');
  const parts = fs.existsSync(partsDir)
    ? fs
        .readdirSync(partsDir)
        .filter((f) => f.endsWith('.css'))
        .sort()
    : [];
  return [
    fs.readFileSync(path.join(clientDir, 'styles.css'), 'utf8'),
    ...parts.map((f) => `/* ${f} */\n${fs.readFileSync(path.join(partsDir, f), 'utf8')}`),
  ].join('\n');
}

/** The self-hosted faces: Noto Sans (Latin, Cyrillic, Greek), Noto Sans SC (Chinese) and Noto Sans Arabic. */
const fontPackages = ['noto-sans', 'noto-sans-sc', 'noto-sans-arabic'];
/** Regular and bold only: every weight the stylesheet uses (600 and up render bold, below renders regular). */
const fontWeights = ['400', '700'];

/**
 * Reads the @fontsource packages' own @font-face rules (one per
 * unicode-range slice, so a page downloads only the slices its text uses)
 * and points them at /assets/fonts/<version>/, keeping the woff2 sources
 * only (every supported browser reads woff2). Only the files those rules
 * name are served; nothing is copied into the repository.
 */
export function selfHostedFonts(fontsourceDir: string): { css: string; files: Map<string, string>; version: string } {
  const files = new Map<string, string>();
  const versions: string[] = [];
  const css: string[] = [];
  for (const pkg of fontPackages) {
    const dir = path.join(fontsourceDir, pkg);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
    versions.push(manifest.version);
    for (const weight of fontWeights) {
      const source = fs.readFileSync(path.join(dir, `${weight}.css`), 'utf8');
      css.push(
        source.replace(/src:\s*url\(\.\/files\/([\w.-]+\.woff2)\) format\('woff2'\)[^;]*;/g, (_all, file: string) => {
          files.set(file, path.join(dir, 'files', file));
          return `src: url(/assets/fonts/@VERSION@/${file}) format('woff2');`;
        }),
      );
    }
  }
  const version = [...new Set(versions)].join('-');
  return { css: css.join('\n').replaceAll('@VERSION@', version), files, version };
}
