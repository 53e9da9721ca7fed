// The workload of the leak checks (npm run test:leak): builds a layer of
// every class with storeTrace, steps it with forward (a list of more than 16
// inputs too), run and runAsync (a worker thread on copies), makes the addon
// throw from C++, saves and restores it, and drops it. Uses the built
// package (npm run build).
'use strict';
const spiking = require('..');
const { native } = require('../dist/native');

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
}

module.exports = { useLayer };

if (require.main === module) {
  const count = Number(process.argv[2] ?? 200);
  (async () => {
    for (let i = 0; i < count; i++) await useLayer(i);
    console.log(`leak workload: ${count} layers built, stepped, saved, restored and dropped`);
  })();
}
