// AdaptiveLIFNeuron: LIF whose threshold rises with each spike and decays
// towards 0 (PySNN's behaviour; docs/semantics.md, "One neuron step", step 5). Expected values are
// worked out by hand from docs/semantics.md.
import { AdaptiveLIFNeuron, BaseNeuron, LIFNeuron, type AdaptiveLIFNeuronOptions } from '../lib';
import {
  arr,
  countCalls,
  expectMatchesReference,
  expectSameNeuronState,
  f32,
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

const { base, make } = modelSetup(AdaptiveLIFNeuron, { ...NEURON_TEST_OPTIONS, cellsShape: [1, 2], alphaV: 1, tauV: 0.5, tauT: 0.5, alphaThresh: 0.5, tauThresh: 0.5 });

describe('AdaptiveLIFNeuron construction', () => {
  test('is a BaseNeuron, starts at rest with the initial threshold', () => {
    const l = make({ cellsShape: [3, 3], vRest: -0.5, thresh: 0.25 });
    expect(l).toBeInstanceOf(BaseNeuron);
    expect(l.size).toBe(9);
    expect(l.updateType).toBe('linear');
    expect(arr(l.vCell)).toEqual(new Array(9).fill(-0.5));
    expect(arr(l.thresh)).toEqual(new Array(9).fill(0.25));
    expect(arr(l.trace)).toEqual(new Array(9).fill(0));
  });
});

describe('AdaptiveLIFNeuron.forward, linear', () => {
  test('spikes against the threshold before it adapts; thresh = thresh * tauThresh + alphaThresh * s', () => {
    const l = make();
    l.forward(F(1, 0));
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.trace)).toEqual([1, 0]);
    expect(arr(l.thresh)).toEqual([1, 0.5]); // 1 * 0.5 + 0.5, 1 * 0.5
    expect(arr(l.vCell)).toEqual([0, 0]);
    l.forward(F(1, 0));
    expect(arr(l.spikes)).toEqual([1, 0]); // 1 >= 1
    expect(arr(l.trace)).toEqual([1.5, 0]);
    expect(arr(l.thresh)).toEqual([1, 0.25]);
    l.forward(F(0.5, 0.5)); // v = [0.5, 0.5]: only the neuron whose threshold decayed fires
    expect(arr(l.spikes)).toEqual([0, 1]);
    expect(arr(l.trace)).toEqual([0.75, 1]);
    expect(arr(l.thresh)).toEqual([0.5, 0.625]);
    expect(arr(l.vCell)).toEqual([0.5, 0]);
  });

  test('a held reference to thresh (and the returned views) see later steps', () => {
    const l = make();
    const thresh = l.thresh;
    const r = l.forward(F(1, 0));
    expect(l.forward(F(0, 0))).toBe(r);
    expect(thresh).toBe(l.thresh);
    expect(arr(thresh)).toEqual([0.5, 0.25]);
    expect(arr(r.trace)).toEqual([0.5, 0]);
    l.resetState();
    expect(arr(thresh)).toEqual([1, 1]);
  });

  test('the threshold decays towards 0, not towards its initial value', () => {
    const l = make({ cellsShape: [1, 1] });
    const got: number[] = [];
    for (let t = 0; t < 5; t++) {
      l.forward(F(0));
      got.push(l.thresh[0]);
    }
    expect(got).toEqual([0.5, 0.25, 0.125, 0.0625, 0.03125]);
  });

  test('all the way to 0 (through float32 subnormals), after which a neuron at rest spikes', () => {
    underEveryIsa(() => {
      const l = make({ cellsShape: [1, 1] });
      for (let t = 1; t <= 149; t++) {
        l.forward(F(0));
        expect(l.spikes[0]).toBe(0);
        if (l.thresh[0] !== 2 ** -t) throw new Error(`step ${t}: thresh ${l.thresh[0]}, want 2^-${t}`);
      }
      l.forward(F(0)); // 2^-150 rounds to 0 (ties to even)
      expect(l.thresh[0]).toBe(0);
      expect(l.spikes[0]).toBe(0);
      l.forward(F(0)); // v = vRest = 0 >= 0
      expect(l.spikes[0]).toBe(1);
      expect(l.thresh[0]).toBe(0.5);
    });
  });

  test('inexact parameters: one float32 rounding per operation', () => {
    const l = make({ cellsShape: [1, 1], alphaThresh: 0.3, tauThresh: 0.9, tauV: 0 });
    let thresh = 1;
    for (const x of [2, 0, 3, 3, 0, 0, 5]) {
      const s = x >= thresh ? 1 : 0; // tauV = 0: v = x
      l.forward(F(x));
      expect(l.spikes[0]).toBe(s);
      thresh = f32(f32(thresh * f32(0.9)) + f32(f32(0.3) * s));
      expect(l.thresh[0]).toBe(thresh);
    }
  });
});

