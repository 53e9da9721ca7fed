// Pair STDP and weight normalisation: the native kernels against a scalar
// float32 oracle of what lib/learning/pair-stdp.ts documents, on random data
// at sizes that hit every vector width, under every instruction set, for both
// update kinds and both trace kinds, with a uniform delay, and across thread
// counts; bounds, padding and silent steps; the options each refuses.
import * as spiking from '../lib';
import { rng } from './helpers';
import { VECTOR_SIZES, expectSameBits } from './learning-helpers';

const f32 = Math.fround;


interface Case {
  batch: number;
  inF: number;
  outF: number;
  update: 'additive' | 'multiplicative';
  trace: 'add' | 'set';
  delay: number;
  steps: number;
  seed: number;
  threads?: number[];
}

const clip = (v: number, lo: number, hi: number) => {
  const up = v < lo ? lo : v;
  return up > hi ? hi : up;
};

function pairAgainstOracle(c: Case): void {
  const { batch, inF, outF } = c;
  const rand = rng(c.seed);
  const p = { tauPre: 2 + rand() * 20, tauPost: 2 + rand() * 20, aPlus: 0.01 + rand() * 0.05, aMinus: 0.01 + rand() * 0.05, wMin: 0.05, wMax: 0.9 };
  const runs = (c.threads ?? [spiking.numThreads()]).map((threads) => {
    const connection = new spiking.Linear({ inFeatures: inF, outFeatures: outF, batchSize: batch, dt: 0.5, delay: c.delay, weight: { init: 'uniform', low: 0.05, high: 0.9, seed: c.seed } });
    const neuron = new spiking.LIFNeuron({ cellsShape: [batch, outF], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 0.5, durationRefrac: 0, tauV: 0.5, tauT: 0.5, updateType: 'linear' });
    const rule = new spiking.PairSTDP({ layers: { l: { connection, neuron } }, ...p, update: c.update, trace: c.trace });
    return { threads, connection, neuron, rule, into: new Float32Array(batch * outF) };
  });
  const w = runs[0].connection.weight;
  const initial = w.slice();
  const x = new Float32Array(batch * inF), y = new Float32Array(batch * outF);
  const dPre = f32(Math.exp(-0.5 / p.tauPre)), dPost = f32(Math.exp(-0.5 / p.tauPost));
  const [aPlus, aMinus, lo, hi] = [f32(p.aPlus), f32(p.aMinus), f32(p.wMin), f32(p.wMax)];
  const mult = c.update === 'multiplicative';
  const sent: Uint8Array[] = [];
  for (let t = 0; t < c.steps; t++) {
    const pre = Uint8Array.from({ length: batch * inF }, () => (rand() < 0.2 ? 1 : 0));
    const post = Uint8Array.from({ length: batch * outF }, () => (rand() < 0.15 ? 1 : 0));
    sent.push(pre);
    const arrived = t >= c.delay ? sent[t - c.delay] : new Uint8Array(batch * inF);
    for (let k = 0; k < x.length; k++) x[k] = arrived[k] ? (c.trace === 'set' ? 1 : f32(f32(x[k] * dPre) + 1)) : f32(x[k] * dPre);
    for (let k = 0; k < y.length; k++) y[k] = post[k] ? (c.trace === 'set' ? 1 : f32(f32(y[k] * dPost) + 1)) : f32(y[k] * dPost);
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < inF; i++) {
        if (!arrived[b * inF + i]) continue;
        for (let o = 0; o < outF; o++) {
          const old = w[o * inF + i];
          const change = f32(aMinus * y[b * outF + o]);
          w[o * inF + i] = clip(mult ? f32(old - f32(change * f32(old - lo))) : f32(old - change), lo, hi);
        }
      }
    }
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < outF; o++) {
        if (!post[b * outF + o]) continue;
        for (let i = 0; i < inF; i++) {
          const old = w[o * inF + i];
          const change = f32(aPlus * x[b * inF + i]);
          w[o * inF + i] = clip(mult ? f32(old + f32(change * f32(hi - old))) : f32(old + change), lo, hi);
        }
      }
    }
    for (const r of runs) {
      spiking.setNumThreads(r.threads);
      r.connection.current(pre, r.into.fill(0));
      r.neuron.spikes.set(post);
      r.rule.updateState();
      r.rule.step();
      expectSameBits(r.rule.preTrace('l'), x, `step ${t} (${r.threads} threads) preTrace`);
      expectSameBits(r.rule.postTrace('l'), y, `step ${t} (${r.threads} threads) postTrace`);
      expectSameBits(r.connection.weight, w, `step ${t} (${r.threads} threads) weight`);
    }
  }
  // padding lanes of the input-major storage stay 0 although wMin > 0
  const s = runs[0].connection.synapses();
  const stride = runs[0].connection.stride;
  for (let i = 0; i < inF; i++) for (let o = outF; o < stride; o++) expect(s.weights[i * stride + o]).toBe(0);
  // the weights moved, and stayed within the bounds
  expect(w.some((v, k) => v !== initial[k])).toBe(true);
  expect(w.every((v) => v >= lo && v <= hi)).toBe(true);
}


