import { NotImplementedError, invalidParameter } from '../errors';
import { BaseNeuron } from '../layers/base-neuron';
import { Linear, type SynapseViews } from '../network/linear';

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
      if (!(neuron instanceof BaseNeuron)) throw invalidParameter(`${where}.neuron`, 'a neuron layer (IFNeuron, LIFNeuron, AdaptiveLIFNeuron or FedeNeuron)', neuron);
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
