// Shared by the learning tests: the PySNN learning golden file
// (test/fixtures/pysnn-learning.json) and the Input -> Linear -> neuron chain
// its cases were recorded with; bit-pattern comparison; the layer sizes that
// hit every vector width.
import * as spiking from '../lib';

export interface LearningStep {
  x: number[];
  reward?: number;
  eTrace?: number[];
  expect: { weight: number[]; postSpikes: number[]; postTrace: number[]; preTrace: number[]; synapseSpikes: number[] };
}
export interface LearningCase {
  name: string;
  rule: 'MSTDPET' | 'FedeSTDP';
  dt: number;
  pre: Record<string, unknown>;
  linear: { inFeatures: number; outFeatures: number; batchSize: number; delay: number; weight: number[] };
  post: Record<string, unknown> & { class: 'LIFNeuron' | 'FedeNeuron' };
  ruleParams: Record<string, number>;
  steps: LearningStep[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const learningGolden: { about: string; cases: LearningCase[] } = require('./fixtures/pysnn-learning.json');

export interface Chain {
  input: spiking.Input;
  linear: spiking.Linear;
  neuron: spiking.LIFNeuron | spiking.FedeNeuron;
  /** One step of the chain as PySNN's generator ran it: input, connection, neuron. */
  forward(x: number[]): void;
}

/** The case's layers, built from its recorded parameters. */
export function buildChain(c: LearningCase): Chain {
  const { class: _pre, ...pre } = c.pre;
  const input = new spiking.Input({ ...(pre as unknown as spiking.InputOptions), dt: c.dt });
  const { weight, ...shape } = c.linear;
  const linear = new spiking.Linear({ ...shape, dt: c.dt, weight: { init: 'values', values: weight } });
  // FedeNeuron is exponential only: PySNN records the update type, spiking's FedeNeuron takes none.
  const { class: cls, ...post } = c.post;
  if (cls === 'FedeNeuron') delete post.updateType;
  const options = { ...post, dt: c.dt } as unknown as spiking.LIFNeuronOptions & spiking.FedeNeuronOptions;
  const neuron = cls === 'FedeNeuron' ? new spiking.FedeNeuron(options) : new spiking.LIFNeuron(options);
  return {
    input,
    linear,
    neuron,
    forward(x: number[]) {
      input.forward(Float32Array.from(x));
      const { x: potentials, trace } = linear.forward(input.spikes, input.trace);
      if (neuron instanceof spiking.FedeNeuron) neuron.forward(potentials, trace);
      else neuron.forward(potentials);
    },
  };
}

/** Throws at the first index where a and b differ as float32 bit patterns (-0 and 0 differ). */
export function expectSameBits(a: Float32Array, b: Float32Array, what: string): void {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) throw new Error(`${what}[${k}]: ${a[k]} vs ${b[k]}`);
}

/** [batch, in, out]: every remainder of 4, 8 and 16 outputs, and several whole vectors. */
export const VECTOR_SIZES: [number, number, number][] = [
  [1, 1, 1], [2, 3, 3], [1, 5, 4], [3, 2, 5], [2, 7, 7], [1, 4, 8], [2, 3, 9], [1, 6, 15],
  [3, 5, 16], [2, 4, 17], [1, 3, 31], [2, 2, 33], [1, 9, 47], [2, 5, 65],
];
