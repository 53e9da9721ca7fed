import { invalidParameter, NotImplementedError } from '../errors';
import { defineLayerClass, Layer, type StepResult } from './layer';
import { assertNeuronInput, checkNeuronInput, concatLast, sumLast, type NeuronInput } from './neuron-input';
import type { PerNeuron, Resolved, UpdateType } from './options';
import { NEURON_RUN, type RecordName, type RunKind, type RunOptions, type RunResult } from './run';
import type { SampleMask } from './sample-mask';
import { specFor } from './stage-checks';
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
 * refractory counting, trace storage and the lifecycle, and the step and run
 * of the models: a model defines its PySNN stages (updateVoltage,
 * updateTrace, ...) and registers them with defineLayerClass; forward, run
 * and runAsync then take its fused kernel, or its stages one by one once a
 * stage is overridden.
 */
export class BaseNeuron extends Layer {
  readonly vRest: number;
  readonly durationRefrac: number;
  /** durationRefrac in whole steps of dt. */
  readonly refracSteps: number;
  readonly storeTrace: boolean;
  private readonly initialThresh: Resolved;

  constructor(options: BaseNeuronOptions) {
    const spec = specFor('BaseNeuron', options);
    super(spec);
    this.vRest = spec.vRest;
    this.durationRefrac = spec.durationRefrac;
    this.refracSteps = spec.refracSteps;
    this.storeTrace = spec.storeTrace;
    this.initialThresh = spec.thresh;
    this.initNeuron();
  }

  /** Membrane voltage of each neuron, live. */
  get vCell(): Float32Array {
    return this.state.vCell;
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
  override resetState(mask?: SampleMask): void {
    super.resetState(mask);
    const { vCell, refracCounts, refracLeft } = this.state;
    for (const [from, to] of this.sampleRanges(mask)) {
      vCell.fill(this.vRest, from, to);
      refracCounts.fill(0, from, to);
      refracLeft.fill(0, from, to);
    }
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

  /** resetState() then resetThresh() (there are no gradients to turn off in JS). */
  initNeuron(): void {
    this.resetState();
    this.resetThresh();
  }

  /**
   * One step. x: Float32Array of layout (*cellsShape, k) (k inputs per neuron,
   * summed), or a list of such arrays; FedeNeuron also takes preTrace of the
   * same layout. Returns live views of spikes and trace. The models' forward:
   * their fused kernel, or, once a stage is overridden, PySNN's stages in
   * PySNN's order. BaseNeuron itself has none (PySNN's NotImplementedError).
   */
  forward(x: NeuronInput, _preTrace?: NeuronInput): StepResult {
    if (!this.fusable) throw new NotImplementedError('Neurons must implement `forward`');
    assertNeuronInput(x, this.size, this.cellsShape);
    if (!this.fusedStep(x)) {
      this.updateVoltage(this.fold(x));
      const spikes = this.spiking();
      this.updateTrace(spikes);
      this.adaptThreshold(spikes);
      this.refrac(spikes);
      if (this.storeTrace) this.concatTrace(spikes);
    }
    return this.result;
  }

  /**
   * Runs options.steps steps in one native call, bit-identical to as many
   * forward calls. x: Float32Array of steps x n x k values, time-major
   * (FedeNeuron: x, then preTrace of the same layout, then the options).
   * Returns the spikes of every step and the recorded variables.
   */
  run<R extends RecordName = never>(x: Float32Array, options: RunOptions<R>): RunResult<R>;
  run<R extends RecordName = never>(x: Float32Array, preTrace: Float32Array, options: RunOptions<R>): RunResult<R>;
  run(x: Float32Array, ...rest: [RunOptions] | [Float32Array, RunOptions]): RunResult {
    const [preTrace, options] = this.runArguments(rest);
    return this.runSteps(this.runKind, x, preTrace, options);
  }

  /** run() off the event loop; the layer is busy until the promise settles. */
  runAsync<R extends RecordName = never>(x: Float32Array, options: RunOptions<R>): Promise<RunResult<R>>;
  runAsync<R extends RecordName = never>(x: Float32Array, preTrace: Float32Array, options: RunOptions<R>): Promise<RunResult<R>>;
  async runAsync(x: Float32Array, ...rest: [RunOptions] | [Float32Array, RunOptions]): Promise<RunResult> {
    const [preTrace, options] = this.runArguments(rest);
    return this.runStepsAsync(this.runKind, x, preTrace, options);
  }

  updateTrace(_spikes: Uint8Array | Float32Array): void {
    throw new NotImplementedError('Neurons must implement `updateTrace`');
  }

  updateVoltage(_x: Float32Array, _preTrace?: Float32Array): void {
    throw new NotImplementedError('Neurons must implement `updateVoltage`');
  }

  /** @internal what run() may record: a neuron's variables (AdaptiveThresholdLIFNeuron adds theta). */
  protected get runKind(): RunKind {
    return NEURON_RUN;
  }

  /** @internal the staged path's threshold stage: none here; AdaptiveLIF runs updateThresh. */
  protected adaptThreshold(_spikes: Uint8Array): void {}

  /**
   * @internal run's arguments after x: (options) for the models driven by x
   * alone, (preTrace, options) for FedeNeuron, which overrides this.
   */
  protected runArguments(rest: readonly unknown[]): [unknown, RunOptions] {
    if (rest[0] instanceof Float32Array) {
      const takes = `${this.constructor.name}.run takes x and the options; only FedeNeuron takes a preTrace`;
      throw invalidParameter('the run options', `an object { steps, record?, out? } (${takes})`, rest[0]);
    }
    return [undefined, rest[0] as RunOptions];
  }

  /** @internal the trace update shared by IF, LIF and AdaptiveLIF (PySNN's update_trace). */
  protected traceStep(spikes: Uint8Array | Float32Array, update: UpdateType = this.updateType): void {
    const { trace, params } = this.state;
    decayTowards(trace, spikes, params.alphaT!, params.tauT!, this.dt, update);
  }
}

defineLayerClass('BaseNeuron', BaseNeuron);
