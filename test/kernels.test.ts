// The fused kernels against an independent scalar oracle (test/reference.ts):
// under every instruction set this CPU runs, for every model, update type,
// refractory setting, parameter kind (scalar, per neuron, mixed) and input
// layout, at every vector width and tail (n = 1..67) and at large sizes, every
// state is compared element by element after every step: spikes with ===,
// float32 states bit for bit (like Object.is: -0 is not 0).
import * as spiking from '../lib';
import {
  createReferenceState,
  referenceStep,
  resetReferenceState,
  type ReferenceKind,
  type ReferenceParam,
  type ReferenceSpec,
  type ReferenceState,
} from './reference';
import { rng as mulberry32 } from './helpers';

// ---- seeded pseudo-random numbers ----------------------------------------

// Math's functions, looked up once: inside jest's sandbox every lookup of a
// global (Math included) goes through the context's interceptor and costs
// ~0.3 us, which dominated the runtime of the input generation.
const { fround, round, floor, imul, min } = Math;


// ---- configurations --------------------------------------------------------

type Kind = ReferenceKind;
type Update = 'linear' | 'exponential';
type ParamMode = 'scalar' | 'perNeuron' | 'mixed';
/** Input layout of IF/LIF/AdaptiveLIF/Fede: one array of width k, or a list of arrays with these widths. */
type Fold = 'k1' | 'k2' | 'k3' | 'list21' | 'list12' | 'list111';
/** What an Input layer is fed. */
type Feed = 'f32-binary' | 'f32-graded' | 'u8-binary' | 'u8-graded';

interface Config {
  kind: Kind;
  update: Update;
  refrac: boolean;
  params: ParamMode;
  fold: Fold;
  feed: Feed;
  /** Inputs and parameters on a grid of multiples of 1/16 (else arbitrary float32 values). */
  grid: boolean;
  /** thresh <= vRest with non-negative drive: every neuron spikes every step. */
  alwaysSpikes?: boolean;
}

const FOLDS: Record<Fold, { widths: number[]; list: boolean }> = {
  k1: { widths: [1], list: false },
  k2: { widths: [2], list: false },
  k3: { widths: [3], list: false },
  list21: { widths: [2, 1], list: true },
  list12: { widths: [1, 2], list: true },
  list111: { widths: [1, 1, 1], list: true },
};

const NEURONS: Kind[] = ['IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron', 'AdaptiveThresholdLIFNeuron'];
const KINDS: Kind[] = ['Input', ...NEURONS];

function label(c: Config, withGrid = true): string {
  const parts: string[] = [c.kind, c.update];
  if (c.kind === 'Input') parts.push(c.feed);
  else parts.push(c.refrac ? 'refrac' : 'norefrac', c.fold);
  parts.push(c.params);
  if (withGrid) parts.push(c.grid ? 'grid' : 'f32');
  if (c.alwaysSpikes) parts.push('thresh<=vRest');
  return parts.join(' ');
}

/** Every configuration of a model over the given dimensions. */
function configsOf(
  kind: Kind,
  dims: { params: ParamMode[]; folds: Fold[]; feeds: Feed[]; grid: boolean },
): Config[] {
  const out: Config[] = [];
  const updates: Update[] = kind === 'FedeNeuron' ? ['exponential'] : ['linear', 'exponential'];
  const refracs = kind === 'Input' ? [false] : [false, true];
  const folds: Fold[] = kind === 'Input' ? ['k1'] : dims.folds;
  const feeds: Feed[] = kind === 'Input' ? dims.feeds : ['f32-graded'];
  for (const update of updates) {
    for (const refrac of refracs) {
      for (const params of dims.params) {
        for (const fold of folds) {
          for (const feed of feeds) out.push({ kind, update, refrac, params, fold, feed, grid: dims.grid });
        }
      }
    }
  }
  return out;
}

// ---- one run: library layer and reference side by side ---------------------

type Layer = spiking.Input | spiking.IFNeuron | spiking.LIFNeuron | spiking.AdaptiveLIFNeuron | spiking.FedeNeuron | spiking.AdaptiveThresholdLIFNeuron;
type NeuronInput = Float32Array | Float32Array[];

interface Stats {
  /** Neuron-steps that spiked, and that did not. */
  spikes: number;
  quiet: number;
  /** Neuron-steps that began refractory (whole steps left > 0). */
  refractory: number;
}

