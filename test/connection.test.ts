// Linear connections: the event-driven native step against a plain dense
// reference written with Math.fround per operation, under every instruction
// set; PySNN's layouts (forward's products and trace, Fede's difference);
// delays against PySNN's own counter scheme; initialisers; bad input.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { FedeNeuron, instructionSets, LIFNeuron, Linear, numThreads, setInstructionSet, setNumThreads, setSplitting, writeNpy } from '../lib';
import { native } from '../lib/binding';
import { rng } from './helpers';

const f32 = Math.fround;


/** Weights spread over many magnitudes and both signs, so that the order of adds shows in the bits. */
function wideWeights(n: number, random: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => f32((random() - 0.4) * 10 ** (Math.floor(random() * 7) - 3)));
}

function spikeTrains(steps: number, n: number, density: number, random: () => number): Uint8Array[] {
  return Array.from({ length: steps }, () => Uint8Array.from({ length: n }, () => (random() < density ? 1 : 0)));
}

/** Whether input i of sample b reaches synapse (o, i) at step t: it was sent delay(o, i) steps before. */
function arrived(trains: Uint8Array[], t: number, b: number, i: number, inF: number, lag: number): number {
  return t - lag >= 0 ? trains[t - lag][b * inF + i] : 0;
}

interface Shape {
  batch: number;
  inF: number;
  outF: number;
}

/** The contract of current(): per output, from the value already there, + W[o][i] * s, i increasing, float32 each. */
function referenceCurrent(W: Float32Array, lags: (o: number, i: number) => number, trains: Uint8Array[], t: number, s: Shape, into: Float32Array): void {
  for (let b = 0; b < s.batch; b++) {
    for (let o = 0; o < s.outF; o++) {
      let acc = into[b * s.outF + o];
      for (let i = 0; i < s.inF; i++) acc = f32(acc + f32(W[o * s.inF + i] * arrived(trains, t, b, i, s.inF, lags(o, i))));
      into[b * s.outF + o] = acc;
    }
  }
}

function sameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const at = e.findIndex((v, k) => a[k] !== v);
  if (at !== -1) throw new Error(`${what}: element ${at} is ${actual[at]}, expected ${expected[at]}`);
  expect(actual.length).toBe(expected.length);
}

const shapes: Shape[] = [
  { batch: 1, inF: 1, outF: 1 },
  { batch: 3, inF: 13, outF: 7 },
  { batch: 2, inF: 50, outF: 16 },
  { batch: 2, inF: 31, outF: 37 },
  { batch: 4, inF: 64, outF: 100 },
];
// Enough inputs for kernels/connection.hpp's currentTile to walk them in chunks (from 2,048), several at every tile width.
const manyInputs: Shape = { batch: 3, inF: 2100, outF: 70 };
// Fewer inputs, but lists dense enough (the tests' 35% spiking: 16 or more arrivals per chunk) for currentTile to
// walk them in chunks too (kDenseChunkArrivals), at every tile width.
const denseInputs: Shape = { batch: 3, inF: 1000, outF: 70 };

