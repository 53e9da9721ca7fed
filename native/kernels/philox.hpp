// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11; Random123's philox4x32 with 10 rounds): a counter-based generator.
// Output block = f(counter[4], key[2]), so any draw can be computed from its
// indices alone, in any order, on any number of threads or vector lanes.
//
// The rounds are written once, over L blocks side by side (structure of
// arrays), so that a per-ISA translation unit vectorises them; L = 1 is the
// plain scalar generator. Integer arithmetic only: every width gives the same
// words. Functions are static: each translation unit keeps its own copy,
// compiled with its own instruction set (see vector_loop.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace spiking {

// Ten rounds on L counters (x0..x3 in, the output words out) under one key.
template <std::size_t L>
static inline void philoxRounds(std::uint32_t* x0, std::uint32_t* x1, std::uint32_t* x2, std::uint32_t* x3,
                                std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    for (std::size_t l = 0; l < L; ++l) {
      const std::uint64_t p0 = static_cast<std::uint64_t>(kM0) * x0[l];
      const std::uint64_t p1 = static_cast<std::uint64_t>(kM1) * x2[l];
      const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ x1[l] ^ k0;
      const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ x3[l] ^ k1;
      x1[l] = static_cast<std::uint32_t>(p1);
      x3[l] = static_cast<std::uint32_t>(p0);
      x0[l] = n0;
      x2[l] = n2;
    }
  }
}

// `blocks` blocks of four words: block j is the generator at counter
// (c0, c1 + j mod 2^32, c2, c3) under key (k0, k1), the counter layout
// (step, block, sample, domain) that the Poisson encoder uses too.
static inline void philoxBlocks(std::uint32_t* out, std::size_t blocks, std::uint32_t k0, std::uint32_t k1,
                                std::uint32_t c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3) {
  for (std::size_t j = 0; j < blocks; ++j) {
    std::uint32_t x0 = c0, x1 = c1 + static_cast<std::uint32_t>(j), x2 = c2, x3 = c3;
    philoxRounds<1>(&x0, &x1, &x2, &x3, k0, k1);
    out[4 * j] = x0;
    out[4 * j + 1] = x1;
    out[4 * j + 2] = x2;
    out[4 * j + 3] = x3;
  }
}

}  // namespace spiking
