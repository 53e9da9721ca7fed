import { invalidParameter } from '../errors';
import { NpyStream } from '../io/npy';
import type { Linear } from './linear';
import type { NetworkView, Recorder, RecorderTap } from './network';
import type { Recording } from './recorders';

export interface WeightRecorderOptions {
  /** The connection's name in the network. */
  connection: string;
  /** The .npy file written. */
  file: string;
  /**
   * Record the weights after every step t (counted from the last full reset)
   * with t % every === 0; without it, once, after the run's last step.
   */
  every?: number;
}

/**
 * A connection's weights as they change during a run (a learning rule's):
 * a (K, out, in) float32 .npy file, one (out, in) row-major snapshot per
 * recorded step. With `every` the engine ends its native blocks at those
 * steps (Recorder.syncEvery), so each snapshot is the weights right after
 * that step.
 */
export class WeightRecorder implements Recorder {
  readonly connection: string;
  readonly file: string;
  readonly every: number | null;
  private stream: NpyStream | null = null;
  private linear: Linear | null = null;
  private shape: [number, number] = [0, 0];

  constructor(options: WeightRecorderOptions) {
    if (typeof options !== 'object' || options === null) throw invalidParameter('the options of WeightRecorder', 'an options object', options);
    const unknown = Object.keys(options).find((k) => !['connection', 'file', 'every'].includes(k));
    if (unknown) throw new TypeError(`Unknown option ${JSON.stringify(unknown)} for WeightRecorder; its options are: connection, file, every`);
    if (typeof options.connection !== 'string' || options.connection === '') throw invalidParameter('connection', 'a connection name', options.connection);
    if (typeof options.file !== 'string' || options.file === '') throw invalidParameter('file', 'the path of an .npy file', options.file);
    const every = options.every;
    if (every !== undefined && !(typeof every === 'number' && Number.isSafeInteger(every) && every >= 1)) {
      throw invalidParameter('every', 'a whole number of steps >= 1', every, 'range');
    }
    this.connection = options.connection;
    this.file = options.file;
    this.every = every ?? null;
  }

  /** No layer variable: the engine only has to come back to JavaScript at the recorded steps. */
  readonly tap: readonly RecorderTap[] = [];

  get syncEvery(): number | undefined {
    return this.every ?? undefined;
  }

  open(net: NetworkView, _steps: number): void {
    const info = net.connections.find((c) => c.name === this.connection);
    if (!info) {
      const known = net.connections.map((c) => JSON.stringify(c.name)).join(', ') || 'none';
      throw invalidParameter('connection', `a connection of the network (${known})`, this.connection, 'range');
    }
    this.linear = info.connection;
    this.shape = [info.connection.outFeatures, info.connection.inFeatures];
    this.stream = new NpyStream(this.file, '<f4', this.shape);
  }

  record(t: number): void {
    this.recordValues(t);
  }

  recordValues(t: number): void {
    if (this.every !== null && t % this.every === 0) this.stream!.append(this.linear!.weight);
  }

  close(): void {
    if (!this.stream) return;
    if (this.every === null) this.stream.append(this.linear!.weight);
    this.stream.close();
    this.stream = null;
  }

  describe(): Recording {
    return {
      layer: this.connection,
      variable: 'weight',
      format: 'values',
      file: this.file,
      descr: '<f4',
      shape: [this.every === null ? 1 : -1, ...this.shape],
      layout: `(snapshot, out, in): the weights ${this.every === null ? 'after the last step' : `after every step t with t % ${this.every} === 0`}`,
    };
  }
}
