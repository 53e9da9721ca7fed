// SpikeCounter (lib/network/recorders.ts): per-neuron spike counts that the
// engine adds natively (a count tap, native/runtime/plan.hpp
// TapVariable::SpikeCounts), equal to summing the spikes of step() one step
// at a time: for run, runAsync and step, on random graphs, every instruction
// set, block size and 1/2/3 threads, and on the MNIST network with learning
// (the engine's step-by-step path). The engine's spike scans (countSpikes,
// listSpikes, the counters) skip silent stretches of 32 bytes: layers of
// 1..130 neurons with single spikes at every position and random densities
// cover every word, stretch and tail.
import fc from 'fast-check';

import * as spiking from '../lib';
import { buildNetwork, networkArbOf, networkStateOf, PROPERTY_SEED, prng, runs, stateDifference, timeout, type NetworkConfig } from './arbitraries';
import { restoreRuntimeAfterAll } from './helpers';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist = require('../examples/mnist-stdp');

fc.configureGlobal({ seed: PROPERTY_SEED });
const ISAS = spiking.instructionSets();
restoreRuntimeAfterAll();

/** The oracle: counts[layer][k] += spikes[k] of every step, summed in JavaScript. */
function addSpikes(net: { layerNames: string[]; layer(name: string): { spikes: ArrayLike<number> } }, sums: Record<string, Float64Array>): void {
  for (const name of net.layerNames) {
    const spikes = net.layer(name).spikes;
    sums[name] ??= new Float64Array(spikes.length);
    for (let k = 0; k < spikes.length; k++) sums[name][k] += spikes[k] ? 1 : 0;
  }
}

function difference(counters: spiking.SpikeCounter[], sums: Record<string, Float64Array>): string | null {
  for (const c of counters) {
    const want = sums[c.layer] ?? new Float64Array(c.counts.length);
    if (c.counts.length !== want.length) return `${c.layer}: ${c.counts.length} counts, expected ${want.length}`;
    const k = c.counts.findIndex((v, i) => v !== want[i]);
    if (k >= 0) return `${c.layer}[${k}]: ${c.counts[k]}, stepping summed ${want[k]}`;
  }
  return null;
}

/** The config with no stored spike history (the engine's form). */
const native = (config: NetworkConfig): NetworkConfig => ({
  ...config,
  layers: config.layers.map((l) => ({ ...l, options: { ...l.options, ...(l.cls === 'Input' ? {} : { storeTrace: false }) } })),
});

type Op = { op: 'run' | 'runAsync' | 'step'; steps: number } | { op: 'feed'; seed: number } | { op: 'reset' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constantFrom('run' as const, 'runAsync' as const), steps: fc.integer({ min: 0, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('step' as const), steps: fc.constant(1) }) },
  { weight: 2, arbitrary: fc.integer().map((seed) => ({ op: 'feed' as const, seed })) },
  { weight: 1, arbitrary: fc.constant({ op: 'reset' as const }) },
);

