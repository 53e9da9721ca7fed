// AdaptiveThresholdLIFNeuron: the LIF of Diehl & Cook (2015), spiking at
// thresh + theta, theta growing by thetaPlus per spike and decaying towards 0
// (docs/semantics.md, "One neuron step", step 5b). Expected values are worked
// out by hand from docs/semantics.md; long runs against test/reference.ts.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as spiking from '../lib';
import { cli } from './cli-run';
import { AdaptiveThresholdLIFNeuron, BaseNeuron, LIFNeuron, type AdaptiveThresholdLIFNeuronOptions } from '../lib';
import {
  arr,
  expectIdentical,
  expectMatchesReference,
  expectSameNeuronState,
  f32,
  perNeuron,
  randomValues,
  Reference,
  rng,
  underEveryIsa,
  F,
  modelSetup,
  NEURON_TEST_OPTIONS,
} from './helpers';

const { base, make } = modelSetup(AdaptiveThresholdLIFNeuron, {
  ...NEURON_TEST_OPTIONS,
  cellsShape: [1, 2],
  alphaV: 1,
  tauV: 0.5,
  tauT: 0.5,
  thetaPlus: 0.5,
  tauTheta: 0.5,
});

describe('AdaptiveThresholdLIFNeuron construction', () => {
  test('is a BaseNeuron, starts at rest with theta 0 and the given threshold', () => {
    const l = make({ cellsShape: [2, 3], vRest: -0.5, thresh: 0.25 });
    expect(l).toBeInstanceOf(BaseNeuron);
    expect(l.size).toBe(6);
    expect(l.updateType).toBe('linear');
    expect(arr(l.vCell)).toEqual(new Array(6).fill(-0.5));
    expect(arr(l.thresh)).toEqual(new Array(6).fill(0.25));
    expect(arr(l.theta)).toEqual(new Array(6).fill(0));
  });

  test('bad options name the parameter, what was expected and what was received', () => {
    expect(() => make({ thetaPlus: undefined })).toThrow('Expected a value (AdaptiveThresholdLIFNeuron requires thetaPlus) for thetaPlus but received undefined');
    expect(() => make({ tauTheta: undefined })).toThrow(/tauTheta/);
    expect(() => make({ thetaPlus: NaN })).toThrow(/finite number.*for thetaPlus.*NaN/);
    expect(() => make({ tauTheta: 1.5 })).toThrow(/decay factor in \[0, 1\].*for tauTheta but received number 1\.5/);
    expect(() => make({ tauTheta: [0.5, -0.1] })).toThrow(/decay factor.*for tauTheta\[1\]/);
    expect(() => make({ updateType: 'exponential', tauTheta: 0 })).toThrow(/time constant > 0.*for tauTheta/);
    expect(() => make({ thetaPlus: [1, 2, 3] })).toThrow(/2 per-neuron values for thetaPlus/);
    expect(() => make({ alphaThresh: 1 } as never)).toThrow(/Unknown option "alphaThresh" for AdaptiveThresholdLIFNeuron/);
    expect(() => new LIFNeuron({ ...base, thetaPlus: 1 } as never)).toThrow(/Unknown option "thetaPlus" for LIFNeuron/);
  });
});

