import * as fs from 'node:fs';
import { packageRoot } from '../binding';
import * as path from 'node:path';

import Ajv, { type ErrorObject } from 'ajv';

import { AdaptiveLIFNeuron } from '../layers/adaptive-lif-neuron';
import { AdaptiveThresholdLIFNeuron } from '../layers/adaptive-threshold-lif-neuron';
import { LatencyEncoder, PoissonEncoder, type Encoder } from '../network/encoders';
import { describe } from '../errors';
import { FedeNeuron } from '../layers/fede-neuron';
import { IFNeuron } from '../layers/if-neuron';
import { Input } from '../layers/input';
import { LIFNeuron } from '../layers/lif-neuron';
import { initialWeights, Linear, type WeightInit } from '../network/linear';
import { defaultConnectionName, Network, type NetworkLayer, type Recorder } from '../network/network';
import { readNpy } from '../io/npy';
import { RasterPlot } from '../network/raster';
import { SpikeBitsRecorder, SpikeEventRecorder, StateRecorder, STATE_VARIABLES, type Recording } from '../network/recorders';
import { DOMAINS, uniformFill } from '../network/random';
import { WeightRecorder } from '../network/weight-recorder';
import { BaseNeuron } from '../layers/base-neuron';
import { learningOptions, runLearning, type LearningSpec, type RunLearningSpec } from './experiment-learning';

/** The published schema of experiment files (schema/experiment.schema.json). */
export const SCHEMA_PATH = path.join(packageRoot(), 'schema', 'experiment.schema.json');

/** A problem with an experiment file: the message names the file and the field. */
export class ExperimentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExperimentError';
  }
}

export type Values = number | number[] | { uniform: [number, number]; seed?: number } | { npy: string; scale?: number };

export interface ExperimentLayer {
  name: string;
  kind: 'Input' | 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron' | 'AdaptiveThresholdLIFNeuron';
  shape: number[];
  encoder?:
    | { kind: 'poisson'; rate: Values; seed?: number }
    | { kind: 'latency'; intensity: Values; window: number; threshold?: number; jitter?: number; seed?: number };
  [param: string]: unknown;
}

export interface ConnectionSpec {
  name?: string;
  kind: 'Linear';
  from: string;
  to: string;
  delay?: number | { npy: string };
  weights?: { init: 'uniform'; low?: number; high?: number; seed?: number } | { init: 'normal'; mean?: number; std?: number; seed?: number } | { init: 'constant'; value: number } | { init: 'npy'; file: string };
  learning?: LearningSpec;
}

export interface RecordingSpec {
  /** A layer's variable; or, with variable 'weight', `connection` instead. */
  layer?: string;
  connection?: string;
  variable: 'spikes' | 'vCell' | 'trace' | 'thresh' | 'refracCounts' | 'theta' | 'weight';
  format?: 'events' | 'bits';
  samples?: number[];
  neurons?: number[];
  every?: number;
  file?: string;
}

export interface Experiment {
  name?: string;
  description?: string;
  steps: number;
  batch: number;
  dt: number;
  seed?: number;
  layers: ExperimentLayer[];
  connections?: ConnectionSpec[];
  learning?: RunLearningSpec;
  record?: RecordingSpec[];
  plot?: { layers?: string[]; sample?: number; maxSpikes?: number };
}

/** A mistake in how an option was written (--set, --sweep) rather than in the experiment: the CLI adds a hint. */
export class UsageError extends ExperimentError {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Where an experiment came from: its file (for messages) and the folder its paths are relative to. */
export interface Origin {
  file: string;
  dir: string;
}

// ---- reading, overriding, validating ------------------------------------

/** Reads and parses an experiment file; JSON errors give the line and column. */
export function readExperiment(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ExperimentError(code === 'ENOENT' ? `${file} does not exist` : `${file} could not be read (${code ?? String(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /position (\d+)/.exec(message);
    let where = '';
    if (at) {
      const before = text.slice(0, Number(at[1]));
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${Number(at[1]) - before.lastIndexOf('\n')}`;
    }
    throw new ExperimentError(`${file} is not valid JSON${where}: ${message}`);
  }
}

function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The top-level fields of an experiment (schema/experiment.schema.json). */
const TOP_LEVEL = ['name', 'description', 'steps', 'batch', 'dt', 'seed', 'layers', 'connections', 'learning', 'record', 'plot'];

