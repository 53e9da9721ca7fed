import { NotImplementedError, invalidParameter } from '../errors';
import { BaseNeuron } from '../layers/base-neuron';
import { BusyGuard } from '../layers/run';
import { Linear, type SynapseViews } from '../network/linear';
import { corruptState, decodeRecord, encodeRecord, field, onlyFields, type FieldValue, type StateRecord } from '../state/codec';

/** One layer a rule trains: a connection and the neuron layer it drives. */
export interface RuleLayer {
  /** The connection whose weights the rule changes. */
  readonly connection: Linear;
  /** The postsynaptic layer: batch x outFeatures neurons (cellsShape [batch, ..., out]). */
  readonly neuron: BaseNeuron;
}

/** The layers of a rule by name, as a plain object or a Map (its order is the order of updates). */
export type RuleLayers = Readonly<Record<string, RuleLayer>> | ReadonlyMap<string, RuleLayer>;

/** How reduceConnections combines the batch: float32, samples in order. */
export type Reduction = 'mean' | 'sum' | 'max' | 'min';

const f32 = Math.fround;

/**
 * @internal What the network engine runs for one layer of a library rule
 * (native/binding/plan_rules.cpp has the layouts): the rule's kind, its
 * hyper-parameters as float64 and its live state arrays.
 */
export interface EngineRule {
  kind: 'pair' | 'mstdpet' | 'fede';
  params: number[];
  arrays: (Float32Array | Uint32Array)[];
}

/**
 * The base of the learning rules (PySNN `pysnn.learning.LearningRule`): the
 * layers a rule trains and its hyper-parameters, plus the helpers rules are
 * written with. updateState, step and resetState throw NotImplementedError,
 * as PySNN's do: a rule provides them.
 */
export class LearningRule {
  /** The layers by name, in the order they were given. */
  readonly layers: ReadonlyMap<string, RuleLayer>;
  /** The hyper-parameters as given (PySNN's `defaults`). */
  readonly defaults: Readonly<Record<string, number>>;
  /** @internal refuses the rule's calls while a network's runAsync trains with it. */
  readonly guard = new BusyGuard('rule');

  constructor(layers: RuleLayers, defaults: Readonly<Record<string, number>>) {
    this.layers = this.checkLayers(layers);
    this.defaults = Object.freeze({ ...defaults });
  }

  /** Updates the rule's state from the layers' last step. */
  updateState(): void {
    throw new NotImplementedError('Each learning rule must implement `updateState`');
  }

  /** One learning step: changes the weights. */
  step(..._args: unknown[]): void {
    throw new NotImplementedError('Each learning rule must implement `step`');
  }

  /** Clears the rule's state. */
  resetState(): void {
    throw new NotImplementedError('Each learning rule must implement `resetState`');
  }

  /**
   * Checks that `layers` names at least one layer and that each is
   * { connection: Linear, neuron: BaseNeuron } whose neuron fits the
   * connection (cellsShape [batch, ..., outFeatures], batch x outFeatures
   * neurons in all). Returns them as a Map; throws TypeError or RangeError
   * naming the first problem.
   */
  checkLayers(layers: RuleLayers): Map<string, RuleLayer> {
    if (typeof layers !== 'object' || layers === null || Array.isArray(layers)) {
      throw invalidParameter('layers', 'an object or Map of { connection, neuron } by layer name', layers);
    }
    const entries: [unknown, unknown][] = layers instanceof Map ? [...(layers as Map<unknown, unknown>)] : Object.entries(layers);
    if (entries.length === 0) throw invalidParameter('layers', 'at least one layer', layers, 'range');
    const out = new Map<string, RuleLayer>();
    for (const [name, layer] of entries) {
      if (typeof name !== 'string') throw invalidParameter('a layer name', 'a string', name);
      const where = `layers.${name}`;
      if (typeof layer !== 'object' || layer === null) throw invalidParameter(where, 'an object { connection, neuron }', layer);
      const { connection, neuron } = layer as Record<string, unknown>;
      const extra = Object.keys(layer).filter((k) => k !== 'connection' && k !== 'neuron');
      if (extra.length > 0) throw new TypeError(`Unknown key ${JSON.stringify(extra[0])} in ${where}; a layer has: connection, neuron`);
      if (!(connection instanceof Linear)) throw invalidParameter(`${where}.connection`, 'a Linear connection', connection);
      if (!(neuron instanceof BaseNeuron)) throw invalidParameter(`${where}.neuron`, 'a neuron layer (IFNeuron, LIFNeuron, AdaptiveLIFNeuron, AdaptiveThresholdLIFNeuron or FedeNeuron)', neuron);
      const { batchSize: batch, outFeatures: outF } = connection;
      const shape = neuron.cellsShape;
      if (shape[0] !== batch || shape[shape.length - 1] !== outF || neuron.size !== batch * outF) {
        throw new RangeError(
          `Expected ${where}.neuron to fit its connection (cellsShape [${batch}, ..., ${outF}], ${batch * outF} neurons: ` +
            `batch ${batch} x outFeatures ${outF}) but received cellsShape [${shape.join(', ')}]`,
        );
      }
      out.set(name, Object.freeze({ connection, neuron }));
    }
    return out;
  }

