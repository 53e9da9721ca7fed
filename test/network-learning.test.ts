// Learning rules inside the network engine (docs/learning.md, "In a network"):
// net.run/runAsync/step with connect(..., { learning }) give the bits of
// stepping the layers by hand and calling rule.updateState(); rule.step()
// after each step, for 1, 2 and 3 threads; learning on/off, rewards,
// normalisation, save/load mid-training, busy guards and bad input.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as spiking from '../lib';
import { FedeNeuron, FedeSTDP, Input, LIFNeuron, Linear, MSTDPET, Network, PairSTDP, PoissonEncoder, WeightRecorder, normalizeWeights, readNpy } from '../lib';
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

/**
 * A graph with a feed-forward, a recurrent and a feedback connection, each
 * with its own rule: `twin` builds it the same each call.
 */
function graph(seed: number, batch: number) {
  const dt = 1;
  const lif = (n: number, thresh: number) =>
    new LIFNeuron({ cellsShape: [batch, n], thresh, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 1, tauV: 5, tauT: 4, updateType: 'exponential' });
  const link = (inF: number, outF: number, s: number, delay = 0) =>
    new Linear({ inFeatures: inF, outFeatures: outF, batchSize: batch, dt, delay, weight: { init: 'uniform', low: 0, high: 0.4, seed: seed + s } });
  const input = new Input({ cellsShape: [batch, 40], dt, alphaT: 1, tauT: 3, updateType: 'exponential' });
  const encoder = new PoissonEncoder({ cellsShape: [batch, 40], rates: 150, dt, seed });
  const a = lif(24, 0.8);
  const b = lif(17, 0.6);
  const inA = link(40, 24, 1, 1);
  const aA = link(24, 24, 2); // recurrent: the previous step's spikes
  const bA = link(17, 24, 3, 2); // feedback from a later layer
  const aB = link(24, 17, 4);
  const pair = new PairSTDP({ layers: { inA: { connection: inA, neuron: a }, aB: { connection: aB, neuron: b } }, tauPre: 4, tauPost: 6, aPlus: 0.01, aMinus: 0.012, wMax: 0.6 });
  const mst = new MSTDPET({ layers: { aA: { connection: aA, neuron: a } }, aPre: 0.8, aPost: 0.5, lr: 0.02, eTraceDecay: 0.85 });
  const fb = new MSTDPET({ layers: { bA: { connection: bA, neuron: a } }, aPre: 0.5, aPost: 0.7, lr: 0.03, eTraceDecay: 0.7 });
  const net = new Network()
    .addLayer('in', input, { source: encoder })
    .addLayer('a', a)
    .addLayer('b', b)
    .connect('in', 'a', inA, { learning: pair })
    .connect('a', 'a', aA, { learning: mst })
    .connect('b', 'a', bA, { learning: fb, normalize: { total: 3, every: 5 } })
    .connect('a', 'b', aB, { learning: pair });
  return { net, links: [inA, aA, bA, aB], rules: [pair, mst, fb], layers: [a, b] };
}

function expectSameGraph(x: ReturnType<typeof graph>, y: ReturnType<typeof graph>, what: string): void {
  x.links.forEach((l, k) => expectIdentical(l.weight, y.links[k].weight, `${what}: weights of connection ${k}`));
  x.rules.forEach((r, k) => expectIdentical(r.saveState(), y.rules[k].saveState(), `${what}: rule ${k}`));
  x.layers.forEach((l, k) => expectIdentical(l.trace, y.layers[k].trace, `${what}: layer ${k} trace`));
}

