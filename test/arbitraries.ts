// Random valid layers and inputs for the property tests (fast-check), and
// the exact state comparisons they and the save/restore tests share.
import fc from 'fast-check';

import * as spiking from '../lib';
import { build as buildClass, type AnyLayer, type GoldenCase } from './golden';
import { rng as prng } from './helpers';

export type { AnyLayer };
/** PySNN's classes (the golden file's) and the library's own AdaptiveThresholdLIFNeuron. */
export type LayerClass = GoldenCase['class'] | 'AdaptiveThresholdLIFNeuron';
export const LAYER_CLASSES: readonly LayerClass[] = ['Input', 'IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron', 'AdaptiveThresholdLIFNeuron'];

/** Fixed seed for `npm test`; SPIKING_PROPERTY_RUNS=10000 (and SPIKING_PROPERTY_SEED) for longer or other runs. */
export const PROPERTY_SEED = Number(process.env.SPIKING_PROPERTY_SEED ?? 20250611);
const requestedRuns = Number(process.env.SPIKING_PROPERTY_RUNS ?? 0);
/** How many cases a property tries: its default in `npm test`, or SPIKING_PROPERTY_RUNS for all. */
export function runs(byDefault: number): number {
  return requestedRuns > 0 ? requestedRuns : byDefault;
}
/** A jest timeout that grows with the number of runs. */
export function timeout(byDefault: number, defaultMs = 60_000): number {
  return Math.max(defaultMs, Math.ceil((runs(byDefault) / byDefault) * defaultMs));
}

// ---- a small deterministic generator for bulk values ------------------------

/** mulberry32 (test/helpers.ts): fills big arrays from one fast-check-chosen seed (shrinks to the seed). */
export { prng };

const GRID = [0, 0, 0, 0.25, 0.5, 0.5, 1, 1, -0.5, 2, 0.125, -1];
const SPECIAL = [NaN, Infinity, -Infinity, -0, 3.4e38, -3.4e38, 1e-45, 1e-38];

/**
 * Input values: 'grid' (coarse, so that spikes and resets happen), 'wide'
 * (random float32), 'special' (some NaN, ±Inf, -0, extremes).
 */
export type ValueMix = 'grid' | 'wide' | 'special';
export function fillValues(out: Float32Array, seed: number, mix: ValueMix): Float32Array {
  const r = prng(seed);
  for (let i = 0; i < out.length; i++) {
    const u = r();
    if (mix === 'special' && u < 0.05) out[i] = SPECIAL[Math.floor(r() * SPECIAL.length)];
    else if (mix === 'grid' || u < 0.5) out[i] = GRID[Math.floor(r() * GRID.length)];
    else out[i] = Math.fround((r() - 0.3) * 4);
  }
  return out;
}

// ---- layers -------------------------------------------------------------------

export interface LayerConfig {
  cls: LayerClass;
  options: Record<string, unknown>;
  n: number;
}

/** A shape of n neurons: [n], [1, n], [b, n / b] or [b, c, n / (b c)]. */
function shapeOf(n: number, cut: number[]): number[] {
  const divisors = (m: number) => Array.from({ length: m }, (_, i) => i + 1).filter((d) => m % d === 0);
  const style = cut[0] % 4;
  if (style === 0) return [n];
  if (style === 1) return [1, n];
  const ds = divisors(n);
  const b = ds[cut[1] % ds.length];
  if (style === 2) return [b, n / b];
  const ds2 = divisors(n / b);
  const c = ds2[cut[2] % ds2.length];
  return [b, c, n / b / c];
}

/** n from 1 to 70 mostly, sometimes up to 1100. */
export const sizeArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 70 }) },
  { weight: 1, arbitrary: fc.integer({ min: 71, max: 1100 }) },
);

const f32In = (min: number, max: number) =>
  fc.oneof(
    fc.float({ min: Math.fround(min), max: Math.fround(max), noNaN: true }),
    fc.constantFrom(...GRID.filter((g) => g >= min && g <= max)),
  );

