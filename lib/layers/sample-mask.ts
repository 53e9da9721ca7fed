import { invalidParameter } from '../errors';

/** Which samples of a batch an operation applies to: one truthy/falsy entry per sample. */
export type SampleMask = ArrayLike<boolean | number>;

/**
 * The element ranges [from, to) of the samples a mask selects, for a layout
 * with `perSample` elements per sample, batch first. No mask: the whole batch.
 */
export function sampleRanges(mask: SampleMask | undefined, batch: number, perSample: number): Array<[number, number]> {
  if (mask === undefined) return [[0, batch * perSample]];
  const ok = mask !== null && typeof mask === 'object' && typeof (mask as ArrayLike<unknown>).length === 'number';
  if (!ok || mask.length !== batch) {
    throw invalidParameter('mask', `one entry per sample (${batch}), true to reset that sample`, mask, ok ? 'range' : 'type');
  }
  const ranges: Array<[number, number]> = [];
  for (let b = 0; b < batch; b++) if (mask[b]) ranges.push([b * perSample, (b + 1) * perSample]);
  return ranges;
}
