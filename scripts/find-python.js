// The first Python interpreter that imports a module, for the benchmarks
// that time a Python reference beside spiking (bench-network.js, bench-mnist.js).
const { spawnSync } = require('node:child_process');

/** The first of `candidates` that imports `module`: { exe, path, version, tried }, exe null when none does. */
function findPython(module, candidates) {
  for (const exe of candidates) {
    const probe = spawnSync(exe, ['-c', `import sys, ${module}; print(sys.executable); print(${module}.__version__)`], { encoding: 'utf8' });
    if (probe.status === 0) {
      const [path, version] = probe.stdout.trim().split('\n');
      return { exe, path, version, tried: candidates };
    }
  }
  return { exe: null, tried: candidates };
}

/** Brian2's interpreter: the one given, $BRIAN_PYTHON, python3, Debian's /usr/bin/python3 (apt-get install python3-brian), python. */
function findBrian(given) {
  return findPython('brian2', [given, process.env.BRIAN_PYTHON, 'python3', '/usr/bin/python3', 'python'].filter(Boolean));
}

module.exports = { findPython, findBrian };
