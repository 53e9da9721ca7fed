// The raw binding, called with everything JS can hand it. lib/ validates
// first; these are the addon's own checks, the last line before a kernel
// dereferences anything. Every hostile call must throw a JS Error (never
// crash, never succeed on a header that would reach outside the buffer) and
// must leave the buffer untouched; every valid corner case must succeed.
// All of it under every instruction set this CPU runs.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

import * as spiking from '../lib';
import { native } from '../lib/binding';
import { rng } from './helpers';

const layout = native.layerLayout;
const S = layout.slots;
const ISAS = spiking.instructionSets();
const N = 37; // not a multiple of any vector width: full vectors and a tail

type Model = 'Input' | 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron';
const MODELS: Model[] = ['Input', 'IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron'];
type AnyLayer = spiking.Input | spiking.IFNeuron | spiking.LIFNeuron | spiking.AdaptiveLIFNeuron | spiking.FedeNeuron;

// ---- small tools --------------------------------------------------------------


const ramp = (n: number, lo: number, hi: number) => Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / n);

/** Per-neuron arrays for some parameters and scalars for others, so both kinds of header entry exist. */
function options(model: Model, n = N): Record<string, unknown> {
  const shape = [n];
  switch (model) {
    case 'Input':
      return { cellsShape: shape, dt: 1, alphaT: ramp(n, 0.5, 1), tauT: 0.5, updateType: 'linear' };
    case 'IFNeuron':
      return { cellsShape: shape, thresh: ramp(n, 0.5, 1.5), vRest: 0, alphaV: 1, alphaT: 0.5, dt: 1, durationRefrac: 2, tauT: ramp(n, 0.25, 0.75) };
    case 'LIFNeuron':
      return { ...options('IFNeuron', n), tauV: ramp(n, 0.5, 0.9), updateType: 'exponential', tauT: 2 };
    case 'AdaptiveLIFNeuron':
      return { ...options('IFNeuron', n), tauV: 0.75, alphaThresh: ramp(n, 0, 0.5), tauThresh: ramp(n, 0.5, 0.9) };
    case 'FedeNeuron':
      return { cellsShape: shape, thresh: 1, vRest: 0, alphaV: ramp(n, 1, 3), alphaT: 1, tauV: 2, tauT: ramp(n, 2, 5), dt: 1, durationRefrac: 1, storeTrace: false };
  }
}

function makeLayer(model: Model, n = N): AnyLayer {
  const Class = spiking[model] as unknown as new (o: unknown) => AnyLayer;
  return new Class(options(model, n));
}

function slabOf(layer: AnyLayer): ArrayBuffer {
  return (layer as unknown as { state: { buffer: ArrayBuffer } }).state.buffer;
}

const f32 = (length: number, fill = 0.5) => new Float32Array(length).fill(fill);

/** Valid arguments after the slab for a step of this model: x (width k), and preTrace for Fede. */
function validArgs(model: Model, n = N, k = 2): unknown[] {
  if (model === 'Input') return [Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? 0 : 0.5))];
  const x = Float32Array.from({ length: n * k }, (_, j) => ((j * 7) % 5) * 0.25);
  return model === 'FedeNeuron' ? [x, x.map((v) => v / 4)] : [x];
}

/** A slab with non-trivial state: a copy of a layer's after a few steps. */
function primedSlab(model: Model, n = N): ArrayBuffer {
  const layer = makeLayer(model, n);
  for (let t = 0; t < 3; t++) native.step(slabOf(layer), ...(validArgs(model, n) as [unknown]));
  return slabOf(layer).slice(0);
}

/** A copy of the buffer's bytes. */
function bytes(buffer: ArrayBuffer): ArrayBuffer {
  return buffer.slice(0);
}

function sameBytes(a: ArrayBuffer, b: ArrayBuffer): boolean {
  if (a.byteLength !== b.byteLength) return false;
  return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
}

/** What a call did: threw (and what), or returned. */
function attempt(fn: () => unknown): { threw: false } | { threw: true; tag: string; name: string; message: string } {
  try {
    fn();
    return { threw: false };
  } catch (error) {
    const e = error as Error;
    return { threw: true, tag: Object.prototype.toString.call(error), name: e?.name, message: e?.message };
  }
}

/**
 * The call must throw a TypeError or RangeError (checked by tag and name: the
 * addon's classes belong to Node's realm, not Jest's), optionally of that
 * name and message, and must leave the slab's bytes exactly as they were.
 */
function expectRejected(slab: ArrayBuffer | null, call: () => unknown, name?: 'TypeError' | 'RangeError', message?: RegExp): void {
  const before = slab && slab.byteLength > 0 ? bytes(slab) : null;
  const result = attempt(call);
  expect(result.threw).toBe(true);
  if (!result.threw) return;
  expect(result.tag).toBe('[object Error]');
  expect(['TypeError', 'RangeError']).toContain(result.name);
  if (name) expect(result.name).toBe(name);
  if (message) expect(result.message).toMatch(message);
  if (slab && before) expect(Buffer.compare(Buffer.from(slab), Buffer.from(before))).toBe(0);
}

