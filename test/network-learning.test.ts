// Learning rules inside the network engine (docs/learning.md, "In a network"):
// net.run/runAsync/step with connect(..., { learning }) give the bits of
// stepping the layers by hand and calling rule.updateState(); rule.step()
// after each step, for 1, 2 and 3 threads; learning on/off, rewards,
// normalisation, save/load mid-training, busy guards and bad input.
import * as spiking from '../lib';
import { FedeNeuron, FedeSTDP, Input, LIFNeuron, Linear, MSTDPET, Network, PairSTDP, PoissonEncoder, normalizeWeights } from '../lib';
import { expectIdentical } from './helpers';
import { decodeRecord, encodeRecord } from '../lib/state/codec';

const THREADS = spiking.numThreads();
afterAll(() => spiking.setNumThreads(THREADS));

type Kind = 'pair' | 'mstdpet' | 'fede';

interface Sizes {
  batch: number;
  nIn: number;
  nOut: number;
  seed: number;
}

/** The pieces of input (Poisson) -> linear -> neuron, with a rule on the connection; built the same each call. */
function parts(kind: Kind, { batch, nIn, nOut, seed }: Sizes) {
  const dt = 1;
  const input = new Input({ cellsShape: [batch, nIn], dt, alphaT: 1, tauT: 4, updateType: 'exponential' });
  const rates = Float64Array.from({ length: nIn }, (_, i) => 50 + ((i * 37 + seed) % 400));
  const encoder = new PoissonEncoder({ cellsShape: [batch, nIn], rates, dt, seed });
  // delays: one for every synapse (PairSTDP takes no other), per synapse for MSTDPET
  const delay = kind === 'mstdpet' ? Float32Array.from({ length: nIn * nOut }, (_, k) => (k * 7 + seed) % 3) : 1 + (seed % 2);
  const weight = { init: 'uniform', low: 0, high: kind === 'fede' ? 0.6 : 0.3, seed } as const;
  const linear = new Linear({ inFeatures: nIn, outFeatures: nOut, batchSize: batch, dt, delay, weight });
  const neuron =
    kind === 'fede'
      ? new FedeNeuron({ cellsShape: [batch, nOut], thresh: 0.3, vRest: 0, alphaV: 1, alphaT: 0.5, dt, durationRefrac: 1, tauV: 4, tauT: 3 })
      : new LIFNeuron({ cellsShape: [batch, nOut], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 1, tauV: 5, tauT: 4, updateType: 'exponential' });
  const layers = { hidden: { connection: linear, neuron } };
  const rule =
    kind === 'pair'
      ? new PairSTDP({ layers, tauPre: 5, tauPost: 4, aPlus: 0.02, aMinus: 0.015, wMax: 0.5, update: 'multiplicative' })
      : kind === 'mstdpet'
        ? new MSTDPET({ layers, aPre: 1, aPost: 0.6, lr: 0.01, eTraceDecay: 0.9 })
        : new FedeSTDP({ layers, lr: 0.001, wInit: 0.3, a: 0.5 });
  return { input, encoder, linear, neuron, rule };
}

function network(kind: Kind, sizes: Sizes, normalize?: { total: number; every?: 'run' | number }) {
  const p = parts(kind, sizes);
  const net = new Network()
    .addLayer('in', p.input, { source: p.encoder })
    .addLayer('hidden', p.neuron)
    .connect('in', 'hidden', p.linear, { learning: p.rule, ...(normalize ? { normalize } : {}) });
  return { ...p, net };
}

/** The reference: the layers stepped by hand, then rule.updateState(); rule.step(reward). */
function byHand(kind: Kind, sizes: Sizes, steps: number, reward: (t: number) => number = () => 0, t0 = 0, given?: ReturnType<typeof parts>) {
  const p = given ?? parts(kind, sizes);
  const x = new Uint8Array(p.input.size);
  const current = new Float32Array(p.neuron.size);
  for (let t = t0; t < t0 + steps; t++) {
    p.encoder.encode(t, x);
    p.input.forward(x);
    if (kind === 'pair') {
      p.linear.current(p.input.spikes, current.fill(0));
      (p.neuron as LIFNeuron).forward(current);
    } else if (kind === 'mstdpet') {
      (p.neuron as LIFNeuron).forward(p.linear.forward(p.input.spikes, p.input.trace).x);
    } else {
      p.linear.difference(p.input.spikes, p.input.trace, current.fill(-0));
      (p.neuron as FedeNeuron).forward(current, new Float32Array(p.neuron.size));
    }
    p.rule.updateState();
    const r = reward(t);
    if (!(p.rule instanceof MSTDPET)) p.rule.step();
    else if (r !== 0) p.rule.step(r);
  }
  return p;
}

