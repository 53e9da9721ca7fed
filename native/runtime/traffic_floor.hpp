// The benchmark's reference for a layer's run(): a loop with the least memory
// traffic any run of `count` neuron-steps can have, reading each float32
// input once and writing each uint8 spike once (5 bytes per neuron-step),
// with one compare in between. npm run bench prints run() as a fraction of it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace spiking {

// spikes[i] = x[i] >= 1 for i in [0, count), split across the thread pool
// like a layer's run (the same threads, the same work threshold).
void trafficFloor(const float* x, std::uint8_t* spikes, std::size_t count);

}  // namespace spiking
