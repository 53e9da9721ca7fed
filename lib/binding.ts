import * as fs from 'node:fs';
import * as path from 'node:path';

// node-gyp-build loads build/Release (cmake-js or node-gyp) when present,
// else the prebuild for this platform from prebuilds/. SPIKING_ADDON=<path
// to a .node file> loads that binary instead (the sanitizer build, say).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as ((dir: string) => unknown) & {
  /** The .node file load(dir) would load: build/Release first, then prebuilds/<platform>-<arch>. */
  resolve(dir: string): string;
};

/*
 * The addon's contracts, read at load: every slot number, name order and
 * limit below comes from native/abi (exported by native/binding/layout.cpp),
 * so lib/ holds no second copy. The types name the keys; the values, and
 * the order of every list, are the addon's.
 */

/** The layer models the addon runs (abi/layer_layout.hpp kModelTraits), by their class names. */
export type ModelName = 'Input' | 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron' | 'AdaptiveThresholdLIFNeuron';
export type UpdateType = 'linear' | 'exponential';
/** Per-neuron-or-scalar parameters (abi kParamNames). */
export type ParamName = 'alphaV' | 'alphaT' | 'tauV' | 'tauT' | 'alphaThresh' | 'tauThresh' | 'thetaPlus' | 'tauTheta';
/** The state run() can record after every step (abi kRecordTraits). */
export type RecordName = 'vCell' | 'trace' | 'refracCounts' | 'thresh' | 'theta';

/** The layer slab (native/abi/layer_layout.hpp). */
export interface LayerLayout {
  slots: Record<
    | 'magic' | 'model' | 'update' | 'cells' | 'dt' | 'vRest' | 'refracSteps' | 'vCell' | 'trace'
    | 'refracCounts' | 'refracLeft' | 'thresh' | 'spikes' | 'theta' | 'params' | 'count',
    number
  >;
  models: Record<ModelName, number>;
  updates: Record<UpdateType, number>;
  /** In slot order: parameter p is at slots.params + 2p. */
  params: readonly ParamName[];
  /** In the order run() takes its record outputs and runAsync's mask numbers them. */
  records: readonly RecordName[];
  /** The records each model has, in record order. */
  recordsOf: Record<ModelName, readonly RecordName[]>;
  /** The update types each model takes. */
  updatesOf: Record<ModelName, readonly UpdateType[]>;
  magic: number;
  headerBytes: number;
  maxRefracSteps: number;
}

/** The connection slab (native/abi/connection_layout.hpp). */
export interface ConnectionLayout {
  slots: Record<
    'magic' | 'batch' | 'in' | 'out' | 'stride' | 'rows' | 'head' | 'delay' | 'weights' | 'delays' | 'ring' | 'events' | 'count',
    number
  >;
  modes: Record<'current' | 'products' | 'difference', number>;
  magic: number;
  headerBytes: number;
  /** Rows of the input-major weights are padded to a multiple of this many floats. */
  pad: number;
  maxDelay: number;
  /** The entries of the uint32 event scratch a connection of this size needs. */
  eventEntries(batch: number, inFeatures: number, rows: number, perSynapse: boolean): number;
}

/** Everything the addon exports: native/binding/addon.cpp and connections.cpp. */
/** A connection as Linear.synapses() gives it: weights, delays (or null), ring and dims [batch, in, out, stride, rows, head, delay]. */
type Synapses = [weights: Float32Array, delays: Float32Array | null, ring: Uint8Array, dims: Float64Array];

