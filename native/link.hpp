// What a connection kernel sees: plain pointers into a connection slab and
// the caller's output, valid for one call. Built and checked by the N-API
// layer (net_addon.cpp); kernels trust it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "connection_layout.hpp"

namespace spiking {

struct Link {
  std::size_t batch = 0, in = 0, out = 0;
  std::size_t stride = 0;  // floats per row of `weights` and `delays`, a multiple of kLinkPad
  std::size_t rows = 1;    // ring rows: maxDelay + 1
  std::size_t head = 0;    // ring row holding this step's presynaptic spikes (already written)
  std::size_t delay = 0;   // the delay of every synapse when `delays` is null
  const float* weights = nullptr;  // [in][stride]: weight (o, i) at [i][o], padding 0
  const float* delays = nullptr;   // [in][stride] whole steps, or null
  const std::uint8_t* ring = nullptr;  // [rows][batch][in]
  std::uint32_t* events = nullptr;     // scratch: 2 * eventCapacity() + batch + 1 entries
  LinkMode mode = LinkMode::Current;
  float* result = nullptr;  // Current, Difference: [batch][out]; Products: [batch][out][in]
  const float* traceIn = nullptr;  // Difference: presynaptic trace, [batch][in]

  // Arrivals a step can have, over the whole batch: one per input and sample,
  // or with per-synapse delays one per input, sample and lag.
  std::size_t eventCapacity() const { return batch * in * (delays ? rows : 1); }

  // The spikes of sample b that were sent `lag` steps ago.
  const std::uint8_t* sent(std::size_t lag, std::size_t b) const {
    return ring + ((head + rows - lag) % rows) * batch * in + b * in;
  }
};

}  // namespace spiking
