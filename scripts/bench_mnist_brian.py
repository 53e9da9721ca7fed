"""The network of examples/mnist-stdp.js in Brian2, timed on N threads.

Launched by scripts/bench-mnist.js (npm run bench:mnist), which finds a
python3 that imports brian2 (Debian: apt-get install python3-brian) and
passes: digits.npy (D x 784 pixels in [0, 1]), the number of excitatory
neurons, the device ("standalone" or "cython"), a seed and the threads (the
C++ standalone device's OpenMP threads, prefs.devices.cpp_standalone.
openmp_threads; 1: no OpenMP; the Cython runtime takes only 1). Prints one
JSON line: digits per second (wall and CPU), spikes, the device, the threads.

Same network and protocol: Poisson inputs at pixel x 63.75 Hz, 350 ms of
input then 150 ms of rest at dt = 0.5 ms; LIF neurons relative to rest
(threshold 13 + theta, reset to 0, tau 100 ms, refractory 5 ms: no input
is taken while refractory), theta growing by 0.5 per spike and decaying
with 1e7 ms; weights uniform in [0, 0.3); pair STDP with nearest-spike
traces (tau 20 ms, +0.01 on a postsynaptic spike, -0.0001 on a presynaptic
one, weights clipped to [0, 1]); every neuron inhibiting every other by 80
(the parameters of examples/mnist-stdp.js, PAPER). The same work per step,
not the same bits.

- cython: Brian2's runtime device with Cython code, a Python loop over the
  digits, as Diehl & Cook's own script: weights normalised to a sum of 78
  before each digit, a digit that drew fewer than 5 spikes shown again
  32 Hz brighter.
- standalone: the C++ standalone device on N threads; the rates of every
  digit in a TimedArray and the whole run in one binary, timed without its
  compilation. A standalone run cannot look at its spikes or weights
  between digits, so it neither normalises nor repeats: less work than the
  protocol, which only flatters Brian2.
"""
import json
import os
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")

import numpy as np
import brian2 as b2

digits_file, neurons, device, seed = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 1
if threads < 1 or (device == "cython" and threads != 1):
    sys.exit(f"threads: expected 1 or more (1 for cython) but received {threads}")
pixels = np.load(digits_file).astype(np.float64)
count = pixels.shape[0]

b2.BrianLogger.log_level_error()
if device == "standalone":
    b2.set_device("cpp_standalone", build_on_run=False, directory=tempfile.mkdtemp(prefix="brian-mnist-"))
    # 0: compiled without OpenMP (one thread); N > 1: OpenMP with N threads.
    b2.prefs.devices.cpp_standalone.openmp_threads = threads if threads > 1 else 0
else:
    b2.prefs.codegen.target = "cython"
b2.seed(seed)
np.random.seed(seed)

dt = 0.5 * b2.ms
b2.defaultclock.dt = dt
present, rest = 350 * b2.ms, 150 * b2.ms
tau_v, tau_theta, tau_pre, tau_post = 100 * b2.ms, 1e7 * b2.ms, 20 * b2.ms, 20 * b2.ms
thresh, theta_plus, inhibition = 13.0, 0.5, 80.0
a_plus, a_minus, w_max = 0.01, 0.0001, 1.0
rate_max, rate_step, total = 63.75, 32.0, 78.0

if device == "standalone":
    # 50 ms slots: 7 of input, 3 of rest per digit.
    slots = np.zeros((10 * count, 784))
    for d in range(count):
        slots[10 * d : 10 * d + 7] = pixels[d] * rate_max
    stimulus = b2.TimedArray(slots * b2.Hz, dt=50 * b2.ms)
    P = b2.PoissonGroup(784, rates="stimulus(t, i)")
else:
    P = b2.PoissonGroup(784, rates=0 * b2.Hz)

G = b2.NeuronGroup(
    neurons,
    """dv/dt = -v / tau_v : 1 (unless refractory)
       dtheta/dt = -theta / tau_theta : 1""",
    threshold="v >= thresh + theta",
    reset="v = 0\ntheta += theta_plus",
    refractory=5 * b2.ms,
    method="exact",
)
S = b2.Synapses(
    P,
    G,
    """w : 1
       dpre/dt = -pre / tau_pre : 1 (event-driven)
       dpost/dt = -post / tau_post : 1 (event-driven)""",
    on_pre="""v_post += w * int(not_refractory_post)
              pre = 1
              w = clip(w - a_minus * post, 0, w_max)""",
    on_post="""post = 1
               w = clip(w + a_plus * pre, 0, w_max)""",
)
S.connect()
S.w = "0.3 * rand()"
I = b2.Synapses(G, G, on_pre="v_post -= inhibition * int(not_refractory_post)")
I.connect(condition="i != j")
M = b2.SpikeMonitor(G, record=False)
net = b2.Network(P, G, S, I, M)

if device == "standalone":
    net.run(count * (present + rest))
    b2.device.build(compile=True, run=False)
    t0 = time.perf_counter()
    c0 = os.times()
    b2.device.run(b2.device.project_dir, False, [])
    c1 = os.times()
    seconds = time.perf_counter() - t0
    cpu = (c1.children_user + c1.children_system) - (c0.children_user + c0.children_system)
    spikes = int(M.num_spikes)
    shown = count
else:
    net.run(1 * b2.ms)  # code generation and compilation, not timed
    t0 = time.perf_counter()
    c0 = time.process_time()
    spikes = 0
    shown = 0
    w = np.asarray(S.w[:])
    post_index = np.asarray(S.j[:])
    for d in range(count):
        repeats = 0
        while True:
            sums = np.bincount(post_index, weights=np.asarray(S.w[:]), minlength=neurons)
            S.w[:] = np.asarray(S.w[:]) * (total / sums[post_index])
            before = int(M.num_spikes)
            P.rates = pixels[d] * (rate_max + rate_step * repeats) * b2.Hz
            net.run(present)
            drawn = int(M.num_spikes) - before
            P.rates = 0 * b2.Hz
            net.run(rest)
            shown += 1
            if drawn >= 5 or repeats >= 8:
                break
            repeats += 1
        spikes += drawn
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0

print(json.dumps({
    "device": device, "digits": count, "presentations": shown, "neurons": neurons,
    "seconds": seconds, "cpuSeconds": cpu, "digitsPerSecond": count / seconds,
    "digitsPerCpuSecond": count / cpu if cpu > 0 else None, "spikes": spikes,
    "threads": threads, "brian2": b2.__version__,
}))
