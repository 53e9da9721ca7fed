// IFNeuron: integrate and fire, the voltage never leaks (docs/semantics.md, "One neuron step", step 2, IF).
// Expected values are worked out by hand from docs/semantics.md; parameters are
// chosen so that most of the arithmetic is exact in float32, and where it is
// not, the float32 chain is written out operation by operation.
import { BaseNeuron, IFNeuron, type IFNeuronOptions } from '../lib';
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

const { base, make } = modelSetup(IFNeuron, { ...NEURON_TEST_OPTIONS, cellsShape: [1, 3], alphaV: 0.5, tauT: 0.5 });

describe('IFNeuron construction', () => {
  test('is a BaseNeuron, starts at rest with the initial threshold', () => {
    const l = make({ cellsShape: [2, 3, 4], vRest: -0.25, thresh: 0.75 });
    expect(l).toBeInstanceOf(BaseNeuron);
    expect(l.size).toBe(24);
    expect(l.cellsShape).toEqual([2, 3, 4]);
    expect(l.updateType).toBe('linear');
    expect(l.storeTrace).toBe(false);
    expect(arr(l.vCell)).toEqual(new Array(24).fill(-0.25));
    expect(arr(l.thresh)).toEqual(new Array(24).fill(0.75));
    expect(arr(l.trace)).toEqual(new Array(24).fill(0));
    expect(arr(l.spikes)).toEqual(new Array(24).fill(0));
    expect(arr(l.refracCounts)).toEqual(new Array(24).fill(0));
    expect(l.completeTrace).toBeNull();
  });
});

