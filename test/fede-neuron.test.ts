// FedeNeuron: the LIF of Paredes-Valles et al., driven by
// alphaV * sum(x - preTrace), always exponential (docs/semantics.md). Expected
// values are worked out by hand from docs/semantics.md.
import { BaseNeuron, FedeNeuron, type FedeNeuronOptions } from '../lib';
import {
  arr,
  countCalls,
  expectMatchesReference,
  expectSameNeuronState,
  f32,
  joinLast,
  perNeuron,
  randomSpikes,
  randomValues,
  Reference,
  rng,
  underEveryIsa,
  F,
  modelSetup,
  NEURON_TEST_OPTIONS,
} from './helpers';

const { base, make } = modelSetup(FedeNeuron, { ...NEURON_TEST_OPTIONS, cellsShape: [1, 2], alphaV: 1, tauV: 2, tauT: 2 });

describe('FedeNeuron construction', () => {
  test('is a BaseNeuron, always exponential, starts at rest', () => {
    const l = make({ cellsShape: [2, 2, 2], vRest: 0.5 });
    expect(l).toBeInstanceOf(BaseNeuron);
    expect(l.size).toBe(8);
    expect(l.updateType).toBe('exponential');
    expect(arr(l.vCell)).toEqual(new Array(8).fill(0.5));
    expect(arr(l.thresh)).toEqual(new Array(8).fill(1));
    expect(arr(l.trace)).toEqual(new Array(8).fill(0));
  });
});

describe('FedeNeuron.forward(x, preTrace)', () => {
  test('v += (dt / tauV) * (alphaV * sum(x - preTrace) - (v - vRest)); exponential trace', () => {
    const l = make(); // dt / tauV = dt / tauT = 0.5
    const x = F(1, 1, 1, 0); // k = 2
    const pre = F(0.5, 0, 0, 0);
    l.forward(x, pre); // forcing = [1.5, 1]
    expect(arr(l.vCell)).toEqual([0.75, 0.5]);
    expect(arr(l.spikes)).toEqual([0, 0]);
    l.forward(x, pre); // [0.75 + 0.5 * 0.75, 0.5 + 0.5 * 0.5]
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.vCell)).toEqual([0, 0.75]);
    expect(arr(l.trace)).toEqual([0.5, 0]);
    l.forward(F(0, 0, 0, 0), F(0, 0, 0, 0)); // leak towards vRest
    expect(arr(l.vCell)).toEqual([0, 0.375]);
    expect(arr(l.trace)).toEqual([0.25, 0]);
  });

  test('a presynaptic trace above the input drives the voltage down', () => {
    const l = make();
    l.forward(F(0, 0), F(1, 0.5));
    expect(arr(l.vCell)).toEqual([-0.5, -0.25]);
  });

  test('alphaV scales the summed difference', () => {
    const l = make({ alphaV: 0.5 });
    l.forward(F(2, 1, 1, 1), F(0, 0, 0, 1)); // 0.5 * [3, 1] = [1.5, 0.5]
    expect(arr(l.vCell)).toEqual([0.75, 0.25]);
  });

  test('the difference is taken per element, then summed', () => {
    const l = make({ cellsShape: [1, 1] });
    // per element: (1e8 - 1e8) + (1 - 0) = 1; summing x first would give f32(1e8 + 1) - 1e8 = 0
    l.forward(F(1e8, 1), F(1e8, 0));
    expect(arr(l.vCell)).toEqual([0.5]);
  });

  test('inexact values: difference, sum, alphaV, each rounded to float32', () => {
    const l = make({ cellsShape: [1, 1], alphaV: 0.1, thresh: 10, vRest: 0.05 });
    const vRest = f32(0.05);
    const sum = f32(f32(f32(0.3) - f32(0.1)) + f32(f32(0.7) - f32(0.2)));
    const forcing = f32(f32(0.1) * sum);
    let v = vRest;
    for (let t = 0; t < 4; t++) {
      l.forward(F(0.3, 0.7), F(0.1, 0.2));
      v = f32(v + f32(0.5 * f32(forcing - f32(v - vRest))));
      expect(l.vCell[0]).toBe(v);
    }
  });

  test('rests at a non-zero vRest and resets to it', () => {
    const l = make({ cellsShape: [1, 1], vRest: 0.5 });
    l.forward(F(0), F(0));
    expect(arr(l.vCell)).toEqual([0.5]);
    l.forward(F(3), F(0)); // 0.5 + 0.5 * (3 - 0) = 2
    expect(arr(l.spikes)).toEqual([1]);
    expect(arr(l.vCell)).toEqual([0.5]);
  });

  test('lists of x and preTrace are concatenated along the last dimension', () => {
    const a = make();
    const b = make();
    const xa = F(1, 0); // k = 1
    const xb = F(0.5, 0.5, 1, 1); // k = 2
    const pa = F(0, 0.5);
    const pb = F(0, 0.5, 0, 0.5);
    // neuron 0: x [1, 0.5, 0.5] - pre [0, 0, 0.5]; neuron 1: x [0, 1, 1] - pre [0.5, 0, 0.5]
    a.forward([xa, xb], [pa, pb]); // forcing = [1.5, 1]
    expect(arr(a.vCell)).toEqual([0.75, 0.5]);
    b.forward(joinLast([xa, xb], 2), joinLast([pa, pb], 2));
    expectSameNeuronState(a, b, 'list vs joined');
  });

  test('the trace is always exponential: trace += (dt / tauT) * (alphaT * s - trace)', () => {
    const l = make({ cellsShape: [1, 1], alphaT: 2, tauT: 4, tauV: 1 }); // tauV = dt: v = forcing
    l.forward(F(1), F(0));
    expect(arr(l.trace)).toEqual([0.5]);
    l.forward(F(1), F(0));
    expect(arr(l.trace)).toEqual([0.875]);
    l.forward(F(0), F(0));
    expect(arr(l.trace)).toEqual([0.65625]);
  });

  test('returns the same {spikes, trace} object every call: live views', () => {
    const l = make();
    const r = l.forward(F(4, 0), F(0, 0));
    expect(l.forward(F(0, 4), F(0, 0))).toBe(r);
    expect(r.spikes).toBe(l.spikes);
    expect(r.trace).toBe(l.trace);
    expect(arr(r.spikes)).toEqual([0, 1]);
  });
});

