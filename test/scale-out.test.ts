// Runs through a real redis-server (test/redis-server.ts) and real `spiking
// worker` processes: a sweep through two workers, a batch in shards, a worker
// killed mid-job, a coordinator killed and started again, results through the
// --store folder, and the faults (no Redis, a worker of another version, an
// experiment that does not build). Every output folder is compared with the
// local run's, file by file: the same bytes, wall times aside.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Job, Queue } from 'bullmq';

import { mainAsync, packageVersion, type Io } from '../lib/cli/commands';
import { cli } from './cli-run';
import { shardsOf } from '../lib/cli/queue';
import { parseQueueUrl, QUEUE_NAME } from '../lib/scale-out/redis';
import { freePort, startRedis, type RedisServer } from './redis-server';

jest.setTimeout(60_000);

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'spiking.js');
const recurrent = path.join(root, 'examples', 'recurrent.json');
const feedforward = path.join(root, 'examples', 'feedforward.json');

let redis: RedisServer;
let work: string;
const started: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) process.kill(-p.pid!, 'SIGKILL');
  await redis?.stop();
});
beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-queue-'))));
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** The local run to compare with, on one thread like the test's workers (summary.json says how many threads ran it). */
function local(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return cli([...args, '--threads', '1']);
}

interface Worker {
  process: ChildProcess;
  log(): string;
  waitFor(pattern: RegExp): Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A `spiking worker` in a process group of its own (so that SIGKILL takes its job processes too, like a lost machine). */
function worker(url: string, ...extra: string[]): Worker {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', url, '--threads', '1', ...extra], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(child);
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    log: () => log,
    waitFor: async (pattern) => {
      const deadline = Date.now() + 30_000;
      while (!pattern.test(log)) {
        if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}) before ${pattern}: ${log}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} from the worker within 30 s: ${log}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) {
        if (signal === 'SIGKILL') process.kill(-child.pid!, 'SIGKILL');
        else child.kill(signal);
      }
      await exited;
    },
  };
}

const ready = /waiting for jobs/;