describe.each(instructionSets())('Linear under %s', (isa) => {
  beforeAll(() => setInstructionSet(isa));
  afterAll(() => setInstructionSet(instructionSets()[0]));

  test.each([...shapes, manyInputs, denseInputs])('event-driven current equals the dense float32 reference, bit for bit (%o)', (s) => {
    const random = rng(s.inF * 131 + s.outF);
    for (const delay of [0, 2]) {
      const W = wideWeights(s.outF * s.inF, random);
      const link = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, delay, weight: { init: 'values', values: W } });
      const trains = spikeTrains(12, s.batch * s.inF, 0.35, random);
      trains.forEach((pre, t) => {
        const got = new Float32Array(s.batch * s.outF);
        const want = new Float32Array(s.batch * s.outF);
        link.current(pre, got);
        referenceCurrent(W, () => delay, trains, t, s, want);
        sameBits(got, want, `delay ${delay} step ${t}`);
      });
    }
  });

  // In chunks, each list's place in the next chunk is found by counting a window of its indices at once
  // (kernels/connection.hpp's firstAtOrPast); the window must stop at the list's end, where the next sample's list
  // starts again from input 0. Lists here end early: sample b spikes only below its own cut, some within the first
  // chunk, others a little past a window's length into it, one silent, the last everywhere.
  test('lists that end before the last chunk: each list stops at its own end', () => {
    const s: Shape = { batch: 6, inF: 2100, outF: 70 };
    const cuts = [40, 47, 0, 130, 900, 2100];
    const random = rng(7057);
    const W = wideWeights(s.outF * s.inF, random);
    const link = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, weight: { init: 'values', values: W } });
    const trains = spikeTrains(4, s.batch * s.inF, 0.6, random).map((pre) => pre.map((v, k) => (k % s.inF < cuts[Math.floor(k / s.inF)] ? v : 0)));
    trains.forEach((pre, t) => {
      const got = new Float32Array(s.batch * s.outF);
      const want = new Float32Array(s.batch * s.outF);
      link.current(pre, got);
      referenceCurrent(W, () => 0, trains, t, s, want);
      sameBits(got, want, `step ${t}`);
    });
  });

  // kernels/connection.hpp's overOutputs: whole tiles of 8 vectors, one tile of the 1-7 whole vectors left (the
  // partial vector merged into it for this kernel), the partial vector: every class at widths 4, 8 and 16
  // (two whole tiles and all that can follow them at 16 lanes: 2 * 128 + 127).
  test('every output count from 1 to 383: whole tiles, the vectors left, the partial vector', () => {
    const random = rng(4099);
    for (let outF = 1; outF <= 383; outF++) {
      const s: Shape = { batch: 2, inF: 9, outF };
      const W = wideWeights(s.outF * s.inF, random);
      const link = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, weight: { init: 'values', values: W } });
      const trains = spikeTrains(3, s.batch * s.inF, 0.5, random);
      trains.forEach((pre, t) => {
        const got = new Float32Array(s.batch * s.outF).map(() => random() - 0.5);
        const want = Float32Array.from(got);
        link.current(pre, got);
        referenceCurrent(W, () => 0, trains, t, s, want);
        sameBits(got, want, `${outF} outputs, step ${t}`);
      });
    }
  });

  // kernels/connection.hpp lays its tiles from the 64-byte boundary before the weight rows (alignedLead), and
  // runtime/network.cpp splits the outputs on those boundaries: the first tile starts 0-15 lanes early, loads its
  // row's neighbours (the slab's header, before row 0) into lanes it throws away. Every offset of the rows from a
  // boundary (the allocator's choice: it is read, not set), output counts around the tile and vector sizes, whole
  // and split across 3 threads. glibc's allocator gives every offset in a few tries; the sanitizers' allocator
  // (npm run test:asan) puts every buffer on a line, so there only that offset is checked.
  test('the tiles laid from a 64-byte boundary: weights at each offset from one, 1 and 3 threads', () => {
    const random = rng(6151);
    const seen = new Set<number>();
    const hold: ArrayBuffer[] = []; // moves the allocator on, so the next slab lands elsewhere
    const outCounts = [1, 3, 12, 13, 16, 17, 31, 64, 116, 127, 128, 129, 140, 257, 300];
    const sanitized = process.env.SPIKING_EXPECT_SANITIZED === '1';
    const initialThreads = numThreads();
    try {
      for (const outF of outCounts) {
        for (let tries = 0; tries < (sanitized ? 10 : 300) && [0, 16, 32, 48].some((b) => !seen.has(b * 1000 + outF)); tries++) {
          hold.push(new ArrayBuffer(16 * (1 + Math.floor(random() * 9))));
          const s: Shape = { batch: 3, inF: 11, outF };
          const W = wideWeights(s.outF * s.inF, random);
          const link = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, weight: { init: 'values', values: W } });
          const offset = native.bufferOffset64(link.buffer);
          if (seen.has(offset * 1000 + outF)) continue;
          seen.add(offset * 1000 + outF);
          const trains = spikeTrains(4, s.batch * s.inF, 0.5, random);
          trains.forEach((pre, t) => {
            const start = new Float32Array(s.batch * s.outF).map(() => random() - 0.5);
            const want = Float32Array.from(start);
            referenceCurrent(W, () => 0, trains, t, s, want);
            for (const [threads, mode] of [[1, 'auto'], [3, 'always']] as const) {
              setNumThreads(threads);
              setSplitting(mode);
              const got = Float32Array.from(start);
              link.current(pre, got);
              sameBits(got, want, `${outF} outputs, weights ${offset} bytes past a line, ${threads} threads, step ${t}`);
            }
          });
        }
      }
    } finally {
      setNumThreads(initialThreads);
      setSplitting('auto');
    }
    for (const outF of outCounts) {
      const offsets = [0, 16, 32, 48].filter((b) => seen.has(b * 1000 + outF));
      expect({ outF, offsets: offsets.length }).toEqual({ outF, offsets: sanitized ? offsets.length || 1 : 4 });
    }
  });

  test.each(shapes)('per-synapse delays reach each synapse at its own lag (%o)', (s) => {
    const random = rng(s.inF * 7 + s.outF * 3);
    const W = wideWeights(s.outF * s.inF, random);
    const D = Float32Array.from({ length: s.outF * s.inF }, () => Math.floor(random() * 4));
    const link = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, delay: D, weight: { init: 'values', values: W } });
    expect(link.maxDelay).toBe(Math.max(...D));
    expect(Array.from(link.delay)).toEqual(Array.from(D));
    const trains = spikeTrains(15, s.batch * s.inF, 0.4, random);
    trains.forEach((pre, t) => {
      const got = new Float32Array(s.batch * s.outF);
      const want = new Float32Array(s.batch * s.outF);
      link.current(pre, got);
      referenceCurrent(W, (o, i) => D[o * s.inF + i], trains, t, s, want);
      sameBits(got, want, `step ${t}`);
    });
  });

  test('connections into one layer keep adding in order: the second continues the first', () => {
    const random = rng(5);
    const s = { batch: 2, inF: 20, outF: 19 };
    const W1 = wideWeights(s.outF * s.inF, random);
    const W2 = wideWeights(s.outF * s.inF, random);
    const a = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, weight: { init: 'values', values: W1 } });
    const b = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, delay: 1, weight: { init: 'values', values: W2 } });
    const trainsA = spikeTrains(6, s.batch * s.inF, 0.5, random);
    const trainsB = spikeTrains(6, s.batch * s.inF, 0.5, random);
    for (let t = 0; t < 6; t++) {
      const got = new Float32Array(s.batch * s.outF);
      a.current(trainsA[t], got);
      b.current(trainsB[t], got);
      const want = new Float32Array(s.batch * s.outF);
      referenceCurrent(W1, () => 0, trainsA, t, s, want);
      referenceCurrent(W2, () => 1, trainsB, t, s, want);
      sameBits(got, want, `step ${t}`);
    }
  });

  test("forward gives PySNN's activation potentials and trace; a LIF folding them matches one fed the event-driven current", () => {
    const random = rng(11);
    const s = { batch: 2, inF: 24, outF: 9 };
    const W = wideWeights(s.outF * s.inF, random);
    const D = Float32Array.from({ length: s.outF * s.inF }, () => Math.floor(random() * 3));
    const dense = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, delay: D, weight: { init: 'values', values: W } });
    const events = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, delay: D, weight: { init: 'values', values: W } });
    const lif = () => new LIFNeuron({ cellsShape: [s.batch, s.outF], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.8, tauT: 0.7 });
    const folded = lif();
    const summed = lif();
    const trains = spikeTrains(20, s.batch * s.inF, 0.3, random);
    const traceIn = Float32Array.from({ length: s.batch * s.inF }, () => f32(random()));
    const current = new Float32Array(s.batch * s.outF);
    let spikesSeen = 0;
    trains.forEach((pre, t) => {
      const { x, trace } = dense.forward(pre, traceIn);
      for (let b = 0; b < s.batch; b++) {
        for (let o = 0; o < s.outF; o++) {
          for (let i = 0; i < s.inF; i++) {
            const k = (b * s.outF + o) * s.inF + i;
            expect(x[k]).toBe(f32(W[o * s.inF + i] * arrived(trains, t, b, i, s.inF, D[o * s.inF + i])));
            expect(trace[k]).toBe(traceIn[b * s.inF + i]);
          }
        }
      }
      current.fill(0);
      events.current(pre, current);
      folded.forward(x);
      summed.forward(current);
      sameBits(folded.vCell, summed.vCell, `vCell at step ${t}`);
      expect(Array.from(folded.spikes)).toEqual(Array.from(summed.spikes));
      spikesSeen += folded.spikes.reduce((a, v) => a + v, 0);
    });
    expect(spikesSeen).toBeGreaterThan(0);
  });

  test("difference is FedeNeuron's fold of forward's pair, bit for bit", () => {
    const random = rng(17);
    const s = { batch: 2, inF: 21, outF: 18 };
    const W = wideWeights(s.outF * s.inF, random);
    const dense = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, delay: 1, weight: { init: 'values', values: W } });
    const fused = new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, delay: 1, weight: { init: 'values', values: W } });
    const fede = () => new FedeNeuron({ cellsShape: [s.batch, s.outF], thresh: 0.3, vRest: 0, alphaV: 0.2, alphaT: 1, dt: 1, durationRefrac: 2, tauV: 5, tauT: 5 });
    const a = fede();
    const b = fede();
    const drive = new Float32Array(s.batch * s.outF);
    const zeros = new Float32Array(s.batch * s.outF);
    const trains = spikeTrains(25, s.batch * s.inF, 0.5, random);
    let spikesSeen = 0;
    trains.forEach((pre, t) => {
      const traceIn = Float32Array.from({ length: s.batch * s.inF }, () => f32(random() * 0.2));
      const { x, trace } = dense.forward(pre, traceIn);
      drive.fill(-0);
      fused.difference(pre, traceIn, drive);
      a.forward(x, trace);
      b.forward(drive, zeros);
      sameBits(a.vCell, b.vCell, `vCell at step ${t}`);
      sameBits(a.trace, b.trace, `trace at step ${t}`);
      spikesSeen += a.spikes.reduce((acc, v) => acc + v, 0);
    });
    expect(spikesSeen).toBeGreaterThan(0);
  });
});

