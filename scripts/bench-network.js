#!/usr/bin/env node
// Network benchmark, modelled on Norse's LIF benchmark (norse/benchmark):
// Poisson input -> Linear -> LIF, batch 32, 1,000 steps of 1 ms, for a few
// layer sizes (inputs = outputs = size), reporting steps per second; then the
// recurrent variant, the same network plus a recurrent LIF -> LIF connection
// (its own table, goal >= 5x PyTorch eager; --variants picks). In the same run it
// times a PyTorch eager version of the same network on the same number of
// threads (torch.set_num_threads, and OPENBLAS_NUM_THREADS and
// OMP_NUM_THREADS for the BLAS Debian's PyTorch multiplies with), with the
// first Python interpreter that imports torch (--python, $PYTHON, python3,
// /usr/bin/python3: Debian's python3-torch installs into /usr/bin/python3,
// which may not be the python3 first on PATH), and says which it used.
//
// Brian2 is a second, optional reference: the first interpreter that imports
// brian2 (--brian-python, $BRIAN_PYTHON, python3, /usr/bin/python3; Debian:
// apt-get install python3-brian) runs the same network one sample at a time
// (Brian2 has no batch), with its runtime device and Cython code generation
// (numpy if Cython cannot build). Its steps per second are per sample; the
// table divides them by the batch to compare with the batched runs.
//
// Both sides are also timed in CPU seconds (all threads): on a shared,
// loaded machine wall time measures the scheduler as much as the code, and
// the ratio of steps per CPU second is printed beside the wall-time one.
//
// It also measures the one-thread arithmetic limit of the connection: float
// adds per second of the connection kernel itself on cache-hot weight rows
// (every input spiking, 16 inputs x 512 outputs, batch 256), and prints, per
// size, the fraction of that limit a one-thread run reaches: one add per
// arriving spike per output, times steps per second, over the limit.
//
// Above both sits the core's own ceiling: float32 vector adds from
// registers, with no loads at all (native.addPeakProbe). Per size it prints
// the most x PyTorch that ceiling allows (every add at that rate on every
// thread, nothing else done: the adds alone must take at least that long,
// whatever the kernel), and the share of it PyTorch's own multiply-adds
// reach (batch x size x size per matrix per step: its dense matmuls).
//
// Between the two: the core's add rate with one vector load per add
// (native.loadAddProbe), from data that fits L1 (16 KB) and L2 (512 KB). An
// event-driven connection loads each weight it adds (the rows are picked by
// the spikes), so no kernel of that kind goes faster than the L1 rate; and
// rows that do not fit L1 (a tile's rows at 1,000 inputs and more) come
// from L2, at its rate. Per size it prints `load x torch`: the most x
// PyTorch the L1 rate allows (every add at it on every thread, nothing else).
//
//   npm run bench:network                      # sizes 250, 1000, 2500, both variants
//   npm run bench:network -- --sizes 500,4000 --steps 200 --threads 1 --json out.json
//   npm run bench:network -- --variants recurrent
//
// First it times the thread pool's fork/join (native.forkJoinProbe): the
// median parallelFor of one task per thread, each task waiting until all
// have started, on 1 and --threads threads; back to back (the workers still
// spinning: a run's stages) and after a 2 ms sleep (the workers asleep: a
// run's first stage); with the machine as it is, and with one busy-looping
// process per core started beside it.
//
// --json FILE: the feed-forward rows in results[i] (size, spiking.stepsPerSecond,
// torch.stepsPerSecond, torch.threads, ...), the recurrent rows in the same
// form in recurrent.results[i].
const { spawn, spawnSync } = require('node:child_process');
const { findPython, findBrian: findBrianIn } = require('./find-python');
const fs = require('node:fs');
const { Command } = require('commander');
const spiking = require('..');
const { native } = require('../dist/binding');

const cli = new Command('bench-network')
  .option('--sizes <list>', 'layer sizes (inputs = outputs)', '250,1000,2500')
  .option('--batch <n>', 'samples per batch', '32')
  .option('--steps <n>', 'time steps per run', '1000')
  .option('--rate <hz>', 'Poisson input rate in Hz (dt = 1 ms)', '100')
  .option('--runs <n>', 'timed runs per size (the median is reported)', '3')
  .option('--threads <n>', 'threads on both sides (default: the number of cores, or SPIKING_NUM_THREADS)')
  .option('--variants <list>', 'feedforward, recurrent (+ a recurrent LIF -> LIF connection), or both', 'feedforward,recurrent')
  .option('--python <exe>', 'the Python interpreter that imports torch')
  .option('--brian-python <exe>', 'the Python interpreter that imports brian2')
  .option('--json <file>', 'also write the results as JSON')
  .parse();
