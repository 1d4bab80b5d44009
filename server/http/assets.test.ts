import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stylesheet } from './assets.ts';

describe('the stylesheet', () => {
  it('is styles.css followed by every file in styles/ in name order', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-css-'));
    fs.writeFileSync(path.join(dir, 'styles.css'), ':root { --base: 1; }');
    fs.mkdirSync(path.join(dir, 'styles'));
    fs.writeFileSync(path.join(dir, 'styles', 'room.css'), '.room { }');
    fs.writeFileSync(path.join(dir, 'styles', 'console.css'), '.console { }');
    fs.writeFileSync(path.join(dir, 'styles', 'notes.txt'), 'not css');
    const css = stylesheet(dir);
    expect(css.indexOf(':root')).toBe(0);
    expect(css.indexOf('.console')).toBeGreaterThan(0);
    expect(css.indexOf('.room')).toBeGreaterThan(css.indexOf('.console'));
    expect(css).not.toContain('not css');
  });

  it('is styles.css alone when there is no styles/ directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-css-'));
    fs.writeFileSync(path.join(dir, 'styles.css'), 'body { }');
    expect(stylesheet(dir)).toBe('body { }');
  });
});
