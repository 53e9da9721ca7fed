import { BaseInput } from './base-input';
import { defineLayerClass, type StepResult } from './layer';
import { checkInputLayerX } from './neuron-input';
import type { PerNeuron, UpdateType } from './options';
import { INPUT_RUN, type RunOptions, type RunResult } from './run';
import { validatedSpec } from './stage-checks';
import { decayTowards } from './stages';

type InputRunOptions<R extends 'trace' = 'trace'> = RunOptions<R>;

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

/** Input layer: passes spikes (or graded values) on and keeps their trace (PySNN `Input`). */
export class Input extends BaseInput {
  constructor(options: InputOptions) {
    super(validatedSpec('Input', options));
  }

  /** Converts x and updates the trace with it. */
  override updateTrace(x: Float32Array | Uint8Array): void {
    const values = this.convertInput(checkInputLayerX(x, this.size));
    const { alphaT, tauT } = this.state.params;
    decayTowards(this.state.trace, values, alphaT!, tauT!, this.dt, this.updateType);
  }

  /**
   * One step: the trace integrates x, and spikes are where x is non-zero.
   * x: Float32Array or Uint8Array of one value per neuron.
   */
  override forward(x: Float32Array | Uint8Array): StepResult {
    checkInputLayerX(x, this.size);
    if (!this.fusedStep(x)) {
      this.updateTrace(x);
      const { spikes } = this.state;
      for (let i = 0; i < spikes.length; i++) spikes[i] = x[i] !== 0 ? 1 : 0;
    }
    return this.result;
  }

  /**
   * Runs options.steps steps in one native call, bit-identical to as many
   * forward calls. x: Float32Array or Uint8Array of steps x n values,
   * time-major. Returns the spikes of every step (and the trace if recorded).
   */
  run<R extends 'trace' = never>(x: Float32Array | Uint8Array, options: InputRunOptions<R>): RunResult<R> {
    return this.runSteps(INPUT_RUN, x, undefined, options) as RunResult<R>; // the recorded variables are there
  }

  /** run() off the event loop; the layer is busy until the promise settles. */
  runAsync<R extends 'trace' = never>(x: Float32Array | Uint8Array, options: InputRunOptions<R>): Promise<RunResult<R>> {
    return this.runStepsAsync(INPUT_RUN, x, undefined, options) as Promise<RunResult<R>>; // the recorded variables are there
  }
}

/** The stages forward runs; overriding any of them switches forward to the staged path. */
defineLayerClass('Input', Input, ['updateTrace', 'convertInput']);