function header(slab: ArrayBuffer): Float64Array {
  return new Float64Array(slab, 0, S.count);
}

/** The header slots a model's kernel reads arrays from, with their element size. */
function arraySlots(model: Model): [string, number, number][] {
  const slots: [string, number, number][] = [['trace', S.trace, 4], ['spikes', S.spikes, 1]];
  if (model !== 'Input') {
    slots.push(['vCell', S.vCell, 4], ['thresh', S.thresh, 4], ['refracCounts', S.refracCounts, 4], ['refracLeft', S.refracLeft, 4]);
  }
  layout.params.forEach((name, p) => slots.push([`${name} offset`, S.params + 2 * p + 1, 4]));
  return slots;
}

/**
 * Memory-safety oracle for a header the addon accepted: every array the
 * step touches lies inside the buffer, past the header, aligned; and the
 * scalars are the sane values lib writes.
 */
function headerProblems(slab: ArrayBuffer): string[] {
  const h = header(slab);
  const problems: string[] = [];
  const whole = (x: number) => Number.isFinite(x) && Math.floor(x) === x;
  if (h[S.magic] !== layout.magic) problems.push('magic');
  const model = h[S.model];
  if (!whole(model) || model < 0 || model > 4) return [...problems, `model ${model}`];
  if (!Object.values(layout.updates).includes(h[S.update])) problems.push(`update ${h[S.update]}`);
  const n = h[S.cells];
  if (!whole(n) || n < 1) return [...problems, `cells ${n}`];
  const dt = Math.fround(h[S.dt]);
  if (!Number.isFinite(dt) || !(dt > 0)) problems.push(`dt ${h[S.dt]}`);
  if (!Number.isFinite(Math.fround(h[S.vRest]))) problems.push(`vRest ${h[S.vRest]}`);
  const steps = h[S.refracSteps];
  if (!whole(steps) || steps < 0 || steps > layout.maxRefracSteps) problems.push(`refracSteps ${steps}`);
  const modelName = (Object.keys(layout.models) as Model[]).find((k) => layout.models[k] === model)!;
  const update = Object.keys(layout.updates).find((u) => layout.updates[u as 'linear'] === h[S.update]);
  if (update && !layout.updatesOf[modelName].includes(update as 'linear')) problems.push(`update ${update} for ${modelName}`);
  if (modelName === 'Input' && steps !== 0) problems.push(`refracSteps ${steps} for Input`);
  for (const [what, slot, size] of arraySlots(modelName)) {
    const offset = h[slot];
    if (what.endsWith('offset') && offset === -1) continue;
    if (!whole(offset) || offset < layout.headerBytes || offset % size !== 0 || offset + size * n > slab.byteLength) {
      problems.push(`${what} at ${offset} for ${n} neurons in ${slab.byteLength} bytes`);
    }
  }
  return problems;
}

// ---- the corruption table ----------------------------------------------------

interface Corruption {
  label: string;
  value: number;
}

function corruptions(model: Model, slot: string, slab: ArrayBuffer): Corruption[] {
  const h = header(slab);
  const size = slab.byteLength;
  const v = (label: string | number, value: number): Corruption => ({ label: String(label), value });
  const nonFinite = [v('NaN', NaN), v('Infinity', Infinity), v('-Infinity', -Infinity)];
  switch (slot) {
    case 'magic':
      return [v(0, 0), v('NaN', NaN), v('magic + 1', layout.magic + 1), v('-magic', -layout.magic), v('magic + 0.5', layout.magic + 0.5)];
    case 'model':
      return [...nonFinite, v(-1, -1), v(5, 5), v(1.5, 1.5), v(2 ** 53, 2 ** 53), v(1e300, 1e300), v('-2^31', -(2 ** 31))];
    case 'update': {
      // An update type the model does not take is refused too, never overridden (Fede: exponential only).
      const refused = Object.entries(layout.updates).filter(([name]) => !layout.updatesOf[model].includes(name as 'linear'));
      return [...nonFinite, v(-1, -1), v(2, 2), v(0.5, 0.5), v(2 ** 32, 2 ** 32), v(1e300, 1e300), ...refused.map(([name, code]) => v(name, code))];
    }
    case 'cells':
      return [
        ...nonFinite, v(0, 0), v(-1, -1), v(0.5, 0.5), v('n + 0.5', N + 0.5),
        v('byteLength + 1', size + 1), v('byteLength', size), v('byteLength / 4', Math.floor(size / 4)),
        v('2n (arrays overlap the end)', 2 * N), v(2 ** 32, 2 ** 32), v(2 ** 53, 2 ** 53), v(1e300, 1e300),
      ];
    case 'dt':
      return [...nonFinite, v(0, 0), v(-0, -0), v(-1, -1), v('1e39 (overflows float32)', 1e39), v(-1e39, -1e39), v('1e-50 (0 in float32)', 1e-50)];
    case 'vRest':
      return [...nonFinite, v('1e39 (overflows float32)', 1e39), v(-1e39, -1e39), v(Number.MAX_VALUE, Number.MAX_VALUE)];
    case 'refracSteps': {
      // A model without a refractory stage (Input) refuses any period, never ignores it.
      const none = model === 'Input' ? [v(1, 1), v('2^24', layout.maxRefracSteps)] : [];
      return [...nonFinite, v(-1, -1), v(0.5, 0.5), v('2^24 + 1', 2 ** 24 + 1), v(1e300, 1e300), ...none];
    }
  }
  // An array offset.
  const [, at, elementSize] = arraySlots(model).find(([what]) => what === slot)!;
  const current = h[at] === -1 ? h[S.trace] : h[at];
  const out = [
    ...nonFinite,
    v(-2, -2), v(-0.5, -0.5), v('0 (the header)', 0), v(8, 8), v('headerBytes - 4', layout.headerBytes - 4),
    v('byteLength (past the end)', size), v('byteLength + 64', size + 64),
    v('last element past the end', size - elementSize * N + elementSize),
    v(2 ** 53, 2 ** 53), v(1e300, 1e300), v(-1e300, -1e300), v('fractional', current + 0.5),
  ];
  if (elementSize === 4) out.push(v('misaligned by 1', current + 1), v('misaligned by 2', current + 2), v('misaligned by 3', current + 3));
  return out;
}

