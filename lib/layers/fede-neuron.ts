import { invalidParameter } from '../errors';
import { BaseNeuron, type BaseNeuronOptions } from './base-neuron';
import { defineLayerClass, type StepResult } from './layer';
import { checkFedeInputs, concatLast, sumLast, type NeuronInput } from './neuron-input';
import type { RunOptions } from './run';
import { validatedSpec } from './stage-checks';
import type { PerNeuron } from './options';
import { lifVoltage } from './stages';

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
    // LIF's exponential update, driven by the difference.
    lifVoltage(this.state, sumLast(x, this.size, preTrace), this.vRest, this.dt, 'exponential');
  }

  /**
   * One step. x and preTrace: Float32Arrays of the same layout (*cellsShape, k),
   * or lists of them with matching widths. Returns live views of spikes and trace.
   */
  override forward(x: NeuronInput, preTrace: NeuronInput): StepResult {
    checkFedeInputs(x, preTrace, this.size, this.cellsShape);
    if (!this.fusedStep(x, preTrace)) {
      const [xs, pre] = this.fold(x, preTrace);
      this.updateVoltage(xs, pre);
      const spikes = this.spiking();
      this.updateTrace(this.convertSpikes(spikes));
      this.refrac(spikes);
      if (this.storeTrace) this.concatTrace(spikes);
    }
    return this.result;
  }

  /** @internal run takes (x, preTrace, options). */
  protected override runArguments(rest: readonly unknown[]): [unknown, RunOptions] {
    if (rest.length < 2 && !(rest[0] instanceof Float32Array)) {
      throw invalidParameter('preTrace', 'a Float32Array of the length of x (FedeNeuron.run takes x, preTrace and the options)', rest[0]);
    }
    return [rest[0], rest[1] as RunOptions];
  }
}

defineLayerClass('FedeNeuron', FedeNeuron, STAGES);