const opts = cli.opts();
const sizes = opts.sizes.split(',').map(Number);
const batch = Number(opts.batch);
const steps = Number(opts.steps);
const rate = Number(opts.rate);
const runs = Number(opts.runs);
const threads = opts.threads !== undefined ? Number(opts.threads) : spiking.numThreads();
const VARIANTS = ['feedforward', 'recurrent'];
const variants = opts.variants.split(',');
const unknownVariant = variants.find((v) => !VARIANTS.includes(v));
if (unknownVariant !== undefined || variants.length === 0) {
  throw new Error(`--variants: expected a comma-separated list of ${VARIANTS.join(', ')} but received "${opts.variants}"`);
}
const dt = 1;

// LIF with an exponential update, tauV = 10 ms (dt / tauV = 0.1, as Norse's
// default tau_mem_inv = 100 /s at dt = 1 ms); threshold 1, no refractory period.
const lifOptions = (n) => ({
  cellsShape: [batch, n], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 0,
  tauV: 10, tauT: 10, updateType: 'exponential',
});

function network(size, recurrent) {
  const net = new spiking.Network();
  const input = new spiking.Input({ cellsShape: [batch, size], dt, alphaT: 1, tauT: 10, updateType: 'exponential' });
  const source = new spiking.PoissonEncoder({ cellsShape: [batch, size], rates: rate, dt, seed: 1 });
  net.addLayer('input', input, { source });
  net.addLayer('lif', new spiking.LIFNeuron(lifOptions(size)));
  // torch.nn.Linear's default range [-1/sqrt(in), 1/sqrt(in)), stretched up to 3/sqrt(in) so that the LIF layer fires.
  const bound = 1 / Math.sqrt(size);
  const linear = (low, high, seed) => new spiking.Linear({ inFeatures: size, outFeatures: size, batchSize: batch, dt, weight: { init: 'uniform', low, high, seed } });
  net.connect('input', 'lif', linear(-bound, 3 * bound, 2));
  if (recurrent) net.connect('lif', 'lif', linear(-bound / 2, bound / 2, 3));
  return net;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}

function timeSpiking(size, count, recurrent) {
  spiking.setNumThreads(count);
  const net = network(size, recurrent);
  if (net.engine !== 'native') throw new Error(`the benchmark network has no native plan: ${net.engine}`);
  net.run(Math.min(50, steps));
  const results = [];
  for (let r = 0; r < runs; r++) {
    net.resetState();
    const cpu = process.cpuUsage();
    const result = net.run(steps);
    const used = process.cpuUsage(cpu);
    results.push({ ...result, cpuSeconds: (used.user + used.system) / 1e6 });
  }
  // The median run: the machine is shared, and its best moment is not a figure to quote.
  const mid = results.find((r) => r.wallSeconds === median(results.map((x) => x.wallSeconds)));
  const spikes = (name) => Array.from(mid.spikeCounts[name]).reduce((a, b) => a + b, 0);
  return {
    stepsPerSecond: steps / mid.wallSeconds,
    msPerStep: (mid.wallSeconds * 1000) / steps,
    // Steps per second of CPU time (all threads): what a loaded, shared machine cannot distort.
    stepsPerCpuSecond: steps / median(results.map((x) => x.cpuSeconds)),
    inputRateHz: (spikes('input') / (batch * size * steps)) * 1000,
    outputRateHz: (spikes('lif') / (batch * size * steps)) * 1000,
    // One float add per arriving spike per output (the recurrent edge's too).
    addsPerStep: ((spikes('input') + (recurrent ? spikes('lif') : 0)) * size) / steps,
  };
}

