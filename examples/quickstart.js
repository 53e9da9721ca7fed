// A small simulation: a batch of 4 samples, 64 Poisson input neurons driving
// 32 LIF neurons through fixed random weights, for 200 steps of 1 ms.
// Run it with `npm run demo` (after `npm run build`).
const { Input, LIFNeuron, instructionSet } = require('..');

const batch = 4;
const inputs = 64;
const outputs = 32;
const steps = 200;

// A tiny deterministic generator, so every run prints the same numbers.
let seed = 42;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const input = new Input({ cellsShape: [batch, inputs], dt: 1, alphaT: 1, tauT: 0.8 });
const lif = new LIFNeuron({
  cellsShape: [batch, outputs],
  thresh: 1,
  vRest: 0,
  alphaV: 1,
  alphaT: 1,
  dt: 1,
  durationRefrac: 2,
  tauV: 0.9,
  tauT: 0.8,
  updateType: 'linear',
});

// Sample b fires each input with probability rate[b] per step.
const rate = [0.02, 0.05, 0.1, 0.2];
const weights = Float32Array.from({ length: outputs * inputs }, () => random() * 0.1);
const inputSpikes = new Uint8Array(batch * inputs);
const current = new Float32Array(batch * outputs);
const counts = new Uint32Array(batch);

const started = process.hrtime.bigint();
for (let t = 0; t < steps; t++) {
  for (let i = 0; i < inputSpikes.length; i++) {
    inputSpikes[i] = random() < rate[Math.floor(i / inputs)] ? 1 : 0;
  }
  const { spikes: pre } = input.forward(inputSpikes);
  current.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < inputs; j++) {
      if (!pre[b * inputs + j]) continue;
      for (let o = 0; o < outputs; o++) current[b * outputs + o] += weights[o * inputs + j];
    }
  }
  const { spikes } = lif.forward(current); // layout [batch, outputs, 1]
  for (let i = 0; i < spikes.length; i++) counts[Math.floor(i / outputs)] += spikes[i];
}
const ms = Number(process.hrtime.bigint() - started) / 1e6;

console.log(`spiking demo: ${batch} samples x ${inputs} Poisson inputs -> ${outputs} LIF neurons, ${steps} steps`);
console.log(`kernels: ${instructionSet()}; took ${ms.toFixed(1)} ms`);
for (let b = 0; b < batch; b++) {
  const hz = (counts[b] / (outputs * steps)) * 1000;
  console.log(`  sample ${b}: input rate ${(rate[b] * 1000).toFixed(0)} Hz -> ${counts[b]} output spikes (${hz.toFixed(1)} Hz per neuron)`);
}
