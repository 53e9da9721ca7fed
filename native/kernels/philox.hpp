// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11; Random123's philox4x32 with 10 rounds): a counter-based generator.
// Output block = f(counter[4], key[2]), so any draw can be computed from its
// indices alone, in any order, on any number of threads or vector lanes.
//
// The rounds are written once, for one block of any word type: uint32 here
// (the scalar generator), a vector of uint32 in kernels/encode.hpp (one
// block per lane). Integer arithmetic only: every width gives the same words. Functions are static: each translation unit keeps its own copy,
// compiled with its own instruction set (see vector_loop.hpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace spiking {

// Ten rounds on one counter (x0..x3 in, the output words out) under one key,
// for any word type: a plain uint32 (the scalar generator below) or a vector
// of them, one block per lane (kernels/encode.hpp). mulHiLo(a, m, hi, lo)
// sets hi and lo to the high and low words of a * m.
template <class Word, class MulHiLo>
static inline void philoxTen(Word& x0, Word& x1, Word& x2, Word& x3, std::uint32_t k0, std::uint32_t k1, MulHiLo mulHiLo) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    Word hi0, lo0, hi1, lo1;
    mulHiLo(x0, kM0, hi0, lo0);
    mulHiLo(x2, kM1, hi1, lo1);
    x0 = hi1 ^ x1 ^ Word(k0);
    x2 = hi0 ^ x3 ^ Word(k1);
    x1 = lo1;
    x3 = lo0;
  }
}

static inline void mulHiLo32(std::uint32_t a, std::uint32_t m, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * m;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

// `blocks` blocks of four words: block j is the generator at counter
// (c0, c1 + j mod 2^32, c2, c3) under key (k0, k1), the counter layout
// (step, block, sample, domain) that the Poisson encoder uses too.
static inline void philoxBlocks(std::uint32_t* out, std::size_t blocks, std::uint32_t k0, std::uint32_t k1,
                                std::uint32_t c0, std::uint32_t c1, std::uint32_t c2, std::uint32_t c3) {
  for (std::size_t j = 0; j < blocks; ++j) {
    std::uint32_t x0 = c0, x1 = c1 + static_cast<std::uint32_t>(j), x2 = c2, x3 = c3;
    philoxTen(x0, x1, x2, x3, k0, k1,
              [](std::uint32_t a, std::uint32_t m, std::uint32_t& hi, std::uint32_t& lo) { mulHiLo32(a, m, hi, lo); });
    out[4 * j] = x0;
    out[4 * j + 1] = x1;
    out[4 * j + 2] = x2;
    out[4 * j + 3] = x3;
  }
}

}  // namespace spiking