describe('AdaptiveThresholdLIFNeuron.forward', () => {
  test('linear: spikes at thresh + theta; theta = theta * tauTheta + thetaPlus * s; thresh never changes', () => {
    const l = make();
    l.forward(F(1, 0));
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.theta)).toEqual([0.5, 0]);
    expect(arr(l.vCell)).toEqual([0, 0]);
    l.forward(F(1, 0)); // v = 1 < 1 + 0.5
    expect(arr(l.spikes)).toEqual([0, 0]);
    expect(arr(l.theta)).toEqual([0.25, 0]);
    expect(arr(l.vCell)).toEqual([1, 0]);
    l.forward(F(0.75, 1)); // v = 0.5 + 0.75 = 1.25 >= 1.25; 1 >= 1
    expect(arr(l.spikes)).toEqual([1, 1]);
    expect(arr(l.theta)).toEqual([0.625, 0.5]);
    expect(arr(l.thresh)).toEqual([1, 1]);
    expect(arr(l.trace)).toEqual([1.25, 1]);
  });

  test('exponential: theta = (theta - (dt / tauTheta) * theta) + thetaPlus * s', () => {
    // tauV = dt: v = alphaV * I exactly; dt / tauTheta = 0.25
    const l = make({ updateType: 'exponential', tauV: 1, tauT: 1, thetaPlus: 1, tauTheta: 4 });
    l.forward(F(1, 0));
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.theta)).toEqual([1, 0]);
    l.forward(F(1.5, 0)); // 1.5 < 2
    expect(arr(l.spikes)).toEqual([0, 0]);
    expect(arr(l.theta)).toEqual([0.75, 0]);
    l.forward(F(2, 0)); // 2 >= 1.75
    expect(arr(l.spikes)).toEqual([1, 0]);
    expect(arr(l.theta)).toEqual([1.5625, 0]); // 0.75 - 0.1875 + 1
  });

  test('inexact parameters: one float32 rounding per operation, the sum thresh + theta rounded once', () => {
    const l = make({ cellsShape: [1, 1], thresh: 0.7, thetaPlus: 0.3, tauTheta: 0.9, tauV: 0 });
    let theta = 0;
    for (const x of [2, 0, 1, 1.1, 0, 0, 5, 0.95]) {
      const s = x >= f32(f32(0.7) + theta) ? 1 : 0; // tauV = 0: v = x
      l.forward(F(x));
      expect(l.spikes[0]).toBe(s);
      theta = f32(f32(theta * f32(0.9)) + f32(f32(0.3) * s));
      expect(l.theta[0]).toBe(theta);
    }
  });

  test('theta decays to 0 without spikes, through the subnormals', () => {
    const l = make({ cellsShape: [1, 1], thresh: 100 });
    l.theta[0] = 1;
    for (let t = 1; t <= 149; t++) {
      l.forward(F(0));
      if (l.theta[0] !== 2 ** -t) throw new Error(`step ${t}: theta ${l.theta[0]}`);
    }
    l.forward(F(0));
    expect(l.theta[0]).toBe(0);
  });
});

