// `spiking run exp.json --out DIR --queue redis://HOST:PORT[/DB]`: the
// coordinator. It checks and builds every run as a local run does, queues one
// job per sweep point (and per shard of --shard-batch samples), follows them
// until every one is done, then writes DIR as a local run would, from the
// jobs' results (lib/scale-out). docs/scale-out.md tells the whole story.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Job, Queue } from 'bullmq';

import { ExperimentError, UsageError, type Shard } from './experiment';
import { build, packageVersion, preparePoints, reportRun, writeRunFiles, type Io, type RunFlags, type RunOutcome } from './local-run';
import { checkOutputDir, withOutputDir } from './output-dir';
import { writeSweepTable } from './sweep';
import { DEFAULT_RESULT_LIMIT, jobId, readInputs, resultFile, type JobData, type JobResult } from '../scale-out/job';
import { mergeShards } from '../scale-out/merge';
import { checkReachable, coordinatorConnection, DEFAULT_REDIS_WAIT, parseQueueUrl, QUEUE_NAME } from '../scale-out/redis';

/** How often the coordinator asks Redis how the jobs are doing (ms). */
const POLL_MS = 150;

interface Planned {
  id: string;
  point: number;
  data: JobData;
}

/** Samples 0..batch-1 in shards of n (the last one may be smaller); [null] without --shard-batch. */
export function shardsOf(batch: number, n: number | undefined): Array<Shard | null> {
  if (n === undefined) return [null];
  return Array.from({ length: Math.ceil(batch / n) }, (_, k) => ({ first: k * n, count: Math.min(n, batch - k * n) }));
}

function lostRedis(url: string, e: unknown, waitSeconds: number): ExperimentError {
  return new ExperimentError(
    `--queue ${url}: lost the connection to Redis (${(e as Error).message}) and it did not come back within ${waitSeconds} s (--redis-wait); ` +
      'the jobs finished so far stay on the queue while Redis keeps them: run the same command again to pick them up',
  );
}

