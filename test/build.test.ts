// Which binary the tests ran against: CI runs the suite once on the cmake-js
// build and once on the prebuildify (node-gyp) prebuild, and says which it expects.
import fs from 'node:fs';
import path from 'node:path';

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

// The two build files list their sources by hand: a .cpp missing from one
// builds an addon that fails to load with an undefined symbol, on that path only.
test('CMakeLists.txt and binding.gyp both compile every native .cpp file', () => {
  const root = path.join(__dirname, '..');
  const sources = fs
    .readdirSync(path.join(root, 'native'), { recursive: true })
    .map((f) => `native/${String(f).split(path.sep).join('/')}`)
    .filter((f) => f.endsWith('.cpp'))
    .sort();
  expect(sources.length).toBeGreaterThan(10);
  for (const file of ['CMakeLists.txt', 'binding.gyp']) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    const listed = new Set(text.match(/native\/[\w/]+\.cpp/g));
    expect({ file, missing: sources.filter((s) => !listed.has(s)) }).toEqual({ file, missing: [] });
  }
});
