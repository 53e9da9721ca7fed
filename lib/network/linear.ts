import { invalidParameter } from '../errors';
import { connectionLayout as layout, native } from '../binding';
import { readNpy } from '../io/npy';
import { normalFill, seedKey, uniformFill } from './random';
import { sampleRanges, type SampleMask } from '../layers/sample-mask';
import { BusyGuard } from '../layers/run';
import { placeArrays } from '../layers/slab';
import { corruptState, field, onlyFields, type FieldValue, type StateRecord } from '../state/codec';

const RECORD_FIELDS = ['shape', 'dt', 'delay', 'weight', 'head', 'ring'] as const;

/** How a Linear connection's weights are initialised. */
export type WeightInit =
  /** Uniform in [low, high) (PySNN's default: low 0, high 1). */
  | { init: 'uniform'; low?: number; high?: number; seed?: number; stream?: number }
  /** Normal (mean, std), by Box-Muller. */
  | { init: 'normal'; mean?: number; std?: number; seed?: number; stream?: number }
  /** Every weight the same value (PySNN's 'constant' with gain = value). */
  | { init: 'constant'; value: number }
  /** An .npy file of shape (out, in) or (out * in,), any float, int or uint8 type. */
  | { init: 'npy'; file: string }
  /** The weights themselves, (out, in) row-major: weight (o, i) at [o * in + i]. */
  | { init: 'values'; values: Float32Array | readonly number[] };

export interface LinearOptions {
  /** Presynaptic neurons per sample. */
  inFeatures: number;
  /** Postsynaptic neurons per sample. */
  outFeatures: number;
  /** Samples in the batch: the first dimension of both layers' cellsShape. */
  batchSize: number;
  /** Duration of one time step (kept for PySNN's signature; delays count whole steps). */
  dt: number;
  /**
   * Synaptic delay in whole steps (PySNN's int delay): a spike sent at step t
   * arrives at step t + delay. One number for every synapse, or one per
   * synapse, (out, in) row-major. Default 0.
   */
  delay?: number | Float32Array | readonly number[];
  /** Default: PySNN's reset_weights() default, uniform in [0, 1) (seed 0). */
  weight?: WeightInit;
}

/**
 * @internal A connection as a learning rule reads it after a step
 * (lib/learning, native/binding/learning.cpp): live views of its storage.
 */
export interface SynapseViews {
  /** [in][stride]: weight (o, i) at [i * stride + o]. */
  readonly weights: Float32Array;
  /** [in][stride] per-synapse delays, or null. */
  readonly delays: Float32Array | null;
  /** [rows][batch][in]: the spikes as sent. */
  readonly ring: Uint8Array;
  /** [batch, in, out, stride, rows, head, delay]: head is the ring row of the last step. */
  readonly dims: Float64Array;
  /** The presynaptic trace the last step carried (batch x in), or null when it was current(), which takes none. */
  readonly preTrace: Float32Array | null;
}

/** PySNN Linear.forward's outputs: both of layout (batch, out, k = in), the layer's live buffers. */
export interface LinearForward {
  readonly x: Float32Array;
  readonly trace: Float32Array;
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalidParameter(name, 'a positive integer', value, typeof value === 'number' ? 'range' : 'type');
  }
  return value;
}

function finite(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidParameter(name, 'a finite number', value);
  return value;
}

/**
 * A fully connected connection between two layers (PySNN `pysnn.connection.Linear`):
 * weights (out, in) shared by the batch, integer synaptic delays, and the
 * presynaptic trace passed on. It steps in native code, in one of three ways
 * (each call is one time step and sends this step's presynaptic spikes):
 *
 * - `current(pre, into)`: event driven. Adds the weights of the inputs whose
 *   spikes arrive now to `into` (batch, out): for each postsynaptic neuron,
 *   one float32 add per arriving spike, in increasing presynaptic index.
 *   A neuron layer takes the result as x with k = 1.
 * - `forward(pre, traceIn)`: PySNN's Linear.forward: the activation potentials
 *   W[o][i] * s[i] and the trace, both of layout (batch, out, k = in), which a
 *   neuron layer folds (sums over k) itself.
 * - `difference(pre, traceIn, into)`: adds sum_i ((W[o][i] * s[i]) - trace[i])
 *   to `into`: FedeNeuron's fold of forward's pair, without materialising it.
 */
