import type { StepResult } from './base-input';
import { NotImplementedError, invalidParameter } from '../errors';
import { assertNeuronInput, checkNeuronInput, concatLast, sumLast, type NeuronInput } from './neuron-input';
import { specFor, type StageCheck } from './stage-checks';
import { native } from '../binding';
import type { PerNeuron, Resolved, UpdateType } from './options';
import { sampleRanges, type SampleMask } from './sample-mask';
import { attachState, layerFromState, mixInPersistence, registerLayerClass, type Persistent } from '../state/layer-state';
import {
  BusyGuard,
  RECORDABLE,
  allocateRun,
  asyncResult,
  checkRunOptions,
  checkRunValues,
  recordMask,
  stagedRun,
  type RecordName,
  type RunOptions,
  type RunResult,
} from './run';
import { createSlab, type Slab } from './slab';
import { SpikeHistory } from './spike-history';
import { decayTowards } from './stages';

export interface BaseNeuronOptions {
  /** Shape of the layer, batch first: [batch, ...dims]. */
  cellsShape: readonly number[];
  /** Spiking threshold: a neuron spikes when its voltage reaches it. */
  thresh: PerNeuron;
  /** Resting voltage: where a neuron starts and returns to after a spike. */
  vRest: number;
  /** Voltage increase per unit of input current. */
  alphaV?: PerNeuron;
  /** Trace increase per spike. */
  alphaT?: PerNeuron;
  /** Duration of one time step. */
  dt: number;
  /** Refractory period after a spike, a whole number of dt steps (0: none). */
  durationRefrac: number;
  /** Keep every step's spikes (see completeTrace). Default false. */
  storeTrace?: boolean;
}

/** The spike history in PySNN's layout: shape [...cellsShape, T + 1], time last, column 0 all zeros. */
export interface CompleteTrace {
  shape: number[];
  data: Uint8Array;
}

/**
 * The base of every spiking neuron (PySNN `BaseNeuron`): state, spiking,
 * refractory counting, trace storage and the lifecycle. Concrete models add
 * updateVoltage / updateTrace and a forward that runs their fused kernel.
 */
export class BaseNeuron {
  /** Shape of the layer, batch first. */
  readonly cellsShape: readonly number[];
  /** Number of neurons: the product of cellsShape. */
  readonly size: number;
  readonly dt: number;
  readonly vRest: number;
  readonly durationRefrac: number;
  /** durationRefrac in whole steps of dt. */
  readonly refracSteps: number;
  readonly updateType: UpdateType;
  readonly storeTrace: boolean;
  /** @internal the layer's state, one ArrayBuffer shared with the native kernels. */
  protected readonly state: Slab;
  /** @internal */
  protected readonly result: StepResult;
  private readonly initialThresh: Resolved;
  private readonly history: SpikeHistory | null;
  private readonly guard = new BusyGuard();

  constructor(options: BaseNeuronOptions) {
    const spec = specFor('BaseNeuron', options);
    this.cellsShape = Object.freeze([...spec.cellsShape]);
    this.size = spec.n;
    this.dt = spec.dt;
    this.vRest = spec.vRest;
    this.durationRefrac = spec.durationRefrac;
    this.refracSteps = spec.refracSteps;
    this.updateType = spec.update;
    this.storeTrace = spec.storeTrace;
    this.initialThresh = spec.thresh;
    const model = spec.kind === 'BaseNeuron' ? -1 : native.layout.models[spec.kind as 'LIFNeuron'];
    this.state = createSlab(spec, model);
    this.history = spec.storeTrace ? new SpikeHistory(spec.n) : null;
    this.result = Object.freeze({ spikes: this.state.spikes, trace: this.state.trace });
    attachState(this, { spec, state: this.state, history: this.history, guard: this.guard });
    this.initNeuron();
  }

  /** A neuron of this class rebuilt from saveState() bytes alone: the saved options and state. */
  static fromState<T extends BaseNeuron>(this: new (options: never) => T, bytes: Uint8Array): T {
    return layerFromState(this, bytes);
  }

  /** Whether each neuron spiked in the last step (0/1), live. */
  get spikes(): Uint8Array {
    return this.state.spikes;
  }
  /** Membrane voltage of each neuron, live. */
  get vCell(): Float32Array {
    return this.state.vCell;
  }
  /** Spike trace of each neuron, live. */
  get trace(): Float32Array {
    return this.state.trace;
  }
  /** Refractory time left in PySNN's units (whole steps times dt), live. */
  get refracCounts(): Float32Array {
    return this.state.refracCounts;
  }
  /** Current threshold of each neuron, live. */
  get thresh(): Float32Array {
    return this.state.thresh;
  }
  /** The stored spike history in PySNN's layout (a copy), or null without storeTrace. */
  get completeTrace(): CompleteTrace | null {
    return this.history ? this.history.layout(this.cellsShape) : null;
  }

