import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { UnrecoverableError } from 'bullmq';

import { buildExperiment, ExperimentError, type Experiment, type Shard } from '../cli/experiment';
import { packageVersion, runOne, type Summary } from '../cli/local-run';

/**
 * One job: a sweep point, or one shard of its batch. Self-contained, so that
 * a worker on another machine runs it without the coordinator's files: the
 * .npy files the experiment names travel with it.
 */
export interface JobData {
  /** The version of spiking that queued the job; a worker of another version refuses it. */
  spiking: string;
  /** The validated experiment, overrides and sweep values applied. */
  experiment: Experiment;
  /** The experiment file's name (for messages). */
  file: string;
  /** The --set/--seed/--sweep assignments, as summary.json lists them. */
  overrides: string[];
  /** The files the experiment names ({"npy": ...} values, npy weights), by the path written in the experiment, base64. */
  inputs: Record<string, string>;
  shard: Shard | null;
  /** Results up to this many bytes travel through Redis; larger ones go to `store`. */
  resultLimit: number;
  /** A folder every machine sees, or null. */
  store: string | null;
  /** What the coordinator shows for the job: the sweep point and shard. */
  label: string;
}

export interface ResultFile {
  name: string;
  bytes: number;
  sha256: string;
  /** base64, when the result travelled through Redis. */
  data?: string;
}

export interface JobResult {
  /** host:pid of the worker that ran the job. */
  worker: string;
  summary: Summary;
  files: ResultFile[];
  /** The folder in the store holding the files, when they did not travel through Redis. */
  stored: string | null;
}

/** Default of --result-limit: the largest result sent through Redis. */
export const DEFAULT_RESULT_LIMIT = 16 * 1024 * 1024;

/** Every place an experiment names a file: {"npy": path} values and {"init": "npy", "file": path} weights. */
export function inputPaths(experiment: unknown): string[] {
  const found = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (typeof o.npy === 'string') found.add(o.npy);
    if (o.init === 'npy' && typeof o.file === 'string') found.add(o.file);
    Object.values(o).forEach(walk);
  };
  walk(experiment);
  return [...found].sort();
}

/** The experiment's input files, read relative to the experiment file's folder. */
export function readInputs(experiment: Experiment, file: string): Record<string, string> {
  const dir = path.dirname(path.resolve(file));
  return Object.fromEntries(inputPaths(experiment).map((p) => [p, fs.readFileSync(path.resolve(dir, p)).toString('base64')]));
}

/** The job's id: a hash of everything its result depends on (version, experiment, inputs, shard). */
export function jobId(data: JobData): string {
  const key = JSON.stringify([data.spiking, data.experiment, Object.entries(data.inputs), data.shard]);
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Replaces every input path of a copy of the experiment by the file written for it in `dir`. */
function localInputs(data: JobData, dir: string): Experiment {
  const names = new Map(Object.keys(data.inputs).map((p, k) => [p, `input-${k}.npy`]));
  for (const [p, name] of names) fs.writeFileSync(path.join(dir, name), Buffer.from(data.inputs[p], 'base64'));
  const copy = structuredClone(data.experiment);
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const o = node as Record<string, unknown>;
    if (typeof o.npy === 'string' && names.has(o.npy)) o.npy = names.get(o.npy);
    if (o.init === 'npy' && typeof o.file === 'string' && names.has(o.file)) o.file = names.get(o.file);
    Object.values(o).forEach(walk);
  };
  walk(copy);
  return copy;
}

/** Writes `files` of `from` into `store`/`id` atomically: a temporary folder renamed once complete. */
function store(from: string, files: string[], root: string, id: string): string {
  const target = path.join(root, id);
  const tmp = fs.mkdtempSync(path.join(root, `.${id}.tmp-`));
  try {
    for (const f of files) fs.copyFileSync(path.join(from, f), path.join(tmp, f));
    fs.rmSync(target, { recursive: true, force: true }); // a run of the job by a worker that was given up on
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return target;
}

/**
 * Runs a job with the code of a local run (runOne) in a scratch folder and
 * returns its files: through Redis up to data.resultLimit bytes, else in the
 * store. `threads` is the worker's --threads (null: the default pool).
 */
export async function runJob(data: JobData, id: string, worker: string, threads: number | null): Promise<JobResult> {
  const mine = packageVersion();
  if (data.spiking !== mine) {
    throw new UnrecoverableError(`worker ${worker} runs spiking ${mine} but the job was queued by spiking ${data.spiking}: run the same version of spiking on every machine`);
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-job-'));
  try {
    const inputs = path.join(scratch, 'inputs');
    const out = path.join(scratch, 'out');
    fs.mkdirSync(inputs);
    const experiment = localInputs(data, inputs);
    let built;
    try {
      built = buildExperiment(experiment, { file: data.file, dir: inputs }, out, data.shard ?? undefined);
    } catch (e) {
      // The coordinator built every job before queueing it: this is a different machine's verdict.
      throw new UnrecoverableError(`worker ${worker}: ${(e as Error).message}`);
    }
    const prepared = { experiment: data.experiment, overrides: data.overrides, dirName: '', combo: [] };
    const { summary } = await runOne(prepared, built, data.file, out, threads, { out: () => {}, err: () => {}, progress: false }, data.label);
    // The coordinator writes summary.json (from `summary`) and experiment.json itself.
    const names = fs.readdirSync(out).filter((f) => f !== 'summary.json' && f !== 'experiment.json').sort();
    const files: ResultFile[] = names.map((name) => {
      const bytes = fs.readFileSync(path.join(out, name));
      return { name, bytes: bytes.length, sha256: sha256(bytes) };
    });
    const total = files.reduce((a, f) => a + f.bytes, 0);
    if (total <= data.resultLimit) {
      for (const f of files) f.data = fs.readFileSync(path.join(out, f.name)).toString('base64');
      return { worker, summary, files, stored: null };
    }
    if (!data.store) {
      throw new UnrecoverableError(
        `${data.label}: the result has ${total} bytes, above the ${data.resultLimit} bytes sent through Redis (--result-limit); give spiking run a --store folder that every machine sees`,
      );
    }
    if (!fs.existsSync(data.store)) throw new UnrecoverableError(`worker ${worker}: the --store folder ${data.store} does not exist on this machine (it must be a shared folder every machine sees at the same path)`);
    return { worker, summary, files, stored: store(out, names, data.store, id) };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The bytes of one file of a result, from Redis or the store, checked against its hash. */
export function resultFile(result: JobResult, file: ResultFile): Buffer {
  let bytes: Buffer;
  if (file.data !== undefined) bytes = Buffer.from(file.data, 'base64');
  else {
    const at = path.join(result.stored ?? '', file.name);
    try {
      bytes = fs.readFileSync(at);
    } catch (e) {
      throw new ExperimentError(`${at}: the result of worker ${result.worker} could not be read from the store (${(e as NodeJS.ErrnoException).code ?? e}); is --store a folder this machine shares with the workers?`);
    }
  }
  if (bytes.length !== file.bytes || sha256(bytes) !== file.sha256) {
    throw new ExperimentError(`${file.name} from worker ${result.worker}: the ${bytes.length} bytes received do not match the ${file.bytes} bytes the worker wrote`);
  }
  return bytes;
}
