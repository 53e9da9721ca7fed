// bernoulliStep<Arch>: one step of the Poisson (Bernoulli per step) encoder,
// instantiated in each native/isa/*.cpp and picked through the dispatcher.
// out[b][i] = word < threshold[b][i], where word is lane i % 4 of
// Philox4x32-10 at counter (step, i / 4, firstSample + b, domain): blocks are
// generated kLanes at a time (vectorised by the compiler for the ISA), and
// every width gives the same words, hence the same spikes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "philox.hpp"

namespace spiking {

struct BernoulliCall {
  std::uint8_t* out = nullptr;          // [batch][n]
  const double* thresholds = nullptr;   // [n] (shared) or [batch][n]: p * 2^32
  std::size_t n = 0, batch = 0;
  bool shared = true;
  std::uint32_t key0 = 0, key1 = 0, step = 0, firstSample = 0, domain = 0;
};

template <class Arch>
void bernoulliStep(const BernoulliCall& c) {
  constexpr std::size_t kLanes = 16;
  const std::size_t blocks = (c.n + 3) / 4;
  for (std::size_t b = 0; b < c.batch; ++b) {
    std::uint8_t* row = c.out + b * c.n;
    const double* p = c.thresholds + (c.shared ? 0 : b * c.n);
    const std::uint32_t sample = c.firstSample + static_cast<std::uint32_t>(b);
    for (std::size_t j0 = 0; j0 < blocks; j0 += kLanes) {
      alignas(64) std::uint32_t x0[kLanes], x1[kLanes], x2[kLanes], x3[kLanes];
      for (std::size_t l = 0; l < kLanes; ++l) {
        x0[l] = c.step;
        x1[l] = static_cast<std::uint32_t>(j0 + l);
        x2[l] = sample;
        x3[l] = c.domain;
      }
      philoxRounds<kLanes>(x0, x1, x2, x3, c.key0, c.key1);
      // Word w of block j0 + l draws neuron 4 (j0 + l) + w.
      alignas(64) double words[4 * kLanes];
      for (std::size_t l = 0; l < kLanes; ++l) {
        words[4 * l] = x0[l];
        words[4 * l + 1] = x1[l];
        words[4 * l + 2] = x2[l];
        words[4 * l + 3] = x3[l];
      }
      const std::size_t first = j0 * 4;
      const std::size_t count = first + 4 * kLanes < c.n ? 4 * kLanes : c.n - first;
      for (std::size_t k = 0; k < count; ++k) row[first + k] = words[k] < p[first + k] ? 1 : 0;
    }
  }
}

}  // namespace spiking
