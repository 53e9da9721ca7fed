import { BaseInput } from '../layers/base-input';
import { BaseNeuron } from '../layers/base-neuron';
import { AdaptiveThresholdLIFNeuron } from '../layers/adaptive-threshold-lif-neuron';
import type { Encoder } from './encoders';
import { FedeNeuron } from '../layers/fede-neuron';
import { invalidParameter } from '../errors';
import { holdLayers, layerRecord, prepareRestoreLayer } from '../state/layer-record';
import { Linear } from './linear';
import { holdGuards } from '../layers/run';
import { NetworkPlan, TAP_VARIABLES, type CountTap, type Tap, type TapVariable } from './plan';
import type { LearningRule } from '../learning/learning-rule';
import {
  claimRule, connectionLearning, learnAfterStep, normalizeForRun, planLearning, ruleEntries, rulesOf, runLearning,
  type ConnectionLearning, type EdgeLearning, type NetworkLearningOptions,
} from './learning';
import { native } from '../binding';
import type { SampleMask } from '../layers/sample-mask';
import { corruptState, decodeRecord, encodeRecord, field, onlyFields, type FieldValue, type StateRecord } from '../state/codec';
import { readStateFile, writeFileAtomic } from '../state/files';

/** A layer of a network: an input layer (spikes from outside) or a neuron layer (current from connections). */
export type NetworkLayer = BaseInput | BaseNeuron;

/** What a recorder sees of the network. */
export interface NetworkView {
  layer(name: string): NetworkLayer;
  /** Layer names in step order. */
  readonly layerNames: string[];
  /** The connections, in the order connected. */
  readonly connections: ConnectionInfo[];
  readonly batch: number;
  readonly dt: number;
}

/** The one layer variable a recorder reads, so that the engine can buffer it (Recorder.tap). */
export interface RecorderTap {
  layer: string;
  variable: TapVariable;
}

/** Records something each step of a run (see recorders.ts). */
export interface Recorder {
  /** Before the first step of a run. */
  open(net: NetworkView, steps: number): void;
  /** After step t (counted from the last full reset) has run. */
  record(t: number): void;
  /** After the last step: flushes and closes. */
  close(): void;
  /**
   * Optional, read after open(): the variable record() reads (or several,
   * for a recorder of many layers). With it (and recordValues) the engine
   * copies those variables after every step natively and hands the copies
   * over once per block of steps; without it the run returns to JavaScript
   * after every step to call record().
   */
  readonly tap?: RecorderTap | readonly RecorderTap[] | null;
  /** With tap: what record(t) would do, given each tapped variable's values after step t, in tap order. */
  recordValues?(t: number, ...values: (Uint8Array | Float32Array)[]): void;
  /**
   * Optional, read after open(): the engine ends its native blocks after
   * every step t with t % syncEvery === 0, so that record(t) (or
   * recordValues(t)) for such a step sees the whole network, weights
   * included, as it is right after that step (WeightRecorder).
   */
  readonly syncEvery?: number;
  /**
   * Optional, read after open(): per-neuron spike counts of one layer
   * ([batch][n] uint32, SpikeCounter) that a native run adds each step's
   * spikes to by itself, never calling record() or recordValues(); stepping
   * in JavaScript calls record() as for any recorder. Leave the counts alone
   * while a runAsync holds them.
   */
  readonly spikeCounts?: { layer: string; counts: Uint32Array } | null;
}

export type { ConnectionLearning, NetworkLearningOptions };

export interface ConnectOptions {
  /** The connection's name; default "from_to" (defaultConnectionName). */
  name?: string;
  /** A learning rule, which the network then steps after every step (docs/learning.md, "In a network"). */
  learning?: LearningRule;
  /** With learning: weight normalisation (ConnectionLearning.normalize). */
  normalize?: ConnectionLearning['normalize'];
}

export interface NetworkRunOptions extends NetworkLearningOptions {
  /** Recorders, opened before the first step and closed after the last (also when a step throws). */
  recorders?: readonly Recorder[];
  /**
   * Called with the number of steps done in this run after each block of at
   * most BLOCK_STEPS (256) steps, and after the last step.
   */
  onStep?: (done: number) => void;
}

export interface NetworkRunAsyncOptions extends NetworkLearningOptions {
  /** Recorders with taps (all the library's recorders have one), opened before the first step and closed after the last. */
  recorders?: readonly Recorder[];
  /** Called with the steps done so far, at most every PROGRESS_MS (100) ms and after the last step. */
  onProgress?: (done: number) => void;
  /** Stops the run at a step boundary; the promise then rejects with an AbortError. */
  signal?: AbortSignal;
}

