import type { Page } from 'playwright-core';

/**
 * Compares two PNG screenshots in Chromium itself (no image library): both
 * decoded onto canvases, a pixel counts as changed when a colour channel
 * moved by more than `tolerance` (anti-aliasing and font hinting move a
 * few levels). Returns the share of changed pixels and a picture of them
 * (changed pixels red over a faded copy of the new shot).
 */
export interface PixelDiff {
  sameSize: boolean;
  changedPixels: number;
  totalPixels: number;
  ratio: number;
  diffPng: Buffer | null;
}

export async function diffPngs(page: Page, before: Buffer, after: Buffer, tolerance = 32): Promise<PixelDiff> {
  const result = await page.evaluate(
    async ({ a, b, tolerance }) => {
      const load = async (base64: string) => {
        const image = new Image();
        image.src = `data:image/png;base64,${base64}`;
        await image.decode();
        const canvas = document.createElement('canvas');
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        const context = canvas.getContext('2d', { willReadFrequently: true })!;
        context.drawImage(image, 0, 0);
        return { canvas, data: context.getImageData(0, 0, canvas.width, canvas.height) };
      };
      const [x, y] = [await load(a), await load(b)];
      if (x.canvas.width !== y.canvas.width || x.canvas.height !== y.canvas.height) {
        return { sameSize: false, changedPixels: y.canvas.width * y.canvas.height, totalPixels: y.canvas.width * y.canvas.height, diff: null };
      }
      const out = new ImageData(y.canvas.width, y.canvas.height);
      let changed = 0;
      for (let i = 0; i < y.data.data.length; i += 4) {
        const moved = Math.max(Math.abs(x.data.data[i]! - y.data.data[i]!), Math.abs(x.data.data[i + 1]! - y.data.data[i + 1]!), Math.abs(x.data.data[i + 2]! - y.data.data[i + 2]!));
        if (moved > tolerance) {
          changed += 1;
          out.data.set([220, 0, 0, 255], i);
        } else {
          const grey = (y.data.data[i]! + y.data.data[i + 1]! + y.data.data[i + 2]!) / 3;
          out.data.set([grey, grey, grey, 60], i);
        }
      }
      let diff: string | null = null;
      if (changed > 0) {
        const canvas = document.createElement('canvas');
        canvas.width = out.width;
        canvas.height = out.height;
        canvas.getContext('2d')!.putImageData(out, 0, 0);
        diff = canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
      }
      return { sameSize: true, changedPixels: changed, totalPixels: out.width * out.height, diff };
    },
    { a: before.toString('base64'), b: after.toString('base64'), tolerance },
  );
  return {
    sameSize: result.sameSize,
    changedPixels: result.changedPixels,
    totalPixels: result.totalPixels,
    ratio: result.totalPixels === 0 ? 0 : result.changedPixels / result.totalPixels,
    diffPng: result.diff ? Buffer.from(result.diff, 'base64') : null,
  };
}