interface Case {
  options: Record<string, unknown>;
  spec: ReferenceSpec;
  /** This step's input (and Fede's preTrace). */
  next(): { x: NeuronInput | Uint8Array; preTrace?: NeuronInput };
}

const DTS = [1, 0.5, 0.25, 0.1, 0.001];

/** A layer's options (for the library) and spec (for the reference), and its input stream. */
function makeCase(c: Config, n: number, seed: number): Case {
  const rng = mulberry32(seed);
  const grid = c.grid;
  const gridded = (v: number): number => round(v * 16) / 16;
  /** A value in [lo, hi]: on the 1/16 grid, or an arbitrary float32. */
  const val = (lo: number, hi: number): number => (grid ? gridded(lo + rng() * (hi - lo)) : fround(lo + rng() * (hi - lo)));
  const pick = <T>(items: readonly T[]): T => items[floor(rng() * items.length)];

  const dt = grid ? pick([1, 0.5]) : pick(DTS);
  const steps = dt === 0.001 ? 5 : pick([2, 3]);
  const durationRefrac = c.refrac ? steps * dt : 0;
  const vRest = c.alwaysSpikes ? val(-0.5, 0.5) : grid ? pick([0, -0.25, 0.5]) : val(-0.5, 0.5);

  /** A parameter: one value, or one per neuron (a Float32Array, or a number[] in mixed mode). */
  const param = (draw: () => number): ReferenceParam => {
    const per = c.params === 'perNeuron' || (c.params === 'mixed' && rng() < 0.5);
    if (!per) return draw();
    const values: number[] = [];
    for (let i = 0; i < n; i++) values.push(draw());
    return c.params === 'mixed' ? values : Float32Array.from(values);
  };
  const exp = c.update === 'exponential';
  /** A decay: a factor in [lo, hi] (linear), or a time constant dt * [1.25, 5] (exponential). */
  const decay = (lo: number, hi: number): ReferenceParam =>
    param(() => (exp ? fround(dt * val(1.25, 5)) : val(lo, hi)));

  const p: Record<string, ReferenceParam> = {};
  if (c.kind === 'Input') {
    p.alphaT = param(() => val(0.25, 1.5));
    p.tauT = decay(0.5, 1);
  } else {
    // thresh - vRest in [0.25, 1]; with alwaysSpikes, in [-1, 0] (often exactly 0).
    p.thresh = param(() => fround(vRest + (c.alwaysSpikes ? (rng() < 0.3 ? 0 : val(-1, 0)) : val(0.25, 1))));
    p.alphaV = param(() => (c.kind === 'FedeNeuron' ? val(1.5, 3) : val(0.75, 1.25)));
    p.alphaT = param(() => val(0.25, 1.5));
    p.tauT = c.kind === 'FedeNeuron' ? param(() => fround(dt * val(1.25, 5))) : decay(0.5, 1);
    if (c.kind !== 'IFNeuron') {
      p.tauV = c.kind === 'FedeNeuron' ? param(() => fround(dt * val(1.25, 5))) : decay(0.75, 0.9375);
    }
    if (c.kind === 'AdaptiveLIFNeuron') {
      if (c.alwaysSpikes) {
        // Keep the threshold where it is: linear thresh * 1 + 0 * s; exponential thresh + f * (thresh * 1 - thresh).
        p.alphaThresh = exp ? p.thresh : 0;
        p.tauThresh = exp ? param(() => fround(dt * val(1.25, 5))) : 1;
      } else {
        p.alphaThresh = param(() => (exp ? val(0.25, 1.5) : val(0.0625, 0.5)));
        p.tauThresh = exp ? param(() => fround(dt * val(2, 10))) : param(() => val(0.75, 1));
      }
    }
    if (c.kind === 'AdaptiveThresholdLIFNeuron') {
      // alwaysSpikes: theta stays 0 (no increase), so v >= thresh + 0 holds.
      p.thetaPlus = c.alwaysSpikes ? 0 : param(() => val(0.0625, 0.5));
      p.tauTheta = exp ? param(() => fround(dt * val(2, 10))) : param(() => val(0.75, 1));
    }
  }

  const cellsShape = n % 6 === 0 ? [2, 3, n / 6] : n % 2 === 0 ? [2, n / 2] : [1, n];
  const options: Record<string, unknown> = { cellsShape, dt, ...p };
  const spec: ReferenceSpec = { n, dt, ...p };
  if (c.kind !== 'FedeNeuron') {
    options.updateType = c.update;
    spec.updateType = c.update;
  }
  if (c.kind !== 'Input') {
    Object.assign(options, { vRest, durationRefrac });
    Object.assign(spec, { vRest, durationRefrac });
  }

  // Inputs. The total drive per neuron spans [lo, hi]; each of its k elements a k-th of that.
  const { widths, list } = FOLDS[c.fold];
  const k = widths.reduce((a, b) => a + b, 0);
  const [lo, hi] = c.alwaysSpikes ? [0, 1] : exp ? [-0.5, 3] : [-0.5, 1.5];
  /** One input element: on the grid, or a float32 with the odd exact zero of either sign. */
  const element = (): number => {
    if (!grid) {
      const r = rng();
      if (r < 0.02) return -0;
      if (r < 0.04) return 0;
    }
    return val(lo / k, hi / k);
  };
  /** Fills a new array with draws (a plain loop: Float32Array.from with a map function is slow under jest). */
  function fill<T extends Float32Array | Uint8Array>(out: T, draw: () => number): T {
    for (let i = 0; i < out.length; i++) out[i] = draw();
    return out;
  }
  const layout = (draw: () => number): NeuronInput => {
    const arrays = widths.map((w) => fill(new Float32Array(n * w), draw));
    return list ? arrays : arrays[0];
  };

  const next = (): { x: NeuronInput | Uint8Array; preTrace?: NeuronInput } => {
    switch (c.kind) {
      case 'Input':
        switch (c.feed) {
          case 'f32-binary':
            return { x: fill(new Float32Array(n), () => (rng() < 0.5 ? 1 : 0)) };
          case 'f32-graded':
            return { x: fill(new Float32Array(n), () => (rng() < 0.25 ? (rng() < 0.5 ? -0 : 0) : val(-1, 2))) };
          case 'u8-binary':
            return { x: fill(new Uint8Array(n), () => (rng() < 0.5 ? 1 : 0)) };
          case 'u8-graded':
            return { x: fill(new Uint8Array(n), () => (rng() < 0.5 ? floor(rng() * 4) : floor(rng() * 256))) };  // every byte value: no sign extension
        }
        break;
      case 'FedeNeuron':
        // Incoming spikes (0/1) minus their presynaptic trace.
        if (c.alwaysSpikes) return { x: layout(() => 1), preTrace: layout(() => val(0, 0.5)) };
        return { x: layout(() => (rng() < 0.6 ? 1 : 0)), preTrace: layout(() => val(0, 0.5)) };
      default:
        return { x: layout(element) };
    }
    throw new Error('unreachable');
  };
  return { options, spec, next };
}

