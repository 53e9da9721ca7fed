// The network engine (lib/network/plan.ts, native/runtime/plan.cpp):
// Network.run steps the whole graph natively, and must give exactly the bits
// of calling step() (the JavaScript loop, one native call per layer and
// connection) as many times. Random graphs (feed-forward, skip, recurrent and
// feedback edges, per-synapse and uniform delays, every neuron class, Fede
// targets), Poisson and latency encoders or hand-fed inputs, sample-masked
// resets, saves and loads between runs, on every instruction set and on one
// and two threads. The oracle is a twin network driven by step().
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import fc from 'fast-check';

import * as spiking from '../lib';
import { restoreRuntimeAfterAll } from './helpers';
import {
  buildNetwork,
  applyCommonOp,
  networkArbOf,
  networkStateOf,
  PROPERTY_SEED,
  runs,
  sameBytes,
  stateDifference,
  timeout,
  type CommonNetOp,
  type NetworkConfig,
} from './arbitraries';

fc.configureGlobal({ seed: PROPERTY_SEED });
const ISAS = spiking.instructionSets();
restoreRuntimeAfterAll();

/**
 * Whether each stage goes across the pool (docs/engine.md, "One step of the
 * plan"): by its work ('auto'), or forced: 'always' splits every stage with
 * more than one chunk of items (64), so small graphs split too.
 */
const SPLITTINGS: spiking.Splitting[] = ['auto', 'always', 'never'];

/**
 * The engine's steps per block (docs/engine.md, "Blocks of steps"): forced
 * through setBlockSteps, or chosen by the engine ('auto', setBlockSteps(0)).
 */
type BlockSteps = number | 'auto';
const blockStepsArb: fc.Arbitrary<BlockSteps> = fc.constantFrom<BlockSteps>(1, 2, 7, 'auto');
function setBlockSteps(steps: BlockSteps): void {
  spiking.setBlockSteps(steps === 'auto' ? 0 : steps);
}

type Source = { kind: 'none' } | { kind: 'poisson'; seed: number; rate: number } | { kind: 'latency'; window: number; jitter: number; seed: number; intensitySeed: number };

const sourceArb: fc.Arbitrary<Source> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('poisson' as const), seed: fc.nat(), rate: fc.constantFrom(0, 100, 400, 1000) }),
  fc.record({
    kind: fc.constant('latency' as const),
    window: fc.integer({ min: 1, max: 9 }),
    jitter: fc.integer({ min: 0, max: 3 }),
    seed: fc.nat(),
    intensitySeed: fc.nat(),
  }),
);

/** A config the engine takes natively: no stored spike history, the chosen source. */
function withSource(config: NetworkConfig, source: Source): NetworkConfig {
  const layers = config.layers.map((l) => ({ ...l, options: { ...l.options, ...(l.cls === 'Input' ? {} : { storeTrace: false }) } }));
  return {
    ...config,
    layers,
    poisson: source.kind === 'poisson' ? { seed: source.seed, rate: source.rate } : null,
    latency: source.kind === 'latency' ? source : null,
  };
}

type Op = { op: 'run'; steps: number; onStep: boolean } | CommonNetOp;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('run' as const), steps: fc.integer({ min: 0, max: 30 }), onStep: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'step' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reset' as const }) },
  { weight: 2, arbitrary: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }).map((mask) => ({ op: 'resetMask' as const, mask })) },
  { weight: 2, arbitrary: fc.integer().map((seed) => ({ op: 'feed' as const, seed })) },
  { weight: 1, arbitrary: fc.constant({ op: 'saveLoad' as const }) },
);

/** Applies op; `native` runs through run(), the twin steps one step at a time. Returns run's spike counts. */
function apply(net: spiking.Network, config: NetworkConfig, op: Op, native: boolean): Record<string, Float64Array> | null {
  switch (op.op) {
    case 'run': {
      if (native) {
        const done: number[] = [];
        const result = net.run(op.steps, op.onStep ? { onStep: (n) => done.push(n) } : {});
        if (op.onStep && op.steps > 0 && done[done.length - 1] !== op.steps) throw new Error(`onStep saw ${done.join(',')}`);
        return result.spikeCounts;
      }
      const counts: Record<string, Float64Array> = {};
      for (const name of net.layerNames) counts[name] = new Float64Array(config.batch);
      for (let t = 0; t < op.steps; t++) {
        net.step();
        for (const name of net.layerNames) net.layer(name).spikes.forEach((s, i) => (counts[name][Math.floor(i / (net.layer(name).size / config.batch))] += s));
      }
      return counts;
    }
    default:
      applyCommonOp(net, config, op);
  }
  return null;
}

