import { native } from '../binding';
import { decodeRecord, encodeRecord } from '../state/codec';
import { readStateFile, writeFileAtomic } from '../state/files';
import { attachState, layerFromState, layerRecord, registerLayerClass, restoreLayer } from '../state/layer-record';
import type { LayerKind, LayerSpec, UpdateType } from './options';
import { BusyGuard, runLayer, runLayerAsync, type RunKind, type RunOptions, type RunResult, type Runner } from './run';
import { sampleRanges, type SampleMask } from './sample-mask';
import { createSlab, type Slab } from './slab';
import { SpikeHistory } from './spike-history';
import { stageCheck, type StageCheck } from './stage-checks';

/** What a step returns: live views of the layer's spikes and trace (the same object every step). */
export interface StepResult {
  readonly spikes: Uint8Array;
  readonly trace: Float32Array;
}

/**
 * Registers a library layer class: loadLayer can rebuild it by name, and,
 * given the PySNN stages its forward runs, forward/run take its fused native
 * kernel while none of those stages is overridden (on a subclass or on the
 * instance), and the stages one by one otherwise.
 */
export function defineLayerClass(kind: LayerKind, cls: abstract new (options: never) => Layer, stages?: readonly string[]): void {
  registerLayerClass(kind, cls);
  if (stages) {
    Object.defineProperty(cls.prototype, 'fusable', { value: stageCheck(cls.prototype, stages), enumerable: false });
  }
}

/**
 * What BaseInput and BaseNeuron share: the layer's state in one slab shared
 * with the native kernels, the busy guard of runAsync, the spike history
 * (neurons with storeTrace), the getters, sample masks, saving and loading,
 * and the fused-or-staged step and run.
 */
export abstract class Layer {
  /** Shape of the layer, batch first. */
  readonly cellsShape: readonly number[];
  /** Number of neurons: the product of cellsShape. */
  readonly size: number;
  readonly dt: number;
  readonly updateType: UpdateType;
  /** @internal the layer's state, one ArrayBuffer shared with the native kernels. */
  protected readonly state: Slab;
  /** @internal the object forward returns. */
  protected readonly result: StepResult;
  /** @internal refuses calls while runAsync works on the state in place. */
  protected readonly guard = new BusyGuard();
  /** @internal the stored spikes of every step (storeTrace), else null. */
  protected readonly history: SpikeHistory | null;
  /**
   * @internal whether this instance may step through its class's fused kernel
   * (set on the prototype by defineLayerClass; absent: no kernel).
   */
  declare protected readonly fusable?: StageCheck;
  private readonly runner: Runner;

  constructor(spec: LayerSpec) {
    this.cellsShape = Object.freeze([...spec.cellsShape]);
    this.size = spec.n;
    this.dt = spec.dt;
    this.updateType = spec.update;
    const models: Partial<Record<LayerKind, number>> = native.layerLayout.models;
    this.state = createSlab(spec, models[spec.kind] ?? -1);
    this.history = spec.storeTrace ? new SpikeHistory(spec.n) : null;
    this.result = Object.freeze({ spikes: this.state.spikes, trace: this.state.trace });
    this.runner = {
      layer: this,
      size: this.size,
      state: this.state,
      guard: this.guard,
      history: this.history,
      kernel: this.fusable !== undefined,
      fused: () => this.fusable?.(this) === true,
      step: (x, preTrace) => {
        const forward = this.forward as (x: unknown, preTrace?: unknown) => StepResult;
        return preTrace ? forward.call(this, x, preTrace) : forward.call(this, x);
      },
    };
    attachState(this, { spec, state: this.state, history: this.history, guard: this.guard });
  }

  /** A layer of this class rebuilt from saveState() bytes alone: the saved options and state. */
  static fromState<T extends Layer>(this: new (options: never) => T, bytes: Uint8Array): T {
    return layerFromState(this, bytes);
  }

  /** Whether each neuron spiked in the last step (0/1), live. */
  get spikes(): Uint8Array {
    return this.state.spikes;
  }
  /** Spike trace of each neuron, live. */
  get trace(): Float32Array {
    return this.state.trace;
  }

  /** One step (BaseInput's and BaseNeuron's own say what they take). */
  abstract forward(x: never, preTrace: never): StepResult;

  /**
   * Clears the spikes and the trace (and the stored history); with a mask
   * (one entry per sample, batch first), of the selected samples only, and
   * the history, which the whole batch shares, is kept.
   */
  resetState(mask?: SampleMask): void {
    this.guard.check(this, 'resetState');
    for (const [from, to] of this.sampleRanges(mask)) {
      this.state.spikes.fill(0, from, to);
      this.state.trace.fill(0, from, to);
    }
    if (mask === undefined) this.history?.clear();
  }

  /**
   * The layer's whole state, a new Uint8Array: its class, every constructor
   * option, every state array (the whole-step refractory counter included)
   * and the complete spike history; versioned and checksummed (README, "Saving state").
   */
  saveState(): Uint8Array {
    return encodeRecord(layerRecord(this));
  }
  /** saveState() written to a file atomically: a temporary file in the same directory, fsync, rename. */
  saveStateFile(path: string): void {
    writeFileAtomic(path, this.saveState());
  }
  /**
   * Restores a state saved by a layer of the same class, shape and options:
   * continuing then gives the same bits as if the run had never stopped.
   * Rejects anything else with an Error naming the field, and changes nothing then.
   */
  loadState(bytes: Uint8Array): void {
    restoreLayer(this, decodeRecord(bytes));
  }
  /** loadState() from a file written by saveStateFile(). */
  loadStateFile(path: string): void {
    this.loadState(readStateFile(path));
  }

  /** @internal the element ranges of the samples a mask selects (all without one). */
  protected sampleRanges(mask: SampleMask | undefined): Array<[number, number]> {
    return sampleRanges(mask, this.cellsShape[0], this.size / this.cellsShape[0]);
  }

  /**
   * @internal One step through the class's fused native kernel, when none of
   * its stages is overridden; false when the caller must run its stages
   * instead. Inputs are already checked. The history makes room first, so
   * that nothing can fail once the state starts changing.
   */
  protected fusedStep(x: unknown, preTrace?: unknown): boolean {
    this.guard.check(this, 'forward');
    this.history?.reserve();
    if (this.fusable?.(this) !== true) return false;
    native.step(this.state.buffer, x, preTrace);
    this.history?.append(this.state.spikes);
    return true;
  }

  /** @internal run(): the fused kernel over all steps in one native call, or forward step by step. */
  protected runSteps(kind: RunKind, x: unknown, preTrace: unknown, options: RunOptions): RunResult {
    return runLayer(this.runner, kind, x, preTrace, options);
  }

  /** @internal runAsync(): runSteps off the event loop, on the state in place. */
  protected runStepsAsync(kind: RunKind, x: unknown, preTrace: unknown, options: RunOptions): Promise<RunResult> {
    return runLayerAsync(this.runner, kind, x, preTrace, options);
  }
}

/** Save and restore, as every layer has them. */
export type Persistent = Pick<Layer, 'saveState' | 'saveStateFile' | 'loadState' | 'loadStateFile'>;
