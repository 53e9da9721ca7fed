import { layerLayout, native, type RecordName } from '../binding';
import { invalidParameter } from '../errors';
import type { Slab } from './slab';
import type { SpikeHistory } from './spike-history';

export type { RecordName };
/** State variables run() can record, in the order the addon takes them (native/abi/layer_layout.hpp). */
export const RECORDABLE: readonly RecordName[] = layerLayout.records;

export interface RunOptions<R extends RecordName = RecordName> {
  /** Number of steps; x holds them time-major. */
  steps: number;
  /** State variables to record after every step (steps x n each). */
  record?: readonly R[];
  /**
   * run() only: arrays of steps x n to write the outputs into instead of new
   * ones (spikes, and any recorded variable), so a loop of runs allocates
   * nothing. They must not overlap x or each other.
   */
  out?: Partial<RunResult>;
}

/**
 * What run() returns: spikes of every step (steps x n, time-major) and each
 * recorded variable. RunResult<'vCell'> (what run(x, { record: ['vCell'] })
 * returns) has vCell; the variables not recorded are absent. When the names
 * are not known to the compiler (a RecordName[] variable, or one of every
 * variable but theta), every variable is optional.
 */
export type RunResult<R extends RecordName = never> = { spikes: Uint8Array } & ([Exclude<RecordName, 'theta'>] extends [R]
  ? { [K in RecordName]?: Float32Array }
  : { [K in R]: Float32Array } & { [K in Exclude<RecordName, R>]?: Float32Array });

/** How a kind of layer runs: the variables it can record, and whether x may be spikes as bytes. */
export interface RunKind {
  record: readonly RecordName[];
  bytes: boolean;
}
/** Neurons: every variable but theta; x of steps x n x k float32 values, and Fede's preTrace alike. */
export const NEURON_RUN: RunKind = { record: layerLayout.recordsOf.LIFNeuron, bytes: false };
/** AdaptiveThresholdLIFNeuron: a neuron's variables and theta. */
export const THETA_RUN: RunKind = { record: layerLayout.recordsOf.AdaptiveThresholdLIFNeuron, bytes: false };
/** Input: the trace; x of steps x n values, float32 or bytes. */
export const INPUT_RUN: RunKind = { record: layerLayout.recordsOf.Input, bytes: true };

/** What the runner needs of a layer (the Layer base builds it once). */
export interface Runner {
  layer: object;
  size: number;
  state: Slab;
  guard: BusyGuard;
  history: SpikeHistory | null;
  /** Whether the class has a fused kernel (the library's models do; the base classes do not). */
  kernel: boolean;
  /** Whether the fused kernel may run (no stage overridden). */
  fused: () => boolean;
  /** forward() of one step's x (and preTrace, when given). */
  step: (x: Float32Array | Uint8Array, preTrace?: Float32Array) => unknown;
}

/**
 * run() of every layer: `steps` steps in one native call through the fused
 * kernel, or, when a stage is overridden, forward step by step; the same bits
 * either way. x (and preTrace) hold the steps time-major.
 */
export function runLayer(runner: Runner, kind: RunKind, x: unknown, preTrace: unknown, options: unknown): RunResult {
  const { layer, size, state, guard, history } = runner;
  guard.check(layer, 'run');
  const { steps, record, out, width } = checkRun(runner, kind, x, preTrace, options, true);
  history?.reserve(steps);
  const xs = x as Float32Array | Uint8Array;
  const pre = preTrace as Float32Array | undefined;
  if (!runner.fused()) {
    const rows = size * width;
    const at = (t: number) => t * rows;
    const stepOnce = pre
      ? (t: number) => runner.step(xs.subarray(at(t), at(t + 1)), pre.subarray(at(t), at(t + 1)))
      : (t: number) => runner.step(xs.subarray(at(t), at(t + 1)));
    return stagedRun(steps, size, record, out, stepOnce, (name) => state[name]);
  }
  const run = allocateRun(size, steps, record, out);
  native.run(state.buffer, xs, pre, steps, run.spikes, run.records);
  history?.append(run.spikes);
  return run.result;
}

