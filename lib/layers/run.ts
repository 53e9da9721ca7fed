import { invalidParameter } from '../errors';

/** State variables run() can record, in the order the addon takes them. */
export const RECORDABLE = ['vCell', 'trace', 'refracCounts', 'thresh'] as const;
export type RecordName = (typeof RECORDABLE)[number];

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
 * are not known to the compiler (a RecordName[] variable), every variable is
 * optional.
 */
export type RunResult<R extends RecordName = never> = { spikes: Uint8Array } & ([RecordName] extends [R]
  ? { [K in RecordName]?: Float32Array }
  : { [K in R]: Float32Array } & { [K in Exclude<RecordName, R>]?: Float32Array });

const MAX_STEPS = 2 ** 52;

export function checkRunOptions(
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
export function checkRunValues(x: unknown, n: number, steps: number, name: string, bytesAllowed: boolean): number {
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
export function recordMask(record: readonly RecordName[]): number {
  return record.reduce((mask, name) => mask | (1 << RECORDABLE.indexOf(name)), 0);
}

/** Output arrays for a run (the caller's `out`, else new ones), as the addon takes them, and the result that holds them. */
export function allocateRun(
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
export function asyncResult<R extends RecordName = never>(native: { spikes: Uint8Array; records: (Float32Array | undefined)[] }): RunResult<R> {
  const result: RunResult = { spikes: native.spikes };
  RECORDABLE.forEach((name, r) => {
    const out = native.records[r];
    if (out) result[name] = out;
  });
  return result as RunResult<R>; // the addon returns every variable the mask named
}

/** Runs `steps` single steps through `stepOnce`, copying spikes and records out after each. */
export function stagedRun<R extends RecordName = never>(
  steps: number,
  n: number,
  record: readonly RecordName[],
  out: Partial<RunResult>,
  stepOnce: (t: number) => void,
  read: (name: RecordName | 'spikes') => ArrayLike<number>,
): RunResult<R> {
  const { result } = allocateRun(n, steps, record, out);
  for (let t = 0; t < steps; t++) {
    stepOnce(t);
    result.spikes.set(read('spikes'), t * n);
    for (const name of record) result[name]!.set(read(name), t * n);
  }
  return result as RunResult<R>; // allocateRun made every recorded variable
}

/**
 * Guards a layer while runAsync works on its state in place: every call that
 * would read or change the state is refused until the run settles.
 */
export class BusyGuard {
  private pending: string | null = null;

  check(layer: object, action: string): void {
    if (this.pending !== null) {
      throw new Error(
        `${layer.constructor.name}.${action}: the layer is busy with ${this.pending}; await it before using the layer`,
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

