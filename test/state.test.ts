// Saving and restoring layers: a restored layer continues bit for bit like
// one that never stopped; every truncation and every flipped byte is rejected
// with the target's state left as it was; the format is the documented one.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';

import * as spiking from '../lib';
import { layerRecord, restoreLayer } from '../lib/state/layer-record';
import { decodeRecord, encodeRecord, type StateRecord } from '../lib/state/codec';
import { writeFileAtomic, type FileCalls } from '../lib/state/files';
import {
  build,
  forward,
  forwardArgs,
  refracLeft,
  runArgs,
  sameBytes,
  stateBytes,
  stateDifference,
  stateOf,
  type AnyLayer,
  type LayerClass,
  type LayerConfig,
  type StepInput,
} from './arbitraries';

// ---- configurations: every class, update type, refractory setting and storeTrace ----

function config(cls: LayerClass, update: 'linear' | 'exponential', refrac: number, storeTrace: boolean, n = 37): LayerConfig {
  const perNeuron = (f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const exponential = update === 'exponential' || cls === 'FedeNeuron';
  const decay = exponential ? 3 : 0.8;
  const common = { cellsShape: [1, n], dt: 0.5 };
  const options: Record<string, unknown> =
    cls === 'Input'
      ? { ...common, alphaT: 0.7, tauT: perNeuron((i) => (exponential ? 2 + (i % 3) : 0.5 + (i % 4) / 10)), updateType: update }
      : {
          ...common,
          thresh: perNeuron((i) => 0.5 + (i % 5) / 10),
          vRest: -0.125,
          alphaV: 1,
          alphaT: perNeuron((i) => 1 - (i % 2) / 4),
          durationRefrac: refrac * 0.5,
          tauT: decay,
          storeTrace,
          ...(cls === 'FedeNeuron' ? {} : { updateType: update }),
          ...(cls === 'IFNeuron' ? {} : { tauV: exponential ? perNeuron((i) => 2 + (i % 3)) : 0.9 }),
          ...(cls === 'AdaptiveLIFNeuron' ? { alphaThresh: 0.25, tauThresh: exponential ? 5 : 0.95 } : {}),
        };
  return { cls, options, n };
}

const CONFIGS: [string, LayerConfig][] = [];
for (const update of ['linear', 'exponential'] as const) {
  CONFIGS.push([`Input ${update}`, config('Input', update, 0, false)]);
  for (const cls of ['IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron'] as const) {
    if (cls === 'FedeNeuron' && update === 'linear') continue;
    for (const refrac of [0, 3]) {
      for (const storeTrace of [false, true]) {
        CONFIGS.push([`${cls} ${update} refrac=${refrac} storeTrace=${storeTrace}`, config(cls, update, refrac, storeTrace)]);
      }
    }
  }
}

const step = (seed: number): StepInput => ({ widths: [2, 1], list: seed % 2 === 0, seed, mix: 'grid', backing: 'plain', bytes: seed % 3 === 0 });

type Restore = (layer: AnyLayer, config: LayerConfig, bytes: Uint8Array) => AnyLayer;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-state-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const RESTORES: [string, Restore][] = [
  [
    'loadState into a layer that ran other inputs',
    (_layer, config, bytes) => {
      const other = build(config);
      for (let t = 0; t < 4; t++) forward(other, forwardArgs(other, step(1000 + t)));
      other.loadState(bytes);
      return other;
    },
  ],
  ['Class.fromState', (layer, _config, bytes) => (layer.constructor as typeof spiking.LIFNeuron).fromState(bytes) as AnyLayer],
  ['loadLayer', (_layer, _config, bytes) => spiking.loadLayer(bytes) as AnyLayer],
  [
    'saveStateFile, loadLayerFile',
    (layer, _config, _bytes) => {
      const file = path.join(dir, `${layer.constructor.name}.state`);
      layer.saveStateFile(file);
      return spiking.loadLayerFile(file) as AnyLayer;
    },
  ],
  [
    'saveStateFile, loadStateFile',
    (layer, config, _bytes) => {
      const file = path.join(dir, `${layer.constructor.name}-2.state`);
      layer.saveStateFile(file);
      const other = build(config);
      other.loadStateFile(file);
      return other;
    },
  ],
];

describe.each(CONFIGS)('%s', (_name, cfg) => {
  test.each(RESTORES)('save, %s, continue: bit for bit the uninterrupted run', (_how, restore) => {
    const steps = Array.from({ length: 16 }, (_, t) => step(t));
    const uninterrupted = build(cfg);
    const before = steps.slice(0, 7);
    const after = steps.slice(7);
    for (const s of before) forward(uninterrupted, forwardArgs(uninterrupted, s));
    const bytes = uninterrupted.saveState();
    const atSave = stateOf(uninterrupted);
    if (!(uninterrupted instanceof spiking.Input)) {
      // The inputs drive the layer hard enough that the save lands mid-refractory and after spikes.
      expect(uninterrupted.spikes.some((s) => s === 1) || (atSave.trace as Float32Array).some((t) => t !== 0)).toBe(true);
      if (uninterrupted.refracSteps > 0) expect(refracLeft(uninterrupted).some((left) => left > 0)).toBe(true);
    }
    const restored = restore(uninterrupted, cfg, bytes);
    expect(restored.constructor).toBe(uninterrupted.constructor);
    expect(restored).not.toBe(uninterrupted);
    expect(stateDifference(stateOf(restored), atSave)).toBeNull();
    for (const s of after) {
      forward(uninterrupted, forwardArgs(uninterrupted, s));
      forward(restored, forwardArgs(restored, s));
      expect(stateDifference(stateOf(restored), stateOf(uninterrupted))).toBeNull();
    }
    if (!(uninterrupted instanceof spiking.Input) && uninterrupted.storeTrace) {
      expect((restored as spiking.LIFNeuron).completeTrace!.shape).toEqual([1, cfg.n, steps.length + 1]);
    }
  });
});

// ---- rejection: truncation, flipped bytes, wrong version, class, shape, options ----

const SMALL: [LayerClass, LayerConfig][] = (['Input', 'IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron'] as const).map(
  (cls) => [cls, config(cls, 'exponential', 2, true, 3)],
);

/** A layer of cfg that ran `seed`-driven steps, and its saved bytes. */
function ranAndSaved(cfg: LayerConfig, seed: number, steps = 4): [AnyLayer, Uint8Array] {
  const layer = build(cfg);
  for (let t = 0; t < steps; t++) forward(layer, forwardArgs(layer, step(seed + t)));
  return [layer, layer.saveState()];
}

/** Loading `bytes` into `layer` must throw an Error matching `message` and leave every state bit as it was. */
function expectRejectedLoad(layer: AnyLayer, bytes: Uint8Array, message: RegExp, what: string): void {
  const before = stateBytes(layer);
  let error: unknown = null;
  try {
    layer.loadState(bytes);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof Error) || !message.test(error.message)) {
    throw new Error(`${what}: expected an Error matching ${message}, got ${String(error)}`);
  }
  if (!sameBytes(before, stateBytes(layer))) throw new Error(`${what}: the rejected load changed the state`);
}

