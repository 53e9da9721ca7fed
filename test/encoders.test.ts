// Encoders and their generator: Philox4x32-10 against Random123's published
// known-answer vectors; the Poisson encoder's spikes are a function of
// (seed, sample, neuron, step) alone, with the expected statistics; the
// latency encoder's spike times follow its formula.
import { instructionSets, LatencyEncoder, philoxWords, PoissonEncoder, setInstructionSet } from '../lib';
import { native } from '../lib/binding';

describe('Philox4x32-10', () => {
  // Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter, key, expected.
  test.each([
    [[0, 0, 0, 0], [0, 0], [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd]],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1]],
  ])('counter %j, key %j', (ctr, key, expected) => {
    const out = new Uint32Array(4);
    native.philox(out, key[0], key[1], ctr[0], ctr[1], ctr[2], ctr[3]);
    expect(Array.from(out)).toEqual(expected);
  });

  test('a seed is the key (seed mod 2^32, seed / 2^32); block j of a call has counter word 1 plus j', () => {
    const seed = 0x1234 * 2 ** 32 + 0xabcdef;
    const words = philoxWords(new Uint32Array(8), seed, 5, 9, 7, 3);
    const second = new Uint32Array(4);
    native.philox(second, 0xabcdef, 0x1234, 5, 10, 7, 3);
    expect(Array.from(words.subarray(4))).toEqual(Array.from(second));
    expect(() => philoxWords(new Uint32Array(4), 2 ** 53, 0, 0, 0, 0)).toThrow('Expected an integer in [0, 2^53) for seed but received number 9007199254740992');
  });
});

function encodeAll(encoder: PoissonEncoder | LatencyEncoder, steps: number): Uint8Array[] {
  return Array.from({ length: steps }, (_, t) => encoder.encode(t, new Uint8Array(encoder.size)).slice());
}

describe.each(instructionSets())('PoissonEncoder under %s', (isa) => {
  beforeAll(() => setInstructionSet(isa));
  afterAll(() => setInstructionSet(instructionSets()[0]));

  test('spike = Philox word at counter (step, i / 4, sample, POIS) below p * 2^32, as documented', () => {
    const n = 203; // 51 blocks: more than a vector of blocks, and a partial last block
    const rates = Float64Array.from({ length: 3 * n }, (_, k) => (k * 37) % 1001);
    const encoder = new PoissonEncoder({ cellsShape: [3, n], rates, dt: 1, seed: 2 ** 40 + 17, firstSample: 1000 });
    const out = new Uint8Array(3 * n);
    for (const step of [0, 1, 77, 4294967295]) {
      encoder.encode(step, out);
      for (let b = 0; b < 3; b++) {
        const words = philoxWords(new Uint32Array(52 * 4), 2 ** 40 + 17, step, 0, 1000 + b, 0x504f4953);
        for (let i = 0; i < n; i++) {
          const p = (rates[b * n + i] * 1) / 1000;
          expect(out[b * n + i]).toBe(words[i] < p * 2 ** 32 ? 1 : 0);
        }
      }
    }
  });
});

