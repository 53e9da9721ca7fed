#!/usr/bin/env node
// Float32 results do not depend on the vector width: runs one fixed network
// under every instruction set this CPU offers (x86-64: sse2, avx2, avx512bw:
// 4, 8 and 16 lanes; AArch64: neon64, 4 lanes) and prints, per set, the
// SHA-256 of every state bit pattern and spike of every step. The network has
// every neuron model, both update types, per-neuron time constants in
// exponential mode (dt / tau per lane: the division) and layer sizes with
// vector tails. scripts/test-arm64.sh compares the x64 and arm64 lines.
//
//   node scripts/fingerprint.js            one line per set: "<isa> <sha256> <spikes>"
//   SPIKING_ADDON=<file.node> ...           fingerprint that build of the addon
'use strict';
const crypto = require('node:crypto');
const spiking = require('..');

const { AdaptiveLIFNeuron, FedeNeuron, IFNeuron, Input, LIFNeuron, Linear, Network, PoissonEncoder } = spiking;

/** n float32 values in [low, high), from a fixed LCG (the same on every machine). */
function spread(n, low, high, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return low + (high - low) * (s / 4294967296);
  });
}

function run() {
  const batch = 3;
  const net = new Network();
  const common = { vRest: 0, alphaT: 1, dt: 0.5 };
  net.addLayer('input', new Input({ cellsShape: [batch, 53], dt: 0.5, alphaT: 1, tauT: 3, updateType: 'exponential' }), {
    source: new PoissonEncoder({ cellsShape: [batch, 53], rates: 120, dt: 0.5, seed: 7 }),
  });
  net.addLayer('lifExp', new LIFNeuron({
    cellsShape: [batch, 37], ...common, thresh: spread(batch * 37, 0.6, 1.4, 1), alphaV: spread(batch * 37, 0.5, 1.5, 2),
    durationRefrac: 1, tauV: spread(batch * 37, 0.7, 9, 3), tauT: spread(batch * 37, 0.7, 5, 4), updateType: 'exponential',
  }));
  net.addLayer('lifLin', new LIFNeuron({
    cellsShape: [batch, 21], ...common, thresh: 1, alphaV: 1, durationRefrac: 0,
    tauV: spread(batch * 21, 0.5, 0.99, 5), tauT: 0.8, updateType: 'linear',
  }));
  net.addLayer('adaptive', new AdaptiveLIFNeuron({
    cellsShape: [batch, 19], ...common, thresh: 0.8, alphaV: 1, durationRefrac: 1.5, tauV: spread(batch * 19, 1, 7, 6),
    tauT: 2, alphaThresh: 0.3, tauThresh: spread(batch * 19, 2, 11, 7), updateType: 'exponential',
  }));
  net.addLayer('if', new IFNeuron({ cellsShape: [batch, 13], ...common, thresh: 2.5, alphaV: 0.7, durationRefrac: 0.5, tauT: 0.6 }));
  net.addLayer('fede', new FedeNeuron({
    cellsShape: [batch, 11], ...common, thresh: 0.4, alphaV: 1, durationRefrac: 1, tauV: spread(batch * 11, 2, 6, 8), tauT: 4,
  }));
  const linear = (inFeatures, outFeatures, mean, seed, delay = 0) =>
    new Linear({ inFeatures, outFeatures, batchSize: batch, dt: 0.5, delay, weight: { init: 'normal', mean, std: 0.2, seed } });
  net.connect('input', 'lifExp', linear(53, 37, 0.5, 1, 1));
  net.connect('input', 'lifLin', linear(53, 21, 0.06, 2));
  net.connect('lifExp', 'adaptive', linear(37, 19, 0.06, 3));
  net.connect('lifLin', 'if', linear(21, 13, 0.06, 4, 2));
  net.connect('adaptive', 'fede', linear(19, 11, 1.5, 5));
  net.connect('fede', 'lifExp', linear(11, 37, -0.2, 6, 1));

  const hash = crypto.createHash('sha256');
  const bits = (a) => hash.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  let spikes = 0;
  for (let t = 0; t < 200; t++) {
    net.step();
    for (const name of ['input', 'lifExp', 'lifLin', 'adaptive', 'if', 'fede']) {
      const layer = net.layer(name);
      bits(layer.spikes);
      bits(layer.trace);
      if (layer.vCell) bits(layer.vCell);
      if (layer.thresh instanceof Float32Array) bits(layer.thresh);
      for (const s of layer.spikes) spikes += s;
    }
  }
  return { digest: hash.digest('hex'), spikes };
}

const initial = spiking.instructionSet();
try {
  for (const isa of spiking.instructionSets()) {
    spiking.setInstructionSet(isa);
    const { digest, spikes } = run();
    console.log(`${process.arch} ${isa} ${digest} ${spikes}`);
  }
} finally {
  spiking.setInstructionSet(initial);
}
