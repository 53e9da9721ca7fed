// Networks: exact rasters for constant drive through constant weights, the
// one-step latency of feedback edges, delays in a graph, Fede targets,
// per-sample resets, and recording streamed to .npy files read back.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  AdaptiveLIFNeuron,
  FedeNeuron,
  IFNeuron,
  Input,
  instructionSets,
  LIFNeuron,
  Linear,
  Network,
  NpyStream,
  PoissonEncoder,
  readNpy,
  SpikeBitsRecorder,
  setInstructionSet,
  SpikeEventRecorder,
  StateRecorder,
} from '../lib';

const steps = (raster: number[][], neuron: number): number[] => raster.flatMap((row, t) => (row[neuron] ? [t] : []));

/** An input layer of `n` neurons that spike at every step (rate 1000 Hz at dt 1 ms: p = 1). */
function alwaysOn(batch: number, n: number): [Input, PoissonEncoder] {
  return [
    new Input({ cellsShape: [batch, n], dt: 1, alphaT: 1, tauT: 0.5 }),
    new PoissonEncoder({ cellsShape: [batch, n], rates: 1000, dt: 1, seed: 0 }),
  ];
}

const ifOptions = { thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauT: 0.5 };

function constantNet(delay: number): Network {
  const [input, source] = alwaysOn(1, 2);
  const net = new Network();
  net.addLayer('input', input, { source });
  net.addLayer('hidden', new IFNeuron({ cellsShape: [1, 3], ...ifOptions }));
  // Currents 0.5, 0.25 and 1 per step: IF neurons at threshold 1 fire every 2, 4 and 1 steps.
  const weight = { init: 'values' as const, values: [0.25, 0.25, 0.125, 0.125, 0.5, 0.5] };
  net.connect('input', 'hidden', new Linear({ inFeatures: 2, outFeatures: 3, batchSize: 1, dt: 1, delay, weight }));
  return net;
}

function raster(net: Network, layer: string, count: number): number[][] {
  const rows: number[][] = [];
  for (let t = 0; t < count; t++) {
    net.step();
    rows.push(Array.from(net.layer(layer).spikes));
  }
  return rows;
}