/** Splits "a.b.c=value" into a path and a value (JSON when it parses, else the string). */
export function parseAssignment(text: string, option: string): { path: string[]; raw: string; value: unknown } {
  const eq = text.indexOf('=');
  const target = eq > 0 ? text.slice(0, eq) : '';
  const path = target.split('.');
  if (eq <= 0 || path.some((p) => p === '')) {
    throw new UsageError(`${option} ${JSON.stringify(text)}: expected name.field=value (a layer or connection name, or a top-level field, then its field path)`);
  }
  const raw = text.slice(eq + 1);
  return { path, raw, value: parseValue(raw) };
}

/**
 * Sets one field: the first part of the path is a layer name, a connection
 * name or a top-level field of the experiment. Works on the parsed JSON,
 * before validation, so an override is validated like the file. Returns the
 * JSON pointer of the field it set (/layers/1/tauV), for validateExperiment.
 */
export function applyOverride(experiment: unknown, assignment: string, option = '--set'): string {
  const { path: parts, value } = parseAssignment(assignment, option);
  if (typeof experiment !== 'object' || experiment === null) return '';
  const exp = experiment as Record<string, unknown>;
  const named = (list: unknown, name: string): number =>
    Array.isArray(list) ? list.findIndex((item) => connectionName(item) === name || (item as { name?: unknown })?.name === name) : -1;
  const layer = named(exp.layers, parts[0]);
  const connection = layer < 0 ? named(exp.connections, parts[0]) : -1;
  let target: Record<string, unknown> | undefined =
    layer >= 0 ? (exp.layers as Record<string, unknown>[])[layer] : connection >= 0 ? (exp.connections as Record<string, unknown>[])[connection] : undefined;
  let rest = parts.slice(1);
  let pointer = layer >= 0 ? `/layers/${layer}` : connection >= 0 ? `/connections/${connection}` : '';
  if (!target) {
    if (TOP_LEVEL.includes(parts[0])) {
      target = exp;
      rest = parts;
      pointer = '';
    } else {
      const layers = Array.isArray(exp.layers) ? exp.layers.map((l) => (l as { name?: unknown })?.name).join(', ') : '';
      const conns = Array.isArray(exp.connections) ? exp.connections.map(connectionName).join(', ') : '';
      throw new UsageError(`${option} ${assignment}: no layer or connection named "${parts[0]}" (layers: ${layers || 'none'}; connections: ${conns || 'none'})`);
    }
  }
  if (rest.length === 0) throw new UsageError(`${option} ${assignment}: name a field of "${parts[0]}", e.g. ${parts[0]}.thresh=1`);
  let node = target;
  for (const key of rest.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      node[key] = {};
    }
    node = node[key] as Record<string, unknown>;
  }
  node[rest[rest.length - 1]] = value;
  return pointer + rest.map((key) => `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function connectionName(item: unknown): string | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const c = item as { name?: unknown; from?: unknown; to?: unknown; kind?: unknown };
  if (typeof c.name === 'string') return c.name;
  return typeof c.from === 'string' && typeof c.to === 'string' && c.kind !== undefined ? defaultConnectionName(c.from, c.to) : undefined;
}

let validator: ReturnType<Ajv['compile']> | null = null;

function compiled(): ReturnType<Ajv['compile']> {
  if (!validator) {
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
    validator = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8')));
  }
  return validator;
}

/** A field path for messages: /layers/1/tauV -> layers[1] ("hidden").tauV */
function fieldPath(experiment: unknown, pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = experiment;
  let out = '';
  for (const part of parts) {
    node = (node as Record<string, unknown> | undefined)?.[part];
    if (/^\d+$/.test(part)) {
      out += `[${part}]`;
      const name = (node as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string') out += ` ("${name}")`;
    } else {
      out += out ? `.${part}` : part;
    }
  }
  return out || 'the experiment';
}

function explain(error: ErrorObject, experiment: unknown): string {
  const where = fieldPath(experiment, error.instancePath);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${where}: missing required field "${p.missingProperty}"`;
    case 'additionalProperties': {
      const allowed = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      return `${where}: unknown field "${p.additionalProperty}"${allowed.length ? `; expected one of ${allowed.join(', ')}` : ''}`;
    }
    case 'enum':
      return `${where}: expected one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} but received ${describe(error.data)}`;
    case 'oneOf': {
      const description = (error.parentSchema as { description?: string })?.description;
      return `${where}: expected ${description ? description[0].toLowerCase() + description.slice(1).replace(/\.$/, '') : 'one of the allowed forms'} but received ${describe(error.data)}`;
    }
    default:
      return `${where}: expected ${expectation(error)} but received ${describe(error.data)}`;
  }
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

