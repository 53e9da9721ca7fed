// The learning API around the kernels: the base class, its helpers, what
// every rule refuses (with the parameter named), FedeSTDP against a scalar
// oracle, its all-zero trace, several layers in one rule, and the N-API
// entry's own checks (nothing JS can pass crashes the process).
import * as spiking from '../lib';
import { native as learn } from '../lib/binding';
import { rng } from './helpers';

const f32 = Math.fround;

function layer(batch: number, inF: number, outF: number, seed = 1) {
  const connection = new spiking.Linear({ inFeatures: inF, outFeatures: outF, batchSize: batch, dt: 1, weight: { init: 'uniform', seed } });
  const neuron = new spiking.LIFNeuron({ cellsShape: [batch, 1, outF], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.8, tauT: 0.8, updateType: 'linear' });
  return { connection, neuron };
}

const MST = { aPre: 1, aPost: 0.5, lr: 0.01, eTraceDecay: 0.9 };
const FEDE = { lr: 0.001, wInit: 0.5, a: 0.5 };

describe('LearningRule', () => {
  const rule = new spiking.LearningRule({ l: layer(2, 3, 4) }, { lr: 1 });

  test('updateState, step and resetState throw NotImplementedError, as PySNN\'s do', () => {
    expect(() => rule.updateState()).toThrow(spiking.NotImplementedError);
    expect(() => rule.step()).toThrow(/must implement `step`/);
    expect(() => rule.resetState()).toThrow(spiking.NotImplementedError);
    expect(rule.defaults).toEqual({ lr: 1 });
    expect([...rule.layers.keys()]).toEqual(['l']);
  });

  test('checkLayers names what does not fit', () => {
    const { connection, neuron } = layer(2, 3, 4);
    expect(() => rule.checkLayers(null as never)).toThrow('Expected an object or Map of { connection, neuron } by layer name for layers but received null');
    expect(() => rule.checkLayers({})).toThrow(/Expected at least one layer for layers/);
    expect(() => rule.checkLayers(new Map())).toThrow(/Expected at least one layer for layers/);
    expect(() => rule.checkLayers({ a: { connection: {} as never, neuron } })).toThrow(/Expected a Linear connection for layers\.a\.connection but received an object of type Object/);
    expect(() => rule.checkLayers({ a: { connection, neuron: new spiking.Input({ cellsShape: [2, 4], dt: 1, alphaT: 1, tauT: 1 }) as never } })).toThrow(/for layers\.a\.neuron but received an object of type Input/);
    expect(() => rule.checkLayers({ a: { connection, neuron: layer(2, 3, 5).neuron } })).toThrow(
      'Expected layers.a.neuron to fit its connection (cellsShape [2, ..., 4], 8 neurons: batch 2 x outFeatures 4) but received cellsShape [2, 1, 5]',
    );
    expect(() => rule.checkLayers({ a: { connection, neuron: layer(1, 3, 4).neuron } })).toThrow(/received cellsShape \[1, 1, 4\]/);
    expect(() => rule.checkLayers({ a: { connection, neuron, extra: 1 } as never })).toThrow(/Unknown key "extra" in layers\.a/);
    expect(rule.checkLayers(new Map([['x', { connection, neuron }]])).get('x')).toEqual({ connection, neuron });
  });

  test('preMultPost: pre (batch, out, in) times post (batch, out), float32', () => {
    const { connection } = layer(2, 3, 2);
    const pre = Float32Array.from([1, 0, 1, 0.1, 0.2, 0.3, 1, 1, 0, 2, 3, 4]);
    const post = Uint8Array.from([1, 0, 0, 1]);
    expect(Array.from(rule.preMultPost(pre, post, connection))).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 2, 3, 4]);
    const tr = Float32Array.from([0.7, 0.1, 3, 0.5]);
    expect(Array.from(rule.preMultPost(pre, tr, connection))).toEqual([0.7, 0, 0.7, f32(0.1) * f32(0.1), f32(0.2) * f32(0.1), f32(0.3) * f32(0.1), 3, 3, 0, 1, 1.5, 2].map(f32));
    expect(() => rule.preMultPost(pre.subarray(1), post, connection)).toThrow(/Expected a Float32Array or Uint8Array of 12 values \(batch 2 x out 2 x in 3\) for pre but received a Float32Array of length 11/);
    expect(() => rule.preMultPost(pre, [1, 0, 0, 1] as never, connection)).toThrow(/for post but received an array of length 4/);
  });

  test('reduceConnections: over the batch, samples in order, float32', () => {
    const { connection } = layer(3, 2, 1);
    const t = Float32Array.from([1, -2, 0.1, 4, 0.2, 5]);
    expect(Array.from(rule.reduceConnections(t, connection))).toEqual([f32(f32(f32(1 + f32(0.1)) + f32(0.2)) / 3), f32(7 / 3)]);
    expect(Array.from(rule.reduceConnections(t, connection, 'sum'))).toEqual([f32(f32(1 + f32(0.1)) + f32(0.2)), 7]);
    expect(Array.from(rule.reduceConnections(t, connection, 'max'))).toEqual([1, 5]);
    expect(Array.from(rule.reduceConnections(t, connection, 'min'))).toEqual([f32(0.1), -2]);
    expect(() => rule.reduceConnections(t, connection, 'median' as never)).toThrow(/Expected "mean", "sum", "max" or "min" for reduction but received string "median"/);
    expect(() => rule.reduceConnections(t, {} as never)).toThrow(/Expected a Linear connection for connection/);
  });
});