describe('AdaptiveLIFNeuron.forward, exponential', () => {
  test('thresh += (dt / tauThresh) * (alphaThresh * s - thresh)', () => {
    // tauV = dt: v = alphaV * I exactly; dt / tauThresh = 0.25; dt / tauT = 0.5
    const l = make({ updateType: 'exponential', tauV: 1, tauT: 2, alphaThresh: 1, tauThresh: 4 });
    l.forward(F(1, 0));
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.thresh)).toEqual([1, 0.75]);
    expect(arr(l.trace)).toEqual([0.5, 0]);
    l.forward(F(1, 0.75));
    expect(arr(l.spikes)).toEqual([1, 1]);
    expect(arr(l.thresh)).toEqual([1, 0.8125]);
    expect(arr(l.trace)).toEqual([0.75, 0.5]);
    l.forward(F(0, 0));
    expect(arr(l.thresh)).toEqual([0.75, 0.609375]);
  });

  test('without spikes the threshold decays towards 0', () => {
    const l = make({ cellsShape: [1, 1], updateType: 'exponential', tauV: 1, tauT: 1, dt: 0.5, tauThresh: 1 });
    l.forward(F(0));
    expect(l.thresh[0]).toBe(0.5);
    l.forward(F(0));
    expect(l.thresh[0]).toBe(0.25);
  });
});

describe('AdaptiveLIFNeuron stages', () => {
  test('updateThresh(spikes), linear, from bytes or floats; nothing else changes', () => {
    const l = make();
    l.updateThresh(Uint8Array.from([1, 0]));
    expect(arr(l.thresh)).toEqual([1, 0.5]);
    l.updateThresh(F(1, 1));
    expect(arr(l.thresh)).toEqual([1, 0.75]);
    expect(arr(l.trace)).toEqual([0, 0]);
    expect(arr(l.vCell)).toEqual([0, 0]);
  });

  test('updateThresh(spikes), exponential', () => {
    const l = make({ updateType: 'exponential', tauV: 1, tauT: 1, alphaThresh: 2, tauThresh: 4 });
    l.updateThresh(Uint8Array.from([1, 0])); // 1 + 0.25 * (2 - 1), 1 + 0.25 * (0 - 1)
    expect(arr(l.thresh)).toEqual([1.25, 0.75]);
  });

  test('updateVoltage and updateTrace follow LIF', () => {
    const l = make();
    l.updateVoltage(F(4, -2));
    l.updateVoltage(F(0, 1));
    expect(arr(l.vCell)).toEqual([2, 0]);
    l.updateTrace(Uint8Array.from([1, 0]));
    l.updateTrace(Uint8Array.from([1, 1]));
    expect(arr(l.trace)).toEqual([1.5, 1]);
    expect(arr(l.thresh)).toEqual([1, 1]);
  });
});