/** How often runAsync reports progress, in milliseconds. */
export const PROGRESS_MS = 100;

/**
 * Steps the engine runs between two returns to JavaScript when a run has an
 * onStep callback or recorders (K): callbacks come at most every K steps.
 * Recorder copies are also bounded by TAP_BYTES, which may shorten a block.
 */
export const BLOCK_STEPS = 256;
const TAP_BYTES = 64 * 2 ** 20;
const TWO_32 = 4294967296;

export interface NetworkRunResult {
  steps: number;
  /** Wall time of the steps (recording included), in seconds. */
  wallSeconds: number;
  stepsPerSecond: number;
  /** Spikes per layer per sample over the run. */
  spikeCounts: Record<string, Float64Array>;
}

interface Node {
  name: string;
  layer: NetworkLayer;
  index: number;
  perSample: number;
  /** Input layers: this step's x (written by the source, or by the caller through input()). */
  x: Uint8Array | null;
  source: Encoder | null;
  /** Neuron layers: the summed input of this step, layout (n, k = 1). */
  current: Float32Array | null;
  /** FedeNeuron layers: a zero preTrace (the difference is already in `current`). */
  zeros: Float32Array | null;
  incoming: Edge[];
}

/** A tap before its buffer is allocated. */
interface TapSpec {
  /** The recorder's index. */
  owner: number;
  layer: number;
  variable: TapVariable;
  size: number;
}

interface Edge {
  name: string;
  from: Node;
  to: Node;
  connection: Linear;
  learning: EdgeLearning | null;
  /** The source is stepped after (or is) the target: it delivers the previous step's spikes. */
  feedback: boolean;
}

/** A connection of the network, as described by `connections`. */
export interface ConnectionInfo {
  name: string;
  from: string;
  to: string;
  connection: Linear;
  feedback: boolean;
  /** Its learning rule, or null. */
  learning: LearningRule | null;
}

/**
 * The field of a saved connection entry that holds the connection's own
 * record (weights, delays, spikes in flight). Format version 1 calls it
 * "link"; the name stays so that saved networks keep loading.
 */
const CONNECTION_FIELD = 'link';

/** The name of a connection that is not given one: "from_to". */
export function defaultConnectionName(from: string, to: string): string {
  return `${from}_${to}`;
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name === '' || name.includes('.')) {
    throw invalidParameter(`the ${what} name`, 'a non-empty string without "."', name);
  }
  return name;
}

/**
 * Layers and the connections between them, stepped together.
 *
 * Each step visits the layers in the order they were added. An input layer
 * takes its spikes from its source (or from input(name)). A neuron layer's
 * input is the sum of its incoming connections, in the order they were
 * connected, each adding the weights of the spikes that arrive (FedeNeuron:
 * the difference with the presynaptic trace); the layer then steps once.
 * A connection reads its source's spikes as they are at that moment: this
 * step's when the source comes earlier in the order, the previous step's when
 * it comes later or is the target itself (a feedback edge, as in PySNN's
 * cyclic example). Cycles are therefore allowed.
 */
/**
 * A network of named layers. Its type parameter maps the names added with
 * addLayer (chained) to their classes, so that
 * `new Network().addLayer('hidden', lif).layer('hidden')` is a LIFNeuron.
 */
export class Network<Layers extends Record<string, NetworkLayer> = {}> implements NetworkView {
  private readonly nodes: Node[] = [];
  private readonly byName = new Map<string, Node>();
  private readonly edges: Edge[] = [];
  private t = 0;
  private busy: string | null = null;

  /** Samples per batch: the first dimension of every layer's cellsShape (0 while empty). */
  get batch(): number {
    return this.nodes.length ? this.nodes[0].layer.cellsShape[0] : 0;
  }

  /** Duration of one step (the first layer's dt; every layer must share it). */
  get dt(): number {
    return this.nodes.length ? this.nodes[0].layer.dt : 0;
  }

  /** Steps since the last full reset. */
  get time(): number {
    return this.t;
  }

  /** Layer names in step order. */
  get layerNames(): string[] {
    return this.nodes.map((n) => n.name);
  }

  /**
   * How run() steps this network: 'native' (the engine: the whole graph in
   * one native plan), or the reason it steps in JavaScript instead (a layer
   * class of your own, an overridden stage, storeTrace, an encoder or a
   * learning rule of your own). Both give the same bits.
   */
  get engine(): string {
    const plan = NetworkPlan.compile(this.planNodes(), this.planEdges(true), this.nodes.map(() => new Float64Array(this.batch)));
    return typeof plan === 'string' ? plan : 'native';
  }