function build(kind: Kind, options: Record<string, unknown>): Layer {
  const Class = spiking[kind] as unknown as new (options: unknown) => Layer;
  return new Class(options);
}

/** The bits of a float32 array, so that comparing is exact and fast: -0 is not 0. */
function bits(a: Float32Array): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.length);
}

/** The first index where the arrays differ bit for bit (stricter than Object.is only for NaN payloads), or -1. */
function firstMismatch(actual: Int32Array | Uint8Array, expected: Int32Array | Uint8Array): number {
  if (actual.length !== expected.length) return min(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) return i;
  return -1;
}

const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

/** Throws on the first state that differs from the reference, naming where. */
function compare(layer: Layer, result: spiking.StepResult, ref: ReferenceState, where: () => string): void {
  const neuron = ref.kind !== 'Input';
  const floats: [string, Float32Array, Float32Array][] = [
    ['trace', layer.trace, ref.trace],
    ['result.trace', result.trace, ref.trace],
  ];
  if (neuron) {
    const l = layer as spiking.LIFNeuron;
    floats.push(['vCell', l.vCell, ref.vCell], ['refracCounts', l.refracCounts, ref.refracCounts], ['thresh', l.thresh, ref.thresh]);
    if (layer instanceof spiking.AdaptiveThresholdLIFNeuron) floats.push(['theta', layer.theta, ref.theta]);
  }
  const fail = (key: string, i: number, actual: ArrayLike<number>, expected: ArrayLike<number>): never => {
    throw new Error(
      `${where()}: ${key}[${i}] is ${show(actual[i])}, reference has ${show(expected[i])} ` +
        `(lengths ${actual.length}/${expected.length})`,
    );
  };
  for (const [key, actual] of [['spikes', layer.spikes], ['result.spikes', result.spikes]] as const) {
    const i = firstMismatch(actual, ref.spikes);
    if (i !== -1) fail(key, i, actual, ref.spikes);
  }
  for (const [key, actual, expected] of floats) {
    const i = firstMismatch(bits(actual), bits(expected));
    if (i !== -1) fail(key, i, actual, expected);
  }
}

