// npm run bench: forward latency and throughput, run() throughput, the plain
// TypeScript reference from the tests, and a native loop with exactly the
// memory traffic of one step (the practical limit), for IF, LIF, AdaptiveLIF
// and Fede at several sizes. Every figure is a median over repetitions that
// interleave the contenders, so ratios come from the same moments of one run.
// Then run() on 10^6 LIF x 100 steps against a native loop with the least
// traffic any run can have (read each float32 input, write each uint8 spike:
// 5 bytes per neuron-step), on the same threads: the goal is >= 80%.
// Last, what starting runAsync costs the calling thread (10^6 LIF x 100
// steps), against the whole run() of the same size: the goal is <= 5%.
//
//   BENCH_SIZES=1e3,1e5  only these layer sizes
//   BENCH_REPS=7         repetitions per figure (default 7)
//   BENCH_MODELS=LIFNeuron
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as spiking from '../lib';
import { native } from '../lib/binding';
import { createReferenceState, referenceStep, type ReferenceKind } from '../test/reference';

type Kind = 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron';
const ALL: Kind[] = ['IFNeuron', 'LIFNeuron', 'AdaptiveLIFNeuron', 'FedeNeuron'];
const models = (process.env.BENCH_MODELS?.split(',') as Kind[] | undefined) ?? ALL;
const sizes = (process.env.BENCH_SIZES ?? '1e3,1e5,1e6,1e7').split(',').map(Number);
const reps = Number(process.env.BENCH_REPS ?? 7);
// Compiled to bench-dist/scripts/: the repository is two levels up.
const ROOT = path.resolve(__dirname, '..', '..');

// PySNN-style parameters with a refractory stage, so every stage does work.
const options = (kind: Kind, n: number) => ({
  cellsShape: [n],
  thresh: 1,
  vRest: 0,
  alphaV: 1,
  alphaT: 1,
  dt: 1,
  durationRefrac: 2,
  tauT: kind === 'FedeNeuron' ? 4 : 0.8,
  ...(kind === 'IFNeuron' ? {} : { tauV: kind === 'FedeNeuron' ? 3 : 0.9 }),
  ...(kind === 'AdaptiveLIFNeuron' ? { alphaThresh: 0.2, tauThresh: 0.95 } : {}),
});

type Layer = spiking.IFNeuron | spiking.LIFNeuron | spiking.AdaptiveLIFNeuron | spiking.FedeNeuron;
function make(kind: Kind, n: number): Layer {
  const Class = spiking[kind] as unknown as new (o: unknown) => Layer;
  return new Class(options(kind, n));
}

function now(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Seconds per call of f, timing enough calls together to last about
 * `target` seconds. Each contender gets its own compiled loop, so that its
 * call site stays monomorphic: a loop shared by every contender would be
 * measured, not the contender.
 */
function timer(f: () => void, target: number): () => number {
  const loop = new Function('f', 'calls', 'for (let i = 0; i < calls; i++) f();') as (f: () => void, calls: number) => void;
  const t0 = now();
  f();
  const once = Math.max(now() - t0, 1e-7);
  const calls = Math.max(1, Math.min(100_000, Math.round(target / once)));
  loop(f, calls); // warm-up, and the JIT's chance to compile the loop
  return () => {
    const start = now();
    loop(f, calls);
    return (now() - start) / calls;
  };
}

function inputOf(n: number, steps: number): Float32Array {
  const x = new Float32Array(n * steps);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) % 1024) / 2048; // 0 .. 0.5
  return x;
}

interface Row {
  model: Kind;
  n: number;
  forwardSeconds: number;
  forwardPerSecond: number;
  runPerSecond: number;
  runOneThreadPerSecond: number;
  runSteps: number;
  referencePerSecond: number;
  streamPerSecond: number;
}

