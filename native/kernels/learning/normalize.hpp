// Weight normalisation (Diehl & Cook 2015), arch-generic: each output's
// incoming weights rescaled so that they sum to `total`. Per output o, in
// float32: s = w[o][0] + w[o][1] + ... (increasing i), f = total / s, then
// w[o][i] = w[o][i] * f; an output whose s is 0, or whose f is not finite,
// keeps its weights. Vectors run over outputs; the caller splits the outputs
// [oBegin, oEnd) across threads (oBegin a multiple of the widest vector).
#pragma once

#include <cstddef>

#include "../vector_loop.hpp"
#include "../../abi/learning_view.hpp"

namespace spiking {
namespace kernel {

template <class A>
inline void normalizeColumns(const NormalizeCall& C) {
  using B = Batch<A>;
  constexpr std::size_t W = B::size;
  const Synapses& S = C.syn;
  const B total(C.total), zero(0.0f);
  for (std::size_t o = C.oBegin; o < C.oEnd; o += W) {
    B sum = B::load_unaligned(S.weights + o);
    for (std::size_t i = 1; i < S.in; ++i) sum = sum + B::load_unaligned(S.weights + i * S.stride + o);
    const B factor = divide<A>(total, sum, A{});
    const auto rescale = (sum != zero) & xsimd::isfinite(factor);  // padding lanes sum to 0: untouched
    for (std::size_t i = 0; i < S.in; ++i) {
      float* w = S.weights + i * S.stride + o;
      const B v = B::load_unaligned(w);
      xsimd::select(rescale, v * factor, v).store_unaligned(w);
    }
  }
}

}  // namespace kernel

template <class Arch>
void normalizeWeights(const NormalizeCall& call) {
  kernel::normalizeColumns<Arch>(call);
}

}  // namespace spiking
