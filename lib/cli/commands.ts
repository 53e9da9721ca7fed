// The `spiking` command line: its options, the run command and info. bin/
// runs it under supervise.ts (a worker thread, so that signals can clean up);
// tests call main() in process.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { SingleBar } from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError } from 'commander';

import { addonPath, native, packageRoot } from '../binding';
import type { NetworkRunResult } from '../network/network';
import {
  applyOverride,
  buildExperiment,
  PLOT_FILE,
  readExperiment,
  validateExperiment,
  type Built,
  type Experiment,
  type OverrideSource,
  UsageError,
} from './experiment';
import { withOutputDir } from './output-dir';
import { combinations, fmt, parseSweep, runDirName, SWEEP_FORMS, writeSweepTable, type Sweep } from './sweep';

/** A progress display for the steps of a run. */
export interface Progress {
  start(total: number, label: string): void;
  update(done: number): void;
  stop(): void;
}

/** Where the CLI writes; the process streams unless a test passes its own. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** A progress bar: true draws one on stderr; default: when stderr is a TTY. */
  progress?: boolean | Progress;
  /** Told the output folder's full path before anything is created for it (supervise.ts cleans up after signals). */
  outputFolder?: (target: string) => void;
}

/** The hint under a usage error. */
const HINT = '(see "spiking run --help" for the options and examples)';

/** A progress bar on stderr. */
export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  let bar: SingleBar | null = null;
  return {
    start(total, label) {
      bar = new SingleBar({ format: `${label} [{bar}] {percentage}% | {value}/{total} steps | ETA {eta_formatted}`, stream, hideCursor: true, clearOnComplete: true });
      bar.start(total, 0);
    },
    update: (done) => bar?.update(done),
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Threads the kernels are split across (the process-wide pool, the caller included). */
export function threadsInUse(): number {
  return native.numThreads();
}

// ---- one run --------------------------------------------------------------

export interface RunOutcome {
  dir: string;
  summary: Summary;
}

export interface LayerSummary {
  kind: string;
  neuronsPerSample: number;
  neurons: number;
  spikes: number;
  spikesPerSample: number[];
  /** Spikes per neuron per step. */
  spikesPerNeuronPerStep: number;
  /** Spikes per neuron per second (dt in ms). */
  rateHz: number;
}

export interface Summary {
  name: string | null;
  experiment: string;
  spiking: string;
  instructionSet: string;
  threads: { requested: number | null; used: number };
  seed: number;
  steps: number;
  batch: number;
  dt: number;
  overrides: string[];
  wallSeconds: number;
  stepsPerSecond: number;
  layers: Record<string, LayerSummary>;
  connections: Array<{ name: string; from: string; to: string; delay: number; feedback: boolean }>;
  recordings: ReturnType<Built['recorders'][number]['describe']>[];
  plot: { file: string; layers: string[]; sample: number; spikesDrawn: number; spikesNotDrawn: number };
}

function summarise(built: Built, result: NetworkRunResult, file: string, overrides: string[], threads: number | null): Summary {
  const exp = built.experiment;
  const layers: Record<string, LayerSummary> = {};
  for (const name of built.network.layerNames) {
    const layer = built.network.layer(name);
    const counts = Array.from(result.spikeCounts[name]);
    const spikes = counts.reduce((a, b) => a + b, 0);
    const perStep = spikes / (layer.size * result.steps);
    layers[name] = {
      kind: built.layerKinds[name],
      neuronsPerSample: layer.size / exp.batch,
      neurons: layer.size,
      spikes,
      spikesPerSample: counts,
      spikesPerNeuronPerStep: perStep,
      rateHz: (perStep * 1000) / exp.dt,
    };
  }
  const plotLayers = exp.plot?.layers ?? exp.layers.map((l) => l.name);
  return {
    name: exp.name ?? null,
    experiment: path.resolve(file),
    spiking: packageVersion(),
    instructionSet: native.instructionSet(),
    threads: { requested: threads, used: threadsInUse() },
    seed: exp.seed ?? 0,
    steps: result.steps,
    batch: exp.batch,
    dt: exp.dt,
    overrides,
    wallSeconds: result.wallSeconds,
    stepsPerSecond: result.stepsPerSecond,
    layers,
    connections: built.network.connections.map((c) => ({ name: c.name, from: c.from, to: c.to, delay: c.connection.maxDelay, feedback: c.feedback })),
    recordings: built.recorders.map((r) => ({ ...r.describe(), file: path.basename(r.describe().file) })),
    // A shard without the plotted sample draws nothing (lib/scale-out merges the shards).
    plot: { file: PLOT_FILE, layers: plotLayers, sample: exp.plot?.sample ?? 0, spikesDrawn: built.plot?.counts.drawn ?? 0, spikesNotDrawn: built.plot?.counts.skipped ?? 0 },
  };
}

export interface Prepared {
  experiment: Experiment;
  overrides: string[];
  dirName: string;
  combo: Array<{ path: string; raw: string }>;
}

export function build(prepared: Prepared, file: string, dir: string): Built {
  return buildExperiment(prepared.experiment, { file, dir: path.dirname(path.resolve(file)) }, dir);
}

/** Runs one sweep point (or one shard of its batch) into `dir`: its recordings, raster.svg, summary.json and experiment.json. */
export function runOne(prepared: Prepared, built: Built, file: string, dir: string, threads: number | null, io: Io, label: string): RunOutcome {
  fs.mkdirSync(dir, { recursive: true });
  const steps = prepared.experiment.steps;
  const wanted = io.progress ?? process.stderr.isTTY === true;
  const bar = wanted === true ? terminalProgress() : wanted || null;
  bar?.start(steps, label);
  let result: NetworkRunResult;
  try {
    result = built.network.run(steps, {
      recorders: [...built.recorders, ...(built.plot ? [built.plot] : [])],
      onStep: bar ? (done) => bar.update(done) : undefined, // every 256 steps (BLOCK_STEPS) and at the end
    });
  } finally {
    bar?.stop();
  }
  const summary = summarise(built, result, file, prepared.overrides, threads);
  writeRunFiles(dir, summary, prepared.experiment);
  return { dir, summary };
}

/** summary.json and experiment.json of a run. */
export function writeRunFiles(dir: string, summary: Summary, experiment: Experiment): void {
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'experiment.json'), JSON.stringify(experiment, null, 2) + '\n');
}

