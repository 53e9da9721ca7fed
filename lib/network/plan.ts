import { native } from '../binding';
import { AdaptiveLIFNeuron } from '../layers/adaptive-lif-neuron';
import { AdaptiveThresholdLIFNeuron } from '../layers/adaptive-threshold-lif-neuron';
import { FedeNeuron } from '../layers/fede-neuron';
import { IFNeuron } from '../layers/if-neuron';
import { Input } from '../layers/input';
import { LIFNeuron } from '../layers/lif-neuron';
import { layerSlab } from '../state/layer-record';
import { LatencyEncoder, PoissonEncoder, type Encoder, type NativeSource } from './encoders';
import { Linear } from './linear';
import { FedeSTDP } from '../learning/fede-stdp';
import type { LearningRule } from '../learning/learning-rule';
import { MSTDPET } from '../learning/mstdpet';
import { PairSTDP } from '../learning/pair-stdp';

/**
 * The network engine's compiler: turns a network's layers and connections
 * into the plan that native/runtime/plan.cpp steps, many steps per call
 * (native/binding/network.cpp checks it). A network has a plan when every
 * part has a native form: library layers (Input, IFNeuron, LIFNeuron,
 * AdaptiveLIFNeuron, FedeNeuron, AdaptiveThresholdLIFNeuron) whose methods nobody overrides and that do
 * not store their spike history, Linear connections, and Poisson or latency
 * encoders. Anything else runs step by step in JavaScript, with the same bits.
 */

/** What the plan needs of a network layer (network.ts's nodes). */
export interface PlanNode {
  name: string;
  layer: object;
  x: Uint8Array | null;
  source: Encoder | null;
  current: Float32Array | null;
  zeros: Float32Array | null;
}

/** A connection's learning rule as the plan runs it (network.ts's connect options). */
export interface PlanLearning {
  rule: LearningRule;
  /** The rule's layer whose connection this is. */
  layer: string;
  /** Normalise the weights to `total` after every step t with (t + 1) % every === 0; 0: never. */
  every: number;
  total: number;
}

/** What the plan needs of a connection (network.ts's edges), in connection order. */
export interface PlanEdge {
  name: string;
  connection: Linear;
  from: number;
  to: number;
  /** Null when the connection does not learn (or learning is off for the run). */
  learning: PlanLearning | null;
}

/** native/runtime/plan_learning.hpp RuleKind. */
const RULE_KINDS = { pair: 1, mstdpet: 2, fede: 3 } as const;
const RULE_CLASSES: readonly object[] = [PairSTDP, MSTDPET, FedeSTDP].map((c) => c.prototype);

type NativeRule = [Float64Array, Float32Array | Uint32Array | null, Float32Array | Uint32Array | null, Float32Array | Uint32Array | null, Float64Array | null];

/** A layer variable the engine copies after each step (native/runtime/plan.hpp TapVariable). */
export const TAP_VARIABLES = ['spikes', 'vCell', 'trace', 'thresh', 'refracCounts', 'theta'] as const;
export type TapVariable = (typeof TAP_VARIABLES)[number];

/** One tap: layer index, variable, and the steps x n array it fills. */
export interface Tap {
  layer: number;
  variable: TapVariable;
  out: Uint8Array | Float32Array;
}

/** A count tap: layer index and its [batch][n] counts, which every step adds its spikes to (SpikeCounter). */
export interface CountTap {
  layer: number;
  variable: 'spikeCounts';
  out: Uint32Array;
}

/** native/runtime/plan.hpp TapVariable::SpikeCounts: the tap that adds instead of copying. */
const SPIKE_COUNTS = TAP_VARIABLES.length;

type NativeLayer = [ArrayBuffer, Uint8Array | null, Float32Array | null, Float32Array | null, Float64Array, number[], NativeSource | null];

interface EngineBinding {
  networkRun(
    layers: NativeLayer[],
    connections: [ArrayBuffer, number, number][],
    taps: NativeTap[],
    first: number,
    steps: number,
    rules: NativeRule[],
  ): void;
  networkRunAsync(
    layers: NativeLayer[],
    connections: [ArrayBuffer, number, number][],
    taps: NativeTap[],
    first: number,
    steps: number,
    control: Int32Array,
    rules: NativeRule[],
  ): Promise<number>;
}
const engine = native as unknown as EngineBinding;