/** The median of `samples` timings of fn (seconds), after two warm-up calls. */
function timed(fn, samples = 9) {
  const t = [];
  for (let s = 0; s < samples + 2; s++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(t.slice(2));
}

/** Float adds per second of the connection kernel on one thread, weight rows hot in cache, every input spiking. */
function arithmeticLimit() {
  spiking.setNumThreads(1);
  const inF = 16, outF = 512, b = 256;
  const linear = new spiking.Linear({ inFeatures: inF, outFeatures: outF, batchSize: b, dt, weight: { init: 'uniform', low: -1e-3, high: 1e-3, seed: 4 } });
  const pre = new Uint8Array(b * inF).fill(1);
  const into = new Float32Array(b * outF);
  const calls = 200;
  return (calls * b * inF * outF) / timed(() => { for (let c = 0; c < calls; c++) linear.current(pre, into); });
}

// The roofline's other rates, each kernel on its own, one thread, cache-hot
// data (8,000 neurons: 32 samples of 250, the benchmark's smallest layer):
// Poisson draws per second (PoissonEncoder.encode, the engine's kernel),
// LIF updates per second and Input trace updates per second (a layer's
// run: the fused step kernels the engine calls, 16 steps per call).
function kernelRates() {
  spiking.setNumThreads(1);
  const n = 250, shape = [batch, n], cells = batch * n, runSteps = 16, calls = 50;
  const encoder = new spiking.PoissonEncoder({ cellsShape: shape, rates: rate, dt, seed: 1 });
  const out = new Uint8Array(cells);
  const draws = (calls * cells) / timed(() => { for (let c = 0; c < calls; c++) encoder.encode(c, out); });
  const lif = new spiking.LIFNeuron(lifOptions(n));
  const x = new Float32Array(runSteps * cells);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) % 1000) / 2000;  // currents in [0, 0.5): it fires
  const lifUpdates = (calls * runSteps * cells) / timed(() => { for (let c = 0; c < calls; c++) lif.run(x, { steps: runSteps }); });
  const input = new spiking.Input({ cellsShape: shape, dt, alphaT: 1, tauT: 10, updateType: 'exponential' });
  const bits = new Uint8Array(runSteps * cells);
  for (let i = 0; i < bits.length; i += 10) bits[i] = 1;
  const traceUpdates = (calls * runSteps * cells) / timed(() => { for (let c = 0; c < calls; c++) input.run(bits, { steps: runSteps }); });
  return { drawsPerSecond: draws, lifUpdatesPerSecond: lifUpdates, traceUpdatesPerSecond: traceUpdates };
}

/** Float32 adds per second of one core from registers only (no loads): the ceiling of any add kernel. */
function corePeak() {
  const rounds = 1e7;
  let adds = 0;
  const seconds = timed(() => { adds = native.addPeakProbe(rounds); }, 7);
  return adds / seconds;
}

/** Float32 adds per second of one core with one vector load per add, from `kilobytes` of data (its cache level). */
function loadPeak(kilobytes) {
  const values = new Float32Array((kilobytes * 1024) / 4 + 16).fill(1e-7);
  const rounds = Math.max(1, Math.round(2e8 / values.length));
  let adds = 0;
  const seconds = timed(() => { adds = native.loadAddProbe(values, rounds).adds; }, 7);
  return adds / seconds;
}

/**
 * Bytes per second the connection kernel reads when it streams a weight
 * matrix of `bytes` bytes once per call (batch 1, every input arriving, rows
 * in order): the rate of whichever level of the memory holds that many bytes
 * (DRAM once they exceed the caches). On `count` threads.
 */
const streamRates = new Map();
function streamRate(bytes, count) {
  const n = Math.max(64, Math.round(Math.sqrt(bytes / 4)));
  const key = `${n}/${count}`;
  if (!streamRates.has(key)) {
    spiking.setNumThreads(count);
    const linear = new spiking.Linear({ inFeatures: n, outFeatures: n, batchSize: 1, dt, weight: { init: 'uniform', low: -1e-3, high: 1e-3, seed: 4 } });
    const pre = new Uint8Array(n).fill(1);
    const into = new Float32Array(n);
    const calls = Math.max(2, Math.round(4e8 / (4 * n * n)));
    streamRates.set(key, (calls * 4 * n * n) / timed(() => { for (let c = 0; c < calls; c++) linear.current(pre, into); }, 5));
  }
  return streamRates.get(key);
}

/**
 * The roofline of one step on `count` threads: compute = adds / add rate +
 * draws / draw rate + LIF and trace updates / their rates (one thread's
 * rates; `count` threads at best divide it by count), memory = the weight
 * bytes a step must read / the stream rate of that many bytes on `count`
 * threads: the recurrent edge's whole matrix every step (it needs the
 * previous step's spikes), the input edge's once per block of steps (the
 * engine's automatic block, autoBlockSteps: a feed-forward edge needs only
 * the encoder's spikes, so a block's steps share one pass over its rows).
 * The limit is the larger of the two.
 */