describe.each(spiking.instructionSets())('PairSTDP against the scalar oracle (%s)', (isa) => {
  beforeAll(() => spiking.setInstructionSet(isa));
  afterAll(() => spiking.setInstructionSet(spiking.instructionSets()[0]));

  test.each(VECTOR_SIZES)('additive, trace add: batch %i, in %i, out %i', (batch, inF, outF) => {
    pairAgainstOracle({ batch, inF, outF, update: 'additive', trace: 'add', delay: 0, steps: 25, seed: batch * 100 + inF * 10 + outF });
  });
  test.each(VECTOR_SIZES)('multiplicative, trace set: batch %i, in %i, out %i', (batch, inF, outF) => {
    pairAgainstOracle({ batch, inF, outF, update: 'multiplicative', trace: 'set', delay: 0, steps: 25, seed: batch * 77 + inF * 3 + outF });
  });
  test('a uniform delay of 3 steps, multiplicative, trace add', () => {
    pairAgainstOracle({ batch: 2, inF: 9, outF: 19, update: 'multiplicative', trace: 'add', delay: 3, steps: 30, seed: 4 });
  });
});

describe('PairSTDP', () => {
  const before = spiking.numThreads();
  afterAll(() => spiking.setNumThreads(before));

  test('the same bits for 1, 2 and 3 threads on a layer large enough to split', () => {
    pairAgainstOracle({ batch: 2, inF: 784, outF: 400, update: 'additive', trace: 'add', delay: 0, steps: 3, seed: 8, threads: [1, 2, 3] });
    pairAgainstOracle({ batch: 2, inF: 700, outF: 300, update: 'multiplicative', trace: 'set', delay: 0, steps: 3, seed: 9, threads: [1, 2, 3] });
  });

  function setup(extra: Record<string, unknown> = {}) {
    const connection = new spiking.Linear({ inFeatures: 4, outFeatures: 3, batchSize: 1, dt: 1, weight: { init: 'constant', value: 0.5 } });
    const neuron = new spiking.LIFNeuron({ cellsShape: [1, 3], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.5, tauT: 0.5, updateType: 'linear' });
    const rule = new spiking.PairSTDP({ layers: { l: { connection, neuron } }, tauPre: 10, tauPost: 10, aPlus: 0.1, aMinus: 0.12, ...extra });
    return { connection, neuron, rule };
  }

  test('a pre-then-post pairing strengthens, post-then-pre weakens; silent steps change no weight', () => {
    const { connection, neuron, rule } = setup();
    const into = new Float32Array(3);
    const step = (pre: number[], post: number[]) => {
      connection.current(Uint8Array.from(pre), into);
      neuron.spikes.set(post);
      rule.updateState();
      rule.step();
    };
    step([1, 0, 0, 0], [0, 0, 0]); // input 0 fires: depression by the post trace, which is 0
    expect(Array.from(connection.weight)).toEqual(new Array(12).fill(0.5));
    step([0, 0, 0, 0], [1, 0, 0]); // neuron 0 fires after it
    const w = connection.weight;
    expect(w[0]).toBeGreaterThan(0.5); // (o 0, i 0) potentiated by the pre trace
    expect(w[1]).toBe(0.5); // input 1 never fired: trace 0
    const quiet = connection.weight;
    step([0, 0, 0, 0], [0, 0, 0]);
    expect(connection.weight).toEqual(quiet);
    step([0, 1, 0, 0], [0, 0, 0]); // input 1 fires after neuron 0: depressed by its post trace
    expect(connection.weight[1]).toBeLessThan(0.5);
    expect(connection.weight[3 + 1]).toBe(0.5); // neuron 1 never fired
    rule.resetState();
    expect(Array.from(rule.preTrace('l'))).toEqual([0, 0, 0, 0]);
    expect(Array.from(rule.postTrace('l'))).toEqual([0, 0, 0]);
  });

  test.each([
    [{ tauPre: 0 }, /Expected a number > 0 for tauPre but received number 0/],
    [{ tauPost: NaN }, /for tauPost but received number NaN/],
    [{ aPlus: Infinity }, /for aPlus but received number Infinity/],
    [{ wMin: 1, wMax: 0.5 }, /Expected a number >= wMin \(1\) for wMax but received number 0.5/],
    [{ update: 'soft' }, /Expected "additive" or "multiplicative" for update but received string "soft"/],
    [{ trace: 'nearest' }, /Expected "add" or "set" for trace/],
    [{ tau: 3 }, /Unknown option "tau" for PairSTDP/],
  ])('refuses %p', (bad, message) => {
    expect(() => setup(bad)).toThrow(message);
  });

  test('refuses a connection with per-synapse delays', () => {
    const connection = new spiking.Linear({ inFeatures: 2, outFeatures: 1, batchSize: 1, dt: 1, delay: [0, 1] });
    const neuron = new spiking.LIFNeuron({ cellsShape: [1, 1], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.5, tauT: 0.5 });
    expect(() => new spiking.PairSTDP({ layers: { l: { connection, neuron } }, tauPre: 1, tauPost: 1, aPlus: 1, aMinus: 1 })).toThrow(
      /Expected a connection without per-synapse delays \(one delay for every synapse\) for layers\.l\.connection/,
    );
  });
});

