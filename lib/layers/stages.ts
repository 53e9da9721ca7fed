import type { Resolved, UpdateType } from './options';
import type { Slab } from './slab';

const f32 = Math.fround;

/** The value of a scalar-or-per-neuron parameter for neuron i. */
export function valueAt(p: Resolved, i: number): number {
  return typeof p === 'number' ? p : p[i];
}

/**
 * The trace and adaptive-threshold update, one float32 operation at a time
 * (docs/semantics.md, "One neuron step", steps 4 and 5), in place:
 * linear `value * tau + alpha * s`, exponential `value + (dt / tau) * (alpha * s - value)`.
 */
export function decayTowards(
  values: Float32Array,
  s: ArrayLike<number>,
  alpha: Resolved,
  tau: Resolved,
  dt: number,
  update: UpdateType,
): void {
  for (let i = 0; i < values.length; i++) {
    const increment = f32(valueAt(alpha, i) * s[i]);
    const t = valueAt(tau, i);
    values[i] =
      update === 'linear'
        ? f32(values[i] * t) + increment
        : values[i] + f32(f32(dt / t) * f32(increment - values[i]));
  }
}

/** The IF voltage update, where not refractory: `v = v + alphaV * I * open` (no leak). */
export function ifVoltage(state: Slab, current: Float32Array): void {
  const { vCell, refracLeft, params } = state;
  for (let i = 0; i < vCell.length; i++) {
    const open = refracLeft[i] === 0 ? 1 : 0;
    vCell[i] = vCell[i] + f32(f32(valueAt(params.alphaV!, i) * current[i]) * open);
  }
}

/**
 * The LIF voltage update (also AdaptiveLIF's, and Fede's exponential one
 * on the summed difference x - preTrace), where not refractory:
 * linear `v = vRest + ((v - vRest) * tauV + alphaV * I) * open` (held at vRest while refractory),
 * exponential `v = v + ((dt / tauV) * (alphaV * I - (v - vRest))) * open`.
 */
export function lifVoltage(state: Slab, current: Float32Array, vRest: number, dt: number, update: UpdateType): void {
  const { vCell, refracLeft, params } = state;
  for (let i = 0; i < vCell.length; i++) {
    const open = refracLeft[i] === 0 ? 1 : 0;
    const drive = f32(valueAt(params.alphaV!, i) * current[i]);
    const tau = valueAt(params.tauV!, i);
    const v = vCell[i];
    vCell[i] =
      update === 'linear'
        ? vRest + f32(f32(f32(f32(v - vRest) * tau) + drive) * open)
        : v + f32(f32(f32(dt / tau) * f32(drive - f32(v - vRest))) * open);
  }
}
