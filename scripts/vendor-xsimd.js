#!/usr/bin/env node
// Copies the xsimd headers the addon is built against into vendor/xsimd/
// (npm pack's prepack step, and the arm64 cross build, whose compiler does not
// search /usr/include). The published tarball then builds from source on a
// machine without libxsimd-dev: binding.gyp and CMakeLists.txt look there
// only after the system's include directories. vendor/ is not committed.
//
//   node scripts/vendor-xsimd.js [--check]
//
// XSIMD_INCLUDE_DIR names the directory that holds xsimd/xsimd.hpp (default:
// the first of /usr/include and /usr/local/include that has it). Its licence
// is taken from Debian's copyright file of libxsimd-dev, or from
// XSIMD_LICENSE. --check only verifies that vendor/xsimd is complete.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const target = path.join(root, 'vendor', 'xsimd');
const header = path.join(target, 'include', 'xsimd', 'xsimd.hpp');
const licence = path.join(target, 'LICENSE');

function fail(message) {
  console.error(`vendor-xsimd: ${message}`);
  process.exit(1);
}

function versionOf(dir) {
  const config = fs.readFileSync(path.join(dir, 'xsimd', 'config', 'xsimd_config.hpp'), 'utf8');
  const part = (name) => (config.match(new RegExp(`#define XSIMD_VERSION_${name} (\\d+)`)) || [])[1];
  return [part('MAJOR'), part('MINOR'), part('PATCH')].join('.');
}

if (process.argv.includes('--check')) {
  if (!fs.existsSync(header) || !fs.existsSync(licence)) {
    fail(`${path.relative(root, target)} is incomplete: expected include/xsimd/xsimd.hpp and LICENSE; run node scripts/vendor-xsimd.js`);
  }
  console.log(`vendor/xsimd: xsimd ${versionOf(path.join(target, 'include'))}`);
  process.exit(0);
}

const candidates = process.env.XSIMD_INCLUDE_DIR ? [process.env.XSIMD_INCLUDE_DIR] : ['/usr/include', '/usr/local/include'];
const source = candidates.find((dir) => fs.existsSync(path.join(dir, 'xsimd', 'xsimd.hpp')));
if (!source) {
  if (fs.existsSync(header) && fs.existsSync(licence)) {
    console.log(`vendor/xsimd: no system xsimd in ${candidates.join(', ')}; keeping the vendored xsimd ${versionOf(path.join(target, 'include'))}`);
    process.exit(0);
  }
  fail(`expected xsimd/xsimd.hpp in ${candidates.join(' or ')} (Debian: apt-get install libxsimd-dev, or set XSIMD_INCLUDE_DIR), found none`);
}
const licenceSource = process.env.XSIMD_LICENSE || '/usr/share/doc/libxsimd-dev/copyright';
if (!fs.existsSync(licenceSource)) {
  fail(`expected xsimd's licence at ${licenceSource} (set XSIMD_LICENSE to its LICENSE file), found none`);
}

fs.rmSync(target, { recursive: true, force: true });
fs.mkdirSync(path.join(target, 'include'), { recursive: true });
fs.cpSync(path.join(source, 'xsimd'), path.join(target, 'include', 'xsimd'), { recursive: true, dereference: true });
fs.copyFileSync(licenceSource, licence);
const version = versionOf(source);
fs.writeFileSync(
  path.join(target, 'README.md'),
  `# xsimd ${version}\n\nThe headers of xsimd ${version} (https://github.com/xtensor-stack/xsimd), copied from ` +
    `${path.join(source, 'xsimd')} when this package was packed, with their licence (LICENSE). ` +
    'The build uses them only when the system has no xsimd headers of its own.\n',
);
console.log(`vendor/xsimd: xsimd ${version} from ${path.join(source, 'xsimd')}`);