function filesOf(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

/** Drops the wall times (and what is computed from them) from a summary or sweep table. */
function withoutWallTimes(name: string, text: string): unknown {
  if (name.endsWith('.json')) {
    return JSON.parse(text, (key, value) => (key === 'wallSeconds' || key === 'stepsPerSecond' ? undefined : value));
  }
  // sweep.csv and sweep.txt: the last two columns are the wall time and steps/s.
  return text.split('\n').map((line) => line.split(/,|\s{2,}/).slice(0, -2));
}

/** The two output folders hold the same files, with the same bytes (wall times aside). */
function expectSameRun(queued: string, local: string): void {
  const files = filesOf(local);
  expect(filesOf(queued)).toEqual(files);
  expect(files.filter((f) => f.endsWith('.npy')).length).toBeGreaterThan(0);
  for (const f of files) {
    const [a, b] = [fs.readFileSync(path.join(queued, f)), fs.readFileSync(path.join(local, f))];
    if (/(summary|sweep)\.json$|sweep\.(csv|txt)$/.test(f)) {
      expect([f, withoutWallTimes(f, a.toString())]).toEqual([f, withoutWallTimes(f, b.toString())]);
    } else {
      expect([f, a.equals(b)]).toEqual([f, true]);
    }
  }
}

async function jobsLeft(url: string): Promise<number> {
  const t = parseQueueUrl(url);
  const queue = new Queue(QUEUE_NAME, { connection: { host: t.host, port: t.port, db: t.db } });
  try {
    const counts = await queue.getJobCounts();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
  }
}

/** The batch experiment of the shard tests: both encoders, per-neuron values, every kind of recording, the plot in a later shard. */
function shardExperiment(dir: string): string {
  const file = path.join(dir, 'shards.json');
  const neuron = { alphaT: 1, tauT: 0.8, vRest: 0, alphaV: 1, durationRefrac: 1 };
  const experiment = {
    steps: 90,
    batch: 5,
    dt: 1,
    seed: 7,
    layers: [
      { name: 'input', kind: 'Input', shape: [20], alphaT: 1, tauT: 0.8, encoder: { kind: 'poisson', rate: { uniform: [10, 200] } } },
      { name: 'lat', kind: 'Input', shape: [6], alphaT: 1, tauT: 0.8, encoder: { kind: 'latency', intensity: { uniform: [0, 1] }, window: 20, jitter: 2 } },
      { name: 'hidden', kind: 'LIFNeuron', shape: [12], ...neuron, tauV: 0.9, thresh: [0.5, 0.6, 0.7, 0.8, 0.9, 1, 0.5, 0.6, 0.7, 0.8, 0.9, 1] },
      { name: 'out', kind: 'IFNeuron', shape: [4], ...neuron, thresh: 1 },
    ],
    connections: [
      { kind: 'Linear', from: 'input', to: 'hidden', weights: { init: 'uniform', low: 0, high: 0.3 } },
      { kind: 'Linear', from: 'lat', to: 'hidden', delay: 2, weights: { init: 'uniform', low: 0, high: 0.4 } },
      { kind: 'Linear', from: 'hidden', to: 'out', weights: { init: 'normal', mean: 0.3, std: 0.1 } },
    ],
    record: [
      { layer: 'hidden', variable: 'spikes' },
      { layer: 'out', variable: 'spikes', format: 'bits' },
      { layer: 'hidden', variable: 'vCell', samples: [4, 1, 2], neurons: [0, 3, 5], every: 3 },
      { layer: 'out', variable: 'vCell' },
      { layer: 'input', variable: 'trace', samples: [3] },
    ],
    plot: { sample: 3 },
  };
  fs.writeFileSync(file, JSON.stringify(experiment));
  return file;
}

describe('through two workers', () => {
  // Database 0: two workers shared by the tests of this block.
  let workers: Worker[];
  beforeAll(async () => {
    workers = [worker(redis.url(0)), worker(redis.url(0))];
    await Promise.all(workers.map((w) => w.waitFor(ready)));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    // SIGTERM: both finished what they held and said so.
    for (const w of workers) expect(w.log()).toMatch(/SIGTERM: finishing the jobs it holds, then exiting[\s\S]*stopped/);
  });

  test('a sweep equals the local sweep, byte for byte, and both workers ran jobs', async () => {
    const args = [recurrent, '--set', 'steps=150', '--sweep', 'hidden.tauV=0.8:0.9:3', '--sweep', 'readout.thresh=0.9,1.1'];
    const here = await local(['run', ...args, '--out', path.join(work, 'local')]);
    expect(here.code).toBe(0);
    const queued = await cli(['run', ...args, '--out', path.join(work, 'queued'), '--queue', redis.url(0)]);
    expect(queued).toMatchObject({ code: 0 });
    expectSameRun(path.join(work, 'queued'), path.join(work, 'local'));
    // Progress: jobs done / total, and per worker; both workers took part.
    expect(queued.err).toMatch(/queued 6 jobs on redis:\/\/127\.0\.0\.1:\d+\/0; 2 workers connected/);
    expect(queued.err).toMatch(/\[6\/6\] .* done by /);
    const last = /jobs per worker: (.*)\)\n$/.exec(queued.err)![1].split(', ');
    expect(last.length).toBe(2);
    expect(last.map((w) => Number(w.split(' ').pop())).reduce((a, b) => a + b)).toBe(6);
    // The printed table is the local one (wall times aside), and the queue is empty again.
    expect(withoutWallTimes('sweep.txt', queued.out)).toEqual(withoutWallTimes('sweep.txt', here.out.replace(path.join(work, 'local'), path.join(work, 'queued'))));
    expect(await jobsLeft(redis.url(0))).toBe(0);
  });

  test('a batch in shards equals the one run: events in order, bits, state of the samples asked for, the plot', async () => {
    const file = shardExperiment(work);
    expect((await local(['run', file, '--out', path.join(work, 'local')])).code).toBe(0);
    const queued = await cli(['run', file, '--out', path.join(work, 'queued'), '--shard-batch', '2', '--queue', redis.url(0)]);
    expect(queued.err).toMatch(/queued 3 jobs/);
    expect(queued.err).toMatch(/samples 4-4 done by/);
    expect(queued.code).toBe(0);
    expectSameRun(path.join(work, 'queued'), path.join(work, 'local'));
  });

  test('shards of an .npy-fed batch (inputs travel with the job), in a sweep', async () => {
    const args = [feedforward, '--set', 'steps=60', '--sweep', 'hidden.tauV=0.85,0.95'];
    expect((await local(['run', ...args, '--out', path.join(work, 'local')])).code).toBe(0);
    const queued = await cli(['run', ...args, '--out', path.join(work, 'queued'), '--shard-batch', '3', '--queue', redis.url(0), '-q']);
    expect(queued.code).toBe(0);
    expectSameRun(path.join(work, 'queued'), path.join(work, 'local'));
  });

  test('results above --result-limit go through the --store folder, and are removed once DIR is written', async () => {
    const store = path.join(work, 'store');
    fs.mkdirSync(store);
    const file = shardExperiment(work);
    expect((await local(['run', file, '--out', path.join(work, 'local')])).code).toBe(0);
    const args = ['run', file, '--shard-batch', '3', '--queue', redis.url(0), '-q', '--result-limit', '0'];
    // Without a store the job cannot return its result: the coordinator says so and writes nothing.
    const refused = await cli([...args, '--out', path.join(work, 'nostore'), '--set', 'seed=8']);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/above the 0 bytes sent through Redis \(--result-limit\); give spiking run a --store folder/);
    expect(fs.existsSync(path.join(work, 'nostore'))).toBe(false);
    const queued = await cli([...args, '--out', path.join(work, 'queued'), '--store', store]);
    expect(queued.code).toBe(0);
    expectSameRun(path.join(work, 'queued'), path.join(work, 'local'));
    expect(fs.readdirSync(store)).toEqual([]);
  });

  test('an experiment that does not build is reported before anything is queued; DIR is not written', async () => {
    const before = await jobsLeft(redis.url(0));
    const bad = await cli(['run', recurrent, '--out', path.join(work, 'bad'), '--sweep', 'hidden.tauV=0.8,0.9', '--sweep', 'plot.sample=1,9', '--queue', redis.url(0)]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/plot\.sample: expected a sample index below the batch size 4 but received 9/);
    expect(fs.existsSync(path.join(work, 'bad'))).toBe(false);
    expect(await jobsLeft(redis.url(0))).toBe(before);
  });
});