/** What a failed schema keyword asked for, as a person would say it. */
function expectation(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  const limit = p.limit as number;
  const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  switch (error.keyword) {
    case 'type':
      return String(p.type).split(',').map((t) => TYPE_WORDS[t] ?? t).join(' or ');
    case 'minimum':
      return `a number >= ${limit}`;
    case 'exclusiveMinimum':
      return `a number > ${limit}`;
    case 'maximum':
      return `a number <= ${limit}`;
    case 'exclusiveMaximum':
      return `a number < ${limit}`;
    case 'multipleOf':
      return `a multiple of ${String(p.multipleOf)}`;
    case 'minItems':
      return `a list of at least ${plural(limit, 'entry', 'entries')}`;
    case 'maxItems':
      return `a list of at most ${plural(limit, 'entry', 'entries')}`;
    case 'minLength':
      return `a string of at least ${plural(limit, 'character')}`;
    case 'maxLength':
      return `a string of at most ${plural(limit, 'character')}`;
    case 'uniqueItems':
      return `a list without repeats (entries ${String(p.j)} and ${String(p.i)} are the same)`;
    case 'const':
      return JSON.stringify(p.allowedValue);
    case 'pattern':
      return `a string matching ${String(p.pattern)}`;
    case 'format':
      return `a ${String(p.format)}`;
    default:
      return `a value that ${error.message ?? 'the schema allows'}`;
  }
}

/** A field an option set: the JSON pointer applyOverride returned, and the option as typed (--set steps=abc). */
export interface OverrideSource {
  pointer: string;
  option: string;
}

/**
 * Checks an experiment against the published schema; throws an
 * ExperimentError naming the field, and blaming the option that set it
 * (`overrides`) or else the file.
 */
export function validateExperiment(experiment: unknown, file: string, overrides: readonly OverrideSource[] = []): Experiment {
  const validate = compiled();
  if (validate(experiment)) return experiment as Experiment;
  let errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  // A oneOf that failed explains itself better than each of its branches.
  for (const one of errors.filter((e) => e.keyword === 'oneOf')) {
    const under = (e: ErrorObject) => e.instancePath === one.instancePath || e.instancePath.startsWith(`${one.instancePath}/`);
    errors = errors.filter((e) => !(under(e) && e.schemaPath.startsWith(`${one.schemaPath}/`)));
  }
  // The deepest error is the most specific one.
  errors.sort((a, b) => b.instancePath.split('/').length - a.instancePath.split('/').length);
  // An error in a field an option set is the option's, not the file's.
  const source = (e: ErrorObject): string => {
    const extra = (e.params as { additionalProperty?: string; missingProperty?: string }).additionalProperty;
    const at = extra === undefined ? e.instancePath : `${e.instancePath}/${extra}`;
    const blamed = [...overrides].reverse().find((o) => at === o.pointer || at.startsWith(`${o.pointer}/`));
    return blamed ? blamed.option : file;
  };
  const shown = errors.slice(0, 3);
  const first = source(shown[0]);
  const text = shown.map((e, k) => (k > 0 && source(e) !== first ? `${source(e)}: ` : '') + explain(e, experiment));
  const more = errors.length > 3 ? ` (and ${errors.length - 3} more)` : '';
  throw new ExperimentError(`${first}: ${text.join('; ')}${more}`);
}

// ---- building -----------------------------------------------------------

/** Everything `spiking run` needs for one experiment. */
export interface Built {
  experiment: Experiment;
  network: Network;
  /** Recorders writing into `outDir`, with what each will have written. */
  recorders: Array<Recorder & { describe(): Recording }>;
  plot: RasterPlot | null;
  layerKinds: Record<string, string>;
  /** The run's learning options (the experiment's top-level learning block). */
  learning: { learning?: boolean; reward?: number };
}