function roofline(size, recurrent, addsPerStep, count) {
  const cells = batch * size;
  const parts = {
    adds: addsPerStep / limit,
    draws: cells / rates.drawsPerSecond,
    neurons: cells / rates.lifUpdatesPerSecond + cells / rates.traceUpdatesPerSecond,
  };
  const compute = (parts.adds + parts.draws + parts.neurons) / count;
  const matrixBytes = size * size * 4;
  const weightBytes = (recurrent ? 1 : 0) * matrixBytes + matrixBytes / native.autoBlockSteps;
  const streamBytesPerSecond = streamRate((recurrent ? 2 : 1) * matrixBytes, count);
  const memory = weightBytes / streamBytesPerSecond;
  return {
    threads: count, secondsPerStep: { ...parts, compute, memory }, weightBytes, streamBytesPerSecond,
    bound: memory > compute ? 'memory' : 'compute', stepsPerSecond: 1 / Math.max(compute, memory),
  };
}

const TORCH = String.raw`
import sys, time, json, torch
torch.set_grad_enabled(False)
size, batch, steps, rate, runs, threads, recurrent = (float(a) if i == 3 else int(a) for i, a in enumerate(sys.argv[1:8]))
torch.set_num_threads(threads)
dt, tau, thresh = 1.0, 10.0, 1.0
p = rate * dt / 1000.0
g = torch.Generator().manual_seed(2)
bound = 1.0 / size ** 0.5
W = torch.rand(size, size, generator=g) * (4 * bound) - bound        # (out, in), as the spiking run
R = torch.rand(size, size, generator=g) * bound - bound / 2           # recurrent (out, in)
def run():
    v = torch.zeros(batch, size)
    trace_in = torch.zeros(batch, size)
    trace = torch.zeros(batch, size)
    sf = torch.zeros(batch, size)
    out = 0
    for t in range(steps):
        x = (torch.rand(batch, size) < p).float()                     # Poisson input
        trace_in = trace_in + (dt / tau) * (x - trace_in)             # Input trace (exponential)
        current = x @ W.t()                                           # Linear
        if recurrent:
            current = current + sf @ R.t()                            # last step's spikes, fed back
        v = v + (dt / tau) * (current - v)                            # LIF exponential, no refractory period
        s = v >= thresh
        sf = s.float()
        trace = trace + (dt / tau) * (sf - trace)
        v = torch.where(s, torch.zeros_like(v), v)
        out += int(s.sum())
    return out
run()
times, cpus = [], []
for _ in range(runs):
    t0 = time.perf_counter(); c0 = time.process_time(); out = run(); t1 = time.perf_counter()
    times.append(t1 - t0); cpus.append(time.process_time() - c0)
median = sorted(times)[(len(times) - 1) // 2]
cpu = sorted(cpus)[(len(cpus) - 1) // 2]
print(json.dumps({"stepsPerSecond": steps / median, "msPerStep": median * 1000 / steps, "stepsPerCpuSecond": steps / cpu,
                  "outputRateHz": out / (batch * size * steps) * 1000, "threads": torch.get_num_threads(),
                  "torch": torch.__version__}))
`;

