// `spiking worker --queue redis://HOST:PORT[/DB]`: takes the jobs `spiking run
// --queue` puts on the queue and runs each with the code of a local run
// (lib/scale-out/job.ts), in a child process of its own (BullMQ's sandboxed
// processors), until SIGTERM or SIGINT: then it lets the jobs it holds finish
// and exits.
import * as os from 'node:os';
import * as path from 'node:path';

import { Worker } from 'bullmq';

import { packageVersion, type Io } from './local-run';
import type { JobData, JobResult } from '../scale-out/job';
import { checkReachable, parseQueueUrl, QUEUE_NAME, workerConnection } from '../scale-out/redis';

/** Options of `spiking worker` (commander in commands.ts parses them). */
export interface WorkerFlags {
  queue: string;
  concurrency?: number;
  threads?: number;
  lockTime?: number;
  quiet?: boolean;
}

/** Default of --lock-time (ms): BullMQ's lock duration. */
export const DEFAULT_LOCK_TIME = 30_000;

export async function workerCommand(flags: WorkerFlags, io: Io): Promise<void> {
  const target = parseQueueUrl(flags.queue);
  await checkReachable(target);
  const name = `${os.hostname()}:${process.pid}`;
  // The job processes inherit these (and SPIKING_NUM_THREADS sizes their kernels' pools).
  process.env.SPIKING_WORKER_NAME = name;
  if (flags.threads !== undefined) {
    process.env.SPIKING_NUM_THREADS = String(flags.threads);
    process.env.SPIKING_WORKER_THREADS = String(flags.threads);
  }
  const lockTime = flags.lockTime ?? DEFAULT_LOCK_TIME;
  const say = (line: string) => !flags.quiet && io.err(`${new Date().toISOString()} ${line}\n`);
  const worker = new Worker<JobData, JobResult>(QUEUE_NAME, path.join(__dirname, '..', 'scale-out', 'processor.js'), {
    connection: workerConnection(target),
    concurrency: flags.concurrency ?? 1,
    // A job whose lock is not renewed for lockTime ms (its worker died) is
    // taken back by the next stalled-job check of any worker, every lockTime ms.
    lockDuration: lockTime,
    stalledInterval: lockTime,
    maxStalledCount: 1,
    name,
  });
  worker.on('active', (job) => say(`${name}: started ${job.data.label} (job ${job.id})`));
  worker.on('completed', (job) => say(`${name}: finished ${job.data.label}`));
  worker.on('failed', (job, e) => say(`${name}: failed ${job?.data.label ?? ''}: ${e.message}`));
  worker.on('error', (e) => say(`${name}: ${e.message}`));
  say(`${name}: spiking ${packageVersion()} waiting for jobs on ${target.url} (concurrency ${flags.concurrency ?? 1}, lock time ${lockTime} ms)`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      say(`${name}: ${signal}: finishing the jobs it holds, then exiting`);
      worker.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  say(`${name}: stopped`);
}