/**
 * Samples first .. first + count - 1 of an experiment's batch: a shard, run on
 * its own (spiking run --shard-batch). Encoders key their draws by the sample's
 * index in the whole batch and samples never interact, so the shards of a
 * batch together hold exactly the one run's spikes and states.
 */
export interface Shard {
  first: number;
  count: number;
}

interface Context {
  experiment: Experiment;
  origin: Origin;
  shard: Shard;
}

/** The shard's part of batch * perSample values (all of them without a shard). */
function shardOf<T extends { slice(a: number, b: number): T; length: number }>(values: T, perSample: number, ctx: Context): T {
  const { first, count } = ctx.shard;
  if (first === 0 && count === ctx.experiment.batch) return values;
  return values.slice(first * perSample, (first + count) * perSample);
}

function fail(where: string, message: string): never {
  throw new ExperimentError(`${where}: ${message}`);
}

/** Values of a layer: a number or a Float32Array of perSample or batch * perSample values. */
function resolveValues(spec: Values, where: string, perSample: number, ctx: Context, stream: number): number | Float32Array {
  const { batch } = ctx.experiment;
  const total = batch * perSample;
  if (typeof spec === 'number') return spec;
  if (Array.isArray(spec)) {
    if (spec.length !== perSample && spec.length !== total) fail(where, `expected ${perSample} values (one per neuron of a sample) or ${total} (one per neuron of the batch) but received ${spec.length}`);
    return spec.length === total ? shardOf(Float32Array.from(spec), perSample, ctx) : Float32Array.from(spec);
  }
  if ('uniform' in spec) {
    const [low, high] = spec.uniform;
    if (!(high >= low)) fail(`${where}.uniform`, `expected [low, high] with high >= low but received [${low}, ${high}]`);
    return shardOf(uniformFill(new Float32Array(total), low, high, spec.seed ?? ctx.experiment.seed ?? 0, stream, DOMAINS.values), perSample, ctx);
  }
  const file = path.resolve(ctx.origin.dir, spec.npy);
  let array;
  try {
    array = readNpy(file);
  } catch (e) {
    fail(`${where}.npy`, (e as Error).message);
  }
  if (array.data.length !== perSample && array.data.length !== total) {
    fail(`${where}.npy`, `expected ${file} to hold ${perSample} values (one per neuron of a sample) or ${total} (batch ${batch} x ${perSample}) but it has shape (${array.shape.join(', ')})`);
  }
  const scale = spec.scale ?? 1;
  const values = Float32Array.from(array.data as ArrayLike<number>, (v) => v * scale);
  return values.length === total ? shardOf(values, perSample, ctx) : values;
}

/** A per-neuron parameter for the layer classes: a number, or batch * perSample values. */
function perNeuron(value: unknown, where: string, perSample: number, ctx: Context): unknown {
  if (!Array.isArray(value)) return value;
  const batch = ctx.experiment.batch;
  if (value.length === batch * perSample) return shardOf(value, perSample, ctx);
  if (value.length !== perSample) fail(where, `expected a number, ${perSample} values (one per neuron of a sample) or ${batch * perSample} but received ${value.length}`);
  return Array.from({ length: ctx.shard.count * perSample }, (_, k) => value[k % perSample]);
}

const NEURON_CLASSES = { IFNeuron, LIFNeuron, AdaptiveLIFNeuron, FedeNeuron, AdaptiveThresholdLIFNeuron } as const;
const PER_NEURON = ['thresh', 'alphaV', 'alphaT', 'tauV', 'tauT', 'alphaThresh', 'tauThresh', 'thetaPlus', 'tauTheta'];

