import type { StepResult } from './base-input';
import type { RecordName, RunOptions, RunResult } from './run';
import { BaseNeuron } from './base-neuron';
import { IF_STAGES, type IFNeuronOptions } from './if-neuron';
import type { NeuronInput } from './neuron-input';
import { stageCheck, validatedSpec } from './stage-checks';
import { registerLayerClass } from '../state/layer-state';
import type { PerNeuron, UpdateType } from './options';
import { valueAt } from './stages';
import type { Slab } from './slab';

const f32 = Math.fround;

/** IFNeuron's options and a voltage decay; updateType now chooses the voltage update too. */
export interface LIFNeuronOptions extends IFNeuronOptions {
  /** Voltage decay: a factor in [0, 1] (linear) or a time constant > 0 (exponential). */
  tauV: PerNeuron;
}

/**
 * The LIF voltage update (also AdaptiveLIF's), where not refractory:
 * linear `v = vRest + ((v - vRest) * tauV + alphaV * I) * open` (held at vRest while refractory),
 * exponential `v = v + ((dt / tauV) * (alphaV * I - (v - vRest))) * open`.
 * @internal
 */
export function lifVoltage(state: Slab, current: Float32Array, vRest: number, dt: number, update: UpdateType): void {
  const { vCell, refracLeft, params } = state;
  for (let i = 0; i < vCell.length; i++) {
    const open = refracLeft[i] === 0 ? 1 : 0;
    const drive = f32(valueAt(params.alphaV!, i) * current[i]);
    const tau = valueAt(params.tauV!, i);
    const v = vCell[i];
    vCell[i] =
      update === 'linear'
        ? vRest + f32(f32(f32(f32(v - vRest) * tau) + drive) * open)
        : v + f32(f32(f32(dt / tau) * f32(drive - f32(v - vRest))) * open);
  }
}

/** Leaky integrate-and-fire neuron (PySNN `LIFNeuron`). */
export class LIFNeuron extends BaseNeuron {
  constructor(options: LIFNeuronOptions) {
    super(validatedSpec('LIFNeuron', options));
  }

  /** Updates the trace with this step's spikes. */
  override updateTrace(spikes: Uint8Array | Float32Array): void {
    this.traceStep(spikes);
  }

  /** Leaks towards vRest and integrates the current, where not refractory. */
  override updateVoltage(current: Float32Array): void {
    lifVoltage(this.state, current, this.vRest, this.dt, this.updateType);
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

/** Whether forward may run the fused kernel: no stage of LIFNeuron overridden. */
const UNTOUCHED = stageCheck(LIFNeuron.prototype, IF_STAGES);

registerLayerClass('LIFNeuron', LIFNeuron);
