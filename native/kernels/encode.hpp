// bernoulliStep<Arch>: one step of the Poisson (Bernoulli per step) encoder,
// instantiated in each native/isa/*.cpp and picked through the dispatcher.
// out[b][i] = word < threshold[b][i], where word is lane i % 4 of
// Philox4x32-10 at counter (step, i / 4, firstSample + b, domain): blocks are
// generated a vector of lanes at a time (xsimd, the ISA's width), and every
// width gives the same words, hence the same spikes (integer arithmetic only).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "encode_call.hpp"
#include "philox.hpp"

namespace spiking {

namespace kernel {

template <class A>
using Words = xsimd::batch<std::uint32_t, A>;

// The high and low words of a * m (32 x 32 -> 64 bits) in every lane, from
// four 16 x 16-bit products (every instruction set multiplies 32-bit lanes;
// none of them returns the high half generically).
template <class A>
inline void mulHiLo(const Words<A>& a, std::uint32_t m, Words<A>& hi, Words<A>& lo, const xsimd::generic&) {
  const Words<A> low16(0xffffu);
  const Words<A> a0 = a & low16, a1 = a >> 16;
  const Words<A> m0(m & 0xffffu), m1(m >> 16);
  const Words<A> p00 = a0 * m0, p01 = a0 * m1, p10 = a1 * m0, p11 = a1 * m1;
  const Words<A> mid = (p00 >> 16) + (p01 & low16) + (p10 & low16);
  hi = p11 + (p01 >> 16) + (p10 >> 16) + (mid >> 16);
  lo = (mid << 16) | (p00 & low16);
}

// x86 multiplies 32 x 32 -> 64 bits in the even lanes (pmuludq): two of
// them (the even lanes, then the odd ones shifted down) give every lane's
// product, whose halves are put back in place. The same integers as the
// generic version, in about half the instructions.
#if XSIMD_WITH_SSE2
template <class A>
inline Words<A> mulEven(const Words<A>& a, const Words<A>& m, const xsimd::sse2&) {
  return _mm_mul_epu32(a, m);
}
#endif
#if XSIMD_WITH_AVX2
template <class A>
inline Words<A> mulEven(const Words<A>& a, const Words<A>& m, const xsimd::avx2&) {
  return _mm256_mul_epu32(a, m);
}
#endif
#if XSIMD_WITH_AVX512F
template <class A>
inline Words<A> mulEven(const Words<A>& a, const Words<A>& m, const xsimd::avx512f&) {
  return _mm512_mul_epu32(a, m);
}
#endif
// (xsimd's avx and avx512f derive from generic, not sse2: one overload each.)
#if XSIMD_WITH_SSE2  // mulEven exists on x86 only: on NEON the name is not declared at all
template <class A>
inline void mulHiLoEven(const Words<A>& a, std::uint32_t m, Words<A>& hi, Words<A>& lo) {
  using Pairs = xsimd::batch<std::uint64_t, A>;
  const Words<A> mm(m);
  const Pairs even = xsimd::bitwise_cast<Pairs>(mulEven<A>(a, mm, A{}));
  const Pairs odd = xsimd::bitwise_cast<Pairs>(mulEven<A>(xsimd::bitwise_cast<Words<A>>(xsimd::bitwise_cast<Pairs>(a) >> 32), mm, A{}));
  const Pairs low(0xffffffffull);  // the even lanes
  hi = xsimd::bitwise_cast<Words<A>>((even >> 32) | (odd & ~low));
  lo = xsimd::bitwise_cast<Words<A>>((even & low) | (odd << 32));
}
#endif
#if XSIMD_WITH_SSE2
template <class A>
inline void mulHiLo(const Words<A>& a, std::uint32_t m, Words<A>& hi, Words<A>& lo, const xsimd::sse2&) { mulHiLoEven<A>(a, m, hi, lo); }
#endif
#if XSIMD_WITH_AVX2
template <class A>
inline void mulHiLo(const Words<A>& a, std::uint32_t m, Words<A>& hi, Words<A>& lo, const xsimd::avx2&) { mulHiLoEven<A>(a, m, hi, lo); }
#endif
#if XSIMD_WITH_AVX512F
template <class A>
inline void mulHiLo(const Words<A>& a, std::uint32_t m, Words<A>& hi, Words<A>& lo, const xsimd::avx512f&) { mulHiLoEven<A>(a, m, hi, lo); }
#endif

// One vector of blocks of sample b drawn: lane l runs Philox on counter
// (step, blocks[l], firstSample + b, domain); word w fires where it is <=
// the lane's limit for that word and the neuron is live; the four 0/1
// results are packed into the lane, byte w = word w. limits(w) gives word
// w's (limit, live) vectors. Both kernels below draw through this.
template <class Arch, class Limits>
inline Words<Arch> drawBlocks(const BernoulliCall& c, std::size_t b, const Words<Arch>& blocks, Limits limits) {
  using U = Words<Arch>;
  U x0, x1 = blocks, x2, x3;
  philoxTenShared(c.step, x0, x1, x2, x3, c.firstSample + static_cast<std::uint32_t>(b), c.domain, c.key0, c.key1,
                  [](const U& a, std::uint32_t m, U& hi, U& lo) { mulHiLo<Arch>(a, m, hi, lo, Arch{}); });
  const U* words[4] = {&x0, &x1, &x2, &x3};
  U bytes(0u);
  for (int w = 0; w < 4; ++w) {
    const auto [limit, on] = limits(w);
    bytes = bytes | (xsimd::select(*words[w] <= limit, on, U(0u)) << (8 * w));
  }
  return bytes;
}

}  // namespace kernel

// The blocks of a live list (encode_call.hpp), W at a time: lane l draws
// its entry's block (the counter the full kernel below gives it), and each
// block's four bytes go to its neurons (fewer in a last, partial block).
// The lanes load straight from the list (padded to whole vectors).
template <class Arch>
void bernoulliListed(const BernoulliCall& c) {
  using U = kernel::Words<Arch>;
  constexpr std::size_t W = U::size;
  static_assert(BernoulliLive::kPad % W == 0, "the lists are padded to whole vectors");
  const BernoulliLive& L = *c.live;
  alignas(64) std::uint32_t packed[W];
  for (std::size_t b = 0; b < c.batch; ++b) {
    std::uint8_t* out = c.out + b * c.n;
    std::memset(out, 0, c.n);
    const std::size_t list = c.shared ? 0 : c.liveFirst + b;
    const std::size_t begin = L.start[list], end = begin + L.used[list];
    for (std::size_t k0 = begin; k0 < end; k0 += W) {
      const std::size_t count = std::min(W, end - k0);
      const U bytes = kernel::drawBlocks<Arch>(c, b, U::load_unaligned(L.block.data() + k0), [&](int w) {
        return std::make_pair(U::load_unaligned(L.limit[w].data() + k0), U::load_unaligned(L.on[w].data() + k0));
      });
      bytes.store_aligned(packed);
      for (std::size_t l = 0; l < count; ++l) {
        const std::size_t first = 4 * static_cast<std::size_t>(L.block[k0 + l]);
        if (first + 4 <= c.n) {
          std::memcpy(out + first, packed + l, 4);  // a fixed size: one store, not a call
        } else {
          std::memcpy(out + first, packed + l, c.n - first);
        }
      }
    }
  }
}

// W lanes of Philox make the 4 W words of 4 W neurons: lane l holds block
// j0 + l, whose word w draws neuron 4 (j0 + l) + w. The comparisons are made
// per word (vectors of limits laid out the same way), and the four 0/1
// results of a block packed into one 32-bit lane, byte w = word w: stored
// little-endian, that is the neurons' bytes in order. A group of neurons
// that all have rate 0 (shared thresholds, or this sample's) costs no Philox.
template <class Arch>
void bernoulliStep(const BernoulliCall& c) {
  static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "spikes are packed four to a little-endian word");
  if (c.live) return bernoulliListed<Arch>(c);
  using U = kernel::Words<Arch>;
  constexpr std::size_t W = U::size;
  constexpr std::size_t G = 4 * W;  // neurons per group
  alignas(64) std::uint32_t lanes[W], limit[4][W], live[4][W], packed[W];
  for (std::size_t l = 0; l < W; ++l) lanes[l] = static_cast<std::uint32_t>(l);
  const U lane = U::load_aligned(lanes);
  for (std::size_t first = 0; first < c.n; first += G) {
    const std::size_t count = std::min(G, c.n - first);
    bool any = false;
    for (std::size_t b = 0; b < c.batch; ++b) {
      if (b == 0 || !c.shared) {
        const double* p = c.thresholds + (c.shared ? 0 : b * c.n) + first;
        any = false;
        for (std::size_t k = 0; k < G; ++k) {
          std::uint32_t& lim = limit[k % 4][k / 4];
          std::uint32_t& on = live[k % 4][k / 4];
          if (k < count) {
            kernel::wordLimit(p[k], lim, on);
          } else {
            lim = 0;
            on = 0;
          }
          any = any || on;
        }
      }
      std::uint8_t* out = c.out + b * c.n + first;
      if (!any) {
        std::memset(out, 0, count);
        continue;
      }
      const U bytes = kernel::drawBlocks<Arch>(c, b, U(static_cast<std::uint32_t>(first / 4)) + lane, [&](int w) {
        return std::make_pair(U::load_aligned(limit[w]), U::load_aligned(live[w]));
      });
      bytes.store_aligned(packed);
      std::memcpy(out, packed, count);
    }
  }
}

}  // namespace spiking
