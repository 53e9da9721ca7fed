// Input: PySNN's Input neuron. The trace integrates x itself (spikes or
// graded values); a spike is any non-zero x.
#pragma once

#include "../stages.hpp"

namespace spiking {
namespace kernel {

struct InputModel {
  static constexpr bool kHasVoltage = false;
  static constexpr bool kAdapts = false;
  static constexpr bool kTheta = false;

  template <Update U, bool Refrac, class A, class P>
  static Mask<A> step(Lanes<A>& s, const Batch<A>& x, const P& p) {
    s.trace = decayTowards<U, A>(s.trace, x, p(ParamId::AlphaT),
                                 p.template decay<U>(ParamId::TauT));
    // !(x == 0), not x != 0: xsimd's != is ordered on AVX (NaN != 0 false)
    // but unordered on SSE2 and NEON; a NaN input is non-zero, a spike, as
    // in PySNN and the staged path, under every instruction set.
    return !(x == Batch<A>(0.0f));
  }
};

}  // namespace kernel
}  // namespace spiking
