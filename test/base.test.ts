// The base classes (BaseInput, BaseNeuron), used directly and through user
// subclasses, and the exported helpers. Expected values are worked out by
// hand from the seed (PySNN's API) and docs/semantics.md.
import * as spiking from '../lib';
import { BaseInput, BaseNeuron, NotImplementedError, type BaseNeuronOptions, type StepResult } from '../lib';
import { arr, F, f32 } from './helpers';

const U = (...v: number[]) => Uint8Array.from(v);

describe('BaseInput', () => {
  test('is constructible directly; starts with zero trace and spikes', () => {
    const l = new BaseInput({ cellsShape: [2, 2], dt: 0.1 });
    expect(l.size).toBe(4);
    expect(l.cellsShape).toEqual([2, 2]);
    expect(l.dt).toBe(f32(0.1));
    expect(l.trace).toBeInstanceOf(Float32Array);
    expect(l.spikes).toBeInstanceOf(Uint8Array);
    expect(arr(l.trace)).toEqual([0, 0, 0, 0]);
    expect(arr(l.spikes)).toEqual([0, 0, 0, 0]);
  });

  test('resetState and initNeuron clear the trace (and the spikes)', () => {
    const l = new BaseInput({ cellsShape: [3], dt: 1 });
    const { trace, spikes } = l;
    trace.set([1, 2, 3]);
    spikes.set([1, 0, 1]);
    l.resetState();
    expect(arr(trace)).toEqual([0, 0, 0]);
    expect(arr(spikes)).toEqual([0, 0, 0]);
    trace.set([1, 2, 3]);
    l.initNeuron();
    expect(arr(l.trace)).toEqual([0, 0, 0]);
  });

  test('convertInput turns spikes into float32 values', () => {
    const l = new BaseInput({ cellsShape: [3], dt: 1 });
    const c = l.convertInput(U(1, 0, 1));
    expect(c).toBeInstanceOf(Float32Array);
    expect(arr(c)).toEqual([1, 0, 1]);
    expect(arr(l.convertInput(F(0.5, -1, 0)))).toEqual([0.5, -1, 0]);
  });

  test('forward and updateTrace throw NotImplementedError with PySNN\'s messages', () => {
    const l = new BaseInput({ cellsShape: [2], dt: 1 });
    expect(() => l.forward(F(1, 0))).toThrow(NotImplementedError);
    expect(() => l.forward(F(1, 0))).toThrow(/^Input neurons must implement `forward`$/);
    expect(() => l.updateTrace(F(1, 0))).toThrow(NotImplementedError);
    expect(() => l.updateTrace(F(1, 0))).toThrow(/^Input neurons must implement `updateTrace`$/);
    expect(arr(l.trace)).toEqual([0, 0]);
  });

  test('a user subclass that implements updateTrace and forward works', () => {
    class Accumulate extends BaseInput {
      override updateTrace(x: Float32Array | Uint8Array): void {
        const v = this.convertInput(x);
        for (let i = 0; i < v.length; i++) this.trace[i] += v[i];
      }
      override forward(x: Float32Array | Uint8Array): StepResult {
        this.updateTrace(x);
        for (let i = 0; i < x.length; i++) this.spikes[i] = x[i] !== 0 ? 1 : 0;
        return { spikes: this.spikes, trace: this.trace };
      }
    }
    const l = new Accumulate({ cellsShape: [1, 3], dt: 1 });
    expect(l).toBeInstanceOf(BaseInput);
    l.forward(U(1, 0, 1));
    const r = l.forward(F(0.5, 0, 2));
    expect(arr(r.trace)).toEqual([1.5, 0, 3]);
    expect(arr(r.spikes)).toEqual([1, 0, 1]);
    l.resetState();
    expect(arr(l.trace)).toEqual([0, 0, 0]);
  });
});