/** A parameter: one number, or per neuron as a Float32Array or a number[]. */
function perNeuron(values: fc.Arbitrary<number>, n: number): fc.Arbitrary<number | Float32Array | number[]> {
  return fc.oneof(
    { weight: 3, arbitrary: values },
    { weight: 1, arbitrary: fc.array(values, { minLength: n, maxLength: n }).map((a) => Float32Array.from(a)) },
    { weight: 1, arbitrary: fc.array(values, { minLength: n, maxLength: n }) },
  );
}

const DTS = [1, 0.5, 0.25, 0.1, 0.001, 2, 0.2];

/**
 * Valid options for any class: scalar or per-neuron parameters, both update
 * types, refractory on or off, storeTrace. `fixed` sets the shape and dt (a
 * layer of a network).
 */
export function configArb(
  classes: readonly LayerClass[] = LAYER_CLASSES,
  fixed?: { cellsShape: number[]; dt: number },
): fc.Arbitrary<LayerConfig> {
  return fc
    .record({
      cls: fc.constantFrom(...classes),
      n: fixed ? fc.constant(fixed.cellsShape.reduce((a, b) => a * b, 1)) : sizeArb,
      cut: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
      update: fc.constantFrom('linear', 'exponential'),
      dt: fixed ? fc.constant(fixed.dt) : fc.constantFrom(...DTS),
      refracSteps: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4 })),
      storeTrace: fc.boolean(),
      explicitUpdate: fc.boolean(),
    })
    .chain(({ cls, n, cut, update, dt, refracSteps, storeTrace, explicitUpdate }) => {
      const exponential = cls === 'FedeNeuron' || update === 'exponential';
      const decay = exponential ? f32In(0.05, 8) : f32In(0, 1);
      const base = { cellsShape: fc.constant(fixed?.cellsShape ?? shapeOf(n, cut)), dt: fc.constant(dt) };
      const withUpdate: Record<string, fc.Arbitrary<unknown>> =
        cls !== 'FedeNeuron' && (explicitUpdate || update === 'exponential') ? { updateType: fc.constant(update) } : {};
      const neuron = {
        thresh: perNeuron(f32In(-1, 3), n),
        vRest: f32In(-1, 0.5),
        alphaV: perNeuron(f32In(-1, 2), n),
        alphaT: perNeuron(f32In(-1, 2), n),
        durationRefrac: fc.constant(refracSteps * dt),
        storeTrace: fc.constant(storeTrace),
      };
      const options: Record<string, fc.Arbitrary<unknown>> =
        cls === 'Input'
          ? { ...base, alphaT: perNeuron(f32In(-1, 2), n), tauT: perNeuron(decay, n), ...withUpdate }
          : cls === 'IFNeuron'
            ? { ...base, ...neuron, tauT: perNeuron(decay, n), ...withUpdate }
            : cls === 'FedeNeuron'
              ? { ...base, ...neuron, tauV: perNeuron(decay, n), tauT: perNeuron(decay, n) }
              : {
                  ...base,
                  ...neuron,
                  tauV: perNeuron(decay, n),
                  tauT: perNeuron(decay, n),
                  ...withUpdate,
                  ...(cls === 'AdaptiveLIFNeuron'
                    ? { alphaThresh: perNeuron(f32In(-1, 2), n), tauThresh: perNeuron(decay, n) }
                    : cls === 'AdaptiveThresholdLIFNeuron'
                      ? { thetaPlus: perNeuron(f32In(-1, 2), n), tauTheta: perNeuron(decay, n) }
                      : {}),
                };
      return fc.record(options).map((o) => ({ cls, options: o, n }));
    });
}

export function build(config: LayerConfig): AnyLayer {
  return buildClass(config.cls, config.options);
}

/** Overrides one stage with a pass-through, which makes forward take the staged path (README, "Stages"). */
export function forceStaged<T extends AnyLayer>(layer: T): T {
  const proto = Object.getPrototypeOf(layer);
  const updateTrace = proto.updateTrace;
  Object.defineProperty(layer, 'updateTrace', {
    configurable: true,
    value(this: AnyLayer, ...args: unknown[]) {
      return updateTrace.apply(this, args);
    },
  });
  return layer;
}

// ---- networks -------------------------------------------------------------------

export interface EdgeConfig {
  from: number;
  to: number;
  /** One delay for every synapse, or one per synapse, (out, in) row-major. */
  delay: number | number[];
  weightSeed: number;
}

