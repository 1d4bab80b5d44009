import { describe, expect, it } from 'vitest';
import { geometry, itemLine, lowerThird, mainIndex, slotOrder, type StageVideo } from './layout.ts';
import { ffmpegArgs, webcastOptions, type EncoderPlan } from './ffmpeg.ts';
import { parseCharset, type FontFace } from './fonts.ts';
import { selectInputs } from './session-encoder.ts';
import type { ProducerDescription } from '../session-media.ts';

const video = (participantId: string, extra: Partial<StageVideo> = {}): StageVideo => ({ producerId: `v-${participantId}`, participantId, name: participantId, source: 'camera', right: 'panel', ...extra });
const none = { speaker: null, floor: null };

describe('the webcast composition', () => {
  it('puts the active speaker’s camera large and keeps the others in stage order in the strip', () => {
    const stage = [video('ana'), video('ben'), video('cho')];
    expect(slotOrder(stage, none)).toEqual([0, 1, 2]);
    expect(slotOrder(stage, { speaker: 'cho', floor: null })).toEqual([2, 0, 1]);
    expect(slotOrder(stage, { speaker: 'ben', floor: null })).toEqual([1, 0, 2]);
    // A speaker without a camera on the stage changes nothing.
    expect(slotOrder(stage, { speaker: 'nobody', floor: null })).toEqual([0, 1, 2]);
    expect(slotOrder([], { speaker: 'ana', floor: null })).toEqual([]);
  });

  it('shows the delegate holding the floor large over the active speaker, then a played statement, then a shared screen', () => {
    const stage = [video('ana', { source: 'screen' }), video('ben'), video('del', { right: 'floor' }), video('rec', { right: 'playback' })];
    expect(mainIndex(stage, { speaker: 'ben', floor: null })).toBe(2);
    expect(mainIndex(stage.filter((v) => v.right !== 'floor'), { speaker: 'ben', floor: null })).toBe(2);
    expect(mainIndex(stage.filter((v) => v.right !== 'floor' && v.right !== 'playback'), { speaker: 'ben', floor: null })).toBe(0);
    // The floor as the queue says it, before the delegate's video is marked (a restart, another process).
    expect(mainIndex([video('ana'), video('ben')], { speaker: 'ana', floor: 'ben' })).toBe(1);
  });

  it('lays one video out full frame and more as a large picture over a centred strip, with a fixed sign inset', () => {
    const one = geometry(1280, 720, 1);
    expect(one.main).toEqual({ x: 0, y: 0, w: 1280, h: 720 });
    expect(one.strip).toEqual([]);
    const three = geometry(1280, 720, 3);
    expect(three.main).toEqual({ x: 160, y: 0, w: 960, h: 540 });
    expect(three.strip).toEqual([{ x: 320, y: 540, w: 320, h: 180 }, { x: 640, y: 540, w: 320, h: 180 }]);
    expect(geometry(1280, 720, 9).strip).toHaveLength(4);
    // The inset is where it is whatever the stage holds, inside the frame, and even-sized for 4:2:0 video.
    expect(three.sign).toEqual(one.sign);
    const { x, y, w, h } = three.sign;
    expect(x + w).toBeLessThanOrEqual(1280);
    expect(y + h).toBeLessThanOrEqual(720);
    for (const n of [x, y, w, h]) expect(n % 2).toBe(0);
  });

  it('names people as lower thirds: a government delegate by country, others by organisation', () => {
    expect(lowerThird({ name: 'Kwame Mensah', country: 'GH', organization: 'Ministry of Labour', group: 'government' })).toBe('Kwame Mensah, Ghana');
    expect(lowerThird({ name: 'Ana Silva', country: 'BR', organization: 'CUT', group: 'workers' })).toBe('Ana Silva, CUT');
    expect(lowerThird({ name: 'Ana Silva', country: 'BR', organization: '', group: 'workers' })).toBe('Ana Silva, Brazil');
    expect(lowerThird({ name: 'A played statement' })).toBe('A played statement');
    expect(lowerThird({ name: 'Line\nbreak', country: 'FR', group: 'government' })).toBe('Line break, France');
    expect(lowerThird({ name: 'x'.repeat(100) }).length).toBe(70);
    expect(itemLine({ title: 'Opening statement', speaker: 'Director-General' })).toBe('Opening statement · Director-General');
    expect(itemLine(null)).toBe('');
  });

  it('keeps the sign-language interpreter out of the stage videos and in its own inset', () => {
    const p = (producerId: string, info: Partial<ProducerDescription['info']>): ProducerDescription => ({
      info: { producerId, participantId: producerId, name: producerId, kind: 'video', source: 'camera', right: 'panel', language: null, paused: false, pausedByModerator: false, ...info },
      height: undefined,
      encodings: [],
    });
    const s = selectInputs([
      p('sign', { right: 'sign' }),
      p('ana', {}),
      p('del', { right: 'floor' }),
      p('mic', { kind: 'audio', source: 'mic' }),
      p('fr', { kind: 'audio', source: 'interpretation', language: 'fr' }),
      p('off', { paused: true }),
    ]);
    expect(s.videos.map((v) => v.participantId)).toEqual(['del', 'ana']);
    expect(s.sign?.participantId).toBe('sign');
    expect(s.floor).toEqual([{ producerId: 'mic' }]);
    expect(s.channels).toEqual([{ producerId: 'fr', language: 'fr' }]);
  });

  it('draws every lower third once per installed face, each from its own file, a face inside a collection by its fontconfig pattern', () => {
    const face = (id: string, file: string, index: number): FontFace => ({ id, pattern: `Font ${id}:style=Bold`, file, index, ranges: parseCharset('20-7e'), prefers: ['other'] });
    const plan: EncoderPlan = {
      inputs: [
        { kind: 'video', role: 'video', sdpPath: '/run/video-0.sdp' },
        { kind: 'video', role: 'video', sdpPath: '/run/video-1.sdp' },
        { kind: 'video', role: 'sign', sdpPath: '/run/sign.sdp' },
        { kind: 'audio', role: 'floor', sdpPath: '/run/floor-0.sdp' },
      ],
      languages: [],
      dir: '/web',
      run: 1,
      offsetSeconds: 0,
      layout: { order: [0, 1], slotFiles: ['/run/slot-0.txt', '/run/slot-1.txt'], itemFile: '/run/item.txt', signFile: '/run/sign.txt' },
    };
    const graph = (faces: FontFace[]): string => {
      const args = ffmpegArgs(plan, webcastOptions({}, { fonts: { faces, missing: [], problem: null } }));
      return args[args.indexOf('-filter_complex') + 1] ?? '';
    };
    const drawn = graph([face('latin', '/fonts/DejaVuSans-Bold.ttf', 0), face('zh', '/fonts/NotoSansCJK-Bold.ttc', 2)]);
    for (const file of ['slot-0', 'slot-1', 'item', 'sign']) {
      expect(drawn).toContain(`:textfile='/run/${file}.latin.txt':`);
      expect(drawn).toContain(`:textfile='/run/${file}.zh.txt':`);
    }
    expect(drawn.match(/drawtext=/g)).toHaveLength(8);
    expect(drawn).toContain("drawtext=fontfile='/fonts/DejaVuSans-Bold.ttf':");
    // ffmpeg's filter syntax: the pattern's colon escaped inside the quotes.
    expect(drawn).toContain("drawtext=fontfile='Font zh\\:style=Bold':");
    expect(graph([])).not.toContain('drawtext');
  });

  it('makes the holding picture with nothing to consume: the background, silence on the floor and on each language kept', () => {
    const plan: EncoderPlan = {
      inputs: [],
      languages: [],
      silentLanguages: ['es', 'fr'],
      dir: '/webcast/s',
      run: 4,
      offsetSeconds: 60,
      layout: { order: [], slotFiles: [], itemFile: '/run/item.txt', signFile: '/run/sign.txt' },
    };
    const args = ffmpegArgs(plan, webcastOptions({}, { fonts: { faces: [], missing: [], problem: null } }));
    const inputs = args.flatMap((a, i) => (a === '-i' ? [args[i + 1]] : []));
    // The background, the floor's silence, then one silence per language, in that order, all before the graph.
    expect(inputs).toEqual([expect.stringMatching(/^color=c=0x1d2433:/), 'anullsrc=r=48000:cl=stereo', 'anullsrc=r=48000:cl=stereo', 'anullsrc=r=48000:cl=stereo']);
    expect(args.lastIndexOf('-i')).toBeLessThan(args.indexOf('-filter_complex'));
    const mapped = (output: string): string => args[args.lastIndexOf('-map', args.indexOf(`/webcast/s/${output}.m3u8`)) + 1] ?? '';
    expect([mapped('audio-floor'), mapped('audio-es'), mapped('audio-fr')]).toEqual(['[floor]', '2:a', '3:a']);
    expect(args).toContain('/webcast/s/audio-es-r4-%05d.ts');
  });
});