/**
 * runAsync() of every layer: runLayer off the event loop, on the state in
 * place and on x and preTrace, which the addon borrows until it settles
 * (native/binding/borrowed_work.hpp); the layer is busy until then.
 */
export async function runLayerAsync(runner: Runner, kind: RunKind, x: unknown, preTrace: unknown, options: unknown): Promise<RunResult> {
  const { layer, state, guard, history } = runner;
  const name = layer.constructor.name;
  guard.check(layer, 'runAsync');
  const { steps, record } = checkRun(runner, kind, x, preTrace, options, false);
  if (!runner.fused()) {
    const why = runner.kernel ? 'this layer overrides a stage' : 'this class has no native kernel, its forward';
    throw new TypeError(`${name}.runAsync: ${why}, which only runs on the main thread; use run()`);
  }
  history?.reserve(steps);
  return guard.hold(`${name}.runAsync`, async () => {
    const result = asyncResult(await native.runAsync(state.buffer, x, preTrace, steps, recordMask(record)));
    history?.append(result.spikes);
    return result;
  });
}

function checkRun(runner: Runner, kind: RunKind, x: unknown, preTrace: unknown, options: unknown, outAllowed: boolean) {
  const { size } = runner;
  const { steps, record, out } = checkRunOptions(options, size, kind.record, outAllowed);
  const width = checkRunValues(x, size, steps, 'x', kind.bytes);
  if (preTrace !== undefined) {
    checkRunValues(preTrace, size, steps, 'preTrace', false);
    if ((preTrace as Float32Array).length !== (x as Float32Array).length) {
      throw invalidParameter('preTrace', `a Float32Array of the length of x (${(x as Float32Array).length})`, preTrace, 'range');
    }
  }
  return { steps, record, out, width };
}

const MAX_STEPS = 2 ** 52;

function checkRunOptions(
  options: unknown,
  n: number,
  allowed: readonly RecordName[],
  outAllowed = true,
): { steps: number; record: RecordName[]; out: Partial<RunResult> } {
  if (typeof options !== 'object' || options === null) {
    throw invalidParameter('the run options', 'an object { steps, record?, out? }', options);
  }
  const { steps, record, out, ...rest } = options as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length) {
    throw new TypeError(`Unknown run option ${JSON.stringify(unknown[0])}; run takes steps, record and out`);
  }
  if (typeof steps !== 'number' || !Number.isSafeInteger(steps) || steps < 1 || steps * n >= MAX_STEPS) {
    throw invalidParameter('steps', 'a whole number of steps >= 1', steps, typeof steps === 'number' ? 'range' : 'type');
  }
  const names = record ?? [];
  if (!Array.isArray(names)) throw invalidParameter('record', `a list of ${allowed.join(', ')}`, record);
  names.forEach((name, i) => {
    if (!allowed.includes(name)) {
      throw invalidParameter(`record[${i}]`, `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`, name, 'range');
    }
  });
  const recorded = [...new Set(names as RecordName[])];
  return { steps, record: recorded, out: checkOut(out, n * steps, recorded, outAllowed) };
}

function checkOut(out: unknown, rows: number, record: readonly RecordName[], allowed: boolean): Partial<RunResult> {
  if (out === undefined) return {};
  if (!allowed) throw new TypeError('runAsync allocates its outputs: the out option is for run() only');
  if (typeof out !== 'object' || out === null) throw invalidParameter('out', 'an object of output arrays', out);
  for (const [name, array] of Object.entries(out)) {
    const where = `out.${name}`;
    if (name !== 'spikes' && !record.includes(name as RecordName)) {
      throw new TypeError(`Unknown output ${where}: give spikes, or a variable that record names`);
    }
    const Type = name === 'spikes' ? Uint8Array : Float32Array;
    if (!(array instanceof Type)) throw invalidParameter(where, `a ${Type.name} of steps x n = ${rows}`, array);
    if (array.byteLength !== rows * Type.BYTES_PER_ELEMENT) {
      throw invalidParameter(where, `a ${Type.name} of steps x n = ${rows}`, array, 'range');
    }
  }
  return out as Partial<RunResult>;
}

