import path from 'node:path';
import * as esbuild from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plenary } from '../../server/plenary.ts';
import { hasChromium, launchChromium, openRoom } from '../support/browser.ts';
import { createParticipant, eventId } from '../support/realtime.ts';
import { startTestServer } from '../support/server.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

describe.skipIf(!hasChromium)('icons in headless Chromium (issue 17)', () => {
  let server: Plenary;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the served room script holds the icons it uses and none of the rest of the set', async () => {
    const script = await (await fetch(`${server.url}/assets/room.js`)).text();
    for (const used of ['lucide-mic-off', 'lucide-video', 'lucide-screen-share', 'lucide-captions']) expect(script).toContain(used);
    for (const unused of ['lucide-airplay', 'lucide-zodiac-virgo', 'lucide-banana']) expect(script).not.toContain(unused);
  });

  describe('a state-aware button relabelled by setIconLabel (client/icons.ts)', () => {
    let page: Page;
    beforeAll(async () => {
      const bundle = await esbuild.build({
        entryPoints: [path.join(repoRoot, 'client/icons.ts')],
        bundle: true,
        format: 'iife',
        globalName: 'plenaryIcons',
        write: false,
        logLevel: 'silent',
      });
      page = await browser.newPage();
      await page.setContent('<button type="button" id="mute">Mute microphone</button>');
      await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    });
    afterAll(() => page?.close());

    type Shown = { text: string; icons: string[]; hidden: (string | null)[]; name: string };
    const relabel = (name: string, text: string): Promise<Shown> =>
      page.evaluate(
        ([name, text]) => {
          const button = document.getElementById('mute')!;
          (window as unknown as { plenaryIcons: { setIconLabel(n: HTMLElement, i: string, t: string): void } }).plenaryIcons.setIconLabel(button, name, text);
          const svgs = [...button.querySelectorAll('svg')];
          return { text: button.textContent ?? '', icons: svgs.map((s) => s.getAttribute('class') ?? ''), hidden: svgs.map((s) => s.getAttribute('aria-hidden')), name: button.innerText };
        },
        [name, text] as const,
      );

    it('flips icon and label together, one icon at a time, the text being the label alone', async () => {
      const unmute = await relabel('mic', 'Unmute microphone');
      expect(unmute).toMatchObject({ text: 'Unmute microphone', icons: ['icon icon-mic'], hidden: ['true'] });
      const mute = await relabel('mic-off', 'Mute microphone');
      expect(mute).toMatchObject({ text: 'Mute microphone', icons: ['icon icon-mic-off'], hidden: ['true'] });
      // Relabelling with the same state leaves one icon, not two.
      expect((await relabel('mic-off', 'Mute microphone')).icons).toEqual(['icon icon-mic-off']);
    });

    it('keeps the accessible name to the label (the icon is hidden from it)', async () => {
      await relabel('video-off', 'Stop video');
      const snapshot = await page.locator('#mute').ariaSnapshot();
      expect(snapshot.trim()).toBe('- button "Stop video"');
    });

    it('refuses an unknown icon', async () => {
      await expect(relabel('microphone', 'Mute')).rejects.toThrow(/unknown icon "microphone"/);
    });
  });

  it('sizes icons to the text, mirrors the directional ones in Arabic and leaves media icons as drawn', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      const measure = async (lang: string) => {
        await page.goto(`${server.url}/design?lang=${lang}`);
        return page.evaluate(() => {
          const of = (selector: string) => {
            const svg = document.querySelector<SVGSVGElement>(`#d-icons ~ .button-row ${selector}`)!;
            const box = svg.getBoundingClientRect();
            const fontSize = parseFloat(getComputedStyle(svg.parentElement!).fontSize);
            return { transform: getComputedStyle(svg).transform, width: box.width, fontSize };
          };
          return { out: of('.icon-log-out'), mic: of('.icon-mic-off') };
        });
      };
      const en = await measure('en');
      expect(en.out.transform).toBe('none');
      expect(en.mic.width).toBeCloseTo(en.mic.fontSize * 1.1, 0);
      const ar = await measure('ar');
      expect(ar.out.transform).toBe('matrix(-1, 0, 0, 1, 0, 0)');
      expect(ar.mic.transform).toBe('none');
    } finally {
      await page.close();
    }
  });

  it("the room's icon-only dismiss button keeps its name and shows the x icon instead of a drawn character", async () => {
    const contexts: BrowserContext[] = [];
    try {
      const delegate = await createParticipant(server, { name: 'Icon Delegate', country: 'FR' });
      const page = await openRoom(browser, { url: server.url, participant: delegate, eventId, sessionId: 'thematic-1', contexts, query: '?lang=fr' });
      await page.evaluate(() => (document.getElementById('room-error')!.hidden = false));
      const close = page.locator('#room-error-close');
      expect((await close.ariaSnapshot()).trim()).toMatch(/^- button "\S.*"$/);
      expect(await close.getAttribute('aria-label')).toBe(await close.getAttribute('title'));
      expect(await close.locator('svg.icon-x[aria-hidden="true"]').count()).toBe(1);
      expect(await close.evaluate((b) => getComputedStyle(b, '::before').content)).toBe('none');
      expect(await close.textContent()).toBe('');
    } finally {
      for (const context of contexts) await context.close();
    }
  });
});
