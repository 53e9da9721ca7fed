/**
 * One layer as a record (codec.ts) and back: what the Layer base's
 * saveState and loadState, and a Network's, are built on.
 * A layer's record has the kind of its class ("LIFNeuron", ...; a user
 * subclass saves as the library class it extends) and these fields:
 *
 * | field | type | what |
 * |---|---|---|
 * | `options` | record of kind "options" | every constructor option the class takes: numbers as float64[1] (dt and durationRefrac as given), `cellsShape` as float64[], per-neuron parameters as float32[n] (a scalar one as float64[1]), `updateType` as text, `storeTrace` as uint8[1] |
 * | `spikes` | uint8[n] | the last step's spikes |
 * | `trace` | float32[n] | |
 * | `vCell`, `thresh`, `refracCounts`, `refracLeft` | float32[n] | neurons only; `refracLeft` is the whole-step refractory counter the kernels step on |
 * | `theta` | float32[n] | AdaptiveThresholdLIFNeuron only: the adaptive offset on top of thresh |
 * | `history` | uint8[T*n] | neurons with storeTrace only: the spikes of all T stored steps, time first |
 *
 * A Network nests such records as fields of its own record (network.ts)
 * through layerRecord and prepareRestoreLayer.
 */
import { expectedBut, invalidParameter } from '../errors';
import { isNeuronKind, OPTIONS, type LayerKind, type LayerSpec, type ParamName } from '../layers/options';
import { holdGuards, type BusyGuard } from '../layers/run';
import { hasTheta, type Slab } from '../layers/slab';
import type { SpikeHistory } from '../layers/spike-history';
import {
  corruptState,
  decodeRecord,
  field,
  onlyFields,
  type FieldValue,
  type StateRecord,
} from './codec';

/** What saving and restoring needs of a layer, kept out of its public surface. */
interface LayerInternals {
  spec: LayerSpec;
  state: Slab;
  history: SpikeHistory | null;
  /** Refuses while runAsync works on the state in place (it settles when done). */
  guard: BusyGuard;
}

const internals = new WeakMap<object, LayerInternals>();
const classes = new Map<LayerKind, abstract new (options: never) => object>();
const kinds = new Map<unknown, LayerKind>();

/** Called by the base constructors: the layer's spec, slab and history. */
export function attachState(layer: object, parts: LayerInternals): void {
  internals.set(layer, parts);
}

/** Called once per library class, so that loadLayer can rebuild it by name. */
export function registerLayerClass(kind: LayerKind, cls: abstract new (options: never) => object): void {
  classes.set(kind, cls);
  kinds.set(cls, kind);
}

/** The layer's internals, once no runAsync is under way on it. */
function internalsOf(layer: object, action: string): LayerInternals {
  const parts = internals.get(layer);
  if (!parts) throw invalidParameter('this', 'a layer built by its constructor', layer);
  parts.guard.check(layer, action);
  return parts;
}

/**
 * @internal The layer's state slab, for the network engine (lib/network/plan.ts),
 * which steps it natively; refused like `action` while runAsync works on it.
 */
export function layerSlab(layer: object, action: string): Slab {
  return internalsOf(layer, action).state;
}

/**
 * @internal Keeps every layer busy, as its own runAsync does, until `work`
 * settles (the network engine's runAsync); refused if one is busy already.
 */
export function holdLayers<T>(layers: readonly object[], what: string, work: () => Promise<T>): Promise<T> {
  return holdGuards(layers.map((layer) => internalsOf(layer, what).guard), what, work);
}

/** The library class a class is or extends, by walking its prototype chain. */
function kindOfClass(cls: unknown): LayerKind {
  for (let c = cls; c; c = Object.getPrototypeOf(c)) {
    const kind = kinds.get(c);
    if (kind) return kind;
  }
  throw invalidParameter('the class', 'a spiking layer class', cls);
}

const NEURON_ARRAYS = ['trace', 'vCell', 'thresh', 'refracCounts', 'refracLeft'] as const;
const THETA_ARRAYS = [...NEURON_ARRAYS, 'theta'] as const;
const INPUT_ARRAYS = ['trace'] as const;

function article(kind: string): string {
  return `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${kind}`;
}

function floatArrays(kind: LayerKind): readonly (typeof THETA_ARRAYS)[number][] {
  if (hasTheta(kind)) return THETA_ARRAYS;
  return isNeuronKind(kind) ? NEURON_ARRAYS : INPUT_ARRAYS;
}

function stateFields(spec: LayerSpec): string[] {
  return ['options', 'spikes', ...floatArrays(spec.kind), ...(spec.storeTrace ? ['history'] : [])];
}

// ---- options ----------------------------------------------------------------

