// LIF: leaky integrate and fire (PySNN LIFNeuron). A linear LIF is held at
// vRest while refractory; an exponential one keeps its voltage.
#pragma once

#include "../stages.hpp"

namespace spiking {
namespace kernel {

template <Update U, bool Refrac, class A, class P>
inline Batch<A> lifVoltage(const Lanes<A>& s, const Batch<A>& current, const P& p) {
  const Batch<A> open = openGate<Refrac, A>(s);
  const Batch<A>& vRest = p.c.vRest;
  if constexpr (U == Update::Linear) {
    const Batch<A> delta = (s.v - vRest) * p.template decay<U>(ParamId::TauV) +
                           p(ParamId::AlphaV) * current;
    return vRest + gated<Refrac, A>(delta, open);
  }
  const Batch<A> delta =
      p.template decay<U>(ParamId::TauV) * ((p(ParamId::AlphaV) * current) - (s.v - vRest));
  return s.v + gated<Refrac, A>(delta, open);
}

struct LIFModel {
  static constexpr bool kHasVoltage = true;
  static constexpr bool kAdapts = false;
  static constexpr bool kTheta = false;

  template <Update U, bool Refrac, class A, class P>
  static Mask<A> step(Lanes<A>& s, const Batch<A>& current, const P& p) {
    s.v = lifVoltage<U, Refrac, A>(s, current, p);
    return fire<U, U, false, Refrac, A>(s, p);
  }
};

}  // namespace kernel
}  // namespace spiking
