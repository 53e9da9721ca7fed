// Saving and restoring a whole Network: a network restored from a state saved
// mid-run (spikes in flight on delayed connections) continues bit for bit like
// one that never stopped; every truncation, every flipped byte, a wrong
// version and a different structure are rejected naming the field, with the
// network's state left exactly as it was.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { AdaptiveLIFNeuron, IFNeuron, Input, LIFNeuron, Linear, Network, PoissonEncoder } from '../lib';
import { decodeRecord, encodeRecord, type StateRecord } from '../lib/state/codec';

const batch = 2;
const lifOptions = { vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.9, tauT: 0.8 };

interface Variant {
  hiddenName?: string;
  hiddenClass?: 'LIF' | 'IF';
  hiddenSize?: number;
  inputDelay?: number;
  feedbackName?: string;
}

/**
 * Poisson input -> Linear (delay 3) -> LIF hidden (spike history kept) ->
 * AdaptiveLIF out, with feedback out -> hidden (per-synapse delays 0..2) and
 * hidden -> hidden (delay 1).
 */
function build(v: Variant = {}): Network {
  const hidden = v.hiddenName ?? 'hidden';
  const size = v.hiddenSize ?? 4;
  const net = new Network();
  net.addLayer('input', new Input({ cellsShape: [batch, 6], dt: 1, alphaT: 1, tauT: 0.5 }), {
    source: new PoissonEncoder({ cellsShape: [batch, 6], rates: 450, dt: 1, seed: 11 }),
  });
  const thresh = Float32Array.from({ length: batch * size }, (_, i) => 0.5 + (i % 3) / 10);
  net.addLayer(
    hidden,
    v.hiddenClass === 'IF'
      ? new IFNeuron({ cellsShape: [batch, size], thresh, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauT: 0.8 })
      : new LIFNeuron({ cellsShape: [batch, size], thresh, ...lifOptions, storeTrace: true }),
  );
  net.addLayer('out', new AdaptiveLIFNeuron({ cellsShape: [batch, 3], thresh: 0.7, ...lifOptions, alphaThresh: 0.5, tauThresh: 0.9 }));
  const uniform = (seed: number, low: number, high: number) => ({ init: 'uniform' as const, low, high, seed });
  net.connect('input', hidden, new Linear({ inFeatures: 6, outFeatures: size, batchSize: batch, dt: 1, delay: v.inputDelay ?? 3, weight: uniform(1, 0, 0.5) }));
  net.connect(hidden, 'out', new Linear({ inFeatures: size, outFeatures: 3, batchSize: batch, dt: 1, delay: 1, weight: uniform(2, 0, 0.8) }));
  const delays = Array.from({ length: size * 3 }, (_, k) => k % 3);
  net.connect('out', hidden, new Linear({ inFeatures: 3, outFeatures: size, batchSize: batch, dt: 1, delay: delays, weight: uniform(3, -0.6, 0.2) }), v.feedbackName);
  net.connect(hidden, hidden, new Linear({ inFeatures: size, outFeatures: size, batchSize: batch, dt: 1, delay: 1, weight: uniform(4, -0.3, 0.3) }));
  return net;
}

/** Steps the network, recording every layer's spikes and every neuron layer's vCell and trace after each step. */
function record(net: Network, steps: number): number[][] {
  const rows: number[][] = [];
  for (let t = 0; t < steps; t++) {
    net.step();
    for (const name of net.layerNames) {
      const layer = net.layer(name);
      rows.push(Array.from(layer.spikes), Array.from(layer.trace));
      if ('vCell' in layer) rows.push(Array.from(layer.vCell), Array.from(layer.thresh));
    }
  }
  return rows;
}

/** Float bits, so that -0 and 0 or two NaNs compare exactly. */
const bits = (rows: number[][]): string[] => rows.map((row) => Buffer.from(Float64Array.from(row).buffer).toString('hex'));

function nested(record: StateRecord, ...names: string[]): StateRecord {
  return names.reduce((r, name) => r.fields.get(name) as StateRecord, record);
}