describe.each(instructionSets())('the vectorised Bernoulli kernel under %s against the scalar generator', (isa) => {
  beforeAll(() => setInstructionSet(isa));
  afterAll(() => setInstructionSet(instructionSets()[0]));

  // Sizes around every vector width (4, 8 or 16 blocks of 4 neurons: groups
  // of 16, 32 or 64 neurons), partial blocks and groups, and a long row.
  const SIZES = [...Array.from({ length: 70 }, (_, i) => i + 1), 127, 128, 129, 255, 257, 1031];
  // Thresholds p * 2^32: never (0, negative, NaN), always (2^32 and above),
  // whole numbers (word < t exactly at the limit), and fractions near the top.
  const EDGES = [0, -1, Number.NaN, 2 ** 32, 2 ** 33, 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32 - 0.5, 0.5, 1.5, 3 * 2 ** 29];
  const threshold = (k: number, salt: number): number => {
    const r = (Math.imul(k + 1, 0x9e3779b1) ^ salt) >>> 0;
    return r % 5 === 0 ? EDGES[r % EDGES.length] : r % 7 === 0 ? 0 : (r % 1000) * 4294967.296;
  };

  // listed: through the live list of the blocks with a threshold > 0, as a
  // network run draws (runtime/poisson_live.cpp).
  test.each(SIZES.flatMap((n) => [[n, false] as const, [n, true] as const]))('n = %i (listed: %s): out = word < threshold at counter (step, i / 4, sample, domain), shared and per sample', (n, listed) => {
    const batch = 3;
    const key = [0x89abcdef, 0x01234567 + n];
    for (const shared of [true, false]) {
      const thresholds = Float64Array.from({ length: shared ? n : batch * n }, (_, k) => threshold(k, n));
      if (shared && n > 40) thresholds.fill(0, 0, 40); // a few groups that all have rate 0
      if (!shared && n > 9) thresholds.fill(0, n + 3, 2 * n - 5); // a sample with few live blocks
      const out = new Uint8Array(batch * n).fill(7);
      for (const step of [0, 5, 4294967295]) {
        native.bernoulli(out, thresholds, n, key[0], key[1], step, 4294967290, 0x504f4953, listed);
        const expected = new Uint8Array(batch * n);
        for (let b = 0; b < batch; b++) {
          const words = new Uint32Array(Math.ceil(n / 4) * 4);
          native.philox(words, key[0], key[1], step, 0, 4294967290 + b, 0x504f4953);
          for (let i = 0; i < n; i++) expected[b * n + i] = words[i] < thresholds[(shared ? 0 : b * n) + i] ? 1 : 0;
        }
        expect(Buffer.from(out).equals(Buffer.from(expected))).toBe(true);
      }
    }
  });
});

