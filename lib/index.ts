/**
 * spiking: PySNN's neurons for Node.js, bit for bit, stepped by fused SIMD kernels.
 */
import { native } from './native';

export { BaseInput, type BaseInputOptions, type StepResult } from './base-input';
export { Input, type InputOptions } from './input';
export { BaseNeuron, type BaseNeuronOptions, type CompleteTrace } from './base-neuron';
export { IFNeuron, type IFNeuronOptions } from './if-neuron';
export { LIFNeuron, type LIFNeuronOptions } from './lif-neuron';
export { AdaptiveLIFNeuron, type AdaptiveLIFNeuronOptions } from './adaptive-lif-neuron';
export { FedeNeuron, type FedeNeuronOptions } from './fede-neuron';
export { NotImplementedError } from './errors';
export { loadLayer, loadLayerFile, type Persistent } from './layer-state';
export { STATE_FORMAT_VERSION } from './state-format';
export type { NeuronInput } from './inputs';
export type { PerNeuron, UpdateType } from './options';

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

/** How the loaded addon was built: 'cmake-js' or 'node-gyp' (prebuilds are node-gyp builds). */
export const buildSystem: string = native.buildSystem;
