// The blocked engine can take a layer through a chunk of steps in one
// fork/join, each thread with its own range of samples (native/runtime/
// blocks.cpp, splitChunk): an input layer's samples encoded and stepped, a
// neuron layer's arrivals listed and added and its neurons stepped, a
// self-loop read from the thread's own samples' earlier steps. These tests
// pin that it gives the bits of stepping one step at a time on one thread,
// for 2 and 3 threads (sample ranges of unequal length), batches of 2, 3 and
// 5, and layer sizes that leave every tail of every vector width (4, 8, 16
// floats) at the ranges' ends; and that the pool's workers sleep once a run
// is over.
import * as fs from 'node:fs';

import * as spiking from '../lib';
import { native } from '../lib/binding';

const ISA = spiking.instructionSets()[0];
const THREADS = spiking.numThreads();

/** in (Poisson) -> h1 (LIF, a delayed input edge and a self-loop) -> h2 (LIF, fed forward only). */
function network(batch: number, n: number): spiking.Network {
  const dt = 1;
  const net = new spiking.Network();
  net.addLayer('in', new spiking.Input({ cellsShape: [batch, n], dt, alphaT: 1, tauT: 0.5 }), {
    source: new spiking.PoissonEncoder({ cellsShape: [batch, n], rates: 300, dt, seed: 5 }),
  });
  const neuron = { cellsShape: [batch, n], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 1, tauV: 4, tauT: 4 };
  net.addLayer('h1', new spiking.LIFNeuron({ ...neuron, updateType: 'exponential' }));
  net.addLayer('h2', new spiking.LIFNeuron({ ...neuron, tauV: 0.8, tauT: 0.7 }));
  const linear = (seed: number, delay: number, low: number, high: number) =>
    new spiking.Linear({ inFeatures: n, outFeatures: n, batchSize: batch, dt, delay, weight: { init: 'uniform', low, high, seed } });
  net.connect('in', 'h1', linear(1, 1, 0.3, 1.2));
  net.connect('h1', 'h1', linear(2, 0, -0.2, 0.2));
  net.connect('h1', 'h2', linear(3, 0, -0.1, 0.7));
  return net;
}

const STEPS = 21; // one automatic block of 16 and a part block of 5

afterEach(() => {
  spiking.setNumThreads(THREADS);
  spiking.setSplitting('auto');
  spiking.setBlockSteps(0);
});

describe.each([2, 3, 5])('batch %i', (batch) => {
  test.each([1, 15, 17, 33, 65])('%i neurons per sample: split by samples, every block size and thread count, equals stepping', (n) => {
    spiking.setInstructionSet(ISA);
    spiking.setNumThreads(1);
    const stepped = network(batch, n);
    for (let t = 0; t < STEPS; t++) stepped.step();
    const expected = Buffer.from(stepped.saveState());
    let spikes = 0;
    for (const threads of [2, 3]) {
      spiking.setNumThreads(threads);
      spiking.setSplitting('always');
      for (const block of [0, 7, 1]) {
        spiking.setBlockSteps(block);
        const engine = network(batch, n);
        expect(engine.engine).toBe('native');
        const counts = engine.run(STEPS).spikeCounts;
        spikes += [...counts.h1, ...counts.h2].reduce((a, b) => a + b, 0);
        expect([threads, block, Buffer.from(engine.saveState()).equals(expected)]).toEqual([threads, block, true]);
      }
    }
    expect(spikes).toBeGreaterThan(0);
  });
});

/**
 * CPU seconds used so far by the pool's workers (threads named "spiking-pool"
 * by thread_pool.cpp), from /proc: Node's own threads (garbage collection,
 * compilation) are left out. Null where /proc or the names are missing.
 */
function poolCpuSeconds(): number | null {
  if (process.platform !== 'linux') return null;
  let ticks = 0;
  let workers = 0;
  for (const task of fs.readdirSync('/proc/self/task')) {
    try {
      if (fs.readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() !== 'spiking-pool') continue;
      const stat = fs.readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after "pid (comm) "
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
      workers += 1;
    } catch {
      // a thread that ended meanwhile
    }
  }
  return workers ? ticks / 100 : null; // USER_HZ is 100 on Linux
}

test('the pool uses no CPU once a run is over: its workers stop spinning and sleep', async () => {
  spiking.setNumThreads(2);
  spiking.setSplitting('always');
  network(5, 65).run(40);
  await new Promise((resolve) => setTimeout(resolve, 50)); // past the workers' 200 us spin
  const before = process.cpuUsage();
  const poolBefore = poolCpuSeconds();
  const wall = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, 500));
  const seconds = Number(process.hrtime.bigint() - wall) / 1e9;
  const poolAfter = poolCpuSeconds();
  // A worker that kept spinning would use about one CPU second per second.
  // Where the workers can be told apart, only theirs counts (10 ms ticks);
  // elsewhere the whole process's, which Node's own threads add to.
  const used = poolBefore !== null && poolAfter !== null ? poolAfter - poolBefore : (process.cpuUsage(before).user + process.cpuUsage(before).system) / 1e6;
  expect(used / seconds).toBeLessThan(0.25);
  if (process.platform === 'linux') expect(poolBefore).not.toBeNull(); // the workers were found by name
});

test('forkJoinProbe has every thread take part, and checks its arguments', () => {
  spiking.setNumThreads(2);
  const timing = native.forkJoinProbe(50);
  expect(timing.workerShare).toBeGreaterThan(0);
  expect(timing.medianMicros).toBeGreaterThan(0);
  spiking.setNumThreads(1);
  expect(native.forkJoinProbe(5, 10).workerShare).toBe(0);
  expect(() => native.forkJoinProbe(0)).toThrow(/Expected a whole number from 1 to .* for calls/);
  expect(() => native.forkJoinProbe('3' as unknown as number)).toThrow(/Expected a whole number for calls/);
  expect(() => native.forkJoinProbe(3, -1)).toThrow(/for pauseMicroseconds/);
});

// A layer fed forward whose weights are too large for a thread of each
// sample range to read them all (kSampleSplitWeightBytes, 1 MiB: 520 x 528
// floats are 1.1 MB) adds its arrivals split by outputs, then steps its
// neurons through the chunk split by samples (blocks.cpp, stepChunk). Last in
// the file: the garbage of its large networks, collected later, would count
// as CPU time in the test above.
test.each([[2, 520], [3, 521]])('batch %i, %i neurons: added by outputs, stepped by samples, equals stepping', (batch, n) => {
  spiking.setInstructionSet(ISA);
  spiking.setNumThreads(1);
  const stepped = network(batch, n);
  for (let t = 0; t < STEPS; t++) stepped.step();
  const expected = Buffer.from(stepped.saveState());
  for (const threads of [2, 3]) {
    spiking.setNumThreads(threads);
    spiking.setSplitting('always');
    for (const block of [0, 7]) {
      spiking.setBlockSteps(block);
      const engine = network(batch, n);
      const counts = engine.run(STEPS).spikeCounts;
      expect(counts.h2.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect([threads, block, Buffer.from(engine.saveState()).equals(expected)]).toEqual([threads, block, true]);
    }
  }
});