describe('IFNeuron.forward', () => {
  test('integrates without leak, spikes at v >= thresh, resets to vRest, linear trace', () => {
    const l = make();
    const x = F(0.5, 1, 2);
    // step 1: v = 0 + 0.5 * x = [0.25, 0.5, 1] -> neuron 2 reaches thresh exactly
    l.forward(x);
    expect(arr(l.spikes)).toEqual([0, 0, 1]);
    expect(arr(l.vCell)).toEqual([0.25, 0.5, 0]);
    expect(arr(l.trace)).toEqual([0, 0, 1]);
    // step 2: v = [0.5, 1, 1]
    l.forward(x);
    expect(arr(l.spikes)).toEqual([0, 1, 1]);
    expect(arr(l.vCell)).toEqual([0.5, 0, 0]);
    expect(arr(l.trace)).toEqual([0, 1, 1.5]); // 1 * 0.5 + 1
    // step 3: no input, no leak: the voltage stays, the trace decays
    l.forward(F(0, 0, 0));
    expect(arr(l.spikes)).toEqual([0, 0, 0]);
    expect(arr(l.vCell)).toEqual([0.5, 0, 0]);
    expect(arr(l.trace)).toEqual([0, 0.5, 0.75]);
    // many silent steps: the voltage still does not move
    for (let t = 0; t < 50; t++) l.forward(F(0, 0, 0));
    expect(arr(l.vCell)).toEqual([0.5, 0, 0]);
  });

  test('resets to a non-zero vRest and integrates from it', () => {
    const l = make({ cellsShape: [1, 2], vRest: -0.25, alphaV: 1 });
    l.forward(F(1.5, 0.5)); // v = [1.25, 0.25]
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.vCell)).toEqual([-0.25, 0.25]);
  });

  test('negative input lowers the voltage below vRest', () => {
    const l = make({ cellsShape: [1, 1] });
    l.forward(F(-3));
    expect(arr(l.vCell)).toEqual([-1.5]);
    l.forward(F(-3));
    expect(arr(l.vCell)).toEqual([-3]);
  });

  test('exponential update type changes the trace only (voltage still does not leak)', () => {
    // dt / tauT = 0.5 / 2 = 0.25, alphaT = 2
    const l = make({ cellsShape: [1, 2], updateType: 'exponential', dt: 0.5, tauT: 2, alphaT: 2 });
    expect(l.updateType).toBe('exponential');
    l.forward(F(2, 0)); // v = [1, 0]
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.trace)).toEqual([0.5, 0]); // 0 + 0.25 * (2 - 0)
    l.forward(F(2, 0));
    expect(arr(l.trace)).toEqual([0.875, 0]); // 0.5 + 0.25 * (2 - 0.5)
    l.forward(F(0.5, 0.5));
    expect(arr(l.vCell)).toEqual([0.25, 0.25]);
    expect(arr(l.trace)).toEqual([0.65625, 0]); // 0.875 + 0.25 * (0 - 0.875)
    l.forward(F(0.5, 0.5));
    expect(arr(l.vCell)).toEqual([0.5, 0.5]);
    expect(arr(l.trace)).toEqual([0.4921875, 0]);
  });

  test('linear trace with inexact parameters: one float32 rounding per operation', () => {
    const l = make({ cellsShape: [1, 1], alphaV: 1, alphaT: 0.3, tauT: 0.8 });
    const spikes = [1, 1, 0, 1, 0, 0];
    let trace = 0;
    for (const s of spikes) {
      l.forward(F(s)); // alphaV * 1 = thresh: spikes exactly when the input is 1
      expect(l.spikes[0]).toBe(s);
      trace = f32(f32(trace * f32(0.8)) + f32(f32(0.3) * s));
      expect(l.trace[0]).toBe(trace);
    }
  });

  test('exponential trace with inexact parameters: one float32 rounding per operation', () => {
    const l = make({ cellsShape: [1, 1], alphaV: 1, alphaT: 0.7, tauT: 0.03, dt: 0.001, updateType: 'exponential' });
    const factor = f32(f32(0.001) / f32(0.03));
    let trace = 0;
    for (const s of [1, 0, 1, 1, 0, 0, 0, 1]) {
      l.forward(F(s));
      trace = f32(trace + f32(factor * f32(f32(f32(0.7) * s) - trace)));
      expect(l.trace[0]).toBe(trace);
    }
  });

  test('folds the last dimension: layout (*cellsShape, k), summed per neuron', () => {
    // cellsShape [1, 3], k = 3: neuron i's inputs are x[3i .. 3i+2]
    const l = make();
    l.forward(F(1, 1, 0, 0, 0, 0, 1, 1, 1)); // I = [2, 0, 3], v = [1, 0, 1.5]
    expect(arr(l.spikes)).toEqual([1, 0, 1]);
    expect(arr(l.trace)).toEqual([1, 0, 1]);
    expect(arr(l.vCell)).toEqual([0, 0, 0]);
  });

  test('a list of inputs is concatenated along the last dimension, then summed', () => {
    const l = make();
    const a = F(1, 0, 0.5); // k = 1
    const b = F(0.5, 0.5, 0, 0, 1, 1); // k = 2
    l.forward([a, b]); // I = [2, 0, 2.5]
    expect(arr(l.vCell)).toEqual([0, 0, 0]);
    expect(arr(l.spikes)).toEqual([1, 0, 1]);
    l.forward([F(0.5, 1, 0), F(0, 0, 0.5, 0.5, 0, 0)]); // I = [0.5, 2, 0], v = [0.25, 1, 0]
    expect(arr(l.vCell)).toEqual([0.25, 0, 0]);
    expect(arr(l.spikes)).toEqual([0, 1, 0]);
  });

  test('sums the last dimension left to right in float32', () => {
    // 1e8 + 1 rounds back to 1e8 in float32, so left to right the sum is 0 (any other order gives 1)
    const l = make({ cellsShape: [1, 1], alphaV: 1, thresh: 0.5 });
    l.forward(F(1e8, 1, -1e8));
    expect(arr(l.vCell)).toEqual([0]);
    expect(arr(l.spikes)).toEqual([0]);
    l.forward([F(1e8), F(1, -1e8)]);
    expect(arr(l.vCell)).toEqual([0]);
    l.forward(F(1e8, -1e8, 1)); // here left to right gives 1
    expect(arr(l.spikes)).toEqual([1]);
  });

  test('returns the same {spikes, trace} object every call: live views of the state', () => {
    const l = make();
    const r1 = l.forward(F(2, 0, 0));
    const r2 = l.forward(F(0, 2, 0));
    expect(r2).toBe(r1);
    expect(r1.spikes).toBe(l.spikes);
    expect(r1.trace).toBe(l.trace);
    expect(r1.spikes).toBeInstanceOf(Uint8Array);
    expect(r1.trace).toBeInstanceOf(Float32Array);
    expect(arr(r1.spikes)).toEqual([0, 1, 0]); // the held result shows step 2
    expect(arr(r1.trace)).toEqual([0.5, 1, 0]);
  });

  test('held references to every state view see later steps and resets', () => {
    const l = make({ durationRefrac: 2 });
    const { spikes, vCell, trace, refracCounts, thresh } = l;
    l.forward(F(2, 1, 0));
    expect(arr(spikes)).toEqual([1, 0, 0]);
    expect(arr(vCell)).toEqual([0, 0.5, 0]);
    expect(arr(trace)).toEqual([1, 0, 0]);
    expect(arr(refracCounts)).toEqual([2, 0, 0]);
    l.forward(F(0, 1, 0));
    expect(arr(spikes)).toEqual([0, 1, 0]);
    expect(arr(refracCounts)).toEqual([1, 2, 0]);
    l.resetState();
    expect(arr(vCell)).toEqual([0, 0, 0]);
    expect(arr(refracCounts)).toEqual([0, 0, 0]);
    expect(arr(trace)).toEqual([0, 0, 0]);
    thresh[1] = 5;
    expect(l.thresh[1]).toBe(5);
    l.resetThresh();
    expect(arr(thresh)).toEqual([1, 1, 1]);
    expect(l.spikes).toBe(spikes);
    expect(l.vCell).toBe(vCell);
  });
});

