#!/usr/bin/env node
// The `spiking` command: see `spiking --help` and the README.
'use strict';
const { mainAsync } = require('../dist/cli/commands.js');

// A closed pipe (spiking ... | head) ends the output quietly.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
});

mainAsync(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