describe('AdaptiveThresholdLIFNeuron lifecycle', () => {
  test('resetState keeps theta (learned); resetTheta and initNeuron clear it, with a sample mask too', () => {
    const l = make({ cellsShape: [2, 2] });
    l.forward(F(2, 2, 2, 2));
    expect(arr(l.theta)).toEqual([0.5, 0.5, 0.5, 0.5]);
    l.resetState();
    expect(arr(l.theta)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(arr(l.vCell)).toEqual([0, 0, 0, 0]);
    l.resetTheta([false, true]);
    expect(arr(l.theta)).toEqual([0.5, 0.5, 0, 0]);
    l.initNeuron();
    expect(arr(l.theta)).toEqual([0, 0, 0, 0]);
  });

  test('an overriding updateTheta is called each step (staged path) and gives the fused bits', () => {
    class Counting extends AdaptiveThresholdLIFNeuron {
      calls = 0;
      override updateTheta(spikes: Uint8Array | Float32Array): void {
        this.calls++;
        super.updateTheta(spikes);
      }
    }
    underEveryIsa((isa) => {
      for (const updateType of ['linear', 'exponential'] as const) {
        const rand = rng(5);
        const n = 37;
        const options = thetaOptions(rand, n, updateType);
        const plain = new AdaptiveThresholdLIFNeuron(options);
        const sub = new Counting(options);
        for (let t = 0; t < 200; t++) {
          const x = randomValues(rand, n, -0.5, 2);
          plain.forward(x);
          sub.forward(x);
          expectSameNeuronState(sub, plain, `${isa} ${updateType} step ${t}`, false);
        }
        expect(sub.calls).toBe(200);
      }
    });
  });
});

type ThetaOptions = AdaptiveThresholdLIFNeuronOptions & Record<'thresh' | 'alphaV' | 'alphaT' | 'tauV' | 'tauT' | 'thetaPlus' | 'tauTheta', number | number[]>;

function thetaOptions(rand: () => number, n: number, updateType: 'linear' | 'exponential'): ThetaOptions {
  const linear = updateType === 'linear';
  return {
    cellsShape: [1, n],
    thresh: perNeuron(rand, n, 0.5, 1.5),
    vRest: 0.125,
    alphaV: perNeuron(rand, n, 0.2, 1.5),
    alphaT: 1.25,
    dt: 0.125,
    durationRefrac: 0.25,
    tauV: linear ? perNeuron(rand, n, 0, 1) : perNeuron(rand, n, 0.3, 3),
    tauT: linear ? 0.75 : 0.6,
    thetaPlus: perNeuron(rand, n, 0, 0.5),
    tauTheta: linear ? perNeuron(rand, n, 0.5, 1) : perNeuron(rand, n, 0.2, 4),
    updateType,
  };
}

describe('AdaptiveThresholdLIFNeuron against docs/semantics.md', () => {
  // Sizes around every vector width (4, 8, 16 lanes) and tails of every length.
  const SIZES = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 47, 64, 100];

  test.each(['linear', 'exponential'] as const)('%s: per-neuron and scalar parameters, refractory, every size and instruction set', (updateType) => {
    underEveryIsa((isa) => {
      for (const n of SIZES) {
        const rand = rng(100 + n);
        const options = thetaOptions(rand, n, updateType);
        // Half of the sizes with scalar parameters: the uniform kernel.
        const params: ThetaOptions = n % 2 ? { ...options, thresh: 0.75, alphaV: 0.9, thetaPlus: 0.2, tauTheta: updateType === 'linear' ? 0.95 : 2 } : options;
        const l = new AdaptiveThresholdLIFNeuron(params);
        const { cellsShape: _shape, updateType: _u, durationRefrac: _d, storeTrace: _s, ...refParams } = params;
        const ref = new Reference({ model: 'Theta', n, update: updateType, refracSteps: 2, ...refParams });
        for (let t = 0; t < 120; t++) {
          const x = randomValues(rand, 2 * n, -0.25, 1.75);
          l.forward(x);
          ref.step(x);
          expectMatchesReference(l, ref, `${isa} n=${n} step ${t}`);
        }
        expect(ref.state.theta.some((v) => v > 0)).toBe(true);
      }
    });
  });

  test('run() records theta and equals forward, bit for bit; runAsync too', async () => {
    const rand = rng(3);
    const n = 29;
    const steps = 50;
    const options = thetaOptions(rand, n, 'exponential');
    const x = randomValues(rand, steps * n, -0.25, 2);
    const stepped = new AdaptiveThresholdLIFNeuron(options);
    const thetas = new Float32Array(steps * n);
    const spikes = new Uint8Array(steps * n);
    for (let t = 0; t < steps; t++) {
      stepped.forward(x.subarray(t * n, (t + 1) * n));
      thetas.set(stepped.theta, t * n);
      spikes.set(stepped.spikes, t * n);
    }
    const ran = new AdaptiveThresholdLIFNeuron(options).run(x, { steps, record: ['theta', 'thresh'] });
    expectIdentical(ran.theta, thetas, 'run theta');
    expectIdentical(ran.spikes, spikes, 'run spikes');
    expect(ran.thresh.every((v, k) => v === stepped.thresh[k % n])).toBe(true);
    const async = await new AdaptiveThresholdLIFNeuron(options).runAsync(x, { steps, record: ['theta'] });
    expectIdentical(async.theta, thetas, 'runAsync theta');
    expect(thetas.some((v) => v > 0)).toBe(true);
  });

  test('theta is only recordable where it exists', () => {
    const lif = new LIFNeuron({ ...NEURON_TEST_OPTIONS, cellsShape: [2], alphaV: 1, tauV: 0.5, tauT: 0.5 });
    expect(() => lif.run(new Float32Array(2), { steps: 1, record: ['theta'] })).toThrow('Expected one of "vCell", "trace", "refracCounts", "thresh" for record[0] but received string "theta"');
  });
});

