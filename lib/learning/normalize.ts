import { native } from '../binding';
import { invalidParameter } from '../errors';
import { Linear } from '../network/linear';

/**
 * Rescales each postsynaptic neuron's incoming weights so that they sum to
 * `total` (Diehl & Cook 2015), in float32: per output o, s = the sum of
 * w[o][i] in increasing i, then w[o][i] = w[o][i] * (total / s). An output
 * whose weights sum to 0 (or whose factor is not finite) keeps them.
 */
export function normalizeWeights(connection: Linear, total: number): void {
  if (!(connection instanceof Linear)) throw invalidParameter('connection', 'a Linear connection', connection);
  if (typeof total !== 'number' || !Number.isFinite(Math.fround(total))) {
    throw invalidParameter('total', 'a finite number (finite in float32)', total, typeof total === 'number' ? 'range' : 'type');
  }
  const s = connection.synapses();
  native.normalizeWeights(s.weights, s.delays, s.ring, s.dims, total);
}