describe('IFNeuron stages', () => {
  test('updateVoltage(current): v += alphaV * current, no spike, no reset', () => {
    const l = make();
    l.updateVoltage(F(4, 1, -2));
    expect(arr(l.vCell)).toEqual([2, 0.5, -1]);
    expect(arr(l.spikes)).toEqual([0, 0, 0]); // only the voltage changes
    l.updateVoltage(F(4, 1, -2));
    expect(arr(l.vCell)).toEqual([4, 1, -2]);
  });

  test('updateVoltage ignores the current of refractory neurons', () => {
    const l = make({ durationRefrac: 3 });
    l.forward(F(2, 0, 0)); // neuron 0 spikes: refractory for 3 steps
    l.updateVoltage(F(1, 1, 1));
    expect(arr(l.vCell)).toEqual([0, 0.5, 0.5]);
  });

  test('updateTrace(spikes): linear trace = trace * tauT + alphaT * s, from bytes or floats', () => {
    const l = make({ alphaT: 0.5, tauT: 0.25 });
    l.updateTrace(Uint8Array.from([1, 0, 1]));
    expect(arr(l.trace)).toEqual([0.5, 0, 0.5]);
    l.updateTrace(F(1, 1, 0));
    expect(arr(l.trace)).toEqual([0.625, 0.5, 0.125]);
    expect(arr(l.vCell)).toEqual([0, 0, 0]);
  });

  test('updateTrace, exponential: trace += (dt / tauT) * (alphaT * s - trace)', () => {
    const l = make({ updateType: 'exponential', dt: 1, tauT: 4, alphaT: 2 });
    l.updateTrace(Uint8Array.from([1, 0, 1]));
    expect(arr(l.trace)).toEqual([0.5, 0, 0.5]);
    l.updateTrace(Uint8Array.from([0, 1, 1]));
    expect(arr(l.trace)).toEqual([0.375, 0.5, 0.875]);
  });
});

