// LIFNeuron: leaky integrate and fire (docs/semantics.md, "One neuron step", step 2, LIF and AdaptiveLIF).
// Expected values are worked out by hand from docs/semantics.md.
import { BaseNeuron, LIFNeuron, type LIFNeuronOptions } from '../lib';
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

const { base, make } = modelSetup(LIFNeuron, { ...NEURON_TEST_OPTIONS, cellsShape: [1, 3], alphaV: 1, tauV: 0.5, tauT: 0.5 });

describe('LIFNeuron construction', () => {
  test('is a BaseNeuron, starts at rest; default update type is linear', () => {
    const l = make({ cellsShape: [2, 5], vRest: 0.25, thresh: 2 });
    expect(l).toBeInstanceOf(BaseNeuron);
    expect(l.size).toBe(10);
    expect(l.cellsShape).toEqual([2, 5]);
    expect(l.updateType).toBe('linear');
    expect(arr(l.vCell)).toEqual(new Array(10).fill(0.25));
    expect(arr(l.thresh)).toEqual(new Array(10).fill(2));
    expect(arr(l.trace)).toEqual(new Array(10).fill(0));
    expect(arr(l.refracCounts)).toEqual(new Array(10).fill(0));
    expect(l.completeTrace).toBeNull();
  });
});

describe('LIFNeuron.forward, linear', () => {
  test('v = vRest + (v - vRest) * tauV + alphaV * I; spikes reset to vRest; linear trace', () => {
    const l = make();
    l.forward(F(0.5, 0.25, 1));
    expect(arr(l.spikes)).toEqual([0, 0, 1]);
    expect(arr(l.vCell)).toEqual([0.5, 0.25, 0]);
    expect(arr(l.trace)).toEqual([0, 0, 1]);
    l.forward(F(0.5, 0.25, 0));
    expect(arr(l.spikes)).toEqual([0, 0, 0]);
    expect(arr(l.vCell)).toEqual([0.75, 0.375, 0]);
    expect(arr(l.trace)).toEqual([0, 0, 0.5]);
    l.forward(F(0, 0, 0)); // leak
    expect(arr(l.vCell)).toEqual([0.375, 0.1875, 0]);
    expect(arr(l.trace)).toEqual([0, 0, 0.25]);
  });

  test('leaks towards a non-zero vRest and resets to it', () => {
    const l = make({ cellsShape: [1, 1], vRest: -1 });
    l.forward(F(1));
    expect(arr(l.vCell)).toEqual([0]); // -1 + (0 * 0.5 + 1)
    l.forward(F(0));
    expect(arr(l.vCell)).toEqual([-0.5]);
    l.forward(F(0));
    expect(arr(l.vCell)).toEqual([-0.75]);
    l.forward(F(3)); // -1 + (0.25 * 0.5 + 3) = 2.125
    expect(arr(l.spikes)).toEqual([1]);
    expect(arr(l.vCell)).toEqual([-1]);
  });

  test('tauV = 0 forgets the voltage every step; tauV = 1 does not leak', () => {
    const forget = make({ cellsShape: [1, 1], tauV: 0, thresh: 10 });
    const keep = make({ cellsShape: [1, 1], tauV: 1, thresh: 10 });
    for (const x of [2, 0.5, 0.25]) {
      forget.forward(F(x));
      keep.forward(F(x));
      expect(forget.vCell[0]).toBe(x);
    }
    expect(keep.vCell[0]).toBe(2.75);
  });

  test('inexact parameters: one float32 rounding per operation', () => {
    const l = make({ cellsShape: [1, 1], thresh: 10, vRest: 0.1, alphaV: 0.3, tauV: 0.9 });
    const vRest = f32(0.1);
    let v = vRest;
    for (const x of [0.7, 0.2, 0, 1.3, 0, 0]) {
      l.forward(F(x));
      const delta = f32(f32(f32(v - vRest) * f32(0.9)) + f32(f32(0.3) * f32(x)));
      v = f32(vRest + delta);
      expect(l.vCell[0]).toBe(v);
    }
  });
});

