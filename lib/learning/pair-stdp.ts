import { native } from '../binding';
import { invalidParameter } from '../errors';
import { LearningRule, hyperParameter, knownOptions, type EngineRule, type RuleLayers } from './learning-rule';

export interface PairSTDPOptions {
  /** The layers to train, by name (connections without per-synapse delays). */
  layers: RuleLayers;
  /** Time constant of the presynaptic trace, in the connection's dt units, > 0. */
  tauPre: number;
  /** Time constant of the postsynaptic trace, > 0. */
  tauPost: number;
  /** Potentiation: a postsynaptic spike adds aPlus x the presynaptic trace (soft bound: x (wMax - w)). */
  aPlus: number;
  /** Depression: an arriving presynaptic spike subtracts aMinus x the postsynaptic trace (soft bound: x (w - wMin)). */
  aMinus: number;
  /** Lowest weight. Default 0. */
  wMin?: number;
  /** Highest weight. Default 1. */
  wMax?: number;
  /** 'additive' (hard bounds only, the default) or 'multiplicative' (soft bounds). */
  update?: 'additive' | 'multiplicative';
  /** On a spike the trace gains 1 ('add', all-to-all pairing, the default) or becomes 1 ('set', nearest spike). */
  trace?: 'add' | 'set';
}

const f32 = Math.fround;
const OPTIONS = ['layers', 'tauPre', 'tauPost', 'aPlus', 'aMinus', 'wMin', 'wMax', 'update', 'trace'] as const;

interface State {
  /** (batch, in). */
  pre: Float32Array;
  /** [batch][stride]: the weights' padded row length, 0 past outFeatures. */
  post: Float32Array;
  /** Scratch for the arrivals of a step: batch x in + batch + 1. */
  arrivals: Uint32Array;
  decayPre: number;
  decayPost: number;
}

/**
 * Trace-based pair STDP (Song, Miller & Abbott 2000; Brian2's STDP example;
 * BindsNET's PostPre). Each input and each neuron keeps a trace that decays
 * by exp(-dt / tau) per step and grows by each spike. updateState() moves the
 * traces by the last step; step() then depresses the synapses of the inputs
 * whose spikes arrived (by aMinus x the postsynaptic trace) and potentiates
 * those of the neurons that spiked (by aPlus x the presynaptic trace), and
 * clips every changed weight to [wMin, wMax]. Event driven: a step costs
 * (arriving spikes x outputs + postsynaptic spikes x inputs) synapse updates.
 */
export class PairSTDP extends LearningRule {
  readonly tauPre: number;
  readonly tauPost: number;
  readonly aPlus: number;
  readonly aMinus: number;
  readonly wMin: number;
  readonly wMax: number;
  readonly update: 'additive' | 'multiplicative';
  readonly trace: 'add' | 'set';
  private readonly states = new Map<string, State>();

  constructor(options: PairSTDPOptions) {
    const o = knownOptions(options, 'PairSTDP', OPTIONS);
    const tauPre = hyperParameter(o, 'tauPre', { above: 0 });
    const tauPost = hyperParameter(o, 'tauPost', { above: 0 });
    const aPlus = hyperParameter(o, 'aPlus');
    const aMinus = hyperParameter(o, 'aMinus');
    const wMin = o.wMin === undefined ? 0 : hyperParameter(o, 'wMin');
    const wMax = o.wMax === undefined ? 1 : hyperParameter(o, 'wMax');
    if (!(f32(wMin) <= f32(wMax))) throw invalidParameter('wMax', `a number >= wMin (${wMin})`, wMax, 'range');
    const update = o.update ?? 'additive';
    if (update !== 'additive' && update !== 'multiplicative') throw invalidParameter('update', '"additive" or "multiplicative"', update, 'range');
    const trace = o.trace ?? 'add';
    if (trace !== 'add' && trace !== 'set') throw invalidParameter('trace', '"add" or "set"', trace, 'range');
    super(o.layers as RuleLayers, { tauPre, tauPost, aPlus, aMinus, wMin, wMax });
    this.tauPre = tauPre;
    this.tauPost = tauPost;
    this.aPlus = aPlus;
    this.aMinus = aMinus;
    this.wMin = wMin;
    this.wMax = wMax;
    this.update = update;
    this.trace = trace;
    for (const [name, { connection: c }] of this.layers) {
      if (c.synapses().delays) {
        throw invalidParameter(`layers.${name}.connection`, 'a connection without per-synapse delays (one delay for every synapse)', c, 'range');
      }
      this.states.set(name, {
        pre: new Float32Array(c.batchSize * c.inFeatures),
        post: new Float32Array(c.batchSize * c.stride),
        arrivals: new Uint32Array(c.batchSize * c.inFeatures + c.batchSize + 1),
        decayPre: f32(Math.exp(-c.dt / tauPre)),
        decayPost: f32(Math.exp(-c.dt / tauPost)),
      });
    }
  }