test('a worker SIGKILLed mid-job: another takes the job over after the lock time, finishes it despite SIGTERM, same result', async () => {
  const url = redis.url(1);
  const args = [recurrent, '--set', 'steps=3000', '--out'];
  expect((await local(['run', ...args, path.join(work, 'local'), '-q'])).code).toBe(0);
  const doomed = worker(url, '--lock-time', '1000');
  await doomed.waitFor(ready);
  const run = cli(['run', ...args, path.join(work, 'queued'), '--queue', url]);
  await doomed.waitFor(/started /);
  await doomed.stop('SIGKILL');
  const rescuer = worker(url, '--lock-time', '1000');
  // SIGTERM while it runs the job: it finishes the job, then exits.
  await rescuer.waitFor(/started /);
  await rescuer.stop('SIGTERM');
  expect(rescuer.log()).toMatch(/SIGTERM: finishing the jobs it holds, then exiting\n.*finished recurrent\.json\n.*stopped\n$/);
  const queued = await run;
  expect(queued.code).toBe(0);
  expect(doomed.log()).not.toMatch(/finished/);
  expect(queued.err).toMatch(new RegExp(`done by [^ ]+:${rescuer.process.pid} `));
  expectSameRun(path.join(work, 'queued'), path.join(work, 'local'));
});