  get connections(): ConnectionInfo[] {
    return this.edges.map((e) => ({
      name: e.name, from: e.from.name, to: e.to.name, connection: e.connection, feedback: e.feedback, learning: e.learning?.rule ?? null,
    }));
  }

  /**
   * Adds a layer; it is stepped after the layers added before it. An input
   * layer may have a source that encodes its spikes for each step.
   */
  addLayer<N extends string, L extends NetworkLayer>(name: N, layer: L, options: { source?: Encoder } = {}): Network<Layers & { [K in N]: L }> {
    this.checkIdle('addLayer');
    checkName(name, 'layer');
    if (this.byName.has(name)) throw new RangeError(`A layer named "${name}" already exists`);
    const isInput = layer instanceof BaseInput;
    if (!isInput && !(layer instanceof BaseNeuron)) {
      throw invalidParameter(`layer "${name}"`, 'an Input or neuron layer (BaseInput or BaseNeuron)', layer);
    }
    if (this.nodes.length) {
      const [first] = this.nodes;
      if (layer.cellsShape[0] !== this.batch) {
        throw invalidParameter(`layer "${name}" cellsShape[0]`, `the batch size of layer "${first.name}" (${this.batch})`, layer.cellsShape[0], 'range');
      }
      if (layer.dt !== this.dt) throw invalidParameter(`layer "${name}" dt`, `the dt of layer "${first.name}" (${this.dt})`, layer.dt, 'range');
    }
    const source = options.source ?? null;
    if (source && !isInput) throw new TypeError(`Layer "${name}" is a neuron layer: only input layers take a source`);
    if (source && (source.size !== layer.size || source.cellsShape[0] !== layer.cellsShape[0])) {
      throw invalidParameter(`the source of layer "${name}"`, `an encoder of cellsShape [${layer.cellsShape.join(', ')}]`, source.cellsShape, 'range');
    }
    const n = layer.size;
    const node: Node = {
      name,
      layer,
      index: this.nodes.length,
      perSample: n / layer.cellsShape[0],
      x: isInput ? new Uint8Array(n) : null,
      source,
      current: isInput ? null : new Float32Array(n),
      zeros: layer instanceof FedeNeuron ? new Float32Array(n) : null,
      incoming: [],
    };
    this.nodes.push(node);
    this.byName.set(name, node);
    return this as unknown as Network<Layers & { [K in N]: L }>; // the same network, its type knowing one more layer
  }

  /**
   * Connects two layers (the target must be a neuron layer). The default name
   * is "from_to" (defaultConnectionName). `options` is the name, or { name,
   * learning, normalize }: with `learning` the network steps that rule after
   * every step (docs/learning.md, "In a network").
   */
  connect(from: string, to: string, connection: Linear, options: string | ConnectOptions = {}): this {
    this.checkIdle('connect');
    const spec: ConnectOptions = typeof options === 'string' ? { name: options } : options;
    if (typeof spec !== 'object' || spec === null) throw invalidParameter('the options of connect', 'a name or { name, learning, normalize }', options);
    const unknown = Object.keys(spec).find((k) => !['name', 'learning', 'normalize'].includes(k));
    if (unknown) throw new TypeError(`Unknown option ${JSON.stringify(unknown)} for Network.connect; its options are: name, learning, normalize`);
    const name = spec.name ?? defaultConnectionName(from, to);
    const source = this.node(from);
    const target = this.node(to);
    if (this.edges.some((e) => e.name === name)) throw new RangeError(`A connection named "${name}" already exists`);
    if (!(connection instanceof Linear)) throw invalidParameter(`connection "${name}"`, 'a Linear connection', connection);
    if (!target.current) throw new TypeError(`Connection "${name}" targets input layer "${to}": input layers take spikes from a source, not current`);
    const expect = (field: string, value: number, want: number, why: string): void => {
      if (value !== want) throw invalidParameter(`connection "${name}" ${field}`, `${want} (${why})`, value, 'range');
    };
    const shape = (node: Node) => `cellsShape [${node.layer.cellsShape.join(', ')}]`;
    expect('batchSize', connection.batchSize, this.batch, 'the batch size of the network');
    expect('inFeatures', connection.inFeatures, source.perSample, `neurons per sample of layer "${from}", ${shape(source)}`);
    expect('outFeatures', connection.outFeatures, target.perSample, `neurons per sample of layer "${to}", ${shape(target)}`);
    if (this.edges.some((e) => e.connection === connection)) throw new RangeError(`Connection "${name}" is already in the network`);
    const learning = connectionLearning(this, name, connection, target, spec);
    const edge: Edge = { name, from: source, to: target, connection, feedback: source.index >= target.index, learning };
    this.edges.push(edge);
    target.incoming.push(edge);
    claimRule(this, learning);
    return this;
  }

