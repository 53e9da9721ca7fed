// The `spiking` CLI end to end, in process (mainAsync) and through the bin:
// the examples' outputs exist, their .npy headers follow NPY 1.0 and read
// back to what the summary says; --set, --seed and --sweep; bad input fails
// with a message naming the field or file, exit code 1, and no output folder.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { mainAsync, type Io } from '../lib/cli/commands';
import { cli } from './cli-run';
import { buildExperiment, instructionSet, instructionSets, LIFNeuron, parseNpy, readExperiment, validateExperiment, writeNpy } from '../lib';

const root = path.join(__dirname, '..');
const examples = path.join(root, 'examples');

/** The raw NPY v1.0 header, checked field by field. */
function npyHeader(file: string): { dict: string; dataStart: number } {
  const bytes = fs.readFileSync(file);
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const length = bytes.readUInt16LE(8);
  const dataStart = 10 + length;
  expect(dataStart % 64).toBe(0);
  const dict = bytes.subarray(10, dataStart).toString('latin1');
  expect(dict.endsWith('\n')).toBe(true);
  expect(dict).toMatch(/^\{'descr': '(<f4|\|u1|<i4)', 'fortran_order': False, 'shape': \((\d+, )*\d+,?\), \} *\n$/);
  return { dict, dataStart };
}

const load = (file: string) => parseNpy(fs.readFileSync(file), file);

let work: string;
beforeEach(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'spiking-cli-'))));
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

/** An example with changes, written next to a copy of its data so relative paths still work. */
function variant(example: string, change: (e: Record<string, any>) => void): string {
  const e = JSON.parse(fs.readFileSync(path.join(examples, example), 'utf8'));
  change(e);
  fs.mkdirSync(path.join(work, 'data'), { recursive: true });
  fs.copyFileSync(path.join(examples, 'data', 'digits.npy'), path.join(work, 'data', 'digits.npy'));
  const file = path.join(work, `variant-${example}`);
  fs.writeFileSync(file, JSON.stringify(e));
  return file;
}

