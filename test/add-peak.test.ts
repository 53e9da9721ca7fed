// native.addPeakProbe and native.loadAddProbe, bench:network's ceilings: the
// core's float32 vector adds from registers only, and with one vector load per
// add (native/kernels/add_peak.hpp). The rates are the benchmark's to
// measure; here: the counts they report are the adds they did, the load probe
// reads exactly the floats it says, under every instruction set, and their
// arguments are checked.
import { instructionSet, instructionSets, setInstructionSet } from '../lib';
import { native } from '../lib/binding';

// Float32 lanes per vector of each instruction set the addon may compile.
const LANES: Record<string, number> = { avx512bw: 16, avx2: 8, sse2: 4, neon64: 4 };

describe('native.addPeakProbe', () => {
  const initial = instructionSet();
  afterAll(() => setInstructionSet(initial));

  test.each(instructionSets())('under %s: rounds x 12 running sums x the lanes of a vector', (isa) => {
    setInstructionSet(isa);
    expect(LANES[isa]).toBeDefined();
    expect(native.addPeakProbe(1)).toBe(12 * LANES[isa]);
    expect(native.addPeakProbe(1000)).toBe(1000 * 12 * LANES[isa]);
  });

  test('refuses a count that is not a whole number from 1, naming it', () => {
    expect(() => native.addPeakProbe(0)).toThrow(/Expected a whole number from 1 to .* for rounds/);
    expect(() => native.addPeakProbe(2.5)).toThrow(/for rounds/);
    expect(() => native.addPeakProbe('3' as unknown as number)).toThrow(/Expected a whole number for rounds/);
  });
});

describe('native.loadAddProbe', () => {
  const initial = instructionSet();
  afterAll(() => setInstructionSet(initial));

  // Small whole numbers: every running sum stays exact in float32.
  const values = Float32Array.from({ length: 5000 }, (_, i) => i % 7);

  test.each(instructionSets())('under %s: reads whole groups of 12 vectors from the first 64-byte boundary, each once per round', (isa) => {
    setInstructionSet(isa);
    const lanes = LANES[isa];
    for (const start of [0, 1, 2, 3, 5, 8, 13]) {
      const view = values.subarray(start, 4000 + start * 11);
      const first = ((64 - ((native.bufferOffset64(view.buffer as ArrayBuffer) + view.byteOffset) % 64)) % 64) / 4;
      const count = Math.floor((view.length - first) / (12 * lanes)) * 12 * lanes;
      const read = view.subarray(first, first + count).reduce((a, b) => a + b, 0);
      for (const rounds of [1, 3]) {
        expect(native.loadAddProbe(view, rounds)).toEqual({ adds: rounds * count, total: rounds * read, first, count });
      }
    }
  });

  test('refuses too few floats and bad arguments, naming them', () => {
    expect(() => native.loadAddProbe(new Float32Array(100), 1)).toThrow(
      /Expected at least 192 floats after the first 64-byte boundary for values, received 100 floats, \d+ of them before the boundary/,
    );
    expect(() => native.loadAddProbe(values, 0)).toThrow(/Expected a whole number from 1 to .* for rounds/);
    expect(() => native.loadAddProbe(new Uint8Array(1000) as unknown as Float32Array, 1)).toThrow(/values/);
  });
});