/** A small network: layer 0 an Input (fed by hand or by a PoissonEncoder), then 1-2 neuron layers. */
export interface NetworkConfig {
  batch: number;
  /** Layer 0 is the input layer. */
  layers: LayerConfig[];
  /** The encoder of the input layer (dt 1 ms): its seed and rate in Hz (at most 1000), or null (spikes written into input()). */
  poisson: { seed: number; rate: number } | null;
  /** Instead of poisson: a LatencyEncoder with these settings (intensities drawn from intensitySeed). */
  latency?: { window: number; jitter: number; seed: number; intensitySeed: number } | null;
  edges: EdgeConfig[];
}

const NET_DTS = [1, 0.5, 2];

function edgeArb(from: number, to: number, layers: LayerConfig[], batch: number): fc.Arbitrary<EdgeConfig> {
  const synapses = (layers[from].n / batch) * (layers[to].n / batch);
  return fc.record({
    from: fc.constant(from),
    to: fc.constant(to),
    delay: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: synapses, maxLength: synapses })),
    weightSeed: fc.integer(),
  });
}

/**
 * Input -> hidden (-> out), sometimes input -> out too, and sometimes a
 * feedback edge (a layer onto itself or onto an earlier one).
 */
export const networkArb: fc.Arbitrary<NetworkConfig> = networkArbOf({ batch: 3, width: 6 });

/** networkArb with up to `batch` samples and `width` neurons per sample in each layer. */
export function networkArbOf(most: { batch: number; width: number }): fc.Arbitrary<NetworkConfig> {
  return fc
  .record({
    batch: fc.integer({ min: 1, max: most.batch }),
    widths: fc.array(fc.integer({ min: 1, max: most.width }), { minLength: 2, maxLength: 3 }),
    dt: fc.constantFrom(...NET_DTS),
    poisson: fc.option(fc.record({ seed: fc.nat(), rate: fc.constantFrom(0, 100, 400, 1000) }), { freq: 2 }),
  })
  .chain(({ batch, widths, dt, poisson }) =>
    fc
      .tuple(
        ...widths.map((w, k) =>
          configArb(k === 0 ? ['Input'] : LAYER_CLASSES.filter((c) => c !== 'Input'), { cellsShape: [batch, w], dt }),
        ),
      )
      .chain((layers) => {
        const last = layers.length - 1;
        const forward = layers.slice(1).map((_, k) => edgeArb(k, k + 1, layers, batch));
        const skip = last === 2 ? fc.option(edgeArb(0, 2, layers, batch)) : fc.constant(null);
        const feedback = fc.option(
          fc.tuple(fc.integer({ min: 1, max: last }), fc.nat()).chain(([from, k]) => edgeArb(from, 1 + (k % from), layers, batch)),
          { freq: 2 },
        );
        return fc.tuple(fc.tuple(...forward), skip, feedback).map(([edges, extra, back]) => ({
          batch,
          layers,
          poisson,
          edges: [...edges, ...(extra ? [extra] : []), ...(back ? [back] : [])],
        }));
      }),
  );
}

export const layerName = (k: number): string => (k === 0 ? 'in' : `n${k}`);

/** Builds the network a NetworkConfig describes: the same config always builds the same network. */
export function buildNetwork(config: NetworkConfig): spiking.Network {
  const net = new spiking.Network();
  config.layers.forEach((layer, k) => {
    const cellsShape = layer.options.cellsShape as number[];
    const latency = config.latency;
    const source =
      k !== 0 ? undefined
      : config.poisson ? new spiking.PoissonEncoder({ cellsShape, rates: config.poisson.rate, dt: 1, seed: config.poisson.seed })
      : latency ? new spiking.LatencyEncoder({
          cellsShape,
          intensities: Float64Array.from({ length: layer.n }, (_, i) => prng(latency.intensitySeed + i)()),
          window: latency.window,
          jitter: latency.jitter,
          seed: latency.seed,
          threshold: 0.1,
        })
      : undefined;
    net.addLayer(layerName(k), build(layer), { source });
  });
  for (const edge of config.edges) {
    const inFeatures = config.layers[edge.from].n / config.batch;
    const outFeatures = config.layers[edge.to].n / config.batch;
    const values = fillValues(new Float32Array(inFeatures * outFeatures), edge.weightSeed, 'grid');
    const linear = new spiking.Linear({
      inFeatures,
      outFeatures,
      batchSize: config.batch,
      dt: config.layers[0].options.dt as number,
      delay: edge.delay,
      weight: { init: 'values', values },
    });
    net.connect(layerName(edge.from), layerName(edge.to), linear);
  }
  return net;
}