const NATIVE_LAYERS: readonly object[] = [Input, IFNeuron, LIFNeuron, AdaptiveLIFNeuron, FedeNeuron, AdaptiveThresholdLIFNeuron].map((c) => c.prototype);

/** Every property key `in` a library prototype (its chain up to Object.prototype), listed once per prototype. */
const baseKeys = new WeakMap<object, readonly PropertyKey[]>();

function keysIn(base: object): readonly PropertyKey[] {
  let keys = baseKeys.get(base);
  if (!keys) {
    const all = new Set<PropertyKey>();
    for (let p: object | null = base; p; p = Object.getPrototypeOf(p)) for (const key of Reflect.ownKeys(p)) all.add(key);
    all.delete('constructor');
    baseKeys.set(base, (keys = [...all]));
  }
  return keys;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * The name of a method or accessor of `base` that `instance` (or a class
 * between it and `base`) redefines; null when there is none. It runs on every
 * `run` call, so a method patched since the last one is seen. It asks each
 * object for the library's keys (about 45, listed once) rather than listing
 * the object's own: half the cost. A method added to the library's
 * prototypes after the first call is not among them; the plan does not
 * replace such a method anyway.
 */
function overridden(instance: object, base: object): string | null {
  const keys = keysIn(base);
  for (let p: object | null = instance; p && p !== base; p = Object.getPrototypeOf(p)) {
    for (let i = 0; i < keys.length; i++) {
      if (!hasOwn.call(p, keys[i])) continue;
      const d = Reflect.getOwnPropertyDescriptor(p, keys[i])!;
      if (typeof d.value === 'function' || d.get || d.set) return String(keys[i]);
    }
  }
  return null;
}

function libraryPrototype(instance: object, bases: readonly object[]): object | null {
  for (let p = Object.getPrototypeOf(instance); p; p = Object.getPrototypeOf(p)) if (bases.includes(p)) return p;
  return null;
}

/** Why a layer has no native form, or null when it has one. */
function layerObstacle(node: PlanNode): string | null {
  const base = libraryPrototype(node.layer, NATIVE_LAYERS);
  if (!base) return `layer "${node.name}" is not one of the library's layer classes`;
  const method = overridden(node.layer, base);
  if (method) return `layer "${node.name}" overrides ${method}`;
  if ((node.layer as { storeTrace?: boolean }).storeTrace) return `layer "${node.name}" stores its spike history (storeTrace)`;
  return null;
}

function sourceObstacle(node: PlanNode): string | null {
  const source = node.source;
  if (!source) return null;
  const base = libraryPrototype(source, [PoissonEncoder.prototype, LatencyEncoder.prototype]);
  if (!base) return `the source of layer "${node.name}" is not a PoissonEncoder or LatencyEncoder`;
  const method = overridden(source, base);
  return method ? `the source of layer "${node.name}" overrides ${method}` : null;
}

/** Why a connection's rule has no native form, or null when it has one. */
function ruleObstacle(e: PlanEdge): string | null {
  if (!e.learning) return null;
  const { rule } = e.learning;
  const base = libraryPrototype(rule, RULE_CLASSES);
  if (!base) return `the learning rule of connection "${e.name}" is not PairSTDP, MSTDPET or FedeSTDP`;
  const method = overridden(rule, base);
  return method ? `the learning rule of connection "${e.name}" overrides ${method}` : null;
}

/** The rules of a plan (native/binding/plan_rules.cpp's layouts), their rewards slot left for run(). */
function nativeRules(edges: readonly PlanEdge[]): NativeRule[] {
  const rules: NativeRule[] = [];
  edges.forEach((e, c) => {
    if (!e.learning) return;
    const { kind, params, arrays } = e.learning.rule.engineLayer(e.learning.layer)!;
    const head = Float64Array.of(RULE_KINDS[kind], c, e.learning.total, e.learning.every, ...params);
    const kept = kind === 'pair' ? null : e.connection.keptTraceBuffer();
    const [a0, a1, a2] = arrays;
    if (kind === 'pair') rules.push([head, a0, a1, a2, null]);
    else if (kind === 'mstdpet') rules.push([head, a0, a1, kept, null]);
    else rules.push([head, a0, kept, null, null]);
  });
  return rules;
}

/** The rules with this call's rewards: one for every step, or one per step of the call. */
function withRewards(rules: readonly NativeRule[], rewards: Float64Array): NativeRule[] {
  return rules.map((r) => (r[0][0] === RULE_KINDS.mstdpet ? [r[0], r[1], r[2], r[3], rewards] : r));
}

const NO_REWARD = Float64Array.of(0);

type NativeTap = [number, number, Uint8Array | Float32Array | Uint32Array];

function nativeTaps(taps: readonly (Tap | CountTap)[]): NativeTap[] {
  return taps.map((t) => [t.layer, t.variable === 'spikeCounts' ? SPIKE_COUNTS : TAP_VARIABLES.indexOf(t.variable), t.out]);
}

/** A network compiled for the engine. Holds the live buffers; compile again when the network changes. */
export class NetworkPlan {
  /** Whether an input layer has an encoder (whose counter word is the step: steps stay below 2^32). */
  readonly encodes: boolean;

  private constructor(
    private readonly nodes: readonly PlanNode[],
    private readonly layers: NativeLayer[],
    private readonly connections: [ArrayBuffer, number, number][],
    private readonly linears: readonly Linear[],
    private readonly rules: readonly NativeRule[],
    private readonly ruleObjects: readonly LearningRule[],
  ) {
    this.encodes = layers.some((l) => l[6] !== null);
  }

  /**
   * The plan of a network, or the reason it has none (then the network steps
   * in JavaScript). `counts` are the per-sample spike counts the run adds to.
   * Throws, like forward would, when a layer or a connection is busy with a runAsync.
   */
  static compile(nodes: readonly PlanNode[], edges: readonly PlanEdge[], counts: readonly Float64Array[]): NetworkPlan | string {
    for (const node of nodes) {
      const obstacle = layerObstacle(node) ?? sourceObstacle(node);
      if (obstacle) return obstacle;
    }
    for (const e of edges) {
      const method = overridden(e.connection, Linear.prototype);
      if (method) return `connection "${e.name}" overrides ${method}`;
      const obstacle = ruleObstacle(e);
      if (obstacle) return obstacle;
    }
    const layers = nodes.map((node, k): NativeLayer => {
      const incoming = edges.flatMap((e, c) => (e.to === k ? [c] : []));
      const source = node.source ? (node.source as PoissonEncoder | LatencyEncoder).nativeSource() : null;
      const slab = layerSlab(node.layer, 'forward').buffer;
      return [slab, node.x, node.current, node.zeros, counts[k], incoming, source];
    });
    for (const e of edges) e.connection.guard.check(e.connection, 'forward');
    const rules = [...new Set(edges.flatMap((e) => (e.learning ? [e.learning.rule] : [])))];
    for (const rule of rules) rule.guard.check(rule, 'step');
    const connections = edges.map((e): [ArrayBuffer, number, number] => [e.connection.buffer, e.from, e.to]);
    return new NetworkPlan(nodes, layers, connections, edges.map((e) => e.connection), nativeRules(edges), rules);
  }

  /**
   * Runs steps [first, first + steps) natively; each tap receives steps x n
   * values (a count tap: each step's spikes added to its n counts).
   * rewards: MSTDPET's reward, one for every step or one per step.
   */
  run(first: number, steps: number, taps: readonly (Tap | CountTap)[] = [], rewards: Float64Array = NO_REWARD): void {
    for (const node of this.nodes) layerSlab(node.layer, 'forward'); // a layer may have become busy since
    for (const linear of this.linears) linear.guard.check(linear, 'forward'); // so may a connection
    for (const rule of this.ruleObjects) rule.guard.check(rule, 'step'); // or a rule
    engine.networkRun(this.layers, this.connections, nativeTaps(taps), first, steps, withRewards(this.rules, rewards));
  }

  /**
   * run() on a libuv thread, on the network's own buffers (the caller keeps
   * the layers busy meanwhile). control: an Int32Array of 2 on a
   * SharedArrayBuffer; Atomics.store(control, 0, 1) stops the run at the next
   * step boundary; control[1] counts the steps done. Resolves with the steps run.
   */
  runAsync(first: number, steps: number, taps: readonly (Tap | CountTap)[], control: Int32Array, rewards: Float64Array = NO_REWARD): Promise<number> {
    return engine.networkRunAsync(this.layers, this.connections, nativeTaps(taps), first, steps, control, withRewards(this.rules, rewards));
  }

  /** The rules the plan steps (held busy by runAsync). */
  get rulesUsed(): readonly LearningRule[] {
    return this.ruleObjects;
  }

  /** The layers the plan steps. */
  get layerObjects(): object[] {
    return this.nodes.map((n) => n.layer);
  }
}