describe.each(spiking.instructionSets())('normalizeWeights (%s)', (isa) => {
  beforeAll(() => spiking.setInstructionSet(isa));
  afterAll(() => spiking.setInstructionSet(spiking.instructionSets()[0]));

  test.each([[1, 1], [3, 4], [7, 9], [5, 17], [784, 33], [2, 100]])('in %i, out %i: against the oracle', (inF, outF) => {
    const rand = rng(inF * outF);
    const values = Float32Array.from({ length: outF * inF }, () => rand());
    for (let i = 0; i < inF; i++) values[1 * inF + i] = 0; // an output whose weights sum to 0, when there is one
    const connection = new spiking.Linear({ inFeatures: inF, outFeatures: outF, batchSize: 1, dt: 1, weight: { init: 'values', values } });
    const total = 78;
    const w = connection.weight;
    for (let o = 0; o < outF; o++) {
      let s = w[o * inF];
      for (let i = 1; i < inF; i++) s = f32(s + w[o * inF + i]);
      const factor = f32(total / s);
      if (s === 0 || !Number.isFinite(factor)) continue;
      for (let i = 0; i < inF; i++) w[o * inF + i] = f32(w[o * inF + i] * factor);
    }
    spiking.normalizeWeights(connection, total);
    const got = connection.weight;
    expectSameBits(got, w, 'weight');
    for (let o = 0; o < outF; o++) {
      const sum = got.subarray(o * inF, (o + 1) * inF).reduce((a, v) => a + v, 0);
      if (o === 1 && outF > 1) expect(sum).toBe(0);
      else expect(Math.abs(sum - total)).toBeLessThan(1e-4 * total);
    }
  });

  test('refuses what is not a connection or a finite total', () => {
    const connection = new spiking.Linear({ inFeatures: 2, outFeatures: 2, batchSize: 1, dt: 1 });
    expect(() => spiking.normalizeWeights({} as never, 1)).toThrow(/Expected a Linear connection for connection/);
    expect(() => spiking.normalizeWeights(connection, NaN)).toThrow(/Expected a finite number \(finite in float32\) for total but received number NaN/);
  });
});