// The same network in Brian2, one sample: Poisson -> dense Synapses -> LIF,
// weights from the same range. The LIF decays with Euler (v -= v dt/tau, the
// batched runs' decay) and each arriving spike adds (dt/tau) w before the
// threshold test (the pathways run 'before_thresholds', so a Poisson spike
// arrives one step after it is drawn): the same work per step, not the same bits.
const BRIAN = String.raw`
import sys, time, json, warnings
warnings.filterwarnings("ignore")
import brian2 as b2
size, steps, rate, runs, recurrent = (float(a) if i == 2 else int(a) for i, a in enumerate(sys.argv[1:6]))
b2.BrianLogger.log_level_error()
b2.defaultclock.dt = 1 * b2.ms
b2.seed(2)
tau = 10 * b2.ms
bound = size ** -0.5
def build(target):
    b2.prefs.codegen.target = target
    P = b2.PoissonGroup(size, rates=rate * b2.Hz)
    G = b2.NeuronGroup(size, "dv/dt = -v/tau : 1\ndtr/dt = -tr/tau : 1", threshold="v >= 1",
                       reset="v = 0; tr += 0.1 * (1 - tr)", method="euler")
    S = b2.Synapses(P, G, "w : 1", on_pre="v_post += 0.1 * w")
    S.connect()
    S.pre.when = "before_thresholds"
    S.w = "rand() * 4 * bound - bound"
    parts = [P, G, S]
    if recurrent:
        R = b2.Synapses(G, G, "w : 1", on_pre="v_post += 0.1 * w")
        R.connect()
        R.pre.when = "before_thresholds"
        R.w = "rand() * bound - bound / 2"
        parts.append(R)
    M = b2.SpikeMonitor(G, record=False)
    net = b2.Network(*parts, M)
    net.run(min(50, steps) * b2.ms)  # code generation and compilation
    return net, M
try:
    target = "cython"
    net, M = build(target)
except Exception:
    target = "numpy"
    net, M = build(target)
times, cpus, spikes = [], [], []
for _ in range(runs):
    before = M.num_spikes
    t0 = time.perf_counter(); c0 = time.process_time(); net.run(steps * b2.ms); t1 = time.perf_counter()
    times.append(t1 - t0); cpus.append(time.process_time() - c0); spikes.append(M.num_spikes - before)
median = sorted(times)[(len(times) - 1) // 2]
cpu = sorted(cpus)[(len(cpus) - 1) // 2]
print(json.dumps({"stepsPerSecondOneSample": steps / median, "stepsPerCpuSecondOneSample": steps / cpu,
                  "outputRateHz": spikes[times.index(median)] / (size * steps) * 1000,
                  "device": "runtime", "codegen": target, "threads": 1, "brian2": b2.__version__}))
`;

function findTorch() {
  return findPython('torch', [opts.python, process.env.PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean));
}

function findBrian() {
  return findBrianIn(opts.brianPython);
}

