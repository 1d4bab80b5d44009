/**
 * Which simulcast layer a viewer receives, from the size it shows the video
 * at. Pure, so the rule is tested on its own (layers.test.ts).
 */

export interface SimulcastSource {
  /** The captured height the sender reported (appData.height); 720 when unknown. */
  height: number | undefined;
  /** The producer's encodings, lowest first, as mediasoup stores them. */
  encodings: readonly { scaleResolutionDownBy?: number | undefined }[];
}

export interface PreferredLayers {
  spatialLayer: number;
  temporalLayer: number;
}

const defaultSourceHeight = 720;
/** Accept a layer slightly smaller than the tile: upscaling by 15 % is not visible on a talking head. */
const tolerance = 0.85;

/**
 * The lowest spatial layer whose height covers the tile's height (in device
 * pixels); the highest when none does. Temporal layer: full frame rate,
 * except for thumbnails, which get the lowest.
 */
export function preferredLayers(source: SimulcastSource, tile: { width: number; height: number }): PreferredLayers {
  const count = Math.max(1, source.encodings.length);
  const top = count - 1;
  const sourceHeight = source.height ?? defaultSourceHeight;
  const heights = Array.from({ length: count }, (_, i) => {
    // Without explicit factors, browsers halve each layer below the top.
    const scale = source.encodings[i]?.scaleResolutionDownBy ?? 2 ** (top - i);
    return sourceHeight / scale;
  });
  const wanted = tile.height * tolerance;
  let spatialLayer = heights.findIndex((h) => h >= wanted);
  if (spatialLayer < 0) spatialLayer = top;
  const thumbnail = tile.height > 0 && tile.height < 120;
  return { spatialLayer, temporalLayer: thumbnail ? 0 : 2 };
}