/** The spikes still in flight on a connection of a saved network: the ring rows not yet delivered. */
function inFlight(bytes: Uint8Array, connection: string, delay: number): number {
  const link = nested(decodeRecord(bytes), 'connections', connection, 'link');
  const ring = link.fields.get('ring') as Uint8Array;
  const head = (link.fields.get('head') as Float64Array)[0];
  const rows = ring.length / (batch * 6);
  let count = 0;
  for (let lag = 0; lag < delay; lag++) {
    const row = (head + rows - lag) % rows;
    for (const s of ring.subarray(row * batch * 6, (row + 1) * batch * 6)) count += s;
  }
  return count;
}

const T1 = 9;
const T2 = 14;

describe('Network saveState / loadState', () => {
  test('a network restored mid-flight continues bit for bit: every recorded value and the final state', () => {
    const uninterrupted = build();
    record(uninterrupted, T1);
    const saved = uninterrupted.saveState();
    // Spikes sent in the last 3 steps are still travelling on the delay-3 connection.
    expect(inFlight(saved, 'input_hidden', 3)).toBeGreaterThan(0);
    expect(uninterrupted.time).toBe(T1);
    const expected = record(uninterrupted, T2);

    const restored = build();
    restored.loadState(saved);
    expect(restored.time).toBe(T1);
    const reloaded = restored.saveState();
    const continued = record(restored, T2);
    expect(bits(continued)).toEqual(bits(expected));
    expect(reloaded).toEqual(saved);
    expect(restored.saveState()).toEqual(uninterrupted.saveState());
    expect((restored.layer('hidden') as LIFNeuron).completeTrace).toEqual((uninterrupted.layer('hidden') as LIFNeuron).completeTrace);
    // The continued run spiked at all, and a network that was not restored differs.
    expect(continued.some((row) => row.some((v) => v === 1))).toBe(true);
    const fresh = build();
    expect(bits(record(fresh, T2))).not.toEqual(bits(expected));
  });

  test('the weights are restored with the state', () => {
    const source = build();
    record(source, 4);
    const weight = Float32Array.from({ length: 24 }, (_, k) => (k % 5) / 7);
    source.connections[0].connection.setWeight(weight);
    const saved = source.saveState();
    const target = build();
    target.loadState(saved);
    expect(target.connections[0].connection.weight).toEqual(weight);
    expect(bits(record(target, 6))).toEqual(bits(record(source, 6)));
  });

  test('saveStateFile / loadStateFile round trip (atomic write, no temporary file left)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-netstate-'));
    try {
      const net = build();
      record(net, T1);
      const file = path.join(dir, 'net.state');
      net.saveStateFile(file);
      expect(fs.readdirSync(dir)).toEqual(['net.state']);
      const restored = build();
      restored.loadStateFile(file);
      expect(bits(record(restored, 5))).toEqual(bits(record(net, 5)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('rejects bad bytes and leaves the network as it was', () => {
    const source = build();
    record(source, T1);
    const saved = source.saveState();
    const target = build();
    record(target, 3);
    const before = target.saveState();

    const rejects = (bytes: Uint8Array, message?: RegExp): void => {
      expect(() => target.loadState(bytes)).toThrow(message ?? /the saved state's/);
      expect(Buffer.compare(target.saveState(), before)).toBe(0);
    };

    test('every truncation', () => {
      for (let length = 0; length < saved.length; length++) rejects(saved.subarray(0, length));
    });

    test('a flipped byte at every position', () => {
      const bytes = saved.slice();
      for (let at = 0; at < bytes.length; at++) {
        bytes[at] ^= 0x5a;
        expect(() => target.loadState(bytes)).toThrow(/the saved state's/);
        bytes[at] ^= 0x5a;
      }
      expect(target.saveState()).toEqual(before);
    });

    test('a wrong format version', () => {
      const bytes = saved.slice();
      bytes[4] = 2;
      rejects(bytes, /^Expected version 1 \(this library's\) for the saved state's format version but received 2$/);
    });

    test('a layer record, not a network', () => {
      rejects(new LIFNeuron({ cellsShape: [batch, 4], thresh: 1, ...lifOptions }).saveState(), /for the saved state's kind but received "LIFNeuron"/);
      expect(() => target.loadState('bytes' as unknown as Uint8Array)).toThrow(TypeError);
    });

    test('a bad record of the last connection, checksums intact: no layer changes', () => {
      const record = decodeRecord(saved);
      const link = nested(record, 'connections', 'hidden_hidden', 'link');
      const ring = (link.fields.get('ring') as Uint8Array).slice();
      ring[1] = 2;
      link.fields.set('ring', ring);
      rejects(encodeRecord(record), /for the saved state's connections\.hidden_hidden\.link\.ring\[1\] but received 2$/);
      const head = decodeRecord(saved);
      nested(head, 'connections', 'input_hidden', 'link').fields.set('head', Float64Array.of(4));
      rejects(encodeRecord(head), /one whole number in \[0, 3\] \(a row of the ring\) for the saved state's connections\.input_hidden\.link\.head/);
    });

    test('a bad layer record, checksums intact: no layer changes', () => {
      const record = decodeRecord(saved);
      nested(record, 'layers', 'out').fields.set('vCell', new Float32Array(5));
      rejects(encodeRecord(record), /^Expected 6 values \(one per neuron\) for the saved state's layers\.out\.vCell but received 5$/);
    });

    test('a different structure, naming the field', () => {
      const other = (v: Variant) => build(v).saveState();
      rejects(other({ hiddenName: 'h' }), /"input", "hidden", "out" \(this network's, in order\) for the saved state's layers but received "input", "h", "out"/);
      rejects(other({ hiddenClass: 'IF' }), /for the saved state's layers\.hidden\.class but received "IFNeuron"/);
      rejects(other({ hiddenSize: 5 }), /for the saved state's layers\.hidden\.options\.cellsShape/);
      rejects(other({ inputDelay: 2 }), /^Expected 3 \(this connection's\) for the saved state's connections\.input_hidden\.link\.delay\[0\] but received 2$/);
      rejects(other({ feedbackName: 'back' }), /for the saved state's connections but received "input_hidden", "hidden_out", "back", "hidden_hidden"/);
      const shorter = new Network();
      shorter.addLayer('input', new Input({ cellsShape: [batch, 6], dt: 1, alphaT: 1, tauT: 0.5 }));
      rejects(shorter.saveState(), /for the saved state's layers but received "input"$/);
    });

    test('a connection whose ends differ', () => {
      const record = decodeRecord(saved);
      nested(record, 'connections', 'out_hidden').fields.set('from', 'input');
      rejects(encodeRecord(record), /^Expected layer "out" \(this network's\) for the saved state's connections\.out_hidden\.from but received "input"$/);
    });
  });

  test('saveState and loadState refuse while a layer is busy with runAsync, and change nothing', async () => {
    const net = build();
    record(net, 4);
    const saved = build().saveState();
    const before = net.saveState();
    const out = net.layer('out') as AdaptiveLIFNeuron;
    const pending = out.runAsync(new Float32Array(3 * out.size), { steps: 3 });
    expect(() => net.saveState()).toThrow(/^Layer "out": AdaptiveLIFNeuron\.saveState: the layer is busy with AdaptiveLIFNeuron\.runAsync/);
    expect(() => net.loadState(saved)).toThrow(/^Layer "out": AdaptiveLIFNeuron\.loadState: the layer is busy/);
    await pending;
    const after = decodeRecord(net.saveState());
    // Only the layer that ran has changed: the failed load touched nothing.
    const was = decodeRecord(before);
    for (const name of ['input', 'hidden']) {
      expect(encodeRecord(nested(after, 'layers', name))).toEqual(encodeRecord(nested(was, 'layers', name)));
    }
    expect(encodeRecord(nested(after, 'connections'))).toEqual(encodeRecord(nested(was, 'connections')));
  });
});