/** The operations on a network that the property tests share. */
export type CommonNetOp = { op: 'step' } | { op: 'reset' } | { op: 'resetMask'; mask: boolean[] } | { op: 'feed'; seed: number } | { op: 'saveLoad' };

/** Applies a shared operation (feed writes seeded random spikes into input 'in' when it has no encoder). */
export function applyCommonOp(net: spiking.Network, config: NetworkConfig, op: CommonNetOp): void {
  switch (op.op) {
    case 'step':
      return net.step();
    case 'reset':
      return net.resetState();
    case 'resetMask':
      return net.resetState(op.mask.slice(0, config.batch));
    case 'feed': {
      if (config.poisson || config.latency) return;
      const r = prng(op.seed);
      const x = net.input('in');
      for (let i = 0; i < x.length; i++) x[i] = r() < 0.4 ? 1 : 0;
      return;
    }
    case 'saveLoad':
      return net.loadState(net.saveState());
  }
}

/** Every layer's state, layer by layer (stateOf), for exact comparison with stateDifference. */
export function networkStateOf(net: spiking.Network): Record<string, ArrayLike<number>> {
  const out: Record<string, ArrayLike<number>> = {};
  for (const name of net.layerNames) {
    for (const [key, value] of Object.entries(stateOf(net.layer(name) as AnyLayer))) out[`${name}.${key}`] = value;
  }
  return out;
}

/** The raw bytes of every layer's state (stateBytes) and of the whole saved network (connections, inputs, time). */
export function networkBytes(net: spiking.Network): Uint8Array[] {
  return [...net.layerNames.flatMap((name) => stateBytes(net.layer(name) as AnyLayer)), net.saveState()];
}

// ---- inputs -------------------------------------------------------------------

/** Where an input array lives: its own buffer, a subarray at an offset in a bigger one, or a SharedArrayBuffer. */
export type Backing = 'plain' | 'offset' | 'shared';

export function floats(length: number, seed: number, mix: ValueMix, backing: Backing): Float32Array {
  if (backing === 'plain') return fillValues(new Float32Array(length), seed, mix);
  const pad = 1 + (seed >>> 0) % 7;
  const buffer = backing === 'shared' ? new SharedArrayBuffer(4 * (length + 2 * pad)) : new ArrayBuffer(4 * (length + 2 * pad));
  const whole = new Float32Array(buffer).fill(Number.NaN); // around the view: poison a kernel reading past it
  return fillValues(whole.subarray(pad, pad + length), seed, mix);
}

export interface StepInput {
  /** Widths of the list parts; one number means a single array (not a list). */
  widths: number[];
  list: boolean;
  seed: number;
  mix: ValueMix;
  backing: Backing;
  /** Input layers: feed a Uint8Array of 0/1 instead of floats. */
  bytes: boolean;
}

export const stepInputArb: fc.Arbitrary<StepInput> = fc.record({
  widths: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
  list: fc.boolean(),
  seed: fc.integer(),
  mix: fc.constantFrom<ValueMix>('grid', 'grid', 'wide', 'special'),
  backing: fc.constantFrom<Backing>('plain', 'offset', 'shared'),
  bytes: fc.boolean(),
});

/** The arguments of one forward call for this layer, made from a StepInput. */
export function forwardArgs(layer: AnyLayer, input: StepInput): unknown[] {
  const n = layer.size;
  if (layer instanceof spiking.Input) {
    if (input.bytes) {
      const r = prng(input.seed);
      return [Uint8Array.from({ length: n }, () => (r() < 0.3 ? 1 : 0))];
    }
    return [floats(n, input.seed, input.mix, input.backing)];
  }
  const widths = input.list ? input.widths : [input.widths[0]];
  const make = (salt: number) => {
    const parts = widths.map((w, s) => floats(n * w, input.seed + 977 * s + salt, input.mix, input.backing));
    return input.list ? parts : parts[0];
  };
  return layer instanceof spiking.FedeNeuron ? [make(0), make(31337)] : [make(0)];
}

