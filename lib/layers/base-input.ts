import { NotImplementedError } from '../errors';
import type { UpdateType } from './options';
import { native } from '../binding';
import { specFor } from './stage-checks';
import { sampleRanges, type SampleMask } from './sample-mask';
import { BusyGuard } from './run';
import { attachState, layerFromState, mixInPersistence, registerLayerClass, type Persistent } from '../state/layer-state';
import { createSlab, type Slab } from './slab';

export interface BaseInputOptions {
  /** Shape of the layer, batch first: [batch, ...dims]. */
  cellsShape: readonly number[];
  /** Duration of one time step. */
  dt: number;
}

/** What a step returns: live views of the layer's spikes and trace (the same object every step). */
export interface StepResult {
  readonly spikes: Uint8Array;
  readonly trace: Float32Array;
}

/** A feed-through layer that keeps a trace of its input (PySNN `BaseInput`). */
export class BaseInput {
  /** Shape of the layer, batch first. */
  readonly cellsShape: readonly number[];
  /** Number of neurons: the product of cellsShape. */
  readonly size: number;
  readonly dt: number;
  readonly updateType: UpdateType;
  /** @internal the layer's state, one ArrayBuffer shared with the native kernels. */
  protected readonly state: Slab;
  /** @internal */
  protected readonly result: StepResult;
  /** @internal refuses calls while runAsync works on the state in place. */
  protected readonly guard = new BusyGuard();

  constructor(options: BaseInputOptions) {
    const spec = specFor('BaseInput', options);
    this.cellsShape = Object.freeze([...spec.cellsShape]);
    this.size = spec.n;
    this.dt = spec.dt;
    this.updateType = spec.update;
    this.state = createSlab(spec, spec.kind === 'Input' ? native.layout.models.Input : -1);
    this.result = Object.freeze({ spikes: this.state.spikes, trace: this.state.trace });
    attachState(this, { spec, state: this.state, history: null, guard: this.guard });
    this.initNeuron();
  }

  /** A layer of this class rebuilt from saveState() bytes alone: the saved options and state. */
  static fromState<T extends BaseInput>(this: new (options: never) => T, bytes: Uint8Array): T {
    return layerFromState(this, bytes);
  }

  /** Whether each neuron's last input was non-zero (0/1), live. */
  get spikes(): Uint8Array {
    return this.state.spikes;
  }

  /** The trace of each neuron, live. */
  get trace(): Float32Array {
    return this.state.trace;
  }

  /** Clears the trace and the spikes; with a mask (one entry per sample), of the selected samples only. */
  resetState(mask?: SampleMask): void {
    this.guard.check(this, 'resetState');
    for (const [from, to] of sampleRanges(mask, this.cellsShape[0], this.size / this.cellsShape[0])) {
      this.state.trace.fill(0, from, to);
      this.state.spikes.fill(0, from, to);
    }
  }

  /** Resets the state (there are no gradients to turn off in JS). */
  initNeuron(): void {
    this.resetState();
  }

  /** The input as float32 values (spikes become 0/1). */
  convertInput(x: Float32Array | Uint8Array): Float32Array {
    return x instanceof Float32Array ? x : Float32Array.from(x);
  }

  forward(_x: Float32Array | Uint8Array): StepResult {
    throw new NotImplementedError('Input neurons must implement `forward`');
  }

  updateTrace(_x: Float32Array | Uint8Array): void {
    throw new NotImplementedError('Input neurons must implement `updateTrace`');
  }
}

// saveState, saveStateFile, loadState, loadStateFile (lib/layer-state.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface BaseInput extends Persistent {}
mixInPersistence(BaseInput);
registerLayerClass('BaseInput', BaseInput);