function benchOne(kind: Kind, n: number): Row {
  const fede = kind === 'FedeNeuron';
  const layer = make(kind, n);
  const x1 = inputOf(n, 1);
  const pre1 = new Float32Array(n).fill(0.1);
  const forward = fede ? () => (layer as spiking.FedeNeuron).forward(x1, pre1) : () => (layer as spiking.LIFNeuron).forward(x1);

  // run(): enough steps to amortise the call, input kept under ~400 MB.
  const runSteps = Math.max(10, Math.min(100, Math.floor(1e8 / n)));
  const xs = inputOf(n, runSteps);
  const pres = fede ? new Float32Array(n * runSteps).fill(0.1) : undefined;
  // The outputs are reused, as a loop of runs in an application would.
  const out = { spikes: new Uint8Array(runSteps * n) };
  const run = fede
    ? () => (layer as spiking.FedeNeuron).run(xs, pres!, { steps: runSteps, out })
    : () => (layer as spiking.LIFNeuron).run(xs, { steps: runSteps, out });

  const ref = createReferenceState(kind as ReferenceKind, { n, ...options(kind, n), updateType: 'linear' });
  const reference = fede ? () => referenceStep(ref, x1, pre1) : () => referenceStep(ref, x1);

  const probeLayer = make('LIFNeuron', n);
  const stream = () => native.streamProbe((probeLayer as unknown as { state: { buffer: ArrayBuffer } }).state.buffer, x1);

  const threads = spiking.numThreads();
  const target = n >= 1e6 ? 0.05 : 0.02;
  const timers = {
    forward: timer(forward, target),
    run: timer(run, target),
    reference: timer(reference, n >= 1e6 ? 0.2 : target),
    stream: timer(stream, target),
  };
  const runOne = timer(run, target);
  const samples: Record<keyof typeof timers | 'runOne', number[]> = { forward: [], run: [], runOne: [], reference: [], stream: [] };
  for (let r = 0; r < reps; r++) {
    for (const key of Object.keys(timers) as (keyof typeof timers)[]) samples[key].push(timers[key]());
    spiking.setNumThreads(1);
    samples.runOne.push(runOne());
    spiking.setNumThreads(threads);
  }
  const forwardSeconds = median(samples.forward);
  return {
    model: kind,
    n,
    forwardSeconds,
    forwardPerSecond: n / forwardSeconds,
    runPerSecond: (n * runSteps) / median(samples.run),
    runOneThreadPerSecond: (n * runSteps) / median(samples.runOne),
    runSteps,
    referencePerSecond: n / median(samples.reference),
    streamPerSecond: n / median(samples.stream),
  };
}

function torchFigures(): string {
  const script = path.join(ROOT, 'scripts', 'bench_torch.py');
  // The same interpreter search as bench:network: $PYTHON, python3, then Debian's own python3 (python3-torch).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { findPython } = require(path.join(ROOT, 'scripts', 'find-python.js'));
  const found = findPython('torch', [process.env.PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean));
  if (!found.exe) return `PyTorch eager: skipped (none of ${found.tried.join(', ')} imports torch).`;
  return `PyTorch ${found.version} from ${found.path}\n` + execFileSync(found.exe, [script, sizes.join(',')], { encoding: 'utf8' });
}

const fmt = (perSecond: number) => `${(perSecond / 1e9).toFixed(2)}`;
const us = (seconds: number) => (seconds * 1e6 < 10 ? (seconds * 1e6).toFixed(2) : (seconds * 1e6).toFixed(0));

/**
 * The calling thread's share of runAsync: the time from the call until it
 * returns its promise (checks, borrowing the buffers, queueing), against the
 * whole synchronous run() of the same layer and input, interleaved.
 */
async function asyncStartFigure(): Promise<{ n: number; steps: number; startSeconds: number; runSeconds: number }> {
  const n = 1e6;
  const steps = 100;
  const layer = make('LIFNeuron', n) as spiking.LIFNeuron;
  const x = inputOf(n, steps);
  const start: number[] = [];
  const run: number[] = [];
  for (let r = 0; r < reps; r++) {
    let t0 = now();
    layer.run(x, { steps });
    run.push(now() - t0);
    t0 = now();
    const pending = layer.runAsync(x, { steps });
    start.push(now() - t0);
    await pending;
  }
  return { n, steps, startSeconds: median(start), runSeconds: median(run) };
}

interface FloorFigure {
  n: number;
  steps: number;
  threads: number;
  runPerSecond: number;
  floorPerSecond: number;
  loadAverage: number;
}

