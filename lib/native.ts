import * as path from 'node:path';

// node-gyp-build loads build/Release (cmake-js or node-gyp) when present,
// else the prebuild for this platform from prebuilds/. SPIKING_ADDON=<path
// to a .node file> loads that binary instead (the sanitizer build, say).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const load = require('node-gyp-build') as (dir: string) => unknown;

export interface NativeLayout {
  slots: Record<
    | 'magic' | 'model' | 'update' | 'cells' | 'dt' | 'vRest' | 'refracSteps' | 'vCell' | 'trace'
    | 'refracCounts' | 'refracLeft' | 'thresh' | 'spikes' | 'params' | 'count',
    number
  >;
  models: Record<'Input' | 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron', number>;
  params: string[];
  magic: number;
  headerBytes: number;
  maxRefracSteps: number;
}

export interface NativeBinding {
  step(slab: ArrayBuffer, x: unknown, preTrace?: unknown): void;
  instructionSets(): string[];
  instructionSet(): string;
  setInstructionSet(name: string): boolean;
  layout: NativeLayout;
  buildSystem: string;
  /** True for the AddressSanitizer + UBSan build (npm run test:asan). */
  sanitized: boolean;
}

function loadAddon(): NativeBinding {
  const chosen = process.env.SPIKING_ADDON;
  if (!chosen) return load(path.join(__dirname, '..')) as NativeBinding;
  const file = path.resolve(chosen);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as NativeBinding;
  } catch (cause) {
    throw new Error(`SPIKING_ADDON=${chosen}: cannot load the addon ${file}: ${(cause as Error).message}`, { cause });
  }
}

export const native = loadAddon();

const forced = process.env.SPIKING_ISA;
if (forced && native.instructionSet() !== forced) {
  throw new Error(
    `SPIKING_ISA=${forced} names no instruction set usable on this CPU; usable: ${native.instructionSets().join(', ')}`,
  );
}