describe('FedeNeuron stages', () => {
  test('fold(x) sums the last dimension', () => {
    const l = make();
    expect(arr(l.fold(F(1, 2, 3, 4)))).toEqual([3, 7]);
    expect(arr(l.fold([F(1, 2), F(3, 4, 5, 6)]))).toEqual([8, 13]);
  });

  test('updateVoltage(x, preTrace): layout (n, k); no spike, no reset', () => {
    const l = make();
    l.updateVoltage(F(4, 1, 1, 0), F(0.5, 0.5, 0, 0)); // forcing = [4, 1]
    expect(arr(l.vCell)).toEqual([2, 0.5]);
    expect(arr(l.spikes)).toEqual([0, 0]);
  });

  test('updateTrace(spikes): exponential, from floats or bytes', () => {
    const l = make({ alphaT: 2, tauT: 4 });
    l.updateTrace(F(1, 0));
    expect(arr(l.trace)).toEqual([0.5, 0]);
    l.updateTrace(Uint8Array.from([1, 1]));
    expect(arr(l.trace)).toEqual([0.875, 0.5]);
  });
});

describe('FedeNeuron refractory period', () => {
  test('keeps its voltage while refractory, ignores its input', () => {
    const l = make({ cellsShape: [1, 1], durationRefrac: 2 });
    l.forward(F(4), F(0)); // 0.5 * 4 = 2: spike
    expect(arr(l.spikes)).toEqual([1]);
    l.vCell[0] = 0.5;
    l.forward(F(4), F(0));
    expect(arr(l.vCell)).toEqual([0.5]);
    expect(arr(l.refracCounts)).toEqual([1]);
    l.forward(F(4), F(0));
    expect(arr(l.vCell)).toEqual([0.5]);
    expect(arr(l.refracCounts)).toEqual([0]);
    l.forward(F(0), F(0)); // open: 0.5 + 0.5 * (0 - 0.5)
    expect(arr(l.vCell)).toEqual([0.25]);
  });

  test.each([
    ['dt = 0.001, durationRefrac = 0.005', 0.001, 0.005, 5],
    ['dt = 0.2, durationRefrac = 0.6', 0.2, 0.6, 3],
  ])('%s: whole steps, then integrates again', (_name, dt, durationRefrac, steps) => {
    // tauV = dt: v = forcing from rest
    const l = make({ cellsShape: [1, 1], dt, durationRefrac, tauV: dt, tauT: 2 * dt });
    expect(l.refracSteps).toBe(steps);
    const spikes: number[] = [];
    const counts: number[] = [];
    for (let t = 0; t < 3 * (steps + 1); t++) {
      l.forward(F(2), F(0));
      spikes.push(l.spikes[0]);
      counts.push(l.refracCounts[0]);
    }
    const period = [1, ...new Array(steps).fill(0)];
    expect(spikes).toEqual([...period, ...period, ...period]);
    const countPeriod = Array.from({ length: steps + 1 }, (_, i) => f32((steps - i) * f32(dt)));
    expect(counts).toEqual([...countPeriod, ...countPeriod, ...countPeriod]);
  });
});

