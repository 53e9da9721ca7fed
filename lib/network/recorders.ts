import { AdaptiveThresholdLIFNeuron } from '../layers/adaptive-threshold-lif-neuron';
import { BaseNeuron } from '../layers/base-neuron';
import { layerLayout } from '../binding';
import { invalidParameter } from '../errors';
import type { NetworkLayer, NetworkView, Recorder, RecorderTap } from './network';
import { NpyStream, type NpyDescr } from '../io/npy';

/** What a recorder wrote. */
export interface Recording {
  layer: string;
  variable: string;
  format: 'events' | 'bits' | 'values';
  file: string;
  descr: NpyDescr;
  shape: number[];
  /** Layout of the array, in words. */
  layout: string;
}

/** The state variables a recorder can sample, per kind of layer (the addon's records, native/abi/layer_layout.hpp). */
export const STATE_VARIABLES = {
  neuron: layerLayout.recordsOf.LIFNeuron,
  input: layerLayout.recordsOf.Input,
  /** AdaptiveThresholdLIFNeuron: a neuron's variables and theta. */
  theta: layerLayout.recordsOf.AdaptiveThresholdLIFNeuron,
} as const;

abstract class FileRecorder implements Recorder {
  protected stream: NpyStream | null = null;
  protected target: NetworkLayer | null = null;
  protected batch = 0;
  protected perSample = 0;

  constructor(readonly layer: string, readonly file: string) {}

  open(net: NetworkView, steps: number): void {
    this.target = net.layer(this.layer);
    this.batch = this.target.cellsShape[0];
    this.perSample = this.target.size / this.batch;
    this.stream = this.begin(steps);
  }

  protected abstract begin(steps: number): NpyStream;
  /** The variable recorded: read live by record(), copied by the engine for recordValues(). */
  protected abstract readonly variableName: 'spikes' | 'vCell' | 'trace' | 'thresh' | 'refracCounts' | 'theta';
  abstract recordValues(t: number, values: Uint8Array | Float32Array): void;
  abstract describe(): Recording;

  get tap(): RecorderTap | null {
    return this.target ? { layer: this.layer, variable: this.variableName } : null;
  }

  record(t: number): void {
    const live = (this.target as unknown as Record<string, Uint8Array | Float32Array>)[this.variableName];
    this.recordValues(t, live);
  }

  close(): void {
    this.stream?.close();
  }
}

/**
 * A layer's spikes as an event list: an (E, 3) int32 array of rows
 * (step, sample, neuron within the sample), in step order, then sample, then
 * neuron. Grows with the spikes, never with silent steps.
 */
export class SpikeEventRecorder extends FileRecorder {
  private chunk = new Int32Array(0);
  private used = 0;

  protected begin(): NpyStream {
    this.chunk = new Int32Array(3 * 8192);
    this.used = 0;
    return new NpyStream(this.file, '<i4', [3]);
  }

  protected readonly variableName = 'spikes';

  recordValues(t: number, spikes: Uint8Array | Float32Array): void {
    const per = this.perSample;
    for (let k = 0; k < spikes.length; k++) {
      if (spikes[k] === 0) continue;
      if (this.used === this.chunk.length) this.flush();
      const b = Math.floor(k / per);
      this.chunk[this.used++] = t;
      this.chunk[this.used++] = b;
      this.chunk[this.used++] = k - b * per;
    }
  }

  private flush(): void {
    this.stream!.append(this.chunk.subarray(0, this.used));
    this.used = 0;
  }

  override close(): void {
    if (this.stream && this.used) this.flush();
    super.close();
  }

  describe(): Recording {
    return {
      layer: this.layer,
      variable: 'spikes',
      format: 'events',
      file: this.file,
      descr: '<i4',
      shape: [this.stream?.length ?? 0, 3],
      layout: 'rows of (step, sample, neuron)',
    };
  }
}

/**
 * A layer's spikes as bit-packed rows: a (T, batch, ceil(n / 8)) uint8
 * array, neuron i of a sample at bit i % 8 (least significant first) of byte
 * i / 8: numpy.unpackbits(a, axis=-1, bitorder='little')[..., :n].
 */
export class SpikeBitsRecorder extends FileRecorder {
  private row = new Uint8Array(0);
  private bytesPerSample = 0;

  protected begin(): NpyStream {
    this.bytesPerSample = Math.ceil(this.perSample / 8);
    this.row = new Uint8Array(this.batch * this.bytesPerSample);
    return new NpyStream(this.file, '|u1', [this.batch, this.bytesPerSample]);
  }

  protected readonly variableName = 'spikes';

  recordValues(_t: number, spikes: Uint8Array | Float32Array): void {
    const { row, perSample: per, bytesPerSample: bytes } = this;
    row.fill(0);
    for (let b = 0; b < this.batch; b++) {
      for (let i = 0; i < per; i++) if (spikes[b * per + i]) row[b * bytes + (i >> 3)] |= 1 << (i & 7);
    }
    this.stream!.append(row);
  }

  describe(): Recording {
    return {
      layer: this.layer,
      variable: 'spikes',
      format: 'bits',
      file: this.file,
      descr: '|u1',
      shape: [this.stream?.length ?? 0, this.batch, this.bytesPerSample],
      layout: `(step, sample, byte): neuron i at bit i % 8 of byte i / 8, least significant first (n = ${this.perSample})`,
    };
  }
}