describe('LIFNeuron.forward, exponential', () => {
  test('v += (dt / tauV) * (alphaV * I - (v - vRest)); exponential trace', () => {
    // dt / tauV = 1 / 4; dt / tauT = 1 / 2
    const l = make({ cellsShape: [1, 1], updateType: 'exponential', tauV: 4, tauT: 2 });
    expect(l.updateType).toBe('exponential');
    l.forward(F(2));
    expect(arr(l.vCell)).toEqual([0.5]);
    l.forward(F(2));
    expect(arr(l.vCell)).toEqual([0.875]);
    l.forward(F(0));
    expect(arr(l.vCell)).toEqual([0.65625]);
    l.forward(F(8)); // 0.65625 + 0.25 * (8 - 0.65625) = 2.4921875
    expect(arr(l.spikes)).toEqual([1]);
    expect(arr(l.vCell)).toEqual([0]);
    expect(arr(l.trace)).toEqual([0.5]); // 0 + 0.5 * (1 - 0)
    l.forward(F(0));
    expect(arr(l.trace)).toEqual([0.25]);
  });

  test('rests at a non-zero vRest and resets to it', () => {
    const l = make({ cellsShape: [1, 1], updateType: 'exponential', vRest: 0.5, tauV: 4 });
    l.forward(F(0));
    expect(arr(l.vCell)).toEqual([0.5]);
    l.forward(F(2)); // 0.5 + 0.25 * (2 - 0) = 1
    expect(arr(l.spikes)).toEqual([1]);
    expect(arr(l.vCell)).toEqual([0.5]);
  });

  test('inexact parameters: one float32 rounding per operation', () => {
    const l = make({ cellsShape: [1, 1], updateType: 'exponential', thresh: 10, vRest: 0.1, alphaV: 0.3, tauV: 0.02, tauT: 0.05, dt: 0.001 });
    const vRest = f32(0.1);
    const factor = f32(f32(0.001) / f32(0.02));
    let v = vRest;
    for (const x of [0.7, 0.2, 0, 1.3, 0, 5]) {
      l.forward(F(x));
      v = f32(v + f32(factor * f32(f32(f32(0.3) * f32(x)) - f32(v - vRest))));
      expect(l.vCell[0]).toBe(v);
    }
  });
});

describe('LIFNeuron fold and list inputs', () => {
  test('(*cellsShape, k) summed over k; a list is concatenated first', () => {
    const a = make({ tauV: 0 });
    a.forward(F(0.25, 0.25, 0.5, 0, 1, 0.5)); // k = 2: I = [0.5, 0.5, 1.5]
    expect(arr(a.vCell)).toEqual([0.5, 0.5, 0]);
    expect(arr(a.spikes)).toEqual([0, 0, 1]);
    const b = make({ tauV: 0 });
    b.forward([F(0.25, 0.5, 1), F(0.25, 0, 0.5)]); // the same input as a list of two k = 1 parts
    expect(arr(b.vCell)).toEqual([0.5, 0.5, 0]);
    expect(arr(b.spikes)).toEqual([0, 0, 1]);
    expect(arr(b.fold([F(0.25, 0.5, 1), F(0.25, 0, 0.5)]))).toEqual([0.5, 0.5, 1.5]);
  });
});

