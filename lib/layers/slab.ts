import { isNeuronKind, PARAM_NAMES, type LayerSpec, type ParamName, type Resolved } from './options';
import { native } from '../binding';

const { layout } = native;
const ALIGN = 64;
const UPDATE_CODES = { linear: 0, exponential: 1 } as const;

/** A layer's whole state: one ArrayBuffer, and typed-array views into it. */
export interface Slab {
  buffer: ArrayBuffer;
  spikes: Uint8Array;
  trace: Float32Array;
  /** Neurons only (empty for inputs). */
  vCell: Float32Array;
  refracCounts: Float32Array;
  /** Whole refractory steps left; refracCounts is this times dt. */
  refracLeft: Float32Array;
  thresh: Float32Array;
  /** Each parameter as a float32 scalar or as its per-neuron view in the slab. */
  params: Partial<Record<ParamName, Resolved>>;
}

/**
 * Lays out the header (slot numbers from the addon) and every array of one
 * layer in a single ArrayBuffer, so a step crosses into native code with one
 * argument for all of its state and parameters.
 */
export function createSlab(spec: LayerSpec, model: number): Slab {
  const { n } = spec;
  const neuron = isNeuronKind(spec.kind);
  const perNeuron = PARAM_NAMES.filter((name) => spec.params[name] instanceof Float32Array);
  const floatArrays = (neuron ? 5 : 1) + perNeuron.length;

  let end = layout.headerBytes;
  const place = (bytes: number): number => {
    const at = Math.ceil(end / ALIGN) * ALIGN;
    end = at + bytes;
    return at;
  };
  const offsets = Array.from({ length: floatArrays }, () => place(4 * n));
  const spikesAt = place(n);
  const buffer = new ArrayBuffer(Math.ceil(end / ALIGN) * ALIGN);

  const floats = (at: number): Float32Array => new Float32Array(buffer, at, n);
  const empty = new Float32Array(0);
  let next = 0;
  const trace = floats(offsets[next++]);
  const views = neuron
    ? {
        vCell: floats(offsets[next++]),
        refracCounts: floats(offsets[next++]),
        refracLeft: floats(offsets[next++]),
        thresh: floats(offsets[next++]),
      }
    : { vCell: empty, refracCounts: empty, refracLeft: empty, thresh: empty };

  const header = new Float64Array(buffer, 0, layout.slots.count);
  const s = layout.slots;
  header[s.magic] = layout.magic;
  header[s.model] = model;
  header[s.update] = UPDATE_CODES[spec.update];
  header[s.cells] = n;
  header[s.dt] = spec.dt;
  header[s.vRest] = spec.vRest;
  header[s.refracSteps] = spec.refracSteps;
  header[s.trace] = trace.byteOffset;
  header[s.spikes] = spikesAt;
  header[s.vCell] = views.vCell.byteOffset;
  header[s.refracCounts] = views.refracCounts.byteOffset;
  header[s.refracLeft] = views.refracLeft.byteOffset;
  header[s.thresh] = views.thresh.byteOffset;
  const params: Partial<Record<ParamName, Resolved>> = {};
  PARAM_NAMES.forEach((name: ParamName, p) => {
    const value: Resolved | undefined = spec.params[name];
    header[s.params + 2 * p] = typeof value === 'number' ? value : 0;
    header[s.params + 2 * p + 1] = -1;
    if (value instanceof Float32Array) {
      const view = floats(offsets[next++]);
      view.set(value);
      header[s.params + 2 * p + 1] = view.byteOffset;
      params[name] = view;
    } else if (value !== undefined) {
      params[name] = value;
    }
  });

  return { buffer, spikes: new Uint8Array(buffer, spikesAt, n), trace, ...views, params };
}
