import { native } from '../binding';
import { invalidParameter } from '../errors';
import { LearningRule, hyperParameter, knownOptions, type EngineRule, type RuleLayers } from './learning-rule';

export interface MSTDPETOptions {
  /** The layers to train, by name. */
  layers: RuleLayers;
  /** Weight of potentiation in the eligibility trace: presynaptic trace x postsynaptic spike. */
  aPre: number;
  /** Weight of depression in the eligibility trace: presynaptic spike x postsynaptic trace. */
  aPost: number;
  /** Learning rate: step(reward) adds lr x reward x the batch mean of the trace. */
  lr: number;
  /** Factor the eligibility trace decays by at every updateState(), in [0, 1]. */
  eTraceDecay: number;
}

const f32 = Math.fround;
const OPTIONS = ['layers', 'aPre', 'aPost', 'lr', 'eTraceDecay'] as const;

interface State {
  /** e(b, o, i) at [(b * in + i) * stride + o]: the weights' input-major layout. */
  eTrace: Float32Array;
  /** The postsynaptic spikes and trace as float rows, [2][batch][stride]. */
  scratch: Float32Array;
}

/**
 * Reward-modulated STDP with eligibility traces (Florian 2007; PySNN's
 * MSTDPET). Each synapse keeps an eligibility trace per sample, which every
 * updateState() decays by eTraceDecay and moves by aPre x (presynaptic trace
 * x postsynaptic spike) minus aPost x (presynaptic spike x postsynaptic
 * trace); step(reward) adds lr x reward x its batch mean to the weight.
 * Float32, one rounding per operation, in PySNN's order: bit for bit PySNN's.
 */
export class MSTDPET extends LearningRule {
  readonly aPre: number;
  readonly aPost: number;
  readonly lr: number;
  readonly eTraceDecay: number;
  private readonly states = new Map<string, State>();

  constructor(options: MSTDPETOptions) {
    const o = knownOptions(options, 'MSTDPET', OPTIONS);
    const aPre = hyperParameter(o, 'aPre');
    const aPost = hyperParameter(o, 'aPost');
    const lr = hyperParameter(o, 'lr');
    const eTraceDecay = hyperParameter(o, 'eTraceDecay', { min: 0, max: 1 });
    super(o.layers as RuleLayers, { aPre, aPost, lr, eTraceDecay });
    this.aPre = aPre;
    this.aPost = aPost;
    this.lr = lr;
    this.eTraceDecay = eTraceDecay;
    for (const [name, { connection: c }] of this.layers) {
      this.states.set(name, {
        eTrace: new Float32Array(c.batchSize * c.inFeatures * c.stride),
        scratch: new Float32Array(2 * c.batchSize * c.stride),
      });
    }
  }

  /**
   * Moves every eligibility trace by the layers' last step: the connection's
   * last forward() (its presynaptic spikes and trace) and the neuron layer's
   * spikes and trace. Call it once per step, after the neurons stepped.
   */
  override updateState(): void {
    this.guard.check(this, 'updateState');
    const views = [...this.layers].map(([name, layer]) => [this.synapses(name, layer), layer, this.states.get(name)!] as const);
    for (const [s, layer, state] of views) {
      native.mstdpetUpdate(
        s.weights, s.delays, s.ring, s.dims, s.preTrace, layer.neuron.spikes, layer.neuron.trace,
        state.eTrace, state.scratch, this.aPre, this.aPost, this.eTraceDecay,
      );
    }
  }

  /** Adds lr x reward x (the eligibility trace's batch mean) to every weight. */
  override step(reward: number): void {
    this.guard.check(this, 'step');
    if (typeof reward !== 'number' || !Number.isFinite(reward)) {
      throw invalidParameter('reward', 'a finite number', reward, typeof reward === 'number' ? 'range' : 'type');
    }
    const scale = f32(this.lr * reward);
    if (!Number.isFinite(scale)) throw invalidParameter('reward', `a number whose product with lr (${this.lr}) is finite in float32`, reward, 'range');
    for (const [name, layer] of this.layers) {
      const s = layer.connection.synapses();
      native.mstdpetStep(s.weights, s.delays, s.ring, s.dims, this.states.get(name)!.eTrace, scale);
    }
  }

  /** Sets every eligibility trace to 0. */
  override resetState(): void {
    this.guard.check(this, 'resetState');
    for (const state of this.states.values()) state.eTrace.fill(0);
  }

  /** @internal */
  override engineLayer(name: string): EngineRule {
    const s = this.states.get(name)!;
    return { kind: 'mstdpet', params: [this.aPre, this.aPost, this.eTraceDecay, this.lr], arrays: [s.eTrace, s.scratch] };
  }

  /** @internal */
  protected override layerState(name: string): Record<string, Float32Array> {
    return { eTrace: this.eTrace(name) };
  }

  /** @internal */
  protected override restoreLayerState(name: string, arrays: Record<string, Float32Array>): void {
    const { connection: c } = this.layers.get(name)!;
    const { eTrace } = this.states.get(name)!;
    const { batchSize: batch, outFeatures: outF, inFeatures: inF, stride } = c;
    const from = arrays.eTrace;
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < inF; i++) {
        const row = (b * inF + i) * stride;
        for (let o = 0; o < outF; o++) eTrace[row + o] = from[(b * outF + o) * inF + i];
      }
    }
  }

  /** The eligibility trace of a layer, (batch, out, in) row-major: a copy. */
  eTrace(name: string): Float32Array {
    this.guard.check(this, 'eTrace');
    const { connection: c } = this.layer(name);
    const { eTrace } = this.states.get(name)!;
    const { batchSize: batch, outFeatures: outF, inFeatures: inF, stride } = c;
    const out = new Float32Array(batch * outF * inF);
    for (let b = 0; b < batch; b++) {
      for (let i = 0; i < inF; i++) {
        const row = (b * inF + i) * stride;
        for (let o = 0; o < outF; o++) out[(b * outF + o) * inF + i] = eTrace[row + o];
      }
    }
    return out;
  }
}
