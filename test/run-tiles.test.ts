// run() goes through a layer one tile of neurons at a time, every step of a
// tile before the next tile (native/runtime/runner.cpp, 16,384 neurons per
// tile), the tiles split across the pool. These tests pin that it gives the
// bits of stepping one forward() at a time at every vector width (each
// instruction set usable here), for 1, 2 and 3 threads, at sizes that end a
// tile, cross one, and leave tails of every length class. They also check the
// benchmark's reference loop, native.trafficFloor (scripts/bench.ts).
import * as spiking from '../lib';
import { native } from '../lib/binding';
import { rng } from './helpers';

const TILE = 16_384;
// One tile exactly, one neuron past it, two tiles and a tail of 3, 7, 15 and
// 17 (a partial vector at widths 4, 8 and 16, and a whole one plus one).
const SIZES = [TILE, TILE + 1, 2 * TILE + 3, 2 * TILE + 7, 2 * TILE + 15, 3 * TILE + 17];
const STEPS = 9; // n x steps above the pool's threshold (2^17 neuron-steps): tiles run in parallel

type Kind = 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron';

function make(kind: Kind, n: number) {
  const common = { cellsShape: [n], thresh: 1, vRest: 0, alphaV: 1, alphaT: 0.5, dt: 1, durationRefrac: 2 };
  if (kind === 'LIFNeuron') return new spiking.LIFNeuron({ ...common, tauV: 0.8, tauT: 0.7 });
  if (kind === 'AdaptiveLIFNeuron') {
    return new spiking.AdaptiveLIFNeuron({ ...common, tauV: 4, tauT: 3, alphaThresh: 0.25, tauThresh: 5, updateType: 'exponential' });
  }
  return new spiking.FedeNeuron({ ...common, tauV: 3, tauT: 4 });
}

type Typed = Float32Array | Uint8Array;
const bytesOf = (a: Typed) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

// Byte for byte (so -0 and 0 differ); names the first element that differs.
function sameBits(actual: Typed, expected: Typed, what: string): void {
  expect(actual.length).toBe(expected.length);
  if (bytesOf(actual).equals(bytesOf(expected))) return;
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) throw new Error(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]}`);
  }
}

const made = new Map<number, { x: Float32Array; pre: Float32Array }>();
function inputs(n: number, seed: number) {
  if (!made.has(n)) {
    const random = rng(seed);
    const x = new Float32Array(STEPS * n);
    const pre = new Float32Array(STEPS * n);
    for (let i = 0; i < x.length; i++) {
      x[i] = (Math.round(random() * 16) / 16) * 1.5;
      pre[i] = Math.round(random() * 8) / 64;
    }
    made.set(n, { x, pre });
  }
  return made.get(n)!;
}

type Layer = ReturnType<typeof make>;
const STATE = ['spikes', 'vCell', 'trace', 'refracCounts', 'thresh'] as const;

function runAll(layer: Layer, x: Float32Array, pre: Float32Array) {
  const record = ['vCell' as const];
  return layer instanceof spiking.FedeNeuron ? layer.run(x, pre, { steps: STEPS }) : layer.run(x, { steps: STEPS, record: layer instanceof spiking.LIFNeuron ? [] : record });
}

function stepAll(layer: Layer, x: Float32Array, pre: Float32Array, n: number) {
  const spikes = new Uint8Array(STEPS * n);
  const vCell = new Float32Array(STEPS * n);
  for (let t = 0; t < STEPS; t++) {
    const xs = x.subarray(t * n, (t + 1) * n);
    if (layer instanceof spiking.FedeNeuron) layer.forward(xs, pre.subarray(t * n, (t + 1) * n));
    else layer.forward(xs);
    spikes.set(layer.spikes, t * n);
    vCell.set(layer.vCell, t * n);
  }
  return { spikes, vCell };
}

describe('run() by tiles equals stepping', () => {
  const initialThreads = spiking.numThreads();
  const initialSet = spiking.instructionSet();
  afterEach(() => {
    spiking.setNumThreads(initialThreads);
    spiking.setInstructionSet(initialSet);
  });

  const cases = spiking.instructionSets().flatMap((set) => (['LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron'] as Kind[]).map((kind) => [set, kind] as const));
  test.each(cases)('%s, %s: every size, 1, 2 and 3 threads', (set, kind) => {
    spiking.setInstructionSet(set);
    SIZES.forEach((n, c) => {
      const { x, pre } = inputs(n, 500 + c);
      spiking.setNumThreads(1);
      const stepped = make(kind, n);
      const want = stepAll(stepped, x, pre, n);
      expect(want.spikes.reduce((a, b) => a + b, 0)).toBeGreaterThan(n / 10);
      for (const threads of [1, 2, 3]) {
        spiking.setNumThreads(threads);
        const fused = make(kind, n);
        const got = runAll(fused, x, pre);
        const what = `${set} ${kind} n=${n} ${threads} thread(s)`;
        sameBits(got.spikes, want.spikes, `${what} spikes`);
        if (got.vCell) sameBits(got.vCell, want.vCell, `${what} vCell`);
        for (const key of STATE) sameBits(fused[key] as Typed, stepped[key] as Typed, `${what} final ${key}`);
      }
    });
  });
});

describe('native.trafficFloor, the benchmark reference', () => {
  test('writes x >= 1 as 0/1 bytes, for any length and thread count', () => {
    const initial = spiking.numThreads();
    try {
      for (const threads of [1, 2, 3]) {
        spiking.setNumThreads(threads);
        for (const length of [0, 1, 17, 200_003]) {
          const random = rng(length + threads);
          const x = Float32Array.from({ length }, (_, i) => (i % 5 === 0 ? 1 : i % 7 === 0 ? NaN : random() * 2));
          const spikes = new Uint8Array(length).fill(7);
          native.trafficFloor(x, spikes);
          for (let i = 0; i < length; i++) {
            if (spikes[i] !== (x[i] >= 1 ? 1 : 0)) throw new Error(`length ${length}, ${threads} threads: element ${i} of ${x[i]} gave ${spikes[i]}`);
          }
        }
      }
    } finally {
      spiking.setNumThreads(initial);
    }
  });

  test('refuses other types and lengths, naming the argument', () => {
    const x = new Float32Array(8);
    const thrown = (f: () => void) => {
      try {
        f();
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return 'nothing thrown';
    };
    expect(thrown(() => native.trafficFloor(new Float64Array(8) as unknown as Float32Array, new Uint8Array(8)))).toBe(
      'TypeError: Expected a typed array of the right type for x',
    );
    expect(thrown(() => native.trafficFloor(x, new Float32Array(8) as unknown as Uint8Array))).toBe(
      'TypeError: Expected a typed array of the right type for spikes',
    );
    expect(thrown(() => native.trafficFloor(x, new Uint8Array(7)))).toBe('RangeError: Expected spikes to hold 8 values but it holds 7');
    expect(thrown(() => (native.trafficFloor as unknown as () => void)())).toBe('TypeError: Expected a typed array of the right type for x');
  });
});
