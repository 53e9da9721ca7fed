import type { StepResult } from './base-input';
import type { RecordName, RunOptions, RunResult } from './run';
import { BaseNeuron, type BaseNeuronOptions } from './base-neuron';
import { checkFedeInputs, concatLast, sumLast, type NeuronInput } from './neuron-input';
import { stageCheck, validatedSpec } from './stage-checks';
import { registerLayerClass } from '../state/layer-state';
import type { PerNeuron } from './options';
import { valueAt } from './stages';

const f32 = Math.fround;

export interface FedeNeuronOptions extends BaseNeuronOptions {
  alphaV: PerNeuron;
  alphaT: PerNeuron;
  /** Voltage time constant (> 0; Fede's updates are always exponential). */
  tauV: PerNeuron;
  /** Trace time constant (> 0). */
  tauT: PerNeuron;
}

const STAGES = ['fold', 'updateVoltage', 'spiking', 'updateTrace', 'convertSpikes', 'refrac', 'concatTrace'] as const;

/**
 * The LIF neuron of Paredes-Valles et al., driven by the difference between
 * incoming spikes and their presynaptic trace (PySNN `FedeNeuron`).
 */
export class FedeNeuron extends BaseNeuron {
  constructor(options: FedeNeuronOptions) {
    super(validatedSpec('FedeNeuron', options));
  }

  /**
   * With preTrace (PySNN's Fede fold): joins list inputs along their last
   * dimension, no sum (updateVoltage sums x - preTrace). Without: BaseNeuron's fold.
   */
  override fold(x: NeuronInput): Float32Array;
  override fold(x: NeuronInput, preTrace: NeuronInput): [Float32Array, Float32Array];
  override fold(x: NeuronInput, preTrace?: NeuronInput): Float32Array | [Float32Array, Float32Array] {
    if (preTrace === undefined) return super.fold(x);
    checkFedeInputs(x, preTrace, this.size, this.cellsShape);
    return [concatLast(x, this.size), concatLast(preTrace, this.size)];
  }

  /** Updates the trace (always exponentially) with this step's spikes. */
  override updateTrace(spikes: Uint8Array | Float32Array): void {
    this.traceStep(spikes, 'exponential');
  }

  /** v += (dt / tauV) * (alphaV * sum(x - preTrace) - (v - vRest)) where not refractory. */
  override updateVoltage(x: Float32Array, preTrace?: Float32Array): void {
    checkFedeInputs(x, preTrace, this.size, this.cellsShape);
    const difference = sumLast(x, this.size, preTrace);
    const { vCell, refracLeft, params } = this.state;
    const { vRest, dt } = this;
    for (let i = 0; i < vCell.length; i++) {
      const open = refracLeft[i] === 0 ? 1 : 0;
      const forcing = f32(valueAt(params.alphaV!, i) * difference[i]);
      const v = vCell[i];
      vCell[i] = v + f32(f32(f32(dt / valueAt(params.tauV!, i)) * f32(forcing - f32(v - vRest))) * open);
    }
  }

  /**
   * One step. x and preTrace: Float32Arrays of the same layout (*cellsShape, k),
   * or lists of them with matching widths. Returns live views of spikes and trace.
   */
  override forward(x: NeuronInput, preTrace: NeuronInput): StepResult {
    checkFedeInputs(x, preTrace, this.size, this.cellsShape);
    if (!this.fusedStep(UNTOUCHED, x, preTrace)) {
      const [xs, pre] = this.fold(x, preTrace);
      this.updateVoltage(xs, pre);
      const spikes = this.spiking();
      this.updateTrace(this.convertSpikes(spikes));
      this.refrac(spikes);
      if (this.storeTrace) this.concatTrace(spikes);
    }
    return this.result;
  }

  /**
   * Runs options.steps steps in one native call, bit-identical to as many
   * forward calls. x and preTrace: Float32Arrays of steps x n x k values,
   * time-major. Returns the spikes of every step and the recorded variables.
   */
  run<R extends RecordName = never>(x: Float32Array, preTrace: Float32Array, options: RunOptions<R>): RunResult<R> {
    return this.runSteps(UNTOUCHED, x, preTrace, options);
  }

  /** run() off the event loop; the layer is busy until the promise settles. */
  runAsync<R extends RecordName = never>(x: Float32Array, preTrace: Float32Array, options: RunOptions<R>): Promise<RunResult<R>> {
    return this.runStepsAsync(UNTOUCHED, x, preTrace, options);
  }
}

/** Whether forward may run the fused kernel: no stage of FedeNeuron overridden. */
const UNTOUCHED = stageCheck(FedeNeuron.prototype, STAGES);

registerLayerClass('FedeNeuron', FedeNeuron);
