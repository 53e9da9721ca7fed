import { constants as bufferConstants } from 'node:buffer';

import { layerLayout, type ParamName, type UpdateType } from '../binding';
import { invalidParameter } from '../errors';

const f32 = Math.fround;

export type { ParamName, UpdateType };
/** A parameter given once for all neurons or once per neuron (length n). */
export type PerNeuron = number | Float32Array | readonly number[];
/** A validated parameter: a float32 scalar or a float32 array of length n. */
export type Resolved = number | Float32Array;

/** The parameters in slot order (native/abi/layer_layout.hpp). */
export const PARAM_NAMES: readonly ParamName[] = layerLayout.params;
const DECAYS: readonly ParamName[] = ['tauV', 'tauT', 'tauThresh', 'tauTheta'];

type OptionKind = 'shape' | 'scalar' | 'dt' | 'refrac' | 'perNeuron' | 'update' | 'boolean';
interface OptionSpec {
  kind: OptionKind;
  optional?: boolean;
}

/** The options each class takes, in PySNN's order (camelCase names). */
const BASE_INPUT = { cellsShape: { kind: 'shape' }, dt: { kind: 'dt' } } as const;
const INPUT = {
  ...BASE_INPUT,
  alphaT: { kind: 'perNeuron' },
  tauT: { kind: 'perNeuron' },
  updateType: { kind: 'update', optional: true },
} as const;
const BASE_NEURON = {
  cellsShape: { kind: 'shape' },
  thresh: { kind: 'perNeuron' },
  vRest: { kind: 'scalar' },
  alphaV: { kind: 'perNeuron', optional: true },
  alphaT: { kind: 'perNeuron', optional: true },
  dt: { kind: 'dt' },
  durationRefrac: { kind: 'refrac' },
  storeTrace: { kind: 'boolean', optional: true },
} as const;
const NEURON = { ...BASE_NEURON, alphaV: { kind: 'perNeuron' }, alphaT: { kind: 'perNeuron' } } as const;
const IF = { ...NEURON, tauT: { kind: 'perNeuron' }, updateType: { kind: 'update', optional: true } } as const;
const LIF = { ...IF, tauV: { kind: 'perNeuron' } } as const;
const ADAPTIVE = { ...LIF, alphaThresh: { kind: 'perNeuron' }, tauThresh: { kind: 'perNeuron' } } as const;
const ADAPTIVE_THRESHOLD = { ...LIF, thetaPlus: { kind: 'perNeuron' }, tauTheta: { kind: 'perNeuron' } } as const;
const FEDE = { ...NEURON, tauV: { kind: 'perNeuron' }, tauT: { kind: 'perNeuron' } } as const;

export const OPTIONS: Record<LayerKind, Record<string, OptionSpec>> = {
  BaseInput: BASE_INPUT,
  Input: INPUT,
  BaseNeuron: BASE_NEURON,
  IFNeuron: IF,
  LIFNeuron: LIF,
  AdaptiveLIFNeuron: ADAPTIVE,
  FedeNeuron: FEDE,
  AdaptiveThresholdLIFNeuron: ADAPTIVE_THRESHOLD,
};

export type LayerKind =
  | 'BaseInput'
  | 'Input'
  | 'BaseNeuron'
  | 'IFNeuron'
  | 'LIFNeuron'
  | 'AdaptiveLIFNeuron'
  | 'FedeNeuron'
  | 'AdaptiveThresholdLIFNeuron';

/** Neurons have a voltage, a threshold and a refractory count; inputs only a trace and spikes. */
export function isNeuronKind(kind: LayerKind): boolean {
  return kind !== 'BaseInput' && kind !== 'Input';
}