describe('property: SpikeCounter equals summing the spikes of stepping', () => {
  const property = (most: { batch: number; width: number }, opsMax: number) =>
    fc.asyncProperty(
      networkArbOf(most),
      fc.nat(ISAS.length - 1),
      fc.constantFrom(1, 2, 3),
      fc.constantFrom(0, 1, 2, 7),
      fc.array(opArb, { minLength: 1, maxLength: opsMax }),
      async (raw, isa, threads, blockSteps, ops) => {
        spiking.setInstructionSet(ISAS[isa]);
        spiking.setNumThreads(threads);
        spiking.setBlockSteps(blockSteps);
        const config = native(raw);
        const engine = buildNetwork(config);
        const stepped = buildNetwork(config);
        expect(engine.engine).toBe('native');
        const counters = engine.layerNames.map((name) => new spiking.SpikeCounter(name));
        let sums: Record<string, Float64Array> = {};
        for (const [k, op] of ops.entries()) {
          const where = `${ISAS[isa]}, ${threads} thread(s), blocks of ${blockSteps}, op ${k} ${JSON.stringify(op)}`;
          if (op.op === 'feed') {
            for (const net of config.poisson ? [] : [engine, stepped]) {
              const r = prng(op.seed);
              const x = net.input('in');
              for (let i = 0; i < x.length; i++) x[i] = r() < 0.3 ? 1 : 0;
            }
            continue;
          }
          if (op.op === 'reset') {
            for (const c of counters) c.reset();
            sums = {};
            continue;
          }
          if (op.op === 'run') engine.run(op.steps, { recorders: counters });
          else if (op.op === 'runAsync') await engine.runAsync(op.steps, { recorders: counters });
          else engine.step({ recorders: counters });
          for (let t = 0; t < op.steps; t++) {
            stepped.step();
            addSpikes(stepped, sums);
          }
          const wrong = difference(counters, sums) ?? stateDifference(networkStateOf(engine), networkStateOf(stepped));
          if (wrong) throw new Error(`${where}: ${wrong}`);
        }
      },
    );

  test('small random graphs', async () => {
    await fc.assert(property({ batch: 3, width: 6 }, 8), { numRuns: runs(60) });
  }, timeout(60));

  test('wider random graphs (up to 4 samples of 80 neurons)', async () => {
    await fc.assert(property({ batch: 4, width: 80 }, 5), { numRuns: runs(25) });
  }, timeout(25, 120_000));
});

/** Input (hand-fed) -> LIF: the input's spikes as `pattern(step)` writes them. */
function fedNetwork(batch: number, n: number): spiking.Network {
  const net = new spiking.Network();
  net.addLayer('in', new spiking.Input({ cellsShape: [batch, n], dt: 1, alphaT: 1, tauT: 0 }));
  net.addLayer('out', new spiking.LIFNeuron({ cellsShape: [batch, 3], thresh: 2.5, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.9, tauT: 0 }));
  const values = Float32Array.from({ length: 3 * n }, (_, k) => 0.1 + (k % 13) * 0.07);
  net.connect('in', 'out', new spiking.Linear({ inFeatures: n, outFeatures: 3, batchSize: batch, dt: 1, weight: { init: 'values', values } }));
  return net;
}

test('the spike scans at every size from 1 to 130: single spikes at each position, silence and random densities', () => {
  spiking.setNumThreads(1);
  for (const blockSteps of [1, 16]) {
    spiking.setBlockSteps(blockSteps);
    for (let n = 1; n <= 130; n++) {
      const batch = 2;
      // Step s: silent (s = 0), one spike at position s - 1 in sample s % 2, then random densities.
      const steps = n + 1 + 6;
      const patterns = Array.from({ length: steps }, (_, s) => {
        const x = new Uint8Array(batch * n);
        if (s >= 1 && s <= n) x[(s % batch) * n + s - 1] = 1;
        if (s > n) {
          const r = prng(n * 100 + s);
          const density = [0.01, 0.05, 0.3, 0.9, 1, 0][s - n - 1];
          for (let i = 0; i < x.length; i++) x[i] = r() < density ? 1 : 0;
        }
        return x;
      });
      const engine = fedNetwork(batch, n);
      const stepped = fedNetwork(batch, n);
      const counters = [new spiking.SpikeCounter('in'), new spiking.SpikeCounter('out')];
      const sums: Record<string, Float64Array> = {};
      const perSample = new Float64Array(batch);
      for (let s = 0; s < steps; s++) {
        // One step per run: the input is written between runs.
        engine.input('in').set(patterns[s]);
        const counts = engine.run(1, { recorders: counters }).spikeCounts.in;
        for (let b = 0; b < batch; b++) perSample[b] += counts[b];
        stepped.input('in').set(patterns[s]);
        stepped.step();
        addSpikes(stepped, sums);
      }
      const wanted = [0, 1].map((b) => sums.in.subarray(b * n, (b + 1) * n).reduce((a, v) => a + v, 0));
      const wrong =
        difference(counters, sums) ??
        stateDifference(networkStateOf(engine), networkStateOf(stepped)) ??
        (perSample.every((v, b) => v === wanted[b]) ? null : `run's spikeCounts ${perSample.join(',')} vs ${wanted.join(',')}`);
      if (wrong) throw new Error(`n ${n}, blocks of ${blockSteps}: ${wrong}`);
    }
  }
  spiking.setBlockSteps(0);
});

