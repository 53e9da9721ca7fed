// The workload of the leak checks (npm run test:leak): builds a layer of
// every class with storeTrace, steps it with forward (a list of more than 16
// inputs too), run and runAsync (a worker thread on copies), makes the addon
// throw from C++, saves and restores it, and drops it. Every fifth layer
// also builds a network (Poisson input, Linear connections with scalar and
// per-synapse delays, a feedback edge, a FedeNeuron or LIF hidden layer),
// runs it, saves it, restores it into a new network, resets and drops both.
// Uses the built package (npm run build).
'use strict';
const spiking = require('..');
const { native } = require('../dist/binding');

const make = [
  (n) => new spiking.Input({ cellsShape: [1, n], dt: 1, alphaT: 1, tauT: 0.8 }),
  (n) => new spiking.IFNeuron({ cellsShape: [1, n], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauT: 0.8, storeTrace: true }),
  (n) => new spiking.LIFNeuron({ cellsShape: [1, n], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 2, tauV: 0.9, tauT: 0.8, storeTrace: true }),
  (n) => new spiking.AdaptiveLIFNeuron({ cellsShape: [n], thresh: new Float32Array(n).fill(0.5), vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 2, tauT: 2, alphaThresh: 0.1, tauThresh: 4, updateType: 'exponential', storeTrace: true }),
  (n) => new spiking.FedeNeuron({ cellsShape: [n, 1], thresh: 0.3, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 2, tauT: 2, storeTrace: true }),
];

/** Builds, uses and drops the i-th layer; every fourth also runs asynchronously. */
async function useLayer(i) {
  const n = 1 + (i % 37);
  const layer = make[i % make.length](n);
  const x = new Float32Array(n).fill(0.375);
  const many = Array.from({ length: 17 }, () => new Float32Array(n).fill(0.03125));
  for (let t = 0; t < 3; t++) {
    if (layer instanceof spiking.FedeNeuron) layer.forward(t === 1 ? many : x, t === 1 ? many : new Float32Array(n));
    else if (layer instanceof spiking.Input) layer.forward(x);
    else layer.forward(t === 1 ? many : x);
  }
  const xs = new Float32Array(3 * n).fill(0.25);
  const args = layer instanceof spiking.FedeNeuron ? [xs, new Float32Array(3 * n)] : [xs];
  layer.run(...args, { steps: 3, record: ['trace'] });
  if (i % 4 === 0) await layer.runAsync(...args, { steps: 3, record: ['trace'] });
  try {
    native.step(layer.trace.buffer, new Float64Array(n)); // throws from C++
  } catch {
    // expected
  }
  const bytes = layer.saveState();
  layer.loadState(bytes);
  if (i % 8 === 0) spiking.loadLayer(bytes).resetState();
  layer.resetState();
  if (i % 5 === 0) useNetwork(i / 5);
}

/** Builds, runs, saves, restores and drops the j-th network (and its copy). */
function useNetwork(j) {
  const batch = 2;
  const build = () => {
    const net = new spiking.Network();
    net.addLayer('in', new spiking.Input({ cellsShape: [batch, 5], dt: 1, alphaT: 1, tauT: 0.8 }), {
      source: new spiking.PoissonEncoder({ cellsShape: [batch, 5], rates: 300, dt: 1, seed: j }),
    });
    const hidden = { cellsShape: [batch, 4], thresh: 0.4, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 2, tauT: 2, storeTrace: true };
    net.addLayer('hidden', j % 2 ? new spiking.FedeNeuron(hidden) : new spiking.LIFNeuron({ ...hidden, tauV: 0.9, tauT: 0.8 }));
    net.addLayer('out', new spiking.AdaptiveLIFNeuron({ cellsShape: [batch, 3], thresh: 0.5, vRest: 0, alphaV: 1, alphaT: 1, dt: 1, durationRefrac: 1, tauV: 0.9, tauT: 0.8, alphaThresh: 0.1, tauThresh: 0.9 }));
    const linear = (inFeatures, outFeatures, delay, seed) =>
      new spiking.Linear({ inFeatures, outFeatures, batchSize: batch, dt: 1, delay, weight: { init: 'uniform', low: -0.2, high: 0.6, seed } });
    net.connect('in', 'hidden', linear(5, 4, 2, 1));
    net.connect('hidden', 'out', linear(4, 3, Array.from({ length: 12 }, (_, k) => k % 3), 2));
    net.connect('out', 'hidden', linear(3, 4, 1, 3));
    return net;
  };
  const net = build();
  net.run(6);
  const bytes = net.saveState();
  const copy = build();
  copy.loadState(bytes);
  try {
    copy.loadState(bytes.subarray(0, bytes.length - 1)); // rejected: truncated
  } catch {
    // expected
  }
  copy.step();
  copy.resetState([true, false]);
  copy.run(2);
  net.resetState();
}

module.exports = { useLayer, useNetwork };

if (require.main === module) {
  const count = Number(process.argv[2] ?? 200);
  (async () => {
    for (let i = 0; i < count; i++) await useLayer(i);
    console.log(`leak workload: ${count} layers and ${Math.ceil(count / 5)} networks built, stepped, saved, restored and dropped`);
  })();
}
