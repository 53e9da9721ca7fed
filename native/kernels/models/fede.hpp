// Fede: the LIF of Paredes-Valles et al. (PySNN FedeNeuron). Driven by
// alphaV * sum(x - preTrace); always exponential, trace included.
#pragma once

#include "../stages.hpp"

namespace spiking {
namespace kernel {

struct FedeModel {
  static constexpr bool kHasVoltage = true;
  static constexpr bool kAdapts = false;
  static constexpr bool kTheta = false;

  // `difference` is the fold of x - preTrace (vector_loop.hpp, currentAt).
  template <Update U, bool Refrac, class A, class P>
  static Mask<A> step(Lanes<A>& s, const Batch<A>& difference, const P& p) {
    constexpr Update kExp = Update::Exponential;
    const Batch<A> open = openGate<Refrac, A>(s);
    const Batch<A> forcing = p(ParamId::AlphaV) * difference;
    s.v = s.v + gated<Refrac, A>(
                    p.template decay<kExp>(ParamId::TauV) * (forcing - (s.v - p.c.vRest)), open);
    return fire<kExp, kExp, false, Refrac, A>(s, p);
  }
};

}  // namespace kernel
}  // namespace spiking