const STEPS = 24;

interface RunOptions {
  steps?: number;
  /** Transform the layer before stepping (e.g. force the staged path). */
  wrap?: (layer: Layer) => Layer;
  /** resetState both sides after this many steps. */
  resetAfter?: number;
}

/** Steps the library layer and the reference side by side, comparing every state after every step. */
function run(c: Config, n: number, seed: number, opts: RunOptions = {}): Stats {
  const steps = opts.steps ?? STEPS;
  const { options, spec, next } = makeCase(c, n, seed);
  const layer = (opts.wrap ?? ((l: Layer) => l))(build(c.kind, options));
  const ref = createReferenceState(c.kind, spec);
  const isa = spiking.instructionSet();
  const stats: Stats = { spikes: 0, quiet: 0, refractory: 0 };
  const noResult = { spikes: ref.spikes, trace: ref.trace };
  compare(layer, noResult, ref, () => `${label(c)} | isa ${isa} n ${n} seed ${seed} after construction`);

  for (let t = 0; t < steps; t++) {
    if (opts.resetAfter === t) {
      layer.resetState();
      resetReferenceState(ref);
      compare(layer, noResult, ref, () => `${label(c)} | isa ${isa} n ${n} seed ${seed} after resetState`);
    }
    for (let i = 0; i < ref.left.length; i++) if (ref.left[i] > 0) stats.refractory++;
    const { x, preTrace } = next();
    referenceStep(ref, x, preTrace);
    const result =
      c.kind === 'FedeNeuron'
        ? (layer as spiking.FedeNeuron).forward(x as NeuronInput, preTrace!)
        : c.kind === 'Input'
          ? (layer as spiking.Input).forward(x as Float32Array | Uint8Array)
          : (layer as spiking.LIFNeuron).forward(x as NeuronInput);
    compare(layer, result, ref, () => `${label(c)} | isa ${isa} n ${n} seed ${seed} step ${t}`);
    for (let i = 0; i < n; i++) {
      if (ref.spikes[i]) stats.spikes++;
      else stats.quiet++;
    }
    if (c.alwaysSpikes && stats.quiet > 0) {
      throw new Error(`${label(c)} | isa ${isa} n ${n} step ${t}: a neuron did not spike although thresh <= vRest`);
    }
  }
  return stats;
}

function addStats(a: Stats, b: Stats): Stats {
  return { spikes: a.spikes + b.spikes, quiet: a.quiet + b.quiet, refractory: a.refractory + b.refractory };
}

/** The test cannot pass vacuously: neurons spiked and stayed quiet, and (with a refractory stage) sat out steps. */
function expectActivity(c: Config, s: Stats): void {
  expect(s.spikes).toBeGreaterThan(0);
  if (!c.alwaysSpikes) expect(s.quiet).toBeGreaterThan(0);
  if (c.refrac) expect(s.refractory).toBeGreaterThan(0);
}

/** A seed from the configuration and size, so every run has its own inputs. */
function seedOf(c: Config, n: number, salt = 0): number {
  let h = (2166136261 ^ salt) >>> 0;
  for (const ch of `${label(c)}/${n}`) h = imul(h ^ ch.charCodeAt(0), 16777619);
  return h >>> 0;
}

// ---- the configurations tested ---------------------------------------------

/** The full product, at a few sizes: every update, refractory setting, scalar and per-neuron params, three layouts. */
const FULL: Config[] = KINDS.flatMap((kind) =>
  configsOf(kind, {
    params: ['scalar', 'perNeuron'],
    folds: ['k1', 'k3', 'list21'],
    feeds: ['f32-binary', 'f32-graded', 'u8-binary', 'u8-graded'],
    grid: false,
  }),
);
/**
 * [size, on the grid?] for the full product: a tail for every width and a
 * large layer; every third configuration (a different third per instruction
 * set) also runs at 4099 = 256 * 16 + 3.
 */
const FULL_SIZES: [number, boolean][] = [
  [37, true],
  [1000, false],
];
const LARGE = 4099;