test('spike counts past 255 rounds of 32 bytes (rows of more than 8,160 inputs), every input spiking or every other', () => {
  spiking.setNumThreads(1);
  for (const n of [8160, 8161, 8192, 9000]) {
    const net = fedNetwork(2, n);
    const x = net.input('in');
    for (let i = 0; i < x.length; i++) x[i] = i < n ? 1 : (i % 2) * 7; // sample 1: graded bytes, every other input
    const counter = new spiking.SpikeCounter('in');
    const counts = net.run(2, { recorders: [counter] }).spikeCounts.in;
    expect([n, Array.from(counts)]).toEqual([n, [2 * n, 2 * Math.ceil(n / 2)]]);
    expect(counter.counts.reduce((a, v) => a + v, 0)).toBe(counts[0] + counts[1]);
  }
});

test('a long run in blocks equals stepping with one pattern per step (blocked arrivals over silent stretches)', () => {
  for (const threads of [1, 2, 3]) {
    spiking.setNumThreads(threads);
    for (const n of [31, 32, 33, 64, 100, 129]) {
      const engine = fedNetwork(3, n);
      const stepped = fedNetwork(3, n);
      const counter = new spiking.SpikeCounter('in');
      // A fixed input for the whole run: one spike every 37 bytes (silent stretches between).
      const x = Uint8Array.from({ length: 3 * n }, (_, k) => (k % 37 === 5 ? 1 : 0));
      engine.input('in').set(x);
      stepped.input('in').set(x);
      engine.run(50, { recorders: [counter] });
      const sums: Record<string, Float64Array> = {};
      for (let t = 0; t < 50; t++) {
        stepped.step();
        addSpikes(stepped, sums);
      }
      const wrong = difference([counter], sums) ?? stateDifference(networkStateOf(engine), networkStateOf(stepped));
      if (wrong) throw new Error(`${threads} thread(s), n ${n}: ${wrong}`);
    }
  }
});

describe('the MNIST network with learning (the engine steps it one step at a time)', () => {
  const digits = mnist.loadDigits(1).train.slice(0, 3);
  const model = (batch: number) => {
    const m = mnist.buildNetwork({ neurons: 37, batch, seed: 4, learn: true });
    const rates = new Float32Array(batch * 784);
    for (let b = 0; b < batch; b++) for (let i = 0; i < 784; i++) rates[b * 784 + i] = digits[b].pixels[i] * 150;
    m.encoder.setRates(rates);
    return m;
  };

  test.each([1, 2, 3])('run, runAsync and step count what stepping sums, weights and thetas the same (%i thread(s))', async (threads) => {
    spiking.setNumThreads(threads);
    for (const batch of [1, 3]) {
      const engine = model(batch);
      const stepped = model(batch);
      const counters = [new spiking.SpikeCounter('exc'), new spiking.SpikeCounter('in')];
      engine.net.run(150, { recorders: counters });
      await engine.net.runAsync(100, { recorders: counters });
      for (let t = 0; t < 3; t++) engine.net.step({ recorders: counters });
      const sums: Record<string, Float64Array> = {};
      for (let t = 0; t < 253; t++) {
        stepped.net.step();
        addSpikes(stepped.net, sums);
      }
      expect(sums.exc.reduce((a: number, v: number) => a + v, 0)).toBeGreaterThan(5);
      expect(difference(counters, sums)).toBeNull();
      expect(Buffer.from(engine.input.weight.buffer).equals(Buffer.from(stepped.input.weight.buffer))).toBe(true);
      expect(Buffer.from(engine.net.saveState()).equals(Buffer.from(stepped.net.saveState()))).toBe(true);
    }
  }, 60_000);
});

