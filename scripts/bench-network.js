#!/usr/bin/env node
// Network benchmark, modelled on Norse's LIF benchmark (norse/benchmark):
// Poisson input -> Linear -> LIF, batch 32, 1,000 steps of 1 ms, for a few
// layer sizes (inputs = outputs = size), reporting steps per second. When
// `python3 -c "import torch"` works it also times a PyTorch eager version of
// the same network, written from docs/semantics.md; otherwise it says so.
//
//   npm run bench:network                      # sizes 250, 1000, 2500
//   npm run bench:network -- --sizes 500,4000 --steps 200 --json out.json
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const { Command } = require('commander');
const spiking = require('..');

const cli = new Command('bench-network')
  .option('--sizes <list>', 'layer sizes (inputs = outputs)', '250,1000,2500')
  .option('--batch <n>', 'samples per batch', '32')
  .option('--steps <n>', 'time steps per run', '1000')
  .option('--rate <hz>', 'Poisson input rate in Hz (dt = 1 ms)', '100')
  .option('--runs <n>', 'timed runs per size (the median is reported)', '5')
  .option('--threads <n>', 'size of the kernels\' thread pool (default: the number of cores, or SPIKING_NUM_THREADS)')
  .option('--json <file>', 'also write the results as JSON')
  .parse();
const opts = cli.opts();
const sizes = opts.sizes.split(',').map(Number);
const batch = Number(opts.batch);
const steps = Number(opts.steps);
const rate = Number(opts.rate);
const runs = Number(opts.runs);
if (opts.threads !== undefined) spiking.setNumThreads(Number(opts.threads));
const dt = 1;

// LIF with an exponential update, tauV = 10 ms (dt / tauV = 0.1, as Norse's
// default tau_mem_inv = 100 /s at dt = 1 ms); threshold 1, no refractory period.
const lifOptions = (n) => ({
  cellsShape: [batch, n], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 0,
  tauV: 10, tauT: 10, updateType: 'exponential',
});

function network(size) {
  const net = new spiking.Network();
  const input = new spiking.Input({ cellsShape: [batch, size], dt, alphaT: 1, tauT: 10, updateType: 'exponential' });
  const source = new spiking.PoissonEncoder({ cellsShape: [batch, size], rates: rate, dt, seed: 1 });
  net.addLayer('input', input, { source });
  net.addLayer('lif', new spiking.LIFNeuron(lifOptions(size)));
  // torch.nn.Linear's default range [-1/sqrt(in), 1/sqrt(in)), stretched up to 3/sqrt(in) so that the LIF layer fires.
  const bound = 1 / Math.sqrt(size);
  net.connect('input', 'lif', new spiking.Linear({
    inFeatures: size, outFeatures: size, batchSize: batch, dt,
    weight: { init: 'uniform', low: -bound, high: 3 * bound, seed: 2 },
  }));
  return net;
}

function timeSpiking(size) {
  const net = network(size);
  net.run(Math.min(50, steps));
  const results = [];
  for (let r = 0; r < runs; r++) {
    net.resetState();
    results.push(net.run(steps));
  }
  // The median run: the machine is shared, and its best moment is not a figure to quote.
  results.sort((a, b) => a.wallSeconds - b.wallSeconds);
  const median = results[(results.length - 1) >> 1];
  const spikes = (name) => Array.from(median.spikeCounts[name]).reduce((a, b) => a + b, 0);
  return {
    stepsPerSecond: steps / median.wallSeconds,
    msPerStep: (median.wallSeconds * 1000) / steps,
    inputRateHz: (spikes('input') / (batch * size * steps)) * 1000,
    outputRateHz: (spikes('lif') / (batch * size * steps)) * 1000,
  };
}

const TORCH = String.raw`
import sys, time, json, torch
torch.set_grad_enabled(False)
size, batch, steps, rate, runs = (int(a) if i != 3 else float(a) for i, a in enumerate(sys.argv[1:6]))
dt, tau, thresh = 1.0, 10.0, 1.0
p = rate * dt / 1000.0
g = torch.Generator().manual_seed(2)
bound = 1.0 / size ** 0.5
W = torch.rand(size, size, generator=g) * (4 * bound) - bound        # (out, in), as the spiking run
def run():
    v = torch.zeros(batch, size)
    trace_in = torch.zeros(batch, size)
    trace = torch.zeros(batch, size)
    out = 0
    for t in range(steps):
        x = (torch.rand(batch, size) < p).float()                     # Poisson input
        trace_in = trace_in + (dt / tau) * (x - trace_in)             # Input trace (exponential)
        current = x @ W.t()                                           # Linear
        v = v + (dt / tau) * (current - v)                            # LIF exponential, no refractory period
        s = v >= thresh
        sf = s.float()
        trace = trace + (dt / tau) * (sf - trace)
        v = torch.where(s, torch.zeros_like(v), v)
        out += int(s.sum())
    return out
run()
times = []
for _ in range(runs):
    t0 = time.perf_counter(); out = run(); t1 = time.perf_counter()
    times.append(t1 - t0)
median = sorted(times)[(len(times) - 1) // 2]
print(json.dumps({"stepsPerSecond": steps / median, "msPerStep": median * 1000 / steps,
                  "outputRateHz": out / (batch * size * steps) * 1000, "threads": torch.get_num_threads(),
                  "torch": torch.__version__}))
`;

function torchAvailable() {
  const probe = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
  return probe.status === 0;
}

function timeTorch(size) {
  const r = spawnSync('python3', ['-c', TORCH, String(size), String(batch), String(steps), String(rate), String(runs)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the PyTorch run failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

console.log(`spiking network benchmark: Poisson (${rate} Hz) -> Linear -> LIF, batch ${batch}, ${steps} steps of ${dt} ms`);
console.log(
  `spiking ${require('../package.json').version}, kernels ${spiking.instructionSet()}, ${spiking.numThreads()} thread(s) ` +
    `(neuron and connection steps; the encoder runs on one), node ${process.version}; median of ${runs} runs\n`,
);
const withTorch = torchAvailable();
const results = [];
const rows = [['size', 'spiking steps/s', 'ms/step', 'in Hz', 'out Hz', ...(withTorch ? ['torch steps/s', 'torch ms/step', 'speed-up'] : [])]];
for (const size of sizes) {
  const ours = timeSpiking(size);
  const torch = withTorch ? timeTorch(size) : null;
  results.push({ size, batch, steps, spiking: ours, torch });
  rows.push([
    String(size), ours.stepsPerSecond.toFixed(0), ours.msPerStep.toFixed(3), ours.inputRateHz.toFixed(1), ours.outputRateHz.toFixed(1),
    ...(torch ? [torch.stepsPerSecond.toFixed(0), torch.msPerStep.toFixed(3), (ours.stepsPerSecond / torch.stepsPerSecond).toFixed(2) + 'x'] : []),
  ]);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((cell, c) => cell.padStart(widths[c])).join('  '));
if (!withTorch) console.log('\nPyTorch eager: skipped (python3 -c "import torch" failed: torch is not installed here)');
if (opts.json) {
  const meta = { rate, dt, instructionSet: spiking.instructionSet(), threads: spiking.numThreads() };
  fs.writeFileSync(opts.json, JSON.stringify({ ...meta, results }, null, 2) + '\n');
}
