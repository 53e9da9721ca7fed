import { isNeuronKind, PARAM_NAMES, type LayerKind, type LayerSpec, type ParamName, type Resolved } from './options';
import { layerLayout as layout } from '../binding';

/** Every array of a slab starts at a multiple of this many bytes (a cache line). */
const ALIGN = 64;

/**
 * Places a header of `headerBytes` and then arrays of the given byte sizes,
 * one after another, each at a multiple of 64 bytes: the layout of every
 * slab, layers' and connections' (lib/network/linear.ts). Returns each
 * array's byte offset and the buffer, zero-filled.
 */
export function placeArrays(headerBytes: number, sizes: readonly number[]): { offsets: number[]; buffer: ArrayBuffer } {
  let end = headerBytes;
  const offsets = sizes.map((bytes) => {
    const at = Math.ceil(end / ALIGN) * ALIGN;
    end = at + bytes;
    return at;
  });
  return { offsets, buffer: new ArrayBuffer(Math.ceil(end / ALIGN) * ALIGN) };
}

/** Whether the model has an adaptive offset theta: the models the addon records it for (abi kModelTraits). */
export function hasTheta(kind: LayerKind): boolean {
  const records: Partial<Record<LayerKind, readonly string[]>> = layout.recordsOf;
  return records[kind]?.includes('theta') === true;
}

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
  /** The adaptive offset on top of thresh (AdaptiveThresholdLIFNeuron; empty for the other models). */
  theta: Float32Array;
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
  const theta = hasTheta(spec.kind);
  const perNeuron = PARAM_NAMES.filter((name) => spec.params[name] instanceof Float32Array);
  const floatArrays = (neuron ? 5 : 1) + (theta ? 1 : 0) + perNeuron.length;

  const { offsets, buffer } = placeArrays(layout.headerBytes, [...Array.from({ length: floatArrays }, () => 4 * n), n]);
  const spikesAt = offsets[floatArrays];

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
  const thetaView = theta ? floats(offsets[next++]) : empty;

  const header = new Float64Array(buffer, 0, layout.slots.count);
  const s = layout.slots;
  header[s.magic] = layout.magic;
  header[s.model] = model;
  header[s.update] = layout.updates[spec.update];
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
  header[s.theta] = theta ? thetaView.byteOffset : -1;
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

  return { buffer, spikes: new Uint8Array(buffer, spikesAt, n), trace, ...views, theta: thetaView, params };
}
