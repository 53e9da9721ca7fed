#!/usr/bin/env node
// Training speed of the Diehl & Cook network of examples/mnist-stdp.js, side
// by side with Brian2 2.5.1 on the same machine, --threads each (default 1): training
// digits per second (350 ms of input and 150 ms of rest at dt = 0.5 ms per
// digit), for spiking one digit at a time and batched (--batch digits at
// once, shared weights), and for Brian2's C++ standalone device (compilation
// excluded; on N threads its OpenMP build, prefs.devices.cpp_standalone.
// openmp_threads = N) and its Cython runtime (one thread only: skipped for
// N > 1) (scripts/bench_mnist_brian.py, run by the first python3 that
// imports brian2; Debian: apt-get install python3-brian).
//
// Each side is timed in wall seconds and in CPU seconds: on a shared, loaded
// machine the scheduler shows in wall time, so the ratios are printed for both.
// spiking: the median of --runs runs over --digits training digits each.
// "shown": presentations, repeats of quiet digits included (per sample slot;
// Brian2's standalone run shows each digit once).
//
//   npm run bench:mnist
//   npm run bench:mnist -- --threads 2
//   npm run bench:mnist -- --neurons 400 --digits 500 --brian-digits 100 --json out.json
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Command } = require('commander');
const spiking = require('..');
const { loadDigits, buildNetwork, runDigits } = require('../examples/mnist-stdp');
const { findBrian } = require('./find-python');

const cli = new Command('bench-mnist')
  .option('--neurons <n>', 'excitatory neurons', '100')
  .option('--digits <n>', 'training digits per timed run of spiking', '1000')
  .option('--batch <n>', 'digits at once in the batched runs', '16')
  .option('--runs <n>', 'timed runs of spiking per mode (the median is reported)', '3')
  .option('--brian-digits <n>', 'training digits for Brian2 C++ standalone (0: skip)', '200')
  .option('--cython-digits <n>', 'training digits for Brian2 Cython runtime (0: skip)', '10')
  .option('--threads <n>', 'threads on each side: spiking\'s pool and Brian2 standalone\'s OpenMP', '1')
  .option('--brian-python <exe>', 'the Python interpreter that imports brian2')
  .option('--json <file>', 'also write the results as JSON')
  .parse();
const opts = cli.opts();
const neurons = Number(opts.neurons);
const digits = Number(opts.digits);
const batch = Number(opts.batch);
const runs = Number(opts.runs);
const threads = Number(opts.threads);
if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`--threads: expected a whole number >= 1 but received ${opts.threads}`);

spiking.setNumThreads(threads); // as many as Brian2's standalone run
const train = loadDigits(1).train;
if (digits > train.length) throw new RangeError(`--digits: at most ${train.length}`);

const median = (values) => [...values].sort((a, b) => a - b)[(values.length - 1) >> 1];

/** spiking: digits per second (wall and CPU) of training `digits` digits, `b` at a time; the median of the runs. */
function timeSpiking(b) {
  const wall = [];
  const cpu = [];
  let shown = 0;
  for (let r = 0; r < runs; r++) {
    const net = buildNetwork({ neurons, batch: b, seed: r + 1, learn: true });
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    shown = runDigits(net, train.slice(0, digits), () => {}, () => {});
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    wall.push(digits / seconds);
    cpu.push(digits / ((c.user + c.system) / 1e6));
  }
  return { mode: b === 1 ? 'spiking, one digit at a time' : `spiking, batch ${b}`, batch: b, digits, presentations: shown, digitsPerSecond: median(wall), digitsPerCpuSecond: median(cpu) };
}

/** Brian2 on `count` digits with `device` ("standalone" or "cython"). */
function timeBrian(python, device, count) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mnist-'));
  const file = path.join(dir, 'digits.npy');
  const pixels = new Float32Array(count * 784);
  train.slice(0, count).forEach((d, k) => pixels.set(d.pixels, k * 784));
  spiking.writeNpy(file, '<f4', [count, 784], pixels);
  const script = path.join(__dirname, 'bench_mnist_brian.py');
  const r = spawnSync(python.exe, [script, file, String(neurons), device, '1', String(device === 'standalone' ? threads : 1)], { encoding: 'utf8', cwd: dir });
  fs.rmSync(dir, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`the Brian2 ${device} run failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  return { mode: device === 'standalone' ? 'Brian2 C++ standalone' : 'Brian2 Cython runtime', ...out };
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');
const loadBefore = load();
const rows = [timeSpiking(1), timeSpiking(batch)];
const brian = findBrian(opts.brianPython);
const references = [];
if (brian.exe) {
  if (Number(opts.brianDigits) > 0) references.push(timeBrian(brian, 'standalone', Number(opts.brianDigits)));
  if (Number(opts.cythonDigits) > 0 && threads === 1) references.push(timeBrian(brian, 'cython', Number(opts.cythonDigits)));
}
const standalone = references.find((r) => r.device === 'standalone');

const loadAfter = load();
const threadWords = threads === 1 ? 'one thread each side' : `${threads} threads each side (spiking's pool, Brian2 standalone's OpenMP; Cython runtime skipped)`;
console.log(`Diehl & Cook training, ${neurons} excitatory neurons, ${threadWords}, ${os.cpus()[0].model}, ${spiking.instructionSet()}`);
console.log(`${new Date().toISOString()}, load average (1, 5, 15 min) before ${loadBefore}, after ${loadAfter}`);
console.log(
  brian.exe
    ? `Brian2 ${brian.version} from ${brian.path} (${brian.exe})`
    : `Brian2: skipped (none of ${brian.tried.join(', ')} imports brian2; Debian: apt-get install python3-brian)`,
);
const table = [['', 'digits', 'shown', 'digits/s', 'digits/CPU s', 'x standalone (wall)', 'x standalone (CPU)']];
for (const r of [...rows, ...references]) {
  table.push([
    r.mode,
    String(r.digits),
    String(r.presentations),
    r.digitsPerSecond.toFixed(1),
    r.digitsPerCpuSecond ? r.digitsPerCpuSecond.toFixed(1) : '-',
    standalone ? (r.digitsPerSecond / standalone.digitsPerSecond).toFixed(2) : '-',
    standalone && r.digitsPerCpuSecond ? (r.digitsPerCpuSecond / standalone.digitsPerCpuSecond).toFixed(2) : '-',
  ]);
}
const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
for (const row of table) console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));

if (opts.json) {
  const result = { date: new Date().toISOString(), load: { before: loadBefore, after: loadAfter }, cpu: os.cpus()[0].model, instructionSet: spiking.instructionSet(), neurons, threads, spiking: rows, brian2: references, brian2Version: brian.version ?? null };
  fs.writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
}