function checkTwins(config: NetworkConfig, ops: Op[], where: string): void {
  const engine = buildNetwork(config);
  const stepped = buildNetwork(config);
  if (engine.engine !== 'native') throw new Error(`${where}: the network has no native plan: ${engine.engine}`);
  for (const [k, op] of ops.entries()) {
    const a = apply(engine, config, op, true);
    const b = apply(stepped, config, op, false);
    const difference = stateDifference(networkStateOf(engine), networkStateOf(stepped)) ?? (a && stateDifference(a, b!));
    if (difference) throw new Error(`${where}, after op ${k} (${JSON.stringify(op)}): ${difference}`);
    if (engine.time !== stepped.time) throw new Error(`${where}, after op ${k}: time ${engine.time} vs ${stepped.time}`);
  }
  if (!sameBytes([engine.saveState()], [stepped.saveState()])) throw new Error(`${where}: the saved states differ`);
}

describe('property: Network.run on the engine equals stepping', () => {
  const caseArb = (most: { batch: number; width: number }) =>
    fc.record({
      config: networkArbOf(most),
      source: sourceArb,
      isa: fc.nat(ISAS.length - 1),
      threads: fc.constantFrom(1, 2, 3),
      blockSteps: blockStepsArb,
      splitting: fc.constantFrom(...SPLITTINGS),
    });

  const property = (most: { batch: number; width: number }, opsMax: number) =>
    fc.property(caseArb(most), fc.array(opArb, { minLength: 1, maxLength: opsMax }), ({ config, source, isa, threads, blockSteps, splitting }, ops) => {
      spiking.setInstructionSet(ISAS[isa]);
      spiking.setNumThreads(threads);
      setBlockSteps(blockSteps);
      spiking.setSplitting(splitting);
      checkTwins(withSource(config, source), ops, `${ISAS[isa]}, ${threads} thread(s), blocks of ${blockSteps}, splitting ${splitting}`);
    });

  test('small random graphs, bit for bit after every operation', () => {
    fc.assert(property({ batch: 3, width: 6 }, 10), { numRuns: runs(200) });
  }, timeout(200));

  // Wide enough for whole tiles of outputs (64 floats), partial vectors and
  // the gathered kernel (batch >= 2), several samples sharing each input.
  test('wider random graphs (up to 8 samples of 80 neurons)', () => {
    fc.assert(property({ batch: 8, width: 80 }, 6), { numRuns: runs(40) });
  }, timeout(40, 120_000));
});

/** A network with enough items that every stage splits across two threads when forced to (connections, encoder, layers). */
function bigNetwork(fede: boolean): spiking.Network {
  const batch = 32, n = 700, dt = 1;
  const net = new spiking.Network();
  net.addLayer('in', new spiking.Input({ cellsShape: [batch, n], dt, alphaT: fede ? 0.001 : 1, tauT: 0.5 }), {
    source: new spiking.PoissonEncoder({ cellsShape: [batch, n], rates: 150, dt, seed: 9 }),
  });
  const neuron = { cellsShape: [batch, n], thresh: 0.6, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 1, tauV: 4, tauT: 4 };
  net.addLayer('hidden', fede ? new spiking.FedeNeuron(neuron) : new spiking.LIFNeuron({ ...neuron, updateType: 'exponential' }));
  const linear = (seed: number, delay = 0) =>
    new spiking.Linear({ inFeatures: n, outFeatures: n, batchSize: batch, dt, delay, weight: { init: 'uniform', low: -0.05, high: 0.12, seed } });
  net.connect('in', 'hidden', linear(1, 1));
  net.connect('hidden', 'hidden', linear(2));
  return net;
}

