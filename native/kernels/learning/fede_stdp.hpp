// FedeSTDP (Paredes-Valles et al.; PySNN's pysnn.learning.FedeSTDP), scalar:
// it is four float32 exponentials per synapse, and the library's expf gives
// the same bits whatever instruction set the caller was compiled for (a
// vector exp would not: its polynomial fuses differently per ISA). The
// caller splits the presynaptic rows [iBegin, iEnd) across threads after
// fedeTerms; each synapse's arithmetic is the same whatever the split.
//
// Op order (shared/LEARNING.md), float32, one rounding per op:
//   m   = max over b, i of preTrace[b][i]          (the caller skips m == 0)
//   nt  = preTrace[b][i] / m
//   dw  = w - wInit
//   d   = (exp(-dw) * (exp(nt) - a)) + ((-exp(dw)) * (exp(1 - nt) - a))
//   w   = w + lr * ((d[0] + d[1] + ... in batch order) / batch)
#pragma once

#include <cmath>
#include <cstddef>

#include "../../abi/learning_view.hpp"

namespace spiking {
namespace kernel {

// The largest presynaptic trace over the batch (the values are finite).
static inline float fedeMax(const float* trace, std::size_t n) {
  float m = trace[0];
  for (std::size_t k = 1; k < n; ++k) m = trace[k] > m ? trace[k] : m;
  return m;
}

// The trace terms, once per (b, i) rather than per synapse (the same values):
// scratch[k] = exp(nt) - a, scratch[batch * in + k] = exp(1 - nt) - a.
static inline void fedeTerms(const FedeCall& C, float m) {
  const std::size_t n = C.syn.batch * C.syn.in;
  for (std::size_t k = 0; k < n; ++k) {
    const float nt = C.preTrace[k] / m;
    C.scratch[k] = std::exp(nt) - C.a;
    C.scratch[n + k] = std::exp(1.0f - nt) - C.a;
  }
}

static inline void fedeRows(const FedeCall& C) {
  const Synapses& S = C.syn;
  const float* ltpTerm = C.scratch;
  const float* ltdTerm = C.scratch + S.batch * S.in;
  const float count = static_cast<float>(S.batch);
  for (std::size_t i = C.iBegin; i < C.iEnd; ++i) {
    float* w = S.weights + i * S.stride;
    for (std::size_t o = 0; o < S.out; ++o) {
      const float dw = w[o] - C.wInit;
      const float ltpW = std::exp(-dw);
      const float ltdW = -std::exp(dw);
      float acc = 0.0f;
      for (std::size_t b = 0; b < S.batch; ++b) {
        const std::size_t k = b * S.in + i;
        const float d = (ltpW * ltpTerm[k]) + (ltdW * ltdTerm[k]);
        acc = b == 0 ? d : acc + d;
      }
      w[o] = w[o] + C.lr * (acc / count);
    }
  }
}

}  // namespace kernel
}  // namespace spiking
