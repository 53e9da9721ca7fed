// A run in this process: preparing the sweep points of a command line,
// building and running each, writing summary.json and experiment.json, and the
// lines a finished run prints. The command line (commands.ts), the queue's
// coordinator (queue.ts) and its jobs (lib/scale-out/job.ts) all run through it.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { SingleBar } from 'cli-progress';

import { native, packageRoot } from '../binding';
import type { NetworkRunResult } from '../network/network';
import { applyOverride, buildExperiment, PLOT_FILE, readExperiment, validateExperiment, type Built, type Experiment, type OverrideSource } from './experiment';
import { withOutputDir } from './output-dir';
import { combinations, fmt, parseSweep, runDirName, writeSweepTable, type Sweep } from './sweep';

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
  /** Stops a run at its next step boundary (supervise.ts aborts it on Ctrl-C and SIGTERM); the run then rejects with an AbortError. */
  signal?: AbortSignal;
}

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

/**
 * Runs one sweep point (or one shard of its batch) into `dir`: its recordings,
 * raster.svg, summary.json and experiment.json. The engine runs it off the
 * event loop (Network.runAsync), the progress bar fed by onProgress and
 * io.signal able to stop it; a network the engine cannot run steps in
 * JavaScript (run, with onStep), with the same bits.
 */
export async function runOne(prepared: Prepared, built: Built, file: string, dir: string, threads: number | null, io: Io, label: string): Promise<RunOutcome> {
  io.signal?.throwIfAborted();
  fs.mkdirSync(dir, { recursive: true });
  const steps = prepared.experiment.steps;
  const wanted = io.progress ?? process.stderr.isTTY === true;
  const bar = wanted === true ? terminalProgress() : wanted || null;
  const recorders = [...built.recorders, ...(built.plot ? [built.plot] : [])];
  const progress = bar ? (done: number) => bar.update(done) : undefined;
  bar?.start(steps, label);
  let result: NetworkRunResult;
  try {
    result =
      built.network.engine === 'native'
        ? await built.network.runAsync(steps, { recorders, onProgress: progress, signal: io.signal, ...built.learning }) // progress every 100 ms (PROGRESS_MS)
        : built.network.run(steps, { recorders, onStep: progress, ...built.learning }); // every 256 steps (BLOCK_STEPS)
  } catch (e) {
    bar?.stop();
    if (io.signal?.aborted) io.err(`${label}: stopped after ${built.network.time} of ${steps} steps\n`);
    throw e;
  }
  bar?.stop();
  const summary = summarise(built, result, file, prepared.overrides, threads);
  writeRunFiles(dir, summary, prepared.experiment);
  return { dir, summary };
}

/** summary.json and experiment.json of a run. */
export function writeRunFiles(dir: string, summary: Summary, experiment: Experiment): void {
  fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'experiment.json'), JSON.stringify(experiment, null, 2) + '\n');
}

// ---- a run here, from a command line ----------------------------------------

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

/** Runs every sweep point here, in this process, into flags.out (validated and built before anything is written), and prints what it did. */
export async function runLocally(file: string, flags: RunFlags, io: Io): Promise<void> {
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
  const outcomes = await withOutputDir(
    flags.out!,
    flags.force === true,
    async (tmp) => {
      const dirOf = (p: Prepared) => (sweeps.length ? path.join(tmp, p.dirName) : tmp);
      // Every run must build (shapes, files) before the first one writes anything;
      // the first build is kept for the first run, the others are built again in turn.
      const first = prepared.map((p, k) => (k === 0 ? build(p, file, dirOf(p)) : (build(p, file, dirOf(p)), null)))[0]!;
      const done: RunOutcome[] = [];
      for (const [k, p] of prepared.entries()) {
        const label = sweeps.length ? `run ${k + 1}/${prepared.length} ${p.dirName}` : `run ${p.experiment.name ?? path.basename(file)}`;
        done.push(await runOne(p, k === 0 ? first : build(p, file, dirOf(p)), file, dirOf(p), flags.threads ?? null, quietIo, label));
      }
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
