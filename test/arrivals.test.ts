// The arrival scanner (native/kernels/arrivals.hpp, through
// native/runtime/blocks.hpp's listRows): under every instruction set, the
// lists equal a byte-by-byte scan in JavaScript, the same indices in the same
// order, row by row. Row lengths hit every vector width's whole blocks and
// tails (64-byte blocks, 16- and 8-byte vectors, 1-15 left), densities 0,
// single spikes at every position, sparse, half and full, and spike bytes of
// any value (a spike is any nonzero byte). Entries past the count are the
// scanner's scratch, so the index array is poisoned first and only the count
// it reports is compared; what it writes must stay inside the array (one
// entry per byte), checked with a guard after a short index.
import { native } from '../lib/binding';
import * as spiking from '../lib';
import { rng, restoreRuntimeAfterAll } from './helpers';

restoreRuntimeAfterAll();

/** The oracle: row b's nonzero bytes in increasing order. */
function oracle(rows: Uint8Array, batch: number): { index: number[]; starts: number[] } {
  const n = rows.length / batch;
  const index: number[] = [];
  const starts: number[] = [];
  for (let b = 0; b < batch; b++) {
    starts.push(index.length);
    for (let i = 0; i < n; i++) if (rows[b * n + i]) index.push(i);
  }
  starts.push(index.length);
  return { index, starts };
}

/** The scanner's lists, in arrays poisoned with 0xdeadbeef. */
function scan(rows: Uint8Array, batch: number): { index: number[]; starts: number[] } {
  const index = new Uint32Array(rows.length).fill(0xdeadbeef);
  const starts = new Uint32Array(batch + 1).fill(0xdeadbeef);
  const count = native.listSpikes(rows, starts, index);
  return { index: Array.from(index.subarray(0, count)), starts: Array.from(starts) };
}

const LENGTHS = [0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 79, 95, 127, 128, 129, 191, 250, 255, 256, 257, 784, 1000, 1023];
const DENSITIES: [string, number][] = [['silent', 0], ['sparse', 0.02], ['a tenth', 0.1], ['half', 0.5], ['full', 1]];

function rowsOf(n: number, batch: number, density: number, seed: number): Uint8Array {
  const random = rng(seed);
  const rows = new Uint8Array(n * batch);
  for (let i = 0; i < rows.length; i++) {
    if (random() < density) rows[i] = 1 + Math.floor(random() * 255);
  }
  return rows;
}

describe.each(spiking.instructionSets())('the arrival scanner under %s', (isa) => {
  beforeAll(() => {
    spiking.setInstructionSet(isa);
  });

  test.each(DENSITIES)('%s rows of every length equal the byte-by-byte lists', (_name, density) => {
    expect(spiking.instructionSet()).toBe(isa);
    for (const n of LENGTHS) {
      for (const batch of [1, 3]) {
        const rows = rowsOf(n, batch, density, n * 31 + batch + Math.round(density * 1000));
        expect({ n, batch, ...scan(rows, batch) }).toEqual({ n, batch, ...oracle(rows, batch) });
      }
    }
  });

  test('a single spike at every position of rows of 1 to 130 bytes, and silent stretches around clusters', () => {
    for (let n = 1; n <= 130; n++) {
      for (let at = 0; at < n; at++) {
        const rows = new Uint8Array(2 * n);
        rows[n + at] = 0x80;
        expect({ n, at, ...scan(rows, 2) }).toEqual({ n, at, ...oracle(rows, 2) });
      }
    }
    const rows = new Uint8Array(3 * 300);
    for (const at of [0, 63, 64, 65, 127, 128, 200, 255, 256, 299, 300, 301, 599, 600, 899]) rows[at] = 1;
    expect(scan(rows, 3)).toEqual(oracle(rows, 3));
  });

  test('writes stay inside one entry per byte: a full row fills the index exactly', () => {
    for (const n of [1, 8, 15, 16, 17, 33, 64, 79, 250]) {
      const buffer = new Uint32Array(n + 32).fill(0xdeadbeef);
      const index = buffer.subarray(0, n);
      const starts = new Uint32Array(2);
      const rows = new Uint8Array(n).fill(1);
      expect(native.listSpikes(rows, starts, index)).toBe(n);
      expect(Array.from(index)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(Array.from(buffer.subarray(n)).every((v) => v === 0xdeadbeef)).toBe(true);
    }
  });
});

describe('native.listSpikes checks its arguments', () => {
  test('starts needs batch + 1 entries, rows whole rows, index one entry per byte', () => {
    expect(() => native.listSpikes(new Uint8Array(4), new Uint32Array(1), new Uint32Array(4))).toThrow(/starts to hold at least 2 entries .* holds 1/);
    expect(() => native.listSpikes(new Uint8Array(5), new Uint32Array(3), new Uint32Array(5))).toThrow(/batch = 2 whole rows .* holds 5 bytes/);
    expect(() => native.listSpikes(new Uint8Array(4), new Uint32Array(2), new Uint32Array(3))).toThrow(/index/);
    expect(() => native.listSpikes(new Float32Array(4) as unknown as Uint8Array, new Uint32Array(2), new Uint32Array(4))).toThrow(/rows/);
  });
});
