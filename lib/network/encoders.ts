import { invalidParameter } from '../errors';
import { native } from '../binding';
import { counterWord, DOMAINS, philoxWords, seedKey } from './random';
import { validateShape } from '../layers/options';

const TWO_32 = 4294967296;

/** Something that gives an Input layer its spikes, step by step. */
/**
 * @internal An encoder as the network engine takes it (native/binding/network.cpp):
 * [kind (1 Poisson, 2 latency), perSample, key0, key1, firstSample, domain,
 * thresholds (Poisson) or base offsets (latency), window, jitter].
 */
export type NativeSource = [number, number, number, number, number, number, Float64Array | Int32Array, number, number];

export interface Encoder {
  /** [batch, ...dims] of the layer it feeds. */
  readonly cellsShape: readonly number[];
  /** Neurons in all: the product of cellsShape. */
  readonly size: number;
  /** Writes the spikes of step `step` (0/1, one per neuron) into `out` and returns it. */
  encode(step: number, out: Uint8Array): Uint8Array;
}

/** Values for every neuron of a sample (shared by the batch) or for every neuron of the batch. */
export type EncoderValues = number | Float32Array | Float64Array | readonly number[];

function expand(values: EncoderValues, perSample: number, total: number, name: string): Float64Array {
  if (typeof values === 'number') return new Float64Array(perSample).fill(values);
  const ok = values instanceof Float32Array || values instanceof Float64Array || Array.isArray(values);
  if (!ok || (values.length !== perSample && values.length !== total)) {
    throw invalidParameter(name, `a number, or ${perSample} values (one per neuron of a sample) or ${total} (one per neuron of the batch)`, values, ok ? 'range' : 'type');
  }
  return Float64Array.from(values as ArrayLike<number>);
}

function checkStep(step: unknown): number {
  return counterWord(step, 'step');
}

function checkOut(out: unknown, n: number): Uint8Array {
  if (!(out instanceof Uint8Array) || out.length !== n) throw invalidParameter('out', `a Uint8Array of ${n} values`, out);
  return out;
}

function checkOptions(options: unknown, kind: string): void {
  if (typeof options !== 'object' || options === null) throw invalidParameter(`the options of ${kind}`, 'an options object', options);
}

function shapeOf(cellsShape: unknown): { shape: number[]; n: number; batch: number; perSample: number } {
  const { shape, n } = validateShape(cellsShape);
  return { shape, n, batch: shape[0], perSample: n / shape[0] };
}

function firstSampleOf(value: unknown, batch: number): number {
  const first = value ?? 0;
  counterWord(first, 'firstSample');
  if ((first as number) + batch > TWO_32) throw invalidParameter('firstSample', `at most 2^32 - ${batch}`, first, 'range');
  return first as number;
}

export interface PoissonEncoderOptions {
  /** [batch, ...dims] of the Input layer it feeds. */
  cellsShape: readonly number[];
  /** Firing rates in Hz (spikes per second), >= 0. */
  rates: EncoderValues;
  /** Step duration in milliseconds. */
  dt: number;
  /** Seed of the generator: an integer in [0, 2^53). */
  seed: number;
  /** Index of the batch's first sample in the data set (the "sample" of the counter). Default 0. */
  firstSample?: number;
}

/**
 * Rate coding: at each step, neuron i of sample b spikes with probability
 * p = rate * dt / 1000, independently of every other step and neuron (a
 * Bernoulli process, the discrete-time Poisson process used by Norse and
 * snnTorch). The draw for (seed, sample, neuron, step) is word i % 4 of
 * Philox4x32-10 at counter (step, i / 4, firstSample + b, DOMAINS.poisson),
 * and the neuron spikes when that word is below p * 2^32: the same spikes on
 * every machine, for any batch split, thread count or vector width.
 *
 * At most one spike per step: p = 1 (rate = 1000 / dt Hz) spikes at every
 * step, and a rate above that is rejected, naming the entry. (BindsNET's
 * encoder silently saturates instead.)
 */
export class PoissonEncoder implements Encoder {
  readonly cellsShape: readonly number[];
  readonly size: number;
  readonly dt: number;
  readonly seed: number;
  readonly firstSample: number;
  private readonly perSample: number;
  private readonly key: [number, number];
  private thresholds: Float64Array;