/** Everything a layer is built from, validated and rounded to float32. */
export interface LayerSpec {
  kind: LayerKind;
  cellsShape: readonly number[];
  n: number;
  /** dt rounded to float32, as the kernels use it. */
  dt: number;
  /** dt as given: durationRefrac is counted in steps of this, and a saved state keeps it. */
  givenDt: number;
  update: UpdateType;
  vRest: number;
  durationRefrac: number;
  /** durationRefrac in whole steps of dt. */
  refracSteps: number;
  thresh: Resolved;
  params: Partial<Record<ParamName, Resolved>>;
  storeTrace: boolean;
}

/** The bytes a layer needs per neuron, at most: six state arrays (theta included) and eight parameters. */
const MAX_BYTES_PER_NEURON = 4 * 14 + 1;
/** Beyond this a layer's state cannot be one ArrayBuffer. */
export const MAX_NEURONS = Math.floor(Math.min(bufferConstants.MAX_LENGTH, 2 ** 53) / MAX_BYTES_PER_NEURON) - 64;
/** A refractory period longer than this many steps would not count exactly in float32. */
const MAX_REFRAC_STEPS = layerLayout.maxRefracSteps;
/** durationRefrac / dt may miss a whole number by this much (relative) from rounding alone. */
const WHOLE_STEP_TOLERANCE = 1e-9;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function finiteFloat32(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidParameter(name, 'a finite number', value, typeof value === 'number' ? 'range' : 'type');
  }
  const rounded = f32(value);
  if (!Number.isFinite(rounded)) throw invalidParameter(name, 'a number within float32 range', value, 'range');
  return rounded;
}

export function validateShape(value: unknown, name = 'cellsShape'): { shape: number[]; n: number } {
  const entries =
    ArrayBuffer.isView(value) && !(value instanceof DataView)
      ? Array.from(value as unknown as ArrayLike<number>)
      : value;
  if (!Array.isArray(entries) || entries.length === 0) {
    const kind = Array.isArray(entries) ? 'range' : 'type';
    throw invalidParameter(name, 'a non-empty array of positive integers [batch, ...dims]', value, kind);
  }
  // Index by index, not forEach: that skips holes, which must be rejected too.
  const shape: number[] = [];
  let n = 1;
  for (let i = 0; i < entries.length; i++) {
    const d: unknown = entries[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 1) {
      throw invalidParameter(`${name}[${i}]`, 'a positive integer', d, typeof d === 'number' ? 'range' : 'type');
    }
    shape.push(d);
    n *= d;
  }
  if (n > MAX_NEURONS) {
    throw new RangeError(
      `Expected at most ${MAX_NEURONS} neurons for ${name} but received [${shape.join(', ')}] (${n} neurons)`,
    );
  }
  return { shape, n };
}

