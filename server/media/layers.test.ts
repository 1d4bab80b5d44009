import { describe, expect, it } from 'vitest';
import { preferredLayers } from './layers.ts';

const threeLayers = { height: 720, encodings: [{ scaleResolutionDownBy: 4 }, { scaleResolutionDownBy: 2 }, { scaleResolutionDownBy: 1 }] };

describe('simulcast layer from the tile size', () => {
  it('gives a small tile the lowest layer and a thumbnail the lowest frame rate', () => {
    expect(preferredLayers(threeLayers, { width: 160, height: 90 })).toEqual({ spatialLayer: 0, temporalLayer: 0 });
    expect(preferredLayers(threeLayers, { width: 320, height: 180 })).toEqual({ spatialLayer: 0, temporalLayer: 2 });
  });

  it('picks the lowest layer that covers the tile, tolerating a little upscaling', () => {
    expect(preferredLayers(threeLayers, { width: 640, height: 360 })).toMatchObject({ spatialLayer: 1 });
    expect(preferredLayers(threeLayers, { width: 600, height: 400 })).toMatchObject({ spatialLayer: 1 });
    expect(preferredLayers(threeLayers, { width: 1280, height: 720 })).toMatchObject({ spatialLayer: 2 });
  });

  it('falls back to the top layer for tiles larger than the source', () => {
    expect(preferredLayers(threeLayers, { width: 3840, height: 2160 })).toMatchObject({ spatialLayer: 2 });
  });

  it('assumes halving per layer and a 720p source when the sender said nothing', () => {
    expect(preferredLayers({ height: undefined, encodings: [{}, {}, {}] }, { width: 640, height: 360 })).toMatchObject({ spatialLayer: 1 });
    expect(preferredLayers({ height: undefined, encodings: [{}] }, { width: 640, height: 360 })).toMatchObject({ spatialLayer: 0 });
  });
});
