import { BaseInput, type StepResult } from './base-input';
import { checkInputValues } from './inputs';
import { stagesUntouched, validatedSpec } from './layer-spec';
import { registerLayerClass } from './layer-state';
import { native } from './native';
import type { PerNeuron, UpdateType } from './options';
import { decayTowards } from './stages';

export interface InputOptions {
  cellsShape: readonly number[];
  dt: number;
  /** Trace increase per unit of input. */
  alphaT: PerNeuron;
  /** Trace decay: a factor in [0, 1] (linear) or a time constant > 0 (exponential). */
  tauT: PerNeuron;
  /** Default 'linear'. */
  updateType?: UpdateType;
}

const STAGES = ['updateTrace', 'convertInput'] as const;

/** Input layer: passes spikes (or graded values) on and keeps their trace (PySNN `Input`). */
export class Input extends BaseInput {
  constructor(options: InputOptions) {
    super(validatedSpec('Input', options));
  }

  /** Converts x and updates the trace with it. */
  override updateTrace(x: Float32Array | Uint8Array): void {
    const values = this.convertInput(checkInputValues(x, this.size));
    const { alphaT, tauT } = this.state.params;
    decayTowards(this.state.trace, values, alphaT!, tauT!, this.dt, this.updateType);
  }

  /**
   * One step: the trace integrates x, and spikes are where x is non-zero.
   * x: Float32Array or Uint8Array of one value per neuron.
   */
  override forward(x: Float32Array | Uint8Array): StepResult {
    checkInputValues(x, this.size);
    if (stagesUntouched(this, Input.prototype, STAGES)) {
      native.step(this.state.buffer, x);
    } else {
      this.updateTrace(x);
      const { spikes } = this.state;
      for (let i = 0; i < spikes.length; i++) spikes[i] = x[i] !== 0 ? 1 : 0;
    }
    return this.result;
  }
}

registerLayerClass('Input', Input);
