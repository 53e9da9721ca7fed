// The process a `spiking worker` runs each job in (BullMQ's sandboxed
// processor): the job's memory and thread pool are its own, and a crash ends
// this process, not the worker, whose event loop keeps the job's lock renewed.
import * as os from 'node:os';

import type { SandboxedJob } from 'bullmq';

import { runJob, type JobData, type JobResult } from './job';

export default function process_(job: SandboxedJob<JobData, JobResult>): Promise<JobResult> {
  const worker = process.env.SPIKING_WORKER_NAME ?? `${os.hostname()}:${process.ppid}`;
  const threads = process.env.SPIKING_WORKER_THREADS ? Number(process.env.SPIKING_WORKER_THREADS) : null;
  return runJob(job.data, job.id!, worker, threads);
}
