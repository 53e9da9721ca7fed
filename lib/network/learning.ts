// The learning part of a Network (docs/learning.md, "In a network"): what
// connect() checks of a rule, what a run checks of its learning options, and
// what the JavaScript stepping path does after each step. The engine's native
// hook (native/runtime/plan_learning.cpp) does the same natively.
import { invalidParameter } from '../errors';
import { LearningRule } from '../learning/learning-rule';
import { MSTDPET } from '../learning/mstdpet';
import { normalizeWeights } from '../learning/normalize';
import type { Linear } from './linear';
import type { PlanLearning } from './plan';

/** Learning in a run or step (docs/learning.md, "In a network"). */
export interface NetworkLearningOptions {
  /** Whether the connections' learning rules run (default true); false: a test phase, weights and rule state untouched. */
  learning?: boolean;
  /**
   * MSTDPET's reward: one number for every step, or one per step of the run.
   * After each step whose reward is not 0 the rule takes step(reward); 0 (the
   * default) only moves its eligibility traces.
   */
  reward?: number | ArrayLike<number>;
}

/** The learning of a connection (connect's options). */
export interface ConnectionLearning {
  /** The rule; one of its layers must be this connection and the layer it targets. */
  rule: LearningRule;
  /**
   * Weight normalisation: each target neuron's incoming weights rescaled to sum
   * to `total` (normalizeWeights) before the first step of every run
   * (`every: 'run'`, the default), or after every step t with (t + 1) % every === 0.
   */
  normalize?: { total: number; every?: 'run' | number };
}

/** A connection's learning: its rule, the rule's layer name for it, and the normalisation. */
export interface EdgeLearning {
  rule: LearningRule;
  layer: string;
  normalize: { total: number; every: 'run' | number } | null;
}

/** What this module needs of a network's connection. */
export interface LearningEdge {
  name: string;
  connection: Linear;
  learning: EdgeLearning | null;
}

/** A run's checked learning options: the rewards, one for every step or one per step. */
export interface RunLearning {
  rewards: Float64Array;
  /** The reward of step k of the run. */
  at(k: number): number;
  /** The rewards of steps [done, done + n) as the engine takes them (one number stands for every step). */
  slice(done: number, n: number): Float64Array;
}

/** The network each rule was connected into: a rule trains in one network only. */
const ruleOwners = new WeakMap<LearningRule, object>();

/**
 * connect's learning options checked (null without a rule): the rule's layer
 * for this connection, its neuron the connection's target, and the
 * normalisation. Nothing is recorded: connect calls claimRule once the
 * connection is in.
 */
export function connectionLearning(
  network: object,
  name: string,
  connection: Linear,
  target: { name: string; layer: unknown },
  options: { learning?: unknown; normalize?: unknown },
): EdgeLearning | null {
  const { learning: rule, normalize } = options;
  if (rule === undefined) {
    if (normalize !== undefined) throw invalidParameter(`connection "${name}" normalize`, 'nothing without a learning rule (normalizeWeights() normalises by hand)', normalize);
    return null;
  }
  if (!(rule instanceof LearningRule)) throw invalidParameter(`connection "${name}" learning`, 'a learning rule (PairSTDP, MSTDPET, FedeSTDP or a LearningRule)', rule);
  const owner = ruleOwners.get(rule);
  if (owner !== undefined && owner !== network) {
    throw new RangeError(`Connection "${name}": its learning rule already trains connections of another network; a rule trains in one network only`);
  }
  const layers = [...rule.layers].filter(([, l]) => l.connection === connection);
  if (layers.length !== 1) {
    const got = layers.length ? `${layers.length} (${layers.map(([n]) => JSON.stringify(n)).join(', ')})` : 'none';
    throw new RangeError(`Expected the learning rule of connection "${name}" to have exactly one layer whose connection is this connection, but it has ${got}`);
  }
  const [[layer, { neuron }]] = layers;
  if (neuron !== target.layer) {
    throw new RangeError(
      `Expected layer ${JSON.stringify(layer)} of the learning rule of connection "${name}" to have this connection's target, layer "${target.name}", as its neuron, but it has another neuron layer`,
    );
  }
  const checked = normalize === undefined ? null : checkNormalize(name, normalize);
  return { rule, layer, normalize: checked };
}

/** Records `network` as the owner of the rule of a connection it now has (connectionLearning checked it was free). */
export function claimRule(network: object, learning: EdgeLearning | null): void {
  if (learning) ruleOwners.set(learning.rule, network);
}

/** The rules of the network, each once, in the order of their first connection. */
export function rulesOf(edges: readonly LearningEdge[]): LearningRule[] {
  return [...new Set(edges.flatMap((e) => (e.learning ? [e.learning.rule] : [])))];
}