describe('LIFNeuron stages', () => {
  test('updateVoltage, linear: leaks and integrates, no spike or reset', () => {
    const l = make();
    l.updateVoltage(F(4, 1, -2));
    expect(arr(l.vCell)).toEqual([4, 1, -2]);
    l.updateVoltage(F(0, 0, 1));
    expect(arr(l.vCell)).toEqual([2, 0.5, 0]);
    expect(arr(l.spikes)).toEqual([0, 0, 0]);
  });

  test('updateVoltage, exponential', () => {
    const l = make({ updateType: 'exponential', tauV: 2, vRest: 1 });
    l.updateVoltage(F(4, 1, -2)); // 1 + 0.5 * (I - 0)
    expect(arr(l.vCell)).toEqual([3, 1.5, 0]);
    l.updateVoltage(F(0, 0, 0)); // v + 0.5 * (0 - (v - 1))
    expect(arr(l.vCell)).toEqual([2, 1.25, 0.5]);
  });

  test('updateTrace(spikes): linear and exponential', () => {
    const lin = make({ alphaT: 0.5, tauT: 0.25 });
    lin.updateTrace(Uint8Array.from([1, 0, 1]));
    lin.updateTrace(F(1, 1, 0));
    expect(arr(lin.trace)).toEqual([0.625, 0.5, 0.125]);
    const exp = make({ updateType: 'exponential', tauT: 4, alphaT: 2 });
    exp.updateTrace(Uint8Array.from([1, 0, 1]));
    exp.updateTrace(Uint8Array.from([0, 1, 1]));
    expect(arr(exp.trace)).toEqual([0.375, 0.5, 0.875]);
  });
});