/** Checks run()'s time-major input and returns k, the values per neuron and step. */
function checkRunValues(x: unknown, n: number, steps: number, name: string, bytesAllowed: boolean): number {
  const rows = steps * n;
  const types = bytesAllowed ? 'a Float32Array or Uint8Array' : 'a Float32Array';
  const expected = bytesAllowed ? `${types} of steps x ${n} = ${rows} values` : `${types} of steps x ${n} x k values (time-major)`;
  const okType = x instanceof Float32Array || (bytesAllowed && x instanceof Uint8Array);
  if (!okType) {
    const hint = Array.isArray(x) ? ' (run takes one array, not a list: join list inputs along k first)' : '';
    throw invalidParameter(name, expected + hint, x);
  }
  const { length } = x as Float32Array;
  if (length === 0 || length % rows !== 0 || (bytesAllowed && length !== rows)) {
    throw invalidParameter(name, expected, x, 'range');
  }
  return length / rows;
}

/** Bit flags of the recorded variables, in the addon's order. */
function recordMask(record: readonly RecordName[]): number {
  return record.reduce((mask, name) => mask | (1 << RECORDABLE.indexOf(name)), 0);
}

/** Output arrays for a run (the caller's `out`, else new ones), as the addon takes them, and the result that holds them. */
function allocateRun(
  n: number,
  steps: number,
  record: readonly RecordName[],
  out: Partial<RunResult> = {},
): {
  spikes: Uint8Array;
  records: (Float32Array | null)[];
  result: RunResult;
} {
  const spikes = out.spikes ?? new Uint8Array(steps * n);
  const result: RunResult = { spikes };
  const records = RECORDABLE.map((name) => {
    if (!record.includes(name)) return null;
    const array = out[name] ?? new Float32Array(steps * n);
    result[name] = array;
    return array;
  });
  return { spikes, records, result };
}

/** The result of the addon's runAsync, keyed by name. */
function asyncResult(native: { spikes: Uint8Array; records: (Float32Array | undefined)[] }): RunResult {
  const result: RunResult = { spikes: native.spikes };
  RECORDABLE.forEach((name, r) => {
    const out = native.records[r];
    if (out) result[name] = out;
  });
  return result;
}

/** Runs `steps` single steps through `stepOnce`, copying spikes and records out after each. */
function stagedRun(
  steps: number,
  n: number,
  record: readonly RecordName[],
  out: Partial<RunResult>,
  stepOnce: (t: number) => void,
  read: (name: RecordName | 'spikes') => ArrayLike<number>,
): RunResult {
  const { result } = allocateRun(n, steps, record, out);
  for (let t = 0; t < steps; t++) {
    stepOnce(t);
    result.spikes.set(read('spikes'), t * n);
    for (const name of record) result[name]!.set(read(name), t * n);
  }
  return result;
}

/**
 * Guards a layer (or a connection: `noun`) while runAsync works on its state
 * in place: every call that would read or change the state is refused until
 * the run settles.
 */
export class BusyGuard {
  private pending: string | null = null;

  constructor(private readonly noun: 'layer' | 'connection' | 'rule' = 'layer') {}

  check(owner: object, action: string): void {
    if (this.pending !== null) {
      throw new Error(
        `${owner.constructor.name}.${action}: the ${this.noun} is busy with ${this.pending}; await it before using the ${this.noun}`,
      );
    }
  }

  async hold<T>(what: string, work: () => Promise<T>): Promise<T> {
    this.pending = what;
    try {
      return await work();
    } finally {
      this.pending = null;
    }
  }
}

/** Holds every guard (each once) as `what` until `work` settles. */
export function holdGuards<T>(guards: readonly BusyGuard[], what: string, work: () => Promise<T>): Promise<T> {
  return [...new Set(guards)].reduce<() => Promise<T>>((inner, guard) => () => guard.hold(what, inner), work)();
}
