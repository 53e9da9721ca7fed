import { BaseNeuron } from './base-neuron';
import { IF_STAGES } from './if-neuron';
import { defineLayerClass } from './layer';
import { validatedSpec } from './stage-checks';
import type { LIFNeuronOptions } from './lif-neuron';
import type { PerNeuron } from './options';
import type { SampleMask } from './sample-mask';
import { decayTowards, lifVoltage } from './stages';

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
}

defineLayerClass('AdaptiveLIFNeuron', AdaptiveLIFNeuron, STAGES);