describe('MSTDPET', () => {
  test.each([
    [{ aPre: NaN }, /Expected a finite number \(finite in float32\) for aPre but received number NaN/],
    [{ aPost: Infinity }, /for aPost but received number Infinity/],
    [{ lr: 1e39 }, /for lr but received number 1e\+39/],
    [{ eTraceDecay: 1.5 }, /Expected a number <= 1 for eTraceDecay but received number 1.5/],
    [{ eTraceDecay: -0.1 }, /Expected a number >= 0 for eTraceDecay/],
    [{ aPre: '1' }, /for aPre but received string "1"/],
    [{ aPre: undefined }, /for aPre but received undefined/],
    [{ eTraceDcay: 0.5 }, /Unknown option "eTraceDcay" for MSTDPET/],
  ])('refuses %p', (bad, message) => {
    expect(() => new spiking.MSTDPET({ layers: { l: layer(1, 2, 2) }, ...MST, ...bad } as never)).toThrow(message);
  });

  test('step refuses a reward that is not finite, or whose product with lr is not finite in float32, changing nothing', () => {
    const l = layer(1, 3, 2);
    const rule = new spiking.MSTDPET({ layers: { l }, ...MST });
    const before = l.connection.weight;
    expect(() => rule.step(NaN)).toThrow('Expected a finite number for reward but received number NaN');
    expect(() => rule.step('1' as never)).toThrow(TypeError);
    expect(() => rule.step(1e300)).toThrow(/Expected a number whose product with lr \(0.01\) is finite in float32 for reward/);
    expect(l.connection.weight).toEqual(before);
  });

  test('eTrace of an unknown layer names the layers', () => {
    const rule = new spiking.MSTDPET({ layers: { hidden: layer(1, 2, 2), out: layer(1, 2, 3) }, ...MST });
    expect(() => rule.eTrace('nope')).toThrow('Expected one of "hidden", "out" for the layer name but received string "nope"');
  });

  test('updateState after a current() step: an error (no presynaptic trace), nothing changed', () => {
    const l = layer(1, 3, 2);
    const rule = new spiking.MSTDPET({ layers: { l }, ...MST });
    l.connection.forward(Uint8Array.of(1, 0, 1), Float32Array.of(1, 0, 1));
    l.neuron.spikes.set([1, 1]);
    rule.updateState();
    const e = rule.eTrace('l');
    expect(e.some((v) => v !== 0)).toBe(true);
    l.connection.current(Uint8Array.of(1, 1, 1), new Float32Array(2));
    expect(() => rule.updateState()).toThrow(/Expected the connection of layer "l" to have last stepped with forward\(pre, traceIn\)/);
    expect(rule.eTrace('l')).toEqual(e);
    l.connection.resetState();
    rule.updateState(); // after a reset the trace is known again: zeros
  });

  test('resetState zeroes every eligibility trace; step then leaves the weights', () => {
    const l = layer(2, 3, 2);
    const rule = new spiking.MSTDPET({ layers: { l }, ...MST });
    l.connection.forward(Uint8Array.of(1, 0, 1, 1, 1, 0), Float32Array.of(1, 0, 1, 0.5, 0.5, 0));
    l.neuron.spikes.set([1, 0, 1, 1]);
    l.neuron.trace.set([1, 0, 1, 1]);
    rule.updateState();
    expect(rule.eTrace('l').some((v) => v !== 0)).toBe(true);
    rule.resetState();
    expect(rule.eTrace('l').every((v) => v === 0)).toBe(true);
    const w = l.connection.weight;
    rule.step(1);
    expect(l.connection.weight).toEqual(w);
  });

  test('two layers: each gets its own trace and update, like one rule per layer', () => {
    const a = layer(1, 4, 3, 1), b = layer(1, 4, 3, 1);
    const c = layer(1, 4, 3, 1), d = layer(1, 4, 3, 1);
    const both = new spiking.MSTDPET({ layers: { a, b }, ...MST });
    const onlyC = new spiking.MSTDPET({ layers: { c }, ...MST });
    const onlyD = new spiking.MSTDPET({ layers: { d }, ...MST });
    const rand = rng(3);
    for (let t = 0; t < 5; t++) {
      const preA = Uint8Array.from({ length: 4 }, () => (rand() < 0.5 ? 1 : 0)), trA = Float32Array.from({ length: 4 }, rand);
      const preB = Uint8Array.from({ length: 4 }, () => (rand() < 0.5 ? 1 : 0)), trB = Float32Array.from({ length: 4 }, rand);
      const post = Uint8Array.from({ length: 3 }, () => (rand() < 0.5 ? 1 : 0));
      for (const [x, pre, tr] of [[a, preA, trA], [c, preA, trA], [b, preB, trB], [d, preB, trB]] as const) {
        x.connection.forward(pre, tr);
        x.neuron.spikes.set(post);
      }
      both.updateState();
      onlyC.updateState();
      onlyD.updateState();
      both.step(t - 2);
      onlyC.step(t - 2);
      onlyD.step(t - 2);
    }
    expect(both.eTrace('a')).toEqual(onlyC.eTrace('c'));
    expect(both.eTrace('b')).toEqual(onlyD.eTrace('d'));
    expect(a.connection.weight).toEqual(c.connection.weight);
    expect(b.connection.weight).toEqual(d.connection.weight);
    expect(a.connection.weight).not.toEqual(b.connection.weight);
  });
});

