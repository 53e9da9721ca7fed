// The stages that IF, LIF, AdaptiveLIF and Fede share after their voltage
// update (docs/semantics.md, "One neuron step", steps 1 and 3-7), written once on vectors. Each model
// header composes them into its fused step.
#pragma once

#include "vector_loop.hpp"

namespace spiking {
namespace kernel {

// Step 1: 1 where the neuron may integrate, 0 while refractory.
template <bool Refrac, class A>
inline Batch<A> openGate(const Lanes<A>& s) {
  using B = Batch<A>;
  if constexpr (Refrac) return xsimd::select(s.left == B(0.0f), B(1.0f), B(0.0f));
  return B(1.0f);
}

// delta * nonRefrac; without a refractory stage the factor is always 1 and
// x * 1 == x exactly, so the multiply is skipped.
template <bool Refrac, class A>
inline Batch<A> gated(const Batch<A>& delta, const Batch<A>& open) {
  if constexpr (Refrac) return delta * open;
  return delta;
}

// Steps 4 and 5: trace (and adaptive threshold) with increment s.
template <Update U, class A>
inline Batch<A> decayTowards(const Batch<A>& value, const Batch<A>& s, const Batch<A>& alpha,
                             const Batch<A>& factor) {
  if constexpr (U == Update::Linear) return value * factor + alpha * s;
  return value + factor * ((alpha * s) - value);
}

// Steps 3-7 for neurons whose voltage is already updated: spike (v reaches
// `threshold`), trace (update type TraceU), adaptive threshold, refractory
// count, reset.
template <Update TraceU, Update ThreshU, bool Adapts, bool Refrac, class A, class P>
inline Mask<A> fireAt(Lanes<A>& s, const P& p, const Batch<A>& threshold) {
  using B = Batch<A>;
  const Mask<A> spike = s.v >= threshold;
  const B fired = xsimd::select(spike, B(1.0f), B(0.0f));
  s.trace = decayTowards<TraceU, A>(s.trace, fired, p(ParamId::AlphaT),
                                    p.template decay<TraceU>(ParamId::TauT));
  if constexpr (Adapts) {
    s.thresh = decayTowards<ThreshU, A>(s.thresh, fired, p(ParamId::AlphaThresh),
                                        p.template decay<ThreshU>(ParamId::TauThresh));
  }
  if constexpr (Refrac) {
    const B zero(0.0f);
    s.left = xsimd::select(s.left > zero, s.left - B(1.0f), zero);
    s.left = s.left + p.c.refracSteps * fired;
  }
  s.v = xsimd::select(spike, p.c.vRest, s.v);
  return spike;
}

// Steps 3-7 against the neuron's own threshold.
template <Update TraceU, Update ThreshU, bool Adapts, bool Refrac, class A, class P>
inline Mask<A> fire(Lanes<A>& s, const P& p) {
  return fireAt<TraceU, ThreshU, Adapts, Refrac, A>(s, p, s.thresh);
}

}  // namespace kernel
}  // namespace spiking
