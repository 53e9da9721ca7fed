#!/usr/bin/env node
// The `spiking` command: see `spiking --help` and the README. The command
// runs in a worker thread; this thread handles Ctrl-C and SIGTERM
// (dist/cli/supervise.js).
'use strict';
const { runSupervised } = require('../dist/cli/supervise.js');

// A closed pipe (spiking ... | head) ends the output quietly.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
});

runSupervised(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
