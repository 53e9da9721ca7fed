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

constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

// Rounds [first, 10) of Philox4x32-10 on one counter (x0..x3 in, the output
// words out) under one key (round r's key: k + r W), for any word type: a
// plain uint32 (the scalar generator below) or a vector of them, one block
// per lane (kernels/encode.hpp). mulHiLo(a, m, hi, lo) sets hi and lo to the
// high and low words of a * m.
template <class Word, class MulHiLo>
static inline void philoxRounds(Word& x0, Word& x1, Word& x2, Word& x3, std::uint32_t k0, std::uint32_t k1, int first,
                                MulHiLo mulHiLo) {
  k0 += static_cast<std::uint32_t>(first) * kPhiloxW0;
  k1 += static_cast<std::uint32_t>(first) * kPhiloxW1;
  for (int round = first; round < 10; ++round) {
    if (round > first) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    Word hi0, lo0, hi1, lo1;
    mulHiLo(x0, kPhiloxM0, hi0, lo0);
    mulHiLo(x2, kPhiloxM1, hi1, lo1);
    x0 = hi1 ^ x1 ^ Word(k0);
    x2 = hi0 ^ x3 ^ Word(k1);
    x1 = lo1;
    x3 = lo0;
  }
}

// All ten rounds.
template <class Word, class MulHiLo>
static inline void philoxTen(Word& x0, Word& x1, Word& x2, Word& x3, std::uint32_t k0, std::uint32_t k1, MulHiLo mulHiLo) {
  philoxRounds(x0, x1, x2, x3, k0, k1, 0, mulHiLo);
}

static inline void mulHiLo32(std::uint32_t a, std::uint32_t m, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t p = static_cast<std::uint64_t>(a) * m;
  hi = static_cast<std::uint32_t>(p >> 32);
  lo = static_cast<std::uint32_t>(p);
}

// philoxTen on the counters (c0, x1, c2, c3) of a vector of blocks whose
// words 0, 2 and 3 are the same in every lane (the encoder's step, sample
// and domain; only the block differs): until a product of a lane's own word
// reaches it, a word is the same in every lane, so the first three rounds
// make four of their six products once, on scalars, and two on vectors. The
// words are those of philoxTen (the same integer operations on the same
// values); the counters' words come back in x0..x3.
template <class Word, class MulHiLo>
static inline void philoxTenShared(std::uint32_t c0, Word& x0, Word& x1, Word& x2, Word& x3, std::uint32_t c2,
                                   std::uint32_t c3, std::uint32_t k0, std::uint32_t k1, MulHiLo mulHiLo) {
  std::uint32_t h0, l0, h1, l1;
  // Round 0: only x0 comes out different per lane.
  mulHiLo32(c0, kPhiloxM0, h0, l0);
  mulHiLo32(c2, kPhiloxM1, h1, l1);
  const Word a0 = Word(h1 ^ k0) ^ x1;
  const std::uint32_t a1 = l1, a2 = h0 ^ c3 ^ k1, a3 = l0;
  // Round 1: x2 and x3 come out different per lane, x0 and x1 the same.
  Word hv, lv;
  mulHiLo(a0, kPhiloxM0, hv, lv);
  mulHiLo32(a2, kPhiloxM1, h1, l1);
  const std::uint32_t b0 = h1 ^ a1 ^ (k0 + kPhiloxW0), b1 = l1;
  const Word b2 = hv ^ Word(a3 ^ (k1 + kPhiloxW1)), b3 = lv;
  // Round 2: everything but x3 different per lane.
  mulHiLo32(b0, kPhiloxM0, h0, l0);
  mulHiLo(b2, kPhiloxM1, hv, lv);
  x0 = hv ^ Word(b1 ^ (k0 + 2 * kPhiloxW0));
  x2 = b3 ^ Word(h0 ^ (k1 + 2 * kPhiloxW1));
  x1 = lv;
  x3 = Word(l0);
  philoxRounds(x0, x1, x2, x3, k0, k1, 3, mulHiLo);
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