export interface NativeBinding {
  // Layers (addon.cpp)
  step(slab: ArrayBuffer, x: unknown, preTrace?: unknown): void;
  run(slab: ArrayBuffer, x: unknown, preTrace: unknown, steps: number, spikes: Uint8Array, records: (Float32Array | null)[]): void;
  runAsync(
    slab: ArrayBuffer,
    x: unknown,
    preTrace: unknown,
    steps: number,
    recordMask: number,
  ): Promise<{ spikes: Uint8Array; records: (Float32Array | undefined)[] }>;
  streamProbe(slab: ArrayBuffer, x: Float32Array): void;
  /** spikes[i] = x[i] >= 1: the least memory traffic of a run (5 bytes per neuron-step), the benchmark's reference. */
  trafficFloor(x: Float32Array, spikes: Uint8Array): void;
  /** The thread pool's fork/join: the median of `calls` parallelFor calls of one trivial task per thread, each after a sleep of pauseMicroseconds (default 0). */
  forkJoinProbe(calls: number, pauseMicroseconds?: number): { medianMicros: number; workerShare: number };
  /** The core's peak float32 add rate, registers only: does `rounds` rounds of vector adds and returns the float adds done (the caller times it). */
  addPeakProbe(rounds: number): number;
  /**
   * The core's float32 add rate with one vector load per add: `rounds` passes over values[first, first + count)
   * (from its first 64-byte boundary, the whole groups of 12 vectors that fit), each vector added to one of 12
   * running sums; returns the float adds done and the sum of the running sums' lanes (the caller times it).
   */
  loadAddProbe(values: Float32Array, rounds: number): { adds: number; total: number; first: number; count: number };
  /** Bytes from the last 64-byte boundary to the buffer's data (tests: where weight rows start against the cache lines). */
  bufferOffset64(buffer: ArrayBuffer): number;
  layerLayout: LayerLayout;
  // Connections, the generator, the encoder (connections.cpp)
  connectionStep(slab: ArrayBuffer, pre: Uint8Array, result: Float32Array, mode: number, traceIn?: Float32Array): void;
  connectionLayout: ConnectionLayout;
  philox(out: Uint32Array, key0: number, key1: number, c0: number, c1: number, c2: number, c3: number): void;
  bernoulli(
    out: Uint8Array,
    thresholds: Float64Array,
    n: number,
    key0: number,
    key1: number,
    step: number,
    firstSample: number,
    domain: number,
    listed?: boolean,
  ): void;
  countSpikes(spikes: Uint8Array, counts: Float64Array): void;
  /** The engine's arrival lists (native/runtime/blocks.hpp listRows): the indices of rows' nonzero bytes, row b's from starts[b] on (starts.length = batch + 1); returns the total. */
  listSpikes(rows: Uint8Array, starts: Uint32Array, index: Uint32Array): number;
  // Learning rules (learning.cpp): each takes a connection's Synapses first
  mstdpetUpdate(
    ...args: [...Synapses, preTrace: Float32Array, postSpikes: Uint8Array, postTrace: Float32Array, eTrace: Float32Array,
      scratch: Float32Array, aPre: number, aPost: number, eTraceDecay: number]
  ): void;
  mstdpetStep(...args: [...Synapses, eTrace: Float32Array, scale: number]): void;
  /** False, changing nothing, when every presynaptic trace is 0. */
  fedeStdp(...args: [...Synapses, preTrace: Float32Array, scratch: Float32Array, lr: number, wInit: number, a: number]): boolean;
  pairTraces(
    ...args: [...Synapses, postSpikes: Uint8Array, preTrace: Float32Array, postTrace: Float32Array, decayPre: number, decayPost: number, set: boolean]
  ): void;
  pairStdp(
    ...args: [...Synapses, postSpikes: Uint8Array, preTrace: Float32Array, postTrace: Float32Array, arrivals: Uint32Array,
      aPlus: number, aMinus: number, wMin: number, wMax: number, multiplicative: boolean]
  ): void;
  normalizeWeights(...args: [...Synapses, total: number]): void;
  // The runtime
  numThreads(): number;
  setNumThreads(threads: number): void;
  /** Whether stages are split across the pool: by their work ('auto'), or forced (native/runtime/split.hpp). */
  splitting(): string;
  setSplitting(mode: string): void;
  /** The modes setSplitting takes. */
  splittingModes: string[];
  /** The engine's forced steps per block, 0 for automatic (native/runtime/blocks.hpp). */
  blockSteps(): number;
  setBlockSteps(steps: number): void;
  maxBlockSteps: number;
  /** The most steps of an automatic block (kAutoBlockSteps). */
  autoBlockSteps: number;
  instructionSets(): string[];
  instructionSet(): string;
  setInstructionSet(name: string): boolean;
  buildSystem: string;
  /** Every instruction set compiled into this build, best first, usable here or not. */
  compiledInstructionSets: string[];
  /** True for the AddressSanitizer + UBSan build (npm run test:asan). */
  sanitized: boolean;
  apiVersion: number;
  /** The largest thread pool (setNumThreads, SPIKING_NUM_THREADS). */
  maxThreads: number;
}

