// What one step of the Poisson encoder (encode.hpp's bernoulliStep) is
// called with; apart from the kernel, so that the dispatcher, compiled for
// the baseline architecture, never sees the vector code.
#pragma once

#include <cstddef>
#include <cstdint>

namespace spiking {

struct BernoulliCall {
  std::uint8_t* out = nullptr;          // [batch][n]
  const double* thresholds = nullptr;   // [n] (shared) or [batch][n]: p * 2^32
  std::size_t n = 0, batch = 0;
  bool shared = true;
  std::uint32_t key0 = 0, key1 = 0, step = 0, firstSample = 0, domain = 0;
};

}  // namespace spiking