describe('SpikeCounter', () => {
  const small = () =>
    new spiking.Network()
      .addLayer('in', new spiking.Input({ cellsShape: [2, 5], dt: 1, alphaT: 1, tauT: 0 }))
      .addLayer('lif', new spiking.LIFNeuron({ cellsShape: [2, 4], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.5, tauT: 0 }));

  test('keeps counting across runs until reset; a layer of another size gets new, zeroed counts', () => {
    const net = small();
    const counter = new spiking.SpikeCounter('in');
    expect(counter.counts).toHaveLength(0);
    net.input('in').set([1, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    net.run(3, { recorders: [counter] });
    net.step({ recorders: [counter] });
    expect(Array.from(counter.counts)).toEqual([4, 0, 4, 0, 0, 0, 0, 0, 0, 4]);
    counter.reset();
    expect(Array.from(counter.counts)).toEqual(new Array(10).fill(0));
    net.run(2, { recorders: [counter] });
    expect(counter.counts[9]).toBe(2);
    const other = new spiking.Network().addLayer('in', new spiking.Input({ cellsShape: [1, 3], dt: 1, alphaT: 1, tauT: 0 }));
    other.run(1, { recorders: [counter] });
    expect(Array.from(counter.counts)).toEqual([0, 0, 0]);
  });

  test('a network that steps in JavaScript counts through record(), the same counts', () => {
    const build = () => {
      const net = small();
      const lif = net.layer('lif');
      lif.forward = function (this: spiking.LIFNeuron, x: Float32Array) {
        return spiking.LIFNeuron.prototype.forward.call(this, x); // an own method: no native form
      } as typeof lif.forward;
      net.connect('in', 'lif', new spiking.Linear({ inFeatures: 5, outFeatures: 4, batchSize: 2, dt: 1, weight: { init: 'uniform', low: 0, high: 0.5, seed: 3 } }));
      net.input('in').set([1, 0, 1, 1, 0, 0, 1, 0, 1, 1]);
      return net;
    };
    const net = build();
    expect(net.engine).toBe('layer "lif" overrides forward');
    const counter = new spiking.SpikeCounter('lif');
    net.run(30, { recorders: [counter] });
    const twin = build();
    const sums: Record<string, Float64Array> = {};
    for (let t = 0; t < 30; t++) {
      twin.step();
      addSpikes(twin, sums);
    }
    expect(sums.lif.reduce((a, v) => a + v, 0)).toBeGreaterThan(0);
    expect(difference([counter], sums)).toBeNull();
  });

  test('a bad layer name, or a reset during a run, gets a clear error', async () => {
    const net = small();
    expect(() => new spiking.SpikeCounter('' as string)).toThrow('Expected the name of a layer (a non-empty string) for layer but received string ""');
    expect(() => new spiking.SpikeCounter(3 as unknown as string)).toThrow(TypeError);
    const bad = new spiking.SpikeCounter('exc');
    expect(() => net.run(5, { recorders: [bad] })).toThrow(`Expected one of the network's layers (in, lif) for layer of the SpikeCounter but received string "exc"`);
    await expect(net.runAsync(5, { recorders: [bad] })).rejects.toThrow(RangeError);
    expect(() => net.step({ recorders: [bad] })).toThrow(RangeError);
    expect(net.time).toBe(0);
    const counter = new spiking.SpikeCounter('lif');
    expect(() => net.run(300, { recorders: [counter], onStep: () => counter.reset() })).toThrow(
      'SpikeCounter.reset: the counter of layer "lif" is recording a run; reset it before or after the run',
    );
    counter.reset(); // after the run: allowed
  });
});
