/**
 * The test oracle: one step of every neuron model as plain scalar TypeScript.
 *
 * Written only from docs/semantics.md, deliberately independent of lib/ (it
 * imports nothing from it, not even types) and of native/: one neuron at a
 * time, one `Math.fround` per float32 operation, in the order docs/semantics.md
 * gives, no cleverness. Keep it that way: if this file shares code or
 * shortcuts with the library, a bug can hide in both.
 *
 * Usage (tests and benchmarks):
 *
 *   const state = createReferenceState('LIFNeuron', { n, dt: 1, thresh: 1, vRest: 0, ... });
 *   referenceStep(state, x);            // x: Float32Array of layout (n, k), or a list of them
 *   referenceStep(fede, x, preTrace);   // FedeNeuron: preTrace with x's layout
 *   referenceStep(input, x);            // Input: Float32Array or Uint8Array of n values
 *   state.spikes, state.vCell, state.trace, state.refracCounts, state.thresh (state.theta: AdaptiveThresholdLIFNeuron)
 */

const f = Math.fround;

export type ReferenceKind = 'Input' | 'IFNeuron' | 'LIFNeuron' | 'AdaptiveLIFNeuron' | 'FedeNeuron' | 'AdaptiveThresholdLIFNeuron';
export type ReferenceUpdate = 'linear' | 'exponential';
/** A parameter for all neurons, or one value per neuron. */
export type ReferenceParam = number | ArrayLike<number>;
/** What IF/LIF/AdaptiveLIF/Fede step on: layout (n, k), or a list of such arrays joined along k. */
export type ReferenceInput = Float32Array | readonly Float32Array[];

/** The constructor options of PySNN's classes (camelCase), with the neuron count n instead of a shape. */
export interface ReferenceSpec {
  n: number;
  dt: number;
  /** Default 'linear' ('exponential' always for FedeNeuron). */
  updateType?: ReferenceUpdate;
  // Neurons only:
  thresh?: ReferenceParam;
  vRest?: number;
  durationRefrac?: number;
  alphaV?: ReferenceParam;
  // All:
  alphaT?: ReferenceParam;
  tauT?: ReferenceParam;
  // LIF, AdaptiveLIF, Fede:
  tauV?: ReferenceParam;
  // AdaptiveLIF:
  alphaThresh?: ReferenceParam;
  tauThresh?: ReferenceParam;
  // AdaptiveThresholdLIF:
  thetaPlus?: ReferenceParam;
  tauTheta?: ReferenceParam;
}

export interface ReferenceState {
  readonly kind: ReferenceKind;
  readonly n: number;
  readonly update: ReferenceUpdate;
  /** float32 */
  readonly dt: number;
  /** float32 */
  readonly vRest: number;
  /** D = durationRefrac / dt, whole steps (0: no refractory stage). */
  readonly refracSteps: number;
  /** Every parameter expanded to one float32 per neuron. */
  readonly alphaV: Float32Array;
  readonly alphaT: Float32Array;
  readonly tauV: Float32Array;
  readonly tauT: Float32Array;
  readonly alphaThresh: Float32Array;
  readonly tauThresh: Float32Array;
  readonly thetaPlus: Float32Array;
  readonly tauTheta: Float32Array;
  readonly initialThresh: Float32Array;
  // The state (Input uses only spikes and trace; the others stay empty).
  readonly spikes: Uint8Array;
  readonly trace: Float32Array;
  readonly vCell: Float32Array;
  /** Whole refractory steps left (docs/semantics.md, "One neuron step", step 6). */
  readonly left: Float32Array;
  /** PySNN's units: float32(left * dt). */
  readonly refracCounts: Float32Array;
  readonly thresh: Float32Array;
  /** AdaptiveThresholdLIFNeuron's adaptive offset (empty for the others). */
  readonly theta: Float32Array;
}

function perNeuron(value: ReferenceParam | undefined, n: number, name: string, required: boolean): Float32Array {
  const out = new Float32Array(n);
  if (value === undefined) {
    if (required) throw new Error(`reference: ${name} is required`);
    return out;
  }
  if (typeof value === 'number') {
    out.fill(f(value));
    return out;
  }
  if (value.length !== n) throw new Error(`reference: ${name} has ${value.length} values, expected ${n}`);
  for (let i = 0; i < n; i++) out[i] = f(value[i]);
  return out;
}

/** docs/semantics.md, "Parameters": durationRefrac must be a whole number of dt steps (within a tiny relative tolerance). */
function wholeSteps(durationRefrac: number, dt: number): number {
  if (durationRefrac < 0) throw new Error('reference: durationRefrac < 0');
  const ratio = durationRefrac / dt;
  const steps = Math.round(ratio);
  if (Math.abs(ratio - steps) > 1e-9 * Math.max(1, steps)) {
    throw new Error(`reference: durationRefrac ${durationRefrac} is not a whole number of dt = ${dt} steps`);
  }
  return steps;
}

