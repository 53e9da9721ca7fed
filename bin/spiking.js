#!/usr/bin/env node
// The `spiking` command: see `spiking --help` and the README.
'use strict';
const { main } = require('../dist/cli.js');

process.exitCode = main(process.argv.slice(2));