describe('Linear across threads', () => {
  const initial = numThreads();
  afterAll(() => setNumThreads(initial));

  test('large steps are split across the pool; 1, 2 and 3 threads give the reference bits in every mode', () => {
    const random = rng(99);
    const s = { batch: 6, inF: 300, outF: 1000 }; // ~540 arrivals x 1000 outputs: above the parallel threshold
    const W = wideWeights(s.outF * s.inF, random);
    const D = Float32Array.from({ length: s.outF * s.inF }, () => Math.floor(random() * 3));
    const trains = spikeTrains(4, s.batch * s.inF, 0.3, random);
    const traceIn = Float32Array.from({ length: s.batch * s.inF }, () => f32(random()));
    const outputs = (threads: number) => {
      setNumThreads(threads);
      const make = () => new Linear({ inFeatures: s.inF, outFeatures: s.outF, batchSize: s.batch, dt: 1, delay: D, weight: { init: 'values', values: W } });
      const [a, b, c] = [make(), make(), make()];
      return trains.map((pre) => {
        const current = a.current(pre, new Float32Array(s.batch * s.outF));
        const difference = b.difference(pre, traceIn, new Float32Array(s.batch * s.outF).fill(-0));
        const products = c.forward(pre, traceIn).x.slice();
        return { current, difference, products };
      });
    };
    const one = outputs(1);
    trains.forEach((_, t) => {
      const want = new Float32Array(s.batch * s.outF);
      referenceCurrent(W, (o, i) => D[o * s.inF + i], trains, t, s, want);
      sameBits(one[t].current, want, `current at step ${t}`);
    });
    for (const threads of [2, 3]) {
      outputs(threads).forEach((r, t) => {
        sameBits(r.current, one[t].current, `current, ${threads} threads, step ${t}`);
        sameBits(r.difference, one[t].difference, `difference, ${threads} threads, step ${t}`);
        sameBits(r.products, one[t].products, `products, ${threads} threads, step ${t}`);
      });
    }
  });
});