function slotNames(model: Model): string[] {
  return ['magic', 'model', 'update', 'cells', 'dt', 'vRest', 'refracSteps', ...arraySlots(model).map(([what]) => what)];
}

function slotIndex(model: Model, slot: string): number {
  const scalar = (S as Record<string, number>)[slot];
  if (scalar !== undefined) return scalar;
  return arraySlots(model).find(([what]) => what === slot)![1];
}

// ---- the tests ----------------------------------------------------------------

describe.each(ISAS)('native.step under %s', (isa) => {
  beforeAll(() => spiking.setInstructionSet(isa));
  afterAll(() => spiking.setInstructionSet(ISAS[0]));

  test('runs on this instruction set', () => {
    expect(spiking.instructionSet()).toBe(isa);
  });

  describe('the slab argument', () => {
    test('no arguments at all', () => {
      expectRejected(null, () => (native.step as unknown as () => void)(), 'TypeError', /state ArrayBuffer/);
    });

    const valid = primedSlab('LIFNeuron');
    const shared = new SharedArrayBuffer(valid.byteLength);
    new Uint8Array(shared).set(new Uint8Array(valid));
    const notBuffers: [string, unknown][] = [
      ['undefined', undefined], ['null', null], ['0', 0], ['NaN', NaN], ['a string', 'slab'], ['true', true],
      ['an object', {}], ['an array', []], ['a function', () => 0], ['a symbol', Symbol('slab')], ['a bigint', 10n],
      ['a Float64Array of the header', new Float64Array(valid.slice(0))],
      ['a Uint8Array view of a valid slab', new Uint8Array(valid.slice(0))],
      ['a DataView of a valid slab', new DataView(valid.slice(0))],
      ['a SharedArrayBuffer holding a valid slab', shared],
      ['an object faking an ArrayBuffer', { byteLength: valid.byteLength, slice: () => valid }],
    ];
    test.each(notBuffers)('%s', (_label, value) => {
      expectRejected(null, () => native.step(value as ArrayBuffer, ...(validArgs('LIFNeuron') as [unknown])), 'TypeError', /state ArrayBuffer/);
    });

    test.each([0, 1, 8, layout.headerBytes - 1])('an ArrayBuffer of %i bytes (smaller than the header)', (size) => {
      const slab = new ArrayBuffer(size);
      expectRejected(slab, () => native.step(slab, ...(validArgs('LIFNeuron') as [unknown])), 'RangeError', /detached or too small/);
    });

    test('a detached slab', () => {
      const slab = primedSlab('LIFNeuron');
      structuredClone(slab, { transfer: [slab] });
      expect(slab.byteLength).toBe(0);
      expectRejected(slab, () => native.step(slab, ...(validArgs('LIFNeuron') as [unknown])), 'RangeError', /detached or too small/);
    });

    test('a slab detached from under its layer (through a public view)', () => {
      const layer = makeLayer('IFNeuron') as spiking.IFNeuron;
      const slab = layer.trace.buffer as ArrayBuffer;
      structuredClone(slab, { transfer: [slab] });
      expectRejected(slab, () => layer.forward(validArgs('IFNeuron')[0] as Float32Array), 'RangeError', /detached or too small/);
    });

    test('random bytes, and zeros, of several sizes', () => {
      const rand = rng(1);
      for (const size of [layout.headerBytes, 256, 4096, 65536]) {
        const zeros = new ArrayBuffer(size);
        expectRejected(zeros, () => native.step(zeros, f32(N)), 'RangeError', /no valid header/);
        for (let trial = 0; trial < 20; trial++) {
          const slab = new ArrayBuffer(size);
          const words = new Uint32Array(slab);
          for (let i = 0; i < words.length; i++) words[i] = Math.floor(rand() * 2 ** 32);
          expectRejected(slab, () => native.step(slab, f32(N)), 'RangeError', /no valid header/);
        }
      }
    });

    test('random bytes behind a valid magic number', () => {
      const rand = rng(2);
      for (let trial = 0; trial < 200; trial++) {
        const slab = new ArrayBuffer(4096);
        const words = new Uint32Array(slab);
        for (let i = 0; i < words.length; i++) words[i] = Math.floor(rand() * 2 ** 32);
        header(slab)[S.magic] = layout.magic;
        expectRejected(slab, () => native.step(slab, f32(N)), 'RangeError', /Layer state buffer/);
      }
    });

    test('a valid magic number and nothing else', () => {
      const slab = new ArrayBuffer(4096);
      header(slab)[S.magic] = layout.magic;
      expectRejected(slab, () => native.step(slab, f32(N)), 'RangeError', /Layer state buffer/);
    });

    test.each(['BaseNeuron', 'BaseInput'] as const)('the slab of a %s (no model to run)', (kind) => {
      const Class = spiking[kind] as unknown as new (o: unknown) => AnyLayer;
      const opts = kind === 'BaseInput' ? { cellsShape: [N], dt: 1 } : { cellsShape: [N], thresh: 1, vRest: 0, dt: 1, durationRefrac: 0 };
      const slab = slabOf(new Class(opts));
      expectRejected(slab, () => native.step(slab, f32(N)), 'RangeError', /unknown model/);
    });
  });

  describe.each(MODELS)('%s header, corrupted one slot at a time', (model) => {
    test.each(slotNames(model))('%s', (slot) => {
      const pristine = primedSlab(model);
      const failures: string[] = [];
      for (const { label, value } of corruptions(model, slot, pristine)) {
        const slab = pristine.slice(0);
        header(slab)[slotIndex(model, slot)] = value;
        const before = bytes(slab);
        const result = attempt(() => native.step(slab, ...(validArgs(model) as [unknown])));
        if (!result.threw) failures.push(`${label}: accepted (${headerProblems(slab).join('; ') || 'header looks sane'})`);
        else if (result.tag !== '[object Error]' || !['TypeError', 'RangeError'].includes(result.name)) failures.push(`${label}: threw ${result.tag} ${result.name}`);
        else if (!/^Layer state buffer/.test(result.message)) failures.push(`${label}: message "${result.message}"`);
        else if (!sameBytes(slab, before)) failures.push(`${label}: slab changed before the throw`);
      }
      expect(failures).toEqual([]);
    });

    test('the uncorrupted copy steps, and exactly like the layer itself', () => {
      const layer = makeLayer(model);
      const copy = slabOf(layer).slice(0);
      for (let t = 0; t < 3; t++) {
        const args = validArgs(model) as [unknown];
        native.step(copy, ...args);
        (layer.forward as (...a: unknown[]) => unknown)(...args);
      }
      expect(sameBytes(copy, slabOf(layer))).toBe(true);
      expect(headerProblems(copy)).toEqual([]);
    });
  });

  describe.each(MODELS)('%s header: valid corner cases succeed', (model) => {
    test('a smaller neuron count steps only the first neurons', () => {
      const slab = primedSlab(model);
      const h = header(slab);
      const traceBefore = new Float32Array(slab, h[S.trace], N).slice();
      h[S.cells] = 1;
      native.step(slab, ...(validArgs(model, 1) as [unknown]));
      const trace = new Float32Array(slab, h[S.trace], N);
      expect(Array.from(trace.subarray(1))).toEqual(Array.from(traceBefore.subarray(1)));
    });

    test('a per-neuron parameter turned into a scalar', () => {
      const slab = primedSlab(model);
      const h = header(slab);
      for (let p = 0; p < layout.params.length; p++) {
        h[S.params + 2 * p] = 0.5;
        h[S.params + 2 * p + 1] = -1;
      }
      expect(() => native.step(slab, ...(validArgs(model) as [unknown]))).not.toThrow();
    });

    test('spare bytes after the arrays, and a resizable buffer', () => {
      const pristine = primedSlab(model);
      const plain = pristine.slice(0);
      const padded = new ArrayBuffer(pristine.byteLength + 4096);
      new Uint8Array(padded).set(new Uint8Array(pristine));
      const Resizable = ArrayBuffer as unknown as new (b: number, o: { maxByteLength: number }) => ArrayBuffer;
      const growable = new Resizable(pristine.byteLength, { maxByteLength: 2 * pristine.byteLength });
      new Uint8Array(growable).set(new Uint8Array(pristine));
      const args = validArgs(model) as [unknown];
      native.step(plain, ...args);
      native.step(padded, ...args);
      native.step(growable, ...args);
      expect(sameBytes(padded.slice(0, plain.byteLength), plain)).toBe(true);
      expect(sameBytes(growable, plain)).toBe(true);
    });

    test('extreme but valid scalars: subnormal dt, 2^24 refractory steps (neurons), huge vRest', () => {
      const slab = primedSlab(model);
      const h = header(slab);
      h[S.dt] = 1e-40;
      h[S.refracSteps] = model === 'Input' ? 0 : layout.maxRefracSteps;
      h[S.vRest] = 3e38;
      expect(() => native.step(slab, ...(validArgs(model) as [unknown]))).not.toThrow();
    });
  });

  describe.each(MODELS)('%s: x and preTrace', (model) => {
    const neuron = model !== 'Input';
    const fede = model === 'FedeNeuron';
    /** Calls step on a fresh copy with x (and a matching preTrace for Fede), expecting a rejection. */
    function rejectsX(x: unknown, name: 'TypeError' | 'RangeError', message: RegExp, ...preTrace: unknown[]): void {
      const slab = primedSlab(model);
      const rest = preTrace.length > 0 ? preTrace : fede ? [f32(2 * N)] : [];
      expectRejected(slab, () => (native.step as (...a: unknown[]) => void)(slab, x, ...rest), name, message);
    }
    const detached = (length: number) => {
      const a = f32(length);
      structuredClone(a.buffer, { transfer: [a.buffer] });
      return a;
    };

    const wrongTypes: [string, unknown][] = [
      ['undefined', undefined], ['null', null], ['a number', 1], ['a string', 'x'], ['an object', { length: N }],
      ['a Float64Array', new Float64Array(N)], ['an Int32Array', new Int32Array(N)], ['an Int8Array', new Int8Array(N)],
      ['a Uint8ClampedArray', new Uint8ClampedArray(N)], ['a DataView', new DataView(new ArrayBuffer(4 * N))],
      ['an ArrayBuffer', new ArrayBuffer(4 * N)], ['a BigInt64Array', new BigInt64Array(N)],
      ...(neuron ? [['a Uint8Array', new Uint8Array(N)] as [string, unknown]] : []),
      [neuron ? 'a number[] (a list of numbers)' : 'a number[]', new Array(N).fill(1)],
      ...(neuron ? [] : [['a list of one Float32Array', [f32(N)]] as [string, unknown]]),
    ];
    test.each(wrongTypes)('x: %s', (_label, x) => {
      rejectsX(x, 'TypeError', neuron ? /Float32Array \(or a list of them\) for x/ : /Float32Array or Uint8Array for x/);
    });

    const badLengths = neuron ? [0, 1, N - 1, N + 1, 2 * N + 1, 3 * N - 1] : [0, 1, N - 1, N + 1, 2 * N];
    test.each(badLengths)('x: a Float32Array of %i values', (length) => {
      rejectsX(f32(length), 'RangeError', neuron ? new RegExp(`whole multiple of ${N} values but it holds ${length}`) : /x to hold 37 values/);
    });

    test('x: a detached Float32Array', () => {
      rejectsX(detached(neuron ? 2 * N : N), 'RangeError', neuron ? /but it holds 0/ : /x to hold 37 values/);
    });

    if (!neuron) {
      test('x: a Uint8Array of the wrong length', () => {
        rejectsX(new Uint8Array(N + 1), 'RangeError', /x to hold 37 values/);
      });
      test('valid: a Uint8Array of spikes steps like 0/1 float32 values', () => {
        const a = primedSlab(model);
        const b = a.slice(0);
        const spikes = Uint8Array.from({ length: N }, (_, i) => (i % 4 === 0 ? 1 : 0));
        native.step(a, spikes);
        native.step(b, Float32Array.from(spikes));
        expect(sameBytes(a, b)).toBe(true);
      });
      return;
    }

    test('x: an empty list', () => {
      rejectsX([], 'RangeError', /non-empty list for x/, ...(fede ? [[]] : []));
    });

    /** Segments of these widths, and the same values joined along the last dimension. */
    function segments(widths: number[], seed: number): { parts: Float32Array[]; joined: Float32Array } {
      const rand = rng(seed);
      const parts = widths.map((w) => Float32Array.from({ length: N * w }, () => Math.floor(rand() * 8) * 0.125));
      const total = widths.reduce((a, b) => a + b, 0);
      const joined = new Float32Array(N * total);
      for (let i = 0; i < N; i++) {
        let at = i * total;
        parts.forEach((part, s) => {
          joined.set(part.subarray(i * widths[s], (i + 1) * widths[s]), at);
          at += widths[s];
        });
      }
      return { parts, joined };
    }

    const longWidths: [string, number[]][] = [
      ['17 of width 1', new Array(17).fill(1)],
      ['40 of widths 1-3', Array.from({ length: 40 }, (_, s) => 1 + (s % 3))],
      ['300 of width 1', new Array(300).fill(1)],
    ];
    test.each(longWidths)('valid: a list of %s is its join along the last dimension', (_label, widths) => {
      const a = primedSlab(model);
      const b = a.slice(0);
      const x = segments(widths, 3);
      const pre = segments(widths, 4);
      native.step(a, x.parts, fede ? pre.parts : undefined);
      native.step(b, x.joined, fede ? pre.joined : undefined);
      expect(sameBytes(a, b)).toBe(true);
    });

    const badLists: [string, () => unknown[], 'TypeError' | 'RangeError', RegExp][] = [
      ['17 entries, a Float64Array at 16', () => Array.from({ length: 17 }, (_, s) => (s === 16 ? new Float64Array(N) : f32(N))), 'TypeError', /for x/],
      ['17 entries, a bad length at 16', () => Array.from({ length: 17 }, (_, s) => f32(s === 16 ? N + 1 : N)), 'RangeError', /holds 38/],
      ['40 entries, null at 39', () => Array.from({ length: 40 }, (_, s) => (s === 39 ? null : f32(N))), 'TypeError', /for x/],
      ['20 entries, a detached one at 18', () => Array.from({ length: 20 }, (_, s) => (s === 18 ? detached(N) : f32(N))), 'RangeError', /holds 0/],
      ['100 entries with a hole at 99', () => Object.assign(new Array(100).fill(null).map(() => f32(N)), { 99: undefined }), 'TypeError', /for x/],
      ['a sparse list of 1000', () => Object.assign([], { length: 1000 }), 'TypeError', /for x/],
      ['a nested list', () => [[f32(N)]], 'TypeError', /for x/],
      ['a list of numbers', () => [1, 2, 3], 'TypeError', /for x/],
    ];
    test.each(badLists)('x: a list of %s', (_label, make, name, message) => {
      const x = make();
      rejectsX(x, name, message, ...(fede ? [x.map(() => f32(N))] : []));
    });

    const sab = (values: Float32Array) => {
      const shared = new Float32Array(new SharedArrayBuffer(values.byteLength));
      shared.set(values);
      return shared;
    };
    const offsetView = (values: Float32Array) => {
      const backing = new Float32Array(values.length + 5).fill(1e30);
      backing.set(values, 1);
      return backing.subarray(1, 1 + values.length);
    };
    test.each([['a SharedArrayBuffer', sab], ['a view at byte offset 4', offsetView]] as const)(
      'valid: x (and preTrace) on %s',
      (_label, wrap) => {
        const a = primedSlab(model);
        const b = a.slice(0);
        const [x, pre] = validArgs(model) as Float32Array[];
        native.step(a, wrap(x), pre && wrap(pre));
        native.step(b, x, pre);
        expect(sameBytes(a, b)).toBe(true);
      },
    );

    if (!fede) return;

    const badPreTrace: [string, () => [unknown, unknown], 'TypeError' | 'RangeError', RegExp][] = [
      ['missing', () => [f32(2 * N), undefined], 'TypeError', /for preTrace/],
      ['null', () => [f32(2 * N), null], 'TypeError', /for preTrace/],
      ['a Float64Array', () => [f32(2 * N), new Float64Array(2 * N)], 'TypeError', /for preTrace/],
      ['a bad length', () => [f32(2 * N), f32(2 * N + 1)], 'RangeError', /preTrace to hold a whole multiple/],
      ['detached', () => [f32(2 * N), detached(2 * N)], 'RangeError', /preTrace to hold a whole multiple of 37 values but it holds 0/],
      ['narrower than x', () => [f32(2 * N), f32(N)], 'RangeError', /same layout as x/],
      ['wider than x', () => [f32(2 * N), f32(3 * N)], 'RangeError', /same layout as x/],
      ['an empty list', () => [[f32(N)], []], 'RangeError', /non-empty list for preTrace/],
      ['one entry fewer', () => [[f32(N), f32(N)], [f32(N)]], 'RangeError', /same layout as x/],
      ['one entry more', () => [[f32(N)], [f32(N), f32(N)]], 'RangeError', /same layout as x/],
      ['a list for a single x of another width', () => [f32(N), [f32(N), f32(N)]], 'RangeError', /same layout as x/],
      ['same total width, different widths', () => [[f32(N), f32(2 * N)], [f32(2 * N), f32(N)]], 'RangeError', /same layout as x/],
      [
        '17 entries, width mismatch at 16',
        () => [Array.from({ length: 17 }, () => f32(N)), Array.from({ length: 17 }, (_, s) => f32(s === 16 ? 2 * N : N))],
        'RangeError',
        /same layout as x/,
      ],
      ['20 entries against 21', () => [Array.from({ length: 20 }, () => f32(N)), Array.from({ length: 21 }, () => f32(N))], 'RangeError', /same layout as x/],
      [
        '20 entries, a string at 18',
        () => [Array.from({ length: 20 }, () => f32(N)), Array.from({ length: 20 }, (_, s) => (s === 18 ? 'pre' : f32(N)))],
        'TypeError',
        /for preTrace/,
      ],
    ];
    test.each(badPreTrace)('preTrace: %s', (_label, make, name, message) => {
      const [x, pre] = make();
      const slab = primedSlab(model);
      const call = pre === undefined ? () => native.step(slab, x) : () => native.step(slab, x, pre);
      expectRejected(slab, call, name, message);
    });
  });

  describe('random header corruption (memory-safety oracle)', () => {
    test.each(MODELS)('%s: 400 headers with 1-3 slots replaced', (model) => {
      const pristine = primedSlab(model);
      const rand = rng(1000 + MODELS.indexOf(model));
      const h0 = header(pristine);
      const offsets = arraySlots(model).map(([, at]) => h0[at]).filter((o) => o !== -1);
      const size = pristine.byteLength;
      const pool = [
        NaN, Infinity, -Infinity, -1, 0, 0.5, 1, 2, 3, 4, 5, N, N - 1, N + 1, 2 * N, layout.magic, 2 ** 24, 2 ** 24 + 1,
        size, size - 1, size - 4, size - 4 * N, size - 4 * N + 4, size - N, size - N + 1, layout.headerBytes, layout.headerBytes - 4,
        ...offsets, ...offsets.map((o) => o + 1), ...offsets.map((o) => o + 4 * N), 1e39, -1e39, 1e-50, 2 ** 53,
      ];
      const slots = Array.from({ length: S.count }, (_, i) => i);
      const failures: string[] = [];
      let accepted = 0;
      for (let trial = 0; trial < 400; trial++) {
        const slab = pristine.slice(0);
        const h = header(slab);
        const changes: string[] = [];
        const count = 1 + Math.floor(rand() * 3);
        for (let c = 0; c < count; c++) {
          const slot = slots[Math.floor(rand() * slots.length)];
          const value = pool[Math.floor(rand() * pool.length)];
          h[slot] = value;
          changes.push(`[${slot}] = ${value}`);
        }
        const before = bytes(slab);
        const n = h[S.cells];
        const args = Number.isInteger(n) && n >= 1 && n <= 4 * N ? validArgs(model, n) : validArgs(model);
        const result = attempt(() => native.step(slab, ...(args as [unknown])));
        if (result.threw) {
          if (result.tag !== '[object Error]' || !['TypeError', 'RangeError'].includes(result.name)) failures.push(`${changes}: threw ${result.name}`);
          else if (!sameBytes(slab, before)) failures.push(`${changes}: changed the slab, then threw`);
        } else {
          accepted++;
          const problems = headerProblems(slab);
          if (problems.length > 0) failures.push(`${changes}: accepted with ${problems.join('; ')}`);
        }
      }
      expect(failures).toEqual([]);
      // Some corruptions are harmless (a parameter value, a slot the model never
      // reads, a smaller neuron count): the oracle must have had work to do.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(400);
    });

    test('the oracle flags unsafe headers', () => {
      const pristine = primedSlab('LIFNeuron');
      expect(headerProblems(pristine)).toEqual([]);
      const flagged = (slot: number, value: number) => {
        const slab = pristine.slice(0);
        header(slab)[slot] = value;
        return headerProblems(slab).length > 0;
      };
      expect(flagged(S.trace, pristine.byteLength)).toBe(true);
      expect(flagged(S.vCell, header(pristine)[S.vCell] + 2)).toBe(true);
      expect(flagged(S.spikes, pristine.byteLength - N + 1)).toBe(true);
      expect(flagged(S.params + 1, 0)).toBe(true);
      expect(flagged(S.cells, 2 ** 20)).toBe(true);
      expect(flagged(S.model, 7)).toBe(true);
      expect(flagged(S.dt, 1e-50)).toBe(true);
      expect(flagged(S.cells, 1)).toBe(false);
    });
  });
});