function buildLayer(spec: ExperimentLayer, index: number, ctx: Context): { layer: NetworkLayer; source: Encoder | null } {
  const where = `${ctx.origin.file}: layers[${index}] ("${spec.name}")`;
  const { dt } = ctx.experiment;
  const cellsShape = [ctx.shard.count, ...spec.shape];
  const perSample = spec.shape.reduce((a, b) => a * b, 1);
  const options: Record<string, unknown> = { cellsShape, dt };
  for (const [key, value] of Object.entries(spec)) {
    if (key === 'name' || key === 'kind' || key === 'shape' || key === 'encoder') continue;
    options[key] = PER_NEURON.includes(key) ? perNeuron(value, `${where}.${key}`, perSample, ctx) : value;
  }
  const wrap = <T>(make: () => T, at = where): T => {
    try {
      return make();
    } catch (e) {
      if (e instanceof ExperimentError) throw e;
      throw new ExperimentError(`${at}: ${(e as Error).message}`);
    }
  };
  if (spec.kind !== 'Input') {
    const Class = NEURON_CLASSES[spec.kind];
    return { layer: wrap(() => new Class(options as never)), source: null };
  }
  const layer = wrap(() => new Input(options as never));
  const enc = spec.encoder;
  if (!enc) fail(where, 'an Input layer needs an "encoder" (poisson or latency) in an experiment file');
  const seed = enc.seed ?? ctx.experiment.seed ?? 0;
  const at = `${where}.encoder`;
  const source: Encoder =
    enc.kind === 'poisson'
      ? wrap(() => new PoissonEncoder({ cellsShape, dt, seed, firstSample: ctx.shard.first, rates: resolveValues(enc.rate, `${at}.rate`, perSample, ctx, index) }), at)
      : wrap(
          () =>
            new LatencyEncoder({
              cellsShape,
              window: enc.window,
              threshold: enc.threshold,
              jitter: enc.jitter,
              seed,
              firstSample: ctx.shard.first,
              intensities: resolveValues(enc.intensity, `${at}.intensity`, perSample, ctx, index),
            }),
          at,
        );
  return { layer, source };
}

function buildConnection(spec: ConnectionSpec, index: number, ctx: Context, layers: Map<string, NetworkLayer>): Linear {
  const name = spec.name ?? defaultConnectionName(spec.from, spec.to);
  const where = `${ctx.origin.file}: connections[${index}] ("${name}")`;
  const from = layers.get(spec.from);
  const to = layers.get(spec.to);
  const names = [...layers.keys()].join(', ');
  if (!from) fail(`${where}.from`, `no layer named "${spec.from}" (layers: ${names})`);
  if (!to) fail(`${where}.to`, `no layer named "${spec.to}" (layers: ${names})`);
  if (to instanceof Input) fail(`${where}.to`, `"${spec.to}" is an Input layer, which takes spikes from its encoder, not current`);
  const inF = from.size / from.cellsShape[0];
  const outF = to.size / to.cellsShape[0];
  let delay: number | Float32Array = 0;
  if (typeof spec.delay === 'number') delay = spec.delay;
  else if (spec.delay) {
    const file = path.resolve(ctx.origin.dir, spec.delay.npy);
    let array;
    try {
      array = readNpy(file);
    } catch (e) {
      fail(`${where}.delay.npy`, (e as Error).message);
    }
    if (!(array.shape.length === 2 && array.shape[0] === outF && array.shape[1] === inF)) {
      fail(`${where}.delay.npy`, `expected ${file} to have shape (${outF}, ${inF}) (out, in) but received shape (${array.shape.join(', ')})`);
    }
    delay = Float32Array.from(array.data as ArrayLike<number>);
  }
  const w = spec.weights ?? { init: 'uniform' as const };
  const seed = 'seed' in w && w.seed !== undefined ? w.seed : (ctx.experiment.seed ?? 0);
  const weight: WeightInit =
    w.init === 'npy'
      ? { init: 'npy', file: path.resolve(ctx.origin.dir, w.file) }
      : w.init === 'constant'
        ? w
        : { ...w, seed, stream: index };
  let values: Float32Array;
  try {
    values = initialWeights(weight, outF, inF);
  } catch (e) {
    throw new ExperimentError(`${where}.weights: ${(e as Error).message}`);
  }
  try {
    return new Linear({ inFeatures: inF, outFeatures: outF, batchSize: ctx.shard.count, dt: ctx.experiment.dt, delay, weight: { init: 'values', values } });
  } catch (e) {
    throw new ExperimentError(`${where}: ${(e as Error).message}`);
  }
}

/** The file a recording writes into the output folder. */
export function recordingFile(spec: RecordingSpec): string {
  if (spec.file) return spec.file;
  if (spec.variable === 'weight') return `${spec.connection}-weight.npy`;
  return spec.variable === 'spikes' ? `${spec.layer}-spikes-${spec.format ?? 'events'}.npy` : `${spec.layer}-${spec.variable}.npy`;
}