/** One constructor option as a field; undefined for an optional one not given. */
function optionField(spec: LayerSpec, state: Slab, key: string): FieldValue | undefined {
  switch (OPTIONS[spec.kind][key].kind) {
    case 'shape':
      return Float64Array.from(spec.cellsShape);
    case 'dt':
      return Float64Array.of(spec.givenDt);
    case 'scalar':
      return Float64Array.of(spec.vRest);
    case 'refrac':
      return Float64Array.of(spec.durationRefrac);
    case 'update':
      return spec.update;
    case 'boolean':
      return Uint8Array.of(spec.storeTrace ? 1 : 0);
    case 'perNeuron': {
      const value = key === 'thresh' ? spec.thresh : state.params[key as ParamName];
      if (value === undefined) return undefined;
      return typeof value === 'number' ? Float64Array.of(value) : value;
    }
  }
}

function optionsRecord(spec: LayerSpec, state: Slab): StateRecord {
  const fields = new Map<string, FieldValue>();
  for (const key of Object.keys(OPTIONS[spec.kind])) {
    const value = optionField(spec, state, key);
    if (value !== undefined) fields.set(key, value);
  }
  return { kind: 'options', fields };
}

/** A float64[1] field as its number. */
function scalarOf(value: FieldValue, where: string): number {
  if (!(value instanceof Float64Array) || value.length !== 1) {
    throw corruptState(where, 'one float64 value', describeField(value));
  }
  return value[0];
}

/** The saved options as a constructor options object (checked by the constructor). */
function optionsFrom(record: StateRecord, kind: LayerKind): Record<string, unknown> {
  const where = 'options.';
  if (record.kind !== 'options') throw corruptState('options', 'a record of kind "options"', JSON.stringify(record.kind));
  const specs = OPTIONS[kind];
  onlyFields(record, Object.keys(specs), where);
  const options: Record<string, unknown> = {};
  for (const [key, value] of record.fields) {
    const at = `${where}${key}`;
    switch (specs[key].kind) {
      case 'shape':
        if (!(value instanceof Float64Array)) throw corruptState(at, 'a float64 array', describeField(value));
        options[key] = Array.from(value);
        break;
      case 'update':
        if (typeof value !== 'string') throw corruptState(at, 'text', describeField(value));
        options[key] = value;
        break;
      case 'boolean':
        if (!(value instanceof Uint8Array) || value.length !== 1 || value[0] > 1) {
          throw corruptState(at, 'one uint8 that is 0 or 1', describeField(value));
        }
        options[key] = value[0] === 1;
        break;
      case 'perNeuron':
        options[key] = value instanceof Float32Array ? value : scalarOf(value, at);
        break;
      default:
        options[key] = scalarOf(value, at);
    }
  }
  return options;
}

function describeField(value: FieldValue): string {
  if (typeof value === 'string') return `text ${JSON.stringify(value)}`;
  if (value instanceof Float64Array) {
    if (value.length === 1) return `${value[0]}`;
    return value.length <= 8 ? `[${value.join(', ')}]` : `a float64 array of ${value.length}`;
  }
  if (value instanceof Float32Array) return `a float32 array of ${value.length}`;
  if (value instanceof Uint8Array) return `a uint8 array of ${value.length}`;
  return `a record of kind ${JSON.stringify(value.kind)}`;
}

/**
 * Where a saved option differs from the layer's own, bit for bit: the field
 * (down to the neuron for per-neuron arrays), its value here and saved; null when equal.
 */
function optionDifference(key: string, own?: FieldValue, saved?: FieldValue): [string, string, string] | null {
  const at = `options.${key}`;
  if (own === undefined || saved === undefined) {
    if (own === saved) return null;
    return [at, own === undefined ? 'none' : describeField(own), saved === undefined ? 'none' : describeField(saved)];
  }
  const whole: [string, string, string] = [at, describeField(own), describeField(saved)];
  if (typeof own === 'string' || typeof saved === 'string') return own === saved ? null : whole;
  const a = own as unknown as ArrayLike<number>;
  const b = saved as unknown as ArrayLike<number>;
  if (own.constructor !== saved.constructor || a.length !== b.length) return whole;
  for (let i = 0; i < a.length; i++) {
    if (Object.is(a[i], b[i])) continue;
    return key === 'cellsShape' || a.length === 1 ? whole : [`${at}[${i}]`, `${a[i]}`, `${b[i]}`];
  }
  return null;
}

// ---- save ----------------------------------------------------------------------

/** The layer's whole state as a record (copies nothing; encode it before the layer steps again). */
export function layerRecord(layer: object): StateRecord {
  const { spec, state, history } = internalsOf(layer, 'saveState');
  checkAttached(state);
  const fields = new Map<string, FieldValue>([
    ['options', optionsRecord(spec, state)],
    ['spikes', state.spikes],
  ]);
  for (const name of floatArrays(spec.kind)) fields.set(name, state[name]);
  if (history) fields.set('history', history.rowsView());
  return { kind: spec.kind, fields };
}

