// npm run test:leak, part 1: memory stays flat. Builds, uses and drops 10^5
// layers of every class and 2 * 10^4 networks, each with a restored copy
// (scripts/leak-workload.js), in ten rounds, and after
// each round, with garbage collected, compares what the process holds (RSS,
// V8 heap, external and ArrayBuffer memory) with what it held after the
// third (the first rounds warm up the JIT and the allocators).
// Run with node --expose-gc. SPIKING_LEAK_LAYERS changes the count.
'use strict';
const { useLayer } = require('./leak-workload');

if (typeof global.gc !== 'function') {
  console.error('leak-check: run with node --expose-gc');
  process.exit(2);
}

const total = Number(process.env.SPIKING_LEAK_LAYERS ?? 1e5);
const rounds = 10;
const perRound = Math.ceil(total / rounds);
const WARM_ROUNDS = 3;
// Growth allowed over the last 7 * 10^4 layers (over 3 * 10^5 native calls)
// and 1.4 * 10^4 networks: a leak of 32 bytes per native call, of one layer
// in a hundred (its slab and history, ~1.5 KB) or of one network in ten goes
// over.
const LIMITS = { rss: 8 << 20, heapUsed: 2 << 20, external: 1 << 20, arrayBuffers: 1 << 20 };

function settled() {
  for (let i = 0; i < 4; i++) global.gc();
  return process.memoryUsage();
}

const mb = (bytes) => `${(bytes / 1048576).toFixed(2)} MB`;

async function main() {
  const started = Date.now();
  let layers = 0;
  let baseline = null;
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < perRound; i++) await useLayer(layers++);
    const usage = settled();
    samples.push(usage);
    if (round === WARM_ROUNDS - 1) baseline = usage;
  }
  report(layers, started, baseline, samples);
}

function report(layers, started, baseline, samples) {
  const last = samples[samples.length - 1];
  console.log(`leak-check: ${layers} layers and ${Math.ceil(layers / 5)} networks in ${((Date.now() - started) / 1000).toFixed(1)} s; growth after round ${WARM_ROUNDS} (limit):`);
  let failed = false;
  for (const key of Object.keys(LIMITS)) {
    const growth = last[key] - baseline[key];
    const over = growth > LIMITS[key];
    failed ||= over;
    const trail = samples.slice(WARM_ROUNDS).map((s) => mb(s[key] - baseline[key])).join(' ');
    console.log(`  ${key.padEnd(12)} ${mb(growth).padStart(10)} (${mb(LIMITS[key])})${over ? '  LEAK' : ''}   then per round: ${trail}`);
  }
  if (failed) {
    console.error('leak-check: memory grew with the number of layers and networks made and dropped');
    process.exit(1);
  }
  console.log('leak-check: flat');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