describe('spiking run on the examples', () => {
  test('feedforward: every output is written, valid, and agrees with the summary', async () => {
    const out = path.join(work, 'ff');
    const r = await cli(['run', path.join(examples, 'feedforward.json'), '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(
      ['experiment.json', 'hidden-spikes-events.npy', 'input-spikes-bits.npy', 'output-spikes-events.npy', 'output-vCell.npy', 'raster.svg', 'summary.json'],
    );
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.steps).toBe(250);
    expect(summary.batch).toBe(8);
    expect(summary.instructionSet).toBe(instructionSet());
    expect(summary.stepsPerSecond).toBeCloseTo(250 / summary.wallSeconds, 6);

    for (const rec of summary.recordings) {
      const { dict } = npyHeader(path.join(out, rec.file));
      expect(dict).toContain(`'descr': '${rec.descr}'`);
      expect(load(path.join(out, rec.file)).shape).toEqual(rec.shape);
    }
    for (const layer of ['hidden', 'output']) {
      const events = load(path.join(out, `${layer}-spikes-events.npy`));
      const perSample = new Array(8).fill(0);
      for (let e = 0; e < events.shape[0]; e++) {
        expect(events.data[3 * e]).toBeLessThan(250);
        perSample[events.data[3 * e + 1]]++;
        expect(events.data[3 * e + 2]).toBeLessThan(summary.layers[layer].neuronsPerSample);
      }
      expect(perSample).toEqual(summary.layers[layer].spikesPerSample);
      const { spikes, neurons } = summary.layers[layer];
      expect(summary.layers[layer].rateHz).toBeCloseTo((spikes / (neurons * 250)) * 1000, 9);
      expect(spikes).toBeGreaterThan(100);
    }
    const bits = load(path.join(out, 'input-spikes-bits.npy'));
    expect(bits.shape).toEqual([250, 8, 98]);
    let ones = 0;
    for (const byte of bits.data) for (let b = byte; b; b >>= 1) ones += b & 1;
    expect(ones).toBe(summary.layers.input.spikes);
    const v = load(path.join(out, 'output-vCell.npy'));
    expect(v.shape).toEqual([50, 2, 10]);
    expect(v.data.some((x) => x !== 0)).toBe(true);

    // The recorded values are the network's: the same experiment stepped by hand through the API.
    const origin = { file: path.join(examples, 'feedforward.json'), dir: examples };
    const again = buildExperiment(validateExperiment(readExperiment(origin.file), origin.file), origin, work).network;
    const volts: number[] = [];
    const outputEvents: number[] = [];
    for (let t = 0; t < 250; t++) {
      again.step();
      const layer = again.layer('output') as LIFNeuron;
      if (t % 5 === 0) for (const b of [0, 1]) volts.push(...layer.vCell.subarray(b * 10, b * 10 + 10));
      layer.spikes.forEach((sp, k) => sp && outputEvents.push(t, Math.floor(k / 10), k % 10));
    }
    expect(Array.from(v.data)).toEqual(volts);
    expect(Array.from(load(path.join(out, 'output-spikes-events.npy')).data)).toEqual(outputEvents);

    const svg = fs.readFileSync(path.join(out, 'raster.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const paths = svg.match(/ d="[^"]*"/g) ?? [];
    const marks = paths.reduce((n, d) => n + (d.match(/M/g) ?? []).length, 0); // one rectangle per spike drawn
    expect(marks).toBe(summary.plot.spikesDrawn);
    expect(summary.plot.sample).toBe(2);
  });

  test('numpy loads the recordings as they are (when python3 with numpy is here)', async () => {
    const out = path.join(work, 'rec');
    expect((await cli(['run', path.join(examples, 'recurrent.json'), '--out', out])).code).toBe(0);
    const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      console.warn('python3 with numpy not found: numpy load check skipped (the header is still checked byte by byte)');
      return;
    }
    const script = `
import json, sys, numpy as np
out = sys.argv[1]
s = json.load(open(out + '/summary.json'))
for r in s['recordings']:
    a = np.load(out + '/' + r['file'])
    assert list(a.shape) == r['shape'], (r, a.shape)
    assert a.dtype.str == r['descr'], (r, a.dtype.str)
ev = np.load(out + '/hidden-spikes-events.npy')
print(len(ev), int(np.load(out + '/hidden-thresh.npy').shape[0]))`;
    const printed = execFileSync('python3', ['-c', script, out], { encoding: 'utf8' }).trim();
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(printed).toBe(`${summary.layers.hidden.spikes} 200`);
  });

  test('recurrent: feedback edges are reported, and the same seed reproduces every byte', async () => {
    const a = path.join(work, 'a');
    const b = path.join(work, 'b');
    const c = path.join(work, 'c');
    expect((await cli(['run', path.join(examples, 'recurrent.json'), '--out', a, '--threads', '2'])).code).toBe(0);
    expect((await cli(['run', path.join(examples, 'recurrent.json'), '--out', b])).code).toBe(0);
    expect((await cli(['run', path.join(examples, 'recurrent.json'), '--out', c, '--seed', '99'])).code).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(a, 'summary.json'), 'utf8'));
    expect(summary.connections.map((x: { name: string; feedback: boolean }) => [x.name, x.feedback])).toEqual([
      ['input_hidden', false],
      ['inhibition', true],
      ['hidden_readout', false],
      ['feedback', true],
    ]);
    expect(summary.threads).toEqual({ requested: 2, used: 2 });
    const bytes = (dir: string) => fs.readFileSync(path.join(dir, 'hidden-spikes-events.npy'));
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(bytes(a).equals(bytes(c))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(c, 'summary.json'), 'utf8')).seed).toBe(99);
  });

  test('a run writes the bytes of Network.run; the progress bar counts up to the last step', async () => {
    const file = path.join(examples, 'recurrent.json');
    const out = path.join(work, 'cli');
    const calls: string[] = [];
    const io: Io = {
      out: () => {},
      err: () => {},
      progress: { start: (total, label) => calls.push(`start ${total} ${label}`), update: (done) => calls.push(`update ${done}`), stop: () => calls.push('stop') },
    };
    expect(await mainAsync(['run', file, '--out', out], io)).toBe(0);
    expect(calls[0]).toBe('start 400 run Recurrent: adaptive hidden layer with inhibition and delayed feedback');
    expect(calls.slice(-2)).toEqual(['update 400', 'stop']);
    const done = calls.slice(1, -1).map((c) => Number(/^update (\d+)$/.exec(c)![1]));
    expect(done).toEqual([...done].sort((a, b) => a - b));

    // The same experiment run synchronously by Network.run, into its own folder.
    const mine = path.join(work, 'mine');
    fs.mkdirSync(mine);
    const built = buildExperiment(validateExperiment(readExperiment(file), file), { file, dir: examples }, mine);
    expect(built.network.engine).toBe('native');
    built.network.run(400, { recorders: [...built.recorders, ...(built.plot ? [built.plot] : [])] });
    const written = fs.readdirSync(mine).sort();
    expect(written.length).toBeGreaterThan(2);
    for (const name of written) expect(fs.readFileSync(path.join(out, name)).equals(fs.readFileSync(path.join(mine, name)))).toBe(true);
  });

  test('--set overrides a layer field, and the override is recorded', async () => {
    const out = path.join(work, 'set');
    expect((await cli(['run', path.join(examples, 'recurrent.json'), '--out', out, '--set', 'hidden.tauV=0.5', '--set', 'steps=50'])).code).toBe(0);
    const used = JSON.parse(fs.readFileSync(path.join(out, 'experiment.json'), 'utf8'));
    expect(used.layers[1].tauV).toBe(0.5);
    expect(used.steps).toBe(50);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8')).overrides).toEqual(['hidden.tauV=0.5', 'steps=50']);
  });

  test('--set reaches top-level objects the file does not have yet: a capped raster says what it left out', async () => {
    const file = variant('recurrent.json', (e) => delete e.plot);
    const out = path.join(work, 'capped');
    expect((await cli(['run', file, '--out', out, '--set', 'plot.maxSpikes=10'])).code).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.plot.spikesDrawn).toBe(10);
    expect(summary.plot.spikesNotDrawn).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(out, 'raster.svg'), 'utf8')).toContain(`drawing stopped after 10 spikes; ${summary.plot.spikesNotDrawn} not drawn`);
  });

  test('--sweep runs every combination in its own folder, with one table comparing them', async () => {
    const out = path.join(work, 'sweep');
    const r = await cli(['run', path.join(examples, 'recurrent.json'), '--out', out, '--set', 'steps=60', '--sweep', 'hidden.tauV=0.5:0.9:3', '--sweep', 'readout.thresh=1,2']);
    expect(r.code).toBe(0);
    const runs = ['hidden.tauV=0.5_readout.thresh=1', 'hidden.tauV=0.5_readout.thresh=2', 'hidden.tauV=0.7_readout.thresh=1', 'hidden.tauV=0.7_readout.thresh=2', 'hidden.tauV=0.9_readout.thresh=1', 'hidden.tauV=0.9_readout.thresh=2'];
    expect(fs.readdirSync(out).sort()).toEqual([...runs, 'sweep.csv', 'sweep.json', 'sweep.txt'].sort());
    const csv = fs.readFileSync(path.join(out, 'sweep.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('run,hidden.tauV,readout.thresh,input spikes,input Hz,hidden spikes,hidden Hz,readout spikes,readout Hz,wall s,steps/s');
    expect(csv).toHaveLength(7);
    runs.forEach((run, k) => {
      const cells = csv[k + 1].split(',');
      const summary = JSON.parse(fs.readFileSync(path.join(out, run, 'summary.json'), 'utf8'));
      const used = JSON.parse(fs.readFileSync(path.join(out, run, 'experiment.json'), 'utf8'));
      expect(used.layers[1].tauV).toBe(Number(cells[1]));
      expect(used.layers[2].thresh).toBe(Number(cells[2]));
      expect(Number(cells[5])).toBe(summary.layers.hidden.spikes);
    });
    expect(r.out).toContain('hidden.tauV=0.7_readout.thresh=2');
  });
});

