// Loading the PySNN golden file and building layers from its cases.
import * as spiking from '../lib';

export interface GoldenExpect {
  spikes: number[];
  trace: number[];
  vCell?: number[];
  refracCounts?: number[];
  thresh?: number[];
}
export interface GoldenOp {
  op: 'forward' | 'resetState' | 'resetThresh';
  x?: number[] | number[][];
  preTrace?: number[] | number[][];
  expect: GoldenExpect;
}
export interface GoldenCase {
  name: string;
  class: 'Input' | 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron';
  params: Record<string, unknown>;
  foldWidth: number;
  ops: GoldenOp[];
  completeTrace?: { shape: number[]; data: number[] };
}
export interface GoldenFile {
  about: string;
  cases: GoldenCase[];
  constructorErrors: { why: string; class: GoldenCase['class']; params: Record<string, unknown> }[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const golden: GoldenFile = require('./fixtures/pysnn-neurons.json');

export type AnyLayer = spiking.Input | spiking.IFNeuron | spiking.LIFNeuron | spiking.AdaptiveLIFNeuron | spiking.FedeNeuron | spiking.AdaptiveThresholdLIFNeuron;

export function build(cls: GoldenCase['class'] | 'AdaptiveThresholdLIFNeuron', params: Record<string, unknown>): AnyLayer {
  const Class = spiking[cls] as unknown as new (options: unknown) => AnyLayer;
  return new Class(params);
}

/** Golden inputs as the API takes them: a Float32Array, or a list of them. */
export function toInput(x: number[] | number[][]): Float32Array | Float32Array[] {
  return Array.isArray(x[0]) ? (x as number[][]).map((a) => Float32Array.from(a)) : Float32Array.from(x as number[]);
}

export function applyOp(layer: AnyLayer, op: GoldenOp): void {
  if (op.op === 'resetState') return layer.resetState();
  if (op.op === 'resetThresh') return (layer as spiking.LIFNeuron).resetThresh();
  if (layer instanceof spiking.Input) {
    layer.forward(Float32Array.from(op.x as number[]));
  } else if (layer instanceof spiking.FedeNeuron) {
    layer.forward(toInput(op.x!), toInput(op.preTrace!));
  } else {
    layer.forward(toInput(op.x!));
  }
}

/**
 * Throws unless every state the golden op recorded equals the layer's with
 * === (the contract; Object.is would also tell -0 from 0), naming the first
 * mismatch.
 */
export function expectRecorded(layer: AnyLayer, op: GoldenOp, where: string): void {
  const keys = Object.keys(op.expect) as (keyof GoldenExpect)[];
  const got = snapshot(layer, keys);
  for (const key of keys) {
    const want = op.expect[key]!;
    const actual = got[key]!;
    const mismatch = want.findIndex((w, i) => !(actual[i] === w));
    if (mismatch !== -1) {
      throw new Error(`${where} (${op.op}): ${key}[${mismatch}] is ${actual[mismatch]}, PySNN has ${want[mismatch]}`);
    }
    if (actual.length !== want.length) throw new Error(`${where} (${op.op}): ${key} has ${actual.length} values, PySNN ${want.length}`);
  }
}

/** Every recorded state of the layer, as plain numbers, for exact comparison. */
export function snapshot(layer: AnyLayer, keys: readonly (keyof GoldenExpect)[]): Partial<Record<keyof GoldenExpect, number[]>> {
  const out: Partial<Record<keyof GoldenExpect, number[]>> = {};
  for (const key of keys) out[key] = Array.from((layer as unknown as Record<string, ArrayLike<number>>)[key]);
  return out;
}