describe('AdaptiveLIFNeuron lifecycle', () => {
  test('resetState also resets the threshold (per neuron), with the rest of the state', () => {
    const l = make({ thresh: [1, 0.5], durationRefrac: 2 });
    l.forward(F(2, 2));
    l.forward(F(0.25, 0.25));
    expect(arr(l.thresh)).not.toEqual([1, 0.5]);
    l.resetState();
    expect(arr(l.thresh)).toEqual([1, 0.5]);
    expect(arr(l.vCell)).toEqual([0, 0]);
    expect(arr(l.trace)).toEqual([0, 0]);
    expect(arr(l.spikes)).toEqual([0, 0]);
    expect(arr(l.refracCounts)).toEqual([0, 0]);
    l.forward(F(1, 0.5)); // not refractory any more, and the threshold is the initial one
    expect(arr(l.spikes)).toEqual([1, 1]);
  });

  test('resetThresh restores the threshold only', () => {
    const l = make({ thresh: F(1, 0.5) });
    l.forward(F(2, 0));
    expect(arr(l.thresh)).toEqual([1, 0.25]);
    expect(arr(l.trace)).toEqual([1, 0]);
    l.resetThresh();
    expect(arr(l.thresh)).toEqual([1, 0.5]);
    expect(arr(l.trace)).toEqual([1, 0]);
  });

  test('initNeuron resets state and threshold', () => {
    const l = make();
    l.forward(F(2, 0.25));
    l.initNeuron();
    expect(arr(l.thresh)).toEqual([1, 1]);
    expect(arr(l.vCell)).toEqual([0, 0]);
    expect(arr(l.trace)).toEqual([0, 0]);
  });
});

describe('AdaptiveLIFNeuron refractory period', () => {
  test('linear: held at vRest while refractory; the threshold keeps decaying', () => {
    const l = make({ cellsShape: [1, 1], vRest: -0.5, durationRefrac: 2 });
    l.forward(F(3));
    expect(arr(l.thresh)).toEqual([1]);
    l.vCell[0] = 0.25;
    l.forward(F(3));
    expect(arr(l.vCell)).toEqual([-0.5]);
    expect(arr(l.thresh)).toEqual([0.5]);
    l.forward(F(3));
    expect(arr(l.thresh)).toEqual([0.25]);
    expect(arr(l.spikes)).toEqual([0]);
    l.forward(F(0.25)); // open: -0.5 + (0 + 0.25) = -0.25 < 0.25
    expect(arr(l.vCell)).toEqual([-0.25]);
    expect(arr(l.spikes)).toEqual([0]);
  });

  test('exponential: keeps its voltage while refractory', () => {
    const l = make({ cellsShape: [1, 1], updateType: 'exponential', tauV: 2, tauT: 1, tauThresh: 1000, durationRefrac: 1 });
    l.forward(F(4)); // 0.5 * 4 = 2: spike
    expect(arr(l.spikes)).toEqual([1]);
    l.vCell[0] = 0.5;
    l.forward(F(4));
    expect(arr(l.vCell)).toEqual([0.5]);
  });

  test.each([
    ['dt = 0.001, durationRefrac = 0.005', 0.001, 0.005, 5],
    ['dt = 0.2, durationRefrac = 0.6', 0.2, 0.6, 3],
  ])('%s: whole steps, then integrates again', (_name, dt, durationRefrac, steps) => {
    const l = make({ cellsShape: [1, 1], dt, durationRefrac, alphaThresh: 0, tauThresh: 1 }); // constant threshold
    expect(l.refracSteps).toBe(steps);
    const spikes: number[] = [];
    const counts: number[] = [];
    for (let t = 0; t < 3 * (steps + 1); t++) {
      l.forward(F(2));
      spikes.push(l.spikes[0]);
      counts.push(l.refracCounts[0]);
    }
    const period = [1, ...new Array(steps).fill(0)];
    expect(spikes).toEqual([...period, ...period, ...period]);
    const countPeriod = Array.from({ length: steps + 1 }, (_, i) => f32((steps - i) * f32(dt)));
    expect(counts).toEqual([...countPeriod, ...countPeriod, ...countPeriod]);
  });
});