describe('IFNeuron refractory period (whole steps)', () => {
  test('ignores input while refractory, then integrates again', () => {
    const l = make({ cellsShape: [1, 2], durationRefrac: 2 });
    expect(l.refracSteps).toBe(2);
    const x = F(2, 0.5); // +1 and +0.25 per open step
    const want = [
      // spikes, vCell, refracCounts
      [[1, 0], [0, 0.25], [2, 0]],
      [[0, 0], [0, 0.5], [1, 0]],
      [[0, 0], [0, 0.75], [0, 0]],
      [[1, 1], [0, 0], [2, 2]],
      [[0, 0], [0, 0], [1, 1]],
    ];
    for (const [spikes, v, counts] of want) {
      l.forward(x);
      expect([arr(l.spikes), arr(l.vCell), arr(l.refracCounts)]).toEqual([spikes, v, counts]);
    }
  });

  test('a refractory IF keeps whatever voltage it has (the input is ignored, not the voltage)', () => {
    const l = make({ cellsShape: [1, 1], durationRefrac: 2 });
    l.forward(F(2));
    l.vCell[0] = 0.75; // written through the live view
    l.forward(F(2));
    expect(arr(l.vCell)).toEqual([0.75]);
    l.forward(F(2));
    expect(arr(l.vCell)).toEqual([0.75]);
    expect(arr(l.refracCounts)).toEqual([0]);
    l.forward(F(0.25)); // open again: 0.75 + 0.125
    expect(arr(l.vCell)).toEqual([0.875]);
  });

  test('dt = 0.001, durationRefrac = 0.005: refractory for exactly 5 steps, then integrates again', () => {
    const l = make({ cellsShape: [1, 1], alphaV: 1, dt: 0.001, durationRefrac: 0.005 });
    expect(l.refracSteps).toBe(5);
    const dt = f32(0.001);
    const spikes: number[] = [];
    const counts: number[] = [];
    for (let t = 0; t < 30; t++) {
      l.forward(F(2)); // enough to spike at once whenever open
      spikes.push(l.spikes[0]);
      counts.push(l.refracCounts[0]);
    }
    const period = [1, 0, 0, 0, 0, 0];
    expect(spikes).toEqual([...period, ...period, ...period, ...period, ...period]);
    const countPeriod = [5, 4, 3, 2, 1, 0].map((k) => f32(k * dt));
    expect(counts).toEqual([...countPeriod, ...countPeriod, ...countPeriod, ...countPeriod, ...countPeriod]);
    expect(counts[4]).toBe(f32(0.001)); // PySNN's units
  });

  test('durationRefrac 0.6 with dt 0.2 is 3 steps', () => {
    const l = make({ cellsShape: [1, 1], alphaV: 1, dt: 0.2, durationRefrac: 0.6 });
    expect(l.refracSteps).toBe(3);
    expect(l.durationRefrac).toBe(0.6);
    const dt = f32(0.2);
    const got: [number, number][] = [];
    for (let t = 0; t < 8; t++) {
      l.forward(F(1));
      got.push([l.spikes[0], l.refracCounts[0]]);
    }
    expect(got).toEqual([
      [1, f32(3 * dt)],
      [0, f32(2 * dt)],
      [0, f32(dt)],
      [0, 0],
      [1, f32(3 * dt)],
      [0, f32(2 * dt)],
      [0, f32(dt)],
      [0, 0],
    ]);
  });

  test('thresh <= vRest: a refractory neuron still spikes every step and its period stacks', () => {
    const l = make({ cellsShape: [1, 1], thresh: -1, durationRefrac: 2 });
    const counts: number[] = [];
    for (let t = 0; t < 4; t++) {
      l.forward(F(0));
      expect(l.spikes[0]).toBe(1);
      counts.push(l.refracCounts[0]);
    }
    // left = (left > 0 ? left - 1 : 0) + 2 each step
    expect(counts).toEqual([2, 3, 4, 5]);
  });

  test('no refractory period when durationRefrac is 0', () => {
    const l = make({ cellsShape: [1, 1], alphaV: 1 });
    expect(l.refracSteps).toBe(0);
    for (let t = 0; t < 4; t++) {
      l.forward(F(1));
      expect(l.spikes[0]).toBe(1);
      expect(l.refracCounts[0]).toBe(0);
    }
  });

  test('resetState ends a refractory period at once', () => {
    const l = make({ cellsShape: [1, 1], alphaV: 1, durationRefrac: 5 });
    l.forward(F(1));
    expect(l.refracCounts[0]).toBe(5);
    l.resetState();
    l.forward(F(1));
    expect(l.spikes[0]).toBe(1);
  });
});

