// MSTDPET (Florian 2007; PySNN's pysnn.learning.MSTDPET), arch-generic:
// instantiated by each native/isa/*.cpp and picked through the dispatcher's
// LearningKernels table. The caller splits the presynaptic rows [iBegin,
// iEnd) across threads: every synapse's arithmetic is the same whatever the
// split. Vectors run over the postsynaptic index o of the input-major
// storage, whole vectors up to `stride` (padding lanes stay 0).
//
// One IEEE float32 operation per step of shared/LEARNING.md, in its order
// (the build adds -ffp-contract=off):
//
//   update  e = e * decay
//           e = e + aPre  * (preTrace[b][i] * postSpike[b][o])
//           e = e - aPost * (arrived[b][o][i] * postTrace[b][o])
//   step    acc = e[0][o][i] + e[1][o][i] + ... (batch order)
//           w[o][i] = w[o][i] + scale * (acc / batch)
#pragma once

#include <cstddef>
#include <cstdint>

#include "../vector_loop.hpp"
#include "../../abi/learning_view.hpp"

namespace spiking {
namespace kernel {

// 1.0f in the lanes of synapses (o .. o + W - 1, i) that a spike of sample b
// reached at the last step, else 0.0f. Delays are only compared with lags.
template <class A>
inline Batch<A> arrivedAt(const Synapses& S, std::size_t b, std::size_t i, std::size_t o) {
  using B = Batch<A>;
  if (!S.delays) return B(S.sent(S.delay, b)[i] ? 1.0f : 0.0f);
  const B lags = B::load_unaligned(S.delays + i * S.stride + o);
  B s(0.0f);
  for (std::size_t lag = 0; lag < S.rows; ++lag) {
    if (S.sent(lag, b)[i]) s = xsimd::select(lags == B(static_cast<float>(lag)), B(1.0f), s);
  }
  return s;
}

template <class A>
inline void mstdpetUpdateRows(const MstdpetCall& C) {
  using B = Batch<A>;
  constexpr std::size_t W = B::size;
  const Synapses& S = C.syn;
  const B decay(C.decay), aPre(C.aPre), aPost(C.aPost);
  for (std::size_t i = C.iBegin; i < C.iEnd; ++i) {
    for (std::size_t b = 0; b < S.batch; ++b) {
      float* e = C.eTrace + (b * S.in + i) * S.stride;
      const float* postSpikes = C.postSpikes + b * S.stride;
      const float* postTrace = C.postTrace + b * S.stride;
      const B preTrace(C.preTrace[b * S.in + i]);
      for (std::size_t o = 0; o < S.stride; o += W) {
        B v = B::load_unaligned(e + o) * decay;
        v = v + aPre * (preTrace * B::load_unaligned(postSpikes + o));
        v = v - aPost * (arrivedAt<A>(S, b, i, o) * B::load_unaligned(postTrace + o));
        v.store_unaligned(e + o);
      }
    }
  }
}

template <class A>
inline void mstdpetStepRows(const MstdpetCall& C) {
  using B = Batch<A>;
  constexpr std::size_t W = B::size;
  const Synapses& S = C.syn;
  const B count(static_cast<float>(S.batch)), scale(C.scale);
  const std::size_t sample = S.in * S.stride;  // floats between samples of eTrace
  for (std::size_t i = C.iBegin; i < C.iEnd; ++i) {
    float* w = S.weights + i * S.stride;
    const float* e = C.eTrace + i * S.stride;
    for (std::size_t o = 0; o < S.stride; o += W) {
      B acc = B::load_unaligned(e + o);
      for (std::size_t b = 1; b < S.batch; ++b) acc = acc + B::load_unaligned(e + b * sample + o);
      (B::load_unaligned(w + o) + scale * divide<A>(acc, count, A{})).store_unaligned(w + o);
    }
  }
}

// The postsynaptic terms as whole float rows (run once per step, before the
// split): spikes as 0.0f / 1.0f and the trace, each [batch][stride], 0 past `out`.
static inline void mstdpetPost(const Synapses& S, const std::uint8_t* spikes, const float* trace, float* spikesOut,
                               float* traceOut) {
  for (std::size_t b = 0; b < S.batch; ++b) {
    for (std::size_t o = 0; o < S.stride; ++o) {
      const bool real = o < S.out;
      spikesOut[b * S.stride + o] = real && spikes[b * S.out + o] ? 1.0f : 0.0f;
      traceOut[b * S.stride + o] = real ? trace[b * S.out + o] : 0.0f;
    }
  }
}

}  // namespace kernel

template <class Arch>
void mstdpetUpdate(const MstdpetCall& call) {
  kernel::mstdpetUpdateRows<Arch>(call);
}

template <class Arch>
void mstdpetStep(const MstdpetCall& call) {
  kernel::mstdpetStepRows<Arch>(call);
}

}  // namespace spiking