function resolvePerNeuron(value: unknown, name: string, n: number): Resolved {
  if (typeof value === 'number') return finiteFloat32(value, name);
  if (value instanceof Float32Array || Array.isArray(value)) {
    if (value.length !== n) {
      throw invalidParameter(name, `a number or ${n} per-neuron values`, value, 'range');
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = finiteFloat32(value[i], `${name}[${i}]`);
    return out;
  }
  throw invalidParameter(name, `a finite number, a Float32Array or a number[] of ${n} values`, value);
}

function eachValue(p: Resolved, visit: (v: number, index: number | null) => void): void {
  if (typeof p === 'number') visit(p, null);
  else p.forEach((v, i) => visit(v, i));
}

function checkDecay(name: ParamName, p: Resolved, update: UpdateType): void {
  eachValue(p, (v, i) => {
    const where = i === null ? name : `${name}[${i}]`;
    if (update === 'linear' && !(v >= 0 && v <= 1)) {
      throw invalidParameter(where, 'a decay factor in [0, 1] for linear updates', v, 'range');
    }
    if (update === 'exponential' && !(v > 0)) {
      throw invalidParameter(where, 'a time constant > 0 for exponential updates', v, 'range');
    }
  });
}

/** durationRefrac as whole steps of dt; rejects periods that are not. */
function refracSteps(durationRefrac: number, dt: number): number {
  const ratio = durationRefrac / dt;
  const steps = Math.round(ratio);
  if (Math.abs(ratio - steps) > WHOLE_STEP_TOLERANCE * Math.max(1, steps)) {
    throw invalidParameter('durationRefrac', `a whole number of time steps (dt = ${dt})`, durationRefrac, 'range');
  }
  if (steps > MAX_REFRAC_STEPS) {
    throw invalidParameter('durationRefrac', `at most ${MAX_REFRAC_STEPS} steps of dt`, durationRefrac, 'range');
  }
  return steps;
}

/** PySNN's default update, linear, unless the model takes only one (FedeNeuron: exponential). */
function defaultUpdate(kind: LayerKind): UpdateType {
  const only = (layerLayout.updatesOf as Partial<Record<LayerKind, readonly UpdateType[]>>)[kind];
  return only?.length === 1 ? only[0] : 'linear';
}

/** Validates a class's options completely, before anything is allocated. */
export function validateOptions(kind: LayerKind, options: unknown): LayerSpec {
  if (!isRecord(options)) throw invalidParameter(`the options of ${kind}`, 'an options object', options);
  const specs = OPTIONS[kind];
  for (const key of Object.keys(options)) {
    if (!(key in specs)) {
      throw new TypeError(`Unknown option ${JSON.stringify(key)} for ${kind}; its options are: ${Object.keys(specs).join(', ')}`);
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    if (!spec.optional && options[key] === undefined) {
      throw invalidParameter(key, `a value (${kind} requires ${key})`, undefined);
    }
  }

  const { shape, n } = validateShape(options.cellsShape);
  const dt = finiteFloat32(options.dt, 'dt');
  if (!(dt > 0)) throw invalidParameter('dt', 'a number > 0', options.dt, 'range');

  let update = defaultUpdate(kind);
  if (options.updateType !== undefined) {
    if (!Object.hasOwn(layerLayout.updates, options.updateType as string)) {
      const asType = typeof options.updateType === 'string' ? 'range' : 'type';
      const names = Object.keys(layerLayout.updates).map((u) => JSON.stringify(u));
      throw invalidParameter('updateType', names.join(' or '), options.updateType, asType);
    }
    update = options.updateType as UpdateType;
  }

  const isNeuron = isNeuronKind(kind);
  let vRest = 0;
  let durationRefrac = 0;
  let steps = 0;
  let thresh: Resolved = 0;
  let storeTrace = false;
  if (isNeuron) {
    vRest = finiteFloat32(options.vRest, 'vRest');
    thresh = resolvePerNeuron(options.thresh, 'thresh', n);
    const refrac = options.durationRefrac;
    if (typeof refrac !== 'number' || !Number.isFinite(refrac)) {
      throw invalidParameter('durationRefrac', 'a finite number', refrac, typeof refrac === 'number' ? 'range' : 'type');
    }
    if (refrac < 0) throw invalidParameter('durationRefrac', 'a number >= 0', refrac, 'range');
    durationRefrac = refrac;
    steps = refracSteps(refrac, options.dt as number);
    if (options.storeTrace !== undefined && typeof options.storeTrace !== 'boolean') {
      throw invalidParameter('storeTrace', 'a boolean', options.storeTrace);
    }
    storeTrace = options.storeTrace === true;
  }

  const params: Partial<Record<ParamName, Resolved>> = {};
  for (const name of PARAM_NAMES) {
    if (!(name in specs) || options[name] === undefined) continue;
    const p = resolvePerNeuron(options[name], name, n);
    if (DECAYS.includes(name)) checkDecay(name, p, update);
    params[name] = p;
  }

  const givenDt = options.dt as number;
  return { kind, cellsShape: shape, n, dt, givenDt, update, vRest, durationRefrac, refracSteps: steps, thresh, params, storeTrace };
}
