#!/usr/bin/env node
// npm pack's prepack step: the tarball must carry both Linux prebuilds, each
// a shared object for its CPU (read from the ELF header), else packing stops
// and says how to make them (npm run prebuilds).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
// ELF e_machine values.
const expected = { 'linux-x64': { machine: 0x3e, name: 'x86-64' }, 'linux-arm64': { machine: 0xb7, name: 'AArch64' } };
const problems = [];
for (const [folder, { machine, name }] of Object.entries(expected)) {
  const file = path.join(root, 'prebuilds', folder, 'spiking.node');
  if (!fs.existsSync(file)) {
    problems.push(`expected prebuilds/${folder}/spiking.node, found none`);
    continue;
  }
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, header, 0, header.length, 0);
  fs.closeSync(fd);
  const elf = header.readUInt32BE(0) === 0x7f454c46 && header[4] === 2 && header[5] === 1;
  const found = elf ? header.readUInt16LE(18) : -1;
  if (found !== machine) {
    const what = elf ? `ELF machine 0x${found.toString(16)}` : 'no 64-bit little-endian ELF file';
    problems.push(`expected prebuilds/${folder}/spiking.node to be an ${name} shared object, found ${what}`);
  }
}
if (problems.length) {
  console.error(`check-prebuilds: ${problems.join('; ')}. Run npm run prebuilds (scripts/prebuilds.sh) before packing.`);
  process.exit(1);
}
console.log(`check-prebuilds: ${Object.keys(expected).map((f) => `prebuilds/${f}`).join(' and ')} present`);