// ---- restore -------------------------------------------------------------------

/**
 * Restores a layer from its record: checks the class, the shape and every
 * option against the layer's own, and every array's type and length, then
 * copies. Throws before changing anything.
 */
export function restoreLayer(layer: object, record: StateRecord): void {
  prepareRestoreLayer(layer, record)();
}

/**
 * Every check (and allocation) of restoreLayer, changing nothing; returns
 * the copy into the layer, which cannot fail. A network checks all its
 * layers this way before it changes any.
 */
export function prepareRestoreLayer(layer: object, record: StateRecord): () => void {
  const { spec, state, history } = internalsOf(layer, 'loadState');
  checkAttached(state);
  if (record.kind !== spec.kind) {
    throw corruptState('class', `${article(spec.kind)} (this layer's class)`, JSON.stringify(record.kind));
  }
  const saved = field(record, 'options', 'record', '');
  optionsFrom(saved, spec.kind);
  const own = optionsRecord(spec, state);
  // Every option the class takes: cellsShape first, so that a layer of
  // another shape reads as exactly that, then the other settings
  // (updateType, dt, ...), then the per-neuron parameters.
  const keys = Object.keys(OPTIONS[spec.kind]);
  const perNeuron = (key: string) => (OPTIONS[spec.kind][key].kind === 'perNeuron' ? 1 : 0);
  for (const key of keys.sort((a, b) => perNeuron(a) - perNeuron(b))) {
    const difference = optionDifference(key, own.fields.get(key), saved.fields.get(key));
    if (difference) {
      const [at, expected, received] = difference;
      throw corruptState(at, `${expected} (this layer's)`, received);
    }
  }
  onlyFields(record, stateFields(spec), '');

  const { n } = spec;
  const spikes = field(record, 'spikes', 'u8', '');
  checkLength(spikes, n, 'spikes');
  const arrays = floatArrays(spec.kind).map((name) => {
    const values = field(record, name, 'f32', '');
    checkLength(values, n, name);
    return [name, values] as const;
  });
  const rows = history ? field(record, 'history', 'u8', '') : null;
  if (rows && rows.length % n !== 0) {
    throw corruptState('history', `a whole number of steps of ${n} neurons`, `${rows.length} bytes`);
  }

  // Everything checked; the history's new storage allocated now (which may fail), swapped in by the copy.
  const swapHistory = history && rows ? history.prepareRestore(rows) : null;
  return () => {
    swapHistory?.();
    state.spikes.set(spikes);
    for (const [name, values] of arrays) state[name].set(values);
  };
}

/** A layer whose state ArrayBuffer was transferred away has no state left to save or restore into. */
function checkAttached(state: Slab): void {
  if (state.buffer.byteLength === 0) {
    throw expectedBut("the layer's state buffer", 'an ArrayBuffer holding the state', 'a detached one');
  }
}

function checkLength(values: ArrayLike<number>, n: number, name: string): void {
  if (values.length !== n) throw corruptState(name, `${n} values (one per neuron)`, `${values.length}`);
}

/** Builds a layer of the saved class and options, with the saved state. */
function layerFromRecord<T extends object>(cls: abstract new (options: never) => T, record: StateRecord): T {
  const kind = kindOfClass(cls);
  if (record.kind !== kind) throw corruptState('class', article(kind), JSON.stringify(record.kind));
  const options = optionsFrom(field(record, 'options', 'record', ''), kind);
  let layer: T;
  try {
    layer = new (cls as unknown as new (options: unknown) => T)(options);
  } catch (error) {
    if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
    const Kind = error instanceof TypeError ? TypeError : RangeError;
    throw new Kind(`The saved state's options are not valid ${kind} options: ${error.message}`, { cause: error });
  }
  restoreLayer(layer, record);
  return layer;
}

/** The library class of a saved layer record. */
function classOf(record: StateRecord): abstract new (options: never) => object {
  const cls = classes.get(record.kind as LayerKind);
  if (!cls) throw corruptState('class', `one of ${[...classes.keys()].join(', ')}`, JSON.stringify(record.kind));
  return cls;
}

// ---- the public entry points ------------------------------------------------

/** A layer of the saved class, options and state; `cls` must be that class (or extend it). */
export function layerFromState<T extends object>(cls: abstract new (options: never) => T, bytes: unknown): T {
  return layerFromRecord(cls, decodeRecord(bytes));
}

/**
 * A layer of whatever library class the bytes saved, with its options and
 * state (loadLayer in lib/layers/load-layer.ts gives it its public type).
 */
export function layerOfSavedClass(bytes: Uint8Array): object {
  const record = decodeRecord(bytes);
  return layerFromRecord(classOf(record), record);
}