describe('a graph with recurrent and feedback learning connections', () => {
  test.each([
    [1, 3, 3],
    [2, 3, 3],
    [3, 3, 3],
    [2, 11, 1],
    [3, 21, 4],
    [1, 40, 2],
  ])('run equals step() (JavaScript) with %i thread(s), seed %i, batch %i, normalising every 5 steps', (threads, seed, batch) => {
    spiking.setNumThreads(threads);
    const steps = 80;
    const rewards = Array.from({ length: steps }, (_, t) => (t % 9 === 4 ? 1 : t % 13 === 0 ? -1 : 0));
    const engine = graph(seed, batch);
    engine.net.run(steps, { reward: rewards });
    const stepped = graph(seed, batch);
    for (let t = 0; t < steps; t++) stepped.net.step({ reward: rewards[t] });
    expectSameGraph(engine, stepped, `${threads} thread(s), seed ${seed}, batch ${batch}`);
    const fresh = graph(seed, batch);
    expect(engine.links[2].weight).not.toEqual(fresh.links[2].weight);
    // every 5 steps: each neuron's incoming weights from b sum to 3 after step 79
    const w = engine.links[2].weight;
    for (let o = 0; o < 24; o++) expect(w.subarray(o * 17, (o + 1) * 17).reduce((s, v) => Math.fround(s + v), 0)).toBeCloseTo(3, 4);
  });

  test('save mid-training, load into a fresh network, continue: the bits of an uninterrupted run', async () => {
    const rewards = Array.from({ length: 120 }, (_, t) => (t % 5 === 2 ? 0.5 : 0));
    const whole = graph(8, 2);
    whole.net.run(120, { reward: rewards });
    const first = graph(8, 2);
    await first.net.runAsync(50, { reward: rewards.slice(0, 50) });
    const saved = first.net.saveState();
    const second = graph(8, 2);
    second.net.loadState(saved);
    second.net.run(70, { reward: rewards.slice(50) });
    expectSameGraph(second, whole, 'continued');
    // without the rules' state the continuation differs: the state matters
    const lost = graph(8, 2);
    lost.net.loadState(saved);
    for (const r of lost.rules) r.resetState();
    lost.net.run(70, { reward: rewards.slice(50) });
    expect(lost.links[1].weight).not.toEqual(whole.links[1].weight);
  });

  test('a state without the learning block is refused by a network with rules, naming the field', () => {
    const g = graph(1, 2);
    g.net.run(5);
    const stripped = stripLearning(g.net.saveState());
    expect(() => graph(1, 2).net.loadState(stripped)).toThrow(/learning/);
  });
});

describe('normalisation', () => {
  test("every: 'run' normalises before each run's first step, as normalizeWeights by hand", () => {
    const a = network('pair', SMALL, { total: 4 });
    a.net.run(20);
    a.net.resetState();
    a.net.run(20);
    const hand = parts('pair', SMALL);
    normalizeWeights(hand.linear, 4);
    byHand('pair', SMALL, 20, undefined, 0, hand);
    for (const l of [hand.input, hand.neuron]) l.resetState();
    hand.linear.resetState();
    hand.rule.resetState();
    normalizeWeights(hand.linear, 4);
    byHand('pair', SMALL, 20, undefined, 0, hand);
    expectSameTraining(a, hand, "normalize every 'run'");
  });

  test('learning: false skips the normalisation too', () => {
    const a = network('pair', SMALL, { total: 4 });
    const before = a.linear.weight;
    a.net.run(10, { learning: false });
    expectIdentical(a.linear.weight, before, 'weights');
  });
});