/** Each rule with the name of its first connection, under which its state is saved. */
export function ruleEntries(edges: readonly LearningEdge[]): [string, LearningRule][] {
  return rulesOf(edges).map((rule) => [edges.find((e) => e.learning?.rule === rule)!.name, rule]);
}

/**
 * A run's learning options checked (null when nothing learns): every
 * layer of every rule connected here, the rewards finite for each MSTDPET.
 */
export function runLearning(edges: readonly LearningEdge[], options: NetworkLearningOptions, steps: number): RunLearning | null {
  const { learning = true, reward = 0 } = options;
  if (typeof learning !== 'boolean') throw invalidParameter('learning', 'true or false', learning);
  const rules = rulesOf(edges);
  if (!learning || rules.length === 0) {
    if (options.reward !== undefined && rules.length === 0) throw invalidParameter('reward', 'no reward: no connection of this network has a learning rule', reward);
    return null;
  }
  for (const rule of rules) {
    for (const [layer, { connection }] of rule.layers) {
      if (!edges.some((e) => e.learning?.rule === rule && e.connection === connection)) {
        throw new RangeError(
          `Expected every layer of a ${rule.constructor.name} rule to be a connection of this network connected with { learning: rule }, but layer ${JSON.stringify(layer)} is not`,
        );
      }
    }
  }
  let rewards: Float64Array;
  if (typeof reward === 'number') rewards = Float64Array.of(reward);
  else if ((ArrayBuffer.isView(reward) || Array.isArray(reward)) && reward.length === steps) rewards = Float64Array.from(reward);
  else throw invalidParameter('reward', `a number or ${steps} rewards (one per step)`, reward);
  for (const rule of rules) {
    if (!(rule instanceof MSTDPET)) continue;
    const bad = rewards.findIndex((r) => !Number.isFinite(Math.fround(rule.lr * r)));
    if (bad >= 0) {
      const what = rewards.length === 1 ? 'reward' : `reward[${bad}]`;
      throw invalidParameter(what, `a finite number whose product with lr (${rule.lr}) is finite in float32`, rewards[bad], 'range');
    }
  }
  const one = rewards.length === 1;
  return {
    rewards,
    at: (k) => rewards[one ? 0 : k],
    slice: (done, n) => (one ? rewards : rewards.subarray(done, done + n)),
  };
}

/**
 * The rules after one JavaScript step that brought the network to time `t`
 * (what the engine's hook does natively, in the same order per connection).
 */
export function learnAfterStep(edges: readonly LearningEdge[], t: number, reward: number): void {
  for (const rule of rulesOf(edges)) {
    rule.updateState();
    if (!(rule instanceof MSTDPET)) rule.step(reward);
    else if (reward !== 0) rule.step(reward);
  }
  for (const e of edges) {
    const every = e.learning?.normalize?.every;
    if (typeof every === 'number' && t % every === 0) normalizeWeights(e.connection, e.learning!.normalize!.total);
  }
}

/** normalize: { every: 'run' }, before a run's first step. */
export function normalizeForRun(edges: readonly LearningEdge[]): void {
  for (const e of edges) {
    if (e.learning?.normalize?.every === 'run') normalizeWeights(e.connection, e.learning.normalize.total);
  }
}

/** An edge's learning as the plan runs it ('run' normalisation is done before the run, in JavaScript). */
export function planLearning(e: LearningEdge): PlanLearning | null {
  if (!e.learning) return null;
  const every = e.learning.normalize?.every;
  return { rule: e.learning.rule, layer: e.learning.layer, every: typeof every === 'number' ? every : 0, total: e.learning.normalize?.total ?? 0 };
}

function checkNormalize(name: string, normalize: unknown): { total: number; every: 'run' | number } {
  const where = `connection "${name}" normalize`;
  if (typeof normalize !== 'object' || normalize === null) throw invalidParameter(where, "{ total, every?: 'run' | steps }", normalize);
  const unknown = Object.keys(normalize).find((k) => k !== 'total' && k !== 'every');
  if (unknown) throw new TypeError(`Unknown option ${JSON.stringify(unknown)} in ${where}; it has: total, every`);
  const { total, every = 'run' } = normalize as { total?: unknown; every?: unknown };
  if (typeof total !== 'number' || !Number.isFinite(Math.fround(total))) throw invalidParameter(`${where}.total`, 'a finite number (finite in float32)', total);
  if (every !== 'run' && !(typeof every === 'number' && Number.isSafeInteger(every) && every >= 1)) {
    throw invalidParameter(`${where}.every`, "'run' or a whole number of steps >= 1", every);
  }
  return { total, every: every as 'run' | number };
}
