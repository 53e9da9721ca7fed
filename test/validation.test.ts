// Every option and every forward argument is checked before any state
// changes: a rejected call throws a TypeError (wrong kind of value) or a
// RangeError (right kind, wrong value) whose message names the parameter and
// what was received, and leaves every state array exactly as it was.
import * as spiking from '../lib';

type Kind = 'BaseInput' | 'Input' | 'BaseNeuron' | 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron';
type Options = Record<string, unknown>;
type ErrorName = 'TypeError' | 'RangeError';

const KINDS: Kind[] = ['BaseInput', 'Input', 'BaseNeuron', 'IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron'];
const SHAPE = [2, 3];
const N = 6;

/** The options of each class, written out here (not read from lib/) so that a dropped check shows. */
const REQUIRED: Record<Kind, string[]> = {
  BaseInput: ['cellsShape', 'dt'],
  Input: ['cellsShape', 'dt', 'alphaT', 'tauT'],
  BaseNeuron: ['cellsShape', 'thresh', 'vRest', 'dt', 'durationRefrac'],
  IFNeuron: ['cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'tauT'],
  LIFNeuron: ['cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'tauV', 'tauT'],
  AdaptiveLIFNeuron: [
    'cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'tauV', 'tauT', 'alphaThresh', 'tauThresh',
  ],
  FedeNeuron: ['cellsShape', 'thresh', 'vRest', 'alphaV', 'alphaT', 'dt', 'durationRefrac', 'tauV', 'tauT'],
};
const OPTIONAL: Record<Kind, string[]> = {
  BaseInput: [],
  Input: ['updateType'],
  BaseNeuron: ['alphaV', 'alphaT', 'storeTrace'],
  IFNeuron: ['updateType', 'storeTrace'],
  LIFNeuron: ['updateType', 'storeTrace'],
  AdaptiveLIFNeuron: ['updateType', 'storeTrace'],
  FedeNeuron: ['storeTrace'],
};
const PER_NEURON = ['thresh', 'alphaV', 'alphaT', 'tauV', 'tauT', 'alphaThresh', 'tauThresh'];
const DECAYS = ['tauV', 'tauT', 'tauThresh'];
const SCALARS = ['dt', 'vRest', 'durationRefrac'];

/** Valid values; linear decays are factors in [0, 1], Fede's time constants are > 0. */
const VALUES: Options = {
  cellsShape: SHAPE,
  dt: 1,
  thresh: 1,
  vRest: 0,
  alphaV: 1,
  alphaT: 0.5,
  tauV: 0.75,
  tauT: 0.5,
  alphaThresh: 0.25,
  tauThresh: 0.5,
  durationRefrac: 2,
  updateType: 'linear',
  storeTrace: true,
};

function keysOf(kind: Kind): string[] {
  return [...REQUIRED[kind], ...OPTIONAL[kind]];
}

function validOptions(kind: Kind): Options {
  const options: Options = {};
  for (const key of keysOf(kind)) options[key] = VALUES[key];
  if (kind === 'FedeNeuron') Object.assign(options, { tauV: 2, tauT: 4 });
  return options;
}

const DELETE = Symbol('delete');
function withOptions(kind: Kind, patch: Record<string, unknown>): Options {
  const options = validOptions(kind);
  for (const [key, value] of Object.entries(patch)) {
    if (value === DELETE) delete options[key];
    else options[key] = value;
  }
  return options;
}

function construct(kind: Kind, options: unknown): unknown {
  const Class = spiking[kind] as unknown as new (options: unknown) => unknown;
  return new Class(options);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Names the parameter, then what was received, in lib's message template. */
function names(param: string, received: string): RegExp {
  return new RegExp(`^Expected .+ for ${escape(param)} but received ${escape(received)}`);
}

/** Calls fn, which must throw an error of that class with that message. */
function expectRejected(fn: () => unknown, name: ErrorName, message: RegExp): Error {
  let thrown: unknown = undefined;
  let threw = false;
  try {
    fn();
  } catch (error) {
    threw = true;
    thrown = error;
  }
  expect(threw).toBe(true);
  // Error classes from the addon belong to Node's realm, not to Jest's: test by tag and name.
  expect(Object.prototype.toString.call(thrown)).toBe('[object Error]');
  const error = thrown as Error;
  expect({ name: error.name, message: error.message }).toEqual({ name, message: expect.stringMatching(message) });
  return error;
}

// ---------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------

interface BadConstruction {
  label: string;
  options: unknown;
  error: ErrorName;
  message: RegExp;
}

function badConstructions(kind: Kind): BadConstruction[] {
  const keys = keysOf(kind);
  const has = (key: string) => keys.includes(key);
  const out: BadConstruction[] = [];
  const add = (label: string, patch: Record<string, unknown>, error: ErrorName, message: RegExp) =>
    out.push({ label, options: withOptions(kind, patch), error, message });

  // Not an options object at all.
  const notObjects: [string, unknown, string][] = [
    ['undefined', undefined, 'undefined'],
    ['null', null, 'null'],
    ['a number', 5, 'number 5'],
    ['a string', 'opts', 'string "opts"'],
    ['an array', [], 'an array of length 0'],
    ['a Float32Array', new Float32Array(2), 'a Float32Array of length 2'],
    ['a function', () => 0, 'a function'],
  ];
  for (const [label, options, received] of notObjects) {
    out.push({ label: `options: ${label}`, options, error: 'TypeError', message: names(`the options of ${kind}`, received) });
  }

  // Missing options, omitted or explicitly undefined.
  for (const key of REQUIRED[kind]) {
    add(`missing ${key}`, { [key]: DELETE }, 'TypeError', names(key, 'undefined'));
    add(`${key}: undefined`, { [key]: undefined }, 'TypeError', names(key, 'undefined'));
  }

  // Unknown keys: typos, PySNN's snake_case, another class's options.
  const foreign = ['bogus', 'tau_t', 'cells_shape', ...['thresh', 'tauT', 'tauV', 'alphaThresh', 'updateType', 'storeTrace'].filter((k) => !has(k))];
  for (const key of foreign) {
    add(`unknown option ${key}`, { [key]: 1 }, 'TypeError', new RegExp(`Unknown option "${key}" for ${kind}`));
  }
  add('unknown option with value undefined', { extra: undefined }, 'TypeError', /Unknown option "extra"/);

  // Numbers: every scalar and per-neuron option.
  for (const key of keys.filter((k) => SCALARS.includes(k) || PER_NEURON.includes(k))) {
    add(`${key}: NaN`, { [key]: NaN }, 'RangeError', names(key, 'number NaN'));
    add(`${key}: Infinity`, { [key]: Infinity }, 'RangeError', names(key, 'number Infinity'));
    add(`${key}: -Infinity`, { [key]: -Infinity }, 'RangeError', names(key, 'number -Infinity'));
    add(`${key}: 1e39 (overflows float32)`, { [key]: 1e39 }, 'RangeError', names(key, 'number 1e+39'));
    add(`${key}: a string`, { [key]: '1' }, 'TypeError', names(key, 'string "1"'));
    add(`${key}: null`, { [key]: null }, 'TypeError', names(key, 'null'));
    add(`${key}: a boolean`, { [key]: true }, 'TypeError', names(key, 'boolean true'));
    add(`${key}: a bigint`, { [key]: 1n }, 'TypeError', names(key, 'bigint 1'));
    add(`${key}: an object`, { [key]: {} }, 'TypeError', names(key, 'an object of type Object'));
  }
  for (const key of keys.filter((k) => SCALARS.includes(k))) {
    add(`${key}: a one-element array (scalar only)`, { [key]: [1] }, 'TypeError', names(key, 'an array of length 1'));
  }
  if (has('vRest')) add('vRest: -1e39', { vRest: -1e39 }, 'RangeError', names('vRest', 'number -1e+39'));

  // Per-neuron arrays of the wrong length or with bad entries.
  for (const key of keys.filter((k) => PER_NEURON.includes(k))) {
    const fine = kind === 'FedeNeuron' && DECAYS.includes(key) ? 2 : (VALUES[key] as number);
    const row = (at: number, value: unknown) => Array.from({ length: N }, (_, i) => (i === at ? value : fine));
    add(`${key}: number[] of ${N - 1}`, { [key]: row(-1, 0).slice(1) }, 'RangeError', names(key, `an array of length ${N - 1}`));
    add(`${key}: number[] of ${N + 1}`, { [key]: [...row(-1, 0), fine] }, 'RangeError', names(key, `an array of length ${N + 1}`));
    add(`${key}: empty number[]`, { [key]: [] }, 'RangeError', names(key, 'an array of length 0'));
    add(`${key}: Float32Array of ${N + 1}`, { [key]: new Float32Array(N + 1).fill(fine) }, 'RangeError', names(key, `a Float32Array of length ${N + 1}`));
    add(`${key}: NaN entry`, { [key]: row(3, NaN) }, 'RangeError', names(`${key}[3]`, 'number NaN'));
    add(`${key}: Infinity entry`, { [key]: row(0, Infinity) }, 'RangeError', names(`${key}[0]`, 'number Infinity'));
    add(`${key}: 1e39 entry`, { [key]: row(4, 1e39) }, 'RangeError', names(`${key}[4]`, 'number 1e+39'));
    add(`${key}: NaN in a Float32Array`, { [key]: Float32Array.from(row(5, NaN) as number[]) }, 'RangeError', names(`${key}[5]`, 'number NaN'));
    add(`${key}: string entry`, { [key]: row(2, '1') }, 'TypeError', names(`${key}[2]`, 'string "1"'));
    const holey = row(-1, 0);
    delete holey[1];
    add(`${key}: number[] with a hole`, { [key]: holey }, 'TypeError', names(`${key}[1]`, 'undefined'));
    add(`${key}: Float64Array`, { [key]: new Float64Array(N).fill(fine) }, 'TypeError', names(key, `a Float64Array of length ${N}`));
    add(`${key}: Int32Array`, { [key]: new Int32Array(N) }, 'TypeError', names(key, `a Int32Array of length ${N}`));
  }

  // cellsShape.
  add('cellsShape: []', { cellsShape: [] }, 'RangeError', names('cellsShape', 'an array of length 0'));
  add('cellsShape: a string', { cellsShape: 'abc' }, 'TypeError', names('cellsShape', 'string "abc"'));
  add('cellsShape: a number', { cellsShape: 6 }, 'TypeError', names('cellsShape', 'number 6'));
  add('cellsShape: null', { cellsShape: null }, 'TypeError', names('cellsShape', 'null'));
  add('cellsShape: an object', { cellsShape: { 0: 6, length: 1 } }, 'TypeError', names('cellsShape', 'an object of type Object'));
  add('cellsShape: a DataView', { cellsShape: new DataView(new ArrayBuffer(8)) }, 'TypeError', names('cellsShape', 'a DataView'));
  add('cellsShape: a zero entry', { cellsShape: [2, 0] }, 'RangeError', names('cellsShape[1]', 'number 0'));
  add('cellsShape: a negative entry', { cellsShape: [-1, 3] }, 'RangeError', names('cellsShape[0]', 'number -1'));
  add('cellsShape: a fractional entry', { cellsShape: [2, 1.5] }, 'RangeError', names('cellsShape[1]', 'number 1.5'));
  add('cellsShape: a NaN entry', { cellsShape: [2, NaN] }, 'RangeError', names('cellsShape[1]', 'number NaN'));
  add('cellsShape: an Infinity entry', { cellsShape: [Infinity] }, 'RangeError', names('cellsShape[0]', 'number Infinity'));
  add('cellsShape: 2^53 (not a safe integer)', { cellsShape: [2 ** 53] }, 'RangeError', names('cellsShape[0]', `number ${2 ** 53}`));
  add('cellsShape: a string entry', { cellsShape: [2, '3'] }, 'TypeError', names('cellsShape[1]', 'string "3"'));
  add('cellsShape: a null entry', { cellsShape: [2, null] }, 'TypeError', names('cellsShape[1]', 'null'));
  // eslint-disable-next-line no-sparse-arrays
  add('cellsShape: a hole', { cellsShape: [2, , 3] }, 'TypeError', names('cellsShape[1]', 'undefined'));
  add('cellsShape: a fractional entry in a Float64Array', { cellsShape: new Float64Array([2, 2.5]) }, 'RangeError', names('cellsShape[1]', 'number 2.5'));
  add('cellsShape: more neurons than a typed array holds', { cellsShape: [65536, 65536, 4] }, 'RangeError', /Expected at most \d+ neurons for cellsShape but received \[65536, 65536, 4\]/);
  add('cellsShape: 2^32 neurons', { cellsShape: [2 ** 32] }, 'RangeError', /neurons for cellsShape but received \[4294967296\]/);
  add('cellsShape: 10^9 neurons in many dims', { cellsShape: [10, 10, 10, 10, 10, 10, 10, 10, 10] }, 'RangeError', /neurons for cellsShape but received \[10, 10/);

  // dt.
  for (const [value, received] of [[0, 'number 0'], [-0, 'number 0'], [-1, 'number -1'], [1e-50, 'number 1e-50']] as const) {
    add(`dt: ${received} (not > 0${value === 1e-50 ? ' in float32' : ''})`, { dt: value }, 'RangeError', names('dt', received));
  }

  // durationRefrac (neurons): PySNN's rejections and the ones around them.
  if (has('durationRefrac')) {
    add('durationRefrac < 0', { durationRefrac: -1 }, 'RangeError', names('durationRefrac', 'number -1'));
    add('durationRefrac: half a step', { durationRefrac: 0.5 }, 'RangeError', /whole number of time steps.*for durationRefrac but received number 0\.5/);
    add('durationRefrac: 2.5 steps', { durationRefrac: 2.5 }, 'RangeError', names('durationRefrac', 'number 2.5'));
    add('durationRefrac: 0.3 with dt 0.2', { durationRefrac: 0.3, dt: 0.2 }, 'RangeError', names('durationRefrac', 'number 0.3'));
    add('durationRefrac: 2^24 + 1 steps', { durationRefrac: 2 ** 24 + 1 }, 'RangeError', names('durationRefrac', `number ${2 ** 24 + 1}`));
  }

  // Decays: [0, 1] for linear updates, > 0 for exponential ones (Fede's always are).
  const linear = has('updateType');
  for (const key of keys.filter((k) => DECAYS.includes(k))) {
    if (linear) {
      add(`${key} < 0 (linear)`, { [key]: -0.5 }, 'RangeError', /decay factor in \[0, 1\].*/);
      add(`${key} < 0 (linear), named`, { [key]: -0.5 }, 'RangeError', names(key, 'number -0.5'));
      add(`${key} > 1 (linear)`, { [key]: 1.5 }, 'RangeError', names(key, 'number 1.5'));
      add(`${key}[2] > 1 (linear)`, { [key]: [0.5, 0.5, 1.5, 0.5, 0.5, 0.5] }, 'RangeError', names(`${key}[2]`, 'number 1.5'));
      add(`${key}: 1.5 with updateType linear given`, { [key]: 1.5, updateType: 'linear' }, 'RangeError', names(key, 'number 1.5'));
    }
    const exponential = linear ? { updateType: 'exponential' } : {};
    add(`${key} = 0 (exponential)`, { ...exponential, [key]: 0 }, 'RangeError', /time constant > 0.*for \w+ but received number 0/);
    add(`${key} = 0 (exponential), named`, { ...exponential, [key]: 0 }, 'RangeError', names(key, 'number 0'));
    add(`${key} < 0 (exponential)`, { ...exponential, [key]: -2 }, 'RangeError', names(key, 'number -2'));
    add(`${key}: 1e-50 is 0 in float32 (exponential)`, { ...exponential, [key]: 1e-50 }, 'RangeError', names(key, 'number 0'));
    add(`${key}[1] = 0 (exponential)`, { ...exponential, [key]: [2, 0, 2, 2, 2, 2] }, 'RangeError', names(`${key}[1]`, 'number 0'));
  }

  // updateType.
  if (has('updateType')) {
    add('updateType: unknown string', { updateType: 'cubic' }, 'RangeError', names('updateType', 'string "cubic"'));
    add('updateType: wrong case', { updateType: 'Linear' }, 'RangeError', names('updateType', 'string "Linear"'));
    add('updateType: empty string', { updateType: '' }, 'RangeError', names('updateType', 'string ""'));
    add('updateType: a number', { updateType: 1 }, 'TypeError', names('updateType', 'number 1'));
    add('updateType: null', { updateType: null }, 'TypeError', names('updateType', 'null'));
  }

  // storeTrace.
  if (has('storeTrace')) {
    add('storeTrace: a string', { storeTrace: 'yes' }, 'TypeError', names('storeTrace', 'string "yes"'));
    add('storeTrace: a number', { storeTrace: 1 }, 'TypeError', names('storeTrace', 'number 1'));
    add('storeTrace: null', { storeTrace: null }, 'TypeError', names('storeTrace', 'null'));
  }
  return out;
}

describe.each(KINDS)('new %s', (kind) => {
  test('the valid options used below are accepted', () => {
    expect(() => construct(kind, validOptions(kind))).not.toThrow();
    for (const key of OPTIONAL[kind]) {
      expect(() => construct(kind, withOptions(kind, { [key]: DELETE }))).not.toThrow();
    }
  });

  test.each(badConstructions(kind).map((c) => [c.label, c] as const))('rejects %s', (_label, bad) => {
    expectRejected(() => construct(kind, bad.options), bad.error, bad.message);
  });
});

describe('accepted constructor edge cases', () => {
  test('durationRefrac 0.6 with dt 0.2 is 3 whole steps (PySNN\'s % test would reject it)', () => {
    const lif = new spiking.LIFNeuron({
      cellsShape: [1, 1], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, tauV: 1, tauT: 0.5, dt: 0.2, durationRefrac: 0.6,
    });
    expect(lif.refracSteps).toBe(3);
    const spikes: number[] = [];
    const counts: number[] = [];
    for (let t = 0; t < 9; t++) {
      lif.forward(new Float32Array([2]));
      spikes.push(lif.spikes[0]);
      counts.push(lif.refracCounts[0]);
    }
    // A spike, then 3 dormant steps (held at vRest), then it integrates and spikes again.
    expect(spikes).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const dt = Math.fround(0.2);
    expect(counts).toEqual([3, 2, 1, 0, 3, 2, 1, 0, 3].map((left) => Math.fround(left * dt)));
  });

  test('durationRefrac 0 and -0 mean no refractory period', () => {
    for (const durationRefrac of [0, -0]) {
      const lif = new spiking.IFNeuron({ ...(validOptions('IFNeuron') as unknown as spiking.IFNeuronOptions), durationRefrac });
      expect(lif.refracSteps === 0).toBe(true);
    }
  });

  test.each(['Input', 'IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron'] as const)(
    '%s: number[] per-neuron parameters step exactly like Float32Array ones',
    (kind) => {
      const base = validOptions(kind);
      const perNeuron = keysOf(kind).filter((k) => PER_NEURON.includes(k));
      const arrays: Options = { ...base };
      const typed: Options = { ...base };
      for (const key of perNeuron) {
        const scalar = base[key] as number;
        const values = Array.from({ length: N }, (_, i) => (DECAYS.includes(key) && kind !== 'FedeNeuron' ? scalar * (1 - i / 16) : scalar + i / 8));
        arrays[key] = values;
        typed[key] = Float32Array.from(values);
      }
      const a = construct(kind, arrays) as AnyLayer;
      const b = construct(kind, typed) as AnyLayer;
      for (let t = 0; t < 6; t++) {
        const [x, pre] = inputsAt(kind, t);
        step(a, x, pre);
        step(b, x, pre);
      }
      expect(snapshot(a)).toEqual(snapshot(b));
      expect(Array.from(a.trace).some((v) => v !== 0)).toBe(true);
    },
  );
});

// ---------------------------------------------------------------------------
// forward
// ---------------------------------------------------------------------------

type AnyLayer = spiking.Input | spiking.IFNeuron | spiking.LIFNeuron | spiking.AdaptiveLIFNeuron | spiking.FedeNeuron;
type Concrete = 'Input' | 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron';
const CONCRETE: Concrete[] = ['Input', 'IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron'];
const WIDTH = 2;

/** Valid inputs for step t: varied enough to spike, go refractory and build traces. */
function inputsAt(kind: Kind, t: number): [Float32Array, Float32Array?] {
  if (kind === 'Input') return [Float32Array.from({ length: N }, (_, i) => ((i + t) % 3 === 0 ? 1 : (i + t) % 3 === 1 ? 0 : 0.5))];
  const x = Float32Array.from({ length: N * WIDTH }, (_, j) => ((j * 7 + t * 3) % 5) * 0.25);
  if (kind !== 'FedeNeuron') return [x];
  return [x.map((v) => v * 4), Float32Array.from({ length: N * WIDTH }, (_, j) => ((j + t) % 4) * 0.125)];
}

function step(layer: AnyLayer, x: unknown, preTrace?: unknown): void {
  if (layer instanceof spiking.FedeNeuron) layer.forward(x as Float32Array, preTrace as Float32Array);
  else (layer as spiking.LIFNeuron).forward(x as Float32Array);
}

/** Every piece of state: the public views, the stored history, and the whole slab byte for byte. */
function snapshot(layer: AnyLayer): Record<string, number[] | null> {
  const out: Record<string, number[] | null> = {
    spikes: Array.from(layer.spikes),
    trace: Array.from(layer.trace),
    slab: Array.from(new Uint8Array((layer as unknown as { state: { buffer: ArrayBuffer } }).state.buffer)),
  };
  if (!(layer instanceof spiking.Input)) {
    out.vCell = Array.from(layer.vCell);
    out.refracCounts = Array.from(layer.refracCounts);
    out.thresh = Array.from(layer.thresh);
    const history = layer.completeTrace;
    out.completeTrace = history ? [...history.shape, -1, ...history.data] : null;
  }
  return out;
}

/** Overrides one stage with a pass-through, which makes forward take the staged (JS) path. */
function staged<T extends AnyLayer>(layer: T): T {
  const proto = Object.getPrototypeOf(layer);
  const updateTrace = proto.updateTrace;
  Object.defineProperty(layer, 'updateTrace', {
    value(this: AnyLayer, ...args: unknown[]) {
      return updateTrace.apply(this, args);
    },
  });
  return layer;
}

const PATHS = { fused: <T extends AnyLayer>(l: T) => l, staged } as const;
type Path = keyof typeof PATHS;

function forwardOptions(kind: Concrete): Options {
  const options = validOptions(kind);
  // Per-neuron thresholds and a decay array put per-neuron parameters in the slab too.
  if (kind !== 'Input') options.thresh = [1, 0.75, 1.25, 1, 0.5, 2];
  options.tauT = kind === 'FedeNeuron' ? [4, 3, 2, 4, 3, 2] : [0.5, 0.25, 0.75, 0.5, 0.25, 0.75];
  return options;
}

/** A layer after a few valid steps, and its twin that will never see a bad call. */
function primed(kind: Concrete, path: Path): { layer: AnyLayer; twin: AnyLayer } {
  const layer = PATHS[path](construct(kind, forwardOptions(kind)) as AnyLayer);
  const twin = PATHS[path](construct(kind, forwardOptions(kind)) as AnyLayer);
  for (let t = 0; t < 4; t++) {
    const [x, pre] = inputsAt(kind, t);
    step(layer, x, pre);
    step(twin, x, pre);
  }
  return { layer, twin };
}

function detached(length: number): Float32Array {
  const x = new Float32Array(length).fill(0.5);
  structuredClone(x.buffer, { transfer: [x.buffer] });
  return x;
}

const f32 = (length: number, fill = 0.25) => new Float32Array(length).fill(fill);

interface BadForward {
  label: string;
  /** The arguments, built fresh for each call. */
  args: () => unknown[];
  error: ErrorName;
  message: RegExp;
  /** Only meaningful through the native kernel (the staged path reads x in JS as given). */
  fusedOnly?: boolean;
}

/** A list whose element 1 is a getter: the first read returns a valid array, later reads shrink element 0's buffer to nothing. */
type Resizable = ArrayBuffer & { resize(bytes: number): void };
/** A resizable ArrayBuffer (ES2024; the TypeScript lib here is ES2022). */
function resizable(bytes: number, maxByteLength: number): Resizable {
  const Ctor = ArrayBuffer as unknown as new (bytes: number, options: { maxByteLength: number }) => Resizable;
  return new Ctor(bytes, { maxByteLength });
}

function shrinkingList(n: number, widthOfOthers: number): { list: Float32Array[]; shrinking: Float32Array } {
  const buffer = resizable(4 * n, 4 * n);
  const shrinking = new Float32Array(buffer).fill(0.5);
  const list: Float32Array[] = [shrinking, f32(0)];
  let reads = 0;
  Object.defineProperty(list, 1, {
    enumerable: true,
    get() {
      if (++reads >= 2) buffer.resize(0);
      return f32(n * widthOfOthers);
    },
  });
  return { list, shrinking };
}

function badNeuronX(kind: Concrete): BadForward[] {
  const n = N;
  const fede = kind === 'FedeNeuron';
  // For Fede, preTrace is valid whenever x is; x errors come first.
  const pre = (x: unknown) => (fede ? [x, f32(n * WIDTH)] : [x]);
  const expectX = /a Float32Array of 6\*k values \(layout \[2, 3, k\]\) or a non-empty list of them/;
  const rows: BadForward[] = [
    { label: 'no argument', args: () => [], error: 'TypeError', message: names('x', 'undefined') },
    { label: 'null', args: () => pre(null), error: 'TypeError', message: names('x', 'null') },
    { label: 'a string', args: () => pre('abc'), error: 'TypeError', message: names('x', 'string "abc"') },
    { label: 'a number', args: () => pre(42), error: 'TypeError', message: names('x', 'number 42') },
    { label: 'an object', args: () => pre({ length: 12 }), error: 'TypeError', message: names('x', 'an object of type Object') },
    { label: 'a Float64Array', args: () => pre(new Float64Array(12)), error: 'TypeError', message: names('x', 'a Float64Array of length 12') },
    { label: 'an Int32Array', args: () => pre(new Int32Array(12)), error: 'TypeError', message: names('x', 'a Int32Array of length 12') },
    { label: 'a Uint8Array', args: () => pre(new Uint8Array(12)), error: 'TypeError', message: names('x', 'a Uint8Array of length 12') },
    { label: 'a DataView', args: () => pre(new DataView(new ArrayBuffer(48))), error: 'TypeError', message: names('x', 'a DataView of length 48') },
    { label: 'an ArrayBuffer', args: () => pre(new ArrayBuffer(48)), error: 'TypeError', message: names('x', 'an object of type ArrayBuffer') },
    { label: 'a number[]', args: () => pre(new Array(12).fill(0.5)), error: 'TypeError', message: names('x[0]', 'number 0.5') },
    { label: 'the expected message', args: () => pre(null), error: 'TypeError', message: expectX },
    { label: 'an empty Float32Array', args: () => pre(f32(0)), error: 'RangeError', message: names('x', 'a Float32Array of length 0') },
    { label: 'n + 1 values', args: () => pre(f32(n + 1)), error: 'RangeError', message: names('x', 'a Float32Array of length 7') },
    { label: 'n - 1 values', args: () => pre(f32(n - 1)), error: 'RangeError', message: names('x', 'a Float32Array of length 5') },
    { label: '2n + 3 values', args: () => pre(f32(2 * n + 3)), error: 'RangeError', message: names('x', 'a Float32Array of length 15') },
    { label: 'an empty list', args: () => pre([]), error: 'RangeError', message: names('x', 'an array of length 0') },
    { label: 'a list with a Float64Array', args: () => pre([f32(n), new Float64Array(n)]), error: 'TypeError', message: names('x[1]', 'a Float64Array of length 6') },
    { label: 'a list with a bad length', args: () => pre([f32(n), f32(n + 1)]), error: 'RangeError', message: names('x[1]', 'a Float32Array of length 7') },
    { label: 'a list with null', args: () => pre([f32(n), null]), error: 'TypeError', message: names('x[1]', 'null') },
    // eslint-disable-next-line no-sparse-arrays
    { label: 'a list with a hole', args: () => pre([f32(n), , f32(n)]), error: 'TypeError', message: names('x[1]', 'undefined') },
    { label: 'a nested list', args: () => pre([[f32(n)]]), error: 'TypeError', message: names('x[0]', 'an array of length 1') },
    { label: 'a detached Float32Array', args: () => pre(detached(n)), error: 'RangeError', message: names('x', 'a Float32Array of length 0 (detached or empty)') },
    { label: 'a list with a detached entry', args: () => pre([f32(n), detached(n)]), error: 'RangeError', message: names('x[1]', 'a Float32Array of length 0 (detached or empty)') },
    {
      label: 'a list of 20 with a bad entry at 17',
      args: () => pre(Array.from({ length: 20 }, (_, s) => (s === 17 ? new Float64Array(n) : f32(n)))),
      error: 'TypeError',
      message: names('x[17]', 'a Float64Array of length 6'),
    },
    {
      label: 'a sparse list of length 2^32 - 1',
      args: () => pre(Object.assign([], { length: 2 ** 32 - 1 })),
      error: 'TypeError',
      message: names('x[0]', 'undefined'),
    },
    {
      // Checked in JS, then shrunk by a getter before the native call: must fail cleanly, not read freed memory.
      label: 'a list whose getter shrinks an already checked entry',
      args: () => (fede ? [shrinkingList(n, 1).list, [f32(n), f32(n)]] : [shrinkingList(n, 1).list]),
      error: 'RangeError',
      message: /Expected x to hold a whole multiple of 6 values but it holds 0/,
      fusedOnly: true,
    },
    {
      // An own `length` property hides 13 values behind 12: counted from byteLength, it cannot pass.
      label: 'a Float32Array that lies about its length',
      args: () => pre(Object.defineProperty(f32(n * WIDTH + 1), 'length', { value: n * WIDTH })),
      error: 'RangeError',
      message: names('x', 'a Float32Array of length 12'),
    },
  ];
  if (!fede) return rows;

  const x = () => f32(n * WIDTH);
  return [
    ...rows,
    { label: 'preTrace missing', args: () => [x()], error: 'TypeError', message: names('preTrace', 'undefined') },
    { label: 'preTrace null', args: () => [x(), null], error: 'TypeError', message: names('preTrace', 'null') },
    { label: 'preTrace a Float64Array', args: () => [x(), new Float64Array(n * WIDTH)], error: 'TypeError', message: names('preTrace', 'a Float64Array of length 12') },
    { label: 'preTrace a number[]', args: () => [x(), new Array(n * WIDTH).fill(0)], error: 'TypeError', message: names('preTrace[0]', 'number 0') },
    { label: 'preTrace of a bad length', args: () => [x(), f32(n * WIDTH + 1)], error: 'RangeError', message: names('preTrace', 'a Float32Array of length 13') },
    { label: 'preTrace empty list', args: () => [x(), []], error: 'RangeError', message: names('preTrace', 'an array of length 0') },
    { label: 'preTrace detached', args: () => [x(), detached(n * WIDTH)], error: 'RangeError', message: names('preTrace', 'a Float32Array of length 0 (detached or empty)') },
    {
      label: 'preTrace narrower than x',
      args: () => [x(), f32(n)],
      error: 'RangeError',
      message: /Expected preTrace to have the layout of x \(widths \[2\]\) but received a Float32Array of length 6 with widths \[1\]/,
    },
    {
      label: 'preTrace wider than x',
      args: () => [x(), f32(3 * n)],
      error: 'RangeError',
      message: /preTrace.*widths \[2\]\) but received a Float32Array of length 18 with widths \[3\]/,
    },
    {
      label: 'x an array, preTrace a list of it',
      args: () => [x(), [x()]],
      error: 'RangeError',
      message: /preTrace to have the layout of x.*but received an array of length 1/,
    },
    {
      label: 'x a list, preTrace the array',
      args: () => [[x()], x()],
      error: 'RangeError',
      message: /preTrace to have the layout of x.*but received a Float32Array of length 12/,
    },
    {
      label: 'lists of different counts',
      args: () => [[f32(n), f32(n)], [f32(2 * n)]],
      error: 'RangeError',
      message: /widths \[1, 1\]\) but received an array of length 1 with widths \[2\]/,
    },
    {
      label: 'lists of the same total width, different widths',
      args: () => [[f32(n), f32(2 * n)], [f32(2 * n), f32(n)]],
      error: 'RangeError',
      message: /widths \[1, 2\]\) but received an array of length 2 with widths \[2, 1\]/,
    },
    {
      label: 'lists of 20, one width mismatched at 16',
      args: () => [
        Array.from({ length: 20 }, () => f32(n)),
        Array.from({ length: 20 }, (_, s) => f32(s === 16 ? 2 * n : n)),
      ],
      error: 'RangeError',
      message: /preTrace to have the layout of x/,
    },
    {
      label: 'preTrace list with a bad entry',
      args: () => [[f32(n), f32(n)], [f32(n), 'oops']],
      error: 'TypeError',
      message: names('preTrace[1]', 'string "oops"'),
    },
    {
      label: 'preTrace whose getter shrinks x after its check',
      args: () => {
        const { list } = shrinkingList(n, 1);
        const preTrace = [f32(n), f32(0)];
        let reads = 0;
        Object.defineProperty(preTrace, 1, {
          get() {
            if (++reads >= 2) (list[0].buffer as Resizable).resize(0);
            return f32(n);
          },
        });
        return [[list[0], f32(n)], preTrace];
      },
      error: 'RangeError',
      message: /Expected x to hold a whole multiple of 6 values but it holds 0/,
      fusedOnly: true,
    },
  ];
}

function badInputX(): BadForward[] {
  const n = N;
  const expectX = `a Float32Array or Uint8Array of ${n} values`;
  const row = (label: string, x: () => unknown, error: ErrorName, received: string): BadForward => ({
    label,
    args: () => [x()],
    error,
    message: new RegExp(`Expected ${escape(expectX)} ${escape(`for x but received ${received}`)}`),
  });
  return [
    row('no argument', () => undefined, 'TypeError', 'undefined'),
    row('null', () => null, 'TypeError', 'null'),
    row('a string', () => '101', 'TypeError', 'string "101"'),
    row('a number', () => 1, 'TypeError', 'number 1'),
    row('a number[]', () => [1, 0, 1, 0, 1, 0], 'TypeError', 'an array of length 6'),
    row('a list of one Float32Array', () => [f32(n)], 'TypeError', 'an array of length 1'),
    row('a Float64Array', () => new Float64Array(n), 'TypeError', 'a Float64Array of length 6'),
    row('an Int32Array', () => new Int32Array(n), 'TypeError', 'a Int32Array of length 6'),
    row('an Int8Array', () => new Int8Array(n), 'TypeError', 'a Int8Array of length 6'),
    row('a Uint8ClampedArray', () => new Uint8ClampedArray(n), 'TypeError', 'a Uint8ClampedArray of length 6'),
    row('a DataView', () => new DataView(new ArrayBuffer(24)), 'TypeError', 'a DataView of length 24'),
    row('an ArrayBuffer', () => new ArrayBuffer(24), 'TypeError', 'an object of type ArrayBuffer'),
    row('an empty Float32Array', () => f32(0), 'RangeError', 'a Float32Array of length 0'),
    row('n - 1 values', () => f32(n - 1), 'RangeError', 'a Float32Array of length 5'),
    row('n + 1 values', () => f32(n + 1), 'RangeError', 'a Float32Array of length 7'),
    row('2n values (Input takes no k)', () => f32(2 * n), 'RangeError', 'a Float32Array of length 12'),
    row('a Uint8Array of n + 1', () => new Uint8Array(n + 1), 'RangeError', 'a Uint8Array of length 7'),
    row('a detached Float32Array', () => detached(n), 'RangeError', 'a Float32Array of length 0 (detached or empty)'),
    {
      label: 'a Float32Array that lies about its length',
      args: () => [Object.defineProperty(f32(n + 1), 'length', { value: n })],
      error: 'RangeError',
      message: names('x', 'a Float32Array of length 6'),
    },
  ];
}

describe.each(CONCRETE)('%s.forward', (kind) => {
  const table = kind === 'Input' ? badInputX() : badNeuronX(kind);

  describe.each(Object.keys(PATHS) as Path[])('%s path', (path) => {
    const rows = table.filter((r) => path === 'fused' || !r.fusedOnly);
    test.each(rows.map((r) => [r.label, r] as const))('rejects %s and leaves every state as it was', (_label, bad) => {
      const { layer, twin } = primed(kind, path);
      const before = snapshot(layer);
      expect(before).toEqual(snapshot(twin));
      if (kind !== 'Input') expect(before.completeTrace!.length).toBeGreaterThan(N);
      expectRejected(() => (layer.forward as (...a: unknown[]) => unknown)(...bad.args()), bad.error, bad.message);
      expect(snapshot(layer)).toEqual(before);
      // Nothing half-done either: the next valid step matches the twin's exactly.
      const [x, pre] = inputsAt(kind, 4);
      step(layer, x, pre);
      step(twin, x, pre);
      expect(snapshot(layer)).toEqual(snapshot(twin));
      expect(snapshot(layer)).not.toEqual(before);
    });
  });

  /** Runs the same inputs through a layer (as given) and its twin (as fresh plain arrays). */
  function sameAsTwin(path: Path, prepare: (x: Float32Array) => unknown): void {
    const { layer, twin } = primed(kind, path);
    for (let t = 4; t < 8; t++) {
      const [x, pre] = inputsAt(kind, t);
      step(layer, prepare(x), pre && prepare(pre));
      step(twin, x, pre);
      expect(snapshot(layer)).toEqual(snapshot(twin));
    }
  }

  describe.each(Object.keys(PATHS) as Path[])('accepted inputs (%s path)', (path) => {
    test('x as a subarray view with a byte offset', () => {
      sameAsTwin(path, (x) => {
        const backing = new Float32Array(x.length + 7).fill(99);
        backing.set(x, 3);
        const view = backing.subarray(3, 3 + x.length);
        expect(view.byteOffset).toBe(12);
        return view;
      });
    });

    test('x backed by a SharedArrayBuffer', () => {
      sameAsTwin(path, (x) => {
        const shared = new Float32Array(new SharedArrayBuffer(x.byteLength));
        shared.set(x);
        return shared;
      });
    });

    test('x in a resizable ArrayBuffer', () => {
      sameAsTwin(path, (x) => {
        const buffer = resizable(x.byteLength, 2 * x.byteLength);
        const tracking = new Float32Array(buffer);
        tracking.set(x);
        return tracking;
      });
    });

    if (kind === 'Input') {
      test('x as a Uint8Array of spikes is x as 0/1 float32 values', () => {
        const { layer, twin } = primed(kind, path);
        for (let t = 0; t < 4; t++) {
          const spikes = Uint8Array.from({ length: N }, (_, i) => ((i + t) % 3 === 0 ? 1 : 0));
          (layer as spiking.Input).forward(spikes);
          (twin as spiking.Input).forward(Float32Array.from(spikes));
          expect(snapshot(layer)).toEqual(snapshot(twin));
        }
        expect(Array.from(layer.spikes)).not.toEqual([0, 0, 0, 0, 0, 0]);
      });
    } else {
      test('x (and preTrace) as a list of 20 width-1 parts is x joined along the last dimension', () => {
        const { layer, twin } = primed(kind, path);
        const width = 20;
        const parts = Array.from({ length: width }, (_, s) => Float32Array.from({ length: N }, (_, i) => ((i + s) % 3) * 0.125));
        const joined = new Float32Array(N * width);
        for (let i = 0; i < N; i++) for (let s = 0; s < width; s++) joined[i * width + s] = parts[s][i];
        const preParts = parts.map((p) => p.map((v) => v / 2));
        const preJoined = joined.map((v) => v / 2);
        step(layer, parts, preParts);
        step(twin, joined, preJoined);
        expect(snapshot(layer)).toEqual(snapshot(twin));
      });
    }
  });
});

describe.each(['BaseNeuron', 'BaseInput'] as const)('%s.forward', (kind) => {
  test('throws NotImplementedError and changes nothing', () => {
    const layer = construct(kind, validOptions(kind)) as spiking.BaseNeuron;
    const state = () => [Array.from(layer.spikes), Array.from(layer.trace)];
    const before = state();
    expectRejectedNamed(() => layer.forward(f32(N)), 'NotImplementedError', /must implement `forward`/);
    expect(state()).toEqual(before);
  });
});

function expectRejectedNamed(fn: () => unknown, name: string, message: RegExp): void {
  expect(fn).toThrow(message);
  try {
    fn();
  } catch (error) {
    expect((error as Error).name).toBe(name);
  }
}

describe('detached inputs stay rejected once the JIT has seen views on resizable buffers', () => {
  // V8 11.3 (Node 20): optimised code that has seen both length-tracking and
  // fixed-length views on resizable buffers can report a detached array's old
  // `length`. The checks must not be fooled, on either path.
  test.each(CONCRETE.flatMap((kind) => (Object.keys(PATHS) as Path[]).map((path) => [kind, path] as const)))(
    '%s (%s path)',
    (kind, path) => {
      const { layer, twin } = primed(kind, path);
      const width = kind === 'Input' ? 1 : WIDTH;
      const tracking = new Float32Array(resizable(4 * N * width, 8 * N * width));
      const fixed = new Float32Array(resizable(4 * (N * width + 2), 8 * N * width), 8, N * width);
      const pre = kind === 'FedeNeuron' ? [f32(N * width)] : [];
      for (let i = 0; i < 5000; i++) {
        (layer.forward as (...a: unknown[]) => unknown)(i % 2 ? tracking : fixed, ...pre);
        (twin.forward as (...a: unknown[]) => unknown)(i % 2 ? tracking : fixed, ...pre);
      }
      const before = snapshot(layer);
      const x = detached(N * width);
      expectRejected(() => (layer.forward as (...a: unknown[]) => unknown)(x, ...pre), 'RangeError', /detached/);
      expectRejected(() => (layer.forward as (...a: unknown[]) => unknown)([x], ...pre), kind === 'Input' ? 'TypeError' : 'RangeError', /received/);
      if (kind === 'FedeNeuron') {
        expectRejected(() => layer.forward(f32(N * width), detached(N * width)), 'RangeError', names('preTrace', 'a Float32Array of length 0 (detached or empty)'));
      }
      expect(snapshot(layer)).toEqual(before);
      expect(snapshot(layer)).toEqual(snapshot(twin));
    },
  );
});