  /**
   * Moves the traces by the layers' last step: each decays (x = x * exp(-dt / tau)),
   * then gains 1 (or becomes 1) where a spike came: the spikes that arrived
   * through the connection at its last step, and the neuron layer's spikes.
   */
  override updateState(): void {
    this.guard.check(this, 'updateState');
    for (const [name, layer] of this.layers) {
      const s = layer.connection.synapses();
      const state = this.states.get(name)!;
      native.pairTraces(s.weights, s.delays, s.ring, s.dims, layer.neuron.spikes, state.pre, state.post, state.decayPre, state.decayPost, this.trace === 'set');
    }
  }

  /** Changes the weights of the synapses the last step's spikes touched (see the class). */
  override step(): void {
    this.guard.check(this, 'step');
    const multiplicative = this.update === 'multiplicative';
    for (const [name, layer] of this.layers) {
      const s = layer.connection.synapses();
      const state = this.states.get(name)!;
      native.pairStdp(
        s.weights, s.delays, s.ring, s.dims, layer.neuron.spikes, state.pre, state.post, state.arrivals,
        this.aPlus, this.aMinus, this.wMin, this.wMax, multiplicative,
      );
    }
  }

  /** Sets every trace to 0. */
  override resetState(): void {
    this.guard.check(this, 'resetState');
    for (const state of this.states.values()) {
      state.pre.fill(0);
      state.post.fill(0);
    }
  }

  /** @internal */
  override engineLayer(name: string): EngineRule {
    const s = this.states.get(name)!;
    const params = [s.decayPre, s.decayPost, this.trace === 'set' ? 1 : 0, this.aPlus, this.aMinus, this.wMin, this.wMax, this.update === 'multiplicative' ? 1 : 0];
    return { kind: 'pair', params, arrays: [s.pre, s.post, s.arrivals] };
  }

  /** @internal */
  protected override modes(): string {
    return `update=${this.update},trace=${this.trace}`;
  }

  /** @internal */
  protected override layerState(name: string): Record<string, Float32Array> {
    return { preTrace: this.preTrace(name), postTrace: this.postTrace(name) };
  }

  /** @internal */
  protected override restoreLayerState(name: string, arrays: Record<string, Float32Array>): void {
    const { connection: c } = this.layers.get(name)!;
    const state = this.states.get(name)!;
    state.pre.set(arrays.preTrace);
    for (let b = 0; b < c.batchSize; b++) state.post.set(arrays.postTrace.subarray(b * c.outFeatures, (b + 1) * c.outFeatures), b * c.stride);
  }

  /** A layer's presynaptic traces, (batch, in): a copy. */
  preTrace(name: string): Float32Array {
    this.guard.check(this, 'preTrace');
    this.layer(name);
    return this.states.get(name)!.pre.slice();
  }

  /** A layer's postsynaptic traces, (batch, out): a copy. */
  postTrace(name: string): Float32Array {
    this.guard.check(this, 'postTrace');
    const { connection: c } = this.layer(name);
    const { post } = this.states.get(name)!;
    const out = new Float32Array(c.batchSize * c.outFeatures);
    for (let b = 0; b < c.batchSize; b++) out.set(post.subarray(b * c.stride, b * c.stride + c.outFeatures), b * c.outFeatures);
    return out;
  }
}
