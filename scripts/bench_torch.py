"""PyTorch eager timing of one LIF step (linear, refractory), written from
docs/semantics.md, for npm run bench. Usage: bench_torch.py 1e3,1e5,..."""
import statistics
import sys
import time

import torch

torch.set_num_threads(torch.get_num_threads())


def lif_step(v, trace, left, thresh, x, v_rest, tau_v, alpha_v, tau_t, alpha_t, dt, steps):
    non_refrac = (left == 0).float()
    v = v_rest + ((v - v_rest) * tau_v + alpha_v * x) * non_refrac
    spikes = v >= thresh
    s = spikes.float()
    trace = trace * tau_t + alpha_t * s
    left = torch.where(left > 0, left - 1, torch.zeros_like(left)) + steps * s
    counts = left * dt
    v = torch.where(spikes, torch.full_like(v, v_rest), v)
    return v, trace, left, counts, spikes


def main():
    sizes = [int(float(s)) for s in sys.argv[1].split(",")]
    print("PyTorch eager LIF step (%s, %d threads):" % (torch.__version__, torch.get_num_threads()))
    for n in sizes:
        v = torch.zeros(n)
        trace = torch.zeros(n)
        left = torch.zeros(n)
        thresh = torch.ones(n)
        x = torch.rand(n) * 0.5
        samples = []
        with torch.no_grad():
            for _ in range(7):
                calls = max(1, int(2e6 / n))
                t0 = time.perf_counter()
                for _ in range(calls):
                    v, trace, left, counts, spikes = lif_step(v, trace, left, thresh, x, 0.0, 0.9, 1.0, 0.8, 1.0, 1.0, 2.0)
                samples.append((time.perf_counter() - t0) / calls)
        seconds = statistics.median(samples)
        print("  n=%g: %.1f us per step, %.3f x 10^9 neuron-steps/s" % (n, seconds * 1e6, n / seconds / 1e9))


main()
