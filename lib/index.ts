/**
 * spiking: PySNN's neurons for Node.js, bit for bit, stepped by fused SIMD kernels.
 */
import { native } from './binding';

export { BaseInput, type BaseInputOptions, type StepResult } from './layers/base-input';
export { Input, type InputOptions } from './layers/input';
export { BaseNeuron, type BaseNeuronOptions, type CompleteTrace } from './layers/base-neuron';
export { IFNeuron, type IFNeuronOptions } from './layers/if-neuron';
export { LIFNeuron, type LIFNeuronOptions } from './layers/lif-neuron';
export { AdaptiveLIFNeuron, type AdaptiveLIFNeuronOptions } from './layers/adaptive-lif-neuron';
export { FedeNeuron, type FedeNeuronOptions } from './layers/fede-neuron';
export { NotImplementedError } from './errors';
export { loadLayer, loadLayerFile, type Persistent } from './state/layer-state';
export { STATE_FORMAT_VERSION } from './state/codec';
export type { NeuronInput } from './layers/neuron-input';
export type { PerNeuron, UpdateType } from './layers/options';
export type { RecordName, RunOptions, RunResult } from './layers/run';

/** The compiled instruction sets this CPU can run, best first (e.g. ['avx512bw', 'avx2', 'sse2']). */
export function instructionSets(): string[] {
  return native.instructionSets();
}

/** The instruction set the kernels use now. */
export function instructionSet(): string {
  return native.instructionSet();
}

/**
 * Makes every layer in this process (all worker threads included) use the
 * named instruction set; for tests and benchmarks. The default, or the
 * SPIKING_ISA environment variable, picks the best one.
 */
export function setInstructionSet(name: string): void {
  if (!native.setInstructionSet(name)) {
    throw new RangeError(
      `Expected one of ${native.instructionSets().join(', ')} for the instruction set but received ${JSON.stringify(name)}`,
    );
  }
}

/** Threads that large steps and runs are split across (the caller included). */
export function numThreads(): number {
  return native.numThreads();
}

/**
 * Sets the size of the process-wide thread pool (the caller included; 1 runs
 * everything on the calling thread). Results are the same bits for any count.
 * The default is the number of cores, or the SPIKING_NUM_THREADS environment variable.
 */
export function setNumThreads(threads: number): void {
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > 1024) {
    throw new RangeError(`Expected a whole number from 1 to 1024 for threads but received ${String(threads)}`);
  }
  native.setNumThreads(threads);
}

/** How the loaded addon was built: 'cmake-js' or 'node-gyp' (prebuilds are node-gyp builds). */
export const buildSystem: string = native.buildSystem;
export { Linear, type LinearOptions, type LinearForward, type WeightInit } from './network/linear';
export { readNpy, writeNpy, parseNpy, NpyStream, type NpyArray, type NpyDescr } from './io/npy';
export { DOMAINS, philoxWords, uniformFill, normalFill } from './network/random';
export type { SampleMask } from './layers/sample-mask';
export {
  PoissonEncoder,
  LatencyEncoder,
  type Encoder,
  type EncoderValues,
  type PoissonEncoderOptions,
  type LatencyEncoderOptions,
} from './network/encoders';
export {
  Network,
  type NetworkLayer,
  type NetworkView,
  type Recorder,
  type NetworkRunOptions,
  type NetworkRunResult,
  type ConnectionInfo,
} from './network/network';
export {
  SpikeEventRecorder,
  SpikeBitsRecorder,
  StateRecorder,
  STATE_VARIABLES,
  type Recording,
  type StateRecorderOptions,
} from './network/recorders';
export { RasterPlot, type RasterOptions } from './network/raster';
export {
  readExperiment,
  validateExperiment,
  buildExperiment,
  applyOverride,
  ExperimentError,
  SCHEMA_PATH,
  type Experiment,
  type Built,
} from './cli/experiment';
export { LearningRule, type RuleLayer, type RuleLayers, type Reduction } from './learning/learning-rule';
export { MSTDPET, type MSTDPETOptions } from './learning/mstdpet';
export { FedeSTDP, type FedeSTDPOptions } from './learning/fede-stdp';
export { PairSTDP, type PairSTDPOptions } from './learning/pair-stdp';
export { normalizeWeights } from './learning/normalize';
