// PairSTDP with nearest-spike traces in the engine (runtime/aged_trace.hpp):
// the traces stepped by their age through a table of decay powers give the
// bits of multiplying them (rule.updateState(); rule.step() by hand), also
// once they sit at their subnormal fixed point, across run/step() pieces and
// 1-3 threads, and where a decay has no table (then the engine multiplies).
import * as spiking from '../lib';
import { Input, LIFNeuron, Linear, Network, PairSTDP, PoissonEncoder } from '../lib';
import { expectIdentical } from './helpers';

const THREADS = spiking.numThreads();
afterAll(() => spiking.setNumThreads(THREADS));

interface Case {
  batch: number;
  nIn: number;
  nOut: number;
  tauPre: number;
  tauPost: number;
  update: 'additive' | 'multiplicative';
  seed: number;
}

function parts(c: Case) {
  const dt = 1;
  const { batch, nIn, nOut, seed } = c;
  const input = new Input({ cellsShape: [batch, nIn], dt, alphaT: 1, tauT: 2, updateType: 'exponential' });
  // Every third input silent (its trace stays +0), every third one rare (its
  // trace decays to the fixed point between spikes), the others drive.
  const rates = Float64Array.from({ length: nIn }, (_, i) => [5 + ((i * 37 + seed) % 60), 0, 3][i % 3]);
  const encoder = new PoissonEncoder({ cellsShape: [batch, nIn], rates, dt, seed });
  const linear = new Linear({ inFeatures: nIn, outFeatures: nOut, batchSize: batch, dt, weight: { init: 'uniform', low: 0.8, high: 1.6, seed } });
  const neuron = new LIFNeuron({ cellsShape: [batch, nOut], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 2, tauV: 5, tauT: 4, updateType: 'exponential' });
  const rule = new PairSTDP({
    layers: { hidden: { connection: linear, neuron } },
    tauPre: c.tauPre,
    tauPost: c.tauPost,
    aPlus: 0.02,
    aMinus: 0.015,
    wMax: 1,
    update: c.update,
    trace: 'set',
  });
  return { input, encoder, linear, neuron, rule };
}

function byHand(c: Case, steps: number) {
  const p = parts(c);
  const x = new Uint8Array(p.input.size);
  const current = new Float32Array(p.neuron.size);
  for (let t = 0; t < steps; t++) {
    p.encoder.encode(t, x);
    p.input.forward(x);
    p.linear.current(p.input.spikes, current.fill(0));
    p.neuron.forward(current);
    p.rule.updateState();
    p.rule.step();
  }
  return p;
}

/** The engine over `pieces` (steps per call; negative: that many net.step() calls). */
function inEngine(c: Case, pieces: number[]) {
  const p = parts(c);
  const net = new Network().addLayer('in', p.input, { source: p.encoder }).addLayer('hidden', p.neuron).connect('in', 'hidden', p.linear, { learning: p.rule });
  expect(net.engine).toBe('native');
  for (const n of pieces) {
    if (n > 0) net.run(n);
    else for (let k = 0; k < -n; k++) net.step();
  }
  return p;
}

const subnormal = (v: number) => v > 0 && v < 1.1754943508222875e-38;

const CASES: [string, number, Case][] = [
  ['1 x 40 -> 3', 1, { batch: 1, nIn: 40, nOut: 3, tauPre: 2, tauPost: 3, update: 'additive', seed: 7 }],
  ['1 x 17 -> 5', 1, { batch: 1, nIn: 17, nOut: 5, tauPre: 2, tauPost: 3, update: 'multiplicative', seed: 2 }],
  ['3 x 33 -> 16', 2, { batch: 3, nIn: 33, nOut: 16, tauPre: 2.5, tauPost: 1.5, update: 'additive', seed: 3 }],
  ['2 x 70 -> 31', 3, { batch: 2, nIn: 70, nOut: 31, tauPre: 3, tauPost: 2, update: 'multiplicative', seed: 4 }],
  ['4 x 129 -> 65', 3, { batch: 4, nIn: 129, nOut: 65, tauPre: 2, tauPost: 2, update: 'additive', seed: 5 }],
  // exp(-1e-7) has no table (10^9 steps to its fixed point): the engine multiplies.
  ['2 x 33 -> 9, no table', 2, { batch: 2, nIn: 33, nOut: 9, tauPre: 1e7, tauPost: 2, update: 'additive', seed: 6 }],
];

describe('PairSTDP nearest-spike traces by age', () => {
  test.each(CASES)('run equals the by-hand loop (%s, %i thread(s))', (_, threads, c) => {
    spiking.setNumThreads(threads);
    const steps = 900;
    const hand = byHand(c, steps);
    const engine = inEngine(c, [steps]);
    const pieces = inEngine(c, [1, 299, -7, 593]);
    for (const [what, got] of [['one run', engine], ['pieces', pieces]] as const) {
      expectIdentical(got.linear.weight, hand.linear.weight, `${what}: weights`);
      expectIdentical(got.rule.preTrace('hidden'), hand.rule.preTrace('hidden'), `${what}: presynaptic traces`);
      expectIdentical(got.rule.postTrace('hidden'), hand.rule.postTrace('hidden'), `${what}: postsynaptic traces`);
      expectIdentical(got.neuron.vCell, hand.neuron.vCell, `${what}: voltages`);
    }
    // The traces went all the way down: +0 (never fired) and the subnormal fixed point.
    const pre = hand.rule.preTrace('hidden');
    expect(pre.some((v) => v === 0)).toBe(true);
    if (c.tauPre < 10) expect(pre.some(subnormal)).toBe(true);
    expect(hand.rule.postTrace('hidden').some((v) => v > 0)).toBe(true);
  });
});

// The engine keeps the ages a call ended with for the next call on the same
// traces (runtime/aged_trace.cpp, resume): only while the traces still hold
// exactly what that call wrote. Changed in between (reset, loaded, stepped
// in JavaScript), they are looked up again; kept while steps without
// learning pass, they are shifted by those steps.
test.each([1, 2])('ages kept across calls are dropped when the traces changed in between (%i thread(s))', (threads) => {
  spiking.setNumThreads(threads);
  const c = CASES[2][2];
  const network = () => {
    const p = parts(c);
    const net = new Network();
    net.addLayer('in', p.input, { source: p.encoder });
    net.addLayer('hidden', p.neuron);
    net.connect('in', 'hidden', p.linear, { learning: p.rule });
    return { p, net };
  };
  const script = ({ p, net }: ReturnType<typeof network>, go: (net: Network, steps: number, learning?: boolean) => void) => {
    go(net, 250);
    go(net, 1);
    go(net, 40, false); // the traces stay as they are while time goes on: the ages are kept, shifted
    go(net, 30);
    const saved = net.saveState();
    go(net, 120);
    p.rule.resetState();
    go(net, 130);
    net.loadState(saved);
    go(net, 140);
    net.step();
    go(net, 60);
  };
  const engine = network();
  script(engine, (net, steps, learning = true) => net.run(steps, { learning }));
  const stepped = network();
  script(stepped, (net, steps, learning = true) => {
    for (let k = 0; k < steps; k++) net.step({ learning });
  });
  expectIdentical(engine.p.linear.weight, stepped.p.linear.weight, 'weights');
  expectIdentical(engine.p.rule.preTrace('hidden'), stepped.p.rule.preTrace('hidden'), 'presynaptic traces');
  expectIdentical(engine.p.rule.postTrace('hidden'), stepped.p.rule.postTrace('hidden'), 'postsynaptic traces');
});
