// Training steps split by samples (native/runtime/plan_samples.cpp): with a
// learning rule the engine steps one step at a time, and on 2 or more
// threads each step runs in one fork/join, each thread taking its samples
// through the encoder, the input layer, every connection and neuron layer,
// the spike counts; the rule then reads the arrival lists the parts made.
// These tests pin that it gives the bits of stepping on one thread: weights,
// rule state, layers, spike counts and SpikeCounter counts, for 2 and 3
// threads (unequal sample ranges), batches of 2, 3 and 5, and sizes that
// leave every tail of every vector width (4, 8, 16 floats), on a Diehl &
// Cook-shaped network (Poisson inputs, adaptive thresholds, pair STDP with
// nearest-spike traces and normalisation, lateral inhibition as a feedback
// edge) and with MSTDPET, which reads the presynaptic trace each connection
// carried (kept by the parts).
//
// The same tests pin the input layers stepped by their lists of spikes
// (native/runtime/listed_input.cpp: tauT 0, a linear trace, alphaT >= 0;
// the connection's arrivals and the spike counts from the same lists) on 1
// thread too: the reference steps one step per call, and the first step of
// a call always runs the layer's kernel.
import * as spiking from '../lib';

const THREADS = spiking.numThreads();

afterEach(() => {
  spiking.setNumThreads(THREADS);
  spiking.setSplitting('auto');
});

type Kind = 'pair' | 'mstdpet';

function network(kind: Kind, batch: number, nIn: number, nOut: number, inputTrace?: (trace: Float32Array) => void, shared = false) {
  const dt = 1;
  // One rate per input of every sample, or one row every sample shares;
  // per sample, sample 1 has one input with a rate (one live block of four),
  // sample 2 none (silent, as an idle slot or a rest).
  const rate = (k: number) => ((k * 53) % 7 === 0 ? 0 : 40 + ((k * 37) % 500));
  const rates = Float64Array.from({ length: (shared ? 1 : batch) * nIn }, (_, k) =>
    shared || k < nIn || k >= 3 * nIn ? rate(k) : k === nIn + 5 ? 700 : 0,
  );
  const input = new spiking.Input({ cellsShape: [batch, nIn], dt, alphaT: kind === 'pair' ? 0.75 : 1, tauT: kind === 'pair' ? 0 : 0.7 });
  inputTrace?.(input.trace);
  const encoder = new spiking.PoissonEncoder({ cellsShape: [batch, nIn], rates, dt, seed: 3 });
  const exc = new spiking.AdaptiveThresholdLIFNeuron({
    cellsShape: [batch, nOut],
    thresh: 1.5,
    vRest: 0,
    alphaV: 1,
    alphaT: 1,
    dt,
    durationRefrac: 2,
    tauV: 0.9,
    tauT: 0,
    thetaPlus: 0.2,
    tauTheta: 0.99,
  });
  const linear = new spiking.Linear({ inFeatures: nIn, outFeatures: nOut, batchSize: batch, dt, weight: { init: 'uniform', low: 0, high: 0.6, seed: 7 } });
  const inhibition = new spiking.Linear({ inFeatures: nOut, outFeatures: nOut, batchSize: batch, dt, weight: { init: 'uniform', low: -0.8, high: 0, seed: 8 } });
  const layers = { exc: { connection: linear, neuron: exc } };
  const rule =
    kind === 'pair'
      ? new spiking.PairSTDP({ layers, tauPre: 5, tauPost: 4, aPlus: 0.02, aMinus: 0.015, wMin: 0, wMax: 1, trace: 'set' })
      : new spiking.MSTDPET({ layers, aPre: 1, aPost: 0.6, lr: 0.01, eTraceDecay: 0.9 });
  const net = new spiking.Network()
    .addLayer('in', input, { source: encoder })
    .addLayer('exc', exc)
    .connect('in', 'exc', linear, { learning: rule, ...(kind === 'pair' ? { normalize: { total: nIn * 0.2, every: 9 } } : {}) })
    .connect('exc', 'exc', inhibition);
  return { net, linear, input, counter: new spiking.SpikeCounter('exc') };
}

