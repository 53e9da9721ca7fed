import { FedeSTDP } from '../learning/fede-stdp';
import type { LearningRule } from '../learning/learning-rule';
import { MSTDPET } from '../learning/mstdpet';
import { PairSTDP } from '../learning/pair-stdp';
import type { BaseNeuron } from '../layers/base-neuron';
import type { Linear } from '../network/linear';
import type { ConnectOptions } from '../network/network';

/** A connection's `learning` block in an experiment file (schema/experiment.schema.json#/definitions/learning). */
export interface LearningSpec {
  rule: 'PairSTDP' | 'MSTDPET' | 'FedeSTDP';
  normalize?: { total: number; every?: 'run' | number };
  [hyperParameter: string]: unknown;
}

/** The experiment's top-level `learning` block: how the run treats the rules. */
export interface RunLearningSpec {
  enabled?: boolean;
  reward?: number;
}

const RULES: Record<LearningSpec['rule'], new (options: never) => LearningRule> = { PairSTDP, MSTDPET, FedeSTDP };

/**
 * The rule of a connection's learning block, trained on that connection and
 * its target, as connect's options. The rule's constructor checks the
 * hyper-parameters; its errors name the one at fault.
 */
export function learningOptions(spec: LearningSpec, connection: Linear, neuron: BaseNeuron, name: string): ConnectOptions {
  const { rule, normalize, ...hyper } = spec;
  const Rule = RULES[rule];
  const learning = new Rule({ layers: { [name]: { connection, neuron } }, ...hyper } as never);
  return { name, learning, ...(normalize ? { normalize } : {}) };
}

/** The run options of the top-level learning block. */
export function runLearning(spec: RunLearningSpec | undefined): { learning?: boolean; reward?: number } {
  return { ...(spec?.enabled !== undefined ? { learning: spec.enabled } : {}), ...(spec?.reward !== undefined ? { reward: spec.reward } : {}) };
}