describe('AdaptiveThresholdLIFNeuron threads, state files and networks', () => {
  afterAll(() => spiking.setNumThreads(os.availableParallelism()));

  test('1, 2 and 3 threads give identical bits', () => {
    const n = 300_001; // above the parallel threshold, not a multiple of any block
    const steps = 3;
    const rand = rng(17);
    const x = randomValues(rand, steps * n, 0, 2);
    const options = { ...base, cellsShape: [1, n], thresh: 0.6, thetaPlus: 0.25, tauTheta: 0.9, durationRefrac: 1 };
    const results = [1, 2, 3].map((threads) => {
      spiking.setNumThreads(threads);
      return new AdaptiveThresholdLIFNeuron(options).run(x, { steps, record: ['theta', 'vCell'] });
    });
    for (const other of results.slice(1)) {
      expectIdentical(other.spikes, results[0].spikes, 'spikes');
      expectIdentical(other.theta, results[0].theta, 'theta');
      expectIdentical(other.vCell, results[0].vCell, 'vCell');
    }
    expect(results[0].spikes.reduce((a, b) => a + b, 0)).toBeGreaterThan(1000);
  });

  test('saveState mid-run, loadState (and loadLayer), continue: equals the uninterrupted run; theta is saved', () => {
    const rand = rng(21);
    const n = 19;
    const options = thetaOptions(rand, n, 'linear');
    const xs = Array.from({ length: 60 }, () => randomValues(rand, n, -0.25, 2));
    const uninterrupted = new AdaptiveThresholdLIFNeuron(options);
    xs.slice(0, 30).forEach((x) => uninterrupted.forward(x));
    const bytes = uninterrupted.saveState();
    const theta = Float32Array.from(uninterrupted.theta);
    expect(theta.some((v) => v > 0)).toBe(true);
    const restored = new AdaptiveThresholdLIFNeuron(options);
    restored.loadState(bytes);
    expectIdentical(restored.theta, theta, 'restored theta');
    const loaded = spiking.loadLayer(bytes);
    expect(loaded).toBeInstanceOf(AdaptiveThresholdLIFNeuron);
    xs.slice(30).forEach((x) => {
      uninterrupted.forward(x);
      restored.forward(x);
      loaded.forward(x);
    });
    expectSameNeuronState(restored, uninterrupted, 'restored');
    expectSameNeuronState(loaded as AdaptiveThresholdLIFNeuron, uninterrupted, 'loaded');
    const other = new AdaptiveThresholdLIFNeuron({ ...options, thetaPlus: 0.5 });
    expect(() => other.loadState(bytes)).toThrow(/options\.thetaPlus/);
  });

  const network = (): spiking.Network => {
    const batch = 2, inF = 30, outF = 13, dt = 0.5;
    const net = new spiking.Network();
    net.addLayer('in', new spiking.Input({ cellsShape: [batch, inF], dt, alphaT: 1, tauT: 0.5 }), {
      source: new spiking.PoissonEncoder({ cellsShape: [batch, inF], rates: 200, dt, seed: 4 }),
    });
    net.addLayer('exc', new AdaptiveThresholdLIFNeuron({ ...base, cellsShape: [batch, outF], dt, thresh: 0.5, thetaPlus: 0.05, tauTheta: 0.999, tauV: 0.9, durationRefrac: 1 }));
    net.connect('in', 'exc', new spiking.Linear({ inFeatures: inF, outFeatures: outF, batchSize: batch, dt, weight: { init: 'uniform', low: 0, high: 0.1, seed: 2 } }));
    net.connect('exc', 'exc', new spiking.Linear({ inFeatures: outF, outFeatures: outF, batchSize: batch, dt, weight: { init: 'constant', value: -0.2 } }));
    return net;
  };

  test('the network engine steps it natively, records theta, and equals stepping in JavaScript', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-theta-'));
    const engine = network();
    const stepped = network();
    const layer = stepped.layer('exc');
    layer.forward = layer.forward; // an own forward: stepped in JavaScript
    expect(engine.engine).toBe('native');
    expect(stepped.engine).not.toBe('native');
    const files = ['engine', 'stepped'].map((tag) => path.join(dir, `${tag}-theta.npy`));
    engine.run(200, { recorders: [new spiking.StateRecorder({ layer: 'exc', variable: 'theta', file: files[0] })] });
    stepped.run(200, { recorders: [new spiking.StateRecorder({ layer: 'exc', variable: 'theta', file: files[1] })] });
    expect(Buffer.from(engine.saveState()).equals(Buffer.from(stepped.saveState()))).toBe(true);
    const [a, b] = files.map((f) => spiking.readNpy(f));
    expect(a.shape).toEqual([200, 2, 13]);
    expectIdentical(a.data as Float32Array, b.data as Float32Array, 'recorded theta');
    expect((engine.layer('exc') as AdaptiveThresholdLIFNeuron).theta.some((v) => v > 0)).toBe(true);
    expect(() => engine.run(1, { recorders: [new spiking.StateRecorder({ layer: 'in', variable: 'theta', file: files[0] })] })).toThrow('Expected one of trace for variable of the recording of layer "in" but received string "theta"');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('AdaptiveThresholdLIFNeuron in experiment files', () => {
  const examples = path.join(__dirname, '..', 'examples');
  const experiment = (change: (hidden: Record<string, unknown>) => void): string => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-theta-cli-'));
    const e = JSON.parse(fs.readFileSync(path.join(examples, 'feedforward.json'), 'utf8'));
    fs.mkdirSync(path.join(work, 'data'));
    fs.copyFileSync(path.join(examples, 'data', 'digits.npy'), path.join(work, 'data', 'digits.npy'));
    const hidden = e.layers[1];
    hidden.kind = 'AdaptiveThresholdLIFNeuron';
    hidden.thetaPlus = 0.05;
    hidden.tauTheta = 0.999;
    change(hidden);
    e.steps = 60;
    e.record = [{ layer: 'hidden', variable: 'theta', samples: [0], every: 2 }];
    delete e.plot;
    const file = path.join(work, 'exp.json');
    fs.writeFileSync(file, JSON.stringify(e));
    return file;
  };
  const run = async (file: string) => {
    const { code, err } = await cli(['run', file, '--out', path.join(path.dirname(file), 'out')]);
    return { code, err };
  };

  test('runs from the schema, records theta', async () => {
    const file = experiment(() => {});
    expect(await run(file)).toEqual({ code: 0, err: '' });
    const out = path.join(path.dirname(file), 'out');
    const recorded = fs.readdirSync(out).filter((f) => f.includes('theta'));
    expect(recorded).toHaveLength(1);
    const theta = spiking.readNpy(path.join(out, recorded[0]));
    expect(theta.shape).toEqual([30, 1, 100]);
    expect((theta.data as Float32Array).some((v) => v > 0)).toBe(true);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  test('a missing thetaPlus is named', async () => {
    const file = experiment((hidden) => delete hidden.thetaPlus);
    const { code, err } = await run(file);
    expect(code).toBe(1);
    expect(err).toMatch(/layers\[1\].*thetaPlus/);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
});
