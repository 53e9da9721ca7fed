// Which binary the tests ran against: CI runs the suite once on the cmake-js
// build and once on the prebuildify (node-gyp) prebuild, and says which it expects.
import { buildSystem, instructionSet, instructionSets } from '../lib';
import { native } from '../lib/binding';

test('the expected addon build is the one loaded', () => {
  const expected = process.env.SPIKING_EXPECT_BUILD;
  expect(['cmake-js', 'node-gyp']).toContain(buildSystem);
  if (expected) expect(buildSystem).toBe(expected);
});

test('the sanitizer build is loaded when expected (npm run test:asan), and only then', () => {
  expect(native.sanitized).toBe(process.env.SPIKING_EXPECT_SANITIZED === '1');
});

test('the best usable instruction set is active by default', () => {
  const usable = instructionSets();
  expect(usable.length).toBeGreaterThan(0);
  expect(usable[usable.length - 1]).toMatch(/^(sse2|neon64)$/);
  if (!process.env.SPIKING_ISA) expect(instructionSet()).toBe(usable[0]);
});