describe('FedeSTDP', () => {
  test.each([
    [{ lr: 0 }, /Expected a number > 0 for lr but received number 0/],
    [{ lr: NaN }, /for lr but received number NaN/],
    [{ a: 1.01 }, /Expected a number <= 1 for a but received number 1.01/],
    [{ a: -1 }, /Expected a number >= 0 for a/],
    [{ wInit: Infinity }, /for wInit but received number Infinity/],
    [{ w_init: 1 }, /Unknown option "w_init" for FedeSTDP/],
  ])('refuses %p', (bad, message) => {
    expect(() => new spiking.FedeSTDP({ layers: { l: layer(1, 2, 2) }, ...FEDE, ...bad } as never)).toThrow(message);
  });

  test('an all-zero presynaptic trace leaves the weights unchanged (PySNN would write NaN); a non-zero one moves them', () => {
    const l = layer(2, 3, 4);
    const rule = new spiking.FedeSTDP({ layers: { l }, ...FEDE });
    const w = l.connection.weight;
    l.connection.forward(Uint8Array.of(1, 1, 0, 0, 1, 0), new Float32Array(6));
    rule.step();
    expect(l.connection.weight).toEqual(w);
    l.connection.forward(Uint8Array.of(1, 1, 0, 0, 1, 0), Float32Array.of(0, 0, 0, 0, 0.25, 0));
    rule.step();
    const moved = l.connection.weight;
    expect(moved.every(Number.isFinite)).toBe(true);
    expect(moved).not.toEqual(w);
    rule.updateState(); // no state: both are no-ops
    rule.resetState();
  });

  test('against the scalar oracle (within 1e-6: the exponentials may differ in the last bit), the same bits for 1 and 2 threads', () => {
    const before = spiking.numThreads();
    const [batch, inF, outF] = [2, 600, 130]; // above the split threshold
    const rand = rng(17);
    const runs = [1, 2].map((threads) => ({ threads, l: layer(batch, inF, outF, 4) }));
    const rules = runs.map(({ l }) => new spiking.FedeSTDP({ layers: { l }, ...FEDE }));
    const w = runs[0].l.connection.weight;
    for (let t = 0; t < 3; t++) {
      const pre = Uint8Array.from({ length: batch * inF }, () => (rand() < 0.3 ? 1 : 0));
      const trace = Float32Array.from({ length: batch * inF }, () => (rand() < 0.3 ? 0 : rand()));
      let m = -Infinity;
      trace.forEach((v) => (m = Math.max(m, v)));
      const [wi, a, lr] = [f32(FEDE.wInit), f32(FEDE.a), f32(FEDE.lr)];
      for (let o = 0; o < outF; o++) {
        for (let i = 0; i < inF; i++) {
          const k = o * inF + i;
          const dw = f32(w[k] - wi);
          let acc = 0;
          for (let b = 0; b < batch; b++) {
            const nt = f32(trace[b * inF + i] / m);
            const ltp = f32(f32(Math.exp(-dw)) * f32(f32(Math.exp(nt)) - a));
            const ltd = f32(-f32(Math.exp(dw)) * f32(f32(Math.exp(f32(1 - nt))) - a));
            acc = b === 0 ? f32(ltp + ltd) : f32(acc + f32(ltp + ltd));
          }
          w[k] = f32(w[k] + f32(lr * f32(acc / batch)));
        }
      }
      runs.forEach(({ threads, l }, r) => {
        spiking.setNumThreads(threads);
        l.connection.forward(pre, trace);
        rules[r].step();
      });
      const got = runs[0].l.connection.weight;
      let worst = 0;
      got.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - w[k]))));
      expect(worst).toBeLessThanOrEqual(1e-6);
      expect(runs[1].l.connection.weight).toEqual(got);
    }
    spiking.setNumThreads(before);
  });
});

