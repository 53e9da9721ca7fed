import type { StepResult } from './base-input';
import type { RecordName, RunOptions, RunResult } from './run';
import { BaseNeuron } from './base-neuron';
import { IF_STAGES } from './if-neuron';
import type { NeuronInput } from './neuron-input';
import { stageCheck, validatedSpec } from './stage-checks';
import { registerLayerClass } from '../state/layer-state';
import { lifVoltage, type LIFNeuronOptions } from './lif-neuron';
import type { PerNeuron } from './options';
import type { SampleMask } from './sample-mask';
import { decayTowards } from './stages';

export interface AdaptiveLIFNeuronOptions extends LIFNeuronOptions {
  /** Threshold increase per spike. */
  alphaThresh: PerNeuron;
  /** Threshold decay (towards 0, as in PySNN): a factor in [0, 1] (linear) or a time constant > 0 (exponential). */
  tauThresh: PerNeuron;
}

const STAGES = [...IF_STAGES, 'updateThresh'] as const;

/** LIF neuron whose threshold rises with each spike and decays back (PySNN `AdaptiveLIFNeuron`). */
export class AdaptiveLIFNeuron extends BaseNeuron {
  constructor(options: AdaptiveLIFNeuronOptions) {
    super(validatedSpec('AdaptiveLIFNeuron', options));
  }

  /** Updates the trace with this step's spikes. */
  override updateTrace(spikes: Uint8Array | Float32Array): void {
    this.traceStep(spikes);
  }

  /** Raises the threshold of the neurons that spiked; every threshold decays towards 0. */
  updateThresh(spikes: Uint8Array | Float32Array): void {
    const { thresh, params } = this.state;
    decayTowards(thresh, spikes, params.alphaThresh!, params.tauThresh!, this.dt, this.updateType);
  }

  /** Leaks towards vRest and integrates the current, where not refractory. */
  override updateVoltage(current: Float32Array): void {
    lifVoltage(this.state, current, this.vRest, this.dt, this.updateType);
  }

  protected override adaptThreshold(spikes: Uint8Array): void {
    this.updateThresh(spikes);
  }

  /** Also resets the threshold, as PySNN's does (with a mask: of the selected samples). */
  override resetState(mask?: SampleMask): void {
    super.resetState(mask);
    this.resetThresh(mask);
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

/** Whether forward may run the fused kernel: no stage of AdaptiveLIFNeuron overridden. */
const UNTOUCHED = stageCheck(AdaptiveLIFNeuron.prototype, STAGES);

registerLayerClass('AdaptiveLIFNeuron', AdaptiveLIFNeuron);