describe('busy guards and bad input', () => {
  test('a rule of a network in runAsync refuses direct calls, then works again', async () => {
    const { net, rule } = network('mstdpet', BIG);
    const running = net.runAsync(200);
    expect(() => rule.updateState()).toThrow(/MSTDPET\.updateState: the rule is busy with Network\.runAsync/);
    expect(() => (rule as MSTDPET).step(1)).toThrow(/busy/);
    expect(() => rule.saveState()).toThrow(/busy/);
    expect(() => (rule as MSTDPET).eTrace('hidden')).toThrow(/busy/);
    await running;
    expect(() => rule.saveState()).not.toThrow();
  });

  test('a rule whose layer does not match the connection, the same rule on two networks, bad options', () => {
    const p = parts('pair', SMALL);
    const other = parts('pair', SMALL);
    const base = () => new Network().addLayer('in', p.input, { source: p.encoder }).addLayer('hidden', p.neuron);
    expect(() => base().connect('in', 'hidden', p.linear, { learning: other.rule })).toThrow(
      /learning rule of connection "in_hidden" to have exactly one layer whose connection is this connection, but it has none/,
    );
    const wrongNeuron = new PairSTDP({ layers: { l: { connection: p.linear, neuron: other.neuron } }, tauPre: 1, tauPost: 1, aPlus: 0, aMinus: 0 });
    expect(() => base().connect('in', 'hidden', p.linear, { learning: wrongNeuron })).toThrow(/to have this connection's target, layer "hidden", as its neuron/);
    base().connect('in', 'hidden', p.linear, { learning: p.rule });
    const q = parts('pair', SMALL);
    const second = new Network().addLayer('in', q.input).addLayer('hidden', p.neuron);
    expect(() => second.connect('in', 'hidden', p.linear, { learning: p.rule })).toThrow(/another network; a rule trains in one network only/);
    const r = parts('pair', SMALL);
    const own = () => new Network().addLayer('in', r.input).addLayer('hidden', r.neuron);
    expect(() => own().connect('in', 'hidden', r.linear, { learning: {} as never })).toThrow(/a learning rule .* for connection "in_hidden" learning/);
    expect(() => own().connect('in', 'hidden', r.linear, { normalize: { total: 1 } })).toThrow(/without a learning rule.*for connection "in_hidden" normalize/);
    expect(() => own().connect('in', 'hidden', r.linear, { learning: r.rule, normalize: { total: NaN } })).toThrow(/for connection "in_hidden" normalize\.total/);
    expect(() => own().connect('in', 'hidden', r.linear, { learning: r.rule, normalize: { total: 1, every: 0 } })).toThrow(/for connection "in_hidden" normalize\.every/);
    expect(() => own().connect('in', 'hidden', r.linear, { learnig: r.rule } as never)).toThrow(/Unknown option "learnig"/);
  });

  test('a rule with a layer outside the network, bad rewards and learning flags', () => {
    const { net, rule } = network('mstdpet', SMALL);
    expect(() => net.run(3, { reward: [1, 2] })).toThrow(/a number or 3 rewards \(one per step\) for reward/);
    expect(() => net.run(3, { reward: 1e41 })).toThrow(/product with lr \(0.01\) is finite in float32 for reward/);
    expect(() => net.run(2, { reward: [0, Infinity] })).toThrow(/for reward\[1\] but received number Infinity/);
    expect(() => net.run(3, { learning: 'no' as never })).toThrow(/true or false for learning/);
    expect(rule.saveState()).toEqual(network('mstdpet', SMALL).rule.saveState()); // nothing ran
    const p = parts('pair', SMALL);
    const extra = new Linear({ inFeatures: SMALL.nOut, outFeatures: SMALL.nOut, batchSize: SMALL.batch, dt: 1 });
    const two = new PairSTDP({
      layers: { a: { connection: p.linear, neuron: p.neuron }, b: { connection: extra, neuron: p.neuron } }, tauPre: 1, tauPost: 1, aPlus: 0.1, aMinus: 0.1,
    });
    const half = new Network().addLayer('in', p.input, { source: p.encoder }).addLayer('hidden', p.neuron).connect('in', 'hidden', p.linear, { learning: two });
    expect(() => half.run(2)).toThrow(/layer "b" is not/);
    expect(() => new Network().addLayer('in', parts('pair', SMALL).input).run(1, { reward: 1 })).toThrow(/no connection of this network has a learning rule for reward/);
  });
});

describe('WeightRecorder', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-weights-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([false, true])('every 7 steps: the weights right after those steps, as step() sees them (runAsync: %s)', async (useAsync) => {
    const file = path.join(dir, `w-${useAsync}.npy`);
    const a = network('pair', SMALL);
    const recorder = new WeightRecorder({ connection: 'in_hidden', file, every: 7 });
    if (useAsync) await a.net.runAsync(40, { recorders: [recorder] });
    else a.net.run(40, { recorders: [recorder] });
    const b = network('pair', SMALL);
    const expected: Float32Array[] = [];
    for (let t = 0; t < 40; t++) {
      b.net.step();
      if (t % 7 === 0) expected.push(b.linear.weight);
    }
    const saved = readNpy(file);
    expect(saved.descr).toBe('<f4');
    expect(saved.shape).toEqual([expected.length, SMALL.nOut, SMALL.nIn]);
    const n = SMALL.nOut * SMALL.nIn;
    expected.forEach((w, k) => expectIdentical((saved.data as Float32Array).subarray(k * n, (k + 1) * n), w, `snapshot ${k}`));
    expect(expected[0]).not.toEqual(expected[expected.length - 1]);
  });

  test('without every: once, after the last step; a bad connection name is refused', () => {
    const file = path.join(dir, 'end.npy');
    const a = network('mstdpet', SMALL);
    a.net.run(30, { recorders: [new WeightRecorder({ connection: 'in_hidden', file })], reward: 1 });
    const saved = readNpy(file);
    expect(saved.shape).toEqual([1, SMALL.nOut, SMALL.nIn]);
    expectIdentical(saved.data as Float32Array, a.linear.weight, 'weights at the end');
    expect(() => a.net.run(1, { recorders: [new WeightRecorder({ connection: 'nope', file })] })).toThrow(/a connection of the network \("in_hidden"\) for connection/);
    expect(() => new WeightRecorder({ connection: 'in_hidden', file, every: 0 })).toThrow(/every/);
  });
});