// ---- hostile lists, each in a child process ------------------------------------
//
// Each of these once crashed the process: a getter in a list ran JS after the
// addon had taken pointers into JS memory, and a list's length sized storage
// before any entry was checked. The addon now reads every list entry before it
// takes a pointer, and caps list lengths. A child runs each call, so a
// regression shows as "crashed" instead of taking the suite down. The child
// prints "start", then "threw ..." when the call throws a JS error, as it must.

const ROOT = path.resolve(__dirname, '..');
const CHILD_PRELUDE = `
const native = require(${JSON.stringify(path.join(ROOT, 'node_modules', 'node-gyp-build'))})(${JSON.stringify(ROOT)});
const slab0 = new Uint8Array(Buffer.from(require('fs').readFileSync(0, 'utf8'), 'base64')).buffer;
const n = Number(process.env.N);
const f32 = (length, fill = 0.5) => new Float32Array(length).fill(fill);
const resizable = (bytes) => new ArrayBuffer(bytes, { maxByteLength: bytes });
if (native.instructionSet() !== process.env.SPIKING_ISA) throw new Error('wrong instruction set');
function run(call) {
  console.log('start');
  try { call(); console.log('returned'); } catch (e) { console.log('threw', e.name, e.message); }
}
`;

interface ChildResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function runChild(isa: string, model: Model, body: string, limitMemory = false): ChildResult {
  const n = 4096; // big enough that freed or shrunk memory is unmapped
  const slab = primedSlab(model, n);
  const script = CHILD_PRELUDE + body;
  const env: NodeJS.ProcessEnv = { ...process.env, SPIKING_ISA: isa, N: String(n) };
  const input = Buffer.from(slab).toString('base64');
  const options = { input, env, encoding: 'utf8' as const, timeout: 60_000 };
  // Under npm run test:asan the child preloads the ASan runtime too, which
  // reserves terabytes of address space for its shadow memory and cannot
  // start under ulimit -v; ASan's own limits bound the child's memory there.
  if (limitMemory && /libasan/.test(process.env.LD_PRELOAD ?? '')) {
    env.ASAN_OPTIONS = `${process.env.ASAN_OPTIONS ?? ''}:max_allocation_size_mb=3000:hard_rss_limit_mb=3000`;
    limitMemory = false;
  }
  const child = limitMemory
    ? spawnSync('/bin/sh', ['-c', 'ulimit -v 3000000 && exec "$0" -e "$1"', process.execPath, script], options)
    : spawnSync(process.execPath, ['-e', script], options);
  return { status: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr };
}

