import { native } from './native';

/** The connection slab's header slots and constants (native/connection_layout.hpp). */
export interface LinkLayout {
  slots: Record<
    'magic' | 'batch' | 'in' | 'out' | 'stride' | 'rows' | 'head' | 'delay' | 'weights' | 'delays' | 'ring' | 'events' | 'count',
    number
  >;
  modes: Record<'current' | 'products' | 'difference', number>;
  magic: number;
  headerBytes: number;
  pad: number;
  maxDelay: number;
}

/** What native/net_addon.cpp registers on the addon. */
export interface NetBinding {
  linkStep(slab: ArrayBuffer, pre: Uint8Array, result: Float32Array, mode: number, traceIn?: Float32Array): void;
  linkLayout: LinkLayout;
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
  ): void;
  countSpikes(spikes: Uint8Array, counts: Float64Array): void;
}

export const net = native as unknown as NetBinding;