  /**
   * The layer of that name: its class when it was added in a chain of
   * addLayer calls, or when the class is given (checked: a layer of another
   * class throws); else an Input or neuron layer.
   */
  layer<N extends string>(name: N): N extends keyof Layers ? Layers[N] : NetworkLayer;
  layer<T extends NetworkLayer>(name: string, kind: abstract new (...args: never[]) => T): T;
  layer(name: string, kind?: abstract new (...args: never[]) => NetworkLayer): NetworkLayer {
    const layer = this.node(name).layer;
    if (kind !== undefined && !(layer instanceof kind)) {
      throw new TypeError(`Layer "${name}" is of class ${layer.constructor.name}, not ${kind.name}`);
    }
    return layer;
  }

  /** The x buffer of an input layer without a source: write the next step's spikes into it. */
  input(name: string): Uint8Array {
    const node = this.node(name);
    if (!node.x) throw new TypeError(`Layer "${name}" is a neuron layer, not an input layer`);
    return node.x;
  }

  /**
   * One step of every layer, in order, then the learning rules (in
   * JavaScript: run() steps the same bits natively). `reward` is MSTDPET's
   * for this step; `learning: false` leaves the rules out. `recorders` are
   * opened before the step, record it, and are closed after it (as run(1)
   * does; a SpikeCounter keeps counting across calls).
   */
  step(options: { learning?: boolean; reward?: number; recorders?: readonly Recorder[] } = {}): void {
    this.checkIdle('step');
    const learn = runLearning(this.edges, options, 1);
    const recorders = options.recorders ?? [];
    const opened: Recorder[] = [];
    let failed = true;
    this.busy = 'step';
    try {
      for (const r of recorders) {
        r.open(this, 1);
        opened.push(r);
      }
      this.stepOnce(learn !== null);
      if (learn) learnAfterStep(this.edges, this.t, learn.at(0));
      for (const r of recorders) r.record(this.t - 1);
      failed = false;
    } finally {
      this.busy = null;
      closeRecorders(opened, failed);
    }
  }

  private stepOnce(carry = false): void {
    const t = this.t;
    for (const node of this.nodes) {
      if (node.x) {
        node.source?.encode(t, node.x);
        (node.layer as BaseInput).forward(node.x);
        continue;
      }
      const current = node.current!;
      if (node.zeros) {
        current.fill(-0); // (-0) + e === e for every e: the fold's first term
        for (const e of node.incoming) e.connection.difference(e.from.layer.spikes, e.from.layer.trace, current);
        (node.layer as FedeNeuron).forward(current, node.zeros);
      } else {
        current.fill(0);
        for (const e of node.incoming) {
          e.connection.current(e.from.layer.spikes, current);
          if (carry && e.learning) e.connection.carryTrace(e.from.layer.trace); // what forward() would carry, for the rule
        }
        (node.layer as BaseNeuron).forward(current);
      }
    }
    this.t = t + 1;
  }