describe('a rule of your own', () => {
  class Counting extends spiking.LearningRule {
    updates = 0;
    rewards: unknown[] = [];
    constructor(layers: spiking.RuleLayers) {
      super(layers, {});
    }
    override updateState(): void {
      this.updates++;
    }
    override step(reward?: unknown): void {
      this.rewards.push(reward);
    }
    override resetState(): void {}
  }

  test('runs in JavaScript after every step (updateState, step(reward)); runAsync refuses it', async () => {
    const p = parts('pair', SMALL);
    const rule = new Counting({ hidden: { connection: p.linear, neuron: p.neuron } });
    const net = new Network().addLayer('in', p.input, { source: p.encoder }).addLayer('hidden', p.neuron).connect('in', 'hidden', p.linear, { learning: rule });
    expect(net.engine).toBe('the learning rule of connection "in_hidden" is not PairSTDP, MSTDPET or FedeSTDP');
    net.run(4, { reward: [1, 0, 2, 3] });
    expect(rule.updates).toBe(4);
    expect(rule.rewards).toEqual([1, 0, 2, 3]);
    await expect(net.runAsync(2)).rejects.toThrow(/needs a network the engine runs natively, but the learning rule of connection "in_hidden"/);
    net.run(3, { learning: false });
    expect(rule.updates).toBe(4);
  });

  test('a library rule with an overridden method runs in JavaScript too, with its override', () => {
    class Louder extends PairSTDP {
      calls = 0;
      override step(): void {
        this.calls++;
        super.step();
      }
    }
    const p = parts('pair', SMALL);
    const rule = new Louder({ layers: { hidden: { connection: p.linear, neuron: p.neuron } }, tauPre: 5, tauPost: 4, aPlus: 0.02, aMinus: 0.015, wMax: 0.5 });
    const net = new Network().addLayer('in', p.input, { source: p.encoder }).addLayer('hidden', p.neuron).connect('in', 'hidden', p.linear, { learning: rule });
    expect(net.engine).toBe('the learning rule of connection "in_hidden" overrides step');
    net.run(6);
    expect(rule.calls).toBe(6);
  });
});