describe('IFNeuron per-neuron parameters', () => {
  const thresh = [1, 0.5, 2, 0.25];
  const alphaV = [0.5, 0.25, 1, 2];
  const alphaT = [1, 0.5, 2, 0.25];
  const tauT = [0.5, 0, 1, 0.25];
  test.each([
    ['number[]', (a: number[]) => a],
    ['Float32Array', (a: number[]) => Float32Array.from(a)],
  ])('as %s', (_kind, as) => {
    const l = make({ cellsShape: [2, 2], thresh: as(thresh), alphaV: as(alphaV), alphaT: as(alphaT), tauT: as(tauT) });
    expect(arr(l.thresh)).toEqual(thresh);
    l.forward(F(2, 2, 2, 2)); // v = 2 * alphaV = [1, 0.5, 2, 4]: all reach their threshold
    expect(arr(l.spikes)).toEqual([1, 1, 1, 1]);
    expect(arr(l.trace)).toEqual(alphaT);
    l.forward(F(1, 1, 1, 1)); // v = alphaV = [0.5, 0.25, 1, 2]: only neuron 3 reaches its threshold
    expect(arr(l.spikes)).toEqual([0, 0, 0, 1]);
    expect(arr(l.vCell)).toEqual([0.5, 0.25, 1, 0]);
    // trace * tauT + alphaT * s
    expect(arr(l.trace)).toEqual([0.5, 0, 2, 0.3125]);
    l.thresh.fill(9);
    l.resetThresh();
    expect(arr(l.thresh)).toEqual(thresh);
  });

  test('per-neuron arrays are copied at construction', () => {
    const t = Float32Array.from(thresh);
    const l = make({ cellsShape: [2, 2], thresh: t });
    t[0] = 42;
    l.resetThresh();
    expect(arr(l.thresh)).toEqual(thresh);
  });
});

describe('IFNeuron against docs/semantics.md over long random runs', () => {
  test.each(['linear', 'exponential'] as const)(
    '%s: per-neuron parameters, refractory, list inputs, 400 steps, every instruction set',
    (updateType) => {
      underEveryIsa((isa) => {
        const rand = rng(11);
        const n = 39;
        const params = {
          thresh: perNeuron(rand, n, 0.5, 2),
          alphaV: perNeuron(rand, n, 0.2, 1.5),
          alphaT: perNeuron(rand, n, 0.5, 1.5),
          tauT: updateType === 'linear' ? perNeuron(rand, n, 0, 1) : perNeuron(rand, n, 0.5, 3),
        };
        const l = new IFNeuron({ cellsShape: [3, 13], vRest: -0.125, dt: 0.25, durationRefrac: 0.75, updateType, ...params });
        const ref = new Reference({ model: 'IF', n, update: updateType, dt: 0.25, vRest: -0.125, refracSteps: 3, ...params });
        for (let t = 0; t < 400; t++) {
          const a = randomSpikes(rand, 2 * n, 0.3);
          const b = randomValues(rand, n, -0.5, 1);
          l.forward([a, b]);
          ref.step(joinLast([a, b], n));
          expectMatchesReference(l, ref, `${isa} step ${t}`);
        }
      });
    },
  );
});

describe('IFNeuron completeTrace through forward', () => {
  test('1000 steps: every step kept, time last, column 0 zeros; resetState empties it', () => {
    const l = make({ cellsShape: [1, 3], alphaV: 1, storeTrace: true });
    expect(l.completeTrace!.shape).toEqual([1, 3, 1]);
    const rand = rng(5);
    const steps: number[][] = [];
    for (let t = 0; t < 1000; t++) {
      const x = randomSpikes(rand, 3, 0.4); // alphaV * 1 = thresh: the spikes are x
      l.forward(x);
      steps.push(arr(x));
    }
    const ct = l.completeTrace!;
    expect(ct.shape).toEqual([1, 3, 1001]);
    expect(ct.data).toBeInstanceOf(Uint8Array);
    expect(ct.data.length).toBe(3 * 1001);
    for (let i = 0; i < 3; i++) {
      expect(ct.data[i * 1001]).toBe(0);
      for (let t = 0; t < 1000; t++) {
        if (ct.data[i * 1001 + t + 1] !== steps[t][i]) throw new Error(`neuron ${i} step ${t}`);
      }
    }
    l.resetState();
    expect(l.completeTrace!.shape).toEqual([1, 3, 1]);
    expect(arr(l.completeTrace!.data)).toEqual([0, 0, 0]);
    l.forward(F(1, 0, 1));
    expect(l.completeTrace!.shape).toEqual([1, 3, 2]);
    expect(arr(l.completeTrace!.data)).toEqual([0, 1, 0, 0, 0, 1]);
  });
});