test.each([
  ['LIF', false],
  ['Fede', true],
])('a network split across two threads at every stage, or at none, or by work (%s target) equals stepping on one', (_, fede) => {
  spiking.setInstructionSet(ISAS[0]);
  spiking.setNumThreads(1);
  spiking.setSplitting('auto');
  const stepped = bigNetwork(fede);
  for (let t = 0; t < 12; t++) stepped.step();
  spiking.setNumThreads(2);
  for (const splitting of SPLITTINGS) {
    spiking.setSplitting(splitting);
    const engine = bigNetwork(fede);
    expect(engine.engine).toBe('native');
    const counts = engine.run(12).spikeCounts;
    expect(counts.hidden.reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
    expect([splitting, Buffer.from(engine.saveState()).equals(Buffer.from(stepped.saveState()))]).toEqual([splitting, true]);
  }
  spiking.setSplitting('auto');
});

test('setSplitting takes auto, always or never, and says what it received otherwise', () => {
  const cases: Array<[unknown, string]> = [
    ['sometimes', 'string "sometimes"'],
    ['', 'string ""'],
    [1, 'number 1'],
    [undefined, 'undefined'],
  ];
  for (const [bad, received] of cases) {
    expect(() => spiking.setSplitting(bad as spiking.Splitting)).toThrow(
      new RangeError(`Expected one of 'auto', 'always', 'never' for mode but received ${received}`),
    );
  }
  spiking.setSplitting('never');
  expect(spiking.splitting()).toBe('never');
  spiking.setSplitting('auto');
  expect(spiking.splitting()).toBe('auto');
});

/**
 * Four layers whose edges exercise every case of the blocked engine: a
 * delayed feed-forward edge, a skip edge, a feedback edge of lag 3 (its
 * layers run in chunks of 3 steps), a self-loop of lag 1 (step by step
 * inside the layer's block), per-synapse delays and a FedeNeuron target
 * (step-wise kernels), a feedback edge with per-synapse delays (its range runs
 * step by step); with enough items that every stage splits across threads
 * when forced to.
 */
function deepNetwork(): spiking.Network {
  const batch = 16, n = 400, dt = 1;
  const net = new spiking.Network();
  net.addLayer('in', new spiking.Input({ cellsShape: [batch, n], dt, alphaT: 0.01, tauT: 0.5 }), {
    source: new spiking.PoissonEncoder({ cellsShape: [batch, n], rates: 200, dt, seed: 4 }),
  });
  const neuron = { cellsShape: [batch, n], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 0.01, dt, durationRefrac: 1, tauV: 4, tauT: 4 };
  net.addLayer('h1', new spiking.LIFNeuron({ ...neuron, updateType: 'exponential' }));
  net.addLayer('h2', new spiking.FedeNeuron(neuron));
  net.addLayer('h3', new spiking.AdaptiveLIFNeuron({ ...neuron, alphaThresh: 0.1, tauThresh: 0.9, updateType: 'exponential' }));
  const linear = (seed: number, delay: number | number[] = 0, low = -0.05, high = 0.1) =>
    new spiking.Linear({ inFeatures: n, outFeatures: n, batchSize: batch, dt, delay, weight: { init: 'uniform', low, high, seed } });
  const perSynapse = (seed: number) => Array.from({ length: n * n }, (_, i) => (i * 7 + seed) % 4);
  net.connect('in', 'h1', linear(1, 1));
  net.connect('h2', 'h1', linear(2, 2));
  net.connect('h1', 'h2', linear(3, 0, -0.01, 0.05));
  net.connect('in', 'h3', linear(4, 3, -0.02, 0.03));
  net.connect('h3', 'h3', linear(5, 0, -0.05, 0.05));
  net.connect('h1', 'h3', linear(6, perSynapse(1), -0.02, 0.03));
  net.connect('h3', 'h1', linear(7, perSynapse(2), -0.02, 0.02));
  return net;
}

test('a deep network with feedback, skip and self edges equals stepping for every block size and thread count', () => {
  spiking.setInstructionSet(ISAS[0]);
  spiking.setNumThreads(1);
  const stepped = deepNetwork();
  const states: Uint8Array[] = [];
  for (let t = 0; t < 40; t++) {
    stepped.step();
    if (t === 22 || t === 39) states.push(stepped.saveState());
  }
  const counts = [0, 1, 2, 3].map((k) => stepped.layer(stepped.layerNames[k]).spikes.reduce((a, b) => a + b, 0));
  expect(counts.every((c) => c > 50)).toBe(true); // every layer fires
  // Forced to split on two and three threads (one thread never splits; 'auto' and 'never' are the tests above and below).
  const modes: [number, spiking.Splitting][] = [[1, 'auto'], [2, 'always'], [3, 'always']];
  for (const blockSteps of [1, 2, 7, 'auto'] as const) {
    for (const [threads, splitting] of modes) {
      spiking.setNumThreads(threads);
      spiking.setSplitting(splitting);
      setBlockSteps(blockSteps);
      const engine = deepNetwork();
      const where = [blockSteps, threads, splitting];
      engine.run(23); // 23 steps: blocks of 2 and 7 end part-way
      expect([...where, Buffer.from(engine.saveState()).equals(Buffer.from(states[0]))]).toEqual([...where, true]);
      engine.run(17);
      expect([...where, Buffer.from(engine.saveState()).equals(Buffer.from(states[1]))]).toEqual([...where, true]);
    }
  }
  setBlockSteps('auto');
  spiking.setSplitting('auto');
});

// A connection whose weights exceed 2 MiB and that has 512 inputs or more is
// added, in calls of 64 steps or more, from a copy packed by columns of 64
// outputs (native/runtime/blocks.hpp, kPackFromBytes, kPackFromInputs),
// walked in chunks of inputs: 2,100 x 260 (a partial column; inputs that the
// kernel walks in chunks unpacked too) and 600 x 900 (in chunks only
// packed), every instruction set, 1 and 2 threads.
test.each([
  [2100, 260],
  [600, 900],
])('a connection added from packed weights equals stepping (%i inputs, %i outputs), on every instruction set and 1 or 2 threads', (inputs, outputs) => {
  const batch = 2;
  const packedNetwork = () => {
    const net = new spiking.Network();
    net.addLayer('in', new spiking.Input({ cellsShape: [batch, inputs], dt: 1, alphaT: 1, tauT: 0.5 }), {
      source: new spiking.PoissonEncoder({ cellsShape: [batch, inputs], rates: 200, dt: 1, seed: 9 }),
    });
    const neuron = { cellsShape: [batch, outputs], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.8, tauT: 0.8 };
    net.addLayer('out', new spiking.LIFNeuron(neuron));
    const bound = 0.03 * Math.sqrt(2100 / inputs);
    const weight = { init: 'uniform' as const, low: -bound, high: bound, seed: 3 };
    net.connect('in', 'out', new spiking.Linear({ inFeatures: inputs, outFeatures: outputs, batchSize: batch, dt: 1, weight }));
    return net;
  };
  spiking.setInstructionSet(ISAS[0]);
  spiking.setNumThreads(1);
  const stepped = packedNetwork();
  let fired = 0;
  for (let t = 0; t < 66; t++) {
    stepped.step();
    fired += stepped.layer('out').spikes.reduce((a, b) => a + b, 0);
  }
  const expected = Buffer.from(stepped.saveState());
  expect(fired).toBeGreaterThan(100);
  expect(fired).toBeLessThan(66 * batch * outputs * 0.9);
  setBlockSteps(7); // 66 steps: 9 blocks of 7 and one of 3, all from the packed copy
  for (const isa of ISAS) {
    spiking.setInstructionSet(isa);
    for (const threads of [1, 2]) {
      spiking.setNumThreads(threads);
      spiking.setSplitting(threads === 1 ? 'auto' : 'always');
      const engine = packedNetwork();
      engine.run(66);
      expect([isa, threads, Buffer.from(engine.saveState()).equals(expected)]).toEqual([isa, threads, true]);
    }
  }
  setBlockSteps('auto');
  spiking.setSplitting('auto');
});

test('setBlockSteps takes 0 (automatic) to 64, and says what it received otherwise', () => {
  const cases: Array<[unknown, string]> = [
    [-1, 'number -1'],
    [65, 'number 65'],
    [2.5, 'number 2.5'],
    [NaN, 'number NaN'],
    ['3', 'string "3"'],
  ];
  for (const [bad, received] of cases) {
    expect(() => spiking.setBlockSteps(bad as number)).toThrow(new RangeError(`Expected a whole number from 0 to 64 for steps but received ${received}`));
  }
  spiking.setBlockSteps(5);
  expect(spiking.blockSteps()).toBe(5);
  spiking.setBlockSteps(0);
  expect(spiking.blockSteps()).toBe(0);
});

describe('blocks, callbacks and recorders', () => {
  const config = (): NetworkConfig => {
    let found: NetworkConfig | null = null;
    fc.assert(
      fc.property(networkArbOf({ batch: 3, width: 12 }), (c) => {
        found = withSource(c, { kind: 'poisson', seed: 5, rate: 400 });
        return true;
      }),
      { numRuns: 1, seed: 7 },
    );
    return found!;
  };

  test('onStep comes every 256 steps and after the last; run continues where it stopped', () => {
    const c = config();
    const engine = buildNetwork(c);
    const stepped = buildNetwork(c);
    const done: number[] = [];
    engine.run(600, { onStep: (n) => done.push(n) });
    engine.run(7);
    for (let t = 0; t < 607; t++) stepped.step();
    expect(done).toEqual([256, 512, 600]);
    expect(engine.time).toBe(607);
    expect(Buffer.from(engine.saveState()).equals(Buffer.from(stepped.saveState()))).toBe(true);
  });

  test('the network is busy during run: its callbacks cannot step, run, reset, save or load it', () => {
    const net = buildNetwork(config());
    const saved = net.saveState();
    const attempts: [string, () => unknown][] = [
      ['step', () => net.step()],
      ['run', () => net.run(1)],
      ['resetState', () => net.resetState()],
      ['saveState', () => net.saveState()],
      ['loadState', () => net.loadState(saved)],
    ];
    const messages: string[] = [];
    net.run(3, {
      onStep: () => {
        for (const [, attempt] of attempts) {
          try {
            attempt();
            messages.push('no error');
          } catch (e) {
            messages.push((e as Error).message);
          }
        }
      },
    });
    expect(messages).toEqual(attempts.map(([name]) => `Network.${name}: the network is busy with run; wait for it to end before using the network`));
    expect(net.time).toBe(3);
    net.step(); // idle again
  });

  test('recorder files from a run with taps equal those of a run stepped in JavaScript', () => {
    const c = config();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-engine-'));
    const record = (net: spiking.Network, tag: string): Buffer[] => {
      const files = ['events', 'bits', 'v', 'trace', 'raster'].map((f) => path.join(dir, `${tag}-${f}.npy`));
      const recorders = [
        new spiking.SpikeEventRecorder('n1', files[0]),
        new spiking.SpikeBitsRecorder('in', files[1]),
        new spiking.StateRecorder({ layer: 'n1', variable: 'vCell', file: files[2], every: 3, samples: [0], neurons: [0] }),
        new spiking.StateRecorder({ layer: 'in', variable: 'trace', file: files[3] }),
        new spiking.RasterPlot({ file: files[4], layers: ['in', 'n1'], sample: 1 }), // taps two layers
      ];
      net.run(300, { recorders });
      net.run(40, { recorders: [recorders[0]] });
      return files.map((f) => fs.readFileSync(f));
    };
    const engine = buildNetwork(c);
    const stepped = buildNetwork(c);
    const layer = stepped.layer('n1');
    layer.forward = layer.forward; // an own forward: no native form, run steps in JavaScript
    expect(engine.engine).toBe('native');
    expect(stepped.engine).toBe('layer "n1" overrides forward');
    const a = record(engine, 'engine');
    const b = record(stepped, 'stepped');
    a.forEach((bytes, k) => expect(bytes.equals(b[k])).toBe(true));
    expect(a[0].length).toBeGreaterThan(200); // spikes were recorded
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a recorder without a tap sees every step live', () => {
    const c = config();
    const net = buildNetwork(c);
    const seen: number[] = [];
    const recorder: spiking.Recorder = {
      open: () => {},
      record: (t) => seen.push(t, net.layer('in').spikes.reduce((a, b) => a + b, 0)),
      close: () => {},
    };
    const twin = buildNetwork(c);
    const expected: number[] = [];
    for (let t = 0; t < 20; t++) {
      twin.step();
      expected.push(t, twin.layer('in').spikes.reduce((a, b) => a + b, 0));
    }
    net.run(20, { recorders: [recorder] });
    expect(seen).toEqual(expected);
  });

  test('networks without a native form say why and still step the same bits', () => {
    const c = config();
    const stored = { ...c, layers: c.layers.map((l, k) => (k === 1 ? { ...l, options: { ...l.options, storeTrace: true } } : l)) };
    const net = buildNetwork(stored);
    expect(net.engine).toBe('layer "n1" stores its spike history (storeTrace)');
    const twin = buildNetwork(stored);
    net.run(25);
    for (let t = 0; t < 25; t++) twin.step();
    expect(Buffer.from(net.saveState()).equals(Buffer.from(twin.saveState()))).toBe(true);

    const custom = new spiking.Network();
    const encoder: spiking.Encoder = { cellsShape: [1, 2], size: 2, encode: (t, out) => out.fill(t % 2) };
    custom.addLayer('in', new spiking.Input({ cellsShape: [1, 2], dt: 1, alphaT: 1, tauT: 0.5 }), { source: encoder });
    expect(custom.engine).toBe('the source of layer "in" is not a PoissonEncoder or LatencyEncoder');
    custom.run(3);
    expect(Array.from(custom.layer('in').spikes)).toEqual([0, 0]);
  });

  test('every run sees a method overridden since the last one: on an instance, a subclass, an accessor, a connection, an encoder', () => {
    const source = new spiking.PoissonEncoder({ cellsShape: [1, 3], rates: 500, dt: 1, seed: 1 });
    const lif = new spiking.LIFNeuron({ cellsShape: [1, 2], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.9, tauT: 0.8 });
    const linear = new spiking.Linear({ inFeatures: 3, outFeatures: 2, batchSize: 1, dt: 1, weight: { init: 'constant', value: 0.6 } });
    const net = new spiking.Network()
      .addLayer('in', new spiking.Input({ cellsShape: [1, 3], dt: 1, alphaT: 1, tauT: 0.5 }), { source })
      .addLayer('lif', lif)
      .connect('in', 'lif', linear);
    net.run(2);
    expect(net.engine).toBe('native');
    lif.resetState = () => {}; // patched after a run: the next one must see it
    expect(net.engine).toBe('layer "lif" overrides resetState');
    delete (lif as { resetState?: unknown }).resetState;
    expect(net.engine).toBe('native');
    Object.defineProperty(lif, 'thresh', { get: () => 2, configurable: true }); // an accessor counts too
    expect(net.engine).toBe('layer "lif" overrides thresh');
    delete (lif as { thresh?: unknown }).thresh;
    linear.forward = linear.forward.bind(linear);
    expect(net.engine).toBe('connection "in_lif" overrides forward');
    delete (linear as { forward?: unknown }).forward;
    source.encode = source.encode.bind(source);
    expect(net.engine).toBe('the source of layer "in" overrides encode');
    delete (source as { encode?: unknown }).encode;
    expect(net.engine).toBe('native');

    class Quiet extends spiking.LIFNeuron {}
    class Loud extends Quiet {}
    const sub = new spiking.Network().addLayer('lif', new Loud({ cellsShape: [1, 2], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.9, tauT: 0.8 }));
    expect(sub.engine).toBe('native'); // subclasses that redefine nothing run natively
    (Quiet.prototype as unknown as { updateVoltage: unknown }).updateVoltage = function updateVoltage() {};
    expect(sub.engine).toBe('layer "lif" overrides updateVoltage'); // a class between the instance and the library's
    delete (Quiet.prototype as unknown as { updateVoltage?: unknown }).updateVoltage;
    (Loud.prototype as unknown as { toString: unknown }).toString = () => 'loud';
    expect(sub.engine).toBe('layer "lif" overrides toString'); // Object.prototype's methods are the library's too
  });
});

// ---- runAsync ----------------------------------------------------------------------

describe('property: Network.runAsync equals stepping, also when aborted and continued', () => {
  test('random graphs: runAsync, then (after a random abort) run, equal the uninterrupted stepping', async () => {
    await fc.assert(
      fc.asyncProperty(
        networkArbOf({ batch: 4, width: 30 }),
        sourceArb,
        fc.integer({ min: 0, max: 700 }),
        fc.option(fc.integer({ min: 0, max: 700 })),
        fc.constantFrom(1, 2, 3),
        fc.option(fc.integer({ min: 0, max: 4 })),
        blockStepsArb,
        async (c, source, steps, abortAt, threads, abortAfterMs, blockSteps) => {
          spiking.setNumThreads(threads);
          setBlockSteps(blockSteps);
          const config = withSource(c, source);
          const net = buildNetwork(config);
          const twin = buildNetwork(config);
          const controller = new AbortController();
          let error: unknown = null;
          // Aborts before the start (abortAt 0), or from a recorder's hand-over
          // (between blocks of 256 steps), or from the progress callback.
          if (abortAt === 0) controller.abort();
          const abortAfter = (t: number) => abortAt !== null && t + 1 >= abortAt && controller.abort();
          const recorder: spiking.Recorder = {
            tap: { layer: 'in', variable: 'spikes' },
            open: () => {},
            record: () => {},
            recordValues: (t) => abortAfter(t),
            close: () => {},
          };
          // Or from a timer, at whatever step the native loop has reached then.
          const timer = abortAfterMs === null ? null : setTimeout(() => controller.abort(), abortAfterMs);
          await net
            .runAsync(steps, { signal: controller.signal, recorders: [recorder], onProgress: (done) => abortAfter(done - 1) })
            .catch((e) => (error = e));
          if (timer) clearTimeout(timer);
          const ran = net.time;
          if (error !== null) {
            if (!(error instanceof DOMException) || error.name !== 'AbortError') throw error;
            if (abortAt === null && abortAfterMs === null) throw new Error('aborted without a signal');
          } else if (ran !== steps) {
            throw new Error(`runAsync ran ${ran} of ${steps} steps`);
          }
          net.run(steps - ran);
          for (let t = 0; t < steps; t++) twin.step();
          const difference = stateDifference(networkStateOf(net), networkStateOf(twin));
          if (difference) throw new Error(difference);
          if (!sameBytes([net.saveState()], [twin.saveState()])) throw new Error('the saved states differ');
        },
      ),
      { numRuns: runs(60) },
    );
  }, timeout(60));
});

describe('runAsync', () => {
  function longNetwork(): spiking.Network {
    const batch = 16, n = 300, dt = 1;
    const net = new spiking.Network();
    net.addLayer('in', new spiking.Input({ cellsShape: [batch, n], dt, alphaT: 1, tauT: 0.5 }), {
      source: new spiking.PoissonEncoder({ cellsShape: [batch, n], rates: 100, dt, seed: 3 }),
    });
    net.addLayer('lif', new spiking.LIFNeuron({ cellsShape: [batch, n], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 1, tauV: 0.9, tauT: 0.8 }));
    net.connect('in', 'lif', new spiking.Linear({ inFeatures: n, outFeatures: n, batchSize: batch, dt, weight: { init: 'uniform', low: -0.05, high: 0.1, seed: 1 } }));
    net.connect('lif', 'lif', new spiking.Linear({ inFeatures: n, outFeatures: n, batchSize: batch, dt, delay: 2, weight: { init: 'uniform', low: -0.05, high: 0.05, seed: 2 } }));
    return net;
  }

  test('the network and its layers are busy meanwhile, with clear errors', async () => {
    const net = longNetwork();
    const run = net.runAsync(200);
    const messages: string[] = [];
    for (const attempt of [() => net.step(), () => net.run(1), () => net.resetState(), () => net.saveState(), () => net.runAsync(1), () => net.layer('lif').resetState()]) {
      try {
        await attempt();
        messages.push('no error');
      } catch (e) {
        messages.push((e as Error).message);
      }
    }
    await run;
    const busy = (action: string) => `Network.${action}: the network is busy with runAsync; wait for it to end before using the network`;
    expect(messages).toEqual([
      busy('step'), busy('run'), busy('resetState'), busy('saveState'), busy('runAsync'),
      'LIFNeuron.resetState: the layer is busy with Network.runAsync; await it before using the layer',
    ]);
    expect(net.time).toBe(200);
    net.step();
  });

  test('its connections are busy meanwhile too: stepping, changing or sharing one throws, naming the run', async () => {
    const net = longNetwork();
    const link = net.connections[0].connection;
    const { batchSize: batch, inFeatures: inF, outFeatures: outF } = link;
    const before = link.weight;
    const other = new spiking.Network();
    other.addLayer('in', new spiking.Input({ cellsShape: [batch, inF], dt: 1, alphaT: 1, tauT: 0.5 }));
    other.addLayer('lif', new spiking.LIFNeuron({ cellsShape: [batch, outF], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.9, tauT: 0.8 }));
    other.connect('in', 'lif', link);
    const pre = new Uint8Array(batch * inF).fill(1);
    const trace = new Float32Array(batch * inF);
    const into = new Float32Array(batch * outF);
    const run = net.runAsync(200);
    const attempts: [string, () => unknown][] = [
      ['forward', () => link.forward(pre, trace)],
      ['current', () => link.current(pre, into)],
      ['difference', () => link.difference(pre, trace, into)],
      ['setWeight', () => link.setWeight(new Float32Array(outF * inF))],
      ['resetWeights', () => link.resetWeights({ init: 'uniform', seed: 9 })],
      ['resetState', () => link.resetState()],
      ['forward', () => other.run(1)],
      ['saveState', () => other.saveState()],
    ];
    const messages = attempts.map(([, attempt]) => {
      try {
        attempt();
        return 'no error';
      } catch (e) {
        return (e as Error).message;
      }
    });
    await run;
    expect(messages).toEqual(attempts.map(([action]) => `Linear.${action}: the connection is busy with Network.runAsync; await it before using the connection`));
    expect(into.every((v) => v === 0)).toBe(true);
    expect(link.weight).toEqual(before);
    expect(other.time).toBe(0);
    link.current(pre, into); // free again once the run has settled
    expect(into.some((v) => v !== 0)).toBe(true);
    await expect(net.runAsync(1)).resolves.toMatchObject({ steps: 1 });
  });

  test('an abort stops the run within 100 ms, a 5 ms timer never waits 50 ms, and a save after the abort restores exactly', async () => {
    const net = longNetwork();
    const controller = new AbortController();
    let worst = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 5);
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort();
    }, 300);
    const error = await net.runAsync(10_000_000, { signal: controller.signal }).catch((e) => e);
    const latency = performance.now() - abortedAt;
    clearInterval(timer);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect((error as DOMException).message).toBe(`Network.runAsync was aborted after ${net.time} of 10000000 steps`);
    expect(net.time).toBeGreaterThan(0);
    expect(latency).toBeLessThan(100);
    expect(worst).toBeLessThan(50);
    const saved = net.saveState();
    const restored = longNetwork();
    restored.loadState(saved);
    net.run(25);
    restored.run(25);
    expect(Buffer.from(restored.saveState()).equals(Buffer.from(net.saveState()))).toBe(true);
    const twin = longNetwork();
    twin.run(net.time);
    expect(Buffer.from(twin.saveState()).equals(Buffer.from(net.saveState()))).toBe(true);
  });

  test('recorder files of an aborted runAsync hold exactly the steps that ran', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-engine-'));
    const file = (tag: string) => path.join(dir, `${tag}.npy`);
    const net = longNetwork();
    const controller = new AbortController();
    const progress: number[] = [];
    const error = await net
      .runAsync(2000, {
        recorders: [new spiking.SpikeBitsRecorder('lif', file('async'))],
        signal: controller.signal,
        onProgress: (done) => {
          progress.push(done);
          if (done >= 300) controller.abort();
        },
      })
      .catch((e) => e);
    expect((error as Error).name).toBe('AbortError');
    const twin = longNetwork();
    twin.run(net.time, { recorders: [new spiking.SpikeBitsRecorder('lif', file('stepped'))] });
    expect(fs.readFileSync(file('async')).equals(fs.readFileSync(file('stepped')))).toBe(true);
    expect(spiking.readNpy(file('async')).shape[0]).toBe(net.time);
    expect(progress.length).toBeGreaterThan(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('bad arguments and networks without a native form are refused before anything runs', async () => {
    const net = longNetwork();
    await expect(net.runAsync(-1)).rejects.toThrow('Expected a whole number >= 0 for steps but received number -1');
    await expect(net.runAsync(5, { signal: {} as AbortSignal })).rejects.toThrow('Expected an AbortSignal for signal but received an object of type Object');
    await expect(net.runAsync(5, { every: 2 } as never)).rejects.toThrow('Unknown option "every" for Network.runAsync; its options are: recorders, onProgress, signal');
    const live: spiking.Recorder = { open: () => {}, record: () => {}, close: () => {} };
    await expect(net.runAsync(5, { recorders: [live] })).rejects.toThrow(/every recorder needs a tap/);
    const layer = net.layer('lif');
    layer.forward = layer.forward;
    await expect(net.runAsync(5)).rejects.toThrow('Network.runAsync needs a network the engine runs natively, but layer "lif" overrides forward; use run()');
    expect(net.time).toBe(0);
  });
});

