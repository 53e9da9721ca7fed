import { NotImplementedError } from '../errors';
import { defineLayerClass, Layer, type StepResult } from './layer';
import { specFor } from './stage-checks';

export interface BaseInputOptions {
  /** Shape of the layer, batch first: [batch, ...dims]. */
  cellsShape: readonly number[];
  /** Duration of one time step. */
  dt: number;
}

/** A feed-through layer that keeps a trace of its input (PySNN `BaseInput`). */
export class BaseInput extends Layer {
  constructor(options: BaseInputOptions) {
    super(specFor('BaseInput', options));
    this.initNeuron();
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

defineLayerClass('BaseInput', BaseInput);
