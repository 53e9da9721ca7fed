// The process a `spiking worker` runs each job in (BullMQ's sandboxed
// processor): the simulation blocks its thread for the whole run, so it runs
// here, while the worker's own event loop keeps the job's lock renewed.
import * as os from 'node:os';

import type { SandboxedJob } from 'bullmq';

import { runJob, type JobData, type JobResult } from './job';

export default function process_(job: SandboxedJob<JobData, JobResult>): JobResult {
  const worker = process.env.SPIKING_WORKER_NAME ?? `${os.hostname()}:${process.ppid}`;
  const threads = process.env.SPIKING_WORKER_THREADS ? Number(process.env.SPIKING_WORKER_THREADS) : null;
  return runJob(job.data, job.id!, worker, threads);
}