describe('the native entry checks what it is given', () => {
  const l = layer(2, 3, 4);
  l.connection.forward(new Uint8Array(6), new Float32Array(6));
  const s = l.connection.synapses();
  const ok = (): Parameters<typeof learn.mstdpetUpdate> => [
    s.weights, s.delays, s.ring, s.dims, s.preTrace!, l.neuron.spikes, l.neuron.trace,
    new Float32Array(2 * 3 * 16), new Float32Array(2 * 2 * 16), 1, 1, 0.5,
  ];

  test('the well-formed call works', () => {
    expect(() => learn.mstdpetUpdate(...ok())).not.toThrow();
  });

  test.each([
    ['dims of the wrong length', 3, new Float64Array(6), /Expected the connection's dims to hold 7 values/],
    ['a stride below out', 3, Float64Array.of(2, 3, 4, 2, 1, 0, 0), /Expected consistent dims/],
    ['a stride that is no whole vector', 3, Float64Array.of(2, 3, 4, 17, 1, 0, 0), /Expected consistent dims/],
    ['a head past the ring', 3, Float64Array.of(2, 3, 4, 16, 1, 1, 0), /Expected consistent dims/],
    ['fractional dims', 3, Float64Array.of(2, 3.5, 4, 16, 1, 0, 0), /Expected whole-number dims/],
    ['huge dims', 3, Float64Array.of(2 ** 40, 2 ** 40, 4, 16, 1, 0, 0), /Expected consistent dims|to hold/],
    ['a short ring', 2, new Uint8Array(5), /Expected the connection's spike ring to hold 6 values but it holds 5/],
    ['weights of the wrong type', 0, new Float64Array(48), /Expected a typed array of the right type for the connection's weights/],
    ['a short eligibility trace', 7, new Float32Array(95), /Expected the eligibility trace to hold 96 values/],
    ['no scratch', 8, undefined, /for the scratch/],
    ['a NaN aPre', 9, NaN, /Expected a finite float32 for aPre/],
    ['an aPost beyond float32', 10, 1e39, /Expected a finite float32 for aPost/],
  ])('%s', (_what, at, value, message) => {
    const args = ok();
    (args as unknown[])[at] = value;
    expect(() => learn.mstdpetUpdate(...args)).toThrow(message);
  });

  test('FedeSTDP refuses a non-finite presynaptic trace', () => {
    const trace = Float32Array.of(0, NaN, 1, 0, 0, 0);
    expect(() => learn.fedeStdp(s.weights, s.delays, s.ring, s.dims, trace, new Float32Array(12), 0.1, 0.5, 0.5)).toThrow(/Expected a finite presynaptic trace/);
    expect(learn.fedeStdp(s.weights, s.delays, s.ring, s.dims, new Float32Array(6), new Float32Array(12), 0.1, 0.5, 0.5)).toBe(false);
  });
});
