import type { StepResult } from './base-input';
import type { RecordName, RunOptions, RunResult } from './run';
import { BaseNeuron, type BaseNeuronOptions } from './base-neuron';
import type { NeuronInput } from './neuron-input';
import { stageCheck, validatedSpec } from './stage-checks';
import { registerLayerClass } from '../state/layer-state';
import type { PerNeuron, UpdateType } from './options';
import { valueAt } from './stages';

const f32 = Math.fround;

export interface IFNeuronOptions extends BaseNeuronOptions {
  alphaV: PerNeuron;
  alphaT: PerNeuron;
  /** Trace decay: a factor in [0, 1] (linear) or a time constant > 0 (exponential). */
  tauT: PerNeuron;
  /** Chooses the trace update; the voltage never leaks. Default 'linear'. */
  updateType?: UpdateType;
}

/** The stages forward runs; overriding any of them switches forward to the staged path. */
export const IF_STAGES = ['fold', 'updateVoltage', 'spiking', 'updateTrace', 'refrac', 'concatTrace'] as const;

/** Integrate-and-fire neuron: the voltage does not decay (PySNN `IFNeuron`). */
export class IFNeuron extends BaseNeuron {
  constructor(options: IFNeuronOptions) {
    super(validatedSpec('IFNeuron', options));
  }

  /** Updates the trace with this step's spikes. */
  override updateTrace(spikes: Uint8Array | Float32Array): void {
    this.traceStep(spikes);
  }

  /** v += alphaV * current where not refractory. */
  override updateVoltage(current: Float32Array): void {
    const { vCell, refracLeft, params } = this.state;
    for (let i = 0; i < vCell.length; i++) {
      const open = refracLeft[i] === 0 ? 1 : 0;
      vCell[i] = vCell[i] + f32(f32(valueAt(params.alphaV!, i) * current[i]) * open);
    }
  }

  /**
   * One step. x: Float32Array of layout (*cellsShape, k) (k inputs per neuron,
   * summed), or a list of such arrays. Returns live views of spikes and trace.
   */
  override forward(x: NeuronInput): StepResult {
    return this.foldedForward(UNTOUCHED, x);
  }

  /**
   * Runs options.steps steps in one native call, bit-identical to as many
   * forward calls. x: Float32Array of steps x n x k values, time-major.
   * Returns the spikes of every step and the recorded variables.
   */
  run<R extends RecordName = never>(x: Float32Array, options: RunOptions<R>): RunResult<R> {
    return this.runSteps(UNTOUCHED, x, undefined, options);
  }

  /** run() off the event loop; the layer is busy until the promise settles. */
  runAsync<R extends RecordName = never>(x: Float32Array, options: RunOptions<R>): Promise<RunResult<R>> {
    return this.runStepsAsync(UNTOUCHED, x, undefined, options);
  }
}

/** Whether forward may run the fused kernel: no stage of IFNeuron overridden. */
const UNTOUCHED = stageCheck(IFNeuron.prototype, IF_STAGES);

registerLayerClass('IFNeuron', IFNeuron);