/** A fresh layer, as after construction (initNeuron: resetState then resetThresh). */
export function createReferenceState(kind: ReferenceKind, spec: ReferenceSpec): ReferenceState {
  const n = spec.n;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`reference: bad n ${n}`);
  const isNeuron = kind !== 'Input';
  const has = (name: string): boolean =>
    name === 'tauV' ? kind === 'LIFNeuron' || kind === 'AdaptiveLIFNeuron' || kind === 'FedeNeuron' || kind === 'AdaptiveThresholdLIFNeuron'
      : name === 'alphaThresh' || name === 'tauThresh' ? kind === 'AdaptiveLIFNeuron'
      : name === 'thetaPlus' || name === 'tauTheta' ? kind === 'AdaptiveThresholdLIFNeuron'
      : name === 'alphaV' ? isNeuron
      : true;
  const param = (name: keyof ReferenceSpec): Float32Array =>
    perNeuron(spec[name] as ReferenceParam | undefined, n, name, has(name));
  const state: ReferenceState = {
    kind,
    n,
    update: kind === 'FedeNeuron' ? 'exponential' : (spec.updateType ?? 'linear'),
    dt: f(spec.dt),
    vRest: isNeuron ? f(spec.vRest ?? NaN) : 0,
    refracSteps: isNeuron ? wholeSteps(spec.durationRefrac ?? NaN, spec.dt) : 0,
    alphaV: param('alphaV'),
    alphaT: param('alphaT'),
    tauV: param('tauV'),
    tauT: param('tauT'),
    alphaThresh: param('alphaThresh'),
    tauThresh: param('tauThresh'),
    thetaPlus: param('thetaPlus'),
    tauTheta: param('tauTheta'),
    initialThresh: perNeuron(spec.thresh, n, 'thresh', isNeuron),
    spikes: new Uint8Array(n),
    trace: new Float32Array(n),
    vCell: new Float32Array(isNeuron ? n : 0),
    left: new Float32Array(isNeuron ? n : 0),
    refracCounts: new Float32Array(isNeuron ? n : 0),
    thresh: new Float32Array(isNeuron ? n : 0),
    theta: new Float32Array(kind === 'AdaptiveThresholdLIFNeuron' ? n : 0), // starts at 0
  };
  if (isNeuron && Number.isNaN(state.vRest)) throw new Error('reference: vRest is required');
  resetReferenceState(state);
  resetReferenceThresh(state);
  return state;
}

/** docs/semantics.md, "Lifecycle" resetState: v = vRest, no spikes, no refractory time, zero trace (AdaptiveLIF: threshold too). */
export function resetReferenceState(state: ReferenceState): void {
  state.spikes.fill(0);
  state.trace.fill(0);
  state.vCell.fill(state.vRest);
  state.left.fill(0);
  state.refracCounts.fill(0);
  if (state.kind === 'AdaptiveLIFNeuron') resetReferenceThresh(state);
}

/** docs/semantics.md, "Lifecycle" resetThresh. */
export function resetReferenceThresh(state: ReferenceState): void {
  if (state.kind !== 'Input') state.thresh.set(state.initialThresh);
}

/** The parts of x (one array, or a list), each with its width k_s = length / n. */
function parts(x: ReferenceInput, n: number, name: string): Float32Array[] {
  const list = x instanceof Float32Array ? [x] : [...x];
  if (list.length === 0) throw new Error(`reference: ${name} is an empty list`);
  for (const part of list) {
    if (!(part instanceof Float32Array) || part.length === 0 || part.length % n !== 0) {
      throw new Error(`reference: ${name} does not have the layout (n, k)`);
    }
  }
  return list;
}

/**
 * Neuron i's row of x (the list's parts concatenated along the last
 * dimension), as plain numbers: x[i, 0], x[i, 1], ...
 */
function row(xs: readonly Float32Array[], n: number, i: number): number[] {
  const out: number[] = [];
  for (const part of xs) {
    const k = part.length / n;
    for (let j = 0; j < k; j++) out.push(part[i * k + j]);
  }
  return out;
}

