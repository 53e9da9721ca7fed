// Shared helpers for the unit tests: float32 rounding, a seeded random
// generator, exact comparison of layer states, and the docs/semantics.md oracle
// (test/reference.ts) set up for long random trajectories.
import * as spiking from '../lib';

import { createReferenceState, referenceStep, type ReferenceKind, type ReferenceState } from './reference';

export const f32 = Math.fround;

/**
 * Puts the process-wide engine settings a test file changes (instruction
 * set, threads, steps per block, splitting) back as they were when the file
 * started, after its last test: registers the afterAll.
 */
export function restoreRuntimeAfterAll(): void {
  const isa = spiking.instructionSet();
  const threads = spiking.numThreads();
  const blockSteps = spiking.blockSteps();
  const splitting = spiking.splitting();
  afterAll(() => {
    spiking.setInstructionSet(isa);
    spiking.setNumThreads(threads);
    spiking.setBlockSteps(blockSteps);
    spiking.setSplitting(splitting);
  });
}

/** Plain numbers, for toEqual. */
export function arr(a: ArrayLike<number>): number[] {
  return Array.from(a);
}

// Looked up once: inside jest's sandbox every lookup of a global (Math
// included) goes through the context's interceptor and costs ~0.3 us.
const { imul } = Math;

/**
 * The tests' one seeded generator (mulberry32), uniform in [0, 1), so every
 * run sees the same "random" inputs.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n values, each 1 with probability p, else 0, as float32. */
export function randomSpikes(rand: () => number, length: number, p: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = rand() < p ? 1 : 0;
  return out;
}

/** n arbitrary float32 values in [lo, hi). */
export function randomValues(rand: () => number, length: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = lo + (hi - lo) * rand();
  return out;
}

/** n per-neuron float32 values in [lo, hi), as a number[] (already float32 values). */
export function perNeuron(rand: () => number, n: number, lo: number, hi: number): number[] {
  return Array.from(randomValues(rand, n, lo, hi));
}

/** Fails with the first index where a[i] === b[i] does not hold (=== is the contract). */
export function expectIdentical(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] === b[i])) throw new Error(`${what}[${i}]: ${a[i]} !== ${b[i]}`);
  }
}

type Neuron = spiking.BaseNeuron;

/** Every observable state of two neurons is identical (===), complete trace included. */
export function expectSameNeuronState(a: Neuron, b: Neuron, where: string, withHistory = true): void {
  expectIdentical(a.spikes, b.spikes, `${where}: spikes`);
  expectIdentical(a.vCell, b.vCell, `${where}: vCell`);
  expectIdentical(a.trace, b.trace, `${where}: trace`);
  expectIdentical(a.refracCounts, b.refracCounts, `${where}: refracCounts`);
  expectIdentical(a.thresh, b.thresh, `${where}: thresh`);
  if (a instanceof spiking.AdaptiveThresholdLIFNeuron && b instanceof spiking.AdaptiveThresholdLIFNeuron) {
    expectIdentical(a.theta, b.theta, `${where}: theta`);
  }
  if (!withHistory) return;
  const ta = a.completeTrace;
  const tb = b.completeTrace;
  expect(ta === null).toBe(tb === null);
  if (ta && tb) {
    expect(ta.shape).toEqual(tb.shape);
    expectIdentical(ta.data, tb.data, `${where}: completeTrace`);
  }
}

/** Runs f under every instruction set this CPU offers, restoring the best one afterwards. */
export function underEveryIsa(f: (isa: string) => void): void {
  const all = spiking.instructionSets();
  try {
    for (const isa of all) {
      spiking.setInstructionSet(isa);
      f(isa);
    }
  } finally {
    spiking.setInstructionSet(all[0]);
  }
}

// ---------------------------------------------------------------------------
// The reference of docs/semantics.md (test/reference.ts), as these tests build it.

export type RefModel = 'IF' | 'LIF' | 'Adaptive' | 'Fede' | 'Theta';
type P = number | readonly number[];

export interface RefOptions {
  model: RefModel;
  n: number;
  update: 'linear' | 'exponential';
  dt: number;
  vRest: number;
  /** durationRefrac / dt, whole steps. */
  refracSteps: number;
  thresh: P;
  alphaV: P;
  alphaT: P;
  tauV?: P;
  tauT: P;
  alphaThresh?: P;
  tauThresh?: P;
  thetaPlus?: P;
  tauTheta?: P;
}

/** The docs/semantics.md oracle of test/reference.ts behind the options these tests use. */
export class Reference {
  readonly state: ReferenceState;

  constructor(options: RefOptions) {
    const { model, refracSteps, update, ...spec } = options;
    this.state = createReferenceState(REFERENCE_KINDS[model], {
      ...spec,
      updateType: update,
      durationRefrac: refracSteps * options.dt,
    });
  }

  /** x (and Fede's preTrace): layout (n, k). */
  step(x: Float32Array, preTrace?: Float32Array): void {
    referenceStep(this.state, x, preTrace);
  }
}

const REFERENCE_KINDS: Record<RefModel, ReferenceKind> = {
  IF: 'IFNeuron',
  LIF: 'LIFNeuron',
  Adaptive: 'AdaptiveLIFNeuron',
  Fede: 'FedeNeuron',
  Theta: 'AdaptiveThresholdLIFNeuron',
};

/** The reference state equals the layer's, ===, element by element. */
export function expectMatchesReference(layer: Neuron, ref: Reference, where: string): void {
  const { state } = ref;
  expectIdentical(layer.spikes, state.spikes, `${where}: spikes`);
  expectIdentical(layer.vCell, state.vCell, `${where}: vCell`);
  expectIdentical(layer.trace, state.trace, `${where}: trace`);
  expectIdentical(layer.refracCounts, state.refracCounts, `${where}: refracCounts`);
  expectIdentical(layer.thresh, state.thresh, `${where}: thresh`);
  if (layer instanceof spiking.AdaptiveThresholdLIFNeuron) expectIdentical(layer.theta, state.theta, `${where}: theta`);
}

/** Independent concatenation along the last dimension: parts of layout (n, k_s) into (n, sum k_s). */
export function joinLast(parts: readonly Float32Array[], n: number): Float32Array {
  const widths = parts.map((p) => p.length / n);
  const k = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    let at = i * k;
    parts.forEach((p, s) => {
      for (let j = 0; j < widths[s]; j++) out[at++] = p[i * widths[s] + j];
    });
  }
  return out;
}

/** Wraps the named method of one instance so that calls are counted; the behaviour is unchanged. */
export function countCalls(instance: object, method: string): { calls: number } {
  const counter = { calls: 0 };
  const original = (instance as Record<string, (...args: unknown[]) => unknown>)[method];
  Object.defineProperty(instance, method, {
    configurable: true,
    value(this: unknown, ...args: unknown[]) {
      counter.calls++;
      return original.apply(this, args);
    },
  });
  return counter;
}

/** A Float32Array of the given values. */
export const F = (...v: number[]) => Float32Array.from(v);

/** What the per-model tests' base options share: threshold 1, rest 0, unit steps and trace increase, no refractory period. */
export const NEURON_TEST_OPTIONS = { thresh: 1, vRest: 0, alphaT: 1, dt: 1, durationRefrac: 0 };

/**
 * The per-model tests' setup: the model's base options, and make(over),
 * a layer of the model with some of them changed.
 */
export function modelSetup<O extends object, L>(Model: new (options: O) => L, base: NoInfer<O>) {
  return { base, make: (over: Partial<O> = {}) => new Model({ ...base, ...over }) };
}
