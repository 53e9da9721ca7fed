import { BaseNeuron, type BaseNeuronOptions } from './base-neuron';
import { defineLayerClass } from './layer';
import type { PerNeuron, UpdateType } from './options';
import { validatedSpec } from './stage-checks';
import { ifVoltage } from './stages';

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
    ifVoltage(this.state, current);
  }
}

defineLayerClass('IFNeuron', IFNeuron, IF_STAGES);