export class Linear {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly batchSize: number;
  readonly dt: number;
  /** The longest delay, in steps. */
  readonly maxDelay: number;
  /** @internal */
  readonly buffer: ArrayBuffer;
  /** @internal Floats per row of the input-major weights (outFeatures, padded). */
  readonly stride: number;
  private readonly weightsT: Float32Array;
  private readonly delaysT: Float32Array | null;
  private readonly ring: Uint8Array;
  private readonly header: Float64Array;
  private products: LinearForward | null = null;
  /** The trace the last forward() or difference() carried (batch x in); null after current(). */
  private lastTrace: Float32Array | null;
  private views: { -readonly [K in keyof SynapseViews]: SynapseViews[K] } | null = null;
  /** @internal refuses calls while a network's runAsync steps this connection in place. */
  readonly guard = new BusyGuard('connection');

  constructor(options: LinearOptions) {
    if (typeof options !== 'object' || options === null) throw invalidParameter('the options of Linear', 'an options object', options);
    const known = ['inFeatures', 'outFeatures', 'batchSize', 'dt', 'delay', 'weight'];
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) throw new TypeError(`Unknown option ${JSON.stringify(key)} for Linear; its options are: ${known.join(', ')}`);
    }
    const inF = positiveInteger(options.inFeatures, 'inFeatures');
    const outF = positiveInteger(options.outFeatures, 'outFeatures');
    const batch = positiveInteger(options.batchSize, 'batchSize');
    const dt = finite(options.dt, 'dt');
    if (!(dt > 0)) throw invalidParameter('dt', 'a number > 0', dt, 'range');
    const { delay, perSynapse } = resolveDelay(options.delay ?? 0, outF, inF);
    this.inFeatures = inF;
    this.outFeatures = outF;
    this.batchSize = batch;
    this.dt = dt;
    this.maxDelay = perSynapse ? perSynapse.reduce((a, b) => Math.max(a, b), 0) : delay;

    const rows = this.maxDelay + 1;
    this.stride = Math.ceil(outF / layout.pad) * layout.pad;
    const weightBytes = 4 * inF * this.stride;
    const events = layout.eventEntries(batch, inF, rows, perSynapse !== null);
    const placed = placeArrays(layout.headerBytes, [weightBytes, perSynapse ? weightBytes : 0, 4 * events, rows * batch * inF]);
    const [weightsAt, delaysAt, eventsAt, ringAt] = placed.offsets;
    this.buffer = placed.buffer;
    this.weightsT = new Float32Array(this.buffer, weightsAt, inF * this.stride);
    this.delaysT = perSynapse ? new Float32Array(this.buffer, delaysAt, inF * this.stride) : null;
    this.ring = new Uint8Array(this.buffer, ringAt, rows * batch * inF);
    const s = layout.slots;
    const header = new Float64Array(this.buffer, 0, s.count);
    header[s.magic] = layout.magic;
    header[s.batch] = batch;
    header[s.in] = inF;
    header[s.out] = outF;
    header[s.stride] = this.stride;
    header[s.rows] = rows;
    header[s.head] = 0;
    header[s.delay] = perSynapse ? 0 : delay;
    header[s.weights] = weightsAt;
    header[s.delays] = perSynapse ? delaysAt : -1;
    header[s.ring] = ringAt;
    header[s.events] = eventsAt;
    this.header = header;
    this.lastTrace = new Float32Array(batch * inF);
    if (perSynapse && this.delaysT) this.scatter(perSynapse, this.delaysT);
    this.resetWeights(options.weight ?? { init: 'uniform' });
  }

  /** The weights, (out, in) row-major as in PySNN: a copy. */
  get weight(): Float32Array {
    const { inFeatures: inF, outFeatures: outF, stride } = this;
    const out = new Float32Array(outF * inF);
    for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) out[o * inF + i] = this.weightsT[i * stride + o];
    return out;
  }

  /** Replaces the weights: (out, in) row-major, finite values. */
  setWeight(values: Float32Array | readonly number[]): void {
    this.guard.check(this, 'setWeight');
    const n = this.outFeatures * this.inFeatures;
    if (!(values instanceof Float32Array || Array.isArray(values)) || values.length !== n) {
      throw invalidParameter('weight', `${n} values (out ${this.outFeatures} x in ${this.inFeatures}, row-major)`, values);
    }
    for (let k = 0; k < n; k++) {
      if (!Number.isFinite(Math.fround(values[k]))) throw invalidParameter(`weight[${k}]`, 'a finite float32 value', values[k], 'range');
    }
    this.scatter(values, this.weightsT);
  }

  /** The delays in steps, (out, in) row-major: a copy (every value the same without per-synapse delays). */
  get delay(): Float32Array {
    const out = new Float32Array(this.outFeatures * this.inFeatures);
    if (!this.delaysT) return out.fill(this.header[layout.slots.delay]);
    const { inFeatures: inF, outFeatures: outF, stride } = this;
    for (let i = 0; i < inF; i++) for (let o = 0; o < outF; o++) out[o * inF + i] = this.delaysT[i * stride + o];
    return out;
  }

  /** Sets the weights from an initialiser (PySNN's reset_weights). */
  resetWeights(init: WeightInit): void {
    this.guard.check(this, 'resetWeights');
    this.setWeight(initialWeights(init, this.outFeatures, this.inFeatures));
  }

  /**
   * Forgets the spikes still travelling (PySNN's reset_state), for every
   * sample or, with a mask of batchSize entries, for the samples it selects.
   */
  resetState(mask?: SampleMask): void {
    this.guard.check(this, 'resetState');
    const { batchSize: batch, inFeatures: inF } = this;
    const rows = this.maxDelay + 1;
    for (const [from, to] of sampleRanges(mask, batch, inF)) {
      for (let r = 0; r < rows; r++) this.ring.fill(0, r * batch * inF + from, r * batch * inF + to);
    }
    this.products?.x.fill(0);
    this.products?.trace.fill(0);
    this.lastTrace = (this.lastTrace ?? new Float32Array(batch * inF)).fill(0);
  }

  /** One step, event driven: adds the arriving weights to `into` (batch, out). */
  current(pre: Uint8Array, into: Float32Array): Float32Array {
    this.guard.check(this, 'current');
    this.checkPre(pre);
    this.checkOut(into, 'into', 1);
    native.connectionStep(this.buffer, pre, into, layout.modes.current);
    this.lastTrace = null;
    return into;
  }

  /** One step, FedeNeuron's drive: adds sum_i ((W[o][i] * s[i]) - traceIn[i]) to `into` (batch, out). */
  difference(pre: Uint8Array, traceIn: Float32Array, into: Float32Array): Float32Array {
    this.guard.check(this, 'difference');
    this.checkPre(pre);
    this.checkTrace(traceIn);
    this.checkOut(into, 'into', 1);
    native.connectionStep(this.buffer, pre, into, layout.modes.difference, traceIn);
    this.keepTrace(traceIn);
    return into;
  }

  /**
   * One step as PySNN's Linear.forward(x, trace_in): returns the activation
   * potentials W[o][i] * s[i] and the presynaptic trace broadcast to every
   * output, both of layout (batch, out, in) (live buffers, rewritten each call).
   */
  forward(pre: Uint8Array, traceIn: Float32Array): LinearForward {
    this.guard.check(this, 'forward');
    this.checkPre(pre);
    this.checkTrace(traceIn);
    const { batchSize: batch, inFeatures: inF, outFeatures: outF } = this;
    this.products ??= { x: new Float32Array(batch * outF * inF), trace: new Float32Array(batch * outF * inF) };
    const { x, trace } = this.products;
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < outF; o++) {
        const at = (b * outF + o) * inF;
        for (let i = 0; i < inF; i++) trace[at + i] = traceIn[b * inF + i];
      }
    }
    native.connectionStep(this.buffer, pre, x, layout.modes.products);
    this.keepTrace(traceIn);
    return this.products;
  }

  /** @internal What a learning rule reads of the last step: live views (see SynapseViews), one object updated per call. */
  synapses(): SynapseViews {
    this.guard.check(this, 'synapses');
    const s = layout.slots;
    const rows = this.header[s.rows];
    if (!this.views) {
      const dims = Float64Array.of(this.batchSize, this.inFeatures, this.outFeatures, this.stride, rows, 0, this.header[s.delay]);
      this.views = { weights: this.weightsT, delays: this.delaysT, ring: this.ring, dims, preTrace: null };
    }
    this.views.dims[5] = (this.header[s.head] + rows - 1) % rows;
    this.views.preTrace = this.lastTrace;
    return this.views;
  }

  /**
   * @internal Keeps `traceIn` as the presynaptic trace of the last step, as
   * forward() and difference() do: a network calls it after current() for a
   * connection whose learning rule reads that trace.
   */
  carryTrace(traceIn: Float32Array): void {
    this.checkTrace(traceIn);
    this.keepTrace(traceIn);
  }

  /** @internal The buffer the last step's presynaptic trace is kept in, for the engine to write each step (plan.ts). */
  keptTraceBuffer(): Float32Array {
    return (this.lastTrace ??= new Float32Array(this.batchSize * this.inFeatures));
  }

  private keepTrace(traceIn: Float32Array): void {
    (this.lastTrace ??= new Float32Array(this.batchSize * this.inFeatures)).set(traceIn);
  }

  /**
   * @internal Everything a step depends on, as a record of kind "Linear"
   * (network.ts nests it): `shape` [batchSize, inFeatures, outFeatures] and
   * `dt` (float64), `delay` and `weight` (float32, (out, in) row-major), the
   * spikes in flight: `ring` (uint8, maxDelay + 1 rows of batch x in, the
   * spikes sent at each of the last steps) and `head` (float64[1], the row
   * the last step wrote). Views of live storage: encode before stepping.
   */
  stateRecord(): StateRecord {
    this.guard.check(this, 'saveState');
    return {
      kind: 'Linear',
      fields: new Map<string, FieldValue>([
        ['shape', Float64Array.of(this.batchSize, this.inFeatures, this.outFeatures)],
        ['dt', Float64Array.of(this.dt)],
        ['delay', this.delay],
        ['weight', this.weight],
        ['head', Float64Array.of(this.header[layout.slots.head])],
        ['ring', this.ring],
      ]),
    };
  }

  /**
   * @internal Checks a record of stateRecord() against this connection (the
   * shape, dt and delays must be its own; the weights finite; the ring and
   * its head in range), changing nothing; returns the copy, which cannot fail.
   * `where` prefixes the field names in errors ("connections.a_b.").
   */
  prepareRestore(record: StateRecord, where: string): () => void {
    this.guard.check(this, 'loadState');
    if (record.kind !== 'Linear') throw corruptState(`${where}class`, 'a Linear connection', JSON.stringify(record.kind));
    onlyFields(record, RECORD_FIELDS, where);
    const shape = field(record, 'shape', 'f64', where);
    const own = [this.batchSize, this.inFeatures, this.outFeatures];
    if (shape.length !== 3 || own.some((v, k) => v !== shape[k])) {
      throw corruptState(`${where}shape`, `[${own.join(', ')}] (this connection's batchSize, inFeatures, outFeatures)`, `[${shape.join(', ')}]`);
    }
    const dt = field(record, 'dt', 'f64', where);
    if (dt.length !== 1 || !Object.is(dt[0], this.dt)) throw corruptState(`${where}dt`, `${this.dt} (this connection's)`, `[${dt.join(', ')}]`);
    const n = this.outFeatures * this.inFeatures;
    const delay = field(record, 'delay', 'f32', where);
    if (delay.length !== n) throw corruptState(`${where}delay`, `${n} delays (out x in)`, `${delay.length}`);
    const ownDelay = this.delay;
    const k = ownDelay.findIndex((d, j) => d !== delay[j]);
    if (k >= 0) throw corruptState(`${where}delay[${k}]`, `${ownDelay[k]} (this connection's)`, delay[k]);
    const weight = field(record, 'weight', 'f32', where);
    if (weight.length !== n) throw corruptState(`${where}weight`, `${n} weights (out x in)`, `${weight.length}`);
    const bad = weight.findIndex((w) => !Number.isFinite(w));
    if (bad >= 0) throw corruptState(`${where}weight[${bad}]`, 'a finite value', weight[bad]);
    const rows = this.maxDelay + 1;
    const head = field(record, 'head', 'f64', where);
    if (head.length !== 1 || !Number.isInteger(head[0]) || head[0] < 0 || head[0] >= rows) {
      throw corruptState(`${where}head`, `one whole number in [0, ${rows - 1}] (a row of the ring)`, `[${head.join(', ')}]`);
    }
    const ring = field(record, 'ring', 'u8', where);
    if (ring.length !== this.ring.length) {
      throw corruptState(`${where}ring`, `${this.ring.length} bytes (${rows} rows of batch ${this.batchSize} x in ${this.inFeatures})`, `${ring.length}`);
    }
    const notSpike = ring.findIndex((v) => v > 1);
    if (notSpike >= 0) throw corruptState(`${where}ring[${notSpike}]`, 'a spike, 0 or 1', ring[notSpike]);
    return () => {
      this.scatter(weight, this.weightsT);
      this.ring.set(ring);
      this.header[layout.slots.head] = head[0];
    };
  }

  private checkPre(pre: unknown): void {
    const n = this.batchSize * this.inFeatures;
    if (!(pre instanceof Uint8Array) || pre.length !== n) {
      throw invalidParameter('pre', `a Uint8Array of ${n} spikes (batch ${this.batchSize} x in ${this.inFeatures})`, pre);
    }
  }

  private checkTrace(trace: unknown): void {
    const n = this.batchSize * this.inFeatures;
    if (!(trace instanceof Float32Array) || trace.length !== n) {
      throw invalidParameter('traceIn', `a Float32Array of ${n} values (batch ${this.batchSize} x in ${this.inFeatures})`, trace);
    }
  }

  private checkOut(out: unknown, name: string, k: number): void {
    const n = this.batchSize * this.outFeatures * k;
    if (!(out instanceof Float32Array) || out.length !== n) {
      throw invalidParameter(name, `a Float32Array of ${n} values (batch ${this.batchSize} x out ${this.outFeatures})`, out);
    }
  }

  /** (out, in) row-major values into the input-major, padded storage. */
  private scatter(values: ArrayLike<number>, into: Float32Array): void {
    const { inFeatures: inF, outFeatures: outF, stride } = this;
    for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) into[i * stride + o] = values[o * inF + i];
  }
}

