// Input: passes spikes (or graded values) on and keeps their trace
// (docs/semantics.md, "The input layer step"). Expected values are worked out by hand.
import { BaseInput, Input, type InputOptions } from '../lib';
import { arr, countCalls, expectIdentical, F, f32, perNeuron, randomSpikes, randomValues, rng, underEveryIsa } from './helpers';

const base: InputOptions = { cellsShape: [1, 4], dt: 1, alphaT: 0.5, tauT: 0.5 };
const make = (over: Partial<InputOptions> = {}) => new Input({ ...base, ...over });

function expectSameInputState(a: Input, b: Input, where: string): void {
  expectIdentical(a.spikes, b.spikes, `${where}: spikes`);
  expectIdentical(a.trace, b.trace, `${where}: trace`);
}

describe('Input construction', () => {
  test('is a BaseInput with zero trace and spikes; default update type is linear', () => {
    const l = make({ cellsShape: [2, 3, 2], dt: 0.1 });
    expect(l).toBeInstanceOf(BaseInput);
    expect(l.size).toBe(12);
    expect(l.cellsShape).toEqual([2, 3, 2]);
    expect(l.dt).toBe(f32(0.1));
    expect(l.updateType).toBe('linear');
    expect(l.trace).toBeInstanceOf(Float32Array);
    expect(l.spikes).toBeInstanceOf(Uint8Array);
    expect(arr(l.trace)).toEqual(new Array(12).fill(0));
    expect(arr(l.spikes)).toEqual(new Array(12).fill(0));
  });
});

describe('Input.forward', () => {
  test('linear: trace = trace * tauT + alphaT * x; spikes = x != 0', () => {
    const l = make();
    l.forward(F(1, 0, 1, 0));
    expect(arr(l.trace)).toEqual([0.5, 0, 0.5, 0]);
    expect(arr(l.spikes)).toEqual([1, 0, 1, 0]);
    l.forward(F(0, 0, 1, 1));
    expect(arr(l.trace)).toEqual([0.25, 0, 0.75, 0.5]);
    expect(arr(l.spikes)).toEqual([0, 0, 1, 1]);
    l.forward(F(0, 0, 0, 0));
    expect(arr(l.trace)).toEqual([0.125, 0, 0.375, 0.25]);
    expect(arr(l.spikes)).toEqual([0, 0, 0, 0]);
  });

  test('graded values pass through as float32 into the trace; any non-zero value is a spike', () => {
    const l = make();
    l.forward(F(2, -1, 0.25, 0));
    expect(arr(l.trace)).toEqual([1, -0.5, 0.125, 0]);
    expect(arr(l.spikes)).toEqual([1, 1, 1, 0]);
    l.forward(F(-0, 1e-30, 0, 0)); // -0 is zero; a tiny value is not
    expect(arr(l.spikes)).toEqual([0, 1, 0, 0]);
  });

  test('exponential: trace += (dt / tauT) * (alphaT * x - trace)', () => {
    const l = make({ cellsShape: [1, 2], updateType: 'exponential', alphaT: 1, tauT: 4 });
    expect(l.updateType).toBe('exponential');
    l.forward(F(1, 0));
    expect(arr(l.trace)).toEqual([0.25, 0]);
    l.forward(F(1, 2));
    expect(arr(l.trace)).toEqual([0.4375, 0.5]);
    l.forward(F(0, 0));
    expect(arr(l.trace)).toEqual([0.328125, 0.375]);
  });

  test('inexact parameters: one float32 rounding per operation', () => {
    const lin = make({ cellsShape: [1, 1], alphaT: 0.3, tauT: 0.9 });
    const exp = make({ cellsShape: [1, 1], alphaT: 0.3, tauT: 0.02, dt: 0.001, updateType: 'exponential' });
    const factor = f32(f32(0.001) / f32(0.02));
    let a = 0;
    let b = 0;
    for (const x of [1, 0.7, 0, 1, 1, 0, 2.5]) {
      lin.forward(F(x));
      exp.forward(F(x));
      const inc = f32(f32(0.3) * f32(x));
      a = f32(f32(a * f32(0.9)) + inc);
      b = f32(b + f32(factor * f32(inc - b)));
      expect(lin.trace[0]).toBe(a);
      expect(exp.trace[0]).toBe(b);
    }
  });

  test('accepts a Uint8Array of spikes, same as the float32 values', () => {
    const a = make();
    const b = make();
    a.forward(Uint8Array.from([1, 0, 1, 1]));
    b.forward(F(1, 0, 1, 1));
    expect(arr(a.trace)).toEqual([0.5, 0, 0.5, 0.5]);
    expect(arr(a.spikes)).toEqual([1, 0, 1, 1]);
    a.forward(Uint8Array.from([0, 1, 1, 0]));
    b.forward(F(0, 1, 1, 0));
    expectSameInputState(a, b, 'bytes vs floats');
  });

  test('does not change its input', () => {
    const l = make();
    const x = F(1, 2, 0, -1);
    l.forward(x);
    expect(arr(x)).toEqual([1, 2, 0, -1]);
  });

  test('returns the same {spikes, trace} object every call, live views of the state', () => {
    const l = make();
    const r1 = l.forward(F(1, 0, 0, 0));
    const { trace, spikes } = l;
    const r2 = l.forward(F(0, 1, 0, 0));
    expect(r2).toBe(r1);
    expect(r1.spikes).toBe(l.spikes);
    expect(r1.trace).toBe(l.trace);
    expect(arr(r1.spikes)).toEqual([0, 1, 0, 0]);
    expect(arr(r1.trace)).toEqual([0.25, 0.5, 0, 0]);
    expect(arr(trace)).toEqual([0.25, 0.5, 0, 0]); // held reference sees the latest step
    expect(arr(spikes)).toEqual([0, 1, 0, 0]);
    l.resetState();
    expect(arr(trace)).toEqual([0, 0, 0, 0]);
    expect(arr(r1.spikes)).toEqual([0, 0, 0, 0]);
  });
});

