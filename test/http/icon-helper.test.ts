import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iconSources } from '../../server/http/icon-set.ts';
import { Views } from '../../server/http/views.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** A throwaway templates directory: the helper is tested through a real Handlebars render, as pages use it. */
function templates(pages: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plenary-icons-'));
  fs.mkdirSync(path.join(dir, 'partials'));
  fs.mkdirSync(path.join(dir, 'pages'));
  fs.writeFileSync(path.join(dir, 'layout.hbs'), '<main dir="{{dir lang}}">{{body}}</main>');
  for (const [name, source] of Object.entries(pages)) fs.writeFileSync(path.join(dir, 'pages', `${name}.hbs`), source);
  return dir;
}

describe('the {{icon}} template helper', () => {
  let dir: string;
  let views: Views;
  beforeAll(() => {
    dir = templates({
      mute: '<button type="button">{{icon "mic-off"}}{{t "muteMic"}}</button>',
      signout: '<button type="submit">{{icon "log-out"}}Sign out</button>',
      typo: '<button type="button">{{icon "microphone"}}Mute</button>',
      missing: '<button type="button">{{icon}}Mute</button>',
    });
    views = new Views(dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('inlines the icon as a decorative SVG: hidden from assistive technology and tab order, sized by CSS', () => {
    const html = views.render('mute', { lang: 'en', title: 't' });
    const svg = /<button type="button">(<svg [^>]*>)(.*?)<\/svg>([^<]*)<\/button>/.exec(html);
    expect(svg, html).not.toBeNull();
    const [, open, drawing, label] = svg!;
    expect(open).toContain('aria-hidden="true"');
    expect(open).toContain('focusable="false"');
    expect(open).toContain('class="icon icon-mic-off"');
    expect(open).toContain('stroke="currentColor"');
    // Sized by the stylesheet, and no style attribute (the CSP refuses inline styles).
    expect(open).not.toMatch(/\s(width|height|style)=/);
    expect(drawing).toMatch(/^<(path|line|rect|circle)/);
    // No whitespace text in the SVG, so the button's text is its label alone.
    expect(drawing).not.toMatch(/>\s+</);
    expect(label).toBe('Mute microphone');
  });

  it('draws the same icon the package ships (no external request, no sprite)', () => {
    const html = views.render('mute', { lang: 'en', title: 't' });
    const firstPath = /<path [^>]*\/>/.exec(iconSources['mic-off'])?.[0];
    expect(firstPath).toBeDefined();
    expect(html).toContain(firstPath);
    expect(html).not.toMatch(/<use |href=/);
  });

  it('marks icons that point along the reading direction, so right-to-left pages mirror them', () => {
    expect(views.render('signout', { lang: 'ar', title: 't' })).toContain('class="icon icon-log-out icon-directional"');
    expect(views.render('mute', { lang: 'ar', title: 't' })).not.toContain('icon-directional');
  });

  it('refuses an unknown icon name at render time with an error naming it, instead of rendering nothing', () => {
    expect(() => views.render('typo', { lang: 'en', title: 't' })).toThrow(/unknown icon "microphone"/);
  });

  it('refuses a missing icon name', () => {
    expect(() => views.render('missing', { lang: 'en', title: 't' })).toThrow(/unknown icon/);
  });

  it('knows every icon the real templates ask for', () => {
    const asked = new Set<string>();
    const walk = (folder: string): void => {
      for (const entry of fs.readdirSync(folder, { withFileTypes: true })) {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('.hbs')) for (const m of fs.readFileSync(full, 'utf8').matchAll(/\{\{icon "([^"]+)"\}\}/g)) asked.add(m[1]!);
      }
    };
    walk(path.join(repoRoot, 'templates'));
    expect(asked.size).toBeGreaterThan(5);
    expect([...asked].filter((name) => !Object.hasOwn(iconSources, name))).toEqual([]);
  });
});
