import { BaseInput, type StepResult } from './base-input';
import { checkInputValues } from './neuron-input';
import { stageCheck, validatedSpec } from './stage-checks';
import { registerLayerClass } from '../state/layer-state';
import { native } from '../binding';
import type { PerNeuron, UpdateType } from './options';
import {
  allocateRun,
  asyncResult,
  checkRunOptions,
  checkRunValues,
  recordMask,
  stagedRun,
  type RunOptions,
  type RunResult,
} from './run';
import { decayTowards } from './stages';

type InputRunOptions<R extends 'trace' = 'trace'> = RunOptions<R>;

export interface InputOptions {
  cellsShape: readonly number[];
  dt: number;
  /** Trace increase per unit of input. */
  alphaT: PerNeuron;
  /** Trace decay: a factor in [0, 1] (linear) or a time constant > 0 (exponential). */
  tauT: PerNeuron;
  /** Default 'linear'. */
  updateType?: UpdateType;
}

const STAGES = ['updateTrace', 'convertInput'] as const;

/** Input layer: passes spikes (or graded values) on and keeps their trace (PySNN `Input`). */
export class Input extends BaseInput {
  constructor(options: InputOptions) {
    super(validatedSpec('Input', options));
  }

  /** Converts x and updates the trace with it. */
  override updateTrace(x: Float32Array | Uint8Array): void {
    const values = this.convertInput(checkInputValues(x, this.size));
    const { alphaT, tauT } = this.state.params;
    decayTowards(this.state.trace, values, alphaT!, tauT!, this.dt, this.updateType);
  }

  /**
   * One step: the trace integrates x, and spikes are where x is non-zero.
   * x: Float32Array or Uint8Array of one value per neuron.
   */
  override forward(x: Float32Array | Uint8Array): StepResult {
    checkInputValues(x, this.size);
    this.guard.check(this, 'forward');
    if (UNTOUCHED(this)) {
      native.step(this.state.buffer, x);
    } else {
      this.updateTrace(x);
      const { spikes } = this.state;
      for (let i = 0; i < spikes.length; i++) spikes[i] = x[i] !== 0 ? 1 : 0;
    }
    return this.result;
  }

  /**
   * Runs options.steps steps in one native call, bit-identical to as many
   * forward calls. x: Float32Array or Uint8Array of steps x n values,
   * time-major. Returns the spikes of every step (and the trace if recorded).
   */
  run<R extends 'trace' = never>(x: Float32Array | Uint8Array, options: InputRunOptions<R>): RunResult<R> {
    this.guard.check(this, 'run');
    const { steps, record, out } = this.checkRun(x, options, true);
    const n = this.size;
    if (!UNTOUCHED(this)) {
      const step = (t: number) => this.forward(x.subarray(t * n, (t + 1) * n));
      return stagedRun<R>(steps, n, record, out, step, (name) => this.state[name]);
    }
    const run = allocateRun(n, steps, record, out);
    native.run(this.state.buffer, x, undefined, steps, run.spikes, run.records);
    return run.result as RunResult<R>; // allocateRun made every recorded variable
  }

  /** run() off the event loop; the layer is busy until the promise settles. */
  async runAsync<R extends 'trace' = never>(x: Float32Array | Uint8Array, options: InputRunOptions<R>): Promise<RunResult<R>> {
    const name = this.constructor.name;
    this.guard.check(this, 'runAsync');
    const { steps, record } = this.checkRun(x, options, false);
    if (!UNTOUCHED(this)) {
      throw new TypeError(`${name}.runAsync: this layer overrides a stage, which only runs on the main thread; use run()`);
    }
    return this.guard.hold(`${name}.runAsync`, async () =>
      asyncResult<R>(await native.runAsync(this.state.buffer, x, undefined, steps, recordMask(record))),
    );
  }

  private checkRun(x: unknown, options: unknown, outAllowed: boolean) {
    const checked = checkRunOptions(options, this.size, ['trace'], outAllowed);
    checkRunValues(x, this.size, checked.steps, 'x', true);
    return checked;
  }
}

/** Whether forward may run the fused kernel: no stage of Input overridden. */
const UNTOUCHED = stageCheck(Input.prototype, STAGES);

registerLayerClass('Input', Input);