export async function runThroughQueue(file: string, flags: RunFlags, io: Io): Promise<void> {
  const target = parseQueueUrl(flags.queue!);
  if (flags.threads !== undefined) throw new UsageError('--threads applies to runs on this machine; with --queue, give each spiking worker its --threads');
  const { sweeps, prepared } = preparePoints(file, flags);
  const outDir = flags.out!;
  checkOutputDir(outDir, flags.force === true);
  if (flags.store !== undefined && !(fs.existsSync(flags.store) && fs.statSync(flags.store).isDirectory())) {
    throw new ExperimentError(`--store ${flags.store}: expected an existing folder (one every machine sees at this path)`);
  }
  // Every run builds here first (shapes, files, names), as before a local run:
  // an experiment that does not build is reported before any job is queued.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-check-'));
  try {
    prepared.forEach((p) => build(p, file, scratch));
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const absolute = path.resolve(file);
  const version = packageVersion();
  const plan: Planned[] = prepared.flatMap((p, point) => {
    const inputs = readInputs(p.experiment, file);
    const shards = shardsOf(p.experiment.batch, flags.shardBatch);
    return shards.map((shard) => {
      const name = sweeps.length ? p.dirName : path.basename(file);
      const label = shard ? `${name} samples ${shard.first}-${shard.first + shard.count - 1}` : name;
      const data: JobData = {
        spiking: version,
        experiment: p.experiment,
        file: absolute,
        overrides: p.overrides,
        inputs,
        shard,
        resultLimit: flags.resultLimit ?? DEFAULT_RESULT_LIMIT,
        store: flags.store === undefined ? null : path.resolve(flags.store),
        label,
      };
      return { id: jobId(data), point, data };
    });
  });

  await checkReachable(target);
  const waitSeconds = flags.redisWait ?? DEFAULT_REDIS_WAIT;
  const queue = new Queue<JobData, JobResult>(QUEUE_NAME, { connection: coordinatorConnection(target, waitSeconds) });
  let connectionError: Error | null = null;
  queue.on('error', (e) => (connectionError = e));
  const say = (line: string) => !flags.quiet && io.err(`${line}\n`);
  const results = new Map<string, JobResult>();
  try {
    try {
      let resumed = 0;
      for (const job of plan) {
        const existing = await Job.fromId<JobData, JobResult>(queue, job.id);
        if (!existing) {
          await queue.add('run', job.data, { jobId: job.id, attempts: 1, removeOnComplete: false, removeOnFail: false });
          continue;
        }
        const state = await existing.getState();
        if (state === 'completed') resumed++;
        else if (state === 'failed') await existing.retry('failed');
      }
      const workers = await queue.getWorkersCount();
      say(`queued ${plan.length} jobs on ${target.url}${resumed ? ` (${resumed} already done by an earlier run)` : ''}; ${workers} worker${workers === 1 ? '' : 's'} connected`);
      await follow(queue, plan, results, say);
    } catch (e) {
      const lost = connectionError !== null || /Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|max retries/i.test((e as Error).message);
      throw lost && !(e instanceof ExperimentError) ? lostRedis(target.url, connectionError ?? e, waitSeconds) : e;
    }
    const outcomes = await withOutputDir(outDir, flags.force === true, async (tmp) => {
      const done: RunOutcome[] = prepared.map((p, point) => {
        const dir = sweeps.length ? path.join(tmp, p.dirName) : tmp;
        fs.mkdirSync(dir, { recursive: true });
        const jobs = plan.filter((j) => j.point === point).map((j) => ({ job: j, result: results.get(j.id)! }));
        let summary;
        if (flags.shardBatch === undefined) {
          const { result } = jobs[0];
          for (const f of result.files) fs.writeFileSync(path.join(dir, f.name), resultFile(result, f));
          summary = result.summary;
        } else {
          const shards = jobs.map(({ job, result }) => ({
            shard: job.data.shard!,
            summary: result.summary,
            file: (name: string) => {
              const f = result.files.find((x) => x.name === name);
              return f ? resultFile(result, f) : null;
            },
          }));
          summary = mergeShards(p.experiment, shards, dir);
        }
        writeRunFiles(dir, summary, p.experiment);
        return { dir: sweeps.length ? path.join(path.resolve(outDir), p.dirName) : path.resolve(outDir), summary };
      });
      const table = sweeps.length ? writeSweepTable(tmp, done.map((o, k) => ({ ...prepared[k], summary: o.summary })), sweeps) : '';
      return { done, table };
    }, io.outputFolder);
    // DIR is written: the jobs and their stored files are no longer needed.
    for (const job of plan) {
      const stored = results.get(job.id)?.stored;
      if (stored) fs.rmSync(stored, { recursive: true, force: true });
      await (await Job.fromId(queue, job.id))?.remove().catch(() => undefined);
    }
    reportRun(outDir, outcomes.done, outcomes.table, io);
  } finally {
    await Promise.race([queue.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    if (connectionError) queue.disconnect().catch(() => undefined);
  }
}

/** Asks Redis how the jobs are doing until every one is done; a failed job stops the run. */
async function follow(queue: Queue<JobData, JobResult>, plan: Planned[], results: Map<string, JobResult>, say: (line: string) => void): Promise<void> {
  const perWorker = new Map<string, number>();
  while (results.size < plan.length) {
    for (const job of plan) {
      if (results.has(job.id)) continue;
      // The state first, then the job: a job read before it finished has no result yet.
      const state = await queue.getJobState(job.id);
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') continue;
      const found = await Job.fromId<JobData, JobResult>(queue, job.id);
      if (!found || state === 'unknown') throw new ExperimentError(`job ${job.data.label} (${job.id}) is no longer on the queue (was the Redis database emptied or restarted?); run the same command again`);
      if (state === 'failed') throw new ExperimentError(`${job.data.label} failed: ${found.failedReason}`);
      const result = found.returnvalue;
      results.set(job.id, result);
      perWorker.set(result.worker, (perWorker.get(result.worker) ?? 0) + 1);
      const tally = [...perWorker].map(([w, n]) => `${w} ${n}`).join(', ');
      say(`[${results.size}/${plan.length}] ${job.data.label} done by ${result.worker} (jobs per worker: ${tally})`);
    }
    if (results.size < plan.length) await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