  /**
   * Runs `steps` steps, recording as it goes; returns timing and spike counts.
   * The bits are those of calling step() `steps` times. When the network has
   * a native form (see `engine`), the engine runs the steps in native code on
   * the thread pool, returning to JavaScript only every BLOCK_STEPS steps for
   * onStep and the recorders (every step for a recorder without a tap), or
   * never when there are neither. The network is busy meanwhile: step, run,
   * resets and saves called from a callback throw.
   */
  run(steps: number, options: NetworkRunOptions = {}): NetworkRunResult {
    if (!Number.isSafeInteger(steps) || steps < 0) throw invalidParameter('steps', 'a whole number >= 0', steps, 'range');
    this.checkIdle('run');
    const learn = runLearning(this.edges, options, steps);
    const recorders = options.recorders ?? [];
    const counts = this.nodes.map(() => new Float64Array(this.batch));
    const opened: Recorder[] = [];
    let failed = true;
    const started = process.hrtime.bigint();
    this.busy = 'run';
    try {
      for (const r of recorders) {
        r.open(this, steps);
        opened.push(r);
      }
      if (learn) normalizeForRun(this.edges);
      const plan = NetworkPlan.compile(this.planNodes(), this.planEdges(learn !== null), counts);
      const compiled = typeof plan === 'string' ? null : plan;
      const listed = recorders.filter((r) => !r.spikeCounts); // the counters' counts are added natively
      const wanted = compiled ? this.tapsOf(listed) : null;
      const block = this.blockSteps(steps, options, listed, wanted);
      const taps = wanted && wanted.map((t) => ({ ...t, out: new (t.variable === 'spikes' ? Uint8Array : Float32Array)(block * t.size) }));
      const all = compiled ? [...(taps ?? []), ...this.countTaps(recorders)] : [];
      for (let done = 0; done < steps; ) {
        let n = Math.min(block, steps - done, syncedSteps(recorders, this.t));
        if (compiled?.encodes) n = Math.min(n, TWO_32 - this.t); // past it, stepOnce throws the encoder's error
        if (compiled && n > 0) {
          const first = this.t;
          compiled.run(first, n, all, learn?.slice(done, n));
          this.t = first + n;
          this.replay(listed, taps, first, n);
        } else {
          n = Math.max(n, 1);
          for (let j = 0; j < n; j++) {
            this.stepOnce(learn !== null);
            if (learn) learnAfterStep(this.edges, this.t, learn.at(done + j));
            for (let k = 0; k < this.nodes.length; k++) native.countSpikes(this.nodes[k].layer.spikes, counts[k]);
            for (const r of recorders) r.record(this.t - 1);
          }
        }
        done += n;
        options.onStep?.(done);
      }
      failed = false;
    } finally {
      this.busy = null;
      closeRecorders(opened, failed);
    }
    return this.result(steps, started, counts);
  }

  /**
   * run() off the event loop: the engine runs the steps on a libuv thread
   * (and the thread pool), returning to JavaScript only to hand recorders
   * their copies, every BLOCK_STEPS steps. Meanwhile the network and its
   * layers are busy (step, run, resets, saves and the layers' own calls
   * throw); leave its connections alone too. `signal` stops the run at the
   * next step boundary: the promise rejects with an AbortError, `time` counts
   * the steps that ran, recorder files hold them, and run() continues with
   * exactly the bits of an uninterrupted run. Needs a network the engine runs
   * natively (see `engine`).
   */
  async runAsync(steps: number, options: NetworkRunAsyncOptions = {}): Promise<NetworkRunResult> {
    if (!Number.isSafeInteger(steps) || steps < 0) throw invalidParameter('steps', 'a whole number >= 0', steps, 'range');
    if (typeof options !== 'object' || options === null) throw invalidParameter('the options of runAsync', 'an options object', options);
    const unknown = Object.keys(options).find((k) => !['recorders', 'onProgress', 'signal', 'learning', 'reward'].includes(k));
    if (unknown) throw new TypeError(`Unknown option ${JSON.stringify(unknown)} for Network.runAsync; its options are: recorders, onProgress, signal, learning, reward`);
    const { recorders = [], onProgress, signal } = options;
    if (signal !== undefined && !(signal instanceof AbortSignal)) throw invalidParameter('signal', 'an AbortSignal', signal);
    if (onProgress !== undefined && typeof onProgress !== 'function') throw invalidParameter('onProgress', 'a function', onProgress);
    this.checkIdle('runAsync');
    const learn = runLearning(this.edges, options, steps);
    const counts = this.nodes.map(() => new Float64Array(this.batch));
    const plan = NetworkPlan.compile(this.planNodes(), this.planEdges(learn !== null), counts);
    if (typeof plan === 'string') throw new TypeError(`Network.runAsync needs a network the engine runs natively, but ${plan}; use run()`);
    const aborted = (done: number) => new DOMException(`Network.runAsync was aborted after ${done} of ${steps} steps`, 'AbortError');
    if (signal?.aborted) throw aborted(0);
    const control = new Int32Array(new SharedArrayBuffer(8));
    const stop = () => Atomics.store(control, 0, 1);
    signal?.addEventListener('abort', stop, { once: true });
    let done = 0;
    let reported = -1;
    const report = () => {
      const now = done + Atomics.load(control, 1);
      if (now !== reported) onProgress?.((reported = now));
    };
    const timer = onProgress ? setInterval(report, PROGRESS_MS) : null;
    const opened: Recorder[] = [];
    let failed = true;
    const started = process.hrtime.bigint();
    this.busy = 'runAsync';
    try {
      if (learn) normalizeForRun(this.edges);
      const held = [...this.edges.map((e) => e.connection.guard), ...plan.rulesUsed.map((r) => r.guard)];
      await holdLayers(plan.layerObjects, 'Network.runAsync', () => holdGuards(held, 'Network.runAsync', async () => {
        for (const r of recorders) {
          r.open(this, steps);
          opened.push(r);
        }
        const listed = recorders.filter((r) => !r.spikeCounts);
        const wanted = this.tapsOf(listed);
        if (!wanted) throw new TypeError('Network.runAsync: every recorder needs a tap (Recorder.tap and recordValues), as the library\'s recorders have');
        const block = listed.length ? this.blockSteps(steps, {}, listed, wanted) : Math.max(steps, 1);
        const taps = wanted.map((t) => ({ ...t, out: new (t.variable === 'spikes' ? Uint8Array : Float32Array)(block * t.size) }));
        const all = [...taps, ...this.countTaps(recorders)];
        while (done < steps) {
          if (signal?.aborted) throw aborted(done);
          let n = Math.min(block, steps - done, syncedSteps(recorders, this.t));
          if (plan.encodes) n = Math.min(n, TWO_32 - this.t);
          if (n === 0) this.stepOnce(); // past 2^32 steps: throws the encoder's error
          const first = this.t;
          const ran = await plan.runAsync(first, n, all, control, learn?.slice(done, n));
          this.t = first + ran;
          done += ran;
          Atomics.store(control, 1, 0);
          this.replay(listed, taps, first, ran);
          if (ran < n) throw aborted(done);
        }
      }));
      if (onProgress) report();
      failed = false;
    } finally {
      if (timer) clearInterval(timer);
      signal?.removeEventListener('abort', stop);
      this.busy = null;
      closeRecorders(opened, failed);
    }
    return this.result(steps, started, counts);
  }