describe('spiking run on other kinds of layers and inputs', () => {
  test('latency encoder, FedeNeuron target, per-synapse delays from .npy and generated values all build and run', async () => {
    const delays = path.join(work, 'delays.npy');
    const d = Float32Array.from({ length: 10 * 6 }, (_, k) => (k * 7) % 4);
    writeNpy(delays, '<f4', [10, 6], d);
    const file = path.join(work, 'fede.json');
    fs.writeFileSync(file, JSON.stringify({
      steps: 120, batch: 3, dt: 1, seed: 5,
      layers: [
        { name: 'input', kind: 'Input', shape: [6], alphaT: 1, tauT: 5, updateType: 'exponential',
          encoder: { kind: 'latency', intensity: { uniform: [0.2, 1] }, window: 20, jitter: 1 } },
        { name: 'fc1', kind: 'FedeNeuron', shape: [10], thresh: 0.3, vRest: 0, alphaV: 1, alphaT: 1, durationRefrac: 2, tauV: 5, tauT: 5 },
      ],
      connections: [{ kind: 'Linear', from: 'input', to: 'fc1', delay: { npy: 'delays.npy' }, weights: { init: 'uniform', low: 0.5, high: 2 } }],
      record: [{ layer: 'input', variable: 'spikes' }, { layer: 'fc1', variable: 'spikes', format: 'bits' }, { layer: 'input', variable: 'trace', every: 20 }],
    }));
    const out = path.join(work, 'fede');
    const r = await cli(['run', file, '--out', out]);
    expect(r.err).toBe('');
    const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.connections[0].delay).toBe(3);
    // Latency: each input spikes once per 20-step window (intensities above 0), 6 windows.
    expect(summary.layers.input.spikes).toBe(3 * 6 * 6);
    const events = load(path.join(out, 'input-spikes-events.npy'));
    for (let e = 0; e < events.shape[0]; e++) {
      const [t, b, i] = [events.data[3 * e], events.data[3 * e + 1], events.data[3 * e + 2]];
      expect(b).toBeLessThan(3);
      expect(i).toBeLessThan(6);
      expect(t).toBeLessThan(120);
    }
    expect(summary.layers.fc1.spikes).toBeGreaterThan(0);
    expect(load(path.join(out, 'input-trace.npy')).shape).toEqual([6, 3, 6]);
  });

  test('per-synapse delays of the wrong shape name the file', async () => {
    const delays = path.join(work, 'delays.npy');
    writeNpy(delays, '<f4', [6, 10], new Float32Array(60));
    const file = variant('recurrent.json', (e) => (e.connections[2].delay = { npy: delays }));
    const out = path.join(work, 'x');
    const r = await cli(['run', file, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`connections[2] ("hidden_readout").delay.npy: expected ${delays} to have shape (8, 48) (out, in) but received shape (6, 10)`);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('spiking info and help', () => {
  test('info names the version, the instruction set and the threads', async () => {
    const r = await cli(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('spiking 0.1.0');
    expect(r.out).toContain(`instruction set: ${instructionSet()}`);
    expect(r.out).toMatch(/threads: \d+/);
  });

  test('info names the platform, the addon file it loaded and the instruction sets compiled in', async () => {
    const r = await cli(['info']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`platform: ${process.platform}-${process.arch}\n`);
    const addon = /^addon: (build|prebuild|SPIKING_ADDON) (.+)$/m.exec(r.out);
    expect(addon).not.toBeNull();
    const file = addon![2];
    expect(path.isAbsolute(file) && file.endsWith('.node') && fs.existsSync(file)).toBe(true);
    if (!process.env.SPIKING_ADDON) expect(addon![1]).toBe(file.startsWith(path.join(root, 'prebuilds') + path.sep) ? 'prebuild' : 'build');
    const compiled = /^instruction sets compiled in: (.+)$/m.exec(r.out)![1].split(', ');
    expect(compiled).toEqual(expect.arrayContaining(instructionSets()));
    expect(compiled).toEqual(process.arch === 'x64' ? ['avx512bw', 'avx2', 'sse2'] : ['neon64']);
  });

  test('--help lists the commands; run --help its options', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/run \[options\] <experiment>/);
    expect(top.out).toMatch(/info/);
    const run = await cli(['run', '--help']);
    expect(run.out).toMatch(/--sweep/);
    expect(run.out).toMatch(/--threads/);
  });

  test('the installed bin runs (from dist/, built by npm run build)', async () => {
    const bin = path.join(root, 'bin', 'spiking.js');
    if (!fs.existsSync(path.join(root, 'dist', 'cli', 'commands.js'))) throw new Error('dist/cli/commands.js is missing: run npm run build first');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: spiking');
    const bad = spawnSync(process.execPath, [bin, 'run', path.join(work, 'nope.json'), '--out', path.join(work, 'o')], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`spiking: error: ${path.join(work, 'nope.json')} does not exist`);
  });
});

describe('bad input: a clear error, exit code 1, nothing in the output folder', () => {
  async function rejects(args: string[], message: string | RegExp): Promise<void> {
    const out = path.join(work, 'out');
    const r = await cli([...args, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(typeof message === 'string' ? new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : message);
    expect(r.err.startsWith('spiking: error: ')).toBe(true);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }

  test('malformed JSON names the line and column', async () => {
    const file = path.join(work, 'broken.json');
    fs.writeFileSync(file, '{\n  "steps": 10,\n  "batch": 1\n  "dt": 1\n}');
    await rejects(['run', file], /broken\.json is not valid JSON at line 4, column 3/);
  });

  test('an unknown neuron kind names the layer and lists the kinds', async () => {
    const file = variant('feedforward.json', (e) => (e.layers[1].kind = 'IzhikevichNeuron'));
    await rejects(['run', file], 'layers[1] ("hidden").kind: expected one of "Input", "IFNeuron", "LIFNeuron", "AdaptiveLIFNeuron", "FedeNeuron", "AdaptiveThresholdLIFNeuron" but received string "IzhikevichNeuron"');
  });

  test('an unknown connection kind names the connection', async () => {
    const file = variant('feedforward.json', (e) => (e.connections[0].kind = 'Conv2d'));
    await rejects(['run', file], 'connections[0].kind: expected one of "Linear" but received string "Conv2d"');
  });

  test('a misspelt field names the field and what is allowed', async () => {
    const file = variant('feedforward.json', (e) => (e.layers[1].tauv = 0.9));
    await rejects(['run', file], /layers\[1\] \("hidden"\): unknown field "tauv"; expected one of name, kind, shape, thresh/);
  });

  test('a value the neuron rejects names the layer and the parameter', async () => {
    const file = variant('feedforward.json', (e) => (e.layers[1].tauV = 1.5));
    await rejects(['run', file], 'layers[1] ("hidden"): Expected a decay factor in [0, 1] for linear updates for tauV but received number 1.5');
  });

  test('a rate above one spike per step names the encoder entry', async () => {
    const file = variant('feedforward.json', (e) => (e.layers[0].encoder.rate = 1500));
    await rejects(['run', file], 'layers[0] ("input").encoder: Expected at most 1000 Hz, one spike per step of 1 ms (higher rates are not clamped) for rates[0] but received number 1500');
  });

  test('weights of the wrong shape name the file and both shapes', async () => {
    const w = path.join(work, 'w.npy');
    writeNpy(w, '<f4', [784, 100], new Float32Array(78400));
    const file = variant('feedforward.json', (e) => (e.connections[0].weights = { init: 'npy', file: w }));
    await rejects(['run', file], `connections[0] ("input_hidden").weights: Expected the weights in ${w} to have shape (100, 784) (out, in) but received shape (784, 100)`);
  });

  test('a missing or corrupt weight file is named', async () => {
    const missing = variant('feedforward.json', (e) => (e.connections[1].weights = { init: 'npy', file: 'nowhere.npy' }));
    await rejects(['run', missing], `connections[1] ("hidden_output").weights: ${path.join(work, 'nowhere.npy')} does not exist`);
    const corrupt = path.join(work, 'corrupt.npy');
    writeNpy(corrupt, '<f4', [10, 100], new Float32Array(1000));
    fs.truncateSync(corrupt, 500);
    const file = variant('feedforward.json', (e) => (e.connections[1].weights = { init: 'npy', file: corrupt }));
    await rejects(['run', file], `${corrupt} is not a valid .npy file: shape (10, 100) of <f4 needs 4000 data bytes but the file has 372`);
  });

  test('input data that does not fit the batch names the file and both sizes', async () => {
    await rejects(
      ['run', path.join(examples, 'feedforward.json'), '--set', 'batch=3', '--set', 'plot.sample=0'],
      `layers[0] ("input").encoder.rate.npy: expected ${path.join(examples, 'data', 'digits.npy')} to hold 784 values (one per neuron of a sample) or 2352 (batch 3 x 784) but it has shape (8, 784)`,
    );
  });

  test('a connection to a layer that does not exist, or a recording of one, is named', async () => {
    const file = variant('feedforward.json', (e) => (e.connections[1].to = 'outptu'));
    await rejects(['run', file], 'connections[1] ("hidden_outptu").to: no layer named "outptu" (layers: input, hidden, output)');
    const rec = variant('feedforward.json', (e) => e.record.push({ layer: 'input', variable: 'vCell' }));
    await rejects(['run', rec], 'record[4].variable: expected one of spikes, trace for Input layer "input" but received "vCell"');
  });

  test('--set and --sweep with an unknown name, or a sweep value the schema rejects', async () => {
    await rejects(['run', path.join(examples, 'recurrent.json'), '--set', 'hiden.tauV=0.5'], '--set hiden.tauV=0.5: no layer or connection named "hiden" (layers: input, hidden, readout; connections: input_hidden, inhibition, hidden_readout, feedback)');
    await rejects(
      ['run', path.join(examples, 'recurrent.json'), '--sweep', 'hidden.durationRefrac=-1,2'],
      'spiking: error: --sweep hidden.durationRefrac=-1,2 (the value -1): layers[1] ("hidden").durationRefrac: expected a number >= 0 but received number -1',
    );
  });

  test('an existing, non-empty output folder is left alone without --force', async () => {
    const out = path.join(work, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'mine');
    const r = await cli(['run', path.join(examples, 'recurrent.json'), '--out', out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('the folder exists and is not empty (use --force to replace it)');
    expect(fs.readdirSync(out)).toEqual(['keep.txt']);
    expect((await cli(['run', path.join(examples, 'recurrent.json'), '--out', out, '--force', '--set', 'steps=20'])).code).toBe(0);
    expect(fs.readdirSync(out)).toContain('summary.json');
    expect(fs.existsSync(path.join(out, 'keep.txt'))).toBe(false);
  });

  test('a bad option value is a usage error', async () => {
    const r = await cli(['run', path.join(examples, 'recurrent.json'), '--out', path.join(work, 'x'), '--threads', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toContain("option '--threads <n>' argument '0' is invalid. expected an integer from 1 to 1024 for --threads");
  });
});

describe('usage: one line and a hint, never the whole help', () => {
  const recurrent = path.join(examples, 'recurrent.json');
  const hint = '(see "spiking run --help" for the options and examples)\n';

  async function usage(args: string[], line: string): Promise<void> {
    const r = await cli(args);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe(`spiking: error: ${line}\n${hint}`);
    expect(fs.readdirSync(work)).toEqual([]);
  }

  test('no experiment file, or no --out', async () => {
    await usage(['run'], 'the experiment file is missing: spiking run <experiment.json> --out <dir>');
    await usage(['run', '--out', path.join(work, 'o')], 'the experiment file is missing: spiking run <experiment.json> --out <dir>');
    await usage(['run', recurrent], 'the output folder is missing: add --out <dir>');
  });

  test('an unknown option', async () => {
    await usage(['run', recurrent, '--out', path.join(work, 'o'), '--bogus'], "unknown option '--bogus'");
  });

  test('a --sweep that is neither a range with a count nor a list says the accepted forms', async () => {
    const forms = 'expected name.field=from:to:count (count values from "from" to "to", ends included, e.g. hidden.tauV=0.5:0.9:5) or name.field=a,b,c';
    await usage(['run', recurrent, '--out', path.join(work, 'o'), '--sweep', 'hidden.tauV=0.9:0.5'], `--sweep hidden.tauV=0.9:0.5: "0.9:0.5" is not a range; ${forms}`);
    await usage(['run', recurrent, '--out', path.join(work, 'o'), '--sweep', 'hidden.tauV=0.5,,0.9'], `--sweep hidden.tauV=0.5,,0.9: an empty value; ${forms}`);
    await usage(['run', recurrent, '--out', path.join(work, 'o'), '--sweep', 'tauV'], '--sweep "tauV": expected name.field=value (a layer or connection name, or a top-level field, then its field path)');
  });
});

describe('errors name what was asked for, and who set it', () => {
  const recurrent = path.join(examples, 'recurrent.json');

  test('--set steps=abc is blamed on --set, not on the file, in words', async () => {
    const r = await cli(['run', recurrent, '--out', path.join(work, 'o'), '--set', 'steps=abc']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('spiking: error: --set steps=abc: steps: expected a whole number but received string "abc"\n');
  });

  test('the same mistake in the file is blamed on the file', async () => {
    const file = variant('recurrent.json', (e) => (e.steps = '400'));
    const r = await cli(['run', file, '--out', path.join(work, 'o')]);
    expect(r.err).toBe(`spiking: error: ${file}: steps: expected a whole number but received string "400"\n`);
  });

  test('schema messages read as a person would write them', async () => {
    const file = variant('recurrent.json', (e) => {
      e.batch = 0;
      e.layers[1].shape = [];
    });
    const r = await cli(['run', file, '--out', path.join(work, 'o')]);
    expect(r.err).toContain('layers[1] ("hidden").shape: expected a list of at least 1 entry but received an array of length 0');
    expect(r.err).toContain('batch: expected a number >= 1 but received number 0');
    expect(r.err).not.toMatch(/must|expected a value that/);
  });

  test('--out where no folder can be made names the folder asked for and why, not a temporary name', async () => {
    const blocker = path.join(work, 'a-file');
    fs.writeFileSync(blocker, '');
    const r = await cli(['run', recurrent, '--out', path.join(blocker, 'out')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`spiking: error: --out ${path.join(blocker, 'out')}: ${blocker} is a file, not a folder\n`);
    expect(r.err).not.toContain('.tmp-');
    const proc = await cli(['run', recurrent, '--out', '/proc/nope']);
    expect(proc.err).toBe('spiking: error: --out /proc/nope: cannot create the folder in /proc: no such file or folder (ENOENT)\n');
  });

  test('"1 run" and "2 runs"; --threads above the core count warns', async () => {
    const one = await cli(['run', recurrent, '--out', path.join(work, 'one'), '--set', 'steps=5', '--sweep', 'hidden.tauV=0.9']);
    expect(one.out).toContain(': 1 run, one folder each;');
    const two = await cli(['run', recurrent, '--out', path.join(work, 'two'), '--set', 'steps=5', '--sweep', 'hidden.tauV=0.8,0.9']);
    expect(two.out).toContain(': 2 runs, one folder each;');
    const cores = os.availableParallelism();
    const many = await cli(['run', recurrent, '--out', path.join(work, 'many'), '--set', 'steps=5', '--threads', String(cores + 1)]);
    expect(many.code).toBe(0);
    expect(many.err).toBe(`spiking: warning: --threads ${cores + 1} is more than the ${cores} core${cores === 1 ? '' : 's'} of this machine; the extra threads only take turns with the others\n`);
    const fits = await cli(['run', recurrent, '--out', path.join(work, 'fits'), '--set', 'steps=5', '--threads', String(cores)]);
    expect(fits.err).toBe('');
  });
});
