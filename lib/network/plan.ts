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

/** What the plan needs of a connection (network.ts's edges), in connection order. */
export interface PlanEdge {
  name: string;
  connection: Linear;
  from: number;
  to: number;
}

/** A layer variable the engine copies after each step (native/runtime/plan.hpp TapVariable). */
export const TAP_VARIABLES = ['spikes', 'vCell', 'trace', 'thresh', 'refracCounts', 'theta'] as const;
export type TapVariable = (typeof TAP_VARIABLES)[number];

/** One tap: layer index, variable, and the steps x n array it fills. */
export interface Tap {
  layer: number;
  variable: TapVariable;
  out: Uint8Array | Float32Array;
}

type NativeLayer = [ArrayBuffer, Uint8Array | null, Float32Array | null, Float32Array | null, Float64Array, number[], NativeSource | null];

interface EngineBinding {
  networkRun(
    layers: NativeLayer[],
    connections: [ArrayBuffer, number, number][],
    taps: [number, number, Uint8Array | Float32Array][],
    first: number,
    steps: number,
  ): void;
  networkRunAsync(
    layers: NativeLayer[],
    connections: [ArrayBuffer, number, number][],
    taps: [number, number, Uint8Array | Float32Array][],
    first: number,
    steps: number,
    control: Int32Array,
  ): Promise<number>;
}
const engine = native as unknown as EngineBinding;

const NATIVE_LAYERS: readonly object[] = [Input, IFNeuron, LIFNeuron, AdaptiveLIFNeuron, FedeNeuron, AdaptiveThresholdLIFNeuron].map((c) => c.prototype);

/**
 * The name of a method or accessor of `base` that `instance` (or a class
 * between it and `base`) redefines; null when there is none.
 */
function overridden(instance: object, base: object): string | null {
  for (let p: object | null = instance; p && p !== base; p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === 'constructor' || !(key in base)) continue;
      const d = Object.getOwnPropertyDescriptor(p, key)!;
      if (typeof d.value === 'function' || d.get || d.set) return String(key);
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

function nativeTaps(taps: readonly Tap[]): [number, number, Uint8Array | Float32Array][] {
  return taps.map((t) => [t.layer, TAP_VARIABLES.indexOf(t.variable), t.out]);
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
    }
    const layers = nodes.map((node, k): NativeLayer => {
      const incoming = edges.flatMap((e, c) => (e.to === k ? [c] : []));
      const source = node.source ? (node.source as PoissonEncoder | LatencyEncoder).nativeSource() : null;
      const slab = layerSlab(node.layer, 'forward').buffer;
      return [slab, node.x, node.current, node.zeros, counts[k], incoming, source];
    });
    for (const e of edges) e.connection.guard.check(e.connection, 'forward');
    const connections = edges.map((e): [ArrayBuffer, number, number] => [e.connection.buffer, e.from, e.to]);
    return new NetworkPlan(nodes, layers, connections, edges.map((e) => e.connection));
  }

  /** Runs steps [first, first + steps) natively; each tap receives steps x n values. */
  run(first: number, steps: number, taps: readonly Tap[] = []): void {
    for (const node of this.nodes) layerSlab(node.layer, 'forward'); // a layer may have become busy since
    for (const linear of this.linears) linear.guard.check(linear, 'forward'); // so may a connection
    engine.networkRun(this.layers, this.connections, nativeTaps(taps), first, steps);
  }

  /**
   * run() on a libuv thread, on the network's own buffers (the caller keeps
   * the layers busy meanwhile). control: an Int32Array of 2 on a
   * SharedArrayBuffer; Atomics.store(control, 0, 1) stops the run at the next
   * step boundary; control[1] counts the steps done. Resolves with the steps run.
   */
  runAsync(first: number, steps: number, taps: readonly Tap[], control: Int32Array): Promise<number> {
    return engine.networkRunAsync(this.layers, this.connections, nativeTaps(taps), first, steps, control);
  }

  /** The layers the plan steps. */
  get layerObjects(): object[] {
    return this.nodes.map((n) => n.layer);
  }
}
