// run(), runAsync() and the thread pool: many steps in one native call must
// give the bits of as many forward calls, for every model, update type and
// record option, at sizes with tails and block edges, for any thread count.
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';

import * as spiking from '../lib';
import type { RecordName, RunResult } from '../lib';
import { rng as mulberry32 } from './helpers';

type Kind = 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron' | 'AdaptiveThresholdLIFNeuron';
const NEURONS: Kind[] = ['IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron', 'AdaptiveThresholdLIFNeuron'];
type Recorded = 'vCell' | 'trace' | 'refracCounts' | 'thresh' | 'theta';
const RECORDS: Recorded[] = ['vCell', 'trace', 'refracCounts', 'thresh'];
/** The variables a kind records: theta only where it exists. */
const recordsOf = (kind: Kind): Recorded[] => (kind === 'AdaptiveThresholdLIFNeuron' ? [...RECORDS, 'theta'] : RECORDS);


function neuron(kind: Kind, n: number, update: 'linear' | 'exponential', refrac: number, storeTrace = false) {
  const linear = update === 'linear';
  const common = {
    cellsShape: [n],
    thresh: 1,
    vRest: 0,
    alphaV: 1,
    alphaT: 0.5,
    dt: 1,
    durationRefrac: refrac,
    storeTrace,
  };
  const tauV = linear ? 0.8 : 4;
  const tauT = linear ? 0.7 : 3;
  switch (kind) {
    case 'IFNeuron':
      return new spiking.IFNeuron({ ...common, tauT, updateType: update });
    case 'LIFNeuron':
      return new spiking.LIFNeuron({ ...common, tauV, tauT, updateType: update });
    case 'AdaptiveLIFNeuron':
      return new spiking.AdaptiveLIFNeuron({
        ...common,
        tauV,
        tauT,
        alphaThresh: 0.25,
        tauThresh: linear ? 0.9 : 5,
        updateType: update,
      });
    case 'FedeNeuron':
      return new spiking.FedeNeuron({ ...common, tauV: 3, tauT: 4 });
    case 'AdaptiveThresholdLIFNeuron':
      return new spiking.AdaptiveThresholdLIFNeuron({ ...common, tauV, tauT, thetaPlus: 0.25, tauTheta: linear ? 0.9 : 5, updateType: update });
  }
}
type AnyNeuron = ReturnType<typeof neuron>;

function inputs(kind: Kind, n: number, steps: number, k: number, seed: number) {
  const random = mulberry32(seed);
  const scale = kind === 'IFNeuron' ? 0.3 : kind === 'FedeNeuron' ? 2 : 1.5;
  const x = Float32Array.from({ length: steps * n * k }, () => Math.round(random() * 16) / 16 * scale);
  const pre = Float32Array.from({ length: steps * n * k }, () => Math.round(random() * 8) / 64);
  return { x, pre };
}

function runOf(layer: AnyNeuron, x: Float32Array, pre: Float32Array, steps: number, record: RecordName[]): RunResult {
  return layer instanceof spiking.FedeNeuron ? layer.run(x, pre, { steps, record }) : layer.run(x, { steps, record });
}

function forwardAll(layer: AnyNeuron, x: Float32Array, pre: Float32Array, steps: number) {
  const n = layer.size;
  const k = x.length / (steps * n);
  const seen = {
    spikes: new Uint8Array(steps * n),
    vCell: new Float32Array(steps * n),
    trace: new Float32Array(steps * n),
    refracCounts: new Float32Array(steps * n),
    thresh: new Float32Array(steps * n),
    theta: new Float32Array(steps * n),
  };
  for (let t = 0; t < steps; t++) {
    const xs = x.subarray(t * n * k, (t + 1) * n * k);
    if (layer instanceof spiking.FedeNeuron) layer.forward(xs, pre.subarray(t * n * k, (t + 1) * n * k));
    else layer.forward(xs);
    for (const key of Object.keys(seen) as (keyof typeof seen)[]) {
      if (key !== 'theta') seen[key].set(layer[key], t * n);
      else if (layer instanceof spiking.AdaptiveThresholdLIFNeuron) seen.theta.set(layer.theta, t * n);
    }
  }
  return seen;
}

function expectSameBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
    }
  }
}

function stateOf(layer: AnyNeuron) {
  const theta = layer instanceof spiking.AdaptiveThresholdLIFNeuron ? [Array.from(layer.theta)] : [];
  return [...['spikes', 'vCell', 'trace', 'refracCounts', 'thresh'].map((key) => Array.from(layer[key as 'vCell'])), ...theta];
}

describe('run() is repeated forward()', () => {
  const sizes = [1, 15, 16, 17, 67, 4095, 4096, 4097, 9000];
  const cases = NEURONS.flatMap((kind) =>
    (kind === 'FedeNeuron' ? ['exponential' as const] : ['linear' as const, 'exponential' as const]).flatMap((update) =>
      [0, 2].map((refrac) => [kind, update, refrac] as const),
    ),
  );
  test.each(cases)('%s %s, refractory %d steps', (kind, update, refrac) => {
    sizes.forEach((n, c) => {
      const steps = n > 1000 ? 7 : 23;
      const k = c % 2 === 0 ? 1 : 3;
      const { x, pre } = inputs(kind, n, steps, k, 1000 + c);
      const record = recordsOf(kind).filter((_, r) => (c + r) % 2 === 0);
      const fused = neuron(kind, n, update, refrac, true);
      const stepped = neuron(kind, n, update, refrac, true);
      const result = runOf(fused, x, pre, steps, record);
      const seen = forwardAll(stepped, x, pre, steps);
      const what = `${kind} ${update} refrac ${refrac} n=${n}`;
      expectSameBits(result.spikes, seen.spikes, `${what} spikes`);
      for (const name of recordsOf(kind)) {
        if (record.includes(name)) expectSameBits(result[name]!, seen[name], `${what} ${name}`);
        else expect(result[name]).toBeUndefined();
      }
      stateOf(fused).forEach((values, s) => expectSameBits(values, stateOf(stepped)[s], `${what} final state ${s}`));
      expect(Array.from(fused.completeTrace!.data)).toEqual(Array.from(stepped.completeTrace!.data));
      if (n >= 16) expect(result.spikes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    });
  });

  test('Input: float and byte inputs, trace recorded', () => {
    for (const update of ['linear', 'exponential'] as const) {
      const n = 70;
      const steps = 11;
      const random = mulberry32(7);
      const bytes = Uint8Array.from({ length: steps * n }, () => (random() < 0.3 ? 1 : 0));
      for (const x of [bytes, Float32Array.from(bytes, (b) => b * 0.75)]) {
        const make = () => new spiking.Input({ cellsShape: [n], dt: 1, alphaT: 1, tauT: update === 'linear' ? 0.5 : 2, updateType: update });
        const fused = make();
        const stepped = make();
        const result = fused.run(x, { steps, record: ['trace'] });
        for (let t = 0; t < steps; t++) {
          stepped.forward(x.subarray(t * n, (t + 1) * n));
          expectSameBits(result.spikes.subarray(t * n, (t + 1) * n), stepped.spikes, `Input spikes step ${t}`);
          expectSameBits(result.trace!.subarray(t * n, (t + 1) * n), stepped.trace, `Input trace step ${t}`);
        }
      }
    }
  });

  test('per-neuron parameters take the general kernel and still match', () => {
    const n = 37;
    const steps = 9;
    const random = mulberry32(3);
    const per = (lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + random() * (hi - lo));
    const options = {
      cellsShape: [n],
      thresh: per(0.5, 1.5),
      vRest: 0,
      alphaV: per(0.5, 1),
      alphaT: per(0.2, 1),
      dt: 1,
      durationRefrac: 1,
      tauV: per(0.5, 0.9),
      tauT: per(0.5, 0.9),
    };
    const fused = new spiking.LIFNeuron(options);
    const stepped = new spiking.LIFNeuron(options);
    const { x, pre } = inputs('LIFNeuron', n, steps, 1, 5);
    const result = fused.run(x, { steps });
    const seen = forwardAll(stepped, x, pre, steps);
    expectSameBits(result.spikes, seen.spikes, 'per-neuron spikes');
  });

  test('a layer with an overridden stage runs its stages', () => {
    let calls = 0;
    class Counting extends spiking.LIFNeuron {
      override updateVoltage(current: Float32Array): void {
        calls++;
        super.updateVoltage(current);
      }
    }
    const options = { cellsShape: [20], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.8, tauT: 0.8 };
    const custom = new Counting(options);
    const plain = new spiking.LIFNeuron(options);
    const { x } = inputs('LIFNeuron', 20, 12, 1, 9);
    const a = custom.run(x, { steps: 12, record: ['vCell'] });
    const b = plain.run(x, { steps: 12, record: ['vCell'] });
    expect(calls).toBe(12);
    expectSameBits(a.spikes, b.spikes, 'staged spikes');
    expectSameBits(a.vCell!, b.vCell!, 'staged vCell');
    return expect(custom.runAsync(x, { steps: 12 })).rejects.toThrow(/overrides a stage.*use run\(\)/);
  });
});

describe('threads', () => {
  afterAll(() => spiking.setNumThreads(require('node:os').availableParallelism()));

  test('1, 2 and 3 threads give identical bits, for forward and run', () => {
    const n = 300_001; // above the parallel threshold, not a multiple of any block
    const steps = 3;
    const { x } = inputs('LIFNeuron', n, steps, 1, 11);
    const results = [1, 2, 3].map((threads) => {
      spiking.setNumThreads(threads);
      expect(spiking.numThreads()).toBe(threads);
      const a = neuron('AdaptiveLIFNeuron', n, 'linear', 2) as spiking.AdaptiveLIFNeuron;
      const run = a.run(x, { steps, record: ['vCell'] });
      const b = neuron('AdaptiveLIFNeuron', n, 'linear', 2) as spiking.AdaptiveLIFNeuron;
      for (let t = 0; t < steps; t++) b.forward(x.subarray(t * n, (t + 1) * n));
      return { run, forwardState: stateOf(b) };
    });
    for (const other of results.slice(1)) {
      expectSameBits(other.run.spikes, results[0].run.spikes, 'spikes across thread counts');
      expectSameBits(other.run.vCell!, results[0].run.vCell!, 'vCell across thread counts');
      other.forwardState.forEach((v, s) => expectSameBits(v, results[0].forwardState[s], `forward state ${s}`));
    }
    expect(results[0].run.spikes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  test('setNumThreads rejects nonsense', () => {
    for (const bad of [0, -1, 1.5, NaN, 5000]) expect(() => spiking.setNumThreads(bad)).toThrow(RangeError);
  });
});

describe('runAsync', () => {
  test('resolves to the bits of run() and leaves the same state', async () => {
    const n = 5000;
    const steps = 20;
    const { x, pre } = inputs('FedeNeuron', n, steps, 2, 21);
    const sync = neuron('FedeNeuron', n, 'exponential', 1, true) as spiking.FedeNeuron;
    const async_ = neuron('FedeNeuron', n, 'exponential', 1, true) as spiking.FedeNeuron;
    const expected = sync.run(x, pre, { steps, record: ['vCell', 'trace'] });
    const actual = await async_.runAsync(x, pre, { steps, record: ['vCell', 'trace'] });
    expectSameBits(actual.spikes, expected.spikes, 'async spikes');
    expectSameBits(actual.vCell!, expected.vCell!, 'async vCell');
    expectSameBits(actual.trace!, expected.trace!, 'async trace');
    expect(actual.refracCounts).toBeUndefined();
    stateOf(async_).forEach((v, s) => expectSameBits(v, stateOf(sync)[s], `async final state ${s}`));
    expect(Array.from(async_.completeTrace!.data)).toEqual(Array.from(sync.completeTrace!.data));
  });

  test('Input.runAsync matches Input.run', async () => {
    const n = 33;
    const steps = 8;
    const x = Uint8Array.from({ length: n * steps }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    const a = new spiking.Input({ cellsShape: [n], dt: 1, alphaT: 1, tauT: 0.5 });
    const b = new spiking.Input({ cellsShape: [n], dt: 1, alphaT: 1, tauT: 0.5 });
    const r1 = a.run(x, { steps, record: ['trace'] });
    const r2 = await b.runAsync(x, { steps, record: ['trace'] });
    expectSameBits(r2.spikes, r1.spikes, 'input async spikes');
    expectSameBits(r2.trace!, r1.trace!, 'input async trace');
  });

  test('keeps the event loop free: timers fire during a long run', async () => {
    const n = 1_000_000;
    const steps = 10;
    const layer = neuron('LIFNeuron', n, 'linear', 2) as spiking.LIFNeuron;
    const x = new Float32Array(n * steps).fill(0.3);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    let runs = 0;
    // Runs back to back for 200 ms: a runAsync that worked on the calling
    // thread would hand back settled promises, and awaiting those never lets
    // a timer fire, so the count would stay 0. One long run of a few
    // milliseconds is not enough: its synchronous setup can cover most of it
    // on a fast host (CI once saw 1 tick in a run of more than 5 ms).
    while (performance.now() - started < 200) {
      await layer.runAsync(x, { steps });
      runs++;
    }
    clearInterval(timer);
    expect(runs).toBeGreaterThan(0);
    expect(ticks).toBeGreaterThan(10);
  });

  test('the layer is busy until the promise settles, then usable again', async () => {
    const n = 200;
    const layer = neuron('AdaptiveLIFNeuron', n, 'linear', 1) as spiking.AdaptiveLIFNeuron;
    const x = new Float32Array(n * 50).fill(0.4);
    const pending = layer.runAsync(x, { steps: 50 });
    const busy = /busy with AdaptiveLIFNeuron\.runAsync; await it/;
    expect(() => layer.forward(x.subarray(0, n))).toThrow(busy);
    expect(() => layer.run(x, { steps: 50 })).toThrow(busy);
    expect(() => layer.resetState()).toThrow(busy);
    expect(() => layer.resetThresh()).toThrow(busy);
    expect(() => layer.initNeuron()).toThrow(busy);
    await expect(layer.runAsync(x, { steps: 50 })).rejects.toThrow(busy);
    await pending;
    expect(() => layer.forward(x.subarray(0, n))).not.toThrow();
    layer.resetState();
  });

  test('rejects bad arguments before touching anything', async () => {
    const layer = neuron('LIFNeuron', 10, 'linear', 1) as spiking.LIFNeuron;
    const before = stateOf(layer);
    await expect(layer.runAsync(new Float32Array(25), { steps: 2 })).rejects.toThrow(RangeError);
    await expect(layer.runAsync(new Float32Array(20), { steps: 0 })).rejects.toThrow(/steps/);
    await expect(layer.runAsync(new Float32Array(20), { steps: 2, record: ['voltage' as RecordName] })).rejects.toThrow(
      /record\[0\]/,
    );
    stateOf(layer).forEach((v, s) => expectSameBits(v, before[s], `state ${s} after rejected runAsync`));
    expect(() => layer.forward(new Float32Array(10))).not.toThrow();
  });
});

describe('run() rejects bad arguments with state intact', () => {
  const layer = neuron('LIFNeuron', 8, 'linear', 1, true) as spiking.LIFNeuron;
  const before = () => [...stateOf(layer), Array.from(layer.completeTrace!.data)];
  test.each([
    ['x not a Float32Array', () => layer.run(new Float64Array(16) as unknown as Float32Array, { steps: 2 }), /Expected a Float32Array of steps x 8 x k/],
    ['x a list', () => layer.run([new Float32Array(16)] as unknown as Float32Array, { steps: 2 }), /not a list/],
    ['x length not steps x n x k', () => layer.run(new Float32Array(17), { steps: 2 }), /for x but received a Float32Array of length 17/],
    ['steps missing', () => layer.run(new Float32Array(16), {} as { steps: number }), /for steps but received undefined/],
    ['steps fractional', () => layer.run(new Float32Array(16), { steps: 1.5 }), /for steps/],
    ['unknown option', () => layer.run(new Float32Array(16), { steps: 2, recrod: [] } as unknown as { steps: number }), /Unknown run option "recrod"/],
    ['unknown record', () => layer.run(new Float32Array(16), { steps: 2, record: ['v' as RecordName] }), /record\[0\]/],
  ])('%s', (_what, call, message) => {
    layer.forward(new Float32Array(8).fill(0.7));
    const snapshot = before();
    expect(call).toThrow(message);
    expect(before()).toEqual(snapshot);
  });

  test('Fede preTrace of another length', () => {
    const fede = neuron('FedeNeuron', 4, 'exponential', 0) as spiking.FedeNeuron;
    expect(() => fede.run(new Float32Array(8), new Float32Array(12), { steps: 2 })).toThrow(/preTrace/);
  });

  test('Fede without preTrace, and a preTrace for a model that takes none, are named', async () => {
    const fede = neuron('FedeNeuron', 4, 'exponential', 0) as spiking.FedeNeuron;
    const missing = /^Expected a Float32Array of the length of x \(FedeNeuron.run takes x, preTrace and the options\) for preTrace but received an object of type Object$/;
    expect(() => fede.run(new Float32Array(8), { steps: 2 })).toThrow(missing);
    await expect(fede.runAsync(new Float32Array(8), { steps: 2 })).rejects.toThrow(missing);
    const lif = neuron('LIFNeuron', 4, 'linear', 0) as spiking.LIFNeuron;
    const extra = /^Expected an object \{ steps, record\?, out\? \} \(LIFNeuron.run takes x and the options; only FedeNeuron takes a preTrace\) for the run options but received a Float32Array of length 8$/;
    expect(() => lif.run(new Float32Array(8), new Float32Array(8), { steps: 2 })).toThrow(extra);
    await expect(lif.runAsync(new Float32Array(8), new Float32Array(8), { steps: 2 })).rejects.toThrow(extra);
    expect(Array.from(lif.vCell)).toEqual([0, 0, 0, 0]);
  });
});

describe('run() of a class without a kernel', () => {
  const options = { cellsShape: [2], thresh: 1, vRest: 0, dt: 1, durationRefrac: 0 };

  test('BaseNeuron: forward is not implemented, so neither is run', async () => {
    const base = new spiking.BaseNeuron(options);
    expect(() => base.run(new Float32Array(4), { steps: 2 })).toThrow(/^Neurons must implement `forward`$/);
    await expect(base.runAsync(new Float32Array(4), { steps: 2 })).rejects.toThrow(
      /^BaseNeuron.runAsync: this class has no native kernel, its forward, which only runs on the main thread; use run\(\)$/,
    );
  });

  test('a user subclass with its own forward runs it step by step, as many forward calls', () => {
    // Integrates the summed input without leak, spikes at 1, resets to 0.
    class Summing extends spiking.BaseNeuron {
      override updateVoltage(current: Float32Array): void {
        for (let i = 0; i < this.size; i++) this.vCell[i] += current[i];
      }
      override updateTrace(spikes: Uint8Array | Float32Array): void {
        for (let i = 0; i < this.size; i++) this.trace[i] = spikes[i];
      }
      override forward(x: spiking.NeuronInput): spiking.StepResult {
        this.updateVoltage(this.fold(x));
        const spikes = this.spiking();
        this.updateTrace(spikes);
        this.refrac(spikes);
        return { spikes: this.spikes, trace: this.trace };
      }
    }
    const x = Float32Array.of(0.5, 0.25, 0.5, 0.25, 0.5, 1); // 3 steps of 2 neurons
    const run = new Summing(options).run(x, { steps: 3, record: ['vCell'] });
    expect(Array.from(run.spikes)).toEqual([0, 0, 1, 0, 0, 1]);
    expect(Array.from(run.vCell!)).toEqual([0.5, 0.25, 0, 0.5, 0.5, 0]);
  });
});

describe('worker_threads', () => {
  test('layers step, run and runAsync inside workers, in parallel with the main thread', async () => {
    // Workers load the compiled library (dist/, built by npm test's pretest).
    const worker = path.join(__dirname, 'fixtures', 'run-worker.js');
    const results = await Promise.all(
      [1, 2].map(
        (seed) =>
          new Promise<{ spikes: number; asyncSame: boolean }>((resolve, reject) => {
            const w = new Worker(worker, { workerData: { seed } });
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    for (const r of results) {
      expect(r.asyncSame).toBe(true);
      expect(r.spikes).toBeGreaterThan(0);
    }
  });
});

describe('run() into caller-supplied outputs', () => {
  const n = 50;
  const steps = 6;
  const make = () => neuron('LIFNeuron', n, 'linear', 1, true) as spiking.LIFNeuron;
  const { x } = inputs('LIFNeuron', n, steps, 2, 77);

  test('writes into out and returns those arrays, with the bits of a fresh run', () => {
    const out = { spikes: new Uint8Array(steps * n).fill(9), vCell: new Float32Array(steps * n).fill(NaN) };
    const result = make().run(x, { steps, record: ['vCell', 'trace'], out });
    const fresh = make().run(x, { steps, record: ['vCell', 'trace'] });
    expect(result.spikes).toBe(out.spikes);
    expect(result.vCell).toBe(out.vCell);
    expectSameBits(result.spikes, fresh.spikes, 'out spikes');
    expectSameBits(result.vCell!, fresh.vCell!, 'out vCell');
    expectSameBits(result.trace!, fresh.trace!, 'allocated trace beside out');
    expect(result.spikes.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  test('the staged path writes into out too', () => {
    class Staged extends spiking.LIFNeuron {
      override updateTrace(spikes: Uint8Array | Float32Array): void {
        super.updateTrace(spikes);
      }
    }
    const options = { cellsShape: [n], thresh: 1, vRest: 0, alphaV: 1, alphaT: 0.5, dt: 1, durationRefrac: 1, tauV: 0.8, tauT: 0.7 };
    const out = { spikes: new Uint8Array(steps * n) };
    const staged = new Staged(options).run(x, { steps, out });
    const fused = new spiking.LIFNeuron(options).run(x, { steps });
    expect(staged.spikes).toBe(out.spikes);
    expectSameBits(staged.spikes, fused.spikes, 'staged out spikes');
  });

  test.each([
    ['a wrong type', { spikes: new Float32Array(steps * n) }, /Expected a Uint8Array of steps x n = 300 for out.spikes/],
    ['a wrong length', { spikes: new Uint8Array(steps * n - 1) }, /for out.spikes but received a Uint8Array of length 299/],
    ['an unrecorded variable', { thresh: new Float32Array(steps * n) }, /Unknown output out.thresh/],
    ['not an object', 7, /Expected an object of output arrays for out/],
  ])('rejects %s with the state intact', (_what, out, message) => {
    const layer = make();
    layer.forward(x.subarray(0, 2 * n));
    const before = stateOf(layer);
    expect(() => layer.run(x, { steps, record: ['vCell'], out: out as never })).toThrow(message);
    stateOf(layer).forEach((v, s) => expectSameBits(v, before[s], `state ${s} after a rejected out`));
  });

  test('runAsync refuses out', async () => {
    await expect(make().runAsync(x, { steps, out: { spikes: new Uint8Array(steps * n) } })).rejects.toThrow(
      /runAsync allocates its outputs/,
    );
  });
});