export interface StateRecorderOptions {
  layer: string;
  /** vCell, trace, thresh or refracCounts (input layers: trace; AdaptiveThresholdLIFNeuron also theta). */
  variable: string;
  file: string;
  /** Samples to record (indices into the batch). Default: all. */
  samples?: readonly number[];
  /** Neurons to record, indices within a sample. Default: all. */
  neurons?: readonly number[];
  /** Record steps 0, every, 2 * every, ... Default 1. */
  every?: number;
}

/**
 * A state variable of chosen neurons every k-th step: a (S, samples, neurons)
 * float32 array, row s holding step s * every.
 */
export class StateRecorder extends FileRecorder {
  readonly variable: string;
  readonly every: number;
  private samples: number[] = [];
  private neurons: number[] = [];
  private row = new Float32Array(0);

  constructor(private readonly options: StateRecorderOptions) {
    super(options.layer, options.file);
    this.variable = options.variable;
    const every = options.every ?? 1;
    if (!Number.isSafeInteger(every) || every < 1) throw invalidParameter('every', 'a whole number of steps >= 1', every, 'range');
    this.every = every;
  }

  protected begin(): NpyStream {
    const layer = this.target!;
    const allowed: readonly string[] =
      layer instanceof AdaptiveThresholdLIFNeuron ? STATE_VARIABLES.theta : layer instanceof BaseNeuron ? STATE_VARIABLES.neuron : STATE_VARIABLES.input;
    if (!allowed.includes(this.variable)) {
      throw invalidParameter(`variable of the recording of layer "${this.layer}"`, `one of ${allowed.join(', ')}`, this.variable, 'range');
    }
    const pick = (given: readonly number[] | undefined, count: number, what: string): number[] => {
      const list = given ? [...given] : Array.from({ length: count }, (_, k) => k);
      list.forEach((v, k) => {
        if (!Number.isSafeInteger(v) || v < 0 || v >= count) {
          throw invalidParameter(`${what}[${k}] of the recording of layer "${this.layer}"`, `an index in [0, ${count})`, v, 'range');
        }
      });
      return list;
    };
    this.samples = pick(this.options.samples, this.batch, 'samples');
    this.neurons = pick(this.options.neurons, this.perSample, 'neurons');
    this.row = new Float32Array(this.samples.length * this.neurons.length);
    return new NpyStream(this.file, '<f4', [this.samples.length, this.neurons.length]);
  }

  protected get variableName(): 'vCell' | 'trace' | 'thresh' | 'refracCounts' | 'theta' {
    return this.variable as 'vCell';
  }

  recordValues(t: number, view: Uint8Array | Float32Array): void {
    if (t % this.every !== 0) return;
    const { row, samples, neurons, perSample } = this;
    let k = 0;
    for (const b of samples) for (const i of neurons) row[k++] = view[b * perSample + i];
    this.stream!.append(row);
  }

  describe(): Recording {
    return {
      layer: this.layer,
      variable: this.variable,
      format: 'values',
      file: this.file,
      descr: '<f4',
      shape: [this.stream?.length ?? 0, this.samples.length, this.neurons.length],
      layout: stateLayout(this.every, this.samples, this.neurons),
    };
  }
}

/** The layout a StateRecorder describes (also written for a recording merged from shards). */
export function stateLayout(every: number, samples: readonly number[], neurons: readonly number[]): string {
  return `(record, sample, neuron): record s is step s * ${every}; samples [${samples.join(', ')}], neurons [${shortList(neurons)}]`;
}

/** A list of indices for a description: the first 12, then the count. */
function shortList(list: readonly number[]): string {
  return list.length > 12 ? `${list.slice(0, 12).join(', ')}, ... (${list.length})` : list.join(', ');
}

/**
 * Counts a layer's spikes per neuron: `counts` ([batch][n], uint32) gains 1
 * for every step a neuron spikes, over every run, runAsync or step it is
 * given to, until reset(). A native run adds the spikes itself, without
 * returning to JavaScript; stepping in JavaScript calls record(). The counts
 * are allocated by the first open() (again, zeroed, for a layer of another size).
 */
export class SpikeCounter implements Recorder {
  private values = new Uint32Array(0);
  private target: NetworkLayer | null = null;
  private network: NetworkView | null = null;

  constructor(readonly layer: string) {
    if (typeof layer !== 'string' || layer === '') throw invalidParameter('layer', 'the name of a layer (a non-empty string)', layer);
  }

  /** The counts, [batch][n]: sample b's neuron i at b * n + i (empty before the first open). */
  get counts(): Uint32Array {
    return this.values;
  }

  /** What a native run adds to (Recorder.spikeCounts); null outside a run. */
  get spikeCounts(): { layer: string; counts: Uint32Array } | null {
    return this.target ? { layer: this.layer, counts: this.values } : null;
  }

  open(net: NetworkView): void {
    if (!net.layerNames.includes(this.layer)) {
      throw invalidParameter('layer of the SpikeCounter', `one of the network's layers (${net.layerNames.join(', ') || 'none yet'})`, this.layer, 'range');
    }
    const target = net.layer(this.layer);
    if (this.values.length !== target.size) this.values = new Uint32Array(target.size);
    this.target = target;
    this.network = net;
  }

  record(): void {
    const spikes = this.target!.spikes;
    const counts = this.values;
    for (let k = 0; k < spikes.length; k++) if (spikes[k]) counts[k]++;
  }

  close(): void {
    this.target = null;
    this.network = null;
  }

  /** Sets every count to 0; refused while a run records into it. */
  reset(): void {
    if (this.network) throw new Error(`SpikeCounter.reset: the counter of layer "${this.layer}" is recording a run; reset it before or after the run`);
    this.values.fill(0);
  }
}