  /** What run and runAsync return: timing since `started` and the spike counts by layer. */
  private result(steps: number, started: bigint, counts: Float64Array[]): NetworkRunResult {
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const spikeCounts: Record<string, Float64Array> = {};
    this.nodes.forEach((node, k) => (spikeCounts[node.name] = counts[k]));
    return { steps, wallSeconds, stepsPerSecond: wallSeconds > 0 ? steps / wallSeconds : Infinity, spikeCounts };
  }

  /** Steps per native call: all of them without callbacks; BLOCK_STEPS, or fewer for big taps; 1 for a recorder without a tap. */
  private blockSteps(steps: number, options: NetworkRunOptions, recorders: readonly Recorder[], taps: TapSpec[] | null): number {
    if (recorders.length === 0 && !options.onStep) return Math.max(steps, 1);
    if (recorders.length > 0 && taps === null) return 1;
    const bytesPerStep = (taps ?? []).reduce((sum, t) => sum + t.size * (t.variable === 'spikes' ? 1 : 4), 0);
    return Math.max(1, Math.min(BLOCK_STEPS, Math.floor(TAP_BYTES / Math.max(bytesPerStep, 1))));
  }

  /** What each recorder taps, in recorder order, or null when one of them has no tap. */
  private tapsOf(recorders: readonly Recorder[]): TapSpec[] | null {
    const taps: TapSpec[] = [];
    for (const [owner, r] of recorders.entries()) {
      const tap = r.tap;
      if (!tap || typeof r.recordValues !== 'function') return null;
      for (const { layer, variable } of Array.isArray(tap) ? tap : [tap as RecorderTap]) {
        if (!TAP_VARIABLES.includes(variable)) return null;
        const node = this.node(layer);
        if (node.x && variable !== 'spikes' && variable !== 'trace') return null;
        if (variable === 'theta' && !(node.layer instanceof AdaptiveThresholdLIFNeuron)) return null;
        taps.push({ owner, layer: node.index, variable, size: node.layer.size });
      }
    }
    return taps;
  }

  /** The count taps of the recorders that count spikes (Recorder.spikeCounts), checked. */
  private countTaps(recorders: readonly Recorder[]): CountTap[] {
    const taps: CountTap[] = [];
    for (const r of recorders) {
      const counted = r.spikeCounts;
      if (!counted) continue;
      const node = this.node(counted.layer);
      if (!(counted.counts instanceof Uint32Array) || counted.counts.length !== node.layer.size) {
        throw invalidParameter(`the spike counts of the recorder of layer "${counted.layer}"`, `a Uint32Array of ${node.layer.size} (batch x neurons)`, counted.counts, 'range');
      }
      taps.push({ layer: node.index, variable: 'spikeCounts', out: counted.counts });
    }
    return taps;
  }

