import { BaseNeuron } from './base-neuron';
import { IF_STAGES } from './if-neuron';
import { defineLayerClass } from './layer';
import { validatedSpec } from './stage-checks';
import type { LIFNeuronOptions } from './lif-neuron';
import type { PerNeuron, UpdateType } from './options';
import { THETA_RUN, type RunKind } from './run';
import type { SampleMask } from './sample-mask';
import type { Slab } from './slab';
import { lifVoltage, valueAt } from './stages';

const f32 = Math.fround;

export interface AdaptiveThresholdLIFNeuronOptions extends LIFNeuronOptions {
  /** Increase of theta, the adaptive part of the threshold, per spike. */
  thetaPlus: PerNeuron;
  /** Decay of theta towards 0: a factor in [0, 1] (linear) or a time constant > 0 (exponential). */
  tauTheta: PerNeuron;
}

const STAGES = [...IF_STAGES, 'updateTheta'] as const;

/**
 * The theta update of docs/semantics.md, "One neuron step", step 5b, one float32
 * operation at a time, in place: linear `theta * tauTheta + thetaPlus * s`,
 * exponential `(theta - (dt / tauTheta) * theta) + thetaPlus * s`.
 */
export function thetaStep(state: Slab, spikes: ArrayLike<number>, dt: number, update: UpdateType): void {
  const { theta, params } = state;
  for (let i = 0; i < theta.length; i++) {
    const increment = f32(valueAt(params.thetaPlus!, i) * spikes[i]);
    const tau = valueAt(params.tauTheta!, i);
    theta[i] =
      update === 'linear'
        ? f32(f32(theta[i] * tau) + increment)
        : f32(f32(theta[i] - f32(f32(dt / tau) * theta[i])) + increment);
  }
}

/**
 * LIF neuron with an adaptive threshold on top of a fixed one (Diehl & Cook
 * 2015): it spikes when its voltage reaches thresh + theta; theta grows by
 * thetaPlus per spike and decays towards 0 with tauTheta; thresh never changes.
 * theta is kept by resetState (it is what the neuron learned about its own
 * activity) and set back to 0 by resetTheta and initNeuron.
 */
export class AdaptiveThresholdLIFNeuron extends BaseNeuron {
  constructor(options: AdaptiveThresholdLIFNeuronOptions) {
    super(validatedSpec('AdaptiveThresholdLIFNeuron', options));
  }

  /** The adaptive part of each neuron's threshold, live (the threshold used is thresh + theta). */
  get theta(): Float32Array {
    return this.state.theta;
  }

  /** Marks the neurons whose voltage reached thresh + theta and returns the spikes. */
  override spiking(): Uint8Array {
    const { vCell, thresh, theta, spikes } = this.state;
    for (let i = 0; i < spikes.length; i++) spikes[i] = vCell[i] >= f32(thresh[i] + theta[i]) ? 1 : 0;
    return spikes;
  }

  /** Updates the trace with this step's spikes. */
  override updateTrace(spikes: Uint8Array | Float32Array): void {
    this.traceStep(spikes);
  }

  /** Leaks towards vRest and integrates the current, where not refractory. */
  override updateVoltage(current: Float32Array): void {
    lifVoltage(this.state, current, this.vRest, this.dt, this.updateType);
  }

  /** Decays theta towards 0 and raises it by thetaPlus where the neuron spiked. */
  updateTheta(spikes: Uint8Array | Float32Array): void {
    thetaStep(this.state, spikes, this.dt, this.updateType);
  }

  /** Sets theta back to 0; with a mask, of the selected samples only. */
  resetTheta(mask?: SampleMask): void {
    this.guard.check(this, 'resetTheta');
    for (const [from, to] of this.sampleRanges(mask)) this.state.theta.fill(0, from, to);
  }

  /** resetState(), resetThresh() and resetTheta(). */
  override initNeuron(): void {
    super.initNeuron();
    this.resetTheta();
  }

  protected override adaptThreshold(spikes: Uint8Array): void {
    this.updateTheta(spikes);
  }

  protected override get runKind(): RunKind {
    return THETA_RUN;
  }
}

defineLayerClass('AdaptiveThresholdLIFNeuron', AdaptiveThresholdLIFNeuron, STAGES);