/** The same record, re-encoded with a valid length and CRC, after `change`. */
function reencoded(bytes: Uint8Array, change: (record: StateRecord) => void): Uint8Array {
  const record = decodeRecord(bytes);
  change(record);
  return encodeRecord(record);
}

function withCrc(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

describe.each(SMALL)('%s: rejected data leaves the state intact', (_cls, cfg) => {
  test('every truncation length', () => {
    const [, bytes] = ranAndSaved(cfg, 1);
    const [target] = ranAndSaved(cfg, 50);
    expect(bytes.length).toBeGreaterThan(200);
    for (let length = 0; length < bytes.length; length++) {
      expectRejectedLoad(target, bytes.subarray(0, length), /^Expected .* for the saved state's (length|magic)/, `truncated to ${length}`);
    }
    expect(() => spiking.loadLayer(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
    target.loadState(bytes); // the whole is fine
    expect(sameBytes(stateBytes(target), stateBytes(build(cfg)))).toBe(false);
  });

  test('a flipped byte at every position', () => {
    const [, bytes] = ranAndSaved(cfg, 2);
    const [target] = ranAndSaved(cfg, 60);
    for (let at = 0; at < bytes.length; at++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const bad = bytes.slice();
        bad[at] ^= mask;
        expectRejectedLoad(target, bad, /^Expected .* for the saved state's (magic|format version|length|CRC-32)/, `byte ${at} ^ ${mask}`);
      }
    }
    const bad = bytes.slice();
    bad[bytes.length >> 1] ^= 4;
    expect(() => spiking.loadLayer(bad)).toThrow(/the bytes are corrupt/);
    expect(() => (target.constructor as typeof spiking.LIFNeuron).fromState(bad)).toThrow(/the bytes are corrupt/);
  });
});

describe('rejection with a clear error', () => {
  const lifConfig = config('LIFNeuron', 'linear', 2, true, 5);
  const [lif, lifBytes] = ranAndSaved(lifConfig, 3);

  test('another format version (the CRC right)', () => {
    const v2 = lifBytes.slice();
    new DataView(v2.buffer).setUint16(4, 2, true);
    expectRejectedLoad(build(lifConfig), withCrc(v2), /^Expected version 1 \(this library's\) for the saved state's format version but received 2$/, 'v2');
    expect(() => spiking.loadLayer(withCrc(v2))).toThrow(/format version/);
  });

  test('not a saved state at all', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...new Uint8Array(40)]);
    expectRejectedLoad(build(lifConfig), png, /^Expected "SPKS" \(a spiking saved state\) for the saved state's magic but received bytes 89 50 4e 47$/, 'png');
  });

  test('another class', () => {
    const [, ifBytes] = ranAndSaved(config('IFNeuron', 'linear', 2, true, 5), 3);
    expectRejectedLoad(build(lifConfig), ifBytes, /^Expected a LIFNeuron \(this layer's class\) for the saved state's class but received "IFNeuron"$/, 'IF into LIF');
    expect(() => spiking.AdaptiveLIFNeuron.fromState(lifBytes)).toThrow(/^Expected an AdaptiveLIFNeuron for the saved state's class but received "LIFNeuron"$/);
    expect(() => spiking.Input.fromState(lifBytes)).toThrow(/^Expected an Input for the saved state's class/);
  });

  test('another shape, even with as many neurons', () => {
    const other = build({ ...lifConfig, options: { ...lifConfig.options, cellsShape: [5, 1] } });
    expectRejectedLoad(other, lifBytes, /^Expected \[5, 1\] \(this layer's\) for the saved state's options\.cellsShape but received \[1, 5\]$/, 'shape');
    const bigger = build(config('LIFNeuron', 'linear', 2, true, 6));
    expectRejectedLoad(bigger, lifBytes, /options\.cellsShape but received \[1, 5\]$/, 'size');
  });

  test('other options: a per-neuron value, a scalar, the update type, storeTrace, the refractory period, dt as given', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ thresh: Float32Array.of(0.5, 0.6, 0.7, 0.8, 0.75) }, /^Expected 0\.75 \(this layer's\) for the saved state's options\.thresh\[4\] but received 0\.8999999761581421$/],
      [{ thresh: 0.5 }, /^Expected 0\.5 \(this layer's\) for the saved state's options\.thresh but received a float32 array of 5$/],
      [{ tauV: 0.75 }, /options\.tauV but received 0\.8999999761581421$/],
      [{ updateType: 'exponential', tauV: 2, tauT: 2 }, /^Expected text "exponential" \(this layer's\) for the saved state's options\.updateType but received text "linear"$/],
      [{ storeTrace: false }, /^Expected \[?0\]? \(this layer's\) for the saved state's options\.storeTrace but received a uint8 array of 1$|options\.storeTrace/],
      [{ durationRefrac: 0.5 }, /options\.durationRefrac but received 1$/],
      [{ dt: Math.fround(0.5) + 2 ** -20, durationRefrac: 2 * (Math.fround(0.5) + 2 ** -20) }, /options\.dt but received 0\.5$/],
    ];
    for (const [change, message] of cases) {
      expectRejectedLoad(build({ ...lifConfig, options: { ...lifConfig.options, ...change } }), lifBytes, message, JSON.stringify(change));
    }
  });

  test('well-formed records with missing, extra, mistyped or mis-sized fields (the CRC right)', () => {
    const target = build(lifConfig);
    const cases: [(r: StateRecord) => void, RegExp][] = [
      [(r) => r.fields.delete('refracLeft'), /^Expected a float32 array field for the saved state's refracLeft but received none/],
      [(r) => r.fields.set('extra', 'x'), /^Expected one of the fields options, spikes, .* for the saved state's extra but received an unknown field "extra"$/],
      [(r) => r.fields.set('vCell', new Float64Array(5)), /^Expected a float32 array field for the saved state's vCell but received a float64 array field$/],
      [(r) => r.fields.set('trace', new Float32Array(4)), /^Expected 5 values \(one per neuron\) for the saved state's trace but received 4$/],
      [(r) => r.fields.set('spikes', new Uint8Array(6)), /^Expected 5 values \(one per neuron\) for the saved state's spikes but received 6$/],
      [(r) => r.fields.set('history', new Uint8Array(12)), /^Expected a whole number of steps of 5 neurons for the saved state's history but received 12 bytes$/],
      [(r) => r.fields.delete('history'), /^Expected a uint8 array field for the saved state's history but received none/],
      [(r) => (r.fields.get('options') as StateRecord).fields.set('storeTrace', Uint8Array.of(2)), /^Expected one uint8 that is 0 or 1 for the saved state's options\.storeTrace but received a uint8 array of 1$/],
      [(r) => (r.fields.get('options') as StateRecord).fields.set('vRest', Float64Array.of(0, 1)), /^Expected one float64 value for the saved state's options\.vRest but received \[0, 1\]$/],
      [(r) => (r.fields.get('options') as StateRecord).fields.set('tauX', Float64Array.of(1)), /^Expected one of the fields cellsShape, .* for the saved state's options\.tauX but received an unknown field "tauX"$/],
      [(r) => ((r.fields.get('options') as StateRecord).kind = 'opts'), /^Expected a record of kind "options" for the saved state's options but received "opts"$/],
      [(r) => r.fields.set('options', 'none'), /^Expected a nested record field for the saved state's options but received UTF-8 text field$/],
    ];
    for (const [change, message] of cases) expectRejectedLoad(target, reencoded(lifBytes, change), message, String(change));
  });

  test('invalid saved options are named when rebuilding from bytes alone', () => {
    const bad = reencoded(lifBytes, (r) => (r.fields.get('options') as StateRecord).fields.set('tauV', Float64Array.of(2)));
    expect(() => spiking.loadLayer(bad)).toThrow(
      /^The saved state's options are not valid LIFNeuron options: Expected a decay factor in \[0, 1\] for linear updates for tauV but received number 2$/,
    );
    const missing = reencoded(lifBytes, (r) => (r.fields.get('options') as StateRecord).fields.delete('tauT'));
    expect(() => spiking.LIFNeuron.fromState(missing)).toThrow(/not valid LIFNeuron options: Expected a value \(LIFNeuron requires tauT\) for tauT/);
    const unknown = reencoded(lifBytes, (r) => (r.kind = 'Synapse'));
    expect(() => spiking.loadLayer(unknown)).toThrow(/^Expected one of .*LIFNeuron.* for the saved state's class but received "Synapse"$/);
  });

  test('a duplicated field name, a bad type code and trailing bytes', () => {
    const twice = encodeRecord({ kind: 'LIFNeuron', fields: new Map([['aa', 'x'], ['ab', 'y']]) });
    const at = twice.indexOf(0x62, 20); // the "b" of "ab"
    twice[at] = 0x61;
    expect(() => decodeRecord(withCrc(twice))).toThrow(/^Expected one field of that name for the saved state's aa but received two$/);
    const typed = encodeRecord({ kind: 'LIFNeuron', fields: new Map([['aa', 'x']]) });
    typed[typed.indexOf(0x61, 20) + 2] = 9;
    expect(() => decodeRecord(withCrc(typed))).toThrow(/^Expected a type code from 1 to 5 for the saved state's aa type but received 9$/);
    const longer = encodeRecord({ kind: 'LIFNeuron', fields: new Map([['aa', 'x']]) });
    const padded = new Uint8Array(longer.length + 3);
    padded.set(longer.subarray(0, longer.length - 4));
    new DataView(padded.buffer).setBigUint64(8, BigInt(padded.length), true);
    expect(() => decodeRecord(withCrc(padded))).toThrow(/^Expected the CRC right after the last field for the saved state's end but received more bytes$/);
  });

  test('arguments that are not bytes, and detached bytes', () => {
    const target = build(lifConfig);
    for (const bad of [null, undefined, 'SPKS', [1, 2], new ArrayBuffer(8), new Float32Array(4), new Uint16Array(8), {}]) {
      expect(() => target.loadState(bad as Uint8Array)).toThrow(TypeError);
      expect(() => target.loadState(bad as Uint8Array)).toThrow(/^Expected a Uint8Array \(or Buffer\) holding a saved state for bytes but received /);
    }
    const gone = lifBytes.slice();
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    expectRejectedLoad(target, gone, /^Expected at least 26 bytes \(truncated\?\) for the saved state's length but received 0 bytes$/, 'detached');
    expect(() => lif.saveStateFile(42 as unknown as string)).toThrow(/^Expected a non-empty file path string for path but received number 42$/);
    expect(() => lif.loadStateFile('' as string)).toThrow(TypeError);
  });

  test('a layer whose own state buffer was detached cannot be saved or loaded into', () => {
    const [victim] = ranAndSaved(lifConfig, 9);
    const buffer = victim.trace.buffer as ArrayBuffer;
    structuredClone(buffer, { transfer: [buffer] });
    expect(() => victim.saveState()).toThrow(/^Expected an ArrayBuffer holding the state for the layer's state buffer but received a detached one$/);
    expect(() => victim.loadState(lifBytes)).toThrow(/received a detached one$/);
  });
});

// ---- run() and runAsync() ---------------------------------------------------------

/** run() or runAsync() of `steps` steps of seeded inputs. */
function runOn(layer: AnyLayer, seed: number, steps: number, useAsync = false): unknown {
  const method = (useAsync ? layer.runAsync : layer.run) as (...a: unknown[]) => unknown;
  return method.apply(layer, [...runArgs(layer, step(seed), steps), { steps }]);
}

describe.each(SMALL)('%s: save and restore around run() and runAsync()', (_cls, cfg) => {
  test('a state saved after run() continues through run() and forward() bit for bit', async () => {
    const uninterrupted = build(cfg);
    forward(uninterrupted, forwardArgs(uninterrupted, step(1)));
    runOn(uninterrupted, 2, 5);
    await runOn(uninterrupted, 3, 2, true);
    const restored = spiking.loadLayer(uninterrupted.saveState()) as AnyLayer;
    for (const layer of [uninterrupted, restored]) {
      runOn(layer, 4, 3);
      forward(layer, forwardArgs(layer, step(5)));
    }
    expect(stateDifference(stateOf(restored), stateOf(uninterrupted))).toBeNull();
    if (!(restored instanceof spiking.Input)) expect(restored.completeTrace!.shape).toEqual([1, 3, 1 + 1 + 5 + 2 + 3 + 1]);
  });

  test('saveState and loadState refuse while runAsync holds the layer; afterwards the saved state has the run', async () => {
    const layer = build(cfg);
    const before = layer.saveState();
    const pending = runOn(layer, 6, 4, true) as Promise<unknown>;
    expect(() => layer.saveState()).toThrow(/^\w+\.saveState: the layer is busy with \w+\.runAsync; await it before using the layer$/);
    expect(() => layer.loadState(before)).toThrow(/\.loadState: the layer is busy with/);
    expect(() => layer.saveStateFile(path.join(dir, 'busy.state'))).toThrow(/busy/);
    expect(fs.existsSync(path.join(dir, 'busy.state'))).toBe(false);
    await pending;
    const after = build(cfg);
    runOn(after, 6, 4);
    expect(layer.saveState()).toEqual(after.saveState());
  });
});

// ---- the format itself -------------------------------------------------------------

describe('the format', () => {
  const [layer, bytes] = ranAndSaved(config('AdaptiveLIFNeuron', 'linear', 2, true, 4), 5);

  test('has the documented header and CRC, and the same state always gives the same bytes', () => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe('SPKS');
    expect(view.getUint16(4, true)).toBe(spiking.STATE_FORMAT_VERSION);
    expect(spiking.STATE_FORMAT_VERSION).toBe(1);
    expect(view.getUint16(6, true)).toBe(0);
    expect(view.getBigUint64(8, true)).toBe(BigInt(bytes.length));
    expect(bytes[16]).toBe('AdaptiveLIFNeuron'.length);
    expect(String.fromCharCode(...bytes.subarray(17, 17 + bytes[16]))).toBe('AdaptiveLIFNeuron');
    expect(view.getUint32(bytes.length - 4, true)).toBe(crc32(bytes.subarray(0, bytes.length - 4)));
    expect(layer.saveState()).toEqual(bytes);
  });

  test('holds every constructor option and every state array, the whole-step refractory counter and the history included', () => {
    const record = decodeRecord(bytes);
    expect(record.kind).toBe('AdaptiveLIFNeuron');
    expect([...record.fields.keys()]).toEqual(['options', 'spikes', 'trace', 'vCell', 'thresh', 'refracCounts', 'refracLeft', 'history']);
    const options = record.fields.get('options') as StateRecord;
    expect(options.kind).toBe('options');
    expect([...options.fields.keys()]).toEqual([
      'cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'storeTrace', 'tauT', 'updateType', 'tauV', 'alphaThresh', 'tauThresh',
    ]);
    expect(Array.from(options.fields.get('cellsShape') as Float64Array)).toEqual([1, 4]);
    expect(options.fields.get('thresh')).toEqual(Float32Array.of(0.5, 0.6, 0.7, 0.8));
    expect(Array.from(options.fields.get('dt') as Float64Array)).toEqual([0.5]);
    expect(options.fields.get('updateType')).toBe('linear');
    expect(Array.from(options.fields.get('storeTrace') as Uint8Array)).toEqual([1]);
    expect(record.fields.get('refracLeft')).toEqual(refracLeft(layer));
    expect(record.fields.get('thresh')).toEqual((layer as spiking.AdaptiveLIFNeuron).thresh);
    expect((record.fields.get('history') as Uint8Array).length).toBe(4 * 4);
  });

  test('accepts a Buffer, a subarray at an offset and SharedArrayBuffer-backed bytes', () => {
    const target = build(config('AdaptiveLIFNeuron', 'linear', 2, true, 4));
    target.loadState(Buffer.from(bytes));
    expect(stateDifference(stateOf(target), stateOf(layer))).toBeNull();
    const big = new Uint8Array(bytes.length + 13);
    big.set(bytes, 7);
    const fresh = build(config('AdaptiveLIFNeuron', 'linear', 2, true, 4));
    fresh.loadState(big.subarray(7, 7 + bytes.length));
    expect(stateDifference(stateOf(fresh), stateOf(layer))).toBeNull();
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    expect(stateDifference(stateOf(spiking.loadLayer(shared) as AnyLayer), stateOf(layer))).toBeNull();
  });

  test('nests layer records, as a Network will', () => {
    const input = build(config('Input', 'linear', 0, false, 4));
    forward(input, forwardArgs(input, step(1)));
    const network = encodeRecord({
      kind: 'Network',
      fields: new Map<string, StateRecord | Float64Array>([
        ['layer.input', layerRecord(input)],
        ['layer.hidden', layerRecord(layer)],
        ['steps', Float64Array.of(4)],
      ]),
    });
    const decoded = decodeRecord(network);
    expect(decoded.kind).toBe('Network');
    const hidden = build(config('AdaptiveLIFNeuron', 'linear', 2, true, 4));
    restoreLayer(hidden, decoded.fields.get('layer.hidden') as StateRecord);
    expect(stateDifference(stateOf(hidden), stateOf(layer))).toBeNull();
    const input2 = build(config('Input', 'linear', 0, false, 4));
    restoreLayer(input2, decoded.fields.get('layer.input') as StateRecord);
    expect(stateDifference(stateOf(input2), stateOf(input))).toBeNull();
    // A nested layer record is a complete state on its own, and a corrupt one is caught by the outer CRC.
    expect(stateOf(spiking.loadLayer(encodeRecord(decoded.fields.get('layer.input') as StateRecord)) as AnyLayer)).toEqual(stateOf(input));
    const bad = network.slice();
    bad[200] ^= 1;
    expect(() => decodeRecord(bad)).toThrow(/the bytes are corrupt/);
  });

  test('a library subclass saves as its library class and is rebuilt by its own constructor', () => {
    class Quiet extends spiking.LIFNeuron {}
    const cfg = config('LIFNeuron', 'linear', 2, true, 4);
    const quiet = new Quiet(cfg.options as unknown as spiking.LIFNeuronOptions);
    forward(quiet as AnyLayer, forwardArgs(quiet as AnyLayer, step(2)));
    const saved = quiet.saveState();
    expect(decodeRecord(saved).kind).toBe('LIFNeuron');
    const again = Quiet.fromState(saved);
    expect(again).toBeInstanceOf(Quiet);
    expect(stateDifference(stateOf(again), stateOf(quiet))).toBeNull();
    expect(spiking.loadLayer(saved).constructor).toBe(spiking.LIFNeuron);
  });

  test('the base classes save and restore too', () => {
    const base = new spiking.BaseNeuron({ cellsShape: [3], thresh: 1, vRest: 0.25, dt: 1, durationRefrac: 0, storeTrace: true });
    base.vCell[1] = 0.75;
    const rebuilt = spiking.loadLayer(base.saveState());
    expect(rebuilt.constructor).toBe(spiking.BaseNeuron);
    expect(Array.from((rebuilt as spiking.BaseNeuron).vCell)).toEqual([0.25, 0.75, 0.25]);
    const input = new spiking.BaseInput({ cellsShape: [2], dt: 1 });
    input.trace[0] = 3;
    expect(Array.from((spiking.BaseInput.fromState(input.saveState()) as spiking.BaseInput).trace)).toEqual([3, 0]);
  });
});

describe('files', () => {
  const [layer, bytes] = ranAndSaved(config('FedeNeuron', 'exponential', 2, true, 6), 8);

  /** The real file calls, logged, with one of them made to fail if asked. */
  function watched(log: string[], failing?: keyof FileCalls): FileCalls {
    const names: (keyof FileCalls)[] = ['openSync', 'writeSync', 'fsyncSync', 'closeSync', 'renameSync', 'rmSync'];
    return Object.fromEntries(
      names.map((name) => [
        name,
        (...args: unknown[]) => {
          log.push(`${name} ${typeof args[0] === 'string' ? path.relative(dir, args[0]) : 'fd'}`);
          if (name === failing) throw new Error(`${name} failed (disk full)`);
          return (fs[name] as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    ) as unknown as FileCalls;
  }

  test('saveStateFile writes atomically: a temporary file in the same directory, fsync, rename, fsync of the directory', () => {
    const file = path.join(dir, 'fede.state');
    fs.writeFileSync(file, 'the old content');
    const log: string[] = [];
    writeFileAtomic(file, bytes, watched(log));
    const temporary = log[0].slice('openSync '.length);
    expect(temporary).toMatch(/^\.fede\.state\.\d+\.[0-9a-f]{12}\.tmp$/); // same directory, hidden, unique
    expect(log).toEqual([
      `openSync ${temporary}`,
      'writeSync fd',
      'fsyncSync fd',
      'closeSync fd',
      `renameSync ${temporary}`,
      'openSync ', // the directory
      'fsyncSync fd',
      'closeSync fd',
    ]);
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(bytes);
    layer.saveStateFile(file); // the method writes the same bytes, the same way
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(layer.saveState());
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test.each(['writeSync', 'fsyncSync', 'renameSync'] as const)('a failing %s leaves the old file as it was and no temporary file', (failing) => {
    const kept = path.join(dir, 'kept.state');
    fs.writeFileSync(kept, bytes);
    const log: string[] = [];
    const other = build(config('FedeNeuron', 'exponential', 2, true, 6)).saveState();
    expect(() => writeFileAtomic(kept, other, watched(log, failing))).toThrow(`${failing} failed (disk full)`);
    expect(log).toContain('closeSync fd');
    expect(log[log.length - 1]).toMatch(/^rmSync \..*\.tmp$/);
    expect(new Uint8Array(fs.readFileSync(kept))).toEqual(bytes);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  test('saving onto a directory or into a missing one throws and leaves no temporary file', () => {
    const target = path.join(dir, 'a-directory');
    fs.mkdirSync(target, { recursive: true });
    expect(() => layer.saveStateFile(target)).toThrow(/EISDIR|EEXIST|ENOTEMPTY|directory/i);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(() => layer.saveStateFile(path.join(dir, 'missing', 'x.state'))).toThrow(/ENOENT/);
  });

  test('a failed save names the file asked for and why, never the temporary file', () => {
    const missing = path.join(dir, 'run', 'lif.state');
    expect(() => layer.saveStateFile(missing)).toThrow(new Error(`Cannot write ${missing}: the folder ${path.join(dir, 'run')} does not exist (ENOENT)`));
    const onto = path.join(dir, 'a-folder');
    fs.mkdirSync(onto, { recursive: true });
    expect(() => layer.saveStateFile(onto)).toThrow(new Error(`Cannot write ${onto}: it is a folder (EISDIR)`));
    try {
      layer.saveStateFile(missing);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOENT');
      expect((e as Error).message).not.toMatch(/\.tmp/);
    }
  });

  test('loadStateFile and loadLayerFile reject a missing or corrupt file', () => {
    expect(() => layer.loadStateFile(path.join(dir, 'nope.state'))).toThrow(/ENOENT/);
    const file = path.join(dir, 'corrupt.state');
    const bad = bytes.slice();
    bad[100] ^= 0x10;
    fs.writeFileSync(file, bad);
    const before = stateBytes(layer);
    expect(() => layer.loadStateFile(file)).toThrow(/the bytes are corrupt/);
    expect(() => spiking.loadLayerFile(file)).toThrow(/the bytes are corrupt/);
    expect(sameBytes(before, stateBytes(layer))).toBe(true);
  });
});