  /** Hands each recorder its taps' copies, step by step, as record() would have seen them. */
  private replay(recorders: readonly Recorder[], taps: (Tap & TapSpec)[] | null, first: number, n: number): void {
    for (let j = 0; j < n; j++) {
      recorders.forEach((r, i) => {
        if (!taps) return r.record(first + j);
        const values = taps.filter((t) => t.owner === i).map((t) => t.out.subarray(j * t.size, (j + 1) * t.size));
        r.recordValues!(first + j, ...values);
      });
    }
  }

  private planNodes() {
    return this.nodes.map((n) => ({ name: n.name, layer: n.layer, x: n.x, source: n.source, current: n.current, zeros: n.zeros }));
  }

  private planEdges(learn = false) {
    return this.edges.map((e) => ({ name: e.name, connection: e.connection, from: e.from.index, to: e.to.index, learning: learn ? planLearning(e) : null }));
  }

  /** Refuses `action` while a run is under way (from its callbacks, say). */
  private checkIdle(action: string): void {
    if (this.busy !== null) {
      throw new Error(`Network.${action}: the network is busy with ${this.busy}; wait for it to end before using the network`);
    }
  }

  /**
   * Resets every layer and connection (spikes in flight are dropped). With a
   * mask (one entry per sample) only the selected samples are reset, and the
   * step count goes on; without one the step count starts again at 0.
   */
  resetState(mask?: SampleMask): void {
    this.checkIdle('resetState');
    for (const node of this.nodes) {
      node.layer.resetState(mask);
      if (mask === undefined) node.x?.fill(0);
    }
    for (const e of this.edges) e.connection.resetState(mask);
    if (mask === undefined) {
      for (const rule of rulesOf(this.edges)) rule.resetState();
      this.t = 0;
    }
  }

  /**
   * The whole network's state, a new Uint8Array (README, "Saving a network"):
   * the step count, every layer's full record, every input layer's x, and
   * every connection's weights and spikes in flight. Encoders keep no state
   * that changes as the network steps, so nothing of theirs is saved.
   */
  saveState(): Uint8Array {
    this.checkIdle('saveState');
    const layers = new Map<string, FieldValue>();
    for (const node of this.nodes) layers.set(node.name, inLayer(node.name, () => layerRecord(node.layer)));
    const inputs = new Map<string, FieldValue>();
    for (const node of this.nodes) if (node.x) inputs.set(node.name, node.x);
    const connections = new Map<string, FieldValue>();
    for (const e of this.edges) {
      connections.set(e.name, {
        kind: 'connection',
        fields: new Map<string, FieldValue>([
          ['from', e.from.name],
          ['to', e.to.name],
          [CONNECTION_FIELD, e.connection.stateRecord()],
        ]),
      });
    }
    const fields = new Map<string, FieldValue>([
      ['time', Float64Array.of(this.t)],
      ['layers', { kind: 'layers', fields: layers }],
      ['inputs', { kind: 'inputs', fields: inputs }],
      ['connections', { kind: 'connections', fields: connections }],
    ]);
    const rules = ruleEntries(this.edges);
    if (rules.length) fields.set('learning', { kind: 'learning', fields: new Map(rules.map(([name, rule]) => [name, rule.stateRecord()])) });
    return encodeRecord({ kind: 'Network', fields });
  }

  /** saveState() written to a file atomically: a temporary file in the same directory, fsync, rename. */
  saveStateFile(path: string): void {
    writeFileAtomic(path, this.saveState());
  }

