import { constants as bufferConstants } from 'node:buffer';

/**
 * The complete spike history of a layer with storeTrace: one row of n bytes
 * per step, appended into storage that doubles when full (PySNN concatenates
 * a new tensor each step, which is quadratic), laid out in PySNN's
 * time-last shape only when asked for.
 */
export class SpikeHistory {
  private rows = new Uint8Array(0);
  private steps = 0;

  constructor(private readonly n: number) {}

  get length(): number {
    return this.steps;
  }

  /** Makes room for `steps` more steps, so steps that then run cannot fail here. */
  reserve(steps = 1): void {
    const needed = (this.steps + steps) * this.n;
    if (needed <= this.rows.length) return;
    const capacity = Math.max(needed, Math.min(2 * this.rows.length, maxBytesFor(this.n)), 16 * this.n);
    if (needed > maxBytesFor(this.n)) {
      throw new RangeError(
        `storeTrace: the spike history of ${this.n} neurons cannot grow past ${this.steps} steps (typed-array size limit)`,
      );
    }
    const grown = new Uint8Array(capacity);
    grown.set(this.rows.subarray(0, this.steps * this.n));
    this.rows = grown;
  }

  /** Appends one step's spikes, or several steps' (time-major rows of n). */
  append(spikes: Uint8Array): void {
    const steps = spikes.length / this.n;
    this.reserve(steps);
    this.rows.set(spikes, this.steps * this.n);
    this.steps += steps;
  }

  clear(): void {
    this.steps = 0;
  }

  /** The stored steps, time first: row t holds the spikes of step t + 1 (a live view; copy it to keep it). */
  rowsView(): Uint8Array {
    return this.rows.subarray(0, this.steps * this.n);
  }

  /** Replaces the whole history with these rows (a whole number of steps, time first); all or nothing. */
  restore(rows: Uint8Array): void {
    this.prepareRestore(rows)();
  }

  /**
   * Checks the rows and copies them into new storage (which may fail);
   * returns the swap into place, which cannot fail.
   */
  prepareRestore(rows: Uint8Array): () => void {
    if (rows.length % this.n !== 0) {
      throw new RangeError(`Expected a whole number of ${this.n}-neuron steps for the spike history but received ${rows.length} bytes`);
    }
    const storage = new Uint8Array(Math.max(rows.length, 16 * this.n));
    storage.set(rows);
    return () => {
      this.rows = storage;
      this.steps = rows.length / this.n;
    };
  }

  /** PySNN's layout: shape [...cellsShape, T + 1], time last, column 0 all zeros. */
  layout(cellsShape: readonly number[]): { shape: number[]; data: Uint8Array } {
    const { n, steps } = this;
    const columns = steps + 1;
    const data = new Uint8Array(n * columns);
    for (let t = 0; t < steps; t++) {
      const row = this.rows.subarray(t * n, (t + 1) * n);
      for (let i = 0; i < n; i++) data[i * columns + t + 1] = row[i];
    }
    return { shape: [...cellsShape, columns], data };
  }
}

const MAX_TYPED_ARRAY = bufferConstants.MAX_LENGTH;
function maxBytesFor(n: number): number {
  return Math.floor(MAX_TYPED_ARRAY / n) * n;
}
