import { invalidParameter } from '../errors';
import { native } from '../binding';

/**
 * Counter-based random numbers: Philox4x32-10 (native/random.hpp). Every draw
 * is a function of its key and counter alone, so results do not depend on
 * the order of evaluation, the number of threads or the vector width.
 *
 * Key: the seed (an integer in [0, 2^53)), split into two 32-bit words.
 * Counter: (step, block, sample, domain), where block = index / 4 and the
 * draw is word index % 4 of the block; `domain` keeps the streams of different
 * users of one seed apart.
 */
export const DOMAINS = {
  /** Poisson (Bernoulli-per-step) encoder: (step, neuron / 4, sample). */
  poisson: 0x504f4953,
  /** Latency encoder jitter: (window, neuron / 4, sample). */
  latency: 0x4c415445,
  /** Weight initialisers: (0, weight / 4, stream). */
  weights: 0x57454947,
  /** Generated data (experiment files' "uniform" values): (0, value / 4, stream). */
  values: 0x56414c53,
} as const;

const TWO_32 = 4294967296;
const TWO_NEG_24 = 2 ** -24;

/** A seed checked and split into Philox's two key words. */
export function seedKey(seed: unknown, name = 'seed'): [number, number] {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw invalidParameter(name, 'an integer in [0, 2^53)', seed, typeof seed === 'number' ? 'range' : 'type');
  }
  return [seed % TWO_32, Math.floor(seed / TWO_32)];
}

/** A uint32 counter word, checked. */
export function counterWord(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= TWO_32) {
    throw invalidParameter(name, 'an integer in [0, 2^32)', value, typeof value === 'number' ? 'range' : 'type');
  }
  return value;
}

/**
 * Fills `out` with Philox4x32-10 words: out[4j + w] is word w of the block
 * at counter (c0, c1 + j, c2, c3) under the seed's key.
 */
export function philoxWords(out: Uint32Array, seed: number, c0: number, c1: number, c2: number, c3: number): Uint32Array {
  const [k0, k1] = seedKey(seed);
  if (out.length % 4 !== 0) throw invalidParameter('out', 'a Uint32Array whose length is a multiple of 4', out, 'range');
  native.philox(out, k0, k1, c0, c1, c2, c3);
  return out;
}

/** The words for `count` draws of one stream: counter (0, j, stream, domain). */
function streamWords(count: number, seed: number, stream: number, domain: number): Uint32Array {
  return philoxWords(new Uint32Array(Math.ceil(count / 4) * 4), seed, 0, 0, counterWord(stream, 'stream'), domain);
}

/** A word as a float in [0, 1) with 24 random bits (exact in float32). */
function unit(word: number): number {
  return (word >>> 8) * TWO_NEG_24;
}

/**
 * out[k] = float32(low + (high - low) * u_k), u_k = (word_k >> 8) / 2^24 in [0, 1),
 * computed in double then rounded once. Same seed and stream, same values.
 */
export function uniformFill(out: Float32Array, low: number, high: number, seed: number, stream = 0, domain: number = DOMAINS.weights): Float32Array {
  const words = streamWords(out.length, seed, stream, domain);
  for (let k = 0; k < out.length; k++) out[k] = low + (high - low) * unit(words[k]);
  return out;
}

/**
 * Normal values by Box-Muller on pairs of words: for pair j,
 * r = sqrt(-2 ln(1 - u_2j)), out[2j] = mean + std * r cos(2 pi u_2j+1),
 * out[2j + 1] = mean + std * r sin(2 pi u_2j+1) (double, rounded once to float32).
 */
export function normalFill(out: Float32Array, mean: number, std: number, seed: number, stream = 0, domain: number = DOMAINS.weights): Float32Array {
  const pairs = Math.ceil(out.length / 2);
  const words = streamWords(2 * pairs, seed, stream, domain);
  for (let j = 0; j < pairs; j++) {
    const r = Math.sqrt(-2 * Math.log(1 - unit(words[2 * j])));
    const theta = 2 * Math.PI * unit(words[2 * j + 1]);
    out[2 * j] = mean + std * r * Math.cos(theta);
    if (2 * j + 1 < out.length) out[2 * j + 1] = mean + std * r * Math.sin(theta);
  }
  return out;
}