test('a coordinator killed after queueing: the same command again picks up the finished jobs', async () => {
  const url = redis.url(2);
  const args = [recurrent, '--set', 'steps=100', '--sweep', 'hidden.tauV=0.8,0.85,0.9', '--queue', url];
  expect((await local(['run', ...args.slice(0, -2), '--out', path.join(work, 'local')])).code).toBe(0);
  // The first coordinator queues the jobs; no worker is there yet; it dies.
  const first = spawn(process.execPath, [bin, 'run', ...args, '--out', path.join(work, 'queued')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  first.stderr!.on('data', (d) => (log += d));
  while (!/queued 3 jobs/.test(log)) await new Promise((r) => setTimeout(r, 25));
  first.kill('SIGKILL');
  // A worker does the jobs and leaves.
  const w = worker(url);
  const deadline = Date.now() + 30_000;
  while ((w.log().match(/finished/g) ?? []).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  await w.stop();
  expect(fs.existsSync(path.join(work, 'queued'))).toBe(false);
  // With no worker left, the second coordinator can only finish from the results on the queue.
  const second = await cli(['run', ...args, '--out', path.join(work, 'queued')]);
  expect(second.err).toMatch(/queued 3 jobs on .* \(3 already done by an earlier run\); 0 workers connected/);
  expect(second.code).toBe(0);
  expectSameRun(path.join(work, 'queued'), path.join(work, 'local'));
});

test('a worker refuses a job of another spiking version, naming both, and reports an experiment that does not build there', async () => {
  const url = redis.url(3);
  const t = parseQueueUrl(url);
  const queue = new Queue(QUEUE_NAME, { connection: { host: t.host, port: t.port, db: t.db } });
  const w = worker(url);
  try {
    const experiment = JSON.parse(fs.readFileSync(recurrent, 'utf8'));
    const failure = async (data: object): Promise<string> => {
      const job = await queue.add('run', { spiking: packageVersion(), experiment, file: recurrent, overrides: [], inputs: {}, shard: null, resultLimit: 1 << 24, store: null, label: 'x', ...data });
      const deadline = Date.now() + 30_000;
      let state = await job.getState();
      while (state !== 'failed' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        state = await job.getState();
      }
      expect(state).toBe('failed');
      return (await Job.fromId(queue, job.id!))!.failedReason;
    };
    expect(await failure({ spiking: '0.0.1-old' })).toMatch(
      new RegExp(`^worker [^ ]+:${w.process.pid} runs spiking ${packageVersion().replace(/\./g, '\\.')} but the job was queued by spiking 0\\.0\\.1-old: run the same version of spiking on every machine$`),
    );
    // A job the coordinator did not check (it builds every job before queueing it).
    expect(await failure({ experiment: { ...experiment, plot: { sample: 7 } } })).toMatch(/^worker [^ ]+: .*recurrent\.json: plot\.sample: expected a sample index below the batch size 4 but received 7$/);
  } finally {
    await w.stop();
    await queue.close();
  }
});

test('Redis lost mid-run: the coordinator waits --redis-wait seconds, then stops with a clear error; DIR is not written', async () => {
  const own = await startRedis();
  const out = path.join(work, 'o');
  let err = '';
  const run = mainAsync(['run', recurrent, '--out', out, '--queue', own.url(), '--redis-wait', '1'], { out: () => {}, err: (t) => (err += t), progress: false });
  while (!/queued 1 jobs/.test(err)) await new Promise((r) => setTimeout(r, 25));
  await own.stop();
  expect(await run).toBe(1);
  expect(err).toMatch(/lost the connection to Redis \(.*ECONNREFUSED.*\) and it did not come back within 1 s \(--redis-wait\); the jobs finished so far stay on the queue/);
  expect(fs.existsSync(out)).toBe(false);
});

describe('bad input and an unreachable Redis', () => {
  test('no Redis at the address: a clear error, nothing written', async () => {
    const port = await freePort();
    for (const args of [
      ['run', recurrent, '--out', path.join(work, 'o'), '--queue', `redis://127.0.0.1:${port}`],
      ['worker', '--queue', `redis://127.0.0.1:${port}`],
    ]) {
      const r = await cli(args);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(new RegExp(`--queue redis://127\\.0\\.0\\.1:${port}: no Redis server answers there \\(.*ECONNREFUSED.*\\); start one`));
    }
    expect(fs.existsSync(path.join(work, 'o'))).toBe(false);
  });

  test('a malformed --queue, and queue options without --queue, name the option', async () => {
    const bad = await cli(['run', recurrent, '--out', path.join(work, 'o'), '--queue', 'http://x:1']);
    expect(bad.err).toMatch(/--queue: expected redis:\/\/HOST:PORT or redis:\/\/HOST:PORT\/DB \(the scheme must be redis:, not http:\) but received "http:\/\/x:1"/);
    const db = await cli(['worker', '--queue', 'redis://127.0.0.1:1/x']);
    expect(db.err).toMatch(/the database is a whole number/);
    const threads = await cli(['run', recurrent, '--out', path.join(work, 'o'), '--threads', '2', '--queue', redis.url(4)]);
    expect(threads.err).toMatch(/--threads applies to runs on this machine; with --queue, give each spiking worker its --threads/);
    const alone = await cli(['run', recurrent, '--out', path.join(work, 'o'), '--shard-batch', '2']);
    expect(alone.err).toMatch(/--shard-batch, --store, --result-limit and --redis-wait apply to runs through a queue: add --queue/);
    const shard = await cli(['run', recurrent, '--out', path.join(work, 'o'), '--shard-batch', '0', '--queue', redis.url(4)]);
    expect(shard.err).toMatch(/expected an integer >= 1 for --shard-batch, received "0"/);
    expect(fs.existsSync(path.join(work, 'o'))).toBe(false);
  });

  test('shards cover the batch once, the last one smaller', () => {
    expect(shardsOf(5, 2)).toEqual([{ first: 0, count: 2 }, { first: 2, count: 2 }, { first: 4, count: 1 }]);
    expect(shardsOf(4, 4)).toEqual([{ first: 0, count: 4 }]);
    expect(shardsOf(3, 8)).toEqual([{ first: 0, count: 3 }]);
    expect(shardsOf(3, undefined)).toEqual([null]);
  });
});