// ---- commands -------------------------------------------------------------------

export interface RunFlags {
  out?: string;
  seed?: number;
  threads?: number;
  set?: string[];
  sweep?: string[];
  force?: boolean;
  quiet?: boolean;
  /** Through a Redis queue (lib/cli/queue.ts): redis://HOST:PORT[/DB], shard size, shared folder for large results. */
  queue?: string;
  shardBatch?: number;
  store?: string;
  resultLimit?: number;
  redisWait?: number;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The runs of a command line: every sweep point with its overrides applied and validated. */
export function preparePoints(file: string, flags: RunFlags): { sweeps: Sweep[]; prepared: Prepared[] } {
  const raw = readExperiment(file);
  const base = [...(flags.seed !== undefined ? [{ option: '--seed', text: `seed=${flags.seed}` }] : []), ...(flags.set ?? []).map((text) => ({ option: '--set', text }))];
  const sweeps = (flags.sweep ?? []).map(parseSweep);
  const prepared: Prepared[] = combinations(sweeps).map((combo) => {
    const copy = structuredClone(raw);
    const sources: OverrideSource[] = [];
    for (const s of base) {
      const shown = s.option === '--seed' ? `--seed ${flags.seed}` : `--set ${s.text}`;
      sources.push({ pointer: applyOverride(copy, s.text, s.option), option: shown });
    }
    for (const c of combo) {
      const spec = sweeps.find((s) => s.path === c.path)!.spec;
      sources.push({ pointer: applyOverride(copy, `${c.path}=${c.raw}`, '--sweep'), option: `--sweep ${spec} (the value ${c.raw})` });
    }
    const experiment = validateExperiment(copy, file, sources);
    return { experiment, overrides: [...base.map((s) => s.text), ...combo.map((c) => `${c.path}=${c.raw}`)], dirName: runDirName(combo), combo };
  });
  return { sweeps, prepared };
}

function runCommand(file: string, flags: RunFlags, io: Io): void | Promise<void> {
  // The queue code (and BullMQ) loads only for runs through a queue.
  if (flags.queue !== undefined) return import('./queue').then((q) => q.runThroughQueue(file, flags, io));
  if (flags.shardBatch !== undefined || flags.store !== undefined || flags.resultLimit !== undefined || flags.redisWait !== undefined) {
    throw new UsageError('--shard-batch, --store, --result-limit and --redis-wait apply to runs through a queue: add --queue redis://HOST:PORT');
  }
  // Every combination is validated and its inputs checked before anything runs.
  const { sweeps, prepared } = preparePoints(file, flags);
  const quietIo: Io = flags.quiet ? { ...io, progress: false } : io;
  if (flags.threads !== undefined) {
    const cores = os.availableParallelism();
    if (flags.threads > cores) {
      io.err(`spiking: warning: --threads ${flags.threads} is more than the ${plural(cores, 'core')} of this machine; the extra threads only take turns with the others\n`);
    }
    native.setNumThreads(flags.threads);
  }
  const outcomes = withOutputDir(
    flags.out!,
    flags.force === true,
    (tmp) => {
      const dirOf = (p: Prepared) => (sweeps.length ? path.join(tmp, p.dirName) : tmp);
      // Every run must build (shapes, files) before the first one writes anything;
      // the first build is kept for the first run, the others are built again in turn.
      const first = prepared.map((p, k) => (k === 0 ? build(p, file, dirOf(p)) : (build(p, file, dirOf(p)), null)))[0]!;
      const done = prepared.map((p, k) => {
        const label = sweeps.length ? `run ${k + 1}/${prepared.length} ${p.dirName}` : `run ${p.experiment.name ?? path.basename(file)}`;
        return runOne(p, k === 0 ? first : build(p, file, dirOf(p)), file, dirOf(p), flags.threads ?? null, quietIo, label);
      });
      const table = sweeps.length ? writeSweepTable(tmp, done.map((o, k) => ({ ...prepared[k], summary: o.summary })), sweeps) : '';
      return { done, table };
    },
    io.outputFolder,
  );
  reportRun(flags.out!, outcomes.done, outcomes.table, io);
}

/** The lines a finished run prints (`table`: the sweep table, '' for a single run). */
export function reportRun(outDir: string, outcomes: RunOutcome[], table: string, io: Io): void {
  const out = path.resolve(outDir);
  if (!table) {
    const s = outcomes[0].summary;
    const layers = Object.entries(s.layers).map(([name, l]) => `${name} ${l.spikes} spikes (${fmt(l.rateHz)} Hz)`).join(', ');
    io.out(`${out}: ${s.steps} steps x ${s.batch} samples in ${fmt(s.wallSeconds)} s (${fmt(s.stepsPerSecond, 4)} steps/s); ${layers}\n`);
    io.out(`wrote summary.json, experiment.json, ${PLOT_FILE}${s.recordings.map((r) => `, ${r.file}`).join('')}\n`);
  } else {
    io.out(table);
    io.out(`${out}: ${plural(outcomes.length, 'run')}, one folder each; the table is in sweep.csv and sweep.txt\n`);
  }
}

/** Where the loaded addon comes from: SPIKING_ADDON, a shipped prebuild, or a build in build/. */
function addonOrigin(): string {
  if (process.env.SPIKING_ADDON) return 'SPIKING_ADDON';
  return path.relative(path.join(packageRoot(), 'prebuilds'), addonPath).startsWith('..') ? 'build' : 'prebuild';
}

function infoCommand(io: Io): void {
  io.out(
    [
      `spiking ${packageVersion()}`,
      `node ${process.version}`,
      `platform: ${process.platform}-${process.arch}`,
      `addon: ${addonOrigin()} ${addonPath}`,
      `addon build: ${native.buildSystem}`,
      `instruction sets compiled in: ${native.compiledInstructionSets.join(', ')}`,
      `instruction set: ${native.instructionSet()} (usable: ${native.instructionSets().join(', ')}; SPIKING_ISA overrides)`,
      `threads: ${threadsInUse()} (the kernels' pool; SPIKING_NUM_THREADS or run --threads sets it)`,
      '',
    ].join('\n'),
  );
}

function integer(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      throw new InvalidArgumentError(`expected an integer ${range} for ${name}, received "${value}"`);
    }
    return n;
  };
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function program(io: Io): Command {
  const cli = new Command('spiking')
    .description("Spiking neural networks: PySNN's neurons and connections, run from experiment files")
    .version(packageVersion(), '-V, --version')
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: (text, write) => write(`spiking: ${text}`) })
    .showHelpAfterError('(see "spiking --help")')
    .exitOverride();
  const run = cli
    .command('run')
    .description('run the network an experiment file describes and write the results into a folder')
    .argument('<experiment>', 'experiment file (JSON, see schema/experiment.schema.json)')
    .option('-o, --out <dir>', 'output folder (required): summary.json, experiment.json, raster.svg and the recordings (.npy)')
    .option('--seed <n>', 'seed for encoders and weights (overrides the file)', integer('--seed', 0))
    .option('--threads <n>', "size of the kernels' thread pool (default: the number of cores, or SPIKING_NUM_THREADS)", integer('--threads', 1, native.maxThreads))
    .option('--set <name.field=value>', 'override a field of a layer, connection or the experiment (repeatable), e.g. hidden.tauV=0.8', collect)
    .option('--sweep <name.field=values>', `run every combination of these values (repeatable), each in its own sub-folder: ${SWEEP_FORMS}`, collect)
    .option('--force', 'replace the output folder if it exists and is not empty')
    .option('-q, --quiet', 'no progress bar')
    .option('--queue <redis://host:port[/db]>', 'run through the Redis queue of `spiking worker`s instead of here (docs/scale-out.md)')
    .option('--shard-batch <n>', 'with --queue: one job per shard of n samples of the batch', integer('--shard-batch', 1))
    .option('--store <dir>', 'with --queue: a folder every machine sees, for results above --result-limit')
    .option('--result-limit <bytes>', 'with --queue: largest result of a job sent through Redis (default 16 MiB)', integer('--result-limit', 0))
    .option('--redis-wait <seconds>', 'with --queue: how long to wait for a lost Redis to come back before giving up (default 20)', integer('--redis-wait', 0, 86400))
    .addHelpText('after', '\nExamples:\n  spiking run examples/feedforward.json --out out/ff\n  spiking run examples/feedforward.json --out out/sweep --sweep hidden.tauV=0.5:0.9:5\n  spiking run examples/feedforward.json --out out/sweep --sweep hidden.tauV=0.5:0.9:5 --queue redis://127.0.0.1:6379\n')
    .showHelpAfterError(HINT)
    .action((file: string, flags: RunFlags) => {
      if (flags.out === undefined) throw new UsageError('the output folder is missing: add --out <dir>');
      return runCommand(file, flags, io);
    });
  // Commander's "missing required argument 'experiment'", said plainly (its
  // missingArgument hook, untyped in commander 14's .d.ts).
  (run as unknown as { missingArgument: (name: string) => never }).missingArgument = () => {
    throw new UsageError('the experiment file is missing: spiking run <experiment.json> --out <dir>');
  };
  cli
    .command('worker')
    .description('run the jobs of `spiking run --queue` from a Redis queue until SIGTERM (docs/scale-out.md)')
    .requiredOption('--queue <redis://host:port[/db]>', 'the Redis server (and database) the runs are queued on')
    .option('--concurrency <n>', 'jobs at once, each in its own process (default 1)', integer('--concurrency', 1, 256))
    .option('--threads <n>', "size of each job's kernel thread pool (default: the number of cores, or SPIKING_NUM_THREADS)", integer('--threads', 1, native.maxThreads))
    .option('--lock-time <ms>', 'how long a job stays locked without a sign of life before another worker takes it over (default 30000)', integer('--lock-time', 100))
    .option('-q, --quiet', 'no line per job')
    .action((flags: WorkerFlags) => import('./worker').then((w) => w.workerCommand(flags, io)));
  cli.command('info').description('version, platform, the addon loaded, instruction sets and threads').action(() => infoCommand(io));
  return cli;
}

/** Options of `spiking worker` (lib/cli/worker.ts). */
export interface WorkerFlags {
  queue: string;
  concurrency?: number;
  threads?: number;
  lockTime?: number;
  quiet?: boolean;
}

function failure(e: unknown, io: Io): number {
  if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : e.exitCode || 1;
  const message = e instanceof Error ? e.message : String(e);
  io.err(`spiking: error: ${message}\n`);
  if (e instanceof UsageError) io.err(`${HINT}\n`);
  return 1;
}

/** Runs the CLI; returns the exit code (0: done; 1: bad input or failure). Local commands only: see mainAsync. */
export function main(argv: readonly string[], io: Io = processIo): number {
  const cli = program(io);
  try {
    cli.parse(argv as string[], { from: 'user' });
    return 0;
  } catch (e) {
    return failure(e, io);
  }
}

/** The CLI with every command, the queue's and the worker's too (they wait on Redis); resolves to the exit code. */
export async function mainAsync(argv: readonly string[], io: Io = processIo): Promise<number> {
  const cli = program(io);
  try {
    await cli.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (e) {
    return failure(e, io);
  }
}
