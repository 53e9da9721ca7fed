#!/usr/bin/env node
// The `spiking` command: see `spiking --help` and the README. The command
// runs in a worker thread; this thread handles Ctrl-C and SIGTERM
// (dist/cli/supervise.js). `spiking worker` runs on this thread: it answers
// SIGTERM itself by finishing the jobs it holds (dist/cli/worker.js).
'use strict';
const argv = process.argv.slice(2);
const run = argv[0] === 'worker' ? require('../dist/cli/commands.js').mainAsync : require('../dist/cli/supervise.js').runSupervised;

// A closed pipe (spiking ... | head) ends the output quietly.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
});

run(argv).then((code) => {
  process.exitCode = code;
});