const STEPS = 40;
const reward = Float64Array.from({ length: STEPS }, (_, t) => (t % 5 === 2 ? 1 : t % 7 === 3 ? -0.5 : 0));

describe.each<Kind>(['pair', 'mstdpet'])('%s', (kind) => {
  describe.each([2, 3, 5])('batch %i', (batch) => {
    test.each([1, 15, 17, 33, 65])('%i outputs: one run on 1, 2 and 3 threads (split by samples) equals stepping on one', (nOut) => {
      const nIn = 2 * nOut + 7;
      const options = (t: number, n: number) => (kind === 'mstdpet' ? { reward: reward.subarray(t, t + n) } : {});
      spiking.setNumThreads(1);
      const stepped = network(kind, batch, nIn, nOut);
      const spikes = { in: new Array<number>(batch).fill(0), exc: new Array<number>(batch).fill(0) };
      for (let t = 0; t < STEPS; t++) {
        const counts = stepped.net.run(1, { ...options(t, 1), recorders: [stepped.counter] }).spikeCounts;
        for (const layer of ['in', 'exc'] as const) counts[layer].forEach((c, b) => (spikes[layer][b] += c));
      }
      const expected = Buffer.from(stepped.net.saveState());
      const initial = network(kind, batch, nIn, nOut).linear.weight;
      expect(stepped.linear.weight).not.toEqual(initial); // it learned
      expect(stepped.counter.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      for (const threads of [1, 2, 3]) {
        spiking.setNumThreads(threads);
        spiking.setSplitting('always');
        const engine = network(kind, batch, nIn, nOut);
        const counts = engine.net.run(STEPS, { ...options(0, STEPS), recorders: [engine.counter] }).spikeCounts;
        expect({ in: [...counts.in], exc: [...counts.exc] }).toEqual(spikes);
        expect([threads, Buffer.from(engine.net.saveState()).equals(expected)]).toEqual([threads, true]);
        expect(engine.counter.counts).toEqual(stepped.counter.counts);
      }
    });
  });
});

test.each([
  ['non-finite', (t: Float32Array) => t.set([NaN, Infinity, -Infinity], 1)],
  ['negative and -0', (t: Float32Array) => t.set([-3, -0, -1e-40], 1)],
])('input traces set by hand (%s) before a run, rates shared by the samples: one run equals stepping', (_, set) => {
  const batch = 3, nOut = 17, nIn = 41;
  spiking.setNumThreads(1);
  const stepped = network('pair', batch, nIn, nOut, set, true);
  for (let t = 0; t < STEPS; t++) stepped.net.run(1);
  const expected = Buffer.from(stepped.net.saveState());
  for (const threads of [1, 2]) {
    spiking.setNumThreads(threads);
    spiking.setSplitting('always');
    const engine = network('pair', batch, nIn, nOut, set, true);
    engine.net.run(STEPS);
    expect([threads, Buffer.from(engine.net.saveState()).equals(expected)]).toEqual([threads, true]);
  }
});

test('the MNIST network of examples/mnist-stdp.js trains to the same bits on 1 thread and split on 2 (batch 16)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadDigits, buildNetwork, runDigits } = require('../examples/mnist-stdp');
  const digits = loadDigits(1).train.slice(0, 20);
  const train = (threads: number) => {
    spiking.setNumThreads(threads);
    spiking.setSplitting(threads > 1 ? 'always' : 'auto');
    const model = buildNetwork({ neurons: 20, batch: 16, seed: 1, learn: true });
    const counts: number[] = [];
    runDigits(model, digits, (_: unknown, c: Uint32Array) => counts.push(...c), () => undefined);
    return { counts, weights: Float32Array.from(model.input.weight), theta: Float32Array.from(model.exc.theta) };
  };
  const one = train(1);
  const two = train(2);
  expect(two.counts).toEqual(one.counts);
  expect(Buffer.from(two.weights.buffer).equals(Buffer.from(one.weights.buffer))).toBe(true);
  expect(Buffer.from(two.theta.buffer).equals(Buffer.from(one.theta.buffer))).toBe(true);
});
