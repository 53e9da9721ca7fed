// Trace-based pair STDP (Song, Miller & Abbott 2000; Brian2's STDP example,
// BindsNET's PostPre), event driven and arch-generic: instantiated by each
// native/isa/*.cpp and picked through the dispatcher's LearningKernels table.
// A step costs O(arriving spikes x outputs + postsynaptic spikes x inputs):
// silent synapses are never touched. The caller splits the outputs [oBegin,
// oEnd) across threads; every synapse is updated by one call, in the same
// order, whatever the split.
//
// Per step, after pairTraces (x = x * decay, then + 1 or = 1 on a spike),
// one float32 operation at a time:
//   depression, for each sample b, each input i that arrived, each output o:
//     additive        w = w - (aMinus * xPost[b][o])
//     multiplicative  w = w - ((aMinus * xPost[b][o]) * (w - wMin))
//   then potentiation, for each sample b, each output o that spiked, each input i:
//     additive        w = w + (aPlus * xPre[b][i])
//     multiplicative  w = w + ((aPlus * xPre[b][i]) * (wMax - w))
//   each followed by w = w < wMin ? wMin : (w > wMax ? wMax : w).
#pragma once

#include <cstddef>
#include <cstdint>

#include "../vector_loop.hpp"
#include "../../abi/learning_view.hpp"

namespace spiking {
namespace kernel {

// Vector clip in the scalar form's order (comparisons, so the sign of a zero is kept).
template <class A>
inline Batch<A> clip(const Batch<A>& w, const Batch<A>& lo, const Batch<A>& hi) {
  const Batch<A> up = xsimd::select(w < lo, lo, w);
  return xsimd::select(up > hi, hi, up);
}

static inline float clipScalar(float w, float lo, float hi) {
  const float up = w < lo ? lo : w;
  return up > hi ? hi : up;
}

template <class A>
inline void pairRows(const PairCall& C) {
  using B = Batch<A>;
  constexpr std::size_t W = B::size;
  const Synapses& S = C.syn;
  const B aMinus(C.aMinus), wMin(C.wMin), wMax(C.wMax), out(static_cast<float>(S.out));
  alignas(64) float lanes[W];
  for (std::size_t j = 0; j < W; ++j) lanes[j] = static_cast<float>(j);
  const B lane = B::load_aligned(lanes);
  // Depression: one row of outputs per arriving input (the products
  // aMinus * y given, or made here).
  for (std::size_t b = 0; b < S.batch; ++b) {
    const float* y = C.postTrace + b * S.stride;
    const float* given = C.depression ? C.depression + b * S.stride : nullptr;
    for (std::size_t e = C.starts[b]; e < C.starts[b + 1]; ++e) {
      float* w = S.weights + C.arrivals[e] * S.stride;
      for (std::size_t o = C.oBegin; o < C.oEnd; o += W) {
        const B old = B::load_unaligned(w + o);
        const B change = given ? B::load_unaligned(given + o) : aMinus * B::load_unaligned(y + o);
        B v = C.multiplicative ? old - change * (old - wMin) : old - change;
        v = clip<A>(v, wMin, wMax);
        if (o + W > S.out) v = xsimd::select(lane + B(static_cast<float>(o)) < out, v, old);  // padding stays 0
        v.store_unaligned(w + o);
      }
    }
  }
  // Potentiation: one column of inputs per postsynaptic spike.
  const std::size_t end = C.oEnd < S.out ? C.oEnd : S.out;
  for (std::size_t b = 0; b < S.batch; ++b) {
    const float* x = C.preTrace + b * S.in;
    for (std::size_t o = C.oBegin; o < end; ++o) {
      if (!C.postSpikes[b * S.out + o]) continue;
      float* w = S.weights + o;
      for (std::size_t i = 0; i < S.in; ++i) {
        const float old = w[i * S.stride];
        const float change = C.aPlus * x[i];
        const float v = C.multiplicative ? old + change * (C.wMax - old) : old + change;
        w[i * S.stride] = clipScalar(v, C.wMin, C.wMax);
      }
    }
  }
}

// Serial, once per step: the traces decay, then take this step's spikes
// (arrivals for the presynaptic trace, the layer's spikes for the postsynaptic
// one): x = x * decay, then x + 1 (set: 1) where a spike came.
static inline void pairTraces(const Synapses& S, const std::uint8_t* postSpikes, float* preTrace, float* postTrace,
                              float decayPre, float decayPost, bool set) {
  for (std::size_t b = 0; b < S.batch; ++b) {
    const std::uint8_t* sent = S.sent(S.delay, b);
    float* x = preTrace + b * S.in;
    for (std::size_t i = 0; i < S.in; ++i) {
      const float v = x[i] * decayPre;
      x[i] = sent[i] ? (set ? 1.0f : v + 1.0f) : v;
    }
    float* y = postTrace + b * S.stride;
    for (std::size_t o = 0; o < S.out; ++o) {
      const float v = y[o] * decayPost;
      y[o] = postSpikes[b * S.out + o] ? (set ? 1.0f : v + 1.0f) : v;
    }
  }
}

}  // namespace kernel

template <class Arch>
void pairStdp(const PairCall& call) {
  kernel::pairRows<Arch>(call);
}

}  // namespace spiking
