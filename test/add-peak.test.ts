// native.addPeakProbe, bench:network's arithmetic ceiling: the core's float32
// vector adds from registers only (native/kernels/add_peak.hpp). The rate is
// the benchmark's to measure; here: the count it reports is the adds it did,
// under every instruction set, and its argument is checked.
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