  /**
   * Restores a state saved by a network of the same structure (layer names in
   * order, classes, shapes and options; connection names, ends, shapes, dt and
   * delays): continuing then gives the same bits as if the run had never
   * stopped. The weights are restored too. Every layer and connection record
   * is checked before anything changes; anything else is rejected with an
   * Error naming the field, and the network is left as it was.
   */
  loadState(bytes: Uint8Array): void {
    this.checkIdle('loadState');
    const record = decodeRecord(bytes);
    if (record.kind !== 'Network') throw corruptState('kind', 'a record of kind "Network"', JSON.stringify(record.kind));
    const rules = ruleEntries(this.edges);
    onlyFields(record, ['time', 'layers', 'inputs', 'connections', ...(rules.length ? ['learning'] : [])], '');
    const time = field(record, 'time', 'f64', '');
    if (time.length !== 1 || !Number.isSafeInteger(time[0]) || time[0] < 0) {
      throw corruptState('time', 'one whole number of steps >= 0', `[${time.join(', ')}]`);
    }
    const commits: (() => void)[] = [];
    const layers = part(record, 'layers', this.layerNames, 'layers');
    for (const node of this.nodes) {
      const saved = field(layers, node.name, 'record', 'layers.');
      commits.push(inLayer(node.name, () => prepareRestoreLayer(node.layer, saved)));
    }
    const inputNodes = this.nodes.filter((node) => node.x);
    const inputs = part(record, 'inputs', inputNodes.map((node) => node.name), 'input layers');
    for (const node of inputNodes) {
      const x = field(inputs, node.name, 'u8', 'inputs.');
      if (x.length !== node.x!.length) throw corruptState(`inputs.${node.name}`, `${node.x!.length} spikes`, `${x.length}`);
      commits.push(() => node.x!.set(x));
    }
    const connections = part(record, 'connections', this.edges.map((e) => e.name), 'connections');
    for (const e of this.edges) {
      const where = `connections.${e.name}.`;
      const saved = field(connections, e.name, 'record', 'connections.');
      onlyFields(saved, ['from', 'to', CONNECTION_FIELD], where);
      for (const [end, node] of [['from', e.from], ['to', e.to]] as const) {
        const name = field(saved, end, 'text', where);
        if (name !== node.name) throw corruptState(`${where}${end}`, `layer ${JSON.stringify(node.name)} (this network's)`, JSON.stringify(name));
      }
      commits.push(e.connection.prepareRestore(field(saved, CONNECTION_FIELD, 'record', where), `${where}${CONNECTION_FIELD}.`));
    }
    if (rules.length) {
      if (!record.fields.has('learning')) {
        throw corruptState('learning', `the state of this network's learning rules (${rules.map(([n]) => JSON.stringify(n)).join(', ')})`, 'none (saved by a network without learning rules)');
      }
      const learning = part(record, 'learning', rules.map(([n]) => n), 'learning rules (by their first connection)');
      for (const [name, rule] of rules) commits.push(rule.prepareRestore(field(learning, name, 'record', 'learning.'), `learning.${name}.`));
    }
    for (const commit of commits) commit();
    this.t = time[0];
  }

  /** loadState() from a file written by saveStateFile(). */
  loadStateFile(path: string): void {
    this.loadState(readStateFile(path));
  }

  private node(name: string): Node {
    const node = this.byName.get(name);
    if (!node) {
      const known = this.nodes.map((n) => n.name).join(', ') || 'none yet';
      throw new RangeError(`No layer named ${JSON.stringify(name)} in the network (layers: ${known})`);
    }
    return node;
  }
}

/** Steps from network time t up to and including the next step a recorder's syncEvery asks for (Infinity: none). */
function syncedSteps(recorders: readonly Recorder[], t: number): number {
  let n = Infinity;
  for (const r of recorders) {
    const every = r.syncEvery;
    if (typeof every === 'number' && every >= 1) n = Math.min(n, ((every - (t % every)) % every) + 1);
  }
  return n;
}

/** Closes every opened recorder; a close error is thrown unless the run already failed (its error wins). */
function closeRecorders(opened: readonly Recorder[], failed: boolean): void {
  for (const r of opened) {
    try {
      r.close();
    } catch (e) {
      if (!failed) throw e;
    }
  }
}

/** A nested record of the network's record whose fields must be exactly `names`, in this order. */
function part(record: StateRecord, name: string, names: readonly string[], what: string): StateRecord {
  const nested = field(record, name, 'record', '');
  const saved = [...nested.fields.keys()];
  if (nested.kind !== name || saved.length !== names.length || saved.some((s, k) => s !== names[k])) {
    const list = (l: readonly string[]) => (l.length ? l.map((n) => JSON.stringify(n)).join(', ') : 'none');
    throw corruptState(name, `the ${what} ${list(names)} (this network's, in order)`, nested.kind === name ? list(saved) : `a record of kind ${JSON.stringify(nested.kind)}`);
  }
  return nested;
}

/** Runs one layer's save or check, naming the layer in any error ("layers.lif.vCell"). */
function inLayer<T>(name: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const marker = "the saved state's ";
    const message = error.message.includes(marker)
      ? error.message.replace(marker, `${marker}layers.${name}.`)
      : `Layer ${JSON.stringify(name)}: ${error.message}`;
    throw new (error.constructor as ErrorConstructor)(message, { cause: error });
  }
}