function ruleState(rule: spiking.LearningRule): Uint8Array {
  return rule.saveState();
}

function expectSameTraining(a: { linear: Linear; neuron: { spikes: Uint8Array; trace: Float32Array }; rule: spiking.LearningRule }, b: typeof a, what: string): void {
  expectIdentical(a.linear.weight, b.linear.weight, `${what}: weights`);
  expectIdentical(a.neuron.trace, b.neuron.trace, `${what}: neuron trace`);
  expectIdentical(ruleState(a.rule), ruleState(b.rule), `${what}: rule state`);
}

const SMALL: Sizes = { batch: 3, nIn: 70, nOut: 13, seed: 5 };
// Big enough that the rule's kernels split across the pool.
const BIG: Sizes = { batch: 4, nIn: 300, nOut: 520, seed: 9 };
const reward = (t: number) => (t % 7 === 3 ? 1 : t % 11 === 5 ? -0.5 : 0);

describe.each<Kind>(['pair', 'mstdpet', 'fede'])('%s in the engine', (kind) => {
  test.each([
    ['small', 1, SMALL],
    ['small', 2, SMALL],
    ['big', 1, BIG],
    ['big', 2, BIG],
    ['big', 3, BIG],
  ] as const)('run equals the by-hand loop (%s, %i thread(s))', (_, threads, sizes) => {
    spiking.setNumThreads(threads);
    const steps = 60;
    const rewards = Float64Array.from({ length: steps }, (_, t) => reward(t));
    const engine = network(kind, sizes);
    expect(engine.net.engine).toBe('native');
    engine.net.run(steps, kind === 'mstdpet' ? { reward: rewards } : {});
    const hand = byHand(kind, sizes, steps, reward);
    expect(hand.linear.weight).not.toEqual(parts(kind, sizes).linear.weight); // it learned
    expectSameTraining(engine, hand, `${kind}, ${threads} thread(s)`);
  });

  test('run in blocks (onStep), step() and runAsync equal one run', async () => {
    spiking.setNumThreads(2);
    const steps = 600;
    const rewards = Float64Array.from({ length: steps }, (_, t) => reward(t));
    const opts = (from: number, n: number) => (kind === 'mstdpet' ? { reward: rewards.subarray(from, from + n) } : {});
    const whole = network(kind, SMALL);
    whole.net.run(steps, opts(0, steps));
    const blocks = network(kind, SMALL);
    blocks.net.run(steps, { ...opts(0, steps), onStep: () => undefined }); // 256-step native calls
    expectSameTraining(blocks, whole, 'blocks');
    const stepped = network(kind, SMALL);
    for (let t = 0; t < steps; t++) stepped.net.step(kind === 'mstdpet' ? { reward: rewards[t] } : {});
    expectSameTraining(stepped, whole, 'step()');
    const async = network(kind, SMALL);
    await async.net.runAsync(250, opts(0, 250));
    async.net.run(100, opts(250, 100));
    await async.net.runAsync(250, opts(350, 250));
    expectSameTraining(async, whole, 'runAsync');
  });

  test('learning: false leaves weights and rule state alone, and runs as a network without the rule', () => {
    const a = network(kind, SMALL);
    a.net.run(30);
    const saved = a.net.saveState();
    const weights = a.linear.weight;
    const state = ruleState(a.rule);
    a.net.run(40, { learning: false });
    expectIdentical(a.linear.weight, weights, 'weights');
    expectIdentical(ruleState(a.rule), state, 'rule state');
    const b = parts(kind, SMALL);
    const plain = new Network().addLayer('in', b.input, { source: b.encoder }).addLayer('hidden', b.neuron).connect('in', 'hidden', b.linear);
    plain.loadState(stripLearning(saved));
    plain.run(40);
    expectIdentical(a.neuron.trace, b.neuron.trace, 'neuron trace');
    expectIdentical(a.neuron.spikes, b.neuron.spikes, 'neuron spikes');
  });
});

/** A network state without its learning block: what a network without rules saves. */
function stripLearning(bytes: Uint8Array): Uint8Array {
  const record = decodeRecord(bytes);
  record.fields.delete('learning');
  return encodeRecord(record);
}