describe('BaseNeuron', () => {
  const opts: BaseNeuronOptions = { cellsShape: [2, 3], thresh: 1, vRest: -0.5, dt: 0.5, durationRefrac: 1 };

  test('is constructible directly; properties and initial state', () => {
    const l = new BaseNeuron(opts);
    expect(l.size).toBe(6);
    expect(l.cellsShape).toEqual([2, 3]);
    expect(l.dt).toBe(0.5);
    expect(l.vRest).toBe(-0.5);
    expect(l.durationRefrac).toBe(1);
    expect(l.refracSteps).toBe(2);
    expect(l.storeTrace).toBe(false);
    expect(arr(l.vCell)).toEqual(new Array(6).fill(-0.5));
    expect(arr(l.thresh)).toEqual(new Array(6).fill(1));
    expect(arr(l.trace)).toEqual(new Array(6).fill(0));
    expect(arr(l.spikes)).toEqual(new Array(6).fill(0));
    expect(arr(l.refracCounts)).toEqual(new Array(6).fill(0));
    expect(l.completeTrace).toBeNull();
    expect(l.vCell).toBeInstanceOf(Float32Array);
    expect(l.spikes).toBeInstanceOf(Uint8Array);
  });

  test('vRest and thresh are rounded to float32', () => {
    const l = new BaseNeuron({ ...opts, vRest: 0.1, thresh: 0.3 });
    expect(l.vRest).toBe(f32(0.1));
    expect(l.vCell[0]).toBe(f32(0.1));
    expect(l.thresh[0]).toBe(f32(0.3));
  });

  test('forward, updateTrace and updateVoltage throw NotImplementedError with PySNN\'s messages', () => {
    const l = new BaseNeuron(opts);
    const x = new Float32Array(6);
    expect(() => l.forward(x)).toThrow(NotImplementedError);
    expect(() => l.forward(x)).toThrow(/^Neurons must implement `forward`$/);
    expect(() => l.updateTrace(new Uint8Array(6))).toThrow(NotImplementedError);
    expect(() => l.updateTrace(new Uint8Array(6))).toThrow(/^Neurons must implement `updateTrace`$/);
    expect(() => l.updateVoltage(x)).toThrow(NotImplementedError);
    expect(() => l.updateVoltage(x)).toThrow(/^Neurons must implement `updateVoltage`$/);
    expect(arr(l.vCell)).toEqual(new Array(6).fill(-0.5));
  });

  describe('spiking()', () => {
    test('marks v >= thresh (equality spikes) and returns the live spikes; nothing else changes', () => {
      const l = new BaseNeuron({ ...opts, thresh: [1, 0.5, 3, -2, 1, 0.25] });
      l.vCell.set([1, 0.25, 2.5, -2, 0.75, 0.25]);
      const s = l.spiking();
      expect(s).toBe(l.spikes);
      expect(arr(s)).toEqual([1, 0, 0, 1, 0, 1]);
      expect(arr(l.vCell)).toEqual([1, 0.25, 2.5, -2, 0.75, 0.25]); // no reset here
      expect(arr(l.refracCounts)).toEqual([0, 0, 0, 0, 0, 0]);
      l.vCell.fill(-3);
      expect(arr(l.spiking())).toEqual([0, 0, 0, 0, 0, 0]);
    });
  });

  describe('refrac(spikes)', () => {
    test('counts whole steps in PySNN units, resets spiking neurons to vRest', () => {
      const l = new BaseNeuron(opts); // 2 steps of dt = 0.5
      l.vCell.fill(5);
      l.refrac(U(1, 0, 1, 0, 0, 0));
      expect(arr(l.vCell)).toEqual([-0.5, 5, -0.5, 5, 5, 5]);
      expect(arr(l.refracCounts)).toEqual([1, 0, 1, 0, 0, 0]);
      l.refrac(U(0, 0, 0, 0, 0, 0));
      expect(arr(l.refracCounts)).toEqual([0.5, 0, 0.5, 0, 0, 0]);
      expect(arr(l.vCell)).toEqual([-0.5, 5, -0.5, 5, 5, 5]);
      l.refrac(U(0, 0, 0, 0, 0, 0));
      expect(arr(l.refracCounts)).toEqual([0, 0, 0, 0, 0, 0]);
      l.refrac(U(0, 0, 0, 0, 0, 0));
      expect(arr(l.refracCounts)).toEqual([0, 0, 0, 0, 0, 0]); // never below 0
    });

    test('a spike while refractory adds a new period to what is left', () => {
      const l = new BaseNeuron(opts);
      l.refrac(U(1, 0, 0, 0, 0, 0));
      expect(l.refracCounts[0]).toBe(1);
      l.refrac(U(1, 0, 0, 0, 0, 0)); // (2 - 1) + 2 steps
      expect(l.refracCounts[0]).toBe(1.5);
    });

    test('refracCounts is float32(stepsLeft * dt)', () => {
      const l = new BaseNeuron({ ...opts, dt: 0.1, durationRefrac: 0.7 });
      expect(l.refracSteps).toBe(7);
      const got: number[] = [];
      l.refrac(U(1, 0, 0, 0, 0, 0));
      got.push(l.refracCounts[0]);
      for (let t = 0; t < 8; t++) {
        l.refrac(U(0, 0, 0, 0, 0, 0));
        got.push(l.refracCounts[0]);
      }
      expect(got).toEqual([7, 6, 5, 4, 3, 2, 1, 0, 0].map((k) => f32(k * f32(0.1))));
    });

    test('without a refractory period only the reset happens', () => {
      const l = new BaseNeuron({ ...opts, durationRefrac: 0 });
      expect(l.refracSteps).toBe(0);
      l.vCell.fill(2);
      l.refrac(U(0, 1, 0, 0, 0, 1));
      expect(arr(l.vCell)).toEqual([2, -0.5, 2, 2, 2, -0.5]);
      expect(arr(l.refracCounts)).toEqual([0, 0, 0, 0, 0, 0]);
    });
  });

  describe('concatTrace and completeTrace', () => {
    test('null without storeTrace', () => {
      expect(new BaseNeuron(opts).completeTrace).toBeNull();
      expect(new BaseNeuron({ ...opts, storeTrace: false }).completeTrace).toBeNull();
    });

    test('shape [...cellsShape, T + 1], time last, column 0 all zeros', () => {
      const l = new BaseNeuron({ ...opts, storeTrace: true });
      expect(l.storeTrace).toBe(true);
      expect(l.completeTrace!.shape).toEqual([2, 3, 1]);
      expect(arr(l.completeTrace!.data)).toEqual([0, 0, 0, 0, 0, 0]);
      l.concatTrace(U(1, 0, 0, 1, 1, 0));
      l.concatTrace(U(0, 1, 0, 0, 1, 1));
      const ct = l.completeTrace!;
      expect(ct.shape).toEqual([2, 3, 3]);
      expect(ct.data).toBeInstanceOf(Uint8Array);
      // neuron i: [0, step 1, step 2]
      expect(arr(ct.data)).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1]);
    });

    test('stores the spikes of that step, not a reference to a later-changed array', () => {
      const l = new BaseNeuron({ ...opts, storeTrace: true });
      l.spikes.set([1, 1, 0, 0, 1, 0]);
      l.concatTrace(l.spikes);
      l.spikes.fill(0);
      l.concatTrace(l.spikes);
      expect(arr(l.completeTrace!.data)).toEqual([0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
    });

    test('storage grows over 1000 steps and keeps every step', () => {
      const l = new BaseNeuron({ ...opts, cellsShape: [5], storeTrace: true });
      const bit = (t: number, i: number) => ((t * 7 + i * 3) % 5 < 2 ? 1 : 0);
      for (let t = 0; t < 1000; t++) l.concatTrace(Uint8Array.from({ length: 5 }, (_, i) => bit(t, i)));
      const ct = l.completeTrace!;
      expect(ct.shape).toEqual([5, 1001]);
      for (let i = 0; i < 5; i++) {
        expect(ct.data[i * 1001]).toBe(0);
        for (let t = 0; t < 1000; t++) {
          if (ct.data[i * 1001 + t + 1] !== bit(t, i)) throw new Error(`neuron ${i}, step ${t}`);
        }
      }
    });

    test('resetState brings it back to one all-zero column', () => {
      const l = new BaseNeuron({ ...opts, storeTrace: true });
      l.concatTrace(U(1, 1, 1, 1, 1, 1));
      l.resetState();
      expect(l.completeTrace).toEqual({ shape: [2, 3, 1], data: new Uint8Array(6) });
      l.concatTrace(U(0, 0, 1, 0, 0, 0));
      expect(l.completeTrace!.shape).toEqual([2, 3, 2]);
      expect(arr(l.completeTrace!.data)).toEqual([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    });
  });

  describe('fold, unfold, convertSpikes', () => {
    test('fold sums the last dimension of (*cellsShape, k)', () => {
      const l = new BaseNeuron(opts);
      const x = F(1, 2, 3, 4, 5, 6, 0.5, 0.25, -1, 1, 0, 0); // k = 2
      const folded = l.fold(x);
      expect(folded).toBeInstanceOf(Float32Array);
      expect(arr(folded)).toEqual([3, 7, 11, 0.75, 0, 0]);
      expect(arr(x)).toEqual([1, 2, 3, 4, 5, 6, 0.5, 0.25, -1, 1, 0, 0]);
      expect(arr(l.fold(F(1, 2, 3, 4, 5, 6)))).toEqual([1, 2, 3, 4, 5, 6]); // k = 1
    });

    test('fold of a list concatenates along the last dimension, then sums', () => {
      const l = new BaseNeuron({ ...opts, cellsShape: [2] });
      // parts of widths 1, 2, 1: neuron 0 sees [1, 10, 20, 100], neuron 1 [2, 30, 40, 200]
      expect(arr(l.fold([F(1, 2), F(10, 20, 30, 40), F(100, 200)]))).toEqual([131, 272]);
    });

    test('fold sums left to right in float32', () => {
      const l = new BaseNeuron({ ...opts, cellsShape: [2] });
      expect(arr(l.fold(F(1e8, 1, -1e8, 1e8, -1e8, 1)))).toEqual([0, 1]);
    });

    test('unfold moves the last dimension first: (*cellsShape, k) -> (k, *cellsShape)', () => {
      const l = new BaseNeuron(opts); // n = 6
      const k = 3;
      const x = new Float32Array(6 * k);
      for (let i = 0; i < 6; i++) for (let j = 0; j < k; j++) x[i * k + j] = 10 * i + j;
      const out = l.unfold(x);
      expect(out).toBeInstanceOf(Float32Array);
      expect(arr(out)).toEqual([0, 10, 20, 30, 40, 50, 1, 11, 21, 31, 41, 51, 2, 12, 22, 32, 42, 52]);
      expect(x[1]).toBe(1); // input unchanged
      expect(arr(l.unfold(F(1, 2, 3, 4, 5, 6)))).toEqual([1, 2, 3, 4, 5, 6]); // k = 1
    });

    test('convertSpikes casts spikes to float32 values, in a new array', () => {
      const l = new BaseNeuron(opts);
      l.spikes.set([0, 1, 1, 0, 0, 1]);
      const c = l.convertSpikes(l.spikes);
      expect(c).toBeInstanceOf(Float32Array);
      expect(arr(c)).toEqual([0, 1, 1, 0, 0, 1]);
      c[0] = 1;
      expect(l.spikes[0]).toBe(0);
    });
  });

  describe('lifecycle', () => {
    test('resetState: v = vRest, no spikes, no refractory time left, zero trace; thresh kept', () => {
      const l = new BaseNeuron(opts);
      l.vCell.fill(3);
      l.trace.fill(2);
      l.spikes.fill(1);
      l.thresh.fill(7);
      l.refrac(U(1, 1, 0, 0, 0, 0));
      l.resetState();
      expect(arr(l.vCell)).toEqual(new Array(6).fill(-0.5));
      expect(arr(l.trace)).toEqual(new Array(6).fill(0));
      expect(arr(l.spikes)).toEqual(new Array(6).fill(0));
      expect(arr(l.refracCounts)).toEqual(new Array(6).fill(0));
      expect(arr(l.thresh)).toEqual(new Array(6).fill(7));
      // the hidden step counter is cleared too: one more step does not bring the count back
      l.refrac(U(0, 0, 0, 0, 0, 0));
      expect(arr(l.refracCounts)).toEqual(new Array(6).fill(0));
    });

    test.each([
      ['number[]', (a: number[]) => a],
      ['Float32Array', (a: number[]) => Float32Array.from(a)],
    ])('resetThresh restores a per-neuron initial threshold given as %s', (_kind, as) => {
      const init = [1, 0.5, 0.25, 2, -1, 0];
      const l = new BaseNeuron({ ...opts, thresh: as(init) });
      expect(arr(l.thresh)).toEqual(init);
      l.thresh.fill(9);
      l.vCell.fill(4);
      l.resetThresh();
      expect(arr(l.thresh)).toEqual(init);
      expect(arr(l.vCell)).toEqual(new Array(6).fill(4)); // the state is not touched
    });

    test('resetThresh restores a scalar threshold, rounded to float32', () => {
      const l = new BaseNeuron({ ...opts, thresh: 0.7 });
      l.thresh.fill(0);
      l.resetThresh();
      expect(arr(l.thresh)).toEqual(new Array(6).fill(f32(0.7)));
    });

    test('initNeuron resets the state and the threshold', () => {
      const l = new BaseNeuron({ ...opts, thresh: [1, 2, 3, 4, 5, 6], storeTrace: true });
      l.vCell.fill(3);
      l.trace.fill(2);
      l.thresh.fill(0);
      l.refrac(U(1, 0, 0, 0, 0, 0));
      l.concatTrace(U(1, 0, 0, 0, 0, 0));
      l.initNeuron();
      expect(arr(l.vCell)).toEqual(new Array(6).fill(-0.5));
      expect(arr(l.trace)).toEqual(new Array(6).fill(0));
      expect(arr(l.refracCounts)).toEqual(new Array(6).fill(0));
      expect(arr(l.thresh)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(l.completeTrace!.shape).toEqual([2, 3, 1]);
    });
  });

  test('a user subclass built from the base stages works through a whole lifecycle', () => {
    // An IF-like neuron written the way PySNN asks: override updateVoltage,
    // updateTrace and forward, reuse fold, spiking, convertSpikes, refrac, concatTrace.
    class Custom extends BaseNeuron {
      override updateVoltage(current: Float32Array): void {
        for (let i = 0; i < this.size; i++) if (this.refracCounts[i] === 0) this.vCell[i] += current[i];
      }
      override updateTrace(spikes: Uint8Array | Float32Array): void {
        for (let i = 0; i < this.size; i++) this.trace[i] = this.trace[i] * 0.5 + spikes[i];
      }
      override forward(x: spiking.NeuronInput): StepResult {
        this.updateVoltage(this.fold(x));
        const spikes = this.spiking();
        this.updateTrace(this.convertSpikes(spikes));
        this.refrac(spikes);
        if (this.storeTrace) this.concatTrace(spikes);
        return { spikes: this.spikes, trace: this.trace };
      }
    }
    const l = new Custom({ cellsShape: [2], thresh: 1, vRest: 0, dt: 1, durationRefrac: 1, storeTrace: true });
    expect(l).toBeInstanceOf(BaseNeuron);
    const x = F(0.5, 0.5, 1, 0.5); // k = 2: currents [1, 1.5]
    l.forward(x);
    expect(arr(l.spikes)).toEqual([1, 1]);
    expect(arr(l.refracCounts)).toEqual([1, 1]);
    l.forward(x); // refractory: no integration
    expect(arr(l.spikes)).toEqual([0, 0]);
    expect(arr(l.vCell)).toEqual([0, 0]);
    expect(arr(l.trace)).toEqual([0.5, 0.5]);
    const r = l.forward([F(0.25, 0.25), F(0.25, 0.5)]);
    expect(arr(r.spikes)).toEqual([0, 0]);
    expect(arr(l.vCell)).toEqual([0.5, 0.75]);
    expect(l.completeTrace).toEqual({ shape: [2, 4], data: Uint8Array.from([0, 1, 0, 0, 0, 1, 0, 0]) });
    l.initNeuron();
    expect(arr(l.vCell)).toEqual([0, 0]);
    expect(l.completeTrace!.shape).toEqual([2, 1]);
  });
});

describe('NotImplementedError', () => {
  test('is an Error named NotImplementedError', () => {
    const e = new NotImplementedError('x');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('NotImplementedError');
    expect(e.message).toBe('x');
  });
});

describe('exported helpers', () => {
  const all = spiking.instructionSets();
  afterAll(() => spiking.setInstructionSet(all[0]));

  test('instructionSets() is non-empty and includes instructionSet()', () => {
    expect(Array.isArray(all)).toBe(true);
    expect(all.length).toBeGreaterThan(0);
    for (const name of all) expect(typeof name).toBe('string');
    expect(all).toContain(spiking.instructionSet());
  });

  test('setInstructionSet switches to each usable set', () => {
    for (const name of all) {
      spiking.setInstructionSet(name);
      expect(spiking.instructionSet()).toBe(name);
    }
    spiking.setInstructionSet(all[0]);
    expect(spiking.instructionSet()).toBe(all[0]);
  });

  test('setInstructionSet with an unknown name throws a RangeError naming the valid ones', () => {
    const before = spiking.instructionSet();
    let error: unknown;
    try {
      spiking.setInstructionSet('no-such-isa');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    const message = (error as Error).message;
    for (const name of all) expect(message).toContain(name);
    expect(message).toContain('no-such-isa');
    expect(spiking.instructionSet()).toBe(before);
  });

  test("buildSystem is 'cmake-js' or 'node-gyp'", () => {
    expect(['cmake-js', 'node-gyp']).toContain(spiking.buildSystem);
  });
});
