// The `spiking` command line: its options and the dispatch of its commands
// (a run here: local-run.ts; through a queue: queue.ts; worker: worker.ts;
// info). bin/ runs it under supervise.ts (a worker thread, so that signals can
// stop a run and clean up); tests call mainAsync() in process.
import * as path from 'node:path';

import { Command, CommanderError, InvalidArgumentError } from 'commander';

import { addonPath, native, packageRoot } from '../binding';
import { UsageError } from './experiment';
import { packageVersion, runLocally, threadsInUse, type Io, type RunFlags } from './local-run';
import { SWEEP_FORMS } from './sweep';
import type { WorkerFlags } from './worker';

export { packageVersion, type Io } from './local-run';

/** The hint under a usage error. */
const HINT = '(see "spiking run --help" for the options and examples)';

const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

function runCommand(file: string, flags: RunFlags, io: Io): void | Promise<void> {
  // The queue code (and BullMQ) loads only for runs through a queue.
  if (flags.queue !== undefined) return import('./queue').then((q) => q.runThroughQueue(file, flags, io));
  if (flags.shardBatch !== undefined || flags.store !== undefined || flags.resultLimit !== undefined || flags.redisWait !== undefined) {
    throw new UsageError('--shard-batch, --store, --result-limit and --redis-wait apply to runs through a queue: add --queue redis://HOST:PORT');
  }
  return runLocally(file, flags, io);
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

function failure(e: unknown, io: Io): number {
  // Stopped through io.signal: the supervisor (supervise.ts) reports the signal and sets the exit code.
  if (io.signal?.aborted && (e as Error | undefined)?.name === 'AbortError') return 1;
  if (e instanceof CommanderError) return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : e.exitCode || 1;
  const message = e instanceof Error ? e.message : String(e);
  io.err(`spiking: error: ${message}\n`);
  if (e instanceof UsageError) io.err(`${HINT}\n`);
  return 1;
}

/** Runs the CLI, every command; resolves to the exit code (0: done; 1: bad input or failure). */
export async function mainAsync(argv: readonly string[], io: Io = processIo): Promise<number> {
  const cli = program(io);
  try {
    await cli.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (e) {
    return failure(e, io);
  }
}