/** The sweep over n = 1..67: per model, a rotating choice among all of its configurations. */
const SWEEP_DIMS = {
  params: ['scalar', 'perNeuron', 'mixed'] as ParamMode[],
  folds: ['k1', 'k2', 'k3', 'list21', 'list12', 'list111'] as Fold[],
  feeds: ['f32-binary', 'f32-graded', 'u8-binary', 'u8-graded'] as Feed[],
};
const SWEEP: Record<Kind, Config[]> = Object.fromEntries(
  KINDS.map((kind) => [kind, configsOf(kind, { ...SWEEP_DIMS, grid: false })]),
) as Record<Kind, Config[]>;
const SIZES = Array.from({ length: 67 }, (_, i) => i + 1);

/** The configurations the sweep runs at size n: per model two, a stride apart (coprime to every list length). */
function sweepAt(n: number): Config[] {
  return KINDS.flatMap((kind, m) => {
    const all = SWEEP[kind];
    return [0, 1].map((r) => {
      const c = all[((n - 1) * 2 + r + 11 * m) * 7 % all.length];
      return { ...c, grid: (n + r) % 3 === 0 };
    });
  });
}

/** thresh <= vRest: every neuron spikes every step, refractory or not. */
const ALWAYS: Config[] = NEURONS.flatMap((kind) =>
  configsOf(kind, { params: ['perNeuron'], folds: ['k3'], feeds: ['f32-graded'], grid: false }).map((c) => ({
    ...c,
    alwaysSpikes: true,
  })),
);

// ---- the tests -------------------------------------------------------------

/** The instruction set in force when the file starts (the best one, unless SPIKING_ISA forces another): restored after each block. */
const initial = spiking.instructionSet();

describe.each(spiking.instructionSets().map((isa, index) => [isa, index] as const))('kernels against the reference (%s)', (isa, isaIndex) => {
  beforeAll(() => spiking.setInstructionSet(isa));
  afterAll(() => spiking.setInstructionSet(initial));

  test('the instruction set is in force', () => {
    expect(spiking.instructionSet()).toBe(isa);
  });

  describe('full product', () => {
    test.each(FULL.map((c, i) => [label(c, false), c, i] as const))('%s', (_label, c, i) => {
      expect(spiking.instructionSet()).toBe(isa);
      const sizes: [number, boolean][] = (i + isaIndex) % 3 === 0 ? [...FULL_SIZES, [LARGE, false]] : FULL_SIZES;
      for (const [n, grid] of sizes) {
        const config = { ...c, grid };
        expectActivity(config, run(config, n, seedOf(config, n)));
      }
    });
  });

  describe('every width and tail', () => {
    test.each(SIZES)('n = %i', (n) => {
      expect(spiking.instructionSet()).toBe(isa);
      const configs = sweepAt(n);
      let all: Stats = { spikes: 0, quiet: 0, refractory: 0 };
      for (const c of configs) {
        const s = run(c, n, seedOf(c, n));
        all = addStats(all, s);
        expect(s.spikes).toBeGreaterThan(0);
      }
      expect(all.quiet).toBeGreaterThan(0);
      if (configs.some((c) => c.refrac)) expect(all.refractory).toBeGreaterThan(0);
    });
  });

  describe('thresh <= vRest: spikes every step, refractory or not', () => {
    test.each(ALWAYS.flatMap((c) => [5, 37, 1003].map((n) => [label(c), n, c] as const)))('%s, n = %i', (_l, n, c) => {
      expectActivity(c, run(c, n, seedOf(c, n)));
    });
  });

  describe('resetState in the middle of a run', () => {
    test.each(KINDS.map((kind) => [kind] as const))('%s', (kind) => {
      const c: Config = {
        kind,
        update: 'exponential',
        refrac: kind !== 'Input',
        params: 'perNeuron',
        fold: 'list21',
        feed: 'f32-graded',
        grid: false,
      };
      expectActivity(c, run(c, 45, seedOf(c, 45), { steps: 30, resetAfter: 12 }));
    });
  });
});

describe('the staged path (no kernel) against the reference', () => {
  /** Overrides one stage with a pass-through, which makes forward take the staged path. */
  const staged = (layer: Layer): Layer => {
    const own = (Object.getPrototypeOf(layer) as { updateTrace: (...args: unknown[]) => void }).updateTrace;
    Object.defineProperty(layer, 'updateTrace', {
      value(this: Layer, ...args: unknown[]) {
        return own.apply(this, args);
      },
    });
    return layer;
  };
  test.each(FULL.map((c) => [label(c, false), c] as const))('%s', (_label, c) => {
    for (const n of [1, 21]) {
      const config = { ...c, grid: n === 1 };
      const s = run(config, n, seedOf(config, n, 1), { wrap: staged });
      expect(s.spikes).toBeGreaterThan(0);
    }
  });
});