describe('FedeNeuron per-neuron parameters', () => {
  test.each([
    ['number[]', (a: number[]) => a],
    ['Float32Array', (a: number[]) => Float32Array.from(a)],
  ])('as %s', (_kind, as) => {
    const thresh = [1, 1, 0.125, 1];
    const l = make({
      cellsShape: [4],
      thresh: as(thresh),
      alphaV: as([1, 2, 0.5, 4]),
      alphaT: as([1, 0.5, 2, 4]),
      tauV: as([1, 2, 4, 8]),
      tauT: as([1, 2, 4, 8]),
    });
    l.forward(F(1, 1, 1, 1), F(0, 0, 0, 0)); // v = alphaV / tauV = [1, 1, 0.125, 0.5]
    expect(arr(l.spikes)).toEqual([1, 1, 1, 0]);
    expect(arr(l.vCell)).toEqual([0, 0, 0, 0.5]);
    expect(arr(l.trace)).toEqual([1, 0.25, 0.5, 0]);
    l.thresh.fill(0);
    l.resetThresh();
    expect(arr(l.thresh)).toEqual(thresh);
  });
});

describe('FedeNeuron against docs/semantics.md over long random runs', () => {
  test('per-neuron parameters, refractory, list inputs, 400 steps, every instruction set', () => {
    underEveryIsa((isa) => {
      const rand = rng(14);
      const n = 45;
      const params = {
        thresh: perNeuron(rand, n, 0.1, 0.6),
        alphaV: perNeuron(rand, n, 0.5, 2),
        alphaT: perNeuron(rand, n, 0.5, 1.5),
        tauV: perNeuron(rand, n, 0.2, 2),
        tauT: perNeuron(rand, n, 0.3, 2),
      };
      const l = new FedeNeuron({ cellsShape: [5, 9], vRest: -0.0625, dt: 0.125, durationRefrac: 0.375, ...params });
      const ref = new Reference({ model: 'Fede', n, update: 'exponential', dt: 0.125, vRest: -0.0625, refracSteps: 3, ...params });
      for (let t = 0; t < 400; t++) {
        const xs = [randomSpikes(rand, n, 0.5), randomSpikes(rand, 2 * n, 0.5)];
        const pres = [randomValues(rand, n, 0, 0.6), randomValues(rand, 2 * n, 0, 0.6)];
        l.forward(xs, pres);
        ref.step(joinLast(xs, n), joinLast(pres, n));
        expectMatchesReference(l, ref, `${isa} step ${t}`);
      }
    });
  });
});

