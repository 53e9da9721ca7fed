/** The process-wide runtime of the addon: instruction set, thread pool, and how it was built. */
import { native } from './binding';
import { invalidParameter } from './errors';

/** Every instruction set the kernels are compiled for, on some CPU (native/runtime/dispatch.cpp). */
export const INSTRUCTION_SETS = ['avx512bw', 'avx2', 'sse2', 'neon64'] as const;
export type InstructionSet = (typeof INSTRUCTION_SETS)[number];

/** The compiled instruction sets this CPU can run, best first (e.g. ['avx512bw', 'avx2', 'sse2']). */
export function instructionSets(): InstructionSet[] {
  return native.instructionSets() as InstructionSet[];
}

/** The instruction set the kernels use now. */
export function instructionSet(): InstructionSet {
  return native.instructionSet() as InstructionSet;
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
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > native.maxThreads) {
    throw invalidParameter('threads', `a whole number from 1 to ${native.maxThreads}`, threads, 'range');
  }
  native.setNumThreads(threads);
}

/** How a step's stages go across the thread pool: 'auto' (by their work, the default), 'always' or 'never'. */
export type Splitting = 'auto' | 'always' | 'never';

/** Whether the engine splits a stage across the pool by its work ('auto') or is forced to ('always', 'never'). */
export function splitting(): Splitting {
  return native.splitting() as Splitting;
}

/**
 * Forces how every stage of a step (encoder, connection, layer) goes across
 * the thread pool, process-wide: 'always' splits every stage that has more
 * than one chunk of work, 'never' keeps every stage on the calling thread,
 * 'auto' (the default) splits a stage when its work passes the threshold
 * of its kind ([engine.md](../docs/engine.md#one-step-of-the-plan)). For
 * tests and benchmarks: the bits are the same in every mode.
 */
export function setSplitting(mode: Splitting): void {
  if (typeof mode !== 'string' || !native.splittingModes.includes(mode)) {
    throw invalidParameter('mode', `one of ${native.splittingModes.map((m) => `'${m}'`).join(', ')}`, mode, 'range');
  }
  native.setSplitting(mode);
}

/**
 * The steps per block that Network.run and runAsync are forced to run layer
 * by layer ([engine.md](../docs/engine.md#blocks-of-steps)); 0 when the
 * engine chooses (the default, or the SPIKING_BLOCK_STEPS environment variable).
 */
export function blockSteps(): number {
  return native.blockSteps();
}

/**
 * Forces the engine's steps per block, process-wide (1 runs step by step);
 * 0 lets it choose again. For tests and benchmarks: the bits are the same
 * for every block size.
 */
export function setBlockSteps(steps: number): void {
  if (!Number.isSafeInteger(steps) || steps < 0 || steps > native.maxBlockSteps) {
    throw invalidParameter('steps', `a whole number from 0 to ${native.maxBlockSteps}`, steps, 'range');
  }
  native.setBlockSteps(steps);
}

/** How the loaded addon was built: 'cmake-js' or 'node-gyp' (prebuilds are node-gyp builds). */
export const buildSystem: string = native.buildSystem;