describe('LIFNeuron refractory period', () => {
  test('linear LIF is held at vRest while refractory', () => {
    const l = make({ cellsShape: [1, 1], vRest: -0.5, durationRefrac: 2 });
    l.forward(F(3)); // -0.5 + (0 + 3) = 2.5: spike
    expect(arr(l.spikes)).toEqual([1]);
    l.vCell[0] = 0.75; // written through the live view
    l.forward(F(3));
    expect(arr(l.vCell)).toEqual([-0.5]); // held at vRest, input ignored
    expect(arr(l.refracCounts)).toEqual([1]);
    l.vCell[0] = 0.75;
    l.forward(F(3));
    expect(arr(l.vCell)).toEqual([-0.5]);
    expect(arr(l.refracCounts)).toEqual([0]);
    l.forward(F(0.25)); // open: -0.5 + (0 * 0.5 + 0.25)
    expect(arr(l.vCell)).toEqual([-0.25]);
  });

  test('exponential LIF keeps its voltage while refractory', () => {
    const l = make({ cellsShape: [1, 1], updateType: 'exponential', vRest: -0.5, tauV: 2, durationRefrac: 2 });
    l.forward(F(4)); // -0.5 + 0.5 * (4 - 0) = 1.5: spike
    expect(arr(l.spikes)).toEqual([1]);
    expect(arr(l.vCell)).toEqual([-0.5]);
    l.vCell[0] = 0.75;
    l.forward(F(4));
    expect(arr(l.vCell)).toEqual([0.75]); // no leak and no input while refractory
    l.forward(F(4));
    expect(arr(l.vCell)).toEqual([0.75]);
    l.forward(F(0)); // open: 0.75 + 0.5 * (0 - 1.25)
    expect(arr(l.vCell)).toEqual([0.125]);
  });

  test.each(['linear', 'exponential'] as const)(
    '%s: dt = 0.001, durationRefrac = 0.005 is refractory for exactly 5 steps, then integrates',
    (updateType) => {
      // exponential with tauV = dt: factor 1, so v = alphaV * I from rest
      const l = make({ cellsShape: [1, 1], updateType, dt: 0.001, durationRefrac: 0.005, tauV: updateType === 'linear' ? 0.5 : 0.001, tauT: updateType === 'linear' ? 0.5 : 0.002 });
      expect(l.refracSteps).toBe(5);
      const spikes: number[] = [];
      const counts: number[] = [];
      for (let t = 0; t < 18; t++) {
        l.forward(F(2));
        spikes.push(l.spikes[0]);
        counts.push(l.refracCounts[0]);
      }
      expect(spikes).toEqual([1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
      const dt = f32(0.001);
      const period = [5, 4, 3, 2, 1, 0].map((k) => f32(k * dt));
      expect(counts).toEqual([...period, ...period, ...period]);
    },
  );

  test('durationRefrac 0.6 with dt 0.2 is 3 steps', () => {
    const l = make({ cellsShape: [1, 1], dt: 0.2, durationRefrac: 0.6 });
    expect(l.refracSteps).toBe(3);
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
});

describe('LIFNeuron per-neuron parameters', () => {
  test.each([
    ['number[]', (a: number[]) => a],
    ['Float32Array', (a: number[]) => Float32Array.from(a)],
  ])('linear, as %s', (_kind, as) => {
    const thresh = [1, 1, 0.5, 4];
    const alphaT = [1, 0.5, 2, 0.25];
    const l = make({
      cellsShape: [2, 2],
      thresh: as(thresh),
      alphaV: as([1, 0.5, 0.25, 2]),
      tauV: as([0.5, 0.25, 1, 0]),
      alphaT: as(alphaT),
      tauT: as([0.5, 0, 1, 0.25]),
    });
    const half = F(0.5, 0.5, 0.5, 0.5);
    l.forward(half);
    expect(arr(l.vCell)).toEqual([0.5, 0.25, 0.125, 1]);
    l.forward(half);
    expect(arr(l.vCell)).toEqual([0.75, 0.3125, 0.25, 1]);
    expect(arr(l.spikes)).toEqual([0, 0, 0, 0]);
    l.forward(F(1, 4, 2, 4)); // v = [1.375, 2.078125, 0.75, 8]: all reach their threshold
    expect(arr(l.spikes)).toEqual([1, 1, 1, 1]);
    expect(arr(l.trace)).toEqual(alphaT);
    l.forward(F(0, 0, 0, 0));
    expect(arr(l.trace)).toEqual([0.5, 0, 2, 0.0625]);
    l.thresh.set([7, 7, 7, 7]);
    l.resetThresh();
    expect(arr(l.thresh)).toEqual(thresh);
  });

  test('exponential, per-neuron tauV and tauT', () => {
    const l = make({ cellsShape: [1, 4], updateType: 'exponential', thresh: 10, tauV: [1, 2, 4, 8], tauT: F(1, 2, 4, 8) });
    l.forward(F(1, 1, 1, 1));
    expect(arr(l.vCell)).toEqual([1, 0.5, 0.25, 0.125]);
    l.forward(F(1, 1, 1, 1));
    expect(arr(l.vCell)).toEqual([1, 0.75, 0.4375, 0.234375]);
    l.updateTrace(Uint8Array.from([1, 1, 1, 1]));
    expect(arr(l.trace)).toEqual([1, 0.5, 0.25, 0.125]);
  });
});

describe('LIFNeuron against docs/semantics.md over long random runs', () => {
  test.each(['linear', 'exponential'] as const)(
    '%s: per-neuron parameters, refractory, list inputs, 400 steps, every instruction set',
    (updateType) => {
      underEveryIsa((isa) => {
        const rand = rng(12);
        const n = 41;
        const linear = updateType === 'linear';
        const params = {
          thresh: perNeuron(rand, n, 0.5, 2),
          alphaV: perNeuron(rand, n, 0.2, 1.5),
          alphaT: perNeuron(rand, n, 0.5, 1.5),
          tauV: linear ? perNeuron(rand, n, 0, 1) : perNeuron(rand, n, 0.3, 3),
          tauT: linear ? perNeuron(rand, n, 0, 1) : perNeuron(rand, n, 0.5, 3),
        };
        const l = new LIFNeuron({ cellsShape: [41], vRest: 0.0625, dt: 0.25, durationRefrac: 0.5, updateType, ...params });
        const ref = new Reference({ model: 'LIF', n, update: updateType, dt: 0.25, vRest: 0.0625, refracSteps: 2, ...params });
        for (let t = 0; t < 400; t++) {
          const a = randomSpikes(rand, n, 0.4);
          const b = randomValues(rand, 2 * n, -0.5, 1.25);
          l.forward([a, b]);
          ref.step(joinLast([a, b], n));
          expectMatchesReference(l, ref, `${isa} step ${t}`);
        }
      });
    },
  );
});

describe('LIFNeuron completeTrace through forward', () => {
  test('1000 steps with storeTrace keep every step, in PySNN layout', () => {
    const l = make({ cellsShape: [2, 2], tauV: 0, storeTrace: true }); // tauV 0: spikes are x exactly
    const rand = rng(6);
    const xs: Float32Array[] = [];
    for (let t = 0; t < 1000; t++) {
      const x = randomSpikes(rand, 4, 0.5);
      xs.push(x);
      l.forward(x);
    }
    const ct = l.completeTrace!;
    expect(ct.shape).toEqual([2, 2, 1001]);
    for (let i = 0; i < 4; i++) {
      expect(ct.data[i * 1001]).toBe(0);
      for (let t = 0; t < 1000; t++) {
        if (ct.data[i * 1001 + t + 1] !== xs[t][i]) throw new Error(`neuron ${i}, step ${t}`);
      }
    }
    l.resetState();
    expect(l.completeTrace).toEqual({ shape: [2, 2, 1], data: new Uint8Array(4) });
  });
});

describe('LIFNeuron subclasses: overridden stages are honoured', () => {
  class CountingLIF extends LIFNeuron {
    calls = 0;
    override updateVoltage(current: Float32Array): void {
      this.calls++;
      super.updateVoltage(current);
    }
  }

  test('forward calls an overriding updateVoltage once per step', () => {
    const l = new CountingLIF(base);
    for (let t = 0; t < 5; t++) l.forward(F(1, 2, 3));
    expect(l.calls).toBe(5);
  });

  test.each(['linear', 'exponential'] as const)(
    '%s: an observing override gives results identical to a plain layer (every state, every step)',
    (updateType) => {
      underEveryIsa((isa) => {
        const rand = rng(22);
        const n = 35;
        const options: LIFNeuronOptions = {
          cellsShape: [5, 7],
          thresh: perNeuron(rand, n, 0.5, 2),
          vRest: -0.25,
          alphaV: 0.8,
          alphaT: perNeuron(rand, n, 0.5, 1),
          dt: 0.1,
          durationRefrac: 0.3,
          tauV: updateType === 'linear' ? perNeuron(rand, n, 0, 1) : 0.35,
          tauT: updateType === 'linear' ? 0.9 : perNeuron(rand, n, 0.2, 1),
          updateType,
          storeTrace: true,
        };
        const plain = new LIFNeuron(options);
        const sub = new CountingLIF(options);
        for (let t = 0; t < 300; t++) {
          const x = [randomValues(rand, n, -0.5, 1.5), randomSpikes(rand, n, 0.5)];
          plain.forward(x);
          sub.forward(x);
          expectSameNeuronState(sub, plain, `${isa} step ${t}`, t % 50 === 49);
        }
        expect(sub.calls).toBe(300);
      });
    },
  );

  test('an override that changes behaviour is reflected: doubling the current', () => {
    class DoublingLIF extends LIFNeuron {
      override updateVoltage(current: Float32Array): void {
        super.updateVoltage(current.map((c) => 2 * c));
      }
    }
    const l = new DoublingLIF(base);
    l.forward(F(0.5, 0.25, 0.125)); // v = [1, 0.5, 0.25]
    expect(arr(l.spikes)).toEqual([1, 0, 0]);
    expect(arr(l.vCell)).toEqual([0, 0.5, 0.25]);
    l.forward(F(0, 0.25, 0)); // v = [0, 0.25 + 0.5, 0.125]
    expect(arr(l.vCell)).toEqual([0, 0.75, 0.125]);
    const plain = make();
    plain.forward(F(0.5, 0.25, 0.125));
    expect(arr(plain.spikes)).toEqual([0, 0, 0]);
  });

  test.each(['fold', 'updateVoltage', 'spiking', 'updateTrace', 'refrac', 'concatTrace'])(
    'an instance that overrides %s is stepped through it, with identical results',
    (stage) => {
      const rand = rng(4);
      const options = { ...base, cellsShape: [1, 6], durationRefrac: 2, storeTrace: true };
      const plain = new LIFNeuron(options);
      const l = new LIFNeuron(options);
      const counter = countCalls(l, stage);
      for (let t = 0; t < 40; t++) {
        const x = randomValues(rand, 6, 0, 1.5);
        plain.forward(x);
        l.forward(x);
        expectSameNeuronState(l, plain, `step ${t}`);
      }
      expect(counter.calls).toBe(40);
    },
  );
});