describe('AdaptiveLIFNeuron per-neuron parameters', () => {
  test.each([
    ['number[]', (a: number[]) => a],
    ['Float32Array', (a: number[]) => Float32Array.from(a)],
  ])('linear alphaThresh and tauThresh, as %s', (_kind, as) => {
    const l = make({
      cellsShape: [4],
      thresh: as([1, 2, 0.5, 0.25]),
      alphaThresh: as([0.5, 1, 0.25, 2]),
      tauThresh: as([0.5, 0.25, 1, 0]),
    });
    l.forward(F(4, 4, 4, 4));
    expect(arr(l.spikes)).toEqual([1, 1, 1, 1]);
    expect(arr(l.thresh)).toEqual([1, 1.5, 0.75, 2]);
    l.forward(F(0, 0, 0, 0));
    expect(arr(l.spikes)).toEqual([0, 0, 0, 0]);
    expect(arr(l.thresh)).toEqual([0.5, 0.375, 0.75, 0]);
    l.forward(F(0, 0, 0, 0)); // neuron 3: v = 0 >= thresh 0
    expect(arr(l.spikes)).toEqual([0, 0, 0, 1]);
    expect(arr(l.thresh)).toEqual([0.25, 0.09375, 0.75, 2]);
    l.resetThresh();
    expect(arr(l.thresh)).toEqual([1, 2, 0.5, 0.25]);
  });

  test('exponential tauThresh per neuron', () => {
    const l = make({ cellsShape: [4], updateType: 'exponential', tauV: 1, tauT: 1, tauThresh: [1, 2, 4, 8] });
    l.forward(F(0, 0, 0, 0));
    expect(arr(l.thresh)).toEqual([0, 0.5, 0.75, 0.875]);
  });
});

describe('AdaptiveLIFNeuron against docs/semantics.md over long random runs', () => {
  test.each(['linear', 'exponential'] as const)(
    '%s: per-neuron parameters, refractory, 400 steps, every instruction set',
    (updateType) => {
      underEveryIsa((isa) => {
        const rand = rng(13);
        const n = 43;
        const linear = updateType === 'linear';
        const params = {
          thresh: perNeuron(rand, n, 0.5, 2),
          alphaV: perNeuron(rand, n, 0.2, 1.5),
          alphaT: 1.25,
          tauV: linear ? perNeuron(rand, n, 0, 1) : perNeuron(rand, n, 0.3, 3),
          tauT: linear ? 0.75 : 0.6,
          alphaThresh: perNeuron(rand, n, 0, 0.5),
          tauThresh: linear ? perNeuron(rand, n, 0.5, 1) : perNeuron(rand, n, 0.5, 4),
        };
        const l = new AdaptiveLIFNeuron({ cellsShape: [1, 43], vRest: 0, dt: 0.125, durationRefrac: 0.25, updateType, ...params });
        const ref = new Reference({ model: 'Adaptive', n, update: updateType, dt: 0.125, vRest: 0, refracSteps: 2, ...params });
        for (let t = 0; t < 400; t++) {
          const x = randomValues(rand, 2 * n, -0.25, 1.25);
          l.forward(x);
          ref.step(x);
          expectMatchesReference(l, ref, `${isa} step ${t}`);
        }
      });
    },
  );
});

describe('AdaptiveLIFNeuron completeTrace through forward', () => {
  test('1000 steps with storeTrace keep every step; resetState empties it', () => {
    const l = make({ cellsShape: [3], storeTrace: true, tauV: 0, alphaThresh: 0, tauThresh: 1 });
    const rand = rng(7);
    const xs: Float32Array[] = [];
    for (let t = 0; t < 1000; t++) {
      const x = randomSpikes(rand, 3, 0.5);
      xs.push(x);
      l.forward(x);
    }
    const ct = l.completeTrace!;
    expect(ct.shape).toEqual([3, 1001]);
    for (let i = 0; i < 3; i++) {
      expect(ct.data[i * 1001]).toBe(0);
      for (let t = 0; t < 1000; t++) {
        if (ct.data[i * 1001 + t + 1] !== xs[t][i]) throw new Error(`neuron ${i}, step ${t}`);
      }
    }
    l.resetState();
    expect(l.completeTrace).toEqual({ shape: [3, 1], data: new Uint8Array(3) });
  });
});