/** Checks what the schema cannot: names that must exist and be unique, indices within their layers. */
function checkReferences(exp: Experiment, origin: Origin): void {
  const file = origin.file;
  const layerNames = new Map<string, ExperimentLayer>();
  exp.layers.forEach((l, i) => {
    if (layerNames.has(l.name)) fail(`${file}: layers[${i}].name`, `"${l.name}" names two layers`);
    layerNames.set(l.name, l);
  });
  const connNames = new Set<string>();
  (exp.connections ?? []).forEach((c, i) => {
    const name = c.name ?? defaultConnectionName(c.from, c.to);
    if (connNames.has(name) || layerNames.has(name)) fail(`${file}: connections[${i}].name`, `"${name}" is already the name of a ${connNames.has(name) ? 'connection' : 'layer'}; give this connection a "name"`);
    connNames.add(name);
  });
  const perSample = (l: ExperimentLayer) => l.shape.reduce((a, b) => a * b, 1);
  const files = new Set<string>();
  (exp.record ?? []).forEach((r, i) => {
    const where = `${file}: record[${i}]`;
    if (r.variable === 'weight' || r.connection !== undefined) {
      checkWeightRecording(r, where, connNames);
      const out = recordingFile(r);
      if (files.has(out) || out === 'summary.json') fail(`${where}.file`, `"${out}" is written by another recording; give this one a "file"`);
      files.add(out);
      return;
    }
    const layer = r.layer === undefined ? undefined : layerNames.get(r.layer);
    if (!layer) fail(`${where}.layer`, r.layer === undefined ? 'a layer to record (or, with variable "weight", a connection)' : `no layer named "${r.layer}" (layers: ${[...layerNames.keys()].join(', ')})`);
    const variables = layer.kind === 'Input' ? STATE_VARIABLES.input : layer.kind === 'AdaptiveThresholdLIFNeuron' ? STATE_VARIABLES.theta : STATE_VARIABLES.neuron;
    const allowed: readonly string[] = ['spikes', ...variables];
    if (!allowed.includes(r.variable)) fail(`${where}.variable`, `expected one of ${allowed.join(', ')} for ${layer.kind} layer "${r.layer}" but received "${r.variable}"`);
    if (r.variable === 'spikes' && (r.samples || r.neurons || r.every)) fail(where, 'spikes are recorded for the whole layer at every step: samples, neurons and every apply to state variables');
    if (r.variable !== 'spikes' && r.format) fail(`${where}.format`, 'format applies to spikes only');
    r.samples?.forEach((b, k) => b >= exp.batch && fail(`${where}.samples[${k}]`, `expected a sample index below the batch size ${exp.batch} but received ${b}`));
    r.neurons?.forEach((n, k) => n >= perSample(layer) && fail(`${where}.neurons[${k}]`, `expected a neuron index below ${perSample(layer)} (neurons per sample of "${r.layer}") but received ${n}`));
    const out = recordingFile(r);
    if (files.has(out) || out === 'summary.json') fail(`${where}.file`, `"${out}" is written by another recording; give this one a "file"`);
    files.add(out);
  });
  exp.plot?.layers?.forEach((name, k) => !layerNames.has(name) && fail(`${file}: plot.layers[${k}]`, `no layer named "${name}" (layers: ${[...layerNames.keys()].join(', ')})`));
  if (exp.plot?.sample !== undefined && exp.plot.sample >= exp.batch) fail(`${file}: plot.sample`, `expected a sample index below the batch size ${exp.batch} but received ${exp.plot.sample}`);
}

/** A weight recording: a connection of the experiment, variable "weight", every at most. */
function checkWeightRecording(r: RecordingSpec, where: string, connections: Set<string>): void {
  if (r.variable !== 'weight') fail(`${where}.variable`, `expected "weight" for a recording of connection "${r.connection}" but received "${r.variable}"`);
  if (r.layer !== undefined) fail(`${where}.layer`, 'a weight recording names a connection, not a layer');
  if (r.connection === undefined || !connections.has(r.connection)) {
    fail(`${where}.connection`, `no connection named ${JSON.stringify(r.connection)} (connections: ${[...connections].join(', ') || 'none'})`);
  }
  if (r.samples || r.neurons || r.format) fail(where, 'samples, neurons and format apply to layer recordings; a weight recording takes every and file');
}