/** Brian2 on one sample; stepsPerSecond is the batch equivalent (one-sample steps/s over the batch). */
function timeBrian(python, size, recurrent) {
  const args = ['-c', BRIAN, size, steps, rate, runs, recurrent ? 1 : 0].map(String);
  const r = spawnSync(python.exe, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the Brian2 run failed: ${r.stderr}`);
  const one = JSON.parse(r.stdout.trim().split('\n').pop());
  return { ...one, stepsPerSecond: one.stepsPerSecondOneSample / batch, stepsPerCpuSecond: one.stepsPerCpuSecondOneSample / batch };
}

// torch.set_num_threads sets ATen's OpenMP threads only; Debian's PyTorch
// multiplies through the system BLAS (OpenBLAS, pthreads), which starts its
// own thread per core: with set_num_threads(1) the process used two CPU
// seconds per wall second. The BLAS and OpenMP get the same thread count too.
const TORCH_ENV = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) };

function timeTorch(python, size, recurrent) {
  const args = ['-c', TORCH, size, batch, steps, rate, runs, threads, recurrent ? 1 : 0].map(String);
  const r = spawnSync(python.exe, args, { encoding: 'utf8', env: TORCH_ENV });
  if (r.status !== 0) throw new Error(`the PyTorch run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const python = findTorch();
const brian = findBrian();
console.log(
  `spiking network benchmark: Poisson (${rate} Hz) -> Linear -> LIF (${variants.join(', ')}), ` +
    `batch ${batch}, ${steps} steps of ${dt} ms`,
);
console.log(`spiking ${require('../package.json').version}, kernels ${spiking.instructionSet()}, ${threads} thread(s), node ${process.version}; median of ${runs} runs`);
console.log(
  python.exe
    ? `PyTorch eager ${python.version} from ${python.path} (${python.exe}), torch.set_num_threads(${threads}), OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=${threads}`
    : `PyTorch eager: skipped (none of ${python.tried.join(', ')} imports torch; Debian: apt-get install python3-torch)`,
);
console.log(
  brian.exe
    ? `Brian2 ${brian.version} from ${brian.path} (${brian.exe}), runtime device, one sample at a time (batch equivalent = steps/s / ${batch})`
    : `Brian2: skipped (none of ${brian.tried.join(', ')} imports brian2; Debian: apt-get install python3-brian)`,
);
/** The pool's fork/join cost in microseconds, for 1 and `threads` threads, idle and with every core also given a busy loop. */
async function forkJoin() {
  const rows = [];
  const measure = (load) => {
    for (const count of [...new Set([1, threads])]) {
      spiking.setNumThreads(count);
      const running = native.forkJoinProbe(20000);
      const asleep = native.forkJoinProbe(200, 2000);
      rows.push({ threads: count, load, runningMicros: running.medianMicros, asleepMicros: asleep.medianMicros, workerShare: running.workerShare });
    }
  };
  measure('as is');
  const cores = require('node:os').availableParallelism();
  const hogs = Array.from({ length: cores }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  await new Promise((resolve) => setTimeout(resolve, 200));
  try {
    measure(`+${cores} busy`);
  } finally {
    for (const hog of hogs) hog.kill();
  }
  spiking.setNumThreads(threads);
  console.log('thread pool fork/join, median us per parallelFor (one task per thread; "running": back to back, "asleep": after 2 ms):');
  for (const r of rows) {
    console.log(`  ${r.threads} thread(s), load ${r.load.padEnd(8)}  running ${r.runningMicros.toFixed(2).padStart(7)}  asleep ${r.asleepMicros.toFixed(2).padStart(7)}`);
  }
  return rows;
}

// The one-thread rates of the roofline (roofline() reads them), measured first in main.
let limit, rates, peak, loadL1, loadL2;

async function main() {
  const forkJoinRows = await forkJoin();
  limit = arithmeticLimit();
  peak = corePeak();
  loadL1 = loadPeak(16);
  loadL2 = loadPeak(512);
  rates = kernelRates();
  const dramBytesPerSecond = streamRate(512e6, 1);
  console.log(`one-thread arithmetic limit (connection kernel, cache-hot rows): ${(limit / 1e9).toFixed(2)} G adds/s (the add-only limit)`);
  console.log(
    `the core's float32 add peak (${spiking.instructionSet()} vector adds from registers, no loads): ${(peak / 1e9).toFixed(2)} G adds/s per thread; ` +
      `the connection kernel reaches ${((100 * limit) / peak).toFixed(0)}% of it`,
  );
  console.log(
    `with one vector load per add: ${(loadL1 / 1e9).toFixed(2)} G adds/s from L1 (16 KB), ${(loadL2 / 1e9).toFixed(2)} G adds/s from L2 (512 KB) per thread; ` +
      `the connection kernel on cache-hot rows reaches ${((100 * limit) / loadL1).toFixed(0)}% of the L1 rate`,
  );
  console.log(
    `roofline rates, one thread, cache-hot: ${(rates.drawsPerSecond / 1e9).toFixed(2)} G Poisson draws/s, ` +
      `${(rates.lifUpdatesPerSecond / 1e9).toFixed(2)} G LIF updates/s, ${(rates.traceUpdatesPerSecond / 1e9).toFixed(2)} G Input trace updates/s; ` +
      `weight stream from DRAM (512 MB): ${(dramBytesPerSecond / 1e9).toFixed(1)} GB/s\n`,
  );

  /** The table of one variant, each row printed as it is measured (a slow PyTorch run should not hide the others). */
  function measure(recurrent) {
    const results = [];
    const header = ['size', `steps/s (${threads}t)`, 'ms/step', 'out Hz'];
    if (python.exe) header.push(`torch steps/s (${threads}t)`, 'x torch', 'x torch (CPU time)');
    if (brian.exe) header.push('brian2 1-sample steps/s', `brian2 steps/s (batch ${batch})`, 'x brian2');
    header.push(`limit steps/s (${threads}t)`, 'bound', '% of limit');
    if (python.exe) header.push('best x torch', 'load x torch', 'peak x torch', 'torch % of peak');
    header.push('steps/s (1t)', 'M adds/step', '1t % of limit', '1t % of add-only');
    const widths = header.map((h) => Math.max(h.length, 8));
    const print = (row) => console.log(row.map((cell, c) => cell.padStart(widths[c])).join('  '));
    console.log(
      recurrent
        ? '\nrecurrent: the same plus LIF -> LIF (weights uniform in [-1/(2 sqrt n), 1/(2 sqrt n)), the previous step\'s spikes); goal >= 5x PyTorch eager'
        : 'feed-forward; goal >= 20x PyTorch eager',
    );
    print(header);
    for (const size of sizes) {
      const ours = timeSpiking(size, threads, recurrent);
      const single = threads === 1 ? ours : timeSpiking(size, 1, recurrent);
      const fraction = (single.addsPerStep * single.stepsPerSecond) / limit;
      const roof = roofline(size, recurrent, ours.addsPerStep, threads);
      const roofOne = threads === 1 ? roof : roofline(size, recurrent, single.addsPerStep, 1);
      const roofFraction = ours.stepsPerSecond / roof.stepsPerSecond;
      const roofOneFraction = single.stepsPerSecond / roofOne.stepsPerSecond;
      const torch = python.exe ? timeTorch(python, size, recurrent) : null;
      const brian2 = brian.exe ? timeBrian(brian, size, recurrent) : null;
      const bestTimesTorch = torch ? roof.stepsPerSecond / torch.stepsPerSecond : null;
      // Every add at the core's peak on every thread, nothing else: the most x PyTorch any add kernel allows.
      const peakTimesTorch = torch ? (peak * threads) / ours.addsPerStep / torch.stepsPerSecond : null;
      // The same at the rate of one load per add from L1: the most x PyTorch an event-driven kernel allows.
      const loadTimesTorch = torch ? (loadL1 * threads) / ours.addsPerStep / torch.stepsPerSecond : null;
      // PyTorch's dense multiply-adds (batch x size x size per matrix per step) over the same peak.
      const torchPeakFraction = torch ? (batch * size * size * (recurrent ? 2 : 1) * torch.stepsPerSecond) / (peak * threads) : null;
      results.push({
        size, batch, steps, recurrent,
        spiking: {
          ...ours, threads, limitFraction: roofFraction,
          oneThread: { stepsPerSecond: single.stepsPerSecond, limitFraction: roofOneFraction, addOnlyLimitFraction: fraction },
        },
        limit: roof,
        oneThreadLimit: roofOne,
        bestTimesTorch,
        loadTimesTorch,
        peakTimesTorch,
        torchPeakFraction,
        torch,
        brian2,
        timesTorch: torch ? ours.stepsPerSecond / torch.stepsPerSecond : null,
      });
      print([
        String(size), ours.stepsPerSecond.toFixed(0), ours.msPerStep.toFixed(3), ours.outputRateHz.toFixed(1),
        ...(torch
          ? [torch.stepsPerSecond.toFixed(0), (ours.stepsPerSecond / torch.stepsPerSecond).toFixed(2) + 'x', (ours.stepsPerCpuSecond / torch.stepsPerCpuSecond).toFixed(2) + 'x']
          : []),
        ...(brian2
          ? [`${brian2.stepsPerSecondOneSample.toFixed(0)} (${brian2.codegen})`, brian2.stepsPerSecond.toFixed(1), (ours.stepsPerSecond / brian2.stepsPerSecond).toFixed(0) + 'x']
          : []),
        roof.stepsPerSecond.toFixed(0), roof.bound, (100 * roofFraction).toFixed(0) + '%',
        ...(torch ? [bestTimesTorch.toFixed(1) + 'x', loadTimesTorch.toFixed(1) + 'x', peakTimesTorch.toFixed(1) + 'x', (100 * torchPeakFraction).toFixed(0) + '%'] : []),
        single.stepsPerSecond.toFixed(0), (single.addsPerStep / 1e6).toFixed(2), (100 * roofOneFraction).toFixed(0) + '%', (100 * fraction).toFixed(0) + '%',
      ]);
    }
    return results;
  }

  const results = variants.includes('feedforward') ? measure(false) : [];
  const recurrentResults = variants.includes('recurrent') ? measure(true) : null;
  spiking.setNumThreads(threads);
  if (opts.json) {
    const meta = {
      rate, dt, instructionSet: spiking.instructionSet(), threads, variants,
      python: python.path ?? null, torchVersion: python.version ?? null,
      brianPython: brian.path ?? null, brian2Version: brian.version ?? null, limitAddsPerSecond: limit, corePeakAddsPerSecond: peak,
      coreLoadAddsPerSecond: { l1: loadL1, l2: loadL2 }, forkJoin: forkJoinRows,
      roofline: { ...rates, addsPerSecond: limit, dramBytesPerSecond },
    };
    // The feed-forward rows stay in results; the recurrent variant's, in the same form, under recurrent.
    const recurrentPart = recurrentResults
      ? { recurrent: { connection: 'lif -> lif, weights uniform in [-1/(2 sqrt n), 1/(2 sqrt n)), the previous step\'s spikes', goalTimesTorch: 5, results: recurrentResults } }
      : {};
    fs.writeFileSync(opts.json, JSON.stringify({ ...meta, results, ...recurrentPart }, null, 2) + '\n');
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