describe('FedeNeuron completeTrace through forward', () => {
  test('1000 steps with storeTrace keep every step; resetState empties it', () => {
    const l = make({ cellsShape: [1, 2], tauV: 1, storeTrace: true }); // v = forcing: the spikes are x
    const rand = rng(8);
    const xs: Float32Array[] = [];
    for (let t = 0; t < 1000; t++) {
      const x = randomSpikes(rand, 2, 0.5);
      xs.push(x);
      l.forward(x, F(0, 0));
    }
    const ct = l.completeTrace!;
    expect(ct.shape).toEqual([1, 2, 1001]);
    for (let i = 0; i < 2; i++) {
      expect(ct.data[i * 1001]).toBe(0);
      for (let t = 0; t < 1000; t++) {
        if (ct.data[i * 1001 + t + 1] !== xs[t][i]) throw new Error(`neuron ${i}, step ${t}`);
      }
    }
    l.resetState();
    expect(l.completeTrace).toEqual({ shape: [1, 2, 1], data: new Uint8Array(2) });
  });
});

describe('FedeNeuron subclasses: overridden stages are honoured', () => {
  class CountingFede extends FedeNeuron {
    calls = 0;
    override updateVoltage(x: Float32Array, preTrace?: Float32Array): void {
      this.calls++;
      super.updateVoltage(x, preTrace);
    }
  }

  test('forward calls an overriding updateVoltage once per step', () => {
    const l = new CountingFede(base);
    for (let t = 0; t < 4; t++) l.forward(F(1, 2), F(0, 0));
    expect(l.calls).toBe(4);
  });

  test('an observing override gives results identical to a plain layer (every state, every step)', () => {
    underEveryIsa((isa) => {
      const rand = rng(24);
      const n = 29;
      const options: FedeNeuronOptions = {
        cellsShape: [1, n],
        thresh: perNeuron(rand, n, 0.1, 0.5),
        vRest: 0,
        alphaV: perNeuron(rand, n, 0.5, 2),
        alphaT: 1,
        dt: 0.5,
        durationRefrac: 1,
        tauV: 1.5,
        tauT: perNeuron(rand, n, 0.6, 3),
        storeTrace: true,
      };
      const plain = new FedeNeuron(options);
      const sub = new CountingFede(options);
      for (let t = 0; t < 300; t++) {
        const x = randomSpikes(rand, 3 * n, 0.5);
        const pre = randomValues(rand, 3 * n, 0, 0.5);
        plain.forward(x, pre);
        sub.forward(x, pre);
        expectSameNeuronState(sub, plain, `${isa} step ${t}`, t % 50 === 49);
      }
      expect(sub.calls).toBe(300);
    });
  });

  test('an override that changes behaviour is reflected: doubling x and preTrace', () => {
    class Doubling extends FedeNeuron {
      override updateVoltage(x: Float32Array, preTrace?: Float32Array): void {
        super.updateVoltage(x.map((v) => 2 * v), preTrace!.map((v) => 2 * v));
      }
    }
    const l = new Doubling(base);
    l.forward(F(1, 0.5), F(0, 0)); // forcing [2, 1]: v = [1, 0.5]
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.vCell)).toEqual([0, 0.5]);
    const plain = make();
    plain.forward(F(1, 0.5), F(0, 0));
    expect(arr(plain.vCell)).toEqual([0.5, 0.25]);
  });

  test.each(['fold', 'updateVoltage', 'spiking', 'updateTrace', 'convertSpikes', 'refrac', 'concatTrace'])(
    'an instance that overrides %s is stepped through it, with identical results',
    (stage) => {
      const rand = rng(6);
      const options = { ...base, cellsShape: [1, 6], durationRefrac: 2, storeTrace: true };
      const plain = new FedeNeuron(options);
      const l = new FedeNeuron(options);
      const counter = countCalls(l, stage);
      for (let t = 0; t < 40; t++) {
        const x = randomValues(rand, 12, 0, 2);
        const pre = randomValues(rand, 12, 0, 0.5);
        plain.forward(x, pre);
        l.forward(x, pre);
        expectSameNeuronState(l, plain, `step ${t}`);
      }
      expect(counter.calls).toBe(40);
    },
  );
});
