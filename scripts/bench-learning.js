#!/usr/bin/env node
// Learning benchmark at Diehl & Cook's sizes (784 inputs, Poisson at pixel x
// 63.75 Hz, dt = 0.5 ms, 100 or 400 excitatory neurons, batch 1): the time
// of a network step (Input, Linear.current, LIF) alone, with event-driven
// PairSTDP (updateState + step), and with dense MSTDPET (updateState, which
// touches every synapse and needs Linear.forward's trace), all in one run.
// Medians of several runs, microseconds per step, and ratios to the step alone.
// Then the same network in the engine (Network.run, the encoder in the plan):
// the run alone, and with PairSTDP or MSTDPET connected with { learning },
// stepped by the plan's hook after every step (MSTDPET without a reward:
// its eligibility update, as the loop above). The engine's run encodes its
// Poisson inputs itself, which the loop above does once beforehand, so
// compare the rules' own costs: each row minus its "alone" row.
//
//   node scripts/bench-learning.js [--neurons 100,400] [--steps 2000] [--runs 5] [--json FILE]
const fs = require('node:fs');
const { Command } = require('commander');
const spiking = require('..');

const opts = new Command('bench-learning')
  .option('--neurons <list>', 'excitatory neurons', '100,400')
  .option('--steps <n>', 'time steps per timed run', '2000')
  .option('--runs <n>', 'timed runs (the median is reported)', '5')
  .option('--threads <n>', 'size of the kernels\' thread pool')
  .option('--json <file>', 'also write the results as JSON')
  .parse()
  .opts();
if (opts.threads !== undefined) spiking.setNumThreads(Number(opts.threads));
const steps = Number(opts.steps), runs = Number(opts.runs), dt = 0.5, nIn = 784;

// A digit-like input: a 10 x 10 bright square in a 28 x 28 image, the rest dark.
const rates = new Float64Array(nIn).map((_, k) => ((k % 28) >= 9 && (k % 28) < 19 && Math.floor(k / 28) >= 9 && Math.floor(k / 28) < 19 ? 63.75 : 0));

function setup(nOut) {
  const input = new spiking.Input({ cellsShape: [1, nIn], dt, alphaT: 1, tauT: 20, updateType: 'exponential' });
  const encoder = new spiking.PoissonEncoder({ cellsShape: [1, nIn], rates, dt, seed: 3 });
  const linear = new spiking.Linear({ inFeatures: nIn, outFeatures: nOut, batchSize: 1, dt, weight: { init: 'uniform', low: 0, high: 0.3, seed: 1 } });
  const neuron = new spiking.LIFNeuron({ cellsShape: [1, nOut], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 10, tauV: 200, tauT: 40, updateType: 'exponential' });
  const layers = { exc: { connection: linear, neuron } };
  const pair = new spiking.PairSTDP({ layers, tauPre: 20, tauPost: 20, aPlus: 0.01, aMinus: 0.0001, wMax: 1 });
  const mst = new spiking.MSTDPET({ layers, aPre: 1, aPost: 1, lr: 0.01, eTraceDecay: 0.95 });
  // The inputs of every step, made once.
  const spikes = [];
  for (let t = 0; t < steps; t++) spikes.push(encoder.encode(t, new Uint8Array(nIn)));
  return { input, linear, neuron, pair, mst, spikes, current: new Float32Array(nOut) };
}

