// loadLayer: a saved layer of any library class, typed as the two bases every
// library class extends. Here, not in lib/state/layer-record.ts, so that the
// record code needs no layer class and the imports run one way.
import { readStateFile } from '../state/files';
import { layerOfSavedClass } from '../state/layer-record';
import type { BaseInput } from './base-input';
import type { BaseNeuron } from './base-neuron';

/**
 * Rebuilds whatever layer the bytes hold (any library class), with its
 * options and state; narrow it with instanceof.
 */
export function loadLayer(bytes: Uint8Array): BaseInput | BaseNeuron {
  return layerOfSavedClass(bytes) as BaseInput | BaseNeuron;
}

/** loadLayer() from a file written by saveStateFile(). */
export function loadLayerFile(path: string): BaseInput | BaseNeuron {
  return loadLayer(readStateFile(path));
}