/** 'threw TypeError' / 'threw RangeError', 'returned', 'crashed' (a signal, or an abort through the shell), or what went wrong with the harness. */
function outcome(child: ChildResult): string {
  const lines = child.stdout.trim().split('\n');
  if (lines[0] !== 'start') return `harness error: status ${child.status}, ${child.stderr.slice(0, 400)}`;
  const crashed = child.signal !== null || (child.status !== null && child.status >= 128);
  if (lines.length === 1 && crashed) return 'crashed';
  if (lines.length === 2 && child.status === 0) return lines[1].split(' ').slice(0, 2).join(' ');
  return `unexpected: status ${child.status}, signal ${child.signal}, stdout ${child.stdout}`;
}

const GAPS: [string, Model, string, boolean][] = [
  [
    'a list getter that shrinks an earlier x entry',
    'LIFNeuron',
    `const buffer = resizable(4 * n);
     const first = new Float32Array(buffer).fill(0.5);
     const list = [first, null];
     Object.defineProperty(list, 1, { get() { buffer.resize(0); return f32(n); } });
     run(() => native.step(slab0, list));`,
    false,
  ],
  [
    'a list getter that shrinks the slab itself',
    'LIFNeuron',
    `const slab = resizable(slab0.byteLength);
     new Uint8Array(slab).set(new Uint8Array(slab0));
     const list = [f32(n), null];
     Object.defineProperty(list, 1, { get() { slab.resize(${layout.headerBytes}); return f32(n); } });
     run(() => native.step(slab, list));`,
    false,
  ],
  [
    'a Fede preTrace getter that shrinks an x entry',
    'FedeNeuron',
    `const buffer = resizable(4 * n);
     const x = [new Float32Array(buffer).fill(0.5)];
     const preTrace = [null];
     Object.defineProperty(preTrace, 0, { get() { buffer.resize(0); return f32(n); } });
     run(() => native.step(slab0, x, preTrace));`,
    false,
  ],
  [
    'a sparse list of 2^28 entries',
    'LIFNeuron',
    `const list = []; list.length = 2 ** 28;
     run(() => native.step(slab0, list));`,
    true,
  ],
];

describe.each(ISAS)('hostile lists (%s), in a child process', (isa) => {
  test.each(GAPS)('%s: throws a RangeError', (_label, model, body, limitMemory) => {
    expect(outcome(runChild(isa, model, body, limitMemory))).toBe('threw RangeError');
  });

  test('the same calls without the hostile getter throw cleanly', () => {
    const body = `
      const list = [f32(n), null];
      run(() => native.step(slab0, list));`;
    expect(outcome(runChild(isa, 'LIFNeuron', body))).toBe('threw TypeError');
    expect(outcome(runChild(isa, 'LIFNeuron', `const list = []; list.length = 1000; run(() => native.step(slab0, list));`, true))).toBe('threw TypeError');
  });

  test('a valid call returns, also under the memory limit', () => {
    expect(outcome(runChild(isa, 'LIFNeuron', `run(() => native.step(slab0, f32(n)));`, true))).toBe('returned');
    expect(outcome(runChild(isa, 'FedeNeuron', `run(() => native.step(slab0, [f32(n)], [f32(n)]));`))).toBe('returned');
  });
});