/** One step of the layer, in place (docs/semantics.md, "One neuron step" / "The input layer step"). */
export function referenceStep(state: ReferenceState, x: ReferenceInput | Uint8Array, preTrace?: ReferenceInput): void {
  if (state.kind === 'Input') {
    inputStep(state, x as Float32Array | Uint8Array);
    return;
  }
  const n = state.n;
  const xs = parts(x as ReferenceInput, n, 'x');
  const pres = state.kind === 'FedeNeuron' ? parts(preTrace ?? [], n, 'preTrace') : null;
  for (let i = 0; i < n; i++) {
    // The input current (Fede: the forcing's sum), left to right from the first element.
    let current: number;
    const xr = row(xs, n, i);
    if (pres) {
      const pr = row(pres, n, i);
      if (pr.length !== xr.length) throw new Error('reference: preTrace does not have the layout of x');
      current = f(xr[0] - pr[0]);
      for (let j = 1; j < xr.length; j++) current = f(current + f(xr[j] - pr[j]));
    } else {
      current = xr[0];
      for (let j = 1; j < xr.length; j++) current = f(current + xr[j]);
    }
    neuronStep(state, i, current);
  }
}

function inputStep(state: ReferenceState, x: Float32Array | Uint8Array): void {
  const { n, dt, update, alphaT, tauT, trace, spikes } = state;
  if (x.length !== n) throw new Error(`reference: Input x has ${x.length} values, expected ${n}`);
  for (let i = 0; i < n; i++) {
    const s = f(x[i]);
    if (update === 'linear') {
      trace[i] = f(f(trace[i] * tauT[i]) + f(alphaT[i] * s));
    } else {
      trace[i] = f(trace[i] + f(f(dt / tauT[i]) * f(f(alphaT[i] * s) - trace[i])));
    }
    spikes[i] = s !== 0 ? 1 : 0;
  }
}

/** Steps 1-7 for neuron i; `current` is I (Fede: the sum of x - preTrace, not yet times alphaV). */
function neuronStep(state: ReferenceState, i: number, current: number): void {
  const { kind, dt, vRest, update, refracSteps: D } = state;
  const { alphaV, alphaT, tauV, tauT, alphaThresh, tauThresh, thetaPlus, tauTheta } = state;
  const { vCell, trace, left, refracCounts, thresh, theta, spikes } = state;
  const adaptiveOffset = kind === 'AdaptiveThresholdLIFNeuron';

  // 1. Gate.
  const nonRefrac = left[i] === 0 ? 1 : 0;

  // 2. Voltage.
  let v = vCell[i];
  if (kind === 'IFNeuron') {
    v = f(v + f(f(alphaV[i] * current) * nonRefrac));
  } else if (kind === 'FedeNeuron') {
    const forcing = f(alphaV[i] * current);
    v = f(v + f(f(f(dt / tauV[i]) * f(forcing - f(v - vRest))) * nonRefrac));
  } else if (update === 'linear') {
    // LIF / AdaptiveLIF / AdaptiveThresholdLIF, linear
    v = f(vRest + f(f(f(f(v - vRest) * tauV[i]) + f(alphaV[i] * current)) * nonRefrac));
  } else {
    // LIF / AdaptiveLIF / AdaptiveThresholdLIF, exponential
    v = f(v + f(f(f(dt / tauV[i]) * f(f(alphaV[i] * current) - f(v - vRest))) * nonRefrac));
  }

  // 3. Spike (AdaptiveThresholdLIF: against thresh + theta, rounded once).
  const spike = v >= (adaptiveOffset ? f(thresh[i] + theta[i]) : thresh[i]);
  const s = spike ? 1 : 0;

  // 4. Trace (Fede: always exponential).
  if (update === 'linear' && kind !== 'FedeNeuron') {
    trace[i] = f(f(trace[i] * tauT[i]) + f(alphaT[i] * s));
  } else {
    trace[i] = f(trace[i] + f(f(dt / tauT[i]) * f(f(alphaT[i] * s) - trace[i])));
  }

  // 5. Adaptive threshold (decays towards 0).
  if (kind === 'AdaptiveLIFNeuron') {
    if (update === 'linear') {
      thresh[i] = f(f(thresh[i] * tauThresh[i]) + f(alphaThresh[i] * s));
    } else {
      thresh[i] = f(thresh[i] + f(f(dt / tauThresh[i]) * f(f(alphaThresh[i] * s) - thresh[i])));
    }
  }

  // 5b. The adaptive offset: decays towards 0, grows by thetaPlus per spike.
  if (adaptiveOffset) {
    const increment = f(thetaPlus[i] * s);
    if (update === 'linear') {
      theta[i] = f(f(theta[i] * tauTheta[i]) + increment);
    } else {
      theta[i] = f(f(theta[i] - f(f(dt / tauTheta[i]) * theta[i])) + increment);
    }
  }

  // 6. Refractory count in whole steps; refracCounts in PySNN's units.
  if (D > 0) {
    let l = left[i] > 0 ? f(left[i] - 1) : 0;
    l = f(l + f(D * s));
    left[i] = l;
    refracCounts[i] = f(l * dt);
  }

  // 7. Reset.
  vCell[i] = spike ? vRest : v;
  spikes[i] = s;
}
