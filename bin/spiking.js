#!/usr/bin/env node
// The `spiking` command: see `spiking --help` and the README.
'use strict';
const { main } = require('../dist/cli/commands.js');

// A closed pipe (spiking ... | head) ends the output quietly.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
});

process.exitCode = main(process.argv.slice(2));
