import { BaseNeuron } from './base-neuron';
import { IF_STAGES, type IFNeuronOptions } from './if-neuron';
import { defineLayerClass } from './layer';
import { validatedSpec } from './stage-checks';
import type { PerNeuron } from './options';
import { lifVoltage } from './stages';

/** IFNeuron's options and a voltage decay; updateType now chooses the voltage update too. */
export interface LIFNeuronOptions extends IFNeuronOptions {
  /** Voltage decay: a factor in [0, 1] (linear) or a time constant > 0 (exponential). */
  tauV: PerNeuron;
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
}

defineLayerClass('LIFNeuron', LIFNeuron, IF_STAGES);