export function forward(layer: AnyLayer, args: unknown[]): void {
  (layer.forward as (...a: unknown[]) => unknown)(...args);
}

/** The input arguments of run()/runAsync() for `steps` steps: one time-major array (k values per neuron and step). */
export function runArgs(layer: AnyLayer, input: StepInput, steps: number): unknown[] {
  const n = layer.size;
  if (layer instanceof spiking.Input) {
    if (input.bytes) {
      const r = prng(input.seed);
      return [Uint8Array.from({ length: steps * n }, () => (r() < 0.3 ? 1 : 0))];
    }
    return [floats(steps * n, input.seed, input.mix, input.backing)];
  }
  const size = steps * n * input.widths[0];
  const x = floats(size, input.seed, input.mix, input.backing);
  return layer instanceof spiking.FedeNeuron ? [x, floats(size, input.seed + 31337, input.mix, input.backing)] : [x];
}

/** What a run may record: every state a neuron records, or an input's trace. */
export function recordable(layer: AnyLayer): readonly ('vCell' | 'trace' | 'refracCounts' | 'thresh')[] {
  return layer instanceof spiking.Input ? ['trace'] : ['vCell', 'trace', 'refracCounts', 'thresh'];
}

// ---- exact comparisons -----------------------------------------------------------

const NEURON_STATE = ['spikes', 'vCell', 'trace', 'refracCounts', 'thresh'] as const;
const INPUT_STATE = ['spikes', 'trace'] as const;

/** The internal whole-step refractory counter (not public; the kernels step on it). */
export function refracLeft(layer: AnyLayer): Float32Array {
  return (layer as unknown as { state: { refracLeft: Float32Array } }).state.refracLeft;
}

/** Every state array of a layer, public and internal, and the complete trace, as copies. */
export function stateOf(layer: AnyLayer): Record<string, ArrayLike<number>> {
  const out: Record<string, ArrayLike<number>> = {};
  if (layer instanceof spiking.Input) {
    for (const key of INPUT_STATE) out[key] = layer[key].slice();
    return out;
  }
  for (const key of NEURON_STATE) out[key] = layer[key].slice();
  out.refracLeft = refracLeft(layer).slice();
  const complete = layer.completeTrace;
  if (complete) {
    out.completeTrace = complete.data;
    out.completeTraceShape = complete.shape;
  }
  return out;
}

/**
 * The first difference between two states, element by element with Object.is
 * (so -0 differs from 0 and NaN equals NaN), or null. Describes where.
 */
export function stateDifference(a: Record<string, ArrayLike<number>>, b: Record<string, ArrayLike<number>>): string | null {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const x = a[key];
    const y = b[key];
    if (!x || !y) return `${key}: present in only one state`;
    if (x.length !== y.length) return `${key}: length ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return `${key}[${i}]: ${x[i]} vs ${y[i]}`;
  }
  return null;
}

/** The raw bytes of every state array, to check that a rejected call changed not a single bit. */
export function stateBytes(layer: AnyLayer): Uint8Array[] {
  const views: ArrayBufferView[] =
    layer instanceof spiking.Input
      ? [layer.spikes, layer.trace]
      : [layer.spikes, layer.vCell, layer.trace, layer.refracCounts, layer.thresh, refracLeft(layer)];
  const out: Uint8Array[] = views.map((v) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice());
  if (!(layer instanceof spiking.Input) && layer.completeTrace) out.push(layer.completeTrace.data);
  return out;
}

/** Errors the API may throw for bad input; by name, since jest's realm differs from the addon's. */
export function isTypeOrRangeError(error: unknown): error is Error {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof error === 'object' && error !== null && (name === 'TypeError' || name === 'RangeError');
}

export function sameBytes(a: Uint8Array[], b: Uint8Array[]): boolean {
  return a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => v === b[i][j]));
}
