import { native } from '../binding';
import { LearningRule, hyperParameter, knownOptions, type EngineRule, type RuleLayers } from './learning-rule';

export interface FedeSTDPOptions {
  /** The layers to train, by name. */
  layers: RuleLayers;
  /** Learning rate, > 0. */
  lr: number;
  /** The weight every synapse is drawn towards (PySNN's w_init). */
  wInit: number;
  /** Stability parameter, in [0, 1]. */
  a: number;
}

const f32 = Math.fround;
const OPTIONS = ['layers', 'lr', 'wInit', 'a'] as const;

/**
 * The STDP rule of Paredes-Valles et al. (PySNN's FedeSTDP): every step()
 * normalises the presynaptic trace by its largest value over the batch and
 * moves each weight by lr x the batch mean of
 * exp(-(w - wInit)) x (exp(t) - a) - exp(w - wInit) x (exp(1 - t) - a).
 * It has no state. When every presynaptic trace of a layer is 0 there is
 * nothing to normalise by: step() leaves that layer's weights unchanged
 * (PySNN divides 0 by 0 and writes NaN into them).
 */
export class FedeSTDP extends LearningRule {
  readonly lr: number;
  readonly wInit: number;
  readonly a: number;
  private readonly scratch = new Map<string, Float32Array>();

  constructor(options: FedeSTDPOptions) {
    const o = knownOptions(options, 'FedeSTDP', OPTIONS);
    const lr = hyperParameter(o, 'lr', { above: 0 });
    const wInit = hyperParameter(o, 'wInit');
    const a = hyperParameter(o, 'a', { min: 0, max: 1 });
    super(o.layers as RuleLayers, { lr, wInit, a });
    this.lr = lr;
    this.wInit = wInit;
    this.a = a;
    for (const [name, { connection: c }] of this.layers) this.scratch.set(name, new Float32Array(2 * c.batchSize * c.inFeatures));
  }

  /** Nothing to do: FedeSTDP has no state (PySNN's raises NotImplementedError; here a loop may call it on any rule). */
  override updateState(): void {}

  /** Nothing to do: FedeSTDP has no state (see updateState). */
  override resetState(): void {}

  /** @internal */
  override engineLayer(name: string): EngineRule {
    return { kind: 'fede', params: [this.lr, this.wInit, this.a], arrays: [this.scratch.get(name)!] };
  }

  /** One learning step on every layer, from its connection's last forward(). */
  override step(): void {
    this.guard.check(this, 'step');
    const views = [...this.layers].map(([name, layer]) => [name, this.synapses(name, layer)] as const);
    for (const [name, s] of views) {
      native.fedeStdp(s.weights, s.delays, s.ring, s.dims, s.preTrace, this.scratch.get(name)!, f32(this.lr), f32(this.wInit), f32(this.a));
    }
  }
}