function resolveDelay(value: unknown, outF: number, inF: number): { delay: number; perSynapse: Float32Array | null } {
  const check = (d: unknown, name: string): number => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > layout.maxDelay) {
      throw invalidParameter(name, `a whole number of steps in [0, ${layout.maxDelay}]`, d, typeof d === 'number' ? 'range' : 'type');
    }
    return d;
  };
  if (typeof value === 'number') return { delay: check(value, 'delay'), perSynapse: null };
  if (value instanceof Float32Array || Array.isArray(value)) {
    if (value.length !== outF * inF) {
      throw invalidParameter('delay', `a number or ${outF * inF} per-synapse delays (out ${outF} x in ${inF}, row-major)`, value, 'range');
    }
    const out = new Float32Array(value.length);
    for (let k = 0; k < value.length; k++) out[k] = check(value[k], `delay[${k}]`);
    return { delay: 0, perSynapse: out };
  }
  throw invalidParameter('delay', 'a whole number of steps or an array of them', value);
}

function optionalNumber(init: Record<string, unknown>, key: string, fallback: number): number {
  const value = init[key];
  return value === undefined ? fallback : finite(value, `weight.${key}`);
}

/** The weights an initialiser gives, (out, in) row-major. */
export function initialWeights(init: WeightInit, outF: number, inF: number): Float32Array {
  const n = outF * inF;
  if (typeof init !== 'object' || init === null) throw invalidParameter('weight', 'a weight initialiser object', init);
  const options = init as unknown as Record<string, unknown>;
  const seed = (): number => {
    if (options.seed === undefined) return 0;
    seedKey(options.seed, 'weight.seed');
    return options.seed as number;
  };
  const stream = (): number => {
    const s = options.stream ?? 0;
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s >= 2 ** 32) throw invalidParameter('weight.stream', 'an integer in [0, 2^32)', s);
    return s;
  };
  switch (init.init) {
    case 'uniform': {
      const low = optionalNumber(options, 'low', 0);
      const high = optionalNumber(options, 'high', 1);
      if (!(high >= low)) throw invalidParameter('weight.high', `a number >= low (${low})`, high, 'range');
      return uniformFill(new Float32Array(n), low, high, seed(), stream());
    }
    case 'normal': {
      const std = optionalNumber(options, 'std', 1);
      if (!(std >= 0)) throw invalidParameter('weight.std', 'a number >= 0', std, 'range');
      return normalFill(new Float32Array(n), optionalNumber(options, 'mean', 0), std, seed(), stream());
    }
    case 'constant':
      return new Float32Array(n).fill(finite(options.value, 'weight.value'));
    case 'values': {
      const values = options.values;
      if (!(values instanceof Float32Array || Array.isArray(values)) || values.length !== n) {
        throw invalidParameter('weight.values', `${n} values (out ${outF} x in ${inF}, row-major)`, values);
      }
      return Float32Array.from(values as ArrayLike<number>);
    }
    case 'npy': {
      if (typeof options.file !== 'string') throw invalidParameter('weight.file', 'the path of an .npy file', options.file);
      const array = readNpy(options.file);
      const fits = (array.shape.length === 2 && array.shape[0] === outF && array.shape[1] === inF) ||
        (array.shape.length === 1 && array.shape[0] === n);
      if (!fits) {
        throw new RangeError(
          `Expected the weights in ${options.file} to have shape (${outF}, ${inF}) (out, in) but received shape (${array.shape.join(', ')})`,
        );
      }
      return Float32Array.from(array.data as ArrayLike<number>);
    }
    default:
      throw invalidParameter('weight.init', '"uniform", "normal", "constant", "npy" or "values"', (init as { init?: unknown }).init, 'range');
  }
}