/**
 * run() on a LIF layer (the table's parameters) against native.trafficFloor
 * over the same input, interleaved, with the pool's threads and with one.
 */
function floorFigures(): FloorFigure[] {
  const n = 1e6;
  const steps = 100;
  const layer = make('LIFNeuron', n) as spiking.LIFNeuron;
  const x = inputOf(n, steps);
  const out = { spikes: new Uint8Array(n * steps) };
  const spikes = new Uint8Array(n * steps);
  const initial = spiking.numThreads();
  const figures: FloorFigure[] = [];
  for (const threads of initial > 1 ? [initial, 1] : [1]) {
    spiking.setNumThreads(threads);
    const run = timer(() => layer.run(x, { steps, out }), 0.05);
    const floor = timer(() => native.trafficFloor(x, spikes), 0.05);
    const runs: number[] = [];
    const floors: number[] = [];
    for (let r = 0; r < reps; r++) {
      runs.push(run());
      floors.push(floor());
    }
    figures.push({
      n,
      steps,
      threads,
      runPerSecond: (n * steps) / median(runs),
      floorPerSecond: (n * steps) / median(floors),
      loadAverage: os.loadavg()[0],
    });
  }
  spiking.setNumThreads(initial);
  return figures;
}

async function main(): Promise<void> {
  console.log(
    `spiking ${JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version} on ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores; ` +
      `kernels ${spiking.instructionSet()}, ${spiking.numThreads()} threads, build ${spiking.buildSystem}, Node ${process.version}`,
  );
  console.log(`medians of ${reps} interleaved repetitions; throughput in 10^9 neuron-steps per second\n`);
  console.log('| model | n | forward µs | forward | run | run, 1 thread | TS reference | stream limit | forward / limit | run / reference |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const rows: Row[] = [];
  for (const kind of models) {
    for (const n of sizes) {
      const row = benchOne(kind, n);
      rows.push(row);
      console.log(
        `| ${kind} | ${n.toExponential(0)} | ${us(row.forwardSeconds)} | ${fmt(row.forwardPerSecond)} | ${fmt(row.runPerSecond)} ` +
          `| ${fmt(row.runOneThreadPerSecond)} | ${fmt(row.referencePerSecond)} | ${fmt(row.streamPerSecond)} ` +
          `| ${((row.forwardPerSecond / row.streamPerSecond) * 100).toFixed(0)}% | ${(row.runPerSecond / row.referencePerSecond).toFixed(0)}x |`,
      );
    }
  }
  console.log('\nrun() against the least-traffic loop (read the float32 input, write the uint8 spikes; goal >= 80%):');
  console.log('| n x steps | threads | run | traffic floor | run / floor | load average |');
  console.log('|---|---|---|---|---|---|');
  const floors = floorFigures();
  for (const f of floors) {
    console.log(
      `| ${f.n.toExponential(0)} x ${f.steps} | ${f.threads} | ${fmt(f.runPerSecond)} | ${fmt(f.floorPerSecond)} ` +
        `| ${((f.runPerSecond / f.floorPerSecond) * 100).toFixed(0)}% | ${f.loadAverage.toFixed(1)} |`,
    );
  }
  const started = await asyncStartFigure();
  console.log(
    `\nrunAsync, ${started.n.toExponential(0)} LIF x ${started.steps} steps: starting it costs the calling thread ` +
      `${(started.startSeconds * 1e3).toFixed(3)} ms, ${((started.startSeconds / started.runSeconds) * 100).toFixed(2)}% of the whole run() ` +
      `(${(started.runSeconds * 1e3).toFixed(1)} ms; goal <= 5%)`,
  );
  console.log(`\n${torchFigures()}`);
  const out = path.join(ROOT, 'bench-results');
  fs.mkdirSync(out, { recursive: true });
  const file = path.join(out, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify({ instructionSet: spiking.instructionSet(), threads: spiking.numThreads(), rows, trafficFloor: floors, runAsyncStart: started }, null, 2));
  console.log(`raw figures: ${path.relative(process.cwd(), file)}`);
}

void main();