/** native/abi/layer_layout.hpp's kAddonApi for the sources this lib/ was written against. */
const ADDON_API = 8;

/** The package root: the nearest directory above this file with a package.json (lib/, dist/ or a benchmark build). */
export function packageRoot(): string {
  for (let dir = path.dirname(__dirname); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.join(__dirname, '..');
  }
}

/**
 * The error when no prebuild or build fits this machine: names the platform
 * and how to build from source (docs/platforms.md), after the loader's reason.
 */
export function noAddonError(root: string, cause: unknown): Error {
  const platform = `${process.platform}-${process.arch}`;
  return new Error(
    `spiking: no native addon for ${platform} (Node.js ${process.version}, N-API 8) could be loaded from ${root}: ` +
      `${(cause as Error)?.message ?? String(cause)}\n` +
      `The package ships prebuilds for linux-x64 and linux-arm64 (glibc). On ${platform}, build it from source: ` +
      'a C++17 compiler (GCC or clang; MSVC on Windows), make and Python 3 for node-gyp, an x86-64 or AArch64 CPU; ' +
      'then run `npm rebuild spiking --build-from-source` (the package carries the xsimd headers it needs). ' +
      'See docs/platforms.md.',
    { cause },
  );
}

/** The addon: the one node-gyp-build finds from the package root, or the file SPIKING_ADDON names. */
function loadAddon(root: string): NativeBinding {
  const chosen = process.env.SPIKING_ADDON;
  if (!chosen) {
    try {
      return load(root) as NativeBinding;
    } catch (cause) {
      throw noAddonError(root, cause);
    }
  }
  const file = path.resolve(chosen);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as NativeBinding;
  } catch (cause) {
    throw new Error(`SPIKING_ADDON=${chosen}: cannot load the addon ${file}: ${(cause as Error).message}`, { cause });
  }
}

const root = packageRoot();
export const native = loadAddon(root);
/** The path of the addon file loaded: SPIKING_ADDON's, or the build or prebuild node-gyp-build chose. */
export const addonPath: string = process.env.SPIKING_ADDON ? path.resolve(process.env.SPIKING_ADDON) : load.resolve(root);

if (native.apiVersion !== ADDON_API) {
  throw new Error(
    `The spiking addon loaded from ${process.env.SPIKING_ADDON || root} was built from other sources (API ${native.apiVersion ?? 'unknown'}, ` +
      `expected ${ADDON_API}); rebuild it with npm run build`,
  );
}

const forced = process.env.SPIKING_ISA;
if (forced && native.instructionSet() !== forced) {
  throw new Error(
    `SPIKING_ISA=${forced} names no instruction set usable on this CPU; usable: ${native.instructionSets().join(', ')}`,
  );
}

/** A value and everything in it made read-only: the contracts are the addon's, not lib/'s to change. */
function frozen<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(frozen);
    Object.freeze(value);
  }
  return value;
}

/** The layer slab's contract. */
export const layerLayout = frozen(native.layerLayout);
/** The connection slab's contract. */
export const connectionLayout = frozen(native.connectionLayout);