  /**
   * A presynaptic term times a postsynaptic term, broadcast to the synapses:
   * out[b][o][i] = pre[b][o][i] * post[b][o] in float32 (spikes as 0/1).
   * pre: (batch, out, in), post: (batch, out), as the connection's shapes.
   */
  preMultPost(pre: Float32Array | Uint8Array, post: Float32Array | Uint8Array, connection: Linear): Float32Array {
    const { batchSize: batch, outFeatures: outF, inFeatures: inF } = checkConnection(connection);
    checkTensor(pre, 'pre', batch * outF * inF, `batch ${batch} x out ${outF} x in ${inF}`);
    checkTensor(post, 'post', batch * outF, `batch ${batch} x out ${outF}`);
    const out = new Float32Array(pre.length);
    for (let bo = 0; bo < batch * outF; bo++) {
      const p = post[bo];
      for (let i = 0; i < inF; i++) out[bo * inF + i] = f32(pre[bo * inF + i] * p);
    }
    return out;
  }

  /**
   * Reduces a (batch, out, in) tensor over the batch to the weights' shape
   * (out, in), in float32 with the samples in order: 'mean' (PySNN's default,
   * the sum divided by batch), 'sum', 'max' or 'min'.
   */
  reduceConnections(tensor: Float32Array, connection: Linear, reduction: Reduction = 'mean'): Float32Array {
    const { batchSize: batch, outFeatures: outF, inFeatures: inF } = checkConnection(connection);
    const n = outF * inF;
    checkTensor(tensor, 'tensor', batch * n, `batch ${batch} x out ${outF} x in ${inF}`);
    const combine = {
      mean: (a: number, v: number) => f32(a + v),
      sum: (a: number, v: number) => f32(a + v),
      max: (a: number, v: number) => (v > a || Number.isNaN(v) ? v : a),
      min: (a: number, v: number) => (v < a || Number.isNaN(v) ? v : a),
    }[reduction];
    if (!combine) throw invalidParameter('reduction', '"mean", "sum", "max" or "min"', reduction, 'range');
    const out = tensor.slice(0, n);
    for (let b = 1; b < batch; b++) for (let k = 0; k < n; k++) out[k] = combine(out[k], tensor[b * n + k]);
    if (reduction === 'mean') for (let k = 0; k < n; k++) out[k] = f32(out[k] / batch);
    return out;
  }

  /**
   * The rule's state (its eligibility traces or spike traces; the weights
   * belong to the connections, which save their own) in the library's
   * checksummed state format, for loadState on a rule of the same class,
   * hyper-parameters and layer shapes.
   */
  saveState(): Uint8Array {
    this.guard.check(this, 'saveState');
    return encodeRecord(this.stateRecord());
  }

  /**
   * Restores saveState() bytes. Everything is checked first (the class,
   * every hyper-parameter, the layer names and shapes, every value finite);
   * on any error nothing changes.
   */
  loadState(bytes: Uint8Array): void {
    this.guard.check(this, 'loadState');
    this.prepareRestore(decodeRecord(bytes), '')();
  }

  /**
   * @internal The state as a record of this class's kind: `params` (float64,
   * the hyper-parameters in the order of defaults), `modes` (text, the
   * non-numeric settings) and `layer0`, `layer1`, ...
   * (one record per layer, in order: its `name`, its `shape` [batch, in, out]
   * and the rule's arrays for it).
   */
  stateRecord(): StateRecord {
    const fields = new Map<string, FieldValue>([['params', Float64Array.from(Object.values(this.defaults))], ['modes', this.modes()]]);
    let k = 0;
    for (const [name, { connection: c }] of this.layers) {
      const layer = new Map<string, FieldValue>([['name', name], ['shape', Float64Array.of(c.batchSize, c.inFeatures, c.outFeatures)]]);
      for (const [key, values] of Object.entries(this.layerState(name))) layer.set(key, values);
      fields.set(`layer${k++}`, { kind: 'RuleLayer', fields: layer });
    }
    return { kind: this.constructor.name, fields };
  }

