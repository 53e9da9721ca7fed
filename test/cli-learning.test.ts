// The CLI's learning blocks (docs/cli.md): a connection's `learning`, the
// top-level `learning` (enabled, reward), and weight recordings, against the
// same network built from the experiment and run through the API.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { cli } from './cli-run';
import { buildExperiment, parseNpy, validateExperiment } from '../lib';
import { expectIdentical } from './helpers';

const load = (file: string) => parseNpy(fs.readFileSync(file), file);

let work: string;
beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-cli-learning-'))));
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

function experiment(change: (e: Record<string, any>) => void = () => undefined): Record<string, any> {
  const e: Record<string, any> = {
    steps: 120, batch: 2, dt: 1, seed: 3,
    layers: [
      { name: 'input', kind: 'Input', shape: [30], alphaT: 1, tauT: 0.8, encoder: { kind: 'poisson', rate: { uniform: [40, 160] } } },
      { name: 'exc', kind: 'LIFNeuron', shape: [6], thresh: 1, vRest: 0, alphaV: 1, alphaT: 1, durationRefrac: 2, tauV: 0.9, tauT: 0.8 },
    ],
    connections: [
      {
        kind: 'Linear', from: 'input', to: 'exc', weights: { init: 'uniform', low: 0, high: 0.3 },
        learning: { rule: 'MSTDPET', aPre: 1, aPost: 0.5, lr: 0.01, eTraceDecay: 0.9, normalize: { total: 4 } },
      },
    ],
    learning: { reward: 0.5 },
    record: [{ connection: 'input_exc', variable: 'weight', every: 40 }],
  };
  change(e);
  return e;
}

function write(e: Record<string, any>): string {
  const file = path.join(work, 'exp.json');
  fs.writeFileSync(file, JSON.stringify(e));
  return file;
}

test('spiking run trains the connection and records its weights; the API gives the same bits', async () => {
  const e = experiment();
  const out = path.join(work, 'out');
  const r = await cli(['run', write(e), '--out', out]);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const saved = load(path.join(out, 'input_exc-weight.npy'));
  expect(saved.shape).toEqual([3, 6, 30]); // after steps 0, 40 and 80
  const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
  expect(summary.recordings.map((x: { file: string }) => x.file)).toContain('input_exc-weight.npy');
  const built = buildExperiment(validateExperiment(e, 'exp.json'), { file: 'exp.json', dir: work }, path.join(work, 'api'));
  const linear = built.network.connections[0].connection;
  built.network.run(81, built.learning);
  expectIdentical((saved.data as Float32Array).subarray(2 * 180, 3 * 180), linear.weight, 'weights after step 80');
  expect(Array.from((saved.data as Float32Array).subarray(0, 180))).not.toEqual(Array.from(linear.weight));
});

test('learning.enabled false: a test run, the weights never change', async () => {
  const out = path.join(work, 'off');
  const pair = (enabled: boolean) =>
    experiment((e) => {
      e.connections[0].learning = { rule: 'PairSTDP', tauPre: 4, tauPost: 4, aPlus: 0.05, aMinus: 0.04 };
      e.learning = { enabled };
    });
  const r = await cli(['run', write(pair(false)), '--out', out]);
  expect(r.code).toBe(0);
  const w = load(path.join(out, 'input_exc-weight.npy')).data as Float32Array;
  expectIdentical(w.subarray(360, 540), w.subarray(0, 180), 'first and last snapshots');
  const on = path.join(work, 'on');
  expect((await cli(['run', write(pair(true)), '--out', on])).code).toBe(0);
  const trained = load(path.join(on, 'input_exc-weight.npy')).data as Float32Array;
  expect(Array.from(trained.subarray(360, 540))).not.toEqual(Array.from(w.subarray(360, 540)));
});

test('bad learning blocks stop the run with the field', async () => {
  const bad = async (change: (e: Record<string, any>) => void) => {
    const r = await cli(['run', write(experiment(change)), '--out', path.join(work, 'bad')]);
    expect(r.code).toBe(1);
    return r.err;
  };
  expect(await bad((e) => (e.connections[0].learning.eTraceDecay = 3))).toMatch(
    /connections\[0\] \("input_exc"\)\.learning: Expected a number <= 1 for eTraceDecay but received number 3/,
  );
  expect(await bad((e) => (e.connections[0].learning.tauPre = 2))).toMatch(/Unknown option "tauPre" for MSTDPET/);
  expect(await bad((e) => (e.connections[0].learning.rule = 'Hebb'))).toMatch(/connections\[0\]\.learning\.rule: expected one of "PairSTDP", "MSTDPET", "FedeSTDP"/);
  expect(await bad((e) => (e.record[0].connection = 'nope'))).toMatch(/record\[0\]\.connection: no connection named "nope" \(connections: input_exc\)/);
  expect(await bad((e) => (e.record[0].variable = 'vCell'))).toMatch(/record\[0\]\.variable: expected "weight"/);
  expect(await bad((e) => delete e.connections[0].learning)).toMatch(/learning\.reward: a reward needs a connection with a learning block/);
  const v = validateExperiment(experiment(), 'exp.json');
  expect(() => buildExperiment(v, { file: 'exp.json', dir: work }, path.join(work, 's'), { first: 0, count: 1 })).toThrow(
    /learning: a connection that learns cannot be split into shards/,
  );
});
