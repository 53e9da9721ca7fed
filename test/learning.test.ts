// Learning rules against PySNN: every golden trajectory replayed under every
// instruction set (MSTDPET weights and eligibility traces with ===, FedeSTDP
// weights within 1e-6), then the native kernels against a scalar float32
// oracle of shared/LEARNING.md on random data at sizes that hit every vector
// width, with per-synapse delays, and across thread counts.
import * as spiking from '../lib';
import { VECTOR_SIZES, buildChain, expectSameBits, learningGolden, type LearningCase } from './learning-helpers';
import { rng } from './helpers';

const f32 = Math.fround;

function expectEqualTo(actual: ArrayLike<number>, want: number[], what: string): void {
  expect(actual.length).toBe(want.length);
  const k = want.findIndex((w, i) => !(actual[i] === w));
  if (k >= 0) throw new Error(`${what}[${k}] is ${actual[k]}, PySNN has ${want[k]}`);
}

const mstdpetCases = learningGolden.cases.filter((c) => c.rule === 'MSTDPET');
const fedeCases = learningGolden.cases.filter((c) => c.rule === 'FedeSTDP');

describe.each(spiking.instructionSets())('PySNN golden trajectories (%s)', (isa) => {
  beforeAll(() => spiking.setInstructionSet(isa));
  afterAll(() => spiking.setInstructionSet(spiking.instructionSets()[0]));

  test.each(mstdpetCases.map((c) => [c.name, c] as const))('MSTDPET %s: weights and eligibility traces bit for bit', (_n, c: LearningCase) => {
    const chain = buildChain(c);
    const { aPre, aPost, lr, eTraceDecay } = c.ruleParams;
    const rule = new spiking.MSTDPET({ layers: { layer: { connection: chain.linear, neuron: chain.neuron } }, aPre, aPost, lr, eTraceDecay });
    let rewarded = 0;
    c.steps.forEach((s, t) => {
      chain.forward(s.x);
      expectEqualTo(chain.input.trace, s.expect.preTrace, `${c.name} step ${t} preTrace`);
      expectEqualTo(chain.neuron.spikes, s.expect.postSpikes, `${c.name} step ${t} postSpikes`);
      expectEqualTo(chain.neuron.trace, s.expect.postTrace, `${c.name} step ${t} postTrace`);
      rule.updateState();
      expectEqualTo(rule.eTrace('layer'), s.eTrace!, `${c.name} step ${t} eTrace`);
      if (s.reward !== undefined) {
        rule.step(s.reward);
        rewarded++;
      }
      expectEqualTo(chain.linear.weight, s.expect.weight, `${c.name} step ${t} weight`);
    });
    expect(rewarded).toBeGreaterThan(5);
    // The trajectory moved the weights: a rule that did nothing would fail above.
    expect(Array.from(chain.linear.weight)).not.toEqual(c.linear.weight.map(f32));
  });

  test.each(fedeCases.map((c) => [c.name, c] as const))('FedeSTDP %s: weights within 1e-6', (_n, c: LearningCase) => {
    const chain = buildChain(c);
    const { lr, wInit, a } = c.ruleParams;
    const rule = new spiking.FedeSTDP({ layers: { layer: { connection: chain.linear, neuron: chain.neuron } }, lr, wInit, a });
    let worst = 0;
    c.steps.forEach((s, t) => {
      chain.forward(s.x);
      expectEqualTo(chain.input.trace, s.expect.preTrace, `${c.name} step ${t} preTrace`);
      expectEqualTo(chain.neuron.spikes, s.expect.postSpikes, `${c.name} step ${t} postSpikes`);
      rule.step();
      const w = chain.linear.weight;
      s.expect.weight.forEach((want, k) => (worst = Math.max(worst, Math.abs(w[k] - want))));
    });
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});

// ---- the scalar oracle (shared/LEARNING.md), storage (batch, out, in) ----------

interface Problem {
  batch: number;
  inF: number;
  outF: number;
  delays: Float32Array | null;
  steps: number;
  seed: number;
}

/** Random spikes and traces through a Linear, random postsynaptic spikes and traces; the rule and the oracle side by side. */
function mstdpetAgainstOracle(p: Problem, threads: number[] = [spiking.numThreads()]): void {
  const { batch, inF, outF, delays } = p;
  const rand = rng(p.seed);
  const rule = { aPre: f32(0.3 + rand()), aPost: f32(0.2 + rand()), lr: 0.01 + rand() * 0.1, eTraceDecay: f32(0.5 + rand() * 0.5) };
  const n = batch * outF * inF;
  const runs = threads.map((count) => {
    const linear = new spiking.Linear({ inFeatures: inF, outFeatures: outF, batchSize: batch, dt: 1, delay: delays ?? 0, weight: { init: 'uniform', low: -0.5, high: 0.5, seed: p.seed } });
    const neuron = new spiking.LIFNeuron({ cellsShape: [batch, outF], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.5, tauT: 0.5, updateType: 'linear' });
    return { count, linear, neuron, mst: new spiking.MSTDPET({ layers: { l: { connection: linear, neuron } }, ...rule }) };
  });
  const w = runs[0].linear.weight;
  const e = new Float32Array(n);
  const sent: Uint8Array[] = [];
  for (let t = 0; t < p.steps; t++) {
    const pre = new Uint8Array(batch * inF).map(() => (rand() < 0.3 ? 1 : 0));
    const preTrace = new Float32Array(batch * inF).map(() => (rand() < 0.2 ? 0 : rand() * 2 - 0.5));
    const postSpikes = new Uint8Array(batch * outF).map(() => (rand() < 0.4 ? 1 : 0));
    const postTrace = new Float32Array(batch * outF).map(() => (rand() < 0.2 ? 0 : rand() * 2 - 0.5));
    const reward = rand() < 0.5 ? rand() * 4 - 2 : undefined;
    sent.push(pre);
    // the oracle
    const decay = f32(rule.eTraceDecay), aPre = f32(rule.aPre), aPost = f32(rule.aPost);
    for (let b = 0; b < batch; b++) {
      for (let o = 0; o < outF; o++) {
        for (let i = 0; i < inF; i++) {
          const k = (b * outF + o) * inF + i;
          const lag = delays ? delays[o * inF + i] : 0;
          const arrived = t - lag >= 0 ? sent[t - lag][b * inF + i] : 0;
          let v = f32(e[k] * decay);
          v = f32(v + f32(aPre * f32(preTrace[b * inF + i] * postSpikes[b * outF + o])));
          v = f32(v - f32(aPost * f32(arrived * postTrace[b * outF + o])));
          e[k] = v;
        }
      }
    }
    if (reward !== undefined) {
      const scale = f32(rule.lr * reward);
      for (let k = 0; k < outF * inF; k++) {
        let acc = e[k];
        for (let b = 1; b < batch; b++) acc = f32(acc + e[b * outF * inF + k]);
        w[k] = f32(w[k] + f32(scale * f32(acc / batch)));
      }
    }
    for (const run of runs) {
      spiking.setNumThreads(run.count);
      run.linear.forward(pre, preTrace);
      run.neuron.spikes.set(postSpikes);
      run.neuron.trace.set(postTrace);
      run.mst.updateState();
      if (reward !== undefined) run.mst.step(reward);
      expectSameBits(run.mst.eTrace('l'), e, `step ${t} (${run.count} threads) eTrace`);
      expectSameBits(run.linear.weight, w, `step ${t} (${run.count} threads) weight`);
    }
  }
}


describe.each(spiking.instructionSets())('MSTDPET against the scalar oracle (%s)', (isa) => {
  beforeAll(() => spiking.setInstructionSet(isa));
  afterAll(() => spiking.setInstructionSet(spiking.instructionSets()[0]));

  test.each(VECTOR_SIZES)('batch %i, in %i, out %i', (batch, inF, outF) => {
    mstdpetAgainstOracle({ batch, inF, outF, delays: null, steps: 12, seed: batch * 1000 + inF * 37 + outF });
  });

  test.each(VECTOR_SIZES.filter((_, k) => k % 3 === 0))('per-synapse delays: batch %i, in %i, out %i', (batch, inF, outF) => {
    const rand = rng(outF);
    const delays = new Float32Array(outF * inF).map(() => Math.floor(rand() * 4));
    mstdpetAgainstOracle({ batch, inF, outF, delays, steps: 14, seed: outF * 7 + inF });
  });

  test('a uniform delay of 2 steps', () => {
    mstdpetAgainstOracle({ batch: 2, inF: 6, outF: 11, delays: new Float32Array(66).fill(2), steps: 10, seed: 5 });
  });
});

describe('threads', () => {
  const before = spiking.numThreads();
  afterAll(() => spiking.setNumThreads(before));

  test('MSTDPET: the same bits for 1, 2 and 3 threads on a layer large enough to split', () => {
    // batch 2 x in 300 x stride 256: above the split threshold
    mstdpetAgainstOracle({ batch: 2, inF: 300, outF: 250, delays: null, steps: 3, seed: 9 }, [1, 2, 3]);
  });
});
