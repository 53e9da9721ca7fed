// The benchmark's practical limit: a loop with exactly the memory traffic of
// one LIF step with a refractory stage (reads x, v, trace, steps left,
// thresh; writes v, trace, steps left, refracCounts, spikes) and almost no
// arithmetic. Included by each native/isa/*.cpp.
#pragma once

#include "vector_loop.hpp"
#include "../runtime/dispatch.hpp"

namespace spiking {

template <class Arch>
void streamLayer(const Layer& layer, const float* x, std::size_t begin, std::size_t end) {
  using namespace kernel;
  const Layer L = layer;  // as in Stepper::range: keeps the pointers in registers
  using B = Batch<Arch>;
  constexpr std::size_t W = B::size;
  std::size_t i = begin;
  for (; i + W <= end; i += W) {
    const B in = B::load_unaligned(x + i);
    const B v = B::load_unaligned(L.v + i) + in;
    const B left = B::load_unaligned(L.refracLeft + i) + in;
    (B::load_unaligned(L.trace + i) + in).store_unaligned(L.trace + i);
    v.store_unaligned(L.v + i);
    left.store_unaligned(L.refracLeft + i);
    left.store_unaligned(L.refracCounts + i);
    storeSpikes<Arch>(L.spikes + i, v >= B::load_unaligned(L.thresh + i), Arch{});
  }
  for (; i < end; ++i) {
    L.v[i] += x[i];
    L.trace[i] += x[i];
    L.refracLeft[i] += x[i];
    L.refracCounts[i] = L.refracLeft[i];
    L.spikes[i] = L.v[i] >= L.thresh[i];
  }
}

}  // namespace spiking