describe('AdaptiveLIFNeuron subclasses: overridden stages are honoured', () => {
  class CountingAdaptive extends AdaptiveLIFNeuron {
    calls = 0;
    override updateThresh(spikes: Uint8Array | Float32Array): void {
      this.calls++;
      super.updateThresh(spikes);
    }
  }

  test('forward calls an overriding updateThresh once per step', () => {
    const l = new CountingAdaptive(base);
    for (let t = 0; t < 6; t++) l.forward(F(1, 2));
    expect(l.calls).toBe(6);
  });

  test.each(['linear', 'exponential'] as const)(
    '%s: an observing updateThresh override gives results identical to a plain layer',
    (updateType) => {
      underEveryIsa((isa) => {
        const rand = rng(23);
        const n = 33;
        const options: AdaptiveLIFNeuronOptions = {
          cellsShape: [3, 11],
          thresh: perNeuron(rand, n, 0.5, 2),
          vRest: 0.25,
          alphaV: perNeuron(rand, n, 0.5, 1.5),
          alphaT: 0.5,
          dt: 0.25,
          durationRefrac: 0.75,
          tauV: updateType === 'linear' ? 0.8 : 0.5,
          tauT: updateType === 'linear' ? perNeuron(rand, n, 0, 1) : 1.5,
          alphaThresh: perNeuron(rand, n, 0, 0.5),
          tauThresh: updateType === 'linear' ? 0.95 : perNeuron(rand, n, 0.5, 4),
          updateType,
          storeTrace: true,
        };
        const plain = new AdaptiveLIFNeuron(options);
        const sub = new CountingAdaptive(options);
        for (let t = 0; t < 300; t++) {
          const x = randomValues(rand, n, -0.5, 2);
          plain.forward(x);
          sub.forward(x);
          expectSameNeuronState(sub, plain, `${isa} step ${t}`, t % 50 === 49);
        }
        expect(sub.calls).toBe(300);
      });
    },
  );

  test('an override that changes behaviour is reflected: no adaptation makes it an LIF', () => {
    class Fixed extends AdaptiveLIFNeuron {
      override updateThresh(): void {}
    }
    const rand = rng(9);
    const n = 17;
    const lifOptions = {
      cellsShape: [n],
      thresh: perNeuron(rand, n, 0.5, 1.5),
      vRest: 0,
      alphaV: 1,
      alphaT: 1,
      dt: 1,
      durationRefrac: 1,
      tauV: 0.5,
      tauT: 0.5,
    };
    const fixed = new Fixed({ ...lifOptions, alphaThresh: 0.5, tauThresh: 0.5 });
    const lif = new LIFNeuron(lifOptions);
    const adaptive = new AdaptiveLIFNeuron({ ...lifOptions, alphaThresh: 0.5, tauThresh: 0.5 });
    for (let t = 0; t < 100; t++) {
      const x = randomValues(rand, n, 0, 1);
      fixed.forward(x);
      lif.forward(x);
      adaptive.forward(x);
      expectSameNeuronState(fixed, lif, `step ${t}`);
    }
    expect(arr(adaptive.thresh)).not.toEqual(arr(lif.thresh));
  });

  test('an updateVoltage that doubles the current is reflected', () => {
    class Doubling extends AdaptiveLIFNeuron {
      override updateVoltage(current: Float32Array): void {
        super.updateVoltage(current.map((c) => 2 * c));
      }
    }
    const l = new Doubling(base);
    l.forward(F(0.5, 0.25));
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.vCell)).toEqual([0, 0.5]);
    expect(arr(l.thresh)).toEqual([1, 0.5]);
  });

  test.each(['fold', 'updateVoltage', 'spiking', 'updateTrace', 'updateThresh', 'refrac', 'concatTrace'])(
    'an instance that overrides %s is stepped through it, with identical results',
    (stage) => {
      const rand = rng(5);
      const options = { ...base, cellsShape: [1, 6], durationRefrac: 2, storeTrace: true };
      const plain = new AdaptiveLIFNeuron(options);
      const l = new AdaptiveLIFNeuron(options);
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