/** The name of the raster plot in the output folder. */
export const PLOT_FILE = 'raster.svg';

/**
 * Builds the network of a validated experiment, and the recorders and plot
 * that will write into `outDir`. Every check runs before any file is opened.
 * With a shard, only its samples: a state recording keeps the samples it
 * asked for that fall in the shard (none: no recorder), the plot is drawn by
 * the shard holding its sample, and `experiment.batch` of the result is the
 * shard's size.
 */
export function buildExperiment(experiment: Experiment, origin: Origin, outDir: string, shard?: Shard): Built {
  checkReferences(experiment, origin);
  const part = shard ?? { first: 0, count: experiment.batch };
  if (!Number.isSafeInteger(part.first) || !Number.isSafeInteger(part.count) || part.first < 0 || part.count < 1 || part.first + part.count > experiment.batch) {
    throw new ExperimentError(`${origin.file}: expected a shard of samples within the batch of ${experiment.batch} but received first ${part.first}, count ${part.count}`);
  }
  const inShard = (b: number) => b >= part.first && b < part.first + part.count;
  const ctx: Context = { experiment, origin, shard: part };
  const network = new Network();
  const layers = new Map<string, NetworkLayer>();
  const layerKinds: Record<string, string> = {};
  experiment.layers.forEach((spec, i) => {
    const { layer, source } = buildLayer(spec, i, ctx);
    network.addLayer(spec.name, layer, source ? { source } : {});
    layers.set(spec.name, layer);
    layerKinds[spec.name] = spec.kind;
  });
  (experiment.connections ?? []).forEach((spec, i) => {
    const linear = buildConnection(spec, i, ctx, layers);
    if (!spec.learning) return network.connect(spec.from, spec.to, linear, spec.name);
    const name = spec.name ?? defaultConnectionName(spec.from, spec.to);
    const where = `${origin.file}: connections[${i}] ("${name}").learning`;
    if (shard) fail(where, 'a connection that learns cannot be split into shards of samples (its weights are shared by the batch); run it whole');
    const target = layers.get(spec.to);
    if (!(target instanceof BaseNeuron)) fail(where, `the target "${spec.to}" must be a neuron layer`);
    try {
      network.connect(spec.from, spec.to, linear, learningOptions(spec.learning, linear, target, name));
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) fail(where, e.message);
      throw e;
    }
  });
  const recorders = (experiment.record ?? []).flatMap((r): Built['recorders'] => {
    const file = path.join(outDir, recordingFile(r));
    if (r.variable === 'weight') return [new WeightRecorder({ connection: r.connection!, file, ...(r.every ? { every: r.every } : {}) })];
    if (r.layer === undefined) return [];
    if (r.variable === 'spikes') return [r.format === 'bits' ? new SpikeBitsRecorder(r.layer, file) : new SpikeEventRecorder(r.layer, file)];
    const samples = (r.samples ?? Array.from({ length: experiment.batch }, (_, b) => b)).filter(inShard).map((b) => b - part.first);
    if (shard && samples.length === 0) return []; // none of its samples is asked for
    return [new StateRecorder({ layer: r.layer, variable: r.variable, file, samples: shard || r.samples ? samples : undefined, neurons: r.neurons, every: r.every })];
  });
  const sample = experiment.plot?.sample ?? 0;
  const plot = inShard(sample)
    ? new RasterPlot({
        file: path.join(outDir, PLOT_FILE),
        layers: experiment.plot?.layers ?? experiment.layers.map((l) => l.name),
        sample: sample - part.first,
        sampleLabel: sample,
        maxSpikes: experiment.plot?.maxSpikes,
        title: experiment.name,
      })
    : null;
  const learning = runLearning(experiment.learning);
  if (learning.reward !== undefined && !network.connections.some((c) => c.learning)) {
    fail(`${origin.file}: learning.reward`, 'a reward needs a connection with a learning block');
  }
  return { experiment: shard ? { ...experiment, batch: part.count } : experiment, network, recorders, plot, layerKinds, learning };
}
