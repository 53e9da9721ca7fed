// The contracts between lib/ and the addon: each is defined once, in
// native/abi, exported by the addon and read by lib/ at load. These tests pin
// the exported tables, check that lib/ writes and reads slabs by them, and
// check that the addon refuses (never silently overrides) a slab or a setting
// that breaks them.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import * as spiking from '../lib';
import { connectionLayout, layerLayout, native } from '../lib/binding';
import { PARAM_NAMES } from '../lib/layers/options';
import { RECORDABLE } from '../lib/layers/run';

const MODELS = ['Input', 'IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron', 'AdaptiveThresholdLIFNeuron'] as const;
const NEURON_RECORDS = ['vCell', 'trace', 'refracCounts', 'thresh'];
const THETA_RECORDS = [...NEURON_RECORDS, 'theta'];

function slabOf(layer: object): ArrayBuffer {
  return (layer as { state: { buffer: ArrayBuffer } }).state.buffer;
}

function header(slab: ArrayBuffer): Float64Array {
  return new Float64Array(slab, 0, layerLayout.slots.count);
}

/** The error a call throws (the addon's errors belong to Node's realm, so names and messages are compared). */
function thrown(call: () => unknown): { name: string; message: string } | null {
  try {
    call();
    return null;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
}

const lif = () =>
  new spiking.LIFNeuron({ cellsShape: [5], thresh: 1, vRest: 0, alphaV: 1, alphaT: 0.5, dt: 1, durationRefrac: 2, tauV: 0.9, tauT: 0.8 });
const input = () => new spiking.Input({ cellsShape: [5], dt: 1, alphaT: 1, tauT: 0.5 });
const fede = () =>
  new spiking.FedeNeuron({ cellsShape: [5], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 2, tauT: 3 });
const neuron = { cellsShape: [5], thresh: 1, vRest: 0, alphaV: 1, alphaT: 0.5, dt: 1, durationRefrac: 1, tauT: 0.8 };
const MAKE = {
  Input: input,
  IFNeuron: () => new spiking.IFNeuron(neuron),
  LIFNeuron: lif,
  AdaptiveLIFNeuron: () => new spiking.AdaptiveLIFNeuron({ ...neuron, tauV: 0.9, alphaThresh: 0.2, tauThresh: 0.9 }),
  FedeNeuron: fede,
  AdaptiveThresholdLIFNeuron: () => new spiking.AdaptiveThresholdLIFNeuron({ ...neuron, tauV: 0.9, thetaPlus: 0.2, tauTheta: 0.9 }),
};

describe('the exported tables', () => {
  test('the layer slab: distinct slots inside the header, header size and limits', () => {
    const { slots } = layerLayout;
    const scalar = Object.entries(slots).filter(([name]) => name !== 'count' && name !== 'params');
    const used = [...scalar.map(([, at]) => at), ...PARAM_NAMES.flatMap((_, p) => [slots.params + 2 * p, slots.params + 2 * p + 1])];
    expect(new Set(used).size).toBe(used.length);
    expect(Math.min(...used)).toBe(0);
    expect(Math.max(...used)).toBe(slots.count - 1);
    expect(layerLayout.headerBytes).toBe(8 * slots.count);
    expect(layerLayout.maxRefracSteps).toBe(2 ** 24);
  });

  test('model ids, update types, parameter and record order', () => {
    expect(layerLayout.models).toEqual({ Input: 0, IFNeuron: 1, LIFNeuron: 2, AdaptiveLIFNeuron: 3, FedeNeuron: 4, AdaptiveThresholdLIFNeuron: 5 });
    expect(layerLayout.updates).toEqual({ linear: 0, exponential: 1 });
    expect(layerLayout.params).toEqual(['alphaV', 'alphaT', 'tauV', 'tauT', 'alphaThresh', 'tauThresh', 'thetaPlus', 'tauTheta']);
    expect(layerLayout.records).toEqual(THETA_RECORDS);
  });

  test('what each model has and takes', () => {
    expect(layerLayout.recordsOf).toEqual({
      Input: ['trace'],
      IFNeuron: NEURON_RECORDS,
      LIFNeuron: NEURON_RECORDS,
      AdaptiveLIFNeuron: NEURON_RECORDS,
      FedeNeuron: NEURON_RECORDS,
      AdaptiveThresholdLIFNeuron: THETA_RECORDS,
    });
    const both = ['linear', 'exponential'];
    expect(layerLayout.updatesOf).toEqual({
      Input: both, IFNeuron: both, LIFNeuron: both, AdaptiveLIFNeuron: both, FedeNeuron: ['exponential'], AdaptiveThresholdLIFNeuron: both,
    });
  });

  test('the connection slab: distinct slots, header size, modes and limits', () => {
    const { slots } = connectionLayout;
    const used = Object.entries(slots).filter(([name]) => name !== 'count').map(([, at]) => at);
    expect(new Set(used).size).toBe(used.length);
    expect(Math.max(...used)).toBe(slots.count - 1);
    expect(connectionLayout.headerBytes).toBe(8 * slots.count);
    expect(connectionLayout.modes).toEqual({ current: 0, products: 1, difference: 2 });
    expect(connectionLayout.pad).toBe(16);
    expect(connectionLayout.maxDelay).toBe(65535);
    // The event scratch: index and lag per possible arrival, and batch + 1 starts.
    expect(connectionLayout.eventEntries(2, 3, 4, false)).toBe(2 * (2 * 3) + 2 + 1);
    expect(connectionLayout.eventEntries(2, 3, 4, true)).toBe(2 * (2 * 3 * 4) + 2 + 1);
  });

  test('a Linear slab holds the event scratch the addon asks for, and the addon checks it', () => {
    const link = new spiking.Linear({ inFeatures: 3, outFeatures: 5, batchSize: 2, dt: 1, delay: [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2] });
    const h = new Float64Array(link.buffer, 0, connectionLayout.slots.count);
    const { slots } = connectionLayout;
    const entries = connectionLayout.eventEntries(2, 3, 3, true);
    expect(h[slots.ring] - h[slots.events]).toBeGreaterThanOrEqual(4 * entries);
    const pre = Uint8Array.of(1, 0, 1, 1, 1, 0);
    expect(Array.from(link.current(pre, new Float32Array(10)))).toHaveLength(10);
    // An event scratch one entry short (moved to the end of the buffer) is refused.
    h[slots.events] = link.buffer.byteLength - 4 * (entries - 1);
    expect(() => link.current(pre, new Float32Array(10))).toThrow('Connection state buffer has a corrupt offset for the event scratch');
  });

  test('lib/ reads them rather than keeping its own copy', () => {
    expect(PARAM_NAMES).toBe(layerLayout.params);
    expect(RECORDABLE).toBe(layerLayout.records);
    // One name per thing: the connection entry points are named so, not "link".
    expect(Object.keys(native).filter((name) => /link/i.test(name))).toEqual([]);
    expect(native.connectionLayout).toBe(connectionLayout);
    expect(Object.isFrozen(layerLayout.params) && Object.isFrozen(layerLayout.recordsOf.Input) && Object.isFrozen(connectionLayout.slots)).toBe(true);
  });
});

describe('lib/ lays slabs out by the tables', () => {
  test('each parameter sits at its slot: scalar value, or the offset of its per-neuron array', () => {
    const tauT = Float32Array.of(0.1, 0.2, 0.3, 0.4, 0.5);
    const layer = new spiking.AdaptiveLIFNeuron({
      cellsShape: [5], thresh: 1, vRest: 0, alphaV: 0.25, alphaT: 0.5, dt: 1, durationRefrac: 0,
      tauV: 0.75, tauT, alphaThresh: 0.125, tauThresh: 0.625,
    });
    const slab = slabOf(layer);
    const h = header(slab);
    // thetaPlus and tauTheta: AdaptiveLIFNeuron has none, so their slots hold 0.
    const expected: Record<string, number> = { alphaV: 0.25, alphaT: 0.5, tauV: 0.75, alphaThresh: 0.125, tauThresh: 0.625, thetaPlus: 0, tauTheta: 0 };
    layerLayout.params.forEach((name, p) => {
      if (name === 'tauT') {
        expect(h[layerLayout.slots.params + 2 * p + 1]).toBeGreaterThanOrEqual(layerLayout.headerBytes);
        expect(Array.from(new Float32Array(slab, h[layerLayout.slots.params + 2 * p + 1], 5))).toEqual(Array.from(tauT));
      } else {
        expect([name, h[layerLayout.slots.params + 2 * p], h[layerLayout.slots.params + 2 * p + 1]]).toEqual([name, expected[name], -1]);
      }
    });
    expect(h[layerLayout.slots.model]).toBe(layerLayout.models.AdaptiveLIFNeuron);
    expect(h[layerLayout.slots.update]).toBe(layerLayout.updates.linear);
    expect(h[layerLayout.slots.refracSteps]).toBe(0);
    expect(h[layerLayout.slots.theta]).toBe(-1); // no theta array
  });

  test('theta: its own array for AdaptiveThresholdLIFNeuron, which the addon checks', () => {
    const layer = MAKE.AdaptiveThresholdLIFNeuron() as spiking.AdaptiveThresholdLIFNeuron;
    const slab = slabOf(layer);
    const h = header(slab);
    expect(h[layerLayout.slots.theta]).toBe(layer.theta.byteOffset);
    expect(layer.theta.byteOffset).toBeGreaterThanOrEqual(layerLayout.headerBytes);
    const x = new Float32Array(5).fill(2);
    h[layerLayout.slots.theta] = -1;
    expect(thrown(() => native.step(slab, x))).toEqual({ name: 'RangeError', message: 'Layer state buffer has a corrupt offset for theta' });
    h[layerLayout.slots.theta] = slab.byteLength - 8;
    expect(thrown(() => native.step(slab, x))).toEqual({ name: 'RangeError', message: 'Layer state buffer has a corrupt offset for theta' });
    h[layerLayout.slots.theta] = layer.theta.byteOffset;
    native.step(slab, x);
    expect(Array.from(layer.theta)).toEqual(new Array(5).fill(Math.fround(0.2)));
  });

  test('FedeNeuron gets its one update type, exponential, from the table', () => {
    const layer = fede();
    expect(layer.updateType).toBe('exponential');
    expect(header(slabOf(layer))[layerLayout.slots.update]).toBe(layerLayout.updates.exponential);
  });

  test('the refractory limit comes from the addon', () => {
    const options = { cellsShape: [1], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, tauT: 0.5 };
    expect(() => new spiking.IFNeuron({ ...options, durationRefrac: layerLayout.maxRefracSteps })).not.toThrow();
    expect(() => new spiking.IFNeuron({ ...options, durationRefrac: layerLayout.maxRefracSteps + 1 })).toThrow(
      `Expected at most ${layerLayout.maxRefracSteps} steps of dt for durationRefrac but received number ${layerLayout.maxRefracSteps + 1}`,
    );
  });

  test('run() records by the record order: each output holds its own variable', () => {
    const layer = lif();
    const x = Float32Array.from({ length: 3 * 5 }, (_, i) => (i % 4) * 0.6);
    const result = layer.run(x, { steps: 3, record: [...layerLayout.recordsOf.LIFNeuron] });
    expect(Array.from(result.vCell!.subarray(10))).toEqual(Array.from(layer.vCell));
    expect(Array.from(result.trace!.subarray(10))).toEqual(Array.from(layer.trace));
    expect(Array.from(result.refracCounts!.subarray(10))).toEqual(Array.from(layer.refracCounts));
    expect(Array.from(result.thresh!.subarray(10))).toEqual(Array.from(layer.thresh));
    expect(Array.from(result.refracCounts!)).not.toEqual(Array.from(result.vCell!));
    const adaptive = MAKE.AdaptiveThresholdLIFNeuron() as spiking.AdaptiveThresholdLIFNeuron;
    const all = adaptive.run(x, { steps: 3, record: [...RECORDABLE] });
    expect(Array.from(all.theta!.subarray(10))).toEqual(Array.from(adaptive.theta));
    expect(Array.from(all.thresh!.subarray(10))).toEqual(Array.from(adaptive.thresh));
    expect(adaptive.theta.some((v) => v > 0)).toBe(true);
  });
});

describe('the addon refuses a slab that breaks a model\'s traits, instead of overriding it', () => {
  test('an Input slab with a refractory period', () => {
    const slab = slabOf(input());
    const before = new Uint8Array(slab).slice();
    header(slab)[layerLayout.slots.refracSteps] = 3;
    const x = new Float32Array(5).fill(1);
    const message = 'Layer state buffer has a refractory period of 3 steps for Input, which has none (0 expected)';
    expect(thrown(() => native.step(slab, x))).toEqual({ name: 'RangeError', message });
    expect(thrown(() => native.run(slab, x, undefined, 1, new Uint8Array(5), [null, null, null, null, null]))).toEqual({ name: 'RangeError', message });
    expect(thrown(() => native.runAsync(slab, x, undefined, 1, 0))).toEqual({ name: 'RangeError', message });
    header(slab)[layerLayout.slots.refracSteps] = 0;
    expect(new Uint8Array(slab)).toEqual(before);
  });

  test('a FedeNeuron slab with linear updates', () => {
    const slab = slabOf(fede());
    header(slab)[layerLayout.slots.update] = layerLayout.updates.linear;
    const x = new Float32Array(5).fill(1);
    expect(thrown(() => native.step(slab, x, x))).toEqual({
      name: 'RangeError',
      message: 'Layer state buffer has update type linear, which FedeNeuron does not take',
    });
  });

  test('a record the model does not have (run and runAsync)', () => {
    const slab = slabOf(input());
    const x = new Float32Array(5);
    const out = () => new Float32Array(5);
    expect(thrown(() => native.run(slab, x, undefined, 1, new Uint8Array(5), [out(), null, null, null, null]))).toEqual({
      name: 'RangeError',
      message: 'Input records only trace, not vCell',
    });
    for (const mask of [1, 3, 4, 8, 16, -1, 1.5, 2 ** 32 + 2]) {
      expect([mask, thrown(() => native.runAsync(slab, x, undefined, 1, mask))]).toEqual([
        mask,
        { name: 'RangeError', message: "Expected a record mask of Input's records (trace)" },
      ]);
    }
    const neuron = slabOf(lif());
    for (const mask of [16, 32, 0.5, -1]) {
      expect(thrown(() => native.runAsync(neuron, x, undefined, 1, mask))?.message).toBe(
        "Expected a record mask of LIFNeuron's records (vCell, trace, refracCounts, thresh)",
      );
    }
  });

  test.each(MODELS)('%s: a slab lib/ built passes the same checks, recording all the model has', async (model) => {
    const layer = MAKE[model]() as spiking.LIFNeuron;
    const x = new Float32Array(10).fill(0.7);
    const result = model === 'FedeNeuron'
      ? await (layer as unknown as spiking.FedeNeuron).runAsync(x, new Float32Array(10), { steps: 2, record: [...layerLayout.recordsOf[model]] })
      : await layer.runAsync(x, { steps: 2, record: [...layerLayout.recordsOf[model]] });
    expect(Object.keys(result).sort()).toEqual(['spikes', ...layerLayout.recordsOf[model]].sort());
  });
});

// ---- settings read at load, each in a child process ---------------------------

const ROOT = path.resolve(__dirname, '..');
const BINDING = path.join(ROOT, 'dist', 'binding.js');

function loadWith(env: Record<string, string>, script = ''): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['-e', `const { native } = require(${JSON.stringify(BINDING)}); ${script}`], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('SPIKING_NUM_THREADS', () => {
  test.each(['0', '-1', '1025', '2.5', '4x', 'four', ' ', '99999999999999999999'])('%j is an error at load, naming the variable', (value) => {
    const child = loadWith({ SPIKING_NUM_THREADS: value }, 'console.log("loaded", native.numThreads())');
    expect(child.stdout).not.toMatch(/loaded/);
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain(
      `SPIKING_NUM_THREADS=${value} is not a thread count: expected a whole number from 1 to 1024, or the variable unset for one thread per core`,
    );
  });

  test('the limit is the addon\'s, and setNumThreads keeps to it', () => {
    expect(native.maxThreads).toBe(1024);
    expect(() => spiking.setNumThreads(1025)).toThrow(new RangeError('Expected a whole number from 1 to 1024 for threads but received number 1025'));
  });

  test.each([['3', 3], ['1', 1], ['16', 16]])('%s sets the default pool size', (value, threads) => {
    const child = loadWith({ SPIKING_NUM_THREADS: value }, 'console.log(native.numThreads())');
    expect([child.status, child.stdout.trim()]).toEqual([0, String(threads)]);
  });

  test('unset or empty: one thread per core', () => {
    const cores = require('node:os').availableParallelism() as number;
    for (const env of [{ SPIKING_NUM_THREADS: '' }]) {
      const child = loadWith(env, 'console.log(native.numThreads())');
      expect([child.status, child.stdout.trim()]).toEqual([0, String(cores)]);
    }
  });
});

describe('SPIKING_BLOCK_STEPS', () => {
  test.each(['0', '65', '-1', '2.5', 'eight'])('%j is an error at load, naming the variable', (value) => {
    const child = loadWith({ SPIKING_BLOCK_STEPS: value }, 'console.log("loaded", native.blockSteps())');
    expect(child.stdout).not.toMatch(/loaded/);
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain(
      `Expected SPIKING_BLOCK_STEPS to be a whole number from 1 to 64 (steps per block of the network engine) but it is "${value}"`,
    );
  });

  test.each([['7', 7], ['', 0]])('%j sets the forced block size (0: automatic)', (value, steps) => {
    const child = loadWith({ SPIKING_BLOCK_STEPS: value }, 'console.log(native.blockSteps())');
    expect([child.status, child.stdout.trim()]).toEqual([0, String(steps)]);
  });
});

describe('work splitting', () => {
  test('a connection with few outputs and many threads splits into whole chunks (no empty chunk size)', () => {
    // 64 threads, 100 outputs: fewer than 4 outputs per thread. Run in a child: a bad split once divided by zero.
    const script = `
      const spiking = require(${JSON.stringify(path.join(ROOT, 'dist', 'index.js'))});
      const make = () => new spiking.Linear({ inFeatures: 2000, outFeatures: 100, batchSize: 1, dt: 1, weight: { init: 'uniform', seed: 3 } });
      const pre = Uint8Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? 1 : 0));
      const trace = new Float32Array(2000).fill(0.25);
      const sums = (threads) => {
        spiking.setNumThreads(threads);
        const out = new Float32Array(100);
        make().difference(pre, trace, out);
        const x = make().forward(pre, trace).x;
        return [Array.from(out), Array.from(x.subarray(0, 4000))];
      };
      console.log(JSON.stringify(sums(1)) === JSON.stringify(sums(64)) ? 'same' : 'different');`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect([child.signal, child.stderr, child.stdout.trim()]).toEqual([null, '', 'same']);
  });
});