  constructor(options: PoissonEncoderOptions) {
    checkOptions(options, 'PoissonEncoder');
    const { shape, n, batch, perSample } = shapeOf(options.cellsShape);
    if (typeof options.dt !== 'number' || !(options.dt > 0) || !Number.isFinite(options.dt)) {
      throw invalidParameter('dt', 'a finite number > 0 (milliseconds)', options.dt, 'range');
    }
    this.cellsShape = Object.freeze(shape);
    this.size = n;
    this.perSample = perSample;
    this.dt = options.dt;
    this.key = seedKey(options.seed);
    this.seed = options.seed;
    this.firstSample = firstSampleOf(options.firstSample, batch);
    this.thresholds = new Float64Array(0);
    this.setRates(options.rates);
  }

  /** The largest rate an entry may have: one spike per step, 1000 / dt Hz. */
  get maxRate(): number {
    return 1000 / this.dt;
  }

  /** Changes the rates (Hz), from the next encoded step on. */
  setRates(rates: EncoderValues): void {
    const values = expand(rates, this.perSample, this.size, 'rates');
    const thresholds = new Float64Array(values.length);
    values.forEach((rate, k) => {
      if (!(rate >= 0) || !Number.isFinite(rate)) throw invalidParameter(`rates[${k}]`, 'a finite rate >= 0 (Hz)', rate, 'range');
      const p = (rate * this.dt) / 1000;
      if (p > 1) {
        throw invalidParameter(
          `rates[${k}]`,
          `at most ${this.maxRate} Hz, one spike per step of ${this.dt} ms (higher rates are not clamped)`,
          rate,
          'range',
        );
      }
      thresholds[k] = p * TWO_32;
    });
    this.thresholds = thresholds;
  }

  /** @internal the encoder for the network engine, which draws the same bits natively. */
  nativeSource(): NativeSource {
    return [1, this.perSample, this.key[0], this.key[1], this.firstSample, DOMAINS.poisson, this.thresholds, 1, 0];
  }

  encode(step: number, out: Uint8Array): Uint8Array {
    checkOut(out, this.size);
    native.bernoulli(out, this.thresholds, this.perSample, this.key[0], this.key[1], checkStep(step), this.firstSample, DOMAINS.poisson);
    return out;
  }
}

export interface LatencyEncoderOptions {
  /** [batch, ...dims] of the Input layer it feeds. */
  cellsShape: readonly number[];
  /** Intensities in [0, 1]: 1 fires first, at the start of each window. */
  intensities: EncoderValues;
  /** Steps per presentation: the pattern repeats every `window` steps. */
  window: number;
  /** Intensities at or below this never fire. Default 0. */
  threshold?: number;
  /** Random shift of each spike by up to this many steps either way (0: none). Default 0. */
  jitter?: number;
  /** Seed of the jitter's generator. Default 0. */
  seed?: number;
  /** Index of the batch's first sample in the data set. Default 0. */
  firstSample?: number;
}

/**
 * Latency (time-to-first-spike) coding: in every window of `window` steps a
 * neuron with intensity x > threshold spikes once, at offset
 * round((1 - x) * (window - 1)); others stay silent. With jitter J the offset
 * moves by floor(u * (2J + 1)) - J steps, clipped to the window, where u is
 * word i % 4 of Philox4x32-10 at counter (window index, i / 4,
 * firstSample + b, DOMAINS.latency), divided by 2^32.
 */
export class LatencyEncoder implements Encoder {
  readonly cellsShape: readonly number[];
  readonly size: number;
  readonly window: number;
  readonly jitter: number;
  private readonly perSample: number;
  private readonly batch: number;
  private readonly seed: number;
  private readonly firstSample: number;
  private readonly threshold: number;
  private base: Int32Array;
  // Spikes of the current window by offset: neurons start[t]..start[t + 1] - 1 of `order`.
  private readonly start: Int32Array;
  private readonly order: Int32Array;
  private readonly offsets: Int32Array;
  private readonly cursor: Int32Array;
  private readonly words: Uint32Array;
  private cachedWindow = -1;