describe('PoissonEncoder', () => {
  const base = { cellsShape: [4, 37], rates: 100, dt: 1, seed: 42 };

  test('the same seed gives the same spikes; another seed different ones', () => {
    const a = encodeAll(new PoissonEncoder(base), 50);
    expect(encodeAll(new PoissonEncoder(base), 50)).toEqual(a);
    expect(encodeAll(new PoissonEncoder({ ...base, seed: 43 }), 50)).not.toEqual(a);
  });

  test('a sample\'s spikes depend on its index, not on the batch it is encoded in, nor on the order of steps', () => {
    const batch = new PoissonEncoder({ ...base, cellsShape: [8, 37] });
    const alone = new PoissonEncoder({ ...base, cellsShape: [1, 37], firstSample: 5 });
    const out = new Uint8Array(8 * 37);
    for (const t of [9, 0, 3, 1000, 7]) {
      batch.encode(t, out);
      expect(Array.from(alone.encode(t, new Uint8Array(37)))).toEqual(Array.from(out.subarray(5 * 37, 6 * 37)));
    }
  });

  test('known statistics: the spike rate is p = rate * dt / 1000 per step (binomial, within 4 sd)', () => {
    const rates = Float32Array.from({ length: 64 }, (_, i) => (i % 4) * 100); // 0, 100, 200, 300 Hz
    const encoder = new PoissonEncoder({ cellsShape: [16, 64], rates, dt: 0.5, seed: 7 });
    const steps = 2000;
    const counts = new Float64Array(4);
    const out = new Uint8Array(16 * 64);
    for (let t = 0; t < steps; t++) {
      encoder.encode(t, out);
      out.forEach((s, k) => (counts[k % 4] += s));
    }
    const trials = steps * 16 * 16;
    expect(counts[0]).toBe(0);
    for (const g of [1, 2, 3]) {
      const p = (g * 100 * 0.5) / 1000;
      const sd = Math.sqrt(trials * p * (1 - p));
      expect(Math.abs(counts[g] - trials * p)).toBeLessThan(4 * sd);
    }
  });

  test('inter-spike intervals are geometric: P(next spike after exactly 1 step) = p', () => {
    const encoder = new PoissonEncoder({ cellsShape: [1, 500], rates: 200, dt: 1, seed: 3 });
    let pairs = 0;
    let adjacent = 0;
    let prev = new Uint8Array(500);
    const out = new Uint8Array(500);
    for (let t = 0; t < 400; t++) {
      encoder.encode(t, out);
      for (let i = 0; i < 500; i++) if (prev[i]) {
        pairs++;
        adjacent += out[i];
      }
      prev = out.slice();
    }
    const sd = Math.sqrt(pairs * 0.2 * 0.8);
    expect(Math.abs(adjacent - 0.2 * pairs)).toBeLessThan(4 * sd);
  });

  test('one spike per step at 1000 / dt Hz; faster is rejected, naming the entry and the limit', () => {
    const full = new PoissonEncoder({ cellsShape: [2, 3], rates: 500, dt: 2, seed: 1 });
    expect(full.maxRate).toBe(500);
    for (let t = 0; t < 20; t++) expect(Array.from(full.encode(t, new Uint8Array(6)))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(() => new PoissonEncoder({ cellsShape: [2, 3], rates: [10, 500.5, 10], dt: 2, seed: 1 })).toThrow(
      'Expected at most 500 Hz, one spike per step of 2 ms (higher rates are not clamped) for rates[1] but received number 500.5',
    );
    expect(() => new PoissonEncoder({ cellsShape: [2, 3], rates: -1, dt: 1, seed: 1 })).toThrow(/rates\[0\]/);
    expect(() => new PoissonEncoder({ cellsShape: [2, 3], rates: [1, 2], dt: 1, seed: 1 })).toThrow(
      /Expected a number, or 3 values \(one per neuron of a sample\) or 6 .* for rates/,
    );
    expect(() => new PoissonEncoder({ cellsShape: [2, 3], rates: 1, dt: 1, seed: -1 })).toThrow(/for seed but received number -1/);
  });

  test('per-sample rates: each sample fires at its own rate', () => {
    const encoder = new PoissonEncoder({ cellsShape: [2, 2], rates: [0, 0, 1000, 1000], dt: 1, seed: 0 });
    expect(Array.from(encoder.encode(0, new Uint8Array(4)))).toEqual([0, 0, 1, 1]);
  });
});

describe('LatencyEncoder', () => {
  test('spike offsets are round((1 - x) * (window - 1)); at or below threshold never; the pattern repeats', () => {
    const encoder = new LatencyEncoder({ cellsShape: [1, 5], intensities: [1, 0.5, 0.25, 0.1, 0], window: 10, threshold: 0.1 });
    const trains = encodeAll(encoder, 20);
    const firstSpike = (i: number, from: number) => trains.slice(from, from + 10).findIndex((row) => row[i] === 1);
    expect([0, 1, 2, 3, 4].map((i) => firstSpike(i, 0))).toEqual([0, 5, 7, -1, -1]);
    expect([0, 1, 2, 3, 4].map((i) => firstSpike(i, 10))).toEqual([0, 5, 7, -1, -1]);
    expect(trains.reduce((a, row) => a + row.reduce((x, y) => x + y, 0), 0)).toBe(6);
  });

  test('jitter moves each spike by at most J steps, reproducibly, and differs between windows', () => {
    const make = () => new LatencyEncoder({ cellsShape: [3, 40], intensities: 0.5, window: 21, jitter: 2, seed: 5 });
    const a = encodeAll(make(), 63);
    expect(encodeAll(make(), 63)).toEqual(a);
    const offsets = (w: number) => Array.from({ length: 120 }, (_, k) => a.slice(21 * w, 21 * w + 21).findIndex((row) => row[k] === 1));
    for (const w of [0, 1, 2]) {
      const o = offsets(w);
      expect(Math.min(...o)).toBe(8);
      expect(Math.max(...o)).toBe(12);
    }
    expect(offsets(0)).not.toEqual(offsets(1));
  });

  test('bad options are named', () => {
    expect(() => new LatencyEncoder({ cellsShape: [1, 2], intensities: [0.5, 1.5], window: 5 })).toThrow(
      'Expected an intensity in [0, 1] for intensities[1] but received number 1.5',
    );
    expect(() => new LatencyEncoder({ cellsShape: [1, 2], intensities: 1, window: 0 })).toThrow(/for window but received number 0/);
  });
});