/** PySNN's propagate_spike, literally: float counters per synapse, delay_init = delay + 1. */
function pysnnDelays(delay: number, trains: Uint8Array[]): Uint8Array[] {
  const n = trains[0].length;
  const counter = new Float64Array(n);
  return trains.map((x) => {
    const out = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      if (counter[k] > 0) counter[k] -= 1;
      out[k] = counter[k] === 1 ? 1 : 0;
      counter[k] += (delay + 1) * x[k];
    }
    return out;
  });
}

/** Which inputs arrive at step t through a 1x1-weight identity probe. */
function arrivals(link: Linear, pre: Uint8Array, n: number): Uint8Array {
  const into = new Float32Array(n);
  link.current(pre, into);
  return Uint8Array.from(into, (v) => (v !== 0 ? 1 : 0));
}

describe('delays', () => {
  const identity = (n: number) => Float32Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 1 : 0));

  test('a spike sent at step t arrives at step t + delay, for delays 0 to 5', () => {
    for (let delay = 0; delay <= 5; delay++) {
      const link = new Linear({ inFeatures: 1, outFeatures: 1, batchSize: 1, dt: 1, delay, weight: { init: 'constant', value: 1 } });
      const got: number[] = [];
      for (let t = 0; t < 10; t++) got.push(arrivals(link, Uint8Array.of(t === 2 ? 1 : 0), 1)[0]);
      expect(got.indexOf(1)).toBe(2 + delay);
      expect(got.filter((v) => v).length).toBe(1);
    }
  });

  test("agree with PySNN's counters when a neuron's spikes are more than delay steps apart", () => {
    const n = 6;
    const delay = 3;
    const random = rng(3);
    // Sparse trains: after each spike, at least delay + 1 silent steps.
    const trains: Uint8Array[] = [];
    const quiet = new Array<number>(n).fill(0);
    for (let t = 0; t < 80; t++) {
      trains.push(Uint8Array.from({ length: n }, (_, k) => {
        if (quiet[k] > 0 || random() > 0.4) {
          quiet[k] = Math.max(0, quiet[k] - 1);
          return 0;
        }
        quiet[k] = delay + 1;
        return 1;
      }));
    }
    const link = new Linear({ inFeatures: n, outFeatures: n, batchSize: 1, dt: 1, delay, weight: { init: 'values', values: identity(n) } });
    const ours = trains.map((pre) => arrivals(link, pre, n));
    expect(ours.map((r) => Array.from(r))).toEqual(pysnnDelays(delay, trains).map((r) => Array.from(r)));
    expect(ours.flatMap((r) => Array.from(r)).filter((v) => v).length).toBeGreaterThan(20);
  });

  test("keep every spike of a fast train, where PySNN's counters lose and shift them (documented)", () => {
    const delay = 3;
    const trains = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0].map((v) => Uint8Array.of(v));
    const link = new Linear({ inFeatures: 1, outFeatures: 1, batchSize: 1, dt: 1, delay, weight: { init: 'constant', value: 1 } });
    const ours = trains.map((pre) => arrivals(link, pre, 1)[0]);
    expect(ours).toEqual([0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    // PySNN adds delay + 1 to a counter still running: one spike, at step 7.
    expect(pysnnDelays(delay, trains).map((r) => r[0])).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
  });

  test('resetState with a mask drops the travelling spikes of the selected samples only', () => {
    const link = new Linear({ inFeatures: 2, outFeatures: 1, batchSize: 3, dt: 1, delay: 2, weight: { init: 'constant', value: 1 } });
    const into = new Float32Array(3);
    link.current(Uint8Array.of(1, 1, 1, 0, 0, 1), into);
    link.resetState([false, true, true]);
    const zero = new Uint8Array(6);
    link.current(zero, into.fill(0));
    expect(Array.from(into)).toEqual([0, 0, 0]);
    link.current(zero, into.fill(0));
    expect(Array.from(into)).toEqual([2, 0, 0]);
  });
});