// The engine draws a Poisson source through its live list when at most half
// of the blocks of four inputs can fire, else with the full kernel
// (runtime/plan.cpp's encodePoisson): both must give the stepped bits.
test.each([
  ['every input live (full kernel)', 0],
  ['most inputs silent (listed kernel)', 0.9],
])('Poisson inputs in the engine equal stepping: %s, 1-3 threads', (_, silent) => {
  const batch = 3, n = 70, steps = 40;
  const rates = new Float32Array(batch * n).map((_, k) => ((k * 7919) % 100 < silent * 100 ? 0 : 150 + (k % 5) * 50));
  const build = () => {
    const net = new spiking.Network();
    net.addLayer('input', new spiking.Input({ cellsShape: [batch, n], dt: 1, alphaT: 1, tauT: 0.8 }), {
      source: new spiking.PoissonEncoder({ cellsShape: [batch, n], rates, dt: 1, seed: 17 }),
    });
    net.addLayer('lif', new spiking.LIFNeuron({ cellsShape: [batch, 9], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.9, tauT: 0.8 }));
    net.connect('input', 'lif', new spiking.Linear({ inFeatures: n, outFeatures: 9, batchSize: batch, dt: 1, weight: { init: 'uniform', low: 0, high: 0.5, seed: 2 } }));
    return net;
  };
  const before = spiking.numThreads();
  spiking.setNumThreads(1);
  const stepped = build();
  let fired = 0;
  for (let t = 0; t < steps; t++) {
    stepped.step();
    fired += stepped.layer('input').spikes.reduce((a, v) => a + v, 0);
  }
  expect(fired).toBeGreaterThan(50);
  try {
    for (const threads of [1, 2, 3]) {
      spiking.setNumThreads(threads);
      const engine = build();
      expect(engine.engine).toBe('native');
      engine.run(steps);
      expect(Buffer.from(engine.saveState()).equals(Buffer.from(stepped.saveState()))).toBe(true);
    }
  } finally {
    spiking.setNumThreads(before);
  }
});