/** The network of setup() in the engine, its connection learning with `kind` (null: none). */
function engineNetwork(nOut, kind) {
  const input = new spiking.Input({ cellsShape: [1, nIn], dt, alphaT: 1, tauT: 20, updateType: 'exponential' });
  const encoder = new spiking.PoissonEncoder({ cellsShape: [1, nIn], rates, dt, seed: 3 });
  const linear = new spiking.Linear({ inFeatures: nIn, outFeatures: nOut, batchSize: 1, dt, weight: { init: 'uniform', low: 0, high: 0.3, seed: 1 } });
  const neuron = new spiking.LIFNeuron({ cellsShape: [1, nOut], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt, durationRefrac: 10, tauV: 200, tauT: 40, updateType: 'exponential' });
  const layers = { exc: { connection: linear, neuron } };
  const rule =
    kind === 'pair' ? new spiking.PairSTDP({ layers, tauPre: 20, tauPost: 20, aPlus: 0.01, aMinus: 0.0001, wMax: 1 })
    : kind === 'mstdpet' ? new spiking.MSTDPET({ layers, aPre: 1, aPost: 1, lr: 0.01, eTraceDecay: 0.95 })
    : null;
  return new spiking.Network()
    .addLayer('in', input, { source: encoder })
    .addLayer('exc', neuron)
    .connect('in', 'exc', linear, rule ? { learning: rule } : {});
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn) {
  const samples = [];
  for (let r = 0; r < runs + 1; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    const us = Number(process.hrtime.bigint() - t0) / 1000 / steps;
    if (r > 0) samples.push(us); // the first run warms up
  }
  return median(samples);
}

const results = [];
for (const nOut of opts.neurons.split(',').map(Number)) {
  const s = setup(nOut);
  let arrivals = 0, fired = 0;
  const step = (t) => {
    s.input.forward(s.spikes[t]);
    s.neuron.forward(s.linear.current(s.input.spikes, s.current.fill(0)));
  };
  const forwardStep = (t) => {
    s.input.forward(s.spikes[t]);
    s.linear.forward(s.input.spikes, s.input.trace); // PySNN's dense step: the trace MSTDPET reads
    s.neuron.forward(s.current);
  };
  for (let t = 0; t < steps; t++) {
    step(t);
    arrivals += s.input.spikes.reduce((a, v) => a + v, 0);
    fired += s.neuron.spikes.reduce((a, v) => a + v, 0);
  }
  const alone = time(() => { for (let t = 0; t < steps; t++) step(t); });
  const pair = time(() => { for (let t = 0; t < steps; t++) { step(t); s.pair.updateState(); s.pair.step(); } });
  const mstdpet = time(() => { for (let t = 0; t < steps; t++) { forwardStep(t); s.mst.updateState(); } });
  const nets = { alone: engineNetwork(nOut, null), pair: engineNetwork(nOut, 'pair'), mstdpet: engineNetwork(nOut, 'mstdpet') };
  const engine = {
    alone: time(() => nets.alone.run(steps)),
    pairStdp: time(() => nets.pair.run(steps)),
    mstdpet: time(() => nets.mstdpet.run(steps)), // reward 0: updateState only, as the loop above
  };
  const row = { neurons: nOut, inputs: nIn, arrivalsPerStep: arrivals / steps, postSpikesPerStep: fired / steps, usPerStep: { alone, pairStdp: pair, mstdpet }, engineUsPerStep: engine };
  results.push(row);
  console.log(`${nOut} neurons (${row.arrivalsPerStep.toFixed(2)} arrivals, ${row.postSpikesPerStep.toFixed(3)} neuron spikes per step):`);
  console.log(`  step alone                  ${alone.toFixed(2)} us  1.00x`);
  console.log(`  + PairSTDP (event driven)   ${pair.toFixed(2)} us  ${(pair / alone).toFixed(2)}x`);
  console.log(`  forward + MSTDPET (dense)   ${mstdpet.toFixed(2)} us  ${(mstdpet / alone).toFixed(2)}x`);
  console.log(`  engine: run alone           ${engine.alone.toFixed(2)} us  1.00x`);
  console.log(`  engine: + PairSTDP (hook)   ${engine.pairStdp.toFixed(2)} us  ${(engine.pairStdp / engine.alone).toFixed(2)}x`);
  console.log(`  engine: + MSTDPET (hook)    ${engine.mstdpet.toFixed(2)} us  ${(engine.mstdpet / engine.alone).toFixed(2)}x`);
  console.log(`  PairSTDP's own cost per step: ${(pair - alone).toFixed(2)} us by hand, ${(engine.pairStdp - engine.alone).toFixed(2)} us in the engine`);
}
if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ threads: spiking.numThreads(), isa: spiking.instructionSet(), steps, runs, results }, null, 2));