describe('weights', () => {
  test('uniform and normal initialisers are reproducible from their seed and stream, and in range', () => {
    const make = (weight: object) => new Linear({ inFeatures: 30, outFeatures: 40, batchSize: 1, dt: 1, weight: weight as never }).weight;
    const u = make({ init: 'uniform', low: -0.5, high: 0.25, seed: 9 });
    expect(Array.from(make({ init: 'uniform', low: -0.5, high: 0.25, seed: 9 }))).toEqual(Array.from(u));
    expect(Array.from(make({ init: 'uniform', low: -0.5, high: 0.25, seed: 10 }))).not.toEqual(Array.from(u));
    expect(Array.from(make({ init: 'uniform', low: -0.5, high: 0.25, seed: 9, stream: 1 }))).not.toEqual(Array.from(u));
    expect(Math.min(...u)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...u)).toBeLessThan(0.25);
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    expect(Math.abs(mean - -0.125)).toBeLessThan(0.02); // sd of the mean: 0.75 / sqrt(12 * 1200) = 0.006
    const z = make({ init: 'normal', mean: 2, std: 0.5, seed: 1 });
    const zm = z.reduce((a, b) => a + b, 0) / z.length;
    const zsd = Math.sqrt(z.reduce((a, b) => a + (b - zm) ** 2, 0) / (z.length - 1));
    expect(Math.abs(zm - 2)).toBeLessThan(0.06); // sd of the mean 0.014
    expect(Math.abs(zsd - 0.5)).toBeLessThan(0.04);
    expect(Array.from(make({ init: 'constant', value: 0.125 }))).toEqual(new Array(1200).fill(0.125));
  });

  test('the default is PySNN\'s: uniform in [0, 1)', () => {
    const w = new Linear({ inFeatures: 10, outFeatures: 10, batchSize: 1, dt: 1 }).weight;
    expect(Math.min(...w)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...w)).toBeLessThan(1);
    expect(new Set(w).size).toBeGreaterThan(90);
  });

  test('weights load from an .npy file of shape (out, in), and a wrong shape or a missing file is named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-w-'));
    const file = path.join(dir, 'w.npy');
    const values = Float32Array.from({ length: 6 }, (_, k) => k / 8);
    writeNpy(file, '<f4', [3, 2], values);
    const link = new Linear({ inFeatures: 2, outFeatures: 3, batchSize: 1, dt: 1, weight: { init: 'npy', file } });
    expect(Array.from(link.weight)).toEqual(Array.from(values));
    expect(() => new Linear({ inFeatures: 3, outFeatures: 2, batchSize: 1, dt: 1, weight: { init: 'npy', file } })).toThrow(
      `Expected the weights in ${file} to have shape (2, 3) (out, in) but received shape (3, 2)`,
    );
    const missing = path.join(dir, 'nope.npy');
    expect(() => new Linear({ inFeatures: 2, outFeatures: 3, batchSize: 1, dt: 1, weight: { init: 'npy', file: missing } })).toThrow(`${missing} does not exist`);
    fs.writeFileSync(path.join(dir, 'bad.npy'), 'not numpy');
    expect(() => new Linear({ inFeatures: 2, outFeatures: 3, batchSize: 1, dt: 1, weight: { init: 'npy', file: path.join(dir, 'bad.npy') } })).toThrow(/bad\.npy is not a valid \.npy file/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('bad arguments', () => {
  const ok = { inFeatures: 4, outFeatures: 3, batchSize: 2, dt: 1 };
  test.each([
    [{ ...ok, inFeatures: 0 }, 'Expected a positive integer for inFeatures but received number 0'],
    [{ ...ok, delay: 1.5 }, /Expected a whole number of steps in \[0, 65535\] for delay but received number 1.5/],
    [{ ...ok, delay: [1, 2] }, /Expected a number or 12 per-synapse delays .* for delay but received an array of length 2/],
    [{ ...ok, weight: { init: 'uniform', low: 1, high: 0 } }, 'Expected a number >= low (1) for weight.high but received number 0'],
    [{ ...ok, weight: { init: 'xavier' } }, /for weight.init but received string "xavier"/],
    [{ ...ok, weight: { init: 'values', values: [1, 2, Infinity, 4, 5, 6, 7, 8, 9, 10, 11, 12] } }, /a finite float32 value for weight\[2\]/],
    [{ ...ok, bias: 1 }, /Unknown option "bias" for Linear/],
  ])('%o is rejected', (options, message) => {
    expect(() => new Linear(options as never)).toThrow(message);
  });

  test('a step with the wrong layout is rejected before anything changes', () => {
    const link = new Linear({ ...ok, weight: { init: 'constant', value: 1 } });
    expect(() => link.current(new Uint8Array(7), new Float32Array(6))).toThrow(
      'Expected a Uint8Array of 8 spikes (batch 2 x in 4) for pre but received a Uint8Array of length 7',
    );
    expect(() => link.current(new Uint8Array(8), new Float32Array(5))).toThrow(/Float32Array of 6 values .* for into/);
    const into = new Float32Array(6);
    link.current(Uint8Array.of(1, 1, 0, 0, 0, 0, 0, 1), into);
    expect(Array.from(into)).toEqual([2, 2, 2, 1, 1, 1]);
  });

  test('native code re-checks the connection slab: a corrupt header is refused, not followed', () => {
    const link = new Linear({ ...ok, weight: { init: 'constant', value: 1 } });
    const header = new Float64Array(link.buffer, 0, 12);
    const pre = new Uint8Array(8);
    const into = new Float32Array(6);
    header[7] = 5; // a delay beyond the ring
    expect(() => link.current(pre, into)).toThrow('Connection state buffer has corrupt sizes');
    header[7] = 0;
    header[2] = 2 ** 40; // inFeatures beyond the buffer
    expect(() => link.current(pre, into)).toThrow(/Connection state buffer has (a )?corrupt sizes?/);
    header[2] = 4;
    header[8] = 1e9; // weights past the end
    expect(() => link.current(pre, into)).toThrow('Connection state buffer has a corrupt offset for weights');
    // Weights that end less than 64 bytes before the slab's end: the kernel's last vector could read past it.
    header[8] = link.buffer.byteLength - 4 * link.inFeatures * link.stride - 60;
    expect(() => link.current(pre, into)).toThrow('Connection state buffer has a corrupt offset for weights');
    header[0] = 0;
    expect(() => link.current(pre, into)).toThrow('Connection state buffer has no valid header');
  });
});