  /** Marks the neurons whose voltage reached their threshold and returns the spikes. */
  spiking(): Uint8Array {
    const { vCell, thresh, spikes } = this.state;
    for (let i = 0; i < spikes.length; i++) spikes[i] = vCell[i] >= thresh[i] ? 1 : 0;
    return spikes;
  }

  /**
   * Counts refractory periods in whole steps: each step one step less, a spike
   * adds durationRefrac / dt; then spiking neurons reset to vRest.
   */
  refrac(spikes: Uint8Array): void {
    const { refracLeft, refracCounts, vCell } = this.state;
    const steps = this.refracSteps;
    if (steps > 0) {
      for (let i = 0; i < refracLeft.length; i++) {
        const left = (refracLeft[i] > 0 ? refracLeft[i] - 1 : 0) + steps * spikes[i];
        refracLeft[i] = left;
        refracCounts[i] = left * this.dt;
      }
    }
    for (let i = 0; i < vCell.length; i++) if (spikes[i]) vCell[i] = this.vRest;
  }

  /** Appends one step's spikes to the complete trace. */
  concatTrace(spikes: Uint8Array): void {
    if (!this.history) throw new Error('concatTrace needs a neuron built with storeTrace: true');
    this.history.append(spikes);
  }

  /** The input current: x (or the list, joined) summed over its last dimension, a new array of n. */
  fold(x: NeuronInput): Float32Array {
    return sumLast(concatLast(x, this.size), this.size);
  }