  /**
   * @internal Checks a record of stateRecord() against this rule, changing
   * nothing; returns the restore, which cannot fail. `where` prefixes the
   * field names in errors.
   */
  prepareRestore(record: StateRecord, where: string): () => void {
    if (record.kind !== this.constructor.name) throw corruptState(`${where}class`, `a ${this.constructor.name} rule`, JSON.stringify(record.kind));
    const names = [...this.layers.keys()];
    onlyFields(record, ['params', 'modes', ...names.map((_, k) => `layer${k}`)], where);
    const params = field(record, 'params', 'f64', where);
    const own = Object.values(this.defaults);
    if (params.length !== own.length || own.some((v, k) => !Object.is(v, params[k]))) {
      throw corruptState(`${where}params`, `[${own.join(', ')}] (this rule's ${Object.keys(this.defaults).join(', ')})`, `[${params.join(', ')}]`);
    }
    const modes = field(record, 'modes', 'text', where);
    if (modes !== this.modes()) throw corruptState(`${where}modes`, JSON.stringify(this.modes()), JSON.stringify(modes));
    const restores = names.map((name, k) => {
      const at = `${where}layer${k}.`;
      const layer = field(record, `layer${k}`, 'record', where);
      const current = this.layerState(name);
      onlyFields(layer, ['name', 'shape', ...Object.keys(current)], at);
      const saved = field(layer, 'name', 'text', at);
      if (saved !== name) throw corruptState(`${at}name`, JSON.stringify(name), JSON.stringify(saved));
      const { connection: c } = this.layers.get(name)!;
      const shape = field(layer, 'shape', 'f64', at);
      const ownShape = [c.batchSize, c.inFeatures, c.outFeatures];
      if (shape.length !== 3 || ownShape.some((v, j) => v !== shape[j])) {
        throw corruptState(`${at}shape`, `[${ownShape.join(', ')}] (batchSize, inFeatures, outFeatures)`, `[${shape.join(', ')}]`);
      }
      const arrays: Record<string, Float32Array> = {};
      for (const [key, values] of Object.entries(current)) {
        const got = field(layer, key, 'f32', at);
        if (got.length !== values.length) throw corruptState(`${at}${key}`, `${values.length} values`, `${got.length}`);
        const bad = got.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) throw corruptState(`${at}${key}[${bad}]`, 'a finite value', got[bad]);
        arrays[key] = got;
      }
      return () => this.restoreLayerState(name, arrays);
    });
    return () => restores.forEach((restore) => restore());
  }

  /**
   * @internal What the network engine runs for a layer of this rule, or null
   * when the engine does not know the rule (a network then steps in
   * JavaScript, calling updateState() and step() after each step).
   */
  engineLayer(_name: string): EngineRule | null {
    return null;
  }

  /** @internal The rule's non-numeric settings as text ("" when it has none), saved with the state and checked on load. */
  protected modes(): string {
    return '';
  }

  /** @internal A layer's state arrays by field name, in their public layouts (copies); none for a rule without state. */
  protected layerState(_name: string): Record<string, Float32Array> {
    return {};
  }

  /** @internal Sets a layer's state from arrays of layerState's names and lengths, already checked. */
  protected restoreLayerState(_name: string, _arrays: Record<string, Float32Array>): void {}

  /** @internal The layer of this name, or a RangeError listing the names. */
  protected layer(name: string): RuleLayer {
    const layer = typeof name === 'string' ? this.layers.get(name) : undefined;
    if (!layer) {
      throw invalidParameter('the layer name', `one of ${[...this.layers.keys()].map((k) => JSON.stringify(k)).join(', ')}`, name, 'range');
    }
    return layer;
  }

  /** @internal A layer's connection after its last step; throws when that step carried no presynaptic trace. */
  protected synapses(name: string, layer: RuleLayer): SynapseViews & { preTrace: Float32Array } {
    const views = layer.connection.synapses();
    if (!views.preTrace) {
      throw new Error(
        `Expected the connection of layer ${JSON.stringify(name)} to have last stepped with forward(pre, traceIn) or ` +
          'difference(pre, traceIn, into), which carry the presynaptic trace a rule reads, but it last stepped with current()',
      );
    }
    return views as SynapseViews & { preTrace: Float32Array };
  }
}

function checkConnection(connection: unknown): Linear {
  if (!(connection instanceof Linear)) throw invalidParameter('connection', 'a Linear connection', connection);
  return connection;
}

function checkTensor(value: unknown, name: string, n: number, shape: string): void {
  if (!(value instanceof Float32Array || value instanceof Uint8Array) || value.length !== n) {
    throw invalidParameter(name, `a Float32Array or Uint8Array of ${n} values (${shape})`, value);
  }
}

/** A hyper-parameter: a number whose float32 value is finite (and within [min, max] when given). */
export function hyperParameter(options: Record<string, unknown>, name: string, range?: { min?: number; max?: number; above?: number }): number {
  const value = options[name];
  if (typeof value !== 'number' || !Number.isFinite(f32(value))) {
    throw invalidParameter(name, 'a finite number (finite in float32)', value, typeof value === 'number' ? 'range' : 'type');
  }
  if (range?.min !== undefined && !(value >= range.min)) throw invalidParameter(name, `a number >= ${range.min}`, value, 'range');
  if (range?.max !== undefined && !(value <= range.max)) throw invalidParameter(name, `a number <= ${range.max}`, value, 'range');
  if (range?.above !== undefined && !(value > range.above)) throw invalidParameter(name, `a number > ${range.above}`, value, 'range');
  return value;
}

/** Rejects option keys a rule does not know (a misspelt hyper-parameter must not pass silently). */
export function knownOptions(options: unknown, rule: string, known: readonly string[]): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) throw invalidParameter(`the options of ${rule}`, 'an options object', options);
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`Unknown option ${JSON.stringify(key)} for ${rule}; its options are: ${known.join(', ')}`);
  }
  return options as Record<string, unknown>;
}
