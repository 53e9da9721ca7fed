import type { StepResult } from './base-input';
import { BaseNeuron, type BaseNeuronOptions } from './base-neuron';
import { IF_STAGES } from './if-neuron';
import { checkNeuronInput, type NeuronInput } from './inputs';
import { validatedSpec } from './layer-spec';
import { registerLayerClass } from './layer-state';
import type { PerNeuron, UpdateType } from './options';
import { valueAt } from './stages';
import type { Slab } from './slab';

const f32 = Math.fround;

export interface LIFNeuronOptions extends BaseNeuronOptions {
  alphaV: PerNeuron;
  alphaT: PerNeuron;
  /** Voltage decay: a factor in [0, 1] (linear) or a time constant > 0 (exponential). */
  tauV: PerNeuron;
  /** Trace decay: a factor in [0, 1] (linear) or a time constant > 0 (exponential). */
  tauT: PerNeuron;
  /** Default 'linear'. */
  updateType?: UpdateType;
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
    checkNeuronInput(x, this.size, this.cellsShape);
    if (!this.fusedStep(LIFNeuron.prototype, IF_STAGES, x)) {
      this.updateVoltage(this.fold(x));
      const spikes = this.spiking();
      this.updateTrace(spikes);
      this.refrac(spikes);
      if (this.storeTrace) this.concatTrace(spikes);
    }
    return this.result;
  }
}

registerLayerClass('LIFNeuron', LIFNeuron);