describe('Input per-neuron parameters', () => {
  test.each([
    ['number[]', (a: number[]) => a],
    ['Float32Array', (a: number[]) => Float32Array.from(a)],
  ])('linear alphaT and tauT as %s', (_kind, as) => {
    const l = make({ alphaT: as([1, 0.5, 0.25, 2]), tauT: as([0.5, 0.25, 1, 0]) });
    const ones = F(1, 1, 1, 1);
    l.forward(ones);
    expect(arr(l.trace)).toEqual([1, 0.5, 0.25, 2]);
    l.forward(ones);
    expect(arr(l.trace)).toEqual([1.5, 0.625, 0.5, 2]);
  });

  test('exponential tauT per neuron', () => {
    const l = make({ updateType: 'exponential', alphaT: 1, tauT: [1, 2, 4, 8] });
    l.forward(F(1, 1, 1, 1));
    expect(arr(l.trace)).toEqual([1, 0.5, 0.25, 0.125]);
  });
});

describe('Input stages and lifecycle', () => {
  test('updateTrace(x) converts x and updates the trace only', () => {
    const l = make();
    l.updateTrace(Uint8Array.from([1, 1, 0, 0]));
    expect(arr(l.trace)).toEqual([0.5, 0.5, 0, 0]);
    expect(arr(l.spikes)).toEqual([0, 0, 0, 0]);
    l.updateTrace(F(4, 0, 0, -2));
    expect(arr(l.trace)).toEqual([2.25, 0.25, 0, -1]);
  });

  test('convertInput: bytes to float32 values; float32 values unchanged', () => {
    const l = make();
    const c = l.convertInput(Uint8Array.from([0, 1, 1, 0]));
    expect(c).toBeInstanceOf(Float32Array);
    expect(arr(c)).toEqual([0, 1, 1, 0]);
    const f = l.convertInput(F(0.5, -2, 0, 3));
    expect(f).toBeInstanceOf(Float32Array);
    expect(arr(f)).toEqual([0.5, -2, 0, 3]);
  });

  test('resetState and initNeuron clear the trace and the spikes', () => {
    const l = make();
    l.forward(F(1, 1, 0, 2));
    l.resetState();
    expect(arr(l.trace)).toEqual([0, 0, 0, 0]);
    expect(arr(l.spikes)).toEqual([0, 0, 0, 0]);
    l.forward(F(1, 1, 0, 2));
    expect(arr(l.trace)).toEqual([0.5, 0.5, 0, 1]); // starts again from 0
    l.initNeuron();
    expect(arr(l.trace)).toEqual([0, 0, 0, 0]);
    expect(arr(l.spikes)).toEqual([0, 0, 0, 0]);
  });
});