describe('Network', () => {
  test('layer(name, Class) returns the layer when it is of that class, and throws naming both classes when not', () => {
    const net = constantNet(0);
    const hidden: IFNeuron = net.layer('hidden', IFNeuron);
    expect(hidden).toBe(net.layer('hidden'));
    expect(() => net.layer('hidden', LIFNeuron)).toThrow(new TypeError('Layer "hidden" is of class IFNeuron, not LIFNeuron'));
    expect(() => net.layer('input', IFNeuron)).toThrow(new TypeError('Layer "input" is of class Input, not IFNeuron'));
  });

  test('constant input through constant weights: the exact raster', () => {
    const r = raster(constantNet(0), 'hidden', 12);
    expect(steps(r, 0)).toEqual([1, 3, 5, 7, 9, 11]);
    expect(steps(r, 1)).toEqual([3, 7, 11]);
    expect(steps(r, 2)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  test('a delay of 2 steps shifts the whole raster by 2', () => {
    const r = raster(constantNet(2), 'hidden', 12);
    expect(steps(r, 0)).toEqual([3, 5, 7, 9, 11]);
    expect(steps(r, 1)).toEqual([5, 9]);
    expect(steps(r, 2)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  test('a feedback edge delivers the previous step\'s spikes (self-inhibition: one spike every 4 steps)', () => {
    const [input, source] = alwaysOn(1, 1);
    const net = new Network();
    net.addLayer('input', input, { source });
    net.addLayer('a', new IFNeuron({ cellsShape: [1, 1], ...ifOptions, thresh: 1 }));
    net.connect('input', 'a', new Linear({ inFeatures: 1, outFeatures: 1, batchSize: 1, dt: 1, weight: { init: 'constant', value: 0.5 } }));
    net.connect('a', 'a', new Linear({ inFeatures: 1, outFeatures: 1, batchSize: 1, dt: 1, weight: { init: 'constant', value: -1 } }));
    expect(net.connections.map((c) => [c.name, c.feedback])).toEqual([
      ['input_a', false],
      ['a_a', true],
    ]);
    // v: 0.5, 1 (spike, reset), -0.5 (0.5 - 1), 0, 0.5, 1 (spike), ...
    const v: number[] = [];
    const r: number[][] = [];
    for (let t = 0; t < 13; t++) {
      net.step();
      r.push(Array.from(net.layer('a').spikes));
      v.push((net.layer('a') as IFNeuron).vCell[0]);
    }
    expect(steps(r, 0)).toEqual([1, 5, 9]);
    expect(v.slice(0, 6)).toEqual([0.5, 0, -0.5, 0, 0.5, 0]);
  });

  test('a cycle across layers (PySNN cyclic example shape): out feeds hidden one step late', () => {
    const [input, source] = alwaysOn(1, 1);
    const net = new Network();
    net.addLayer('input', input, { source });
    net.addLayer('hidden', new IFNeuron({ cellsShape: [1, 1], ...ifOptions }));
    net.addLayer('out', new IFNeuron({ cellsShape: [1, 1], ...ifOptions }));
    const link = (value: number) => new Linear({ inFeatures: 1, outFeatures: 1, batchSize: 1, dt: 1, weight: { init: 'constant', value } });
    net.connect('input', 'hidden', link(0.5));
    net.connect('hidden', 'out', link(1));
    net.connect('out', 'hidden', link(0.5), 'back');
    expect(net.connections.find((c) => c.name === 'back')!.feedback).toBe(true);
    const hidden: number[][] = [];
    const out: number[][] = [];
    for (let t = 0; t < 8; t++) {
      net.step();
      hidden.push(Array.from(net.layer('hidden').spikes));
      out.push(Array.from(net.layer('out').spikes));
    }
    // hidden: 0.5, 1 (spike at 1); out spikes at 1 (same step, forward edge);
    // hidden at 2 gets 0.5 + 0.5 (out's spike of step 1) = 1: spikes; and so on every step.
    expect(steps(hidden, 0)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(steps(out, 0)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test('FedeNeuron targets get the difference of spikes and presynaptic trace, as PySNN folds it', () => {
    const make = () => {
      const input = new Input({ cellsShape: [2, 6], dt: 1, alphaT: 1, tauT: 5, updateType: 'exponential' });
      const source = new PoissonEncoder({ cellsShape: [2, 6], rates: 300, dt: 1, seed: 4 });
      const fede = new FedeNeuron({ cellsShape: [2, 10], thresh: 0.8, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 5, tauV: 5, tauT: 5 });
      const link = new Linear({ inFeatures: 6, outFeatures: 10, batchSize: 2, dt: 1, delay: 3, weight: { init: 'uniform', low: 0, high: 4, seed: 2 } });
      return { input, source, fede, link };
    };
    const a = make();
    const net = new Network();
    net.addLayer('input', a.input, { source: a.source });
    net.addLayer('fc1', a.fede);
    net.connect('input', 'fc1', a.link);
    // The same by hand, through PySNN's layouts: Linear.forward, then Fede's own fold.
    const b = make();
    const x = new Uint8Array(12);
    let fired = 0;
    for (let t = 0; t < 60; t++) {
      net.step();
      b.input.forward(b.source.encode(t, x));
      const pair = b.link.forward(b.input.spikes, b.input.trace);
      b.fede.forward(pair.x, pair.trace);
      expect(Array.from(a.fede.vCell)).toEqual(Array.from(b.fede.vCell));
      expect(Array.from(a.fede.spikes)).toEqual(Array.from(b.fede.spikes));
      fired += a.fede.spikes.reduce((s, v) => s + v, 0);
    }
    expect(fired).toBeGreaterThan(0);
  });

  test('resetState with a mask resets the chosen samples and keeps the others going', () => {
    const build = () => {
      const [input, source] = alwaysOn(2, 2);
      const net = new Network();
      net.addLayer('input', input, { source });
      net.addLayer('hidden', new LIFNeuron({ cellsShape: [2, 1], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.9, tauT: 0.8 }));
      net.connect('input', 'hidden', new Linear({ inFeatures: 2, outFeatures: 1, batchSize: 2, dt: 1, delay: 1, weight: { init: 'constant', value: 0.15 } }));
      return net;
    };
    const net = build();
    const reference = build();
    for (let t = 0; t < 4; t++) {
      net.step();
      reference.step();
    }
    const lif = net.layer('hidden') as LIFNeuron;
    const ref = reference.layer('hidden') as LIFNeuron;
    const before = Array.from(lif.vCell);
    expect(before[0]).not.toBe(0);
    net.resetState([true, false]);
    expect(Array.from(lif.vCell)).toEqual([0, before[1]]);
    expect(net.time).toBe(4);
    // Sample 1 carries on exactly as without the reset; sample 0 starts again (its spikes in flight dropped).
    const fresh = build();
    for (let t = 0; t < 10; t++) {
      net.step();
      reference.step();
      fresh.step();
      expect(lif.vCell[1]).toBe(ref.vCell[1]);
      expect(lif.vCell[0]).toBe((fresh.layer('hidden') as LIFNeuron).vCell[0]);
    }
    net.resetState();
    expect(net.time).toBe(0);
    expect(Array.from(lif.vCell)).toEqual([0, 0]);
  });

  test('shapes that do not fit are rejected, naming the connection, the field and the layer', () => {
    const [input, source] = alwaysOn(2, 4);
    const net = new Network();
    net.addLayer('input', input, { source });
    net.addLayer('hidden', new IFNeuron({ cellsShape: [2, 3], ...ifOptions }));
    expect(() => net.connect('input', 'hidden', new Linear({ inFeatures: 5, outFeatures: 3, batchSize: 2, dt: 1 }))).toThrow(
      'Expected 4 (neurons per sample of layer "input", cellsShape [2, 4]) for connection "input_hidden" inFeatures but received number 5',
    );
    expect(() => net.connect('input', 'hidden', new Linear({ inFeatures: 4, outFeatures: 3, batchSize: 1, dt: 1 }))).toThrow(
      /batchSize/,
    );
    expect(() => net.connect('input', 'nope', new Linear({ inFeatures: 4, outFeatures: 3, batchSize: 2, dt: 1 }))).toThrow(
      'No layer named "nope" in the network (layers: input, hidden)',
    );
    expect(() => net.connect('hidden', 'input', new Linear({ inFeatures: 3, outFeatures: 4, batchSize: 2, dt: 1 }))).toThrow(/input layers take spikes/);
    expect(() => net.addLayer('other', new IFNeuron({ cellsShape: [3, 3], ...ifOptions }))).toThrow(/cellsShape\[0\]/);
    expect(() => net.addLayer('input', new IFNeuron({ cellsShape: [2, 3], ...ifOptions }))).toThrow('A layer named "input" already exists');
  });
});

describe('recording', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-rec-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function poissonNet(): Network {
    const input = new Input({ cellsShape: [3, 20], dt: 1, alphaT: 1, tauT: 0.8 });
    const source = new PoissonEncoder({ cellsShape: [3, 20], rates: 150, dt: 1, seed: 11 });
    const net = new Network();
    net.addLayer('input', input, { source });
    net.addLayer('hidden', new LIFNeuron({ cellsShape: [3, 11], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.9, tauT: 0.8 }));
    net.connect('input', 'hidden', new Linear({ inFeatures: 20, outFeatures: 11, batchSize: 3, dt: 1, weight: { init: 'uniform', low: 0, high: 0.3, seed: 1 } }));
    return net;
  }

  test('events, bit-packed rows and sampled states are streamed to .npy files that read back to what happened', () => {
    const T = 101;
    const spikes: Uint8Array[] = [];
    const volts: Float32Array[] = [];
    const manual = poissonNet();
    for (let t = 0; t < T; t++) {
      manual.step();
      spikes.push(manual.layer('hidden').spikes.slice());
      volts.push((manual.layer('hidden') as LIFNeuron).vCell.slice());
    }
    const file = (name: string) => path.join(dir, name);
    const events = new SpikeEventRecorder('hidden', file('events.npy'));
    const bits = new SpikeBitsRecorder('hidden', file('bits.npy'));
    const state = new StateRecorder({ layer: 'hidden', variable: 'vCell', file: file('v.npy'), samples: [2, 0], neurons: [10, 3, 0], every: 7 });
    const result = poissonNet().run(T, { recorders: [events, bits, state] });

    const ev = readNpy(file('events.npy'));
    expect(ev.descr).toBe('<i4');
    const expected: number[] = [];
    spikes.forEach((row, t) => row.forEach((s, k) => s && expected.push(t, Math.floor(k / 11), k % 11)));
    expect(ev.shape).toEqual([expected.length / 3, 3]);
    expect(Array.from(ev.data)).toEqual(expected);
    expect(events.describe().shape).toEqual(ev.shape);
    expect(expected.length / 3).toBeGreaterThan(50);

    const bt = readNpy(file('bits.npy'));
    expect(bt.shape).toEqual([T, 3, 2]);
    spikes.forEach((row, t) => row.forEach((s, k) => {
      const b = Math.floor(k / 11);
      const i = k % 11;
      expect((bt.data[(t * 3 + b) * 2 + (i >> 3)] >> (i & 7)) & 1).toBe(s);
    }));

    const v = readNpy(file('v.npy'));
    expect(v.shape).toEqual([15, 2, 3]); // steps 0, 7, ..., 98
    for (let s = 0; s < 15; s++) {
      const want = [2, 0].flatMap((b) => [10, 3, 0].map((i) => volts[s * 7][b * 11 + i]));
      expect(Array.from(v.data.subarray(s * 6, s * 6 + 6))).toEqual(want);
    }

    const counts = Array.from(result.spikeCounts.hidden);
    expect(counts).toEqual([0, 1, 2].map((b) => spikes.reduce((a, row) => a + row.subarray(b * 11, b * 11 + 11).reduce((x, y) => x + y, 0), 0)));
    expect(result.steps).toBe(T);
  });

  test('a streamed file goes through a fixed buffer: rows that straddle flushes come back intact', () => {
    const file = path.join(dir, 'rows.npy');
    const stream = new NpyStream(file, '<i4', [3], 64); // 64-byte buffer, 12-byte rows
    const row = new Int32Array(3);
    for (let t = 0; t < 1000; t++) {
      row.set([t, -t, t * 7]);
      stream.append(row);
    }
    expect(stream.close()).toEqual([1000, 3]);
    const back = readNpy(file);
    expect(back.shape).toEqual([1000, 3]);
    expect(Array.from(back.data.subarray(2997))).toEqual([999, -999, 6993]);
    expect(Array.from(back.data).every((v, k) => v === [Math.floor(k / 3), -Math.floor(k / 3), Math.floor(k / 3) * 7][k % 3])).toBe(true);
  });

  test('a recorder of an unknown variable is rejected before any step runs', () => {
    const net = poissonNet();
    const bad = new StateRecorder({ layer: 'input', variable: 'vCell', file: path.join(dir, 'x.npy') });
    expect(() => net.run(5, { recorders: [bad] })).toThrow('Expected one of trace for variable of the recording of layer "input" but received string "vCell"');
    expect(net.time).toBe(0);
  });
});

describe('resetState with a per-sample mask on the neuron classes', () => {
  test('AdaptiveLIF resets voltage, trace, refractory count and threshold of the selected samples only', () => {
    const layer = new AdaptiveLIFNeuron({
      cellsShape: [3, 2], thresh: [0.5, 0.6, 0.7, 0.8, 0.9, 1.0], vRest: 0.1, alphaV: 1, alphaT: 1, dt: 1,
      durationRefrac: 2, tauV: 0.9, tauT: 0.8, alphaThresh: 0.5, tauThresh: 0.9,
    });
    const x = new Float32Array(6).fill(0.7);
    layer.forward(x);
    layer.forward(x);
    const snapshot = () => ({ v: Array.from(layer.vCell), tr: Array.from(layer.trace), th: Array.from(layer.thresh), rc: Array.from(layer.refracCounts) });
    const before = snapshot();
    layer.resetState([0, 1, 0]);
    const after = snapshot();
    const f = Math.fround;
    expect(after.v).toEqual([before.v[0], before.v[1], f(0.1), f(0.1), before.v[4], before.v[5]]);
    expect(after.th).toEqual([before.th[0], before.th[1], f(0.7), f(0.8), before.th[4], before.th[5]]);
    expect(after.tr).toEqual([before.tr[0], before.tr[1], 0, 0, before.tr[4], before.tr[5]]);
    expect(after.rc).toEqual([before.rc[0], before.rc[1], 0, 0, before.rc[4], before.rc[5]]);
    expect(before.tr[2]).not.toBe(0);
    expect(() => layer.resetState([1, 0])).toThrow('Expected one entry per sample (3), true to reset that sample for mask but received an array of length 2');
  });

  test('Input clears the trace of the selected samples; storeTrace history is kept by a masked reset', () => {
    const input = new Input({ cellsShape: [2, 2], dt: 1, alphaT: 1, tauT: 0.5 });
    input.forward(Uint8Array.of(1, 1, 1, 1));
    input.resetState([false, true]);
    expect(Array.from(input.trace)).toEqual([1, 1, 0, 0]);
    const lif = new LIFNeuron({ cellsShape: [2, 1], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 0, tauV: 0.5, tauT: 0.5, storeTrace: true });
    lif.forward(Float32Array.of(1, 1));
    lif.resetState([true, false]);
    expect(lif.completeTrace!.shape).toEqual([2, 1, 2]);
    lif.resetState();
    expect(lif.completeTrace!.shape).toEqual([2, 1, 1]);
  });
});

describe('the same network under every instruction set', () => {
  test('gives the same spikes and voltages, bit for bit, whatever the vector width', () => {
    const runUnder = (isa: string) => {
      setInstructionSet(isa);
      const input = new Input({ cellsShape: [5, 70], dt: 1, alphaT: 1, tauT: 0.8 });
      const net = new Network();
      net.addLayer('input', input, { source: new PoissonEncoder({ cellsShape: [5, 70], rates: 80, dt: 1, seed: 21 }) });
      net.addLayer('hidden', new LIFNeuron({ cellsShape: [5, 37], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.9, tauT: 0.8 }));
      net.addLayer('out', new FedeNeuron({ cellsShape: [5, 11], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 2, tauV: 5, tauT: 5 }));
      net.connect('input', 'hidden', new Linear({ inFeatures: 70, outFeatures: 37, batchSize: 5, dt: 1, delay: 1, weight: { init: 'normal', mean: 0.05, std: 0.1, seed: 1 } }));
      net.connect('hidden', 'out', new Linear({ inFeatures: 37, outFeatures: 11, batchSize: 5, dt: 1, weight: { init: 'uniform', low: 0, high: 3, seed: 1 } }));
      net.connect('out', 'hidden', new Linear({ inFeatures: 11, outFeatures: 37, batchSize: 5, dt: 1, delay: 2, weight: { init: 'normal', mean: -0.1, std: 0.2, seed: 4 } }));
      const trail: number[] = [];
      let spikes = 0;
      for (let t = 0; t < 150; t++) {
        net.step();
        for (const name of ['hidden', 'out']) {
          const layer = net.layer(name) as LIFNeuron;
          trail.push(...new Uint32Array(layer.vCell.buffer, layer.vCell.byteOffset, layer.vCell.length), ...layer.spikes);
          spikes += layer.spikes.reduce((a, v) => a + v, 0);
        }
      }
      return { trail, spikes };
    };
    const sets = instructionSets();
    const reference = runUnder(sets[sets.length - 1]);
    try {
      for (const isa of sets) expect(runUnder(isa).trail).toEqual(reference.trail);
    } finally {
      setInstructionSet(sets[0]);
    }
    expect(reference.spikes).toBeGreaterThan(100);
  });
});