  /** Moves the last dimension first: layout (*cellsShape, k) to (k, *cellsShape), a new array. */
  unfold(x: Float32Array): Float32Array {
    const { width } = checkNeuronInput(x, this.size, this.cellsShape);
    const n = this.size;
    const out = new Float32Array(x.length);
    for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) out[j * n + i] = x[i * width + j];
    return out;
  }

  /** Spikes (0/1 bytes) as float32 values, a new array. */
  convertSpikes(spikes: Uint8Array): Float32Array {
    return Float32Array.from(spikes);
  }

  /**
   * Back to rest: voltage vRest, no spikes, no refractory time, zero trace,
   * empty history. With a mask (one entry per sample, batch first), only the
   * samples it selects; the others keep their state, and the stored history,
   * which the whole batch shares, is kept.
   */
  resetState(mask?: SampleMask): void {
    this.guard.check(this, 'resetState');
    const { vCell, spikes, refracCounts, refracLeft, trace } = this.state;
    for (const [from, to] of this.sampleRanges(mask)) {
      vCell.fill(this.vRest, from, to);
      spikes.fill(0, from, to);
      refracCounts.fill(0, from, to);
      refracLeft.fill(0, from, to);
      trace.fill(0, from, to);
    }
    if (mask === undefined) this.history?.clear();
  }

  /** Sets the threshold back to its initial value (scalar or per neuron); with a mask, of the selected samples only. */
  resetThresh(mask?: SampleMask): void {
    this.guard.check(this, 'resetThresh');
    const init = this.initialThresh;
    for (const [from, to] of this.sampleRanges(mask)) {
      if (typeof init === 'number') this.state.thresh.fill(init, from, to);
      else this.state.thresh.set(init.subarray(from, to), from);
    }
  }

  /** @internal the element ranges of the samples a mask selects (all without one). */
  protected sampleRanges(mask: SampleMask | undefined): Array<[number, number]> {
    return sampleRanges(mask, this.cellsShape[0], this.size / this.cellsShape[0]);
  }

  /** resetState() then resetThresh() (there are no gradients to turn off in JS). */
  initNeuron(): void {
    this.resetState();
    this.resetThresh();
  }

  forward(_x: NeuronInput, _preTrace?: NeuronInput): StepResult {
    throw new NotImplementedError('Neurons must implement `forward`');
  }

  updateTrace(_spikes: Uint8Array | Float32Array): void {
    throw new NotImplementedError('Neurons must implement `updateTrace`');
  }

  updateVoltage(_x: Float32Array, _preTrace?: Float32Array): void {
    throw new NotImplementedError('Neurons must implement `updateVoltage`');
  }

  /**
   * @internal forward() of IF, LIF and AdaptiveLIF: the fused kernel, or, when
   * a stage is overridden, PySNN's stages in PySNN's order.
   */
  protected foldedForward(untouched: StageCheck, x: NeuronInput): StepResult {
    assertNeuronInput(x, this.size, this.cellsShape);
    if (!this.fusedStep(untouched, x)) {
      this.updateVoltage(this.fold(x));
      const spikes = this.spiking();
      this.updateTrace(spikes);
      this.adaptThreshold(spikes);
      this.refrac(spikes);
      if (this.storeTrace) this.concatTrace(spikes);
    }
    return this.result;
  }

  /** @internal the staged path's threshold stage: none here; AdaptiveLIF runs updateThresh. */
  protected adaptThreshold(_spikes: Uint8Array): void {}

  /**
   * @internal One step through the model's fused native kernel, when none of
   * the stages is overridden on this instance; false when the caller must run
   * its staged path instead. Inputs are already checked. The history makes
   * room first, so that nothing can fail once the state starts changing.
   */
  protected fusedStep(untouched: StageCheck, x: NeuronInput, preTrace?: NeuronInput): boolean {
    this.guard.check(this, 'forward');
    this.history?.reserve();
    if (!untouched(this)) return false;
    native.step(this.state.buffer, x, preTrace);
    this.history?.append(this.state.spikes);
    return true;
  }

  /**
   * @internal run() of every model: the fused kernel over all steps in one
   * native call, or (when a stage is overridden) forward step by step.
   */
  protected runSteps<R extends RecordName>(
    untouched: StageCheck,
    x: Float32Array,
    preTrace: Float32Array | undefined,
    options: RunOptions<R>,
  ): RunResult<R> {
    this.guard.check(this, 'run');
    const { steps, record, out, width } = this.checkRun(x, preTrace, options, true);
    this.history?.reserve(steps);
    if (!untouched(this)) {
      const size = this.size * width;
      const slice = (a: Float32Array, t: number) => a.subarray(t * size, (t + 1) * size);
      return stagedRun<R>(
        steps,
        this.size,
        record,
        out,
        (t) => (preTrace ? this.forward(slice(x, t), slice(preTrace, t)) : this.forward(slice(x, t))),
        (name) => this.state[name],
      );
    }
    const run = allocateRun(this.size, steps, record, out);
    native.run(this.state.buffer, x, preTrace, steps, run.spikes, run.records);
    this.history?.append(run.spikes);
    return run.result as RunResult<R>;
  }

  /** @internal runAsync() of every model: runSteps off the event loop, on the state in place (borrowed until it settles). */
  protected async runStepsAsync<R extends RecordName>(
    untouched: StageCheck,
    x: Float32Array,
    preTrace: Float32Array | undefined,
    options: RunOptions<R>,
  ): Promise<RunResult<R>> {
    const name = this.constructor.name;
    this.guard.check(this, 'runAsync');
    const { steps, record } = this.checkRun(x, preTrace, options, false);
    if (!untouched(this)) {
      throw new TypeError(`${name}.runAsync: this layer overrides a stage, which only runs on the main thread; use run()`);
    }
    this.history?.reserve(steps);
    return this.guard.hold(`${name}.runAsync`, async () => {
      const result = asyncResult<R>(await native.runAsync(this.state.buffer, x, preTrace, steps, recordMask(record)));
      this.history?.append(result.spikes);
      return result;
    });
  }

  private checkRun(x: unknown, preTrace: unknown, options: unknown, outAllowed: boolean) {
    const { steps, record, out } = checkRunOptions(options, this.size, RECORDABLE, outAllowed);
    const width = checkRunValues(x, this.size, steps, 'x', false);
    if (preTrace !== undefined) {
      checkRunValues(preTrace, this.size, steps, 'preTrace', false);
      if ((preTrace as Float32Array).length !== (x as Float32Array).length) {
        throw invalidParameter('preTrace', `a Float32Array of the length of x (${(x as Float32Array).length})`, preTrace, 'range');
      }
    }
    return { steps, record, out, width };
  }

  /** @internal the trace update shared by IF, LIF and AdaptiveLIF (PySNN's update_trace). */
  protected traceStep(spikes: Uint8Array | Float32Array, update: UpdateType = this.updateType): void {
    const { trace, params } = this.state;
    decayTowards(trace, spikes, params.alphaT!, params.tauT!, this.dt, update);
  }
}

// saveState, saveStateFile, loadState, loadStateFile (lib/layer-state.ts).
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging
export interface BaseNeuron extends Persistent {}
mixInPersistence(BaseNeuron);
registerLayerClass('BaseNeuron', BaseNeuron);
