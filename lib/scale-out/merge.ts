// The shards of one run's batch, merged back into the files a run of the
// whole batch writes: the same bytes in every .npy, raster.svg from the shard
// holding the plotted sample, and the summary's figures.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { PLOT_FILE, recordingFile, type Experiment, type Shard } from '../cli/experiment';
import type { Summary } from '../cli/local-run';
import { NpyStream, parseNpy, type NpyArray } from '../io/npy';
import { stateLayout } from '../network/recorders';

/** One finished shard: its samples, its summary, and its files by name (null: it has none of that name). */
export interface ShardResult {
  shard: Shard;
  summary: Summary;
  file(name: string): Buffer | null;
}

function load(shard: ShardResult, name: string): NpyArray | null {
  const bytes = shard.file(name);
  return bytes ? parseNpy(bytes, `${name} of samples ${shard.shard.first}..${shard.shard.first + shard.shard.count - 1}`) : null;
}

/** Spike events (step, sample, neuron): the shards' rows of each step in sample order, samples shifted to the batch. */
function mergeEvents(shards: ShardResult[], name: string, out: string): number {
  const parts = shards.map((s) => ({ rows: load(s, name)!.data as Int32Array, at: 0, first: s.shard.first }));
  const stream = new NpyStream(out, '<i4', [3]);
  const chunk = new Int32Array(3 * 8192);
  let used = 0;
  for (;;) {
    let step = Infinity;
    for (const p of parts) if (p.at < p.rows.length) step = Math.min(step, p.rows[p.at]);
    if (step === Infinity) break;
    for (const p of parts) {
      while (p.at < p.rows.length && p.rows[p.at] === step) {
        if (used === chunk.length) {
          stream.append(chunk);
          used = 0;
        }
        chunk[used++] = step;
        chunk[used++] = p.rows[p.at + 1] + p.first;
        chunk[used++] = p.rows[p.at + 2];
        p.at += 3;
      }
    }
  }
  if (used) stream.append(chunk.subarray(0, used));
  return stream.close()[0];
}

/** Spike bits (step, sample, byte): each step's rows of the shards, one after the other. */
function mergeBits(shards: ShardResult[], name: string, out: string): number[] {
  const parts = shards.map((s) => load(s, name)!);
  const bytes = parts[0].shape[2];
  const steps = parts[0].shape[0];
  const samples = parts.reduce((a, p) => a + p.shape[1], 0);
  const stream = new NpyStream(out, '|u1', [samples, bytes]);
  const step = new Uint8Array(samples * bytes);
  for (let t = 0; t < steps; t++) {
    let at = 0;
    for (const p of parts) {
      const row = p.shape[1] * bytes;
      step.set((p.data as Uint8Array).subarray(t * row, (t + 1) * row), at);
      at += row;
    }
    stream.append(step);
  }
  return stream.close();
}

/** State values (record, sample, neuron) of the samples asked for, in the order asked for. */
function mergeState(shards: ShardResult[], name: string, out: string, samples: number[], neurons: number, records: number): number[] {
  // Column of each sample asked for: a shard recorded its own samples of the list, in the list's order.
  const parts = shards.map((s) => ({ s, array: load(s, name), next: 0 }));
  const source = samples.map((b) => {
    const p = parts.find((q) => b >= q.s.shard.first && b < q.s.shard.first + q.s.shard.count)!;
    return { p, column: p.next++ };
  });
  const stream = new NpyStream(out, '<f4', [samples.length, neurons]);
  const row = new Float32Array(samples.length * neurons);
  for (let r = 0; r < records; r++) {
    source.forEach(({ p, column }, k) => {
      const width = p.array!.shape[1] * neurons;
      const from = r * width + column * neurons;
      row.set((p.array!.data as Float32Array).subarray(from, from + neurons), k * neurons);
    });
    stream.append(row);
  }
  return stream.close();
}

/**
 * Writes the merged recordings and raster.svg of a run's shards (in sample
 * order) into `dir` and returns the run's summary (wall time: the slowest
 * shard's, as the shards ran side by side).
 */
export function mergeShards(experiment: Experiment, shards: ShardResult[], dir: string): Summary {
  const first = shards[0].summary;
  const batch = experiment.batch;
  const recordings: Summary['recordings'] = [];
  for (const spec of experiment.record ?? []) {
    const name = recordingFile(spec);
    const out = path.join(dir, name);
    const described = shards.map((s) => s.summary.recordings.find((r) => r.file === name)).find((r) => r !== undefined)!;
    if (spec.variable === 'weight') {
      fs.writeFileSync(out, shards[0].file(name)!); // the batch shares the weights: every shard wrote the same
      recordings.push(described);
    } else if (spec.variable === 'spikes' && spec.format === 'bits') {
      recordings.push({ ...described, shape: mergeBits(shards, name, out) });
    } else if (spec.variable === 'spikes') {
      recordings.push({ ...described, shape: [mergeEvents(shards, name, out), 3] });
    } else {
      const samples = spec.samples ?? Array.from({ length: batch }, (_, b) => b);
      const neurons = described.shape[2];
      const shape = mergeState(shards, name, out, samples, neurons, described.shape[0]);
      const neuronList = spec.neurons ?? Array.from({ length: neurons }, (_, i) => i);
      recordings.push({ ...described, shape, layout: stateLayout(spec.every ?? 1, samples, neuronList) });
    }
  }
  const sample = experiment.plot?.sample ?? 0;
  const plotter = shards.find((s) => sample >= s.shard.first && sample < s.shard.first + s.shard.count)!;
  fs.writeFileSync(path.join(dir, PLOT_FILE), plotter.file(PLOT_FILE)!);
  const layers: Summary['layers'] = {};
  for (const [name, l] of Object.entries(first.layers)) {
    const spikesPerSample = shards.flatMap((s) => s.summary.layers[name].spikesPerSample);
    const spikes = spikesPerSample.reduce((a, b) => a + b, 0);
    const neurons = l.neuronsPerSample * batch;
    const perStep = spikes / (neurons * first.steps);
    layers[name] = { ...l, neurons, spikes, spikesPerSample, spikesPerNeuronPerStep: perStep, rateHz: (perStep * 1000) / experiment.dt };
  }
  const wallSeconds = Math.max(...shards.map((s) => s.summary.wallSeconds));
  return {
    ...first,
    batch,
    wallSeconds,
    stepsPerSecond: wallSeconds > 0 ? first.steps / wallSeconds : Infinity,
    layers,
    recordings,
    plot: { ...plotter.summary.plot, sample },
  };
}