describe('IFNeuron subclasses: overridden stages are honoured', () => {
  class CountingIF extends IFNeuron {
    calls = 0;
    override updateVoltage(current: Float32Array): void {
      this.calls++;
      super.updateVoltage(current);
    }
  }

  test('forward calls an overriding updateVoltage once per step', () => {
    const l = new CountingIF(base);
    for (let t = 0; t < 7; t++) l.forward(F(1, 2, 3));
    expect(l.calls).toBe(7);
  });

  test('an override that only observes gives results identical to a plain layer (every state, every step)', () => {
    underEveryIsa((isa) => {
      const rand = rng(21);
      const n = 37;
      const options: IFNeuronOptions = {
        cellsShape: [1, n],
        thresh: perNeuron(rand, n, 0.5, 2),
        vRest: 0.125,
        alphaV: perNeuron(rand, n, 0.2, 1.5),
        alphaT: 0.75,
        dt: 0.5,
        durationRefrac: 1.5,
        tauT: 0.875,
        storeTrace: true,
      };
      const plain = new IFNeuron(options);
      const sub = new CountingIF(options);
      for (let t = 0; t < 300; t++) {
        const x = randomValues(rand, 3 * n, -0.25, 1);
        plain.forward(x);
        sub.forward(x);
        expectSameNeuronState(sub, plain, `${isa} step ${t}`, t % 50 === 49);
      }
      expect(sub.calls).toBe(300);
      expect(sub.completeTrace!.shape).toEqual([1, n, 301]);
    });
  });

  test('an override that changes behaviour is reflected: doubling the current', () => {
    class DoublingIF extends IFNeuron {
      override updateVoltage(current: Float32Array): void {
        super.updateVoltage(current.map((c) => 2 * c));
      }
    }
    const l = new DoublingIF(base);
    const plain = make();
    l.forward(F(1, 0.5, 0.25));
    plain.forward(F(1, 0.5, 0.25));
    expect(arr(plain.spikes)).toEqual([0, 0, 0]);
    expect(arr(plain.vCell)).toEqual([0.5, 0.25, 0.125]);
    expect(arr(l.spikes)).toEqual([1, 0, 0]); // 0.5 * 2 * 1 = 1
    expect(arr(l.vCell)).toEqual([0, 0.5, 0.25]);
    expect(arr(l.trace)).toEqual([1, 0, 0]);
  });

  test.each(['fold', 'updateVoltage', 'spiking', 'updateTrace', 'refrac', 'concatTrace'])(
    'an instance that overrides %s is stepped through it, with identical results',
    (stage) => {
      const rand = rng(3);
      const options = { ...base, cellsShape: [1, 5], durationRefrac: 2, storeTrace: true };
      const plain = new IFNeuron(options);
      const l = new IFNeuron(options);
      const counter = countCalls(l, stage);
      for (let t = 0; t < 40; t++) {
        const x = randomValues(rand, 10, 0, 1.5);
        plain.forward(x);
        l.forward(x);
        expectSameNeuronState(l, plain, `step ${t}`);
      }
      expect(counter.calls).toBe(40);
    },
  );

  test('a subclass that overrides nothing behaves like the plain class', () => {
    class Plain extends IFNeuron {}
    const a = new Plain({ ...base, durationRefrac: 1 });
    const b = make({ durationRefrac: 1 });
    const rand = rng(8);
    for (let t = 0; t < 50; t++) {
      const x = randomValues(rand, 3, 0, 2);
      a.forward(x);
      b.forward(x);
      expectSameNeuronState(a, b, `step ${t}`);
    }
  });
});
