// What one step of the Poisson encoder (encode.hpp's bernoulliStep) is
// called with; apart from the kernel, so that the dispatcher, compiled for
// the baseline architecture, never sees the vector code.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace spiking {
namespace kernel {

// word < threshold (a double, p * 2^32) for a 32-bit word is word <= limit
// with limit = ceil(threshold) - 1, capped at 2^32 - 1; a threshold of 0 or
// less (or NaN) never fires: `live` 0.
inline void wordLimit(double threshold, std::uint32_t& limit, std::uint32_t& live) {
  if (!(threshold > 0)) {
    limit = 0;
    live = 0;
    return;
  }
  const double c = std::ceil(threshold);
  limit = c >= 4294967296.0 ? 0xffffffffu : static_cast<std::uint32_t>(c) - 1u;
  live = 1;
}

}  // namespace kernel

// The blocks of four neurons (Philox counter word 1) that can fire, with
// their words' limits, for thresholds that stay the same over many steps
// (a network run's): runtime/poisson_live.cpp lists them once, and each
// step then draws only those blocks (MNIST: about a fifth of the pixels are
// lit, and none during the rest between digits). A neuron fires where its
// word <= limit and `on`; the same test as without the list, the same bits.
struct BernoulliLive {
  // Each list is padded with empty entries (block 0, never on) to a multiple
  // of kPad, so a vector of any width loads whole lanes from it.
  static constexpr std::size_t kPad = 16;
  std::vector<std::uint32_t> block;     // the block indices, per list in increasing order
  std::vector<std::uint32_t> limit[4];  // [word][entry]
  std::vector<std::uint32_t> on[4];     // [word][entry]: 1 where the threshold is > 0
  // One list (shared) or one per sample: list l holds entries
  // [start[l], start[l] + used[l]), then its padding up to start[l + 1].
  std::vector<std::size_t> start, used;
};

struct BernoulliCall {
  std::uint8_t* out = nullptr;          // [batch][n]
  const double* thresholds = nullptr;   // [n] (shared) or [batch][n]: p * 2^32
  std::size_t n = 0, batch = 0;
  bool shared = true;
  std::uint32_t key0 = 0, key1 = 0, step = 0, firstSample = 0, domain = 0;
  // Optional: the live blocks of these thresholds; sample b of the call uses
  // list 0 when shared, else list liveFirst + b. `thresholds` is then unread.
  const BernoulliLive* live = nullptr;
  std::size_t liveFirst = 0;
};

}  // namespace spiking
