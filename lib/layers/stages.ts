import type { Resolved, UpdateType } from './options';

const f32 = Math.fround;

/** The value of a scalar-or-per-neuron parameter for neuron i. */
export function valueAt(p: Resolved, i: number): number {
  return typeof p === 'number' ? p : p[i];
}

/**
 * The trace and adaptive-threshold update, one float32 operation at a time
 * (SEMANTICS.md steps 4 and 5), in place:
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
