/**
 * spiking: PySNN's neurons for Node.js, bit for bit, stepped by fused SIMD kernels.
 */
export type { StepResult, Persistent } from './layers/layer';
export { BaseInput, type BaseInputOptions } from './layers/base-input';
export { Input, type InputOptions } from './layers/input';
export { BaseNeuron, type BaseNeuronOptions, type CompleteTrace } from './layers/base-neuron';
export { IFNeuron, type IFNeuronOptions } from './layers/if-neuron';
export { LIFNeuron, type LIFNeuronOptions } from './layers/lif-neuron';
export { AdaptiveLIFNeuron, type AdaptiveLIFNeuronOptions } from './layers/adaptive-lif-neuron';
export { FedeNeuron, type FedeNeuronOptions } from './layers/fede-neuron';
export {
  AdaptiveThresholdLIFNeuron,
  type AdaptiveThresholdLIFNeuronOptions,
} from './layers/adaptive-threshold-lif-neuron';
export { NotImplementedError } from './errors';
export { loadLayer, loadLayerFile } from './layers/load-layer';
export { STATE_FORMAT_VERSION } from './state/codec';
export type { NeuronInput } from './layers/neuron-input';
export type { PerNeuron, UpdateType } from './layers/options';
export type { RecordName, RunOptions, RunResult } from './layers/run';
export {
  INSTRUCTION_SETS,
  instructionSets,
  instructionSet,
  setInstructionSet,
  numThreads,
  setNumThreads,
  splitting,
  setSplitting,
  type Splitting,
  blockSteps,
  setBlockSteps,
  buildSystem,
  type InstructionSet,
} from './runtime';
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
  SpikeCounter,
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
export { WeightRecorder, type WeightRecorderOptions } from './network/weight-recorder';
