/**
 * What a layer's forward takes, checked and folded: a neuron's x (and Fede's
 * preTrace) of layout (*cellsShape, k) or a list of such arrays, and an
 * Input layer's x of one value per neuron.
 */
import { describe, invalidParameter } from '../errors';

const f32 = Math.fround;

/** What IF/LIF/AdaptiveLIF/Fede step on: layout (*cellsShape, k), or a list of such arrays joined along k. */
export type NeuronInput = Float32Array | readonly Float32Array[];

function expectation(n: number, shape: readonly number[]): string {
  return `a Float32Array of ${n}*k values (layout [${shape.join(', ')}, k]) or a non-empty list of them`;
}

/**
 * The number of elements of a typed array, from its byteLength: under V8 11.3
 * (Node 20) optimised code can report the old `length` of a detached array once
 * it has also seen views on resizable buffers; `byteLength` stays right.
 */
function elements(array: Float32Array | Uint8Array): number {
  return array.byteLength / (array instanceof Float32Array ? 4 : 1);
}

/** Checks x; a single Float32Array (the per-step case) is checked without allocating. */
export function assertNeuronInput(x: unknown, n: number, shape: readonly number[], name = 'x'): void {
  if (x instanceof Float32Array && x.byteLength !== 0 && (x.byteLength >> 2) % n === 0) return;
  checkNeuronInput(x, n, shape, name);
}

/** Checks x and returns its parts with their widths k. */
export function checkNeuronInput(
  x: unknown,
  n: number,
  shape: readonly number[],
  name = 'x',
): { parts: readonly Float32Array[]; widths: number[]; width: number } {
  const list = x instanceof Float32Array ? [x] : Array.isArray(x) ? (x as unknown[]) : null;
  if (list === null) throw invalidParameter(name, expectation(n, shape), x);
  if (list.length === 0) throw invalidParameter(name, expectation(n, shape), x, 'range');
  // Index by index, not map/forEach: those skip holes, which must be rejected too.
  const parts: Float32Array[] = [];
  const widths: number[] = [];
  for (let s = 0; s < list.length; s++) {
    const part = list[s];
    const where = Array.isArray(x) ? `${name}[${s}]` : name;
    if (!(part instanceof Float32Array)) throw invalidParameter(where, expectation(n, shape), part);
    const length = elements(part);
    if (length === 0 || length % n !== 0) {
      throw invalidParameter(where, expectation(n, shape), part, 'range');
    }
    parts.push(part);
    widths.push(length / n);
  }
  return { parts, widths, width: widths.reduce((a, b) => a + b, 0) };
}

/** Checks Fede's pair: preTrace must have exactly the layout of x. */
export function checkFedeInputs(x: unknown, preTrace: unknown, n: number, shape: readonly number[]): void {
  const single = x instanceof Float32Array && preTrace instanceof Float32Array;
  if (single && x.byteLength === preTrace.byteLength && x.byteLength !== 0 && elements(x) % n === 0) return;
  const xs = checkNeuronInput(x, n, shape, 'x');
  const pre = checkNeuronInput(preTrace, n, shape, 'preTrace');
  const same = xs.widths.length === pre.widths.length && xs.widths.every((w, s) => w === pre.widths[s]);
  if (!same || Array.isArray(x) !== Array.isArray(preTrace)) {
    throw new RangeError(
      `Expected preTrace to have the layout of x (widths [${xs.widths.join(', ')}]) but received ${describe(preTrace)} with widths [${pre.widths.join(', ')}]`,
    );
  }
}

/** Checks an Input layer's x: one value per neuron. */
export function checkInputLayerX(x: unknown, n: number): Float32Array | Uint8Array {
  if (!(x instanceof Float32Array || x instanceof Uint8Array)) {
    throw invalidParameter('x', `a Float32Array or Uint8Array of ${n} values`, x);
  }
  if (elements(x) !== n) throw invalidParameter('x', `a Float32Array or Uint8Array of ${n} values`, x, 'range');
  return x;
}

/** Joins the parts along the last dimension: layout (n, sum of widths). */
export function concatLast(x: NeuronInput, n: number): Float32Array {
  const { parts, widths, width } = checkNeuronInput(x, n, [n]);
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    let at = i * width;
    parts.forEach((part, s) => {
      const w = widths[s];
      out.set(part.subarray(i * w, (i + 1) * w), at);
      at += w;
    });
  }
  return out;
}

/** Per neuron, the float32 sum of its row, left to right (Fede: of x - preTrace). */
export function sumLast(x: Float32Array, n: number, minus?: Float32Array): Float32Array {
  const k = x.length / n;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < k; j++) {
      const e = minus ? f32(x[i * k + j] - minus[i * k + j]) : x[i * k + j];
      acc = j === 0 ? e : f32(acc + e);
    }
    out[i] = acc;
  }
  return out;
}