describe('Input subclasses: overridden stages are honoured', () => {
  class CountingInput extends Input {
    calls = 0;
    override updateTrace(x: Float32Array | Uint8Array): void {
      this.calls++;
      super.updateTrace(x);
    }
  }

  test('forward calls an overriding updateTrace once per step', () => {
    const l = new CountingInput(base);
    for (let t = 0; t < 9; t++) l.forward(F(1, 0, 1, 0));
    expect(l.calls).toBe(9);
  });

  test.each(['linear', 'exponential'] as const)(
    '%s: an observing override gives results identical to a plain layer, every step, every instruction set',
    (updateType) => {
      underEveryIsa((isa) => {
        const rand = rng(31);
        const n = 53;
        const options: InputOptions = {
          cellsShape: [1, n],
          dt: 0.25,
          alphaT: perNeuron(rand, n, 0.25, 2),
          tauT: updateType === 'linear' ? perNeuron(rand, n, 0, 1) : perNeuron(rand, n, 0.3, 3),
          updateType,
        };
        const plain = new Input(options);
        const sub = new CountingInput(options);
        for (let t = 0; t < 300; t++) {
          const x = t % 3 === 0 ? randomValues(rand, n, -1, 2) : randomSpikes(rand, n, 0.4);
          const input = t % 3 === 2 ? Uint8Array.from(x) : x;
          plain.forward(input);
          sub.forward(input);
          expectSameInputState(sub, plain, `${isa} step ${t}`);
        }
        expect(sub.calls).toBe(300);
      });
    },
  );

  test('the fused path matches the trace formula over a long random run, every instruction set', () => {
    underEveryIsa((isa) => {
      const rand = rng(32);
      const n = 19;
      const alphaT = perNeuron(rand, n, 0.25, 2);
      const tauT = perNeuron(rand, n, 0.3, 3);
      const l = new Input({ cellsShape: [n], dt: 0.125, alphaT, tauT, updateType: 'exponential' });
      const trace = new Array(n).fill(0);
      const dt = f32(0.125);
      for (let t = 0; t < 300; t++) {
        const x = randomValues(rand, n, -1, 2);
        l.forward(x);
        for (let i = 0; i < n; i++) {
          trace[i] = f32(trace[i] + f32(f32(dt / tauT[i]) * f32(f32(alphaT[i] * x[i]) - trace[i])));
        }
        expectIdentical(l.trace, trace, `${isa} step ${t}: trace`);
        expectIdentical(l.spikes, arr(x).map((v) => (v !== 0 ? 1 : 0)), `${isa} step ${t}: spikes`);
      }
    });
  });

  test('an override that changes behaviour is reflected: doubling x in updateTrace', () => {
    class Doubling extends Input {
      override updateTrace(x: Float32Array | Uint8Array): void {
        super.updateTrace(Float32Array.from(x, (v) => 2 * v));
      }
    }
    const l = new Doubling(base);
    l.forward(F(1, 0, 0.5, 0));
    expect(arr(l.trace)).toEqual([1, 0, 0.5, 0]);
    expect(arr(l.spikes)).toEqual([1, 0, 1, 0]);
  });

  test('an overriding convertInput is used by forward', () => {
    class Binary extends Input {
      override convertInput(x: Float32Array | Uint8Array): Float32Array {
        return Float32Array.from(x, (v) => (v !== 0 ? 1 : 0));
      }
    }
    const l = new Binary(base);
    l.forward(F(3, 0, -2, 0.25));
    expect(arr(l.trace)).toEqual([0.5, 0, 0.5, 0.5]);
    expect(arr(l.spikes)).toEqual([1, 0, 1, 1]);
  });

  test.each(['updateTrace', 'convertInput'])('an instance that overrides %s is stepped through it', (stage) => {
    const rand = rng(33);
    const plain = make();
    const l = make();
    const counter = countCalls(l, stage);
    for (let t = 0; t < 30; t++) {
      const x = randomValues(rand, 4, -1, 2);
      plain.forward(x);
      l.forward(x);
      expectSameInputState(l, plain, `step ${t}`);
    }
    expect(counter.calls).toBe(30);
  });
});