  constructor(options: LatencyEncoderOptions) {
    checkOptions(options, 'LatencyEncoder');
    const { shape, n, batch, perSample } = shapeOf(options.cellsShape);
    const window = options.window;
    if (typeof window !== 'number' || !Number.isSafeInteger(window) || window < 1) {
      throw invalidParameter('window', 'a positive whole number of steps', window, 'range');
    }
    const jitter = options.jitter ?? 0;
    if (typeof jitter !== 'number' || !Number.isSafeInteger(jitter) || jitter < 0) {
      throw invalidParameter('jitter', 'a whole number of steps >= 0', jitter, 'range');
    }
    const threshold = options.threshold ?? 0;
    if (typeof threshold !== 'number' || !(threshold >= 0 && threshold < 1)) {
      throw invalidParameter('threshold', 'a number in [0, 1)', threshold, 'range');
    }
    this.cellsShape = Object.freeze(shape);
    this.size = n;
    this.batch = batch;
    this.perSample = perSample;
    this.window = window;
    this.jitter = jitter;
    this.threshold = threshold;
    this.seed = options.seed ?? 0;
    seedKey(this.seed);
    this.firstSample = firstSampleOf(options.firstSample, batch);
    this.start = new Int32Array(window + 1);
    this.order = new Int32Array(n);
    this.offsets = new Int32Array(n);
    this.cursor = new Int32Array(window + 1);
    this.words = new Uint32Array(jitter > 0 ? Math.ceil(perSample / 4) * 4 : 0);
    this.base = new Int32Array(0);
    this.setIntensities(options.intensities);
  }

  /** Changes the intensities, from the next encoded step on. */
  setIntensities(intensities: EncoderValues): void {
    const values = expand(intensities, this.perSample, this.size, 'intensities');
    const base = new Int32Array(this.size);
    for (let k = 0; k < this.size; k++) {
      const x = values[values.length === this.size ? k : k % this.perSample];
      if (!(x >= 0 && x <= 1)) throw invalidParameter(`intensities[${k % values.length}]`, 'an intensity in [0, 1]', x, 'range');
      base[k] = x > this.threshold ? Math.round((1 - x) * (this.window - 1)) : -1;
    }
    this.base = base;
    this.cachedWindow = -1;
  }

  /** @internal the encoder for the network engine, which lays out each window natively. */
  nativeSource(): NativeSource {
    const [key0, key1] = seedKey(this.seed);
    return [2, this.perSample, key0, key1, this.firstSample, DOMAINS.latency, this.base, this.window, this.jitter];
  }

  encode(step: number, out: Uint8Array): Uint8Array {
    checkOut(out, this.size);
    const t = checkStep(step);
    const w = Math.floor(t / this.window);
    if (w !== this.cachedWindow) this.layOut(w);
    out.fill(0);
    const offset = t - w * this.window;
    for (let k = this.start[offset]; k < this.start[offset + 1]; k++) out[this.order[k]] = 1;
    return out;
  }

  /** Sorts the spikes of window w by offset (counting sort), once per window. */
  private layOut(w: number): void {
    const { offsets, start, order, perSample, jitter, window } = this;
    for (let b = 0; b < this.batch; b++) {
      if (jitter > 0) philoxWords(this.words, this.seed, w, 0, this.firstSample + b, DOMAINS.latency);
      for (let i = 0; i < perSample; i++) {
        const k = b * perSample + i;
        let t = this.base[k];
        if (t >= 0 && jitter > 0) {
          t += Math.floor((this.words[i] / TWO_32) * (2 * jitter + 1)) - jitter;
          t = Math.min(window - 1, Math.max(0, t));
        }
        offsets[k] = t;
      }
    }
    start.fill(0);
    for (let k = 0; k < this.size; k++) if (offsets[k] >= 0) start[offsets[k] + 1]++;
    for (let t = 0; t < window; t++) start[t + 1] += start[t];
    const cursor = this.cursor;
    cursor.set(start);
    for (let k = 0; k < this.size; k++) if (offsets[k] >= 0) order[cursor[offsets[k]]++] = k;
    this.cachedWindow = w;
  }
}
